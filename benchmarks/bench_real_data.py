"""Real signal data: coverage, Languages, dimensions never non-zero, scale, Spotify fidelity, timings.

Usage:
    python benchmarks/bench_real_data.py [DATA_DIR] [--json] [--no-timings]

DATA_DIR defaults to ../shared/data/naftiko-signals-dev (one folder of raw lists per company,
with the prototype's own `scoring.yml`). Prints, per company: signals after import, the share
counted for a dimension beyond the kind catch-all, that share with the catalogue entries only that
company's data uses held out (an estimate for a company the catalogue never saw), Languages, the
top dimensions, and the Spearman rank correlation with the prototype's scores (a weak yardstick:
see the data README). Then the dimensions non-zero for fewer than 3 companies, the scale of the
main dimensions against the ranges Naftiko's published reports show, Spotify fidelity against the
seed, and (unless --no-timings) the CLI timings of issue 9: a 6,300-signal file scored through the
CLI, in turn with the stack's floor for that file (start Python, import typer, pydantic and
PyYAML, read the file's YAML events: what any such command pays before its own work), and
importing + scoring + template-drafting all companies as one fleet.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from naftiko_writer.scoring.companies import load_company  # noqa: E402
from naftiko_writer.scoring.importing import import_signals, render_signals_file  # noqa: E402
from naftiko_writer.scoring.models import CompanySignals, Taxonomy  # noqa: E402
from naftiko_writer.scoring.names import name_key  # noqa: E402
from naftiko_writer.scoring.scorer import Scorer  # noqa: E402
from naftiko_writer.scoring.taxonomy import load_taxonomy  # noqa: E402
from tests.stats import spearman  # noqa: E402

PROTOTYPE_KEYS = {
    "api": "api", "saas": "saas", "ai": "artificial-intelligence", "automation": "automation",
    "containers": "containers", "observability": "observability", "integrations": "integrations",
    "virtualization": "virtualization", "data": "data", "databases": "databases", "platform": "platform",
    "operations": "operations", "eventDriven": "event-driven", "alignment": "alignment",
    "openSource": "open-source", "standardization": "standardization", "patterns": "patterns",
    "specifications": "specifications", "governance": "governance", "security": "security", "code": "code",
    "apache": "apache", "cncf": "cncf", "cloud": "cloud",
}  # fmt: skip
PUBLISHED_RANGES = {
    "services": (100, 270), "cloud": (35, 120), "data": (35, 120), "operations": (15, 75), "security": (15, 75),
    "automation": (15, 75), "artificial-intelligence": (15, 75), "languages": (6, 42), "open-source": (6, 45),
    "code": (6, 45),
}  # fmt: skip
"""Ranges for large enterprises in Naftiko's published March 2026 reports (the data README)."""
STACK_FLOOR = """
import os, sys
import typer, yaml
from pydantic import BaseModel
parser = yaml.CSafeLoader(open(sys.argv[1], encoding="utf-8").read())
for event in iter(parser.get_event, None):
    pass
os._exit(0)
"""
"""What any `score` of the file pays before doing its own work: starting Python, importing typer, pydantic's
BaseModel and PyYAML, and reading the file's events with libyaml (nothing validated, scored or written)."""
LANGUAGE_WORDS = {"python", "java", "javascript", "typescript", "c#", "c++", "golang", "kotlin", "swift", "scala",
                  "ruby", "php", "sql", "html", "css", "rust", "perl", "cobol", "abap", "bash", "powershell"}  # fmt: skip


def held_out_shares(taxonomy: Taxonomy, companies: dict[str, CompanySignals]) -> dict[str, float]:
    """Each company's counted share with the catalogue entries that only its own data uses taken out.

    An estimate of the coverage of a company the catalogue was not curated on: what still counts is
    counted by entries other companies share, by keyword and vendor-family rules, and by kind.
    """
    matcher = Scorer(taxonomy).matcher
    entry_keys = {name_key(entry.name): entry.name for entry in taxonomy.catalog.signals}
    users: dict[str, set[str]] = {}
    for slug, company in companies.items():
        for signal in company.signals:
            canonical, (_, key), *_ = matcher.match(signal.kind, signal.name)
            if entry_keys.get(key) == canonical:  # an exact entry (by name or alias) matched
                users.setdefault(canonical, set()).add(slug)
    shares = {}
    for slug, company in companies.items():
        own = {name for name, slugs in users.items() if slugs == {slug}}
        catalog = taxonomy.catalog.model_copy(
            update={"signals": [entry for entry in taxonomy.catalog.signals if entry.name not in own]}
        )
        card = Scorer(taxonomy.model_copy(update={"catalog": catalog})).score(company)
        shares[slug] = round(card.coverage.counted / max(1, card.coverage.signals), 3)
    return shares


def real_data(data_dir: Path) -> dict[str, object]:
    taxonomy = load_taxonomy(ROOT / "taxonomy")
    scorer = Scorer(taxonomy)
    rows = []
    companies: dict[str, CompanySignals] = {}
    nonzero: dict[str, int] = {d.id: 0 for d in taxonomy.dimensions}
    scale: dict[str, list[int]] = {d: [] for d in PUBLISHED_RANGES}
    for folder in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        company = companies[folder.name] = import_signals(folder).company_signals
        card = scorer.score(company)
        scores = {d.id: d.score for d in card.dimensions}
        for dimension_id, value in scores.items():
            nonzero[dimension_id] += value > 0
        for dimension_id in scale:
            scale[dimension_id].append(scores[dimension_id])
        lists_a_language = any(signal.name.strip().lower() in LANGUAGE_WORDS for signal in company.signals)
        prototype_file = folder / "scoring.yml"
        rho = None
        if prototype_file.is_file():
            prototype = yaml.safe_load(prototype_file.read_text()) or {}
            keys = [k for k in PROTOTYPE_KEYS if k in prototype]
            if keys:
                rho = round(
                    spearman([float(prototype[k]) for k in keys], [float(scores[PROTOTYPE_KEYS[k]]) for k in keys]), 2
                )
        top = sorted(card.dimensions, key=lambda d: -d.score)[:5]
        rows.append(
            {
                "company": folder.name,
                "signals": card.coverage.signals,
                "counted": card.coverage.counted,
                "share": round(card.coverage.counted / max(1, card.coverage.signals), 3),
                "languages": scores["languages"],
                "lists_a_language": lists_a_language,
                "top": [f"{d.name} {d.score}" for d in top],
                "zero_dimensions": sum(1 for v in scores.values() if v == 0),
                "spearman_vs_prototype": rho,
            }
        )
    held_out = held_out_shares(taxonomy, companies)
    for row in rows:
        row["held_out_share"] = held_out[str(row["company"])]
    spotify = load_company("spotify", ROOT / "fixtures" / "companies")
    expected = yaml.safe_load((ROOT / "fixtures" / "companies" / "spotify" / "expected.yaml").read_text())
    card = scorer.score(spotify)
    seed = expected["seed_scores"]
    ours = {d.id: d.score for d in card.dimensions}
    ids = sorted(seed)
    our_rank = {d.id: i + 1 for i, d in enumerate(sorted(card.dimensions, key=lambda d: -d.score))}
    seed_top5 = sorted(seed, key=lambda k: -seed[k])[:5]
    return {
        "companies": rows,
        "all_share": round(sum(r["counted"] for r in rows) / max(1, sum(r["signals"] for r in rows)), 3),
        "all_held_out_share": round(
            sum(float(r["held_out_share"]) * int(r["signals"]) for r in rows) / max(1, sum(r["signals"] for r in rows)),
            3,
        ),
        "dimensions_nonzero_for_fewer_than_3": {k: v for k, v in nonzero.items() if v < 3},
        "scale_median_min_max": {
            k: (statistics.median(v), min(v), max(v), PUBLISHED_RANGES[k]) for k, v in scale.items()
        },
        "spotify": {
            "spearman": round(spearman([seed[k] for k in ids], [ours[k] for k in ids]), 3),
            "seed_top5_our_ranks": {k: our_rank[k] for k in seed_top5},
            "seed_zeros_exact": all(ours[k] == 0 for k in expected["seed_zero"]),
        },
    }


def timings(data_dir: Path) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        # One 6,300-signal file: the largest companies' imported signals until 6,300.
        from naftiko_writer.scoring.models import CompanySignals

        imported = [import_signals(folder) for folder in sorted(data_dir.iterdir()) if folder.is_dir()]
        imported.sort(key=lambda r: -len(r.company_signals.signals))
        seen: set[tuple[str, str]] = set()
        signals = []
        for result in imported:
            for signal in result.company_signals.signals:
                key = (signal.kind.value, name_key(signal.name))  # a signals file refuses a repeat by key
                if key not in seen and len(signals) < 6300:
                    seen.add(key)
                    signals.append(signal)
        first = imported[0]
        first.company_signals = CompanySignals(company=first.company_signals.company, signals=signals)
        big = work / "big.yaml"
        big.write_text(render_signals_file(first), encoding="utf-8")
        command = [sys.executable, "-m", "naftiko_writer", "score", str(big), "--json"]
        floor = [sys.executable, "-c", STACK_FLOOR, str(big)]
        runs, floors = [], []
        for _ in range(9):  # in turn, so that a drift in the machine's speed falls on both
            for times, argv in ((runs, command), (floors, floor)):
                start = time.perf_counter()
                subprocess.run(argv, check=True, capture_output=True)
                times.append(time.perf_counter() - start)
        results["score_6300_signals_cli_median_s"] = round(statistics.median(runs), 3)
        results["stack_floor_median_s"] = round(statistics.median(floors), 3)
        results["score_over_floor"] = round(statistics.median(r / f for r, f in zip(runs, floors, strict=True)), 2)
        baseline = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import pydantic, rich, typer, yaml"], check=True)
            baseline.append(time.perf_counter() - start)
        results["import_pydantic_rich_typer_yaml_median_s"] = round(statistics.median(baseline), 3)
        start = time.perf_counter()
        fleet = [sys.executable, "-m", "naftiko_writer", "draft", str(data_dir.resolve()), "--engine", "template"]
        subprocess.run(
            [*fleet, "--json", "--quiet"],
            check=True,
            capture_output=True,
            cwd=work,
            env={**os.environ, "PYTHONPATH": str(ROOT)},  # the package of this checkout, from the scratch folder
        )
        results["fleet_import_score_template_draft_all_s"] = round(time.perf_counter() - start, 2)
    return results


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    data_dir = Path(args[0]) if args else ROOT.parent / "shared" / "data" / "naftiko-signals-dev"
    report = real_data(data_dir)
    if "--no-timings" not in sys.argv:
        report["timings"] = timings(data_dir)
    if "--json" in sys.argv:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{'company':24} {'signals':>7} {'counted':>8} {'held out':>8} {'Lang':>5} {'zeros':>5} {'rho':>5}  top dimensions"
    )
    for row in report["companies"]:  # type: ignore[union-attr]
        print(
            f"{row['company']:24} {row['signals']:>7} {row['share']:>8.1%} {row['held_out_share']:>8.1%} {row['languages']:>5} "
            f"{row['zero_dimensions']:>5} {row['spearman_vs_prototype'] if row['spearman_vs_prototype'] is not None else '-':>5}  "
            + ", ".join(row["top"])
        )
    print(
        f"all: {report['all_share']:.1%} counted; {report['all_held_out_share']:.1%} with each company's own entries held out"
    )
    print("dimensions non-zero for fewer than 3 companies:", report["dimensions_nonzero_for_fewer_than_3"])
    print("scale (median, min, max, published range):")
    for key, value in report["scale_median_min_max"].items():  # type: ignore[union-attr]
        print(f"  {key:26} {value}")
    print("spotify:", report["spotify"])
    if "timings" in report:
        print("timings:", report["timings"])


if __name__ == "__main__":
    main()
