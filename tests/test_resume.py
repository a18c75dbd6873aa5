"""Checkpoints and budgets: a killed run resumes without repeating finished calls; budgets stop cleanly."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.testing import FakeModelTransport
from tests.conftest import FAKE_BASE_URL, ROOT, invoke_draft, write
from tests.fake_server import FakeOpenAIServer, ScriptedResponder


def checkpoint_ids(path: Path) -> list[str]:
    ids = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError, KeyError):  # a line cut short by the kill
            ids.append(json.loads(line)["section"]["id"])
    return ids


def test_a_killed_run_resumes_without_repeating_finished_calls(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    out = tmp_path / "spotify.md"
    checkpoint = tmp_path / "spotify.checkpoint.jsonl"
    env = dict(os.environ)  # cleaned by conftest
    env["OPENAI_API_KEY"] = "sk-test-resume"
    arguments = ["--out", str(out), "--concurrency", "2", "--quiet"]
    # The crash, end to end: a separate process drafting against a server on 127.0.0.1, killed mid-run.
    with FakeOpenAIServer(ScriptedResponder(latency=0.02)) as server:
        command = [sys.executable, "-m", "naftiko_writer", "draft", "spotify", "--mode", "live",
                   "--base-url", server.base_url, *arguments]  # fmt: skip
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not checkpoint.exists() or len(checkpoint_ids(checkpoint)) < 20):
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)  # a crash: no clean-up code runs
        first.wait(timeout=30)
    finished = checkpoint_ids(checkpoint)
    assert 20 <= len(finished) < 61 and not out.exists()

    # The same command again (in process, against the in-process model) resumes from the checkpoint.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-resume")
    second = invoke_draft(runner, server.base_url, *arguments)  # the same endpoint: only the same run resumes
    assert second.exit_code == 0, second.stderr
    repeated = set(fake_model.sections_requested()) & set(finished)
    assert repeated == set()
    assert len(fake_model.requests) == 61 - len(finished)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sorted(sidecar["summary"]["reused"]) == sorted(finished)
    assert all(section["source"] == "model" for section in sidecar["sections"].values())
    assert not checkpoint.exists()  # removed once the draft is written


def test_a_token_budget_stops_with_a_partial_resumable_draft(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-budget")
    out = tmp_path / "spotify.md"
    base = ["draft", "spotify", "--mode", "live", "--base-url", FAKE_BASE_URL, "--out", str(out),
            "--concurrency", "1", "--quiet"]  # fmt: skip
    stopped = runner.invoke(app, [*base, "--max-tokens-per-report", "8000"])
    assert stopped.exit_code == 3, stopped.stderr
    assert "Error: stopped early: the token budget of 8,000 per report is spent" in stopped.stderr
    partial = out.read_text()
    pending = partial.count("**Not drafted yet:**")
    spent = len(fake_model.requests)
    assert pending > 0 and spent + pending == 61
    assert len(checkpoint_ids(tmp_path / "spotify.checkpoint.jsonl")) == spent

    fake_model.requests.clear()
    resumed = runner.invoke(app, [*base, "--max-tokens-per-report", "1000000", "--json"])
    assert resumed.exit_code == 0, resumed.stderr
    assert len(fake_model.requests) == pending  # only what the first run did not draft
    assert "Not drafted yet" not in out.read_text()
    assert json.loads(resumed.stdout)["summary"]["stopped"] is None


def test_cost_is_estimated_from_the_price_table(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["draft", "spotify", "--out", str(tmp_path / "d.md"), "--json"])
    summary = json.loads(result.stdout)["summary"]
    expected = (summary["prompt_tokens"] * 0.15 + summary["completion_tokens"] * 0.60) / 1_000_000
    assert summary["cost"] == pytest.approx(expected)  # gpt-4o-mini, the recordings' model


def test_a_cost_budget_needs_a_priced_model(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["draft", "spotify", "--model", "mystery-model", "--max-cost", "0.01", "--out", str(tmp_path / "d.md")]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --max-cost needs a price for model 'mystery-model'")


def test_a_broken_price_table_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    prices = write(
        tmp_path / "prices.yaml", "version: x\nmodels:\n  m: {input_per_million: -1, output_per_million: 1}\n"
    )
    result = runner.invoke(app, ["draft", "spotify", "--prices", str(prices), "--out", str(tmp_path / "d.md")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {prices}: invalid price table: models.m.input_per_million:")
