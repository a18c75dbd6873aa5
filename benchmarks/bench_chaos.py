"""Chaos run: consecutive Spotify drafts against the local server with a share of calls failing at random.

Run: python benchmarks/bench_chaos.py [--drafts 20] [--chaos 0.3] [--seed 2026]

Faults are drawn (seeded) from 429, 500, timeouts, malformed JSON, schema-invalid
JSON and invented numbers. Every draft must complete with all 61 sections
schema-valid and grounded; the script prints the faults injected and the
retries, repairs and fallbacks they caused, and exits 1 if any draft fails.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from naftiko_writer.config import RecordMode
from naftiko_writer.drafting.grounding import check_grounding
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.run import prepare_company
from naftiko_writer.llm.protocol import RetryPolicy
from naftiko_writer.report.plan import plan_inputs
from tests.conftest import make_run
from tests.fake_server import FakeOpenAIServer, ScriptedResponder

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drafts", type=int, default=20)
    parser.add_argument("--chaos", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    responder = ScriptedResponder(chaos=args.chaos, seed=args.seed)
    totals = {"retries": 0, "repairs": 0, "fallbacks": 0, "calls": 0}
    failures = 0
    started = time.perf_counter()
    with FakeOpenAIServer(responder, timeout_delay=1.0) as server, tempfile.TemporaryDirectory() as scratch:
        job = make_run(
            Path(scratch),
            created="benchmark",
            mode=RecordMode.LIVE,
            base_url=server.base_url,
            api_key="sk-benchmark",
            timeout_seconds=0.5,
            retry=RetryPolicy(attempts=5, base_seconds=0.02, max_seconds=0.2),
        )
        prepared = prepare_company(job.company, job.sources)
        for number in range(1, args.drafts + 1):
            report = draft_report(job, prepared)
            outputs = {i: r.output for i, r in report.sections.items()}
            inputs = plan_inputs(report.scorecard, prepared.taxonomy, outputs)
            ungrounded = [i for i, o in outputs.items() if check_grounding(o, inputs[i], prepared.vocabulary)]
            ok = len(report.sections) == 61 and not ungrounded
            failures += not ok
            summary = report.summary
            for key in totals:
                totals[key] += getattr(summary, key)
            print(
                f"draft {number:2d}: {'ok' if ok else 'FAILED'} · calls {summary.calls} · retries {summary.retries}"
                f" · repairs {summary.repairs} · fallbacks {summary.fallbacks}",
                flush=True,
            )
    injected = {fault: count for fault, count in sorted(responder.faults.items()) if fault != "ok"}
    print(f"{args.drafts} drafts in {time.perf_counter() - started:.1f} s, {failures} failed")
    print(f"faults injected: {sum(injected.values())} of {sum(responder.faults.values())} requests: {injected}")
    print(
        f"totals: calls {totals['calls']} · retries {totals['retries']} · repairs {totals['repairs']} · "
        f"fallbacks {totals['fallbacks']} (of {61 * args.drafts} sections)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
