"""A round larger than the provider's limits per batch file is split, submitted as several batches, collected as one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.batch import split_round
from naftiko_writer.errors import InputError
from tests.conftest import VALID_SIGNALS, write
from tests.fake_server import FakeOpenAIServer, ScriptedResponder
from tests.test_batch import answer_round

MAX_REQUESTS = 25
MAX_BYTES = 120_000


def _invoke_json(runner: CliRunner, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _build(runner: CliRunner, tmp_path: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    acme = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    folder = tmp_path / "batch"
    built = _invoke_json(runner, "batch", "build", "spotify", str(acme), "--out", str(folder),
                         "--max-requests-per-file", str(MAX_REQUESTS), "--max-bytes-per-file", str(MAX_BYTES))  # fmt: skip
    return folder, built


def _check_within_limits(files: list[Path], requests: int) -> None:
    assert len(files) > 1
    ids = []
    for path in files:
        data = path.read_bytes()
        lines = data.decode().splitlines()
        assert len(lines) <= MAX_REQUESTS and len(data) <= MAX_BYTES, path
        ids += [json.loads(line)["custom_id"] for line in lines]
    assert len(ids) == len(set(ids)) == requests  # every request once, in one file or another


def test_a_round_is_split_within_the_limits_and_collected_whole_through_the_batch_api(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch-split")
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder, built = _build(runner, tmp_path)
    files = [Path(path) for path in built["round_files"]]
    _check_within_limits(files, built["requests"])
    assert [path.name for path in files] == [f"round-1.{n}.jsonl" for n in range(1, len(files) + 1)]
    with FakeOpenAIServer(ScriptedResponder()) as server:
        batches = 0
        for _ in range(3):  # three rounds: independent sections, strategic assessments, executive summaries
            submitted = runner.invoke(app, ["batch", "submit", str(folder), "--base-url", server.base_url])
            assert submitted.exit_code == 0, submitted.stderr
            batches = len(server.batches)
            collected = _invoke_json(runner, "batch", "collect", str(folder), "--base-url", server.base_url)
        assert batches > 3  # round 1 went as several provider batches
    assert collected["fallbacks"] == 0 and len(collected["drafts"]) == 2
    assert collected["missing"] == 0


def test_a_split_round_collects_from_one_results_file_of_all_its_parts(runner: CliRunner, tmp_path: Path) -> None:
    folder, built = _build(runner, tmp_path)
    parts = [answer_round(Path(path), tmp_path / f"out-{n}.jsonl") for n, path in enumerate(built["round_files"])]
    results = write(tmp_path / "results.jsonl", "".join(path.read_text() for path in parts))
    collected = _invoke_json(runner, "batch", "collect", str(folder), "--results", str(results))
    assert collected["collected"] == built["requests"] and collected["missing"] == 0
    assert collected["round"] == 2


def test_split_round_keeps_order_and_refuses_a_request_larger_than_a_file() -> None:
    lines = [f'{{"custom_id": "{n}"}}' for n in range(7)]
    assert split_round(lines, 3, 10_000) == [lines[:3], lines[3:6], lines[6:]]
    assert split_round(lines, 100, 2 * (len(lines[0]) + 1)) == [lines[i : i + 2] for i in range(0, 7, 2)]
    with pytest.raises(InputError, match="over the 10 bytes a batch file may hold"):
        split_round(lines, 3, 10)
