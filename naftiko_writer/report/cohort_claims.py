"""Which cohort facts each section of a company report is given (`draft COMPANY --edition E`). Pure.

A section may claim only the standings it is given: a dimension paragraph its dimension's, in the
company's industry and in the whole edition; a layer introduction its layer's; the executive summary
and the strategic assessment the top dimensions'; the strengths and growth tables their candidates'
(in the industry). Waves and methodology get none. A dimension or layer at zero gets none either:
a tie at the bottom is nothing to claim.
"""

from __future__ import annotations

from naftiko_writer.report.cohort import CompanyStanding, Standing
from naftiko_writer.report.sections import CohortClaims, SectionKind
from naftiko_writer.scoring.models import ScoreCard

TOP_DIMENSIONS = 3
"""Top dimensions whose standing the summary and the assessment are given."""


def section_claims(
    kind: SectionKind, subject: str | None, card: ScoreCard, standing: CompanyStanding, edition: str
) -> CohortClaims | None:
    """The standings a section of `kind` about `subject` may claim; None when it may claim none."""
    picked: list[Standing] = []
    if kind is SectionKind.DIMENSION_NARRATIVE and subject is not None:
        picked = _both(standing.dimensions.get(subject))
    elif kind is SectionKind.LAYER_INTRODUCTION and subject is not None:
        picked = _both(standing.layers.get(subject))
    elif kind in (SectionKind.EXECUTIVE_SUMMARY, SectionKind.STRATEGIC_ASSESSMENT):
        for dimension_id in card.top_dimensions[:TOP_DIMENSIONS]:
            picked += _both(standing.dimensions.get(dimension_id))
    elif kind in (SectionKind.STRENGTHS, SectionKind.GROWTH_OPPORTUNITIES):
        candidates = card.strengths if kind is SectionKind.STRENGTHS else card.growth_opportunities
        for candidate in candidates:
            pair = standing.dimensions.get(candidate.dimension)
            picked += _both(pair)[:1]
    return CohortClaims(edition=edition, standings=picked) if picked else None


def _both(pair: tuple[Standing, Standing] | None) -> list[Standing]:
    if pair is None or pair[0].value <= 0:
        return []
    in_industry, in_edition = pair
    return [in_industry] if in_industry.group_size == in_edition.group_size else [in_industry, in_edition]
