"""No output ever lands on an input or on another output, and nothing set aside is ever overwritten."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.checkpoint import FORMAT, Checkpoint, stale_path
from tests.conftest import VALID_SIGNALS


@pytest.fixture
def acme_json(tmp_path: Path) -> Path:
    """A JSON signals file, acme.json: the name a draft's sidecar of acme.md would have."""
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(yaml.safe_load(VALID_SIGNALS), default=str), encoding="utf-8")
    return path


def test_a_sidecar_is_never_written_over_the_signals_it_was_drafted_from(runner: CliRunner, acme_json: Path) -> None:
    before = acme_json.read_bytes()
    out = acme_json.with_suffix(".md")
    result = runner.invoke(app, ["draft", str(acme_json), "--engine", "template", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {acme_json}: its sidecar would be written over the signals file ({acme_json}), which this run "
        "reads; nothing was written; give --out another path\n"
    )
    assert acme_json.read_bytes() == before and not out.exists()


@pytest.mark.parametrize("link", ["symlink", "hard link"])
def test_a_link_to_the_signals_file_is_the_signals_file(runner: CliRunner, acme_json: Path, link: str) -> None:
    before = acme_json.read_bytes()
    sidecar = acme_json.with_name("report.json")
    (os.symlink if link == "symlink" else os.link)(acme_json, sidecar)
    result = runner.invoke(
        app, ["draft", str(acme_json), "--engine", "template", "--out", str(sidecar.with_suffix(".md"))]
    )
    assert result.exit_code == 1
    assert "its sidecar would be written over the signals file" in result.stderr
    assert acme_json.read_bytes() == before


def test_update_never_writes_a_sidecar_over_the_signals_file(runner: CliRunner, acme_json: Path) -> None:
    draft = acme_json.with_name("draft.md")
    assert runner.invoke(app, ["draft", str(acme_json), "--engine", "template", "--out", str(draft)]).exit_code == 0
    before = acme_json.read_bytes()
    result = runner.invoke(
        app,
        [
            "draft",
            str(acme_json),
            "--update",
            str(draft),
            "--engine",
            "template",
            "--out",
            str(acme_json.with_suffix(".md")),
        ],
    )
    assert result.exit_code == 1
    assert "its sidecar would be written over the signals file" in result.stderr
    assert acme_json.read_bytes() == before


def test_import_never_writes_over_its_own_source(runner: CliRunner, tmp_path: Path) -> None:
    lists = tmp_path / "globex"
    lists.mkdir()
    source = lists / "services.yml"
    source.write_text("- Amazon Web Services\n- Snowflake\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(lists), "--out", str(source), "--force"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {source}: the signals file would be written over the source ({source})")
    assert source.read_text() == "- Amazon Web Services\n- Snowflake\n"


def _checkpoint_with(path: Path, key: dict[str, object], text: str) -> None:
    header = {"checkpoint": FORMAT, "key": key}
    path.write_text(json.dumps(header) + "\n" + json.dumps({"spent": {"note": text}}) + "\n", encoding="utf-8")


def test_a_second_set_aside_checkpoint_never_replaces_the_first(tmp_path: Path) -> None:
    path = tmp_path / "r.checkpoint.jsonl"
    _checkpoint_with(path, {"mode": "live"}, "paid for in the first run")
    assert Checkpoint(path, {"mode": "replay"}).load().stale  # set aside
    _checkpoint_with(path, {"mode": "record"}, "paid for in the second run")
    warning = Checkpoint(path, {"mode": "replay"}).load().stale
    assert warning is not None and str(stale_path(path, 2)) in warning
    assert "paid for in the first run" in stale_path(path).read_text()
    assert "paid for in the second run" in stale_path(path, 2).read_text()
    assert not path.exists()
