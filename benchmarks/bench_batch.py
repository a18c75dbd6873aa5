"""Batch API rounds at scale: build, split within the provider's limits, and collect, for N companies.

Usage:
    python benchmarks/bench_batch.py [--companies 1000] [--max-requests-per-file 50000]
                                     [--max-bytes-per-file 200000000] [--json]

N companies are written as signals files (the Spotify fixture under N names and slugs) in a temporary
folder; `batch build` makes round 1 (split into files within the limits), and each round is then
answered the way a provider's output file would be (every request answered by the template engine,
so every answer parses and is grounded) and collected with `batch collect --results`, until the
drafts are written. Each step runs in a fresh process, timed from outside (wall seconds and the
child's peak memory); the figures name the files of each round, their requests and their bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_fleet import cli, run_child  # noqa: E402

from naftiko_writer.drafting.testing import completion, template_content  # noqa: E402


def run(args: list[str], cwd: Path) -> dict[str, object]:
    """One CLI command in a fresh process: its JSON output, wall seconds and peak memory (MB).

    The peak is the child's own high-water mark (bench_fleet.run_child): RUSAGE_CHILDREN's ru_maxrss is the
    largest of every child so far, and counts the forked copy of this process before exec.
    """
    wall, _, peak, code, stdout, stderr = run_child(
        cli(*args, "--json"), {"NAFTIKO_WRITER_DRAFTS_DIR": str(cwd / "drafts")}
    )
    if code != 0:
        raise SystemExit(f"{' '.join(args)} failed: {stderr.strip()}")
    return {"output": json.loads(stdout), "wall_s": round(wall, 2), "peak_mb": round(peak * 2**20 / 1e6)}


def answer(files: list[str], out: Path) -> int:
    """The provider's output for these request files, as one results file; the number of answers."""
    count = 0
    with out.open("w", encoding="utf-8") as stream:
        for name in files:
            for line in Path(name).read_text(encoding="utf-8").splitlines():
                request = json.loads(line)
                body = completion(request["body"], template_content(request["body"]))
                stream.write(
                    json.dumps({"custom_id": request["custom_id"], "response": {"status_code": 200, "body": body}})
                )
                stream.write("\n")
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--max-requests-per-file", type=int, default=50_000)
    parser.add_argument("--max-bytes-per-file", type=int, default=200_000_000)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    spotify = (ROOT / "fixtures" / "companies" / "spotify" / "signals.yaml").read_text(encoding="utf-8")
    figures: dict[str, object] = {"companies": options.companies, "rounds": []}
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        companies = work / "companies"
        companies.mkdir()
        for number in range(options.companies):
            slug = f"company-{number:05d}"
            text = spotify.replace("slug: spotify", f"slug: {slug}").replace("name: Spotify", f"name: Company {number}")
            (companies / f"{slug}.yaml").write_text(text, encoding="utf-8")
        step = run(
            ["batch", "build", str(companies), "--out", str(work / "batch"),
             "--max-requests-per-file", str(options.max_requests_per_file),
             "--max-bytes-per-file", str(options.max_bytes_per_file)],
            work,
        )  # fmt: skip
        figures["build"] = {"wall_s": step["wall_s"], "peak_mb": step["peak_mb"]}
        progress = step["output"]
        assert isinstance(progress, dict)
        while progress.get("round_files"):
            files = list(progress["round_files"])
            sizes = [Path(name).stat().st_size for name in files]
            counts = [len(Path(name).read_text().splitlines()) for name in files]
            results = work / f"results-{progress['round']}.jsonl"
            answer(files, results)
            step = run(["batch", "collect", str(work / "batch"), "--results", str(results)], work)
            collected = step["output"]
            assert isinstance(collected, dict)
            figures["rounds"].append(  # type: ignore[union-attr]
                {"round": progress["round"], "files": len(files), "requests": counts, "bytes": sizes,
                 "collect_wall_s": step["wall_s"], "collect_peak_mb": step["peak_mb"],
                 "fallbacks": collected["fallbacks"], "missing": collected["missing"]}
            )  # fmt: skip
            progress = collected
        figures["drafts"] = len(progress.get("drafts", []))
    if options.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{options.companies} companies: build {figures['build']}")
    for entry in figures["rounds"]:  # type: ignore[attr-defined]
        print(f"  round {entry['round']}: {entry['files']} file(s), requests {entry['requests']}, bytes "
              f"{entry['bytes']}; collect {entry['collect_wall_s']} s, peak {entry['collect_peak_mb']} MB, "
              f"fallbacks {entry['fallbacks']}, missing {entry['missing']}")  # fmt: skip
    print(f"  drafts written: {figures['drafts']}")


if __name__ == "__main__":
    main()
