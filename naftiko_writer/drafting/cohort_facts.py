"""A company's standing in the edition it is drafted among (`draft COMPANY --edition E`), and its ledger.

`company_standing_in` places the company in the run's cohort, refusing, in one line, a company the
edition does not hold or holds with other scores than its current data gives (its signals or the
taxonomy changed since it was added: claims made from the store would not describe this draft).
`cohort_ledger` records which standings each section was given, for the sidecar, so that `check` can
re-verify every claim when the cohort changes (a company added late, an edition restated).
"""

from __future__ import annotations

from collections.abc import Iterable

from naftiko_writer.errors import InputError
from naftiko_writer.report.cohort import Cohort, CompanyStanding, company_standing
from naftiko_writer.report.cohort_claims import section_claims
from naftiko_writer.report.model import CohortLedger
from naftiko_writer.report.plan import SectionSpec
from naftiko_writer.scoring.models import ScoreCard


def subject_names(card: ScoreCard) -> dict[str, str]:
    """Dimension and layer ids -> the names claims use for them."""
    return {d.id: d.name for d in card.dimensions} | {layer.id: layer.title for layer in card.layers}


def company_standing_in(cohort: Cohort, card: ScoreCard) -> CompanyStanding:
    """`card`'s company placed in `cohort` (see the module docstring for what is refused)."""
    slug, edition = card.company.slug, cohort.edition
    try:
        member = cohort.member(slug)
    except KeyError:
        raise InputError(
            f"{slug} is not in edition {edition}; add it (`naftiko-writer edition add {edition} SOURCE`) or draft "
            "without --edition"
        ) from None
    current = {dimension.id: dimension.score for dimension in card.dimensions}
    if dict(member.scores) != current:
        changed = sorted(d for d in current if member.scores.get(d) != current[d])
        raise InputError(
            f"{slug}'s scores in {edition} differ from what its data gives now ({', '.join(changed[:5])}"
            f"{' and more' if len(changed) > 5 else ''}): its signals or the taxonomy changed since it was added; "
            f"re-add it to the edition, or draft without --edition"
        )
    return company_standing(cohort, slug, subject_names(card))


def cohort_ledger(
    sections: Iterable[SectionSpec], card: ScoreCard, standing: CompanyStanding, edition: str
) -> CohortLedger:
    """Which standings each section was given."""
    given = {}
    for spec in sections:
        claims = section_claims(spec.kind, spec.subject, card, standing, edition)
        if claims is not None:
            given[spec.id] = claims.standings
    return CohortLedger(edition=edition, sections=given)
