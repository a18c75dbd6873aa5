"""Start-up and command speed: whole `naftiko-writer` processes, as a user runs them.

Usage:
    python benchmarks/bench_startup.py [--runs 9] [--json] [--cache-bytecode] [--no-fleet] [--no-cache]

Every figure is a fresh interpreter (`python -m naftiko_writer ...`, the package taken from this
checkout), timed from outside: wall seconds, and CPU seconds (user + system of the child), which
are steadier on a busy machine. Medians over --runs; the paired figures alternate A, B, A, B, so
a drifting machine slows both alike, and their ratio is the median of the pairwise ratios.

- score: `score spotify --json` against `python -c "import pydantic, rich, typer, yaml"`
  (target: ratio at most 2.5);
- draft: offline `draft spotify --quiet --out TMP/N.md`, a replay of the shipped recordings
  (target: at most 0.8 s wall);
- score 6,300: `score big.yaml --json` on 6,300 distinct signals imported from fixtures/real
  (target: at most 0.4 s wall);
- fleet: `draft fixtures/real --engine template --quiet --json` in an empty folder: importing,
  scoring and template-drafting all 18 companies as one fleet, one run (target: at most 15 s).

By default the children inherit this environment as it is (with PYTHONDONTWRITEBYTECODE set, the
package is compiled on every start). --cache-bytecode lets them cache bytecode in a temporary
folder, as an installed package would have it.

The children's cache (NAFTIKO_WRITER_CACHE: the compiled taxonomy) is a temporary folder, filled
by each figure's warm-up run, as a user's is after their first command; --no-cache turns it off
(every run parses and compiles the taxonomy, as a first run does).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "fixtures" / "real"
BASELINE = [sys.executable, "-c", "import pydantic, rich, typer, yaml"]
BIG_SIGNALS = 6300


class Failed(Exception):
    """A timed command exited non-zero: the figure is reported as its error."""


def attempt(measure: Callable[[], object]) -> object:
    """The figure, or the error that stopped it (the other figures are still measured)."""
    try:
        return measure()
    except Failed as exc:
        return {"error": str(exc)}


def cli(*args: str) -> list[str]:
    """A naftiko-writer command line run by this interpreter."""
    return [sys.executable, "-m", "naftiko_writer", *args]


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of one child process; its output is thrown away, a failure stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise Failed(f"{' '.join(command[1:])} failed ({result.returncode}): {result.stderr.decode()[-600:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def medians(samples: list[tuple[float, float]]) -> dict[str, float]:
    """Median wall and CPU seconds of (wall, cpu) samples."""
    return {
        "wall_s": round(statistics.median(wall for wall, _ in samples), 3),
        "cpu_s": round(statistics.median(cpu for _, cpu in samples), 3),
    }


def paired(a: list[str], b: list[str], runs: int, env: dict[str, str], cwd: Path) -> dict[str, object]:
    """A and B alternating (one warm-up each), with the median of the pairwise A/B ratios."""
    timed(a, env, cwd)
    timed(b, env, cwd)
    samples_a, samples_b = [], []
    for _ in range(runs):
        samples_a.append(timed(a, env, cwd))
        samples_b.append(timed(b, env, cwd))
    return {
        "a": medians(samples_a),
        "b": medians(samples_b),
        "ratio_wall": round(statistics.median(x[0] / y[0] for x, y in zip(samples_a, samples_b, strict=True)), 2),
        "ratio_cpu": round(statistics.median(x[1] / y[1] for x, y in zip(samples_a, samples_b, strict=True)), 2),
    }


def repeated(command: Callable[[int], list[str]], runs: int, env: dict[str, str], cwd: Path) -> dict[str, float]:
    """One warm-up, then `runs` timed runs; `command(n)` gives the n-th command line."""
    timed(command(0), env, cwd)
    return medians([timed(command(n), env, cwd) for n in range(1, runs + 1)])


def write_big_file(path: Path) -> int:
    """6,300 distinct signals (by kind and name key): fixtures/real imported, the largest company first."""
    sys.path.insert(0, str(ROOT))
    from naftiko_writer.scoring.importing import import_signals, render_signals_file
    from naftiko_writer.scoring.models import CompanySignals
    from naftiko_writer.scoring.names import name_key

    imported = sorted(
        (import_signals(folder) for folder in sorted(REAL.iterdir()) if folder.is_dir()),
        key=lambda result: -len(result.company_signals.signals),
    )
    chosen = {}
    for result in imported:
        for signal in result.company_signals.signals:
            chosen.setdefault((signal.kind, name_key(signal.name)), signal)
    signals = list(chosen.values())[:BIG_SIGNALS]
    largest = imported[0]
    largest.company_signals = CompanySignals(company=largest.company_signals.company, signals=signals)
    path.write_text(render_signals_file(largest), encoding="utf-8")
    return len(signals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--cache-bytecode", action="store_true", help="Let the children cache bytecode (tmp folder).")
    parser.add_argument("--no-fleet", action="store_true", help="Skip the 18-company fleet.")
    parser.add_argument("--no-cache", action="store_true", help="Run without the taxonomy cache.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env = {key: value for key, value in env.items() if not key.startswith(("NAFTIKO_WRITER_", "OPENAI_"))}
        env["NAFTIKO_WRITER_CACHE"] = "off" if options.no_cache else str(work / "cache")
        if options.cache_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        big = work / "big.yaml"
        figures: dict[str, object] = {
            "bytecode": "cached" if options.cache_bytecode else "as the environment has it",
            "taxonomy_cache": "off" if options.no_cache else "warm",
            "runs": options.runs,
            "score_spotify_vs_imports": attempt(
                lambda: paired(cli("score", "spotify", "--json"), BASELINE, options.runs, env, ROOT)
            ),
            "draft_spotify_offline": attempt(
                lambda: repeated(
                    lambda n: cli("draft", "spotify", "--quiet", "--out", str(work / "drafts" / f"spotify-{n}.md")),
                    options.runs,
                    env,
                    work,
                )
            ),
            "big_file_signals": write_big_file(big),
            "score_big_file": attempt(
                lambda: repeated(lambda _: cli("score", str(big), "--json"), options.runs, env, work)
            ),
        }
        if not options.no_fleet:
            fleet = work / "fleet"
            fleet.mkdir()
            command = cli("draft", str(REAL), "--engine", "template", "--quiet", "--json")
            figures["fleet_import_score_template_draft"] = attempt(lambda: medians([timed(command, env, fleet)]))
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    for name, value in figures.items():
        print(f"{name:36} {value}")


if __name__ == "__main__":
    main()
