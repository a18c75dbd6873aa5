"""Benchmark drafting: offline replay time, live concurrency against a slow local server, prompt tokens.

Run: python benchmarks/bench_draft.py [--latency 0.5] [--concurrency 64] [--repeat 3]

1. Offline `draft spotify` (replay of the shipped recordings): in-process wall time,
   and the whole `naftiko-writer draft spotify` command including interpreter start.
2. A live draft through the real openai client against the local OpenAI-compatible
   server answering every call after `--latency` seconds: wall time against the
   critical path (depth of the section dependency graph x latency) and against the
   sequential sum (sections x latency).
3. Prompt and completion tokens per report (as the server reports them; the local
   server estimates 4 characters per token).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from naftiko_writer.config import RecordMode
from naftiko_writer.drafting.pipeline import draft_company
from naftiko_writer.drafting.run import DraftRun
from naftiko_writer.llm.protocol import RetryPolicy
from naftiko_writer.report.plan import plan_sections
from tests.conftest import make_run
from tests.fake_server import FakeOpenAIServer, ScriptedResponder

ROOT = Path(__file__).resolve().parent.parent


def job(**overrides: object) -> DraftRun:
    values: dict[str, object] = {
        "recordings_dir": ROOT / "fixtures" / "recordings",
        "created": "benchmark",
        "retry": RetryPolicy(attempts=3, base_seconds=0.05, max_seconds=0.2),
        "api_key": None,
    }
    values.update(overrides)
    return make_run(ROOT, **values)  # type: ignore[no-any-return]


def depth(report_plan: list) -> int:  # type: ignore[type-arg]
    levels: dict[str, int] = {}
    for spec in report_plan:
        levels[spec.id] = 1 + max((levels[d] for d in spec.depends_on), default=0)
    return max(levels.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        report = draft_company(job())
        timings.append(time.perf_counter() - start)
    print(f"offline draft spotify (in-process replay): best {min(timings):.3f} s of {args.repeat}")
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "naftiko_writer", "draft", "spotify", "--quiet", "--out", f"{scratch}/d.md"]
        cli = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
            cli.append(time.perf_counter() - start)
    print(f"offline `naftiko-writer draft spotify` command: best {min(cli):.3f} s of {args.repeat}")
    summary = report.summary
    sections = summary.sections
    print(
        f"tokens per report: {summary.prompt_tokens:,} prompt + {summary.completion_tokens:,} completion over "
        f"{summary.calls} calls ({summary.prompt_tokens // max(summary.calls, 1)} prompt tokens per call)"
    )

    plan = plan_sections(report.scorecard)
    critical = depth(plan) * args.latency
    sequential = sections * args.latency
    with FakeOpenAIServer(ScriptedResponder(latency=args.latency)) as server:
        start = time.perf_counter()
        live = draft_company(
            job(mode=RecordMode.LIVE, base_url=server.base_url, api_key="local", concurrency=args.concurrency)
        )
        wall = time.perf_counter() - start
    assert live.summary.fallbacks == 0
    print(
        f"live draft, {args.latency} s per call, concurrency {args.concurrency}: {wall:.2f} s wall; critical path "
        f"{depth(plan)} x {args.latency} = {critical:.2f} s (ratio {wall / critical:.2f}); sequential sum "
        f"{sections} x {args.latency} = {sequential:.1f} s"
    )


if __name__ == "__main__":
    main()
