"""Cohort facts at edition size: one company's standing among 1,000, and `check` of a draft against the store.

Usage:
    python benchmarks/bench_cohort.py [--companies 1000] [--store FILE --edition E]

Without --store: a synthetic cohort of N companies in memory (each the scores of one of the 18 real
companies of fixtures/real, perturbed by up to +-30%, in one of 50 industries), timing `company_standing`
(every dimension and layer of one company, in its industry and in the edition) and the section claims
of a whole report; the target is 50 ms at 1,000 companies.
With --store (for example the one `benchmarks/bench_editions.py --work DIR` leaves): reading the edition
as a cohort from SQLite, and the whole of `check` of a template draft made with --edition of its first
company; the target is 1 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from naftiko_writer.report.cohort import Cohort, Member, company_standing, member_of  # noqa: E402
from naftiko_writer.report.cohort_claims import section_claims  # noqa: E402
from naftiko_writer.report.plan import plan_sections  # noqa: E402
from naftiko_writer.scoring.companies import load_company  # noqa: E402
from naftiko_writer.scoring.scorer import Scorer  # noqa: E402
from naftiko_writer.scoring.taxonomy import load_taxonomy  # noqa: E402

REAL = ROOT / "fixtures" / "real"


def median_ms(action, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def synthetic(companies: int, seed: int = 7) -> tuple[Cohort, object]:
    scorer = Scorer(load_taxonomy(ROOT / "taxonomy"))
    cards = [
        scorer.score(load_company(str(folder), ROOT / "fixtures" / "companies"))
        for folder in sorted(REAL.iterdir())
        if folder.is_dir()
    ]
    rng = random.Random(seed)
    members = []
    for index in range(companies):
        base = member_of(rng.choice(cards), None)
        scores = {d: max(0, round(v * rng.uniform(0.7, 1.3))) for d, v in base.scores.items()}
        layers = {k: round(v * rng.uniform(0.7, 1.3), 1) for k, v in base.layer_scores.items()}
        members.append(Member(f"c{index}", f"Company {index}", f"Industry {index % 50}", scores, layers))
    return Cohort("B-1", tuple(members)), cards[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--edition")
    args = parser.parse_args()
    if args.store is None:
        cohort, card = synthetic(args.companies)
        slug = cohort.members[0].slug
        standing_ms = median_ms(lambda: company_standing(cohort, slug))
        standing = company_standing(cohort, slug)
        specs = plan_sections(card)  # type: ignore[arg-type]
        claims_ms = median_ms(lambda: [section_claims(s.kind, s.subject, card, standing, "B-1") for s in specs])  # type: ignore[arg-type]
        print(
            f"standing of one company among {args.companies}: {standing_ms:.1f} ms (median of 7); claims of all "
            f"{len(specs)} sections: {claims_ms:.2f} ms"
        )
        return 0
    from naftiko_writer.config import Settings
    from naftiko_writer.document.draft_files import draft_files, write_draft
    from naftiko_writer.drafting.pipeline import draft_report
    from naftiko_writer.drafting.run import DraftRun, prepare_company
    from naftiko_writer.editions import records
    from naftiko_writer.editions.cohort import StoreReader, read_cohort
    from naftiko_writer.editions.store import open_store
    from naftiko_writer.review.update import check_file

    read_ms = median_ms(lambda: read_cohort(args.store, args.edition), repeat=5)
    cohort = read_cohort(args.store, args.edition)
    with open_store(args.store, write=False) as store:
        member = records.members(store.connection, args.edition)[0]
        source = member.source
    settings = Settings()
    run = DraftRun.template(source, "bench", settings.sources())
    run = DraftRun(run.company, run.created, run.sources, run.options, cohort=cohort)
    report = draft_report(run, prepare_company(run.company, run.sources))
    with tempfile.TemporaryDirectory() as scratch:
        files = draft_files(Path(scratch), member.slug, "bench", Path(scratch) / "d.md")
        write_draft(report, files)
        check_ms = median_ms(
            lambda: check_file(files.markdown, settings.sources(), editions=StoreReader(args.store)),
            repeat=3,
        )
    print(
        f"read {len(cohort.members)} companies of {args.edition} as a cohort: {read_ms:.0f} ms; "
        f"check of {member.slug}'s draft against the store: {check_ms:.0f} ms (median of 3)"
    )
    from naftiko_writer.drafting.industry_draft import IndustryRun, draft_industry
    from naftiko_writer.drafting.prompts import load_prompts
    from naftiko_writer.editions.cohort import edition_taxonomy, load_cohort
    from naftiko_writer.options import DraftOptions, Engine

    prompts = load_prompts(settings.resolved_prompts_dir())
    with open_store(args.store, write=False) as store:
        taxonomy = edition_taxonomy(store.connection, args.edition, args.store)
        groups: list[str | None] = [None, *load_cohort(store.connection, args.edition, signals=False).industries()]
        timings = []
        for group in groups:  # as `industry` does: the cohort read with the group's signals, then the report
            started = time.perf_counter()
            cohort = load_cohort(store.connection, args.edition, industry=group)
            run = IndustryRun(group, "bench", DraftOptions(engine=Engine.TEMPLATE))
            draft_industry(run, cohort, taxonomy, prompts)
            timings.append(time.perf_counter() - started)
    print(
        f"every industry report of {args.edition}, read and drafted (template engine): the overview of all "
        f"{len(cohort.members)} companies {timings[0]:.1f} s, each of {len(groups) - 1} industries "
        f"{statistics.median(timings[1:]):.2f} s (median), {sum(timings):.1f} s in all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
