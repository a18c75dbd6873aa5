"""Endpoints, recordings, checkpoints and batch results that misbehave: one validation, then a retry or a fallback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.config import RecordMode
from naftiko_writer.drafting.checkpoint import FORMAT, Checkpoint
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.testing import FakeModelTransport
from naftiko_writer.llm.factory import client_factory
from naftiko_writer.llm.protocol import RetryPolicy
from tests.conftest import FAKE_BASE_URL, make_run

SECTION = "methodology"
GARBAGE = {
    "empty-200": b"",
    "html-page": b"<html><body>502 Bad Gateway</body></html>",
    "not-json": b"upstream connect error",
    "a-json-string": b'"ok"',
    "null-message": json.dumps({"choices": [{"message": None, "finish_reason": "stop"}]}).encode(),
    "usage-as-string": json.dumps({"choices": [{"message": {"content": "{}"}}], "usage": "lots"}).encode(),
    "5000-digit-number": b'{"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": '
    + b"9" * 5000
    + b"}}",
    "nested-10000-deep": b'{"choices": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "negative-usage": json.dumps(
        {"choices": [{"message": {"content": "{}"}}], "usage": {"prompt_tokens": -(10**9), "completion_tokens": 0}}
    ).encode(),
}


class Garbled(httpx2.AsyncBaseTransport):
    """The in-process model, except that one section is always answered with `raw` (status 200)."""

    def __init__(self, raw: bytes, trickle: float = 0.0) -> None:
        self.inner = FakeModelTransport()
        self.raw = raw
        self.trickle = trickle
        self.garbled = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.headers.get("x-naftiko-section") != SECTION:
            return await self.inner.handle_async_request(request)
        self.garbled += 1
        if self.trickle:
            return httpx2.Response(200, headers={"content-type": "application/json"}, stream=_Trickle(self.trickle))
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=self.raw, request=request)


class _Trickle(httpx2.AsyncByteStream):
    """A body sent one byte at a time, each byte well inside any socket timeout: never done."""

    def __init__(self, pause: float) -> None:
        self.pause = pause

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for _ in range(10_000):
            await asyncio.sleep(self.pause)
            yield b" "


def _draft_with(transport: httpx2.AsyncBaseTransport, tmp_path: Path, spotify_clean, spotify_prepared, **run):  # type: ignore[no-untyped-def]
    clean, _ = spotify_clean
    previous = {key: value for key, value in clean.sections.items() if key != SECTION}
    values = {
        "mode": RecordMode.LIVE,
        "base_url": FAKE_BASE_URL,
        "retry": RetryPolicy(attempts=2, base_seconds=0, max_seconds=0),
    }
    job = make_run(tmp_path, **{**values, **run})
    return draft_report(job, spotify_prepared, previous=previous, clients=client_factory(transport))


@pytest.mark.parametrize("raw", GARBAGE.values(), ids=GARBAGE.keys())
def test_a_garbled_answer_is_retried_then_the_section_falls_back(
    raw: bytes,
    tmp_path: Path,
    spotify_clean,
    spotify_prepared,  # type: ignore[no-untyped-def]
) -> None:
    transport = Garbled(raw)
    report = _draft_with(transport, tmp_path, spotify_clean, spotify_prepared)
    section = report.sections[SECTION]
    assert transport.garbled == 2  # retried once (attempts=2), then given up
    assert section.source.value == "fallback"
    assert any("gave no usable chat completion" in problem for problem in section.problems)
    assert report.summary.prompt_tokens >= 0 and report.summary.completion_tokens >= 0


def test_an_answer_trickled_a_byte_at_a_time_cannot_outlive_the_timeout(
    tmp_path: Path,
    spotify_clean,
    spotify_prepared,  # type: ignore[no-untyped-def]
) -> None:
    transport = Garbled(b"", trickle=0.02)  # a byte every 20 ms: no socket read ever waits the whole timeout
    report = _draft_with(transport, tmp_path, spotify_clean, spotify_prepared, timeout_seconds=0.4)
    section = report.sections[SECTION]
    assert section.source.value == "fallback"
    assert any("took longer than 0.4 s (2 attempt(s))" in problem for problem in section.problems)


def test_a_checkpoint_cannot_lift_the_budget_with_negative_or_absurd_spending(tmp_path: Path) -> None:
    path = tmp_path / "r.checkpoint.jsonl"
    key = {"mode": "live"}
    lines = [{"checkpoint": FORMAT, "key": key}]
    lines += [{"spent": {"prompt_tokens": 1000, "completion_tokens": 200, "cost": 0.01}}]
    lines += [{"spent": {"prompt_tokens": -(10**9), "completion_tokens": 0, "cost": -5.0}}]
    lines += [{"spent": {"prompt_tokens": 10**30, "completion_tokens": 0, "cost": 0.0}}]
    text = "".join(json.dumps(line) + "\n" for line in lines) + '{"spent": ' + "[" * 5000 + "]" * 5000 + "}\n"
    path.write_text(text, encoding="utf-8")
    resumed = Checkpoint(path, key).load()
    assert (resumed.prompt_tokens, resumed.completion_tokens, resumed.cost) == (1000, 200, 0.01)


@pytest.mark.parametrize(
    "line",
    ['"a string where an object belongs"', '{"custom_id": 5}', '{"custom_id": "x", "response": "200"}',
     '{"custom_id": "x", "response": {"body": ' + "[" * 5000 + "]" * 5000 + "}}",
     '{"custom_id": "x", "response": {"status_code": ' + "9" * 5000 + "}}"],
    ids=["string", "numeric-id", "string-response", "deep", "huge-number"],
)  # fmt: skip
def test_tampered_batch_result_lines_are_one_error_naming_the_line(
    runner: CliRunner, tmp_path: Path, line: str
) -> None:
    folder = tmp_path / "batch"
    built = runner.invoke(app, ["batch", "build", "spotify", "--out", str(folder), "--json"])
    assert built.exit_code == 0, built.stderr
    results = tmp_path / "results.jsonl"
    results.write_text("\n" + line + "\n", encoding="utf-8")
    collected = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results)])
    assert collected.exit_code == 1
    assert collected.stderr.startswith("Error: results line 2: not a Batch API output line (")
    assert len(collected.stderr.splitlines()) == 1


def test_a_batch_answer_with_string_usage_is_repaired_in_the_next_round(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    assert runner.invoke(app, ["batch", "build", "spotify", "--out", str(folder)]).exit_code == 0
    requests = [json.loads(line) for line in (folder / "round-1.jsonl").read_text().splitlines()]
    lines = [
        {"custom_id": r["custom_id"], "response": {"status_code": 200, "body": {"choices": [], "usage": "many"}}}
        for r in requests
    ]
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    collected = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results), "--json"])
    assert collected.exit_code == 0, collected.stderr
    assert (folder / "round-2.jsonl").is_file()  # every request asked again, none crashed the collect


def test_two_collects_of_one_batch_at_once_one_stops_with_a_lock_error(runner: CliRunner, tmp_path: Path) -> None:
    from naftiko_writer.files import hold_lock

    folder = tmp_path / "batch"
    assert runner.invoke(app, ["batch", "build", "spotify", "--out", str(folder)]).exit_code == 0
    results = tmp_path / "results.jsonl"
    results.write_text("", encoding="utf-8")
    with hold_lock(folder / ".collect.lock"):  # the first collect, still at work
        second = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results)])
    assert second.exit_code == 1
    assert second.stderr == (
        f"Error: {folder}: another `batch collect` is collecting this batch (it holds {folder / '.collect.lock'}); "
        "wait for it to finish\n"
    )
