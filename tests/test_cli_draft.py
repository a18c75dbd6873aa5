"""`naftiko-writer draft`: offline by default, files written, clear errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.testing import FakeModelTransport
from tests.conftest import FAKE_BASE_URL, invoke_draft
from tests.fake_server import ScriptedResponder


def test_default_draft_is_offline_from_shipped_recordings(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "spotify.md"
    result = runner.invoke(app, ["draft", "spotify", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_text().count("### ") >= 50
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["summary"]["fallbacks"] == 0
    assert sidecar["provenance"]["recording_sources"] == ["authored"]
    assert f"Draft written to {out}" in result.stderr
    assert "fallbacks 0" in result.stderr


def test_default_output_path_is_under_drafts(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["draft", "spotify", "--engine", "template", "--json"])
    assert result.exit_code == 0, result.stderr
    paths = json.loads(result.stdout)
    assert Path(paths["markdown"]).parent == Path("drafts/spotify")
    assert Path(paths["markdown"]).is_file() and Path(paths["sidecar"]).is_file()
    assert paths["summary"]["calls"] == 0


def test_a_model_that_fails_every_call_gives_a_complete_draft_and_exit_4(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cli")
    fake_model.responder = ScriptedResponder(always="schema")
    result = invoke_draft(runner, FAKE_BASE_URL, "--out", str(tmp_path / "d.md"), "--max-repairs", "0")
    assert result.exit_code == 4, result.stderr
    assert "fallbacks 61" in result.stderr
    assert "Error: every section fell back to the template engine" in result.stderr
    draft = (tmp_path / "d.md").read_text()
    assert draft.count("**Analyst review:**") == 61 and len(re.findall(r"^## Layer \d+: ", draft, re.M)) == 11
    assert "61 section(s) fell back to the template engine" in result.stderr
    assert (tmp_path / "d.md").read_text().count("Analyst review") == 61


def test_record_mode_without_key_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["draft", "spotify", "--mode", "record", "--out", str(tmp_path / "d.md")])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: OPENAI_API_KEY is not set; record mode calls https://api.openai.com/v1.")
    assert not (tmp_path / "d.md").exists()


def test_replay_miss_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["draft", "spotify", "--model", "other-model", "--out", str(tmp_path / "d.md")])
    assert result.exit_code == 1
    assert "Error: no recording for section" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "d.md").exists()


def test_out_must_be_markdown(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["draft", "spotify", "--out", str(tmp_path / "d.txt")])
    assert result.exit_code == 1
    assert "a draft is Markdown; give --out a path ending in .md" in result.stderr


def test_draft_help(runner: CliRunner) -> None:
    result = runner.invoke(app, ["draft", "--help"])
    assert result.exit_code == 0
    for flag in ("--engine", "--mode", "--model", "--base-url", "--concurrency", "--out", "--json"):
        assert flag in result.stdout
