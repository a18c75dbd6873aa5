"""Standing in a cohort: ranks, ties, medians and percentile bands of one company among its peers. Pure.

A `Cohort` is an edition's companies with their dimension and layer scores (the edition store builds
one; tests build them by hand). `standing` places one company's value in a group (its industry, or the
whole edition) the way the published convention says a claim may be made:
- ranks are competition ranks: tied companies share a rank ("joint 2nd"), the next rank skips;
- a superlative ("highest", "leads") only where the group has at least `SUPERLATIVE_MIN_GROUP`
  companies and the company is first alone;
- a named percentile band with fixed cut-offs (`BANDS`), from the share of the group scoring lower;
- the industry benchmark is the median, never the mean;
- the group and the edition are named in every phrase ("2nd of 6 Financial companies in 2026-Q1").
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from naftiko_writer.scoring.models import ScoreCard

SUPERLATIVE_MIN_GROUP = 10
"""The smallest group in which "highest" or "leads" may be said of its first company."""

BANDS: tuple[tuple[float, str], ...] = (
    (90.0, "top decile"),
    (75.0, "75th-90th percentile"),
    (50.0, "50th-75th percentile"),
    (25.0, "25th-50th percentile"),
    (10.0, "10th-25th percentile"),
    (0.0, "bottom decile"),
)
"""Percentile bands, highest first: a company is in the first band whose lower bound its percentile reaches."""

UNKNOWN_INDUSTRY = "Unknown"


@dataclass(frozen=True)
class Member:
    """One company of a cohort: its scores by dimension id and by layer id, and its counted signal names."""

    slug: str
    name: str
    industry: str | None
    scores: Mapping[str, int]
    layer_scores: Mapping[str, float] = field(default_factory=dict)
    signals: frozenset[str] = frozenset()
    """The distinct names of the company's counted signals (for what an industry shares)."""
    evidence: Mapping[str, int] = field(default_factory=dict)
    """How often the company's data mentions each of its signals (a name not here: once), by name."""

    @property
    def total(self) -> int:
        """The company's total signal score: the sum of its dimension scores."""
        return sum(self.scores.values())


@dataclass(frozen=True)
class Cohort:
    """An edition's companies (or any group of them), in a stable order."""

    edition: str
    members: tuple[Member, ...]

    def member(self, slug: str) -> Member:
        """The company with this slug (KeyError if it is not in the cohort)."""
        for member in self.members:
            if member.slug == slug:
                return member
        raise KeyError(slug)

    def industry(self, industry: str | None) -> Cohort:
        """The companies of one industry (None: those whose industry is unknown)."""
        return Cohort(self.edition, tuple(m for m in self.members if m.industry == industry))

    def industries(self) -> list[str]:
        """The named industries, alphabetically."""
        return sorted({m.industry for m in self.members if m.industry is not None})


def member_of(card: ScoreCard, industry: str | None) -> Member:
    """A cohort member from a company's score card (its counted signals are its evidence names)."""
    return Member(
        slug=card.company.slug,
        name=card.company.name,
        industry=industry,
        scores={dimension.id: dimension.score for dimension in card.dimensions},
        layer_scores={layer.id: layer.mean_score for layer in card.layers},
        signals=frozenset(name for dimension in card.dimensions for name in dimension.evidence_names()),
        evidence={
            item.name: item.count
            for dimension in card.dimensions
            for items in dimension.evidence.values()
            for item in items
        },
    )


def cohort_of(edition: str, cards: Iterable[tuple[ScoreCard, str | None]]) -> Cohort:
    """A cohort from score cards and their industries (the edition store builds the same from its tables)."""
    return Cohort(edition, tuple(member_of(card, industry) for card, industry in cards))


class Standing(BaseModel):
    """Where one value stands in a named group, with the only phrase a report may use for it."""

    subject: str = Field(description="The dimension or layer the value is of.")
    value: float
    group: str = Field(description="The group's name as written, e.g. 'Financial companies' or 'companies'.")
    edition: str
    group_size: int
    rank: int = Field(description="Competition rank: 1 + the number of companies with a higher value.")
    tied: int = Field(description="How many other companies of the group have the same value.")
    median: float
    percentile: float | None = Field(description="Share of the rest of the group with a lower value, 0-100.")
    band: str | None
    superlative: bool = Field(description="Whether 'highest' / 'leads' may be said: first alone in 10 or more.")
    phrase: str = Field(description="The claim as it may be written, group and edition named.")


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, ..."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def band_of(percentile: float) -> str:
    """The named band a percentile falls in."""
    return next(name for lower, name in BANDS if percentile >= lower)


def group_name(industry: str | None, size: int) -> str:
    """How a group is named in a claim: 'Financial companies', 'companies' (the whole edition)."""
    noun = "company" if size == 1 else "companies"
    if industry == UNKNOWN_INDUSTRY:
        return f"{noun} of unknown industry"
    return f"{industry} {noun}" if industry else noun


def standing(
    subject: str, value: float, peers: Sequence[float], group: str, edition: str, *, includes_self: bool = True
) -> Standing:
    """Where `value` stands among `peers` (the group's values, the company's own among them by default)."""
    values = list(peers) if includes_self else [*peers, value]
    size = len(values)
    higher = sum(1 for other in values if other > value)
    lower = sum(1 for other in values if other < value)
    tied = sum(1 for other in values if other == value) - 1
    rank = 1 + higher
    percentile = round(100.0 * lower / (size - 1), 1) if size > 1 else None
    superlative = rank == 1 and tied == 0 and size >= SUPERLATIVE_MIN_GROUP
    return Standing(
        subject=subject,
        value=value,
        group=group,
        edition=edition,
        group_size=size,
        rank=rank,
        tied=tied,
        median=round(float(statistics.median(values)), 1),
        percentile=percentile,
        band=band_of(percentile) if percentile is not None else None,
        superlative=superlative,
        phrase=standing_phrase(rank, tied, size, group, edition),
    )


def standing_phrase(rank: int, tied: int, size: int, group: str, edition: str) -> str:
    """'2nd of 6 Financial companies in 2026-Q1', 'joint 2nd (with 1 other) of ...', 'the only ... company'."""
    if size == 1:
        return f"the only one of the {group} in {edition}"
    joint = f"joint {ordinal(rank)} (with {tied} other{'s' if tied != 1 else ''})" if tied else ordinal(rank)
    return f"{joint} of {size} {group} in {edition}"


@dataclass(frozen=True)
class CompanyStanding:
    """A company's standing in its industry and in the whole edition, for every dimension and layer."""

    slug: str
    industry: str | None
    dimensions: dict[str, tuple[Standing, Standing]]
    """Dimension id -> (in the industry, in the edition)."""
    layers: dict[str, tuple[Standing, Standing]]


def company_standing(cohort: Cohort, slug: str, names: Mapping[str, str] | None = None) -> CompanyStanding:
    """`slug`'s standing for every dimension and layer it has scores for; `names` spells subjects (id -> name)."""
    member = cohort.member(slug)
    peers = cohort.industry(member.industry)
    industry_group = group_name(member.industry or UNKNOWN_INDUSTRY, len(peers.members))
    edition_group = group_name(None, len(cohort.members))
    spelled = names or {}

    def both(values_of: Iterable[tuple[str, float]], scores: str) -> dict[str, tuple[Standing, Standing]]:
        placed = {}
        for key, value in values_of:
            subject = spelled.get(key, key)
            industry_values = [float(getattr(m, scores).get(key, 0)) for m in peers.members]
            edition_values = [float(getattr(m, scores).get(key, 0)) for m in cohort.members]
            placed[key] = (
                standing(subject, value, industry_values, industry_group, cohort.edition),
                standing(subject, value, edition_values, edition_group, cohort.edition),
            )
        return placed

    return CompanyStanding(
        slug=slug,
        industry=member.industry,
        dimensions=both(((k, float(v)) for k, v in member.scores.items()), "scores"),
        layers=both(member.layer_scores.items(), "layer_scores"),
    )
