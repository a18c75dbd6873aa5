"""The edition store at real size: adding 1,000 companies from raw lists, queries at 1,000 × 8 editions.

Usage:
    python benchmarks/bench_editions.py [--companies 1000] [--editions 8] [--work DIR] [--growth-only] [--json]

Builds a synthetic cohort from the shared lists (../shared/data/naftiko-signals-dev): each company is a
folder of raw lists (services.yml, technologies.yml, concepts.yml) holding a random subset of 200 to
6,000 of the 18 companies' raw entries (seeded), with an industry drawn from industries.yaml. Then:

1. growth: `edition add` into a fresh store of the 18 real companies, 100 and all N synthetic ones,
   one process each (`python -m naftiko_writer edition add ... --quiet`), timed wall and peak RSS
   (os.wait4), with the store's size;
2. the editions: E1 (the N companies, shipped taxonomy), E2 (every company's lists perturbed: about
   5% of entries dropped, 5% added from the pool, 5% repeated; and a taxonomy with a bumped version,
   concepts weighted 1.3 instead of 1.25 and two more catalogue entries), E3 the restatement of E1
   under E2's taxonomy, E4.. further perturbation rounds under E2's taxonomy, up to --editions;
3. queries on that store, each timed in-process (median of 5, the store already open) and as a whole
   command (one run, interpreter start included): rank, rank in an industry, show, company, changes
   of one company, and the edition-wide changes E1 -> E2 (first run scoring E1's signals under E2's
   taxonomy once and keeping them; then warm).

The machine is shared by several engineers: wall times move with its load (each run also reports CPU seconds,
user + system, and the load average), so compare CPU seconds when the load average is above 2.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from naftiko_writer.editions.changes import company_changes, edition_changes  # noqa: E402
from naftiko_writer.editions.queries import rank_edition, show_edition, stored_company  # noqa: E402
from naftiko_writer.editions.store import open_store  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "naftiko-signals-dev"
LISTS = ("services", "technologies", "concepts")
SEED = 19


def raw_pool(data_dir: Path) -> dict[str, list[str]]:
    """Every raw entry of the shared companies, list by list (repeats kept: they are what real lists hold)."""
    pool: dict[str, list[str]] = {name: [] for name in LISTS}
    for folder in sorted(path for path in data_dir.iterdir() if path.is_dir()):
        for name in LISTS:
            path = folder / f"{name}.yml"
            if path.is_file():
                pool[name] += [str(item) for item in yaml.safe_load(path.read_text()) or [] if item is not None]
    return pool


def write_company(folder: Path, lists: dict[str, list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, entries in lists.items():
        (folder / f"{name}.yml").write_text(yaml.safe_dump(entries, allow_unicode=True, width=10_000))


def synthetic_cohort(pool: dict[str, list[str]], count: int, rng: random.Random) -> dict[str, dict[str, list[str]]]:
    flat = [(name, entry) for name, entries in pool.items() for entry in entries]
    cohort = {}
    for index in range(count):
        chosen = rng.sample(flat, rng.randint(200, min(6000, len(flat))))
        lists: dict[str, list[str]] = {name: [] for name in LISTS}
        for name, entry in chosen:
            lists[name].append(entry)
        cohort[f"co-{index:04d}"] = lists
    return cohort


def perturb(lists: dict[str, list[str]], pool: dict[str, list[str]], rng: random.Random) -> dict[str, list[str]]:
    changed = {}
    for name, entries in lists.items():
        kept = [entry for entry in entries if rng.random() > 0.05]
        kept += rng.sample(pool[name], max(1, len(entries) // 20))
        kept += rng.sample(kept, len(kept) // 20)  # repeats: evidence changes
        changed[name] = kept
    return changed


def bumped_taxonomy(target: Path) -> Path:
    shutil.copytree(ROOT / "taxonomy", target)
    structure = target / "taxonomy.yaml"
    text = structure.read_text()
    version = next(line for line in text.splitlines() if line.startswith("version:"))
    text = text.replace(version, "version: 2099.1.0", 1).replace("concept: 1.25", "concept: 1.3", 1)
    structure.write_text(text)
    (target / "catalogue" / "zz-bench.yaml").write_text(
        "signals:\n  - {name: Content, dimensions: [data]}\n  - {name: Web, dimensions: [platform]}\n"
    )
    return target


PEAK_PROBE = """
import atexit, sys
peak_file = sys.argv.pop(1)

def report_peak():
    with open("/proc/self/status") as status:
        kib = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(peak_file, "w") as out:
        out.write(kib)

atexit.register(report_peak)
sys.argv[0] = "naftiko-writer"
from naftiko_writer.cli import main
main()
"""
"""Runs the command as the console script does, and writes the process's own peak RSS (VmHWM, in KiB) at exit.

The rusage of a child is no measure here: Linux starts a child's peak at its parent's size when it forks, and
this script holds the whole synthetic cohort in memory."""


def run_command(args: list[str]) -> dict[str, Any]:
    """Run one naftiko-writer command as its own process: wall and CPU seconds, peak RSS in MB, exit status.

    CPU seconds (user + system) say what the command costs when the shared machine is busy and wall time is not.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    peak_file = Path(tempfile.mkstemp(prefix="bench-peak-")[1])
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", PEAK_PROBE, str(peak_file), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    errors = child.stderr.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode not in (0,):
        print(f"  ! {' '.join(args[:3])} exited {child.returncode}: {errors.strip()[-300:]}", file=sys.stderr)
    cpu = usage.ru_utime + usage.ru_stime
    peak = peak_file.read_text().strip()
    peak_file.unlink()
    return {
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(int(peak) / 1024, 1) if peak.isdigit() else None,
        "status": child.returncode,
    }


def store_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return round(sum(file.stat().st_size for file in files if file.exists()) / 1e6, 1)


def median_seconds(function: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--editions", type=int, default=8)
    parser.add_argument("--work", type=Path, default=None, help="Keep the generated data and stores here.")
    parser.add_argument("--growth-only", action="store_true", help="Stop after the 18 -> 100 -> N growth runs.")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="bench-editions-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    pool = raw_pool(SHARED)
    industries = sorted(
        {entry["industry"] for entry in yaml.safe_load((SHARED / "industries.yaml").read_text()).values()}
    )
    cohort = synthetic_cohort(pool, options.companies, rng)
    round_dirs = [work / "round-1"]
    for slug, lists in cohort.items():
        write_company(round_dirs[0] / slug, lists)
    mapping = {slug: {"industry": rng.choice(industries)} for slug in cohort}
    industries_file = work / "industries.yaml"
    industries_file.write_text(yaml.safe_dump(mapping))
    entries = [sum(len(entries) for entries in lists.values()) for lists in cohort.values()]
    report: dict[str, Any] = {
        "companies": options.companies,
        "raw_entries": {"min": min(entries), "median": statistics.median(entries), "max": max(entries)},
        "pool": {name: len(entries) for name, entries in pool.items()},
    }
    say = (lambda *_: None) if options.json else print
    report["load_average_at_start"] = os.getloadavg()
    say(f"load average {os.getloadavg()}")
    say(f"cohort: {options.companies} companies, raw entries per company {report['raw_entries']}, in {work}")

    # 1. growth: 18 real companies, 100 and all synthetic ones, each into a fresh store
    growth = {}
    real = [str(path) for path in sorted(SHARED.iterdir()) if path.is_dir()]
    for label, sources, extra in (
        ("18 (shared)", real, ["--industries", str(SHARED / "industries.yaml")]),
        ("100", [str(round_dirs[0] / slug) for slug in list(cohort)[:100]], ["--industries", str(industries_file)]),
        (
            str(options.companies),
            [str(round_dirs[0] / slug) for slug in cohort],
            ["--industries", str(industries_file)],
        ),
    ):
        store = work / f"growth-{label.split()[0]}.sqlite"
        store.unlink(missing_ok=True)
        measured = run_command(["edition", "add", "E1", *sources, *extra, "--store", str(store), "--quiet"])
        measured["store_mb"] = store_mb(store)
        growth[label] = measured
        say(f"add {label:>12}: {measured}")
    report["growth"] = growth
    if options.growth_only:
        if options.json:
            print(json.dumps(report, indent=2))
        return

    # 2. the editions
    store = work / "editions.sqlite"
    shutil.copy(work / f"growth-{options.companies}.sqlite", store)
    taxonomy2 = bumped_taxonomy(work / "taxonomy-2")
    timings: dict[str, Any] = {}
    current = cohort
    made = ["E1"]
    for number in range(2, options.editions + 1):
        name = f"E{number}"
        if number == 3:
            timings["restate E1"] = run_command(
                ["edition", "restate", "E1", "--taxonomy", str(taxonomy2), "--store", str(store), "-q"]
            )
            made.append("E1r1")
            say(f"restate E1 -> E1r1: {timings['restate E1']}")
            continue
        folder = work / f"round-{number}"
        current = {slug: perturb(lists, pool, rng) for slug, lists in current.items()}
        for slug, lists in current.items():
            write_company(folder / slug, lists)
        sources = [str(folder / slug) for slug in current]
        args = ["edition", "add", name, *sources, "--industries", str(industries_file), "--taxonomy", str(taxonomy2)]
        timings[f"add {name}"] = run_command([*args, "--store", str(store), "--quiet"])
        made.append(name)
        say(f"add {name} (perturbed, taxonomy 2099.1.0): {timings[f'add {name}']}")
        shutil.rmtree(folder)
    report["editions"] = {"names": made, "timings": timings, "store_mb": store_mb(store)}
    say(f"store with {len(made)} editions: {store_mb(store)} MB")

    # 3. queries on the full store
    last = made[-1]
    slug = next(iter(cohort))
    queries: dict[str, Any] = {}
    cold = run_command(["edition", "changes", "--from", "E1", "--to", "E2", "--store", str(store), "--json"])
    queries["changes E1 E2 (movers, first run: scores E1 under E2's taxonomy, kept)"] = {"command": cold}
    industry = industries[0]
    with open_store(store, write=False) as opened:
        connection = opened.connection
        cases: dict[str, tuple[Callable[[], object], list[str]]] = {
            f"rank {last} cloud": (lambda: rank_edition(connection, last, "cloud"), ["rank", last, "cloud"]),
            f"rank {last} total --industry": (
                lambda: rank_edition(connection, last, "total", industry),
                ["rank", last, "total", "--industry", industry],
            ),
            f"show {last}": (lambda: show_edition(connection, last), ["show", last]),
            f"company {last} {slug}": (
                lambda: stored_company(connection, last, slug, store),
                ["company", last, slug],
            ),
            f"changes {slug} E1 E2": (
                lambda: company_changes(connection, store, slug, "E1", "E2"),
                ["changes", slug, "--from", "E1", "--to", "E2"],
            ),
            "changes E1 E2 (movers, warm)": (
                lambda: edition_changes(connection, "E1", "E2"),
                ["changes", "--from", "E1", "--to", "E2"],
            ),
        }
        for label, (function, args) in cases.items():
            queries[label] = {
                "in_process_seconds": median_seconds(function),
                "command": run_command(["edition", *args, "--store", str(store), "--json"]),
            }
            say(
                f"{label:>40}: {queries[label]['in_process_seconds']} s in process; command {queries[label]['command']}"
            )
    report["queries"] = queries
    report["store_mb"] = store_mb(store)
    report["load_average_at_end"] = os.getloadavg()
    say(f"load average {os.getloadavg()}")
    if options.json:
        print(json.dumps(report, indent=2))
    if options.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
