"""Drafting an edition: a fleet's memory, CPU, wall time and first draft on a synthetic cohort.

Run: python benchmarks/bench_fleet.py SCENARIO [options]; scenarios:

- `template --companies 1000`: `draft DIR --engine template` on N companies (peak RSS, CPU, wall);
- `live --companies 100 --concurrency 32 [--faults 0.1]`: a live fleet against tests/fake_server.py
  answering each call after `--latency` (0.5 s); prints the wall against calls x latency / limit and
  when the first draft was written (share of the run);
- `single --concurrency 32`: one live draft against its critical path (levels x latency);
- `import --companies 900`: `import DIR --out DIR` of N folders of raw name lists in one command;
- `batch --companies 1000`: `batch build` then `batch collect` over N companies (peak RSS of each).

The cohort is drawn (seeded) from the 18 companies of /work/shared/data/naftiko-signals-dev: company i
takes a random 60-95% of one real company's service, technology and concept lists, plus a few names of
its own, so every company differs but reads like real data. Signal files are written once per size
under the system's temporary folder (imported in this process) and reused. Every command runs in a
fresh child process (`python -m naftiko_writer` from this tree); peak RSS and CPU (user + system)
are that child's, from wait4. The machine is shared: CPU time is steadier than wall time, so compare
CPU, and give the live scenarios a quiet machine (`uptime` before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NAFTIKO_BENCH_DATA", "/work/shared/data/naftiko-signals-dev"))
LISTS = ("services", "technologies", "concepts")


def _read_list(path: Path) -> list[str]:
    import yaml

    if not path.is_file():
        return []
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return [str(item) for item in loaded or [] if item is not None]


def raw_cohort(count: int, seed: int = 2026) -> Path:
    """N folders of raw name lists (what `import` reads), drawn from the real companies; cached."""
    folder = Path(tempfile.gettempdir()) / f"naftiko-bench-cohort-{count}-{seed}" / "raw"
    if (folder / ".done").is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    bases = sorted(p for p in DATA.iterdir() if p.is_dir())
    lists = {base.name: {stem: _read_list(base / f"{stem}.yml") for stem in LISTS} for base in bases}
    rng = random.Random(seed)
    for number in range(count):
        base = bases[number % len(bases)].name
        company = folder / f"co-{number:04d}-{base}"
        company.mkdir(parents=True)
        for stem in LISTS:
            names = lists[base][stem]
            share = rng.uniform(0.6, 0.95)
            chosen = [name for name in names if rng.random() < share]
            chosen += [f"Tool{number}x{k}" for k in range(rng.randint(0, 3))] if stem == "technologies" else []
            text = "".join(f"- {json.dumps(name, ensure_ascii=False)}\n" for name in chosen)
            (company / f"{stem}.yml").write_text(text or "[]\n", encoding="utf-8")
    (folder / ".done").write_text("")
    return folder


def signal_cohort(count: int, seed: int = 2026) -> Path:
    """The same cohort as signals files (JSON, imported here once); cached."""
    raw = raw_cohort(count, seed)
    folder = raw.parent / "signals"
    if (folder / ".done").is_file():
        return folder
    sys.path.insert(0, str(ROOT))
    import datetime as dt

    from naftiko_writer.scoring.importing import import_signals

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for company in sorted(p for p in raw.iterdir() if p.is_dir()):
        result = import_signals(company, as_of=dt.date(2026, 11, 1))
        (folder / f"{company.name}.json").write_text(result.company_signals.model_dump_json())
    (folder / ".done").write_text("")
    return folder


def run_child(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, int, str, str]:
    """Wall s, CPU s (user + system), peak RSS MiB, exit status, stdout, stderr of one child.

    The peak is the child's own high-water mark after exec (VmHWM, written by `cli`'s wrapper at exit):
    wait4's ru_maxrss also counts the forked copy of this process before exec, and the test server here
    holds every batch file in memory.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as hwm:
        child_env = {**os.environ, **(env or {}), "NAFTIKO_BENCH_HWM": hwm.name}
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, env=child_env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        written = Path(hwm.name).read_text().strip()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(stderr[-3000:], file=sys.stderr)
    peak = int(written) / 1024 if written else usage.ru_maxrss / 1024
    return wall, usage.ru_utime + usage.ru_stime, peak, code, stdout, stderr


_WRAPPER = """
import atexit, os, runpy, sys
def _hwm():
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                with open(os.environ['NAFTIKO_BENCH_HWM'], 'w') as out:
                    out.write(line.split()[1])
atexit.register(_hwm)
sys.argv = ['naftiko-writer', *sys.argv[1:]]
runpy.run_module('naftiko_writer', run_name='__main__', alter_sys=True)
"""


def cli(*args: str) -> list[str]:
    """The command line of `naftiko-writer ARGS` from this tree (wrapped to report its own peak memory)."""
    return [sys.executable, "-c", _WRAPPER, *args]


def _env(scratch: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": str(ROOT),
        "NAFTIKO_WRITER_DRAFTS_DIR": str(scratch / "drafts"),
        "NAFTIKO_WRITER_CACHE": str(scratch / "cache"),
        "OPENAI_API_KEY": "sk-benchmark-not-a-key",
    }


def bench_template(args: argparse.Namespace) -> int:
    cohort = signal_cohort(args.companies)
    with tempfile.TemporaryDirectory() as scratch:
        env = _env(Path(scratch))
        run_child(cli("score", "spotify", "--json"), env)  # warm the taxonomy cache
        wall, cpu, peak, code, _, _ = run_child(cli("draft", str(cohort), "--engine", "template", "--quiet"), env)
        drafts = len(list((Path(scratch) / "drafts").glob("*/*.md")))
    print(
        f"template fleet of {args.companies}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.0f} MiB, "
        f"{drafts} drafts, exit {code}"
    )
    return code


def _faulty_responder(latency: float, faults: float, seed: int):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from tests.fake_server import ScriptedResponder

    return ScriptedResponder(latency=latency, chaos=faults, seed=seed, chaos_faults=("429", "500", "timeout"))


def bench_live(args: argparse.Namespace) -> int:
    from tests.fake_server import FakeOpenAIServer

    cohort = signal_cohort(args.companies)
    responder = _faulty_responder(args.latency, args.faults, args.seed)
    with (
        FakeOpenAIServer(responder, timeout_delay=args.hang) as server,
        tempfile.TemporaryDirectory() as scratch,
    ):
        env = _env(Path(scratch))
        started = time.time()
        wall, cpu, peak, code, _, _ = run_child(
            cli(
                "draft", str(cohort), "--mode", "live", "--base-url", server.base_url,
                "--concurrency", str(args.concurrency), "--quiet", *args.extra,
            ),
            env,
        )  # fmt: skip
        written = sorted(path.stat().st_mtime - started for path in (Path(scratch) / "drafts").glob("*/*.md"))
    good_calls = args.companies * 61
    ideal = good_calls * args.latency / args.concurrency
    first = written[0] if written else float("nan")
    faults = {fault: count for fault, count in sorted(responder.faults.items()) if fault != "ok"}
    print(
        f"live fleet of {args.companies} at limit {args.concurrency}, {args.faults:.0%} faults {faults}: "
        f"{wall:.1f} s wall ({wall / ideal:.2f}x of {good_calls} x {args.latency} / {args.concurrency} = "
        f"{ideal:.1f} s), {len(responder.calls)} requests, {cpu:.1f} s CPU, peak RSS {peak:.0f} MiB; "
        f"first draft at {first:.1f} s ({first / wall:.0%} of the run), "
        f"half written at {written[len(written) // 2] if written else float('nan'):.1f} s; exit {code}"
    )
    return code


def bench_single(args: argparse.Namespace) -> int:
    from tests.fake_server import FakeOpenAIServer

    responder = _faulty_responder(args.latency, 0.0, args.seed)
    walls = []
    with FakeOpenAIServer(responder) as server, tempfile.TemporaryDirectory() as scratch:
        env = _env(Path(scratch))
        for _ in range(args.repeat):
            out = Path(scratch) / "one.md"
            _, _, _, code, _, _ = run_child(
                cli(
                    "draft", "spotify", "--mode", "live", "--base-url", server.base_url, "--concurrency",
                    str(args.concurrency), "--json", "--out", str(out),
                ),
                env,
            )  # fmt: skip
            if code != 0:
                return code
            sidecar = json.loads(out.with_suffix(".json").read_text())
            walls.append(float(sidecar["summary"]["wall_seconds"]))
            out.unlink()
    path = 3 * args.latency  # three levels: tables, the strategic assessment, the executive summary
    print(
        f"one live draft at limit {args.concurrency}: best {min(walls):.2f} s, median "
        f"{sorted(walls)[len(walls) // 2]:.2f} s (draft wall, start-up excluded) against a critical path of "
        f"{path:.1f} s; one wave is {args.latency} s"
    )
    return 0


def bench_import(args: argparse.Namespace) -> int:
    cohort = raw_cohort(args.companies)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "signals"
        if args.per_company:
            started = time.perf_counter()
            cpu = 0.0
            for company in sorted(p for p in cohort.iterdir() if p.is_dir()):
                result = run_child(cli("import", str(company), "--out", str(out / f"{company.name}.yaml")))
                cpu += result[1]
            wall = time.perf_counter() - started
            how = "one command a company"
        else:
            wall, cpu, _, code, _, _ = run_child(cli("import", str(cohort), "--out", str(out)))
            how = "one command"
            if code != 0:
                return code
        files = len(list(out.glob("*.yaml")))
    print(f"import of {args.companies} companies ({how}): {wall:.1f} s wall, {cpu:.1f} s CPU, {files} files")
    return 0


def bench_batch(args: argparse.Namespace) -> int:
    from tests.fake_server import FakeOpenAIServer

    cohort = signal_cohort(args.companies)
    responder = _faulty_responder(0.0, 0.0, args.seed)
    with FakeOpenAIServer(responder) as server, tempfile.TemporaryDirectory() as scratch:
        env = _env(Path(scratch))
        folder = Path(scratch) / "batch"
        steps = [("build", cli("batch", "build", str(cohort), "--out", str(folder)))]
        for number in range(1, 4):  # three rounds: the tables and dimensions, the assessment, the summary
            steps.append((f"submit {number}", cli("batch", "submit", str(folder), "--base-url", server.base_url)))
            steps.append((f"collect {number}", cli("batch", "collect", str(folder), "--base-url", server.base_url)))
        for name, command in steps:
            wall, cpu, peak, code, _, _ = run_child(command, env)
            print(f"batch {name} of {args.companies}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.0f} MiB")
            if code not in (0, 3):
                return code
        drafts = len(list((Path(scratch) / "drafts").glob("*/*.md")))
        print(f"{drafts} drafts written")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=["template", "live", "single", "import", "batch"])
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--faults", type=float, default=0.0, help="Share of calls failing with 429, 500 or a hang.")
    parser.add_argument("--hang", type=float, default=120.0, help="Seconds a hung call is held before it answers.")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--per-company", action="store_true", help="import: one command per company (as before).")
    parser.add_argument("extra", nargs="*", help="More options for the draft command (after --).")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    scenarios = {
        "template": bench_template,
        "live": bench_live,
        "single": bench_single,
        "import": bench_import,
        "batch": bench_batch,
    }
    return scenarios[args.scenario](args)


if __name__ == "__main__":
    sys.exit(main())
