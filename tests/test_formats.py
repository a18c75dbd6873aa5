"""Versioned outputs: `score --json`, the draft sidecar and the batch state carry format_version, and a reader
meeting a newer one says so in one line (exit 1) instead of misreading the file or calling it damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.errors import InputError
from naftiko_writer.formats import BATCH_FORMAT, SCORECARD_FORMAT, SIDECAR_FORMAT
from naftiko_writer.scoring.models import ScoreCard, parse_scorecard
from tests.test_batch import answer_round, invoke_json


def _bump(path: Path, key: str = "format_version", version: int = 99) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data[key] = version
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _newer(path: Path, what: str, known: int) -> str:
    return (
        f"Error: {path}: {what} format_version 99 is newer than this naftiko-writer reads (up to {known}); "
        "upgrade naftiko-writer to read it\n"
    )


def test_score_json_leads_with_its_format_version(runner: CliRunner, spotify_card: ScoreCard) -> None:
    result = runner.invoke(app, ["score", "spotify", "--json"])
    assert result.exit_code == 0, result.stderr
    assert next(iter(json.loads(result.stdout).items())) == ("format_version", SCORECARD_FORMAT)
    explained = json.loads(runner.invoke(app, ["score", "spotify", "--json", "--explain", "cloud"]).stdout)
    assert next(iter(explained.items())) == ("format_version", SCORECARD_FORMAT)
    assert explained["score"] == spotify_card.dimension("cloud").score


def test_a_scorecard_reads_back_and_a_newer_one_is_refused_in_one_line(
    runner: CliRunner, spotify_card: ScoreCard
) -> None:
    printed = runner.invoke(app, ["score", "spotify", "--json"]).stdout
    assert parse_scorecard(printed, "spotify.json") == spotify_card
    newer = json.dumps({**json.loads(printed), "format_version": SCORECARD_FORMAT + 1})
    with pytest.raises(InputError) as raised:
        parse_scorecard(newer, "spotify.json")
    assert str(raised.value) == (
        f"spotify.json: ScoreCard format_version {SCORECARD_FORMAT + 1} is newer than this naftiko-writer reads "
        f"(up to {SCORECARD_FORMAT}); upgrade naftiko-writer to read it"
    )
    with pytest.raises(InputError, match=r"^spotify.json: not a ScoreCard \(company: Field required\)"):
        parse_scorecard('{"format_version": 1}', "spotify.json")


def test_a_sidecar_of_a_newer_format_stops_check_and_update_in_one_line(runner: CliRunner, spotify_draft: Path) -> None:
    sidecar = spotify_draft.with_suffix(".json")
    assert json.loads(sidecar.read_text(encoding="utf-8"))["format_version"] == SIDECAR_FORMAT
    _bump(sidecar)
    checked = runner.invoke(app, ["check", str(spotify_draft)])
    assert (checked.exit_code, checked.stderr) == (1, _newer(sidecar, "draft sidecar", SIDECAR_FORMAT))
    updated = runner.invoke(app, ["draft", "spotify", "--update", str(spotify_draft), "--engine", "template"])
    assert (updated.exit_code, updated.stderr) == (1, _newer(sidecar, "draft sidecar", SIDECAR_FORMAT))


def test_a_batch_state_of_a_newer_format_stops_collect_in_one_line(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder))
    state = folder / "state.json"
    assert json.loads(state.read_text(encoding="utf-8"))["format_version"] == BATCH_FORMAT
    results = answer_round(folder / "round-1.jsonl", tmp_path / "results.jsonl")
    _bump(state)
    collected = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results)])
    assert (collected.exit_code, collected.stderr) == (1, _newer(state, "batch state", BATCH_FORMAT))


def test_a_batch_state_written_before_format_version_still_reads(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder))
    state = folder / "state.json"
    data = json.loads(state.read_text(encoding="utf-8"))
    data["version"] = data.pop("format_version")  # the key's name before it was format_version
    state.write_text(json.dumps(data), encoding="utf-8")
    results = answer_round(folder / "round-1.jsonl", tmp_path / "results.jsonl")
    collected = invoke_json(runner, "batch", "collect", str(folder), "--results", str(results))
    assert collected["collected"] > 0
