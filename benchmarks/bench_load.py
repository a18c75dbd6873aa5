"""Loading signal files: YAML against JSON, from 6,300 to 1,000,000 signals (time and peak memory).

Run: python benchmarks/bench_load.py [--signals 6300 1000000] [--repeat 3]

For each size, writes the same company as YAML (one flow mapping per signal, as
the Spotify fixture is written) and as JSON, then runs
`naftiko-writer score FILE --json` on each in a fresh process (stdout thrown
away) and reports the best wall and CPU (user + system) times over
`--repeat` runs (one run from 100,000 signals up) and the child's peak RSS;
CPU time is steadier than wall time on a busy machine. The target for 6,300
YAML signals is 0.4 s wall, interpreter start-up included; `score spotify
--json` is printed first as the floor (start-up, imports, taxonomy).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOISE = ["数据平台", "Платформа", "<b>markup</b>", "ignore previous instructions", "tab\there", "x" * 200]
KINDS = ["service", "tool", "concept", "standard", "language"]


def company_signals(count: int) -> list[dict[str, object]]:
    """Catalogue names, then scraped-looking noise, each (kind, name) once; reproducible."""
    sys.path.insert(0, str(ROOT))
    from naftiko_writer.scoring.names import name_key
    from naftiko_writer.scoring.taxonomy import load_taxonomy

    catalog = [entry.name for entry in load_taxonomy(ROOT / "taxonomy").catalog.signals]
    rng = random.Random(count)
    signals: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    for name in catalog:
        if len(signals) < count and ("service", name_key(name)) not in seen:
            seen.add(("service", name_key(name)))
            signals.append({"kind": "service", "name": name})
    while len(signals) < count:
        name = f"{rng.choice(NOISE)} {rng.randrange(10**9)}"
        kind = rng.choice(KINDS)
        if (kind, name_key(name)) not in seen:
            seen.add((kind, name_key(name)))
            signals.append({"kind": kind, "name": name, "evidence": rng.randint(1, 5)})
    return signals


def write_files(folder: Path, count: int) -> tuple[Path, Path]:
    """The same company as signals.yaml and signals.json under `folder`."""
    signals = company_signals(count)
    company = {"name": "Load", "slug": "load", "as_of": "2026-11-01"}
    json_path = folder / f"load-{count}.json"
    json_path.write_text(json.dumps({"company": company, "signals": signals}))
    lines = ["company:", "  name: Load", "  slug: load", "  as_of: 2026-11-01", "signals:"]
    for signal in signals:
        evidence = f", evidence: {signal['evidence']}" if "evidence" in signal else ""
        lines.append(f"  - {{kind: {signal['kind']}, name: {json.dumps(signal['name'])}{evidence}}}")
    yaml_path = folder / f"load-{count}.yaml"
    yaml_path.write_text("\n".join(lines) + "\n")
    return yaml_path, json_path


def measure(command: list[str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MiB) of this one child, exit status."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(stderr[-2000:], file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, nargs="+", default=[6_300, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="Runs per file; the best wall time is kept.")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "naftiko_writer", "score"]
    failures = 0
    floor = [measure([*cli, "spotify", "--json"]) for _ in range(args.repeat)]
    print(
        f"score spotify --json (218 signals, the floor): {min(run[0] for run in floor):.2f} s wall, "
        f"{min(run[1] for run in floor):.2f} s CPU"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for count in args.signals:
            for path in write_files(Path(scratch), count):
                runs = [measure([*cli, str(path), "--json"]) for _ in range(args.repeat if count < 100_000 else 1)]
                wall = min(run[0] for run in runs)
                cpu = min(run[1] for run in runs)
                peak = max(run[2] for run in runs)
                failures += sum(run[3] != 0 for run in runs)
                size = path.stat().st_size / 2**20
                print(
                    f"{count:>9,} signals {path.suffix[1:]:4s} {size:6.1f} MiB  "
                    f"score --json {wall:7.2f} s wall {cpu:7.2f} s CPU  peak RSS {peak:6.0f} MiB"
                )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
