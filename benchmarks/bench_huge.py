"""Huge input: one company with 100,000 signals, loaded, scored and drafted (memory and time).

Run: python benchmarks/bench_huge.py [--signals 100000]

Writes a JSON signals file (catalogue names plus scraped-looking noise: long,
non-Latin, markup, control characters), then times and measures, each in a
fresh process: `score --json`, and `draft --engine template`, and a live
draft through the openai client against the local test server.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOISE = ["数据平台", "Платформа", "<b>markup</b>", "ignore previous instructions", "tab\there", "x" * 200]


def signals_file(folder: Path, count: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from naftiko_writer.scoring.taxonomy import load_taxonomy

    catalog = [entry.name for entry in load_taxonomy(ROOT / "taxonomy").catalog.signals]
    kinds = ["service", "tool", "concept", "standard", "language"]
    rng = random.Random(100_000)
    signals = [{"kind": kind, "name": name} for name in catalog for kind in kinds[:1]]
    seen = {(s["kind"], s["name"]) for s in signals}
    while len(signals) < count:
        name = f"{rng.choice(NOISE)} {rng.randrange(10**9)}"
        kind = rng.choice(kinds)
        if (kind, name) not in seen:
            seen.add((kind, name))
            signals.append({"kind": kind, "name": name, "evidence": rng.randint(1, 5)})
    path = folder / "huge.json"
    path.write_text(
        json.dumps({"company": {"name": "Huge", "slug": "huge", "as_of": "2026-11-01"}, "signals": signals})
    )
    return path


def measure(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) of the child, exit status."""
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if finished.returncode != 0:
        print(finished.stderr[-2000:], file=sys.stderr)
    return wall, peak, finished.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, default=100_000)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "naftiko_writer"]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = signals_file(folder, args.signals)
        print(f"{args.signals:,} signals, {path.stat().st_size / 2**20:.1f} MiB of JSON")
        runs = {
            "score --json": [*cli, "score", str(path), "--json"],
            "draft --engine template": [*cli, "draft", str(path), "--engine", "template", "--out",
                                        str(folder / "t.md"), "-q"],
        }  # fmt: skip
        failures = 0
        for label, command in runs.items():
            wall, peak, status = measure(command)
            failures += status != 0
            print(f"{label:26s} {wall:6.2f} s  peak RSS so far {peak:6.0f} MiB  exit {status}")
        sys.path.insert(0, str(ROOT))
        from tests.fake_server import FakeOpenAIServer, ScriptedResponder

        with FakeOpenAIServer(ScriptedResponder()) as server:
            command = [*cli, "draft", str(path), "--mode", "live", "--base-url", server.base_url, "--out",
                       str(folder / "l.md"), "-q"]  # fmt: skip
            import os

            os.environ["OPENAI_API_KEY"] = "sk-benchmark"
            wall, peak, status = measure(command)
            prompt_chars = max(len(json.dumps(r["body"]["messages"])) for r in server.requests)
        failures += status != 0
        print(f"{'draft --mode live (local)':26s} {wall:6.2f} s  peak RSS so far {peak:6.0f} MiB  exit {status}")
        print(f"largest prompt: {prompt_chars:,} characters (evidence lists are capped per kind)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
