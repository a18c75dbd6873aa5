"""The tool and its suite do not depend on the caller's shell: a model set for live work, colours, proxies."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.config import DEFAULT_MODEL
from naftiko_writer.drafting.testing import FakeModelTransport
from tests.conftest import CALLER_VARIABLES, FAKE_BASE_URL


def test_no_test_sees_the_callers_settings_colours_or_proxies() -> None:
    # CI runs the suite a second time with FORCE_COLOR, NAFTIKO_WRITER_MODEL, HTTPS_PROXY and a TMPDIR holding
    # a space set (.ci/run): conftest removes them for every test, once, in one place.
    prefixes, terminal, proxies = CALLER_VARIABLES
    left = [name for name in os.environ if name.startswith(prefixes) or name in terminal or name in proxies]
    assert left == ["COLUMNS"]  # set by conftest itself, so rich wraps alike everywhere
    assert os.environ["COLUMNS"] == "200"


def test_a_model_set_in_the_shell_still_drafts_the_readme_example_offline(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NAFTIKO_WRITER_MODEL is for live and record runs; replay (the README's first command) asks for the
    # shipped recordings, made with the default model, and says so in the sidecar.
    monkeypatch.setenv("NAFTIKO_WRITER_MODEL", "gpt-4.1")
    out = tmp_path / "spotify.md"
    result = runner.invoke(app, ["draft", "spotify", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.stderr
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["provenance"]["model"] == DEFAULT_MODEL
    assert sidecar["summary"]["fallbacks"] == 0


def test_replaying_another_model_names_the_model_the_recordings_were_made_with(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["draft", "spotify", "--model", "gpt-4.1", "--out", str(tmp_path / "s.md")])
    assert result.exit_code == 1
    assert f"was made with model {DEFAULT_MODEL!r}, not 'gpt-4.1' (replay it with `--model {DEFAULT_MODEL}`)" in (
        result.stderr
    )
    assert not (tmp_path / "s.md").exists()


def test_a_live_run_calls_the_model_the_shell_names(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_MODEL", "gpt-4.1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-model")
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):  # live drafting never goes through one
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    out = tmp_path / "spotify.md"
    result = runner.invoke(
        app, ["draft", "spotify", "--mode", "live", "--base-url", FAKE_BASE_URL, "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.stderr
    assert {request["body"]["model"] for request in fake_model.requests} == {"gpt-4.1"}
    assert json.loads(out.with_suffix(".json").read_text())["provenance"]["model"] == "gpt-4.1"
