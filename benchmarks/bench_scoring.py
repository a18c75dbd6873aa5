"""Benchmark: score 1,000 companies of 500 signals each on one core.

Run: python benchmarks/bench_scoring.py [--companies 1000] [--signals 500] [--repeat 3]

Signals are drawn deterministically from the taxonomy catalogue (names and
aliases, with case and punctuation varied) and from a pool of unknown names,
so matching exercises the exact, alias, kind and prefix rules and the misses.
Only scoring is timed (one fresh Scorer per run, so its lookup caches start
cold); generating the inputs is not, and they are frozen out of the garbage
collector's view (gc.freeze) so that 500,000 benchmark-made input objects do
not bill their scanning to the scorer. Scoring goes through
`Scorer.score_many` with the cyclic collector paused by this script, as a
batch job over many companies would pause it (scoring makes no cycles, a test
checks it; the scorer itself leaves the collector alone). Timed: `streamed`
drops each ScoreCard once made, `retained` keeps all of them alive, and, for
comparison, `one-by-one` calls `Scorer.score` in a plain loop with the
collector running. Prints the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import resource
import time
from pathlib import Path

from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent


def make_companies(count: int, per_company: int, seed: int = 2026) -> list[CompanySignals]:
    rng = random.Random(seed)
    taxonomy = load_taxonomy(ROOT / "taxonomy")
    known: list[tuple[SignalKind, str]] = []
    for entry in taxonomy.catalog.signals:
        kinds = entry.kinds or [rng.choice(list(SignalKind))]
        for spelling in (entry.name, *entry.aliases):
            known.append((kinds[0], spelling))
    unknown = [(rng.choice(list(SignalKind)), f"Vendor Product {n}") for n in range(20_000)]
    unknown += [(SignalKind.TOOL, f"Apache Project {n}") for n in range(500)]
    variants = (str, str.upper, str.lower, lambda s: s.replace(" ", "-"))
    companies = []
    for number in range(count):
        chosen: dict[tuple[SignalKind, str], Signal] = {}
        while len(chosen) < per_company:
            kind, name = rng.choice(known) if rng.random() < 0.5 else rng.choice(unknown)
            name = rng.choice(variants)(name)
            key = (kind, "".join(ch for ch in name.casefold() if ch.isalnum()))
            if key not in chosen:
                chosen[key] = Signal(kind=kind, name=name, evidence=rng.randint(1, 20))
        companies.append(
            CompanySignals(
                company=Company(name=f"Company {number}", slug=f"company-{number}", as_of=dt.date(2026, 1, 1)),
                signals=list(chosen.values()),
            )
        )
    return companies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--signals", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    companies = make_companies(args.companies, args.signals)
    taxonomy = load_taxonomy(ROOT / "taxonomy")
    gc.collect()
    gc.freeze()
    total = args.companies * args.signals
    print(f"{args.companies} companies x {args.signals} signals = {total:,} signals, one core, best of {args.repeat}:")
    for mode in ("streamed", "retained", "one-by-one"):
        timings = []
        for _ in range(args.repeat):
            scorer = Scorer(taxonomy)  # fresh lookup caches every run: no warm-up advantage
            if mode != "one-by-one":
                gc.disable()  # this process's policy while it scores in bulk
            start = time.perf_counter()
            if mode == "streamed":
                made = sum(1 for card in scorer.score_many(companies) if card.dimensions)
            elif mode == "retained":
                cards = list(scorer.score_many(companies))
                made = len(cards)
            else:
                made = sum(1 for company in companies if scorer.score(company).dimensions)
            timings.append(time.perf_counter() - start)
            gc.enable()
            assert made == len(companies)
            cards = []
            gc.collect()
        best = min(timings)
        runs = ", ".join(f"{t:.3f}" for t in timings)
        print(f"  {mode:10} {best:.3f} s ({total / best:,.0f} signals/s; runs {runs})")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
