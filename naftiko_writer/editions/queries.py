"""Questions asked of a stored edition: what it holds, who ranks where, and one company's scorecard.

Ranks are competition ranks ("1, 2, 2, 4"): companies with equal scores share a rank, the next rank skips
as many places as were shared (SQL's RANK(), as `scoring.scorer.competition_ranks` ranks a company's dimensions). Medians, not means, summarise a
dimension across companies. Everything returned is plain data with a `to_dict` for `--json`.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naftiko_writer.editions import records
from naftiko_writer.editions.records import TOTAL, Edition, Member
from naftiko_writer.errors import EditionError
from naftiko_writer.formats import EDITION_FORMAT

if TYPE_CHECKING:
    from naftiko_writer.scoring.models import ScoreCard

FORMAT_VERSION = EDITION_FORMAT
"""The version of every edition command's JSON (`format_version`; naftiko_writer.formats)."""
UNKNOWN_INDUSTRY = "unknown"


def edition_dict(edition: Edition) -> dict[str, Any]:
    """An edition as JSON-ready data."""
    return {**asdict(edition), "closed": edition.closed}


@dataclass(frozen=True)
class RankRow:
    """One company's place in a ranking."""

    rank: int
    joint: bool
    slug: str
    name: str
    industry: str | None
    score: int


@dataclass(frozen=True)
class Ranking:
    """An edition's companies ranked by one dimension (or the total), within an industry when given."""

    edition: str
    dimension: str
    dimension_name: str
    industry: str | None
    companies: int
    rows: list[RankRow]

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {"format_version": FORMAT_VERSION, **asdict(self)}


@dataclass(frozen=True)
class DimensionSummary:
    """One dimension across an edition's companies: sum, median, maximum and who holds the maximum."""

    id: str
    name: str
    total: int
    median: float
    maximum: int
    scored: int
    leaders: list[str]


@dataclass(frozen=True)
class EditionSummary:
    """What `edition show` prints."""

    edition: Edition
    industry: str | None
    companies: int
    industries: dict[str, int]
    total: int
    dimensions: list[DimensionSummary] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "format_version": FORMAT_VERSION,
            "edition": edition_dict(self.edition),
            "industry": self.industry,
            "companies": self.companies,
            "industries": self.industries,
            "total": self.total,
            "dimensions": [asdict(dimension) for dimension in self.dimensions],
        }


def cohort_scores(
    connection: sqlite3.Connection, edition: str, dimension: str, industry: str | None = None
) -> dict[str, int]:
    """Slug -> score of one dimension (or the total) for every company of an edition (or of one industry)."""
    where = "m.edition = ?" + (" AND lower(m.industry) = lower(?)" if industry is not None else "")
    values: tuple[str, ...] = (edition,) if industry is None else (edition, industry)
    if dimension == TOTAL:
        rows = connection.execute(
            f"SELECT m.slug, s.total FROM members m JOIN scorings s ON s.id = m.scoring_id WHERE {where}", values
        )
    else:
        rows = connection.execute(
            "SELECT m.slug, d.score FROM members m JOIN dimension_scores d "
            f"ON d.scoring_id = m.scoring_id AND d.dimension = ? WHERE {where}",
            (dimension, *values),
        )
    return dict(rows.fetchall())


def rank_edition(
    connection: sqlite3.Connection, edition: str, dimension: str, industry: str | None = None, top: int | None = None
) -> Ranking:
    """Rank an edition's companies by a dimension; `top` keeps the ranks up to N (all companies tied at N)."""
    found = records.get_edition(connection, edition)
    stored = records.find_stored_dimension(connection, found.taxonomy_id, dimension)
    if industry is not None:
        records.check_industry(connection, edition, industry)
    where = "m.edition = ?" + (" AND lower(m.industry) = lower(?)" if industry is not None else "")
    values: tuple[str, ...] = (edition,) if industry is None else (edition, industry)
    if stored.id == TOTAL:
        scored = f"SELECT m.slug, m.name, m.industry, s.total AS score FROM members m JOIN scorings s ON s.id = m.scoring_id WHERE {where}"
    else:
        scored = (
            "SELECT m.slug, m.name, m.industry, d.score FROM members m JOIN dimension_scores d "
            f"ON d.scoring_id = m.scoring_id AND d.dimension = ? WHERE {where}"
        )
        values = (stored.id, *values)
    ranked = connection.execute(  # RANK() is the competition rank: ties share one, the next skips
        f"SELECT RANK() OVER (ORDER BY score DESC), slug, name, industry, score FROM ({scored}) "
        "ORDER BY score DESC, slug",
        values,
    ).fetchall()
    shared = Counter(rank for rank, *_ in ranked)
    rows = [
        RankRow(rank, shared[rank] > 1, slug, name, member_industry, score)
        for rank, slug, name, member_industry, score in ranked
        if top is None or rank <= top
    ]
    return Ranking(edition, stored.id, stored.name, industry, len(ranked), rows)


def show_edition(connection: sqlite3.Connection, edition: str, industry: str | None = None) -> EditionSummary:
    """Companies, industries, and per dimension the sum, median, maximum and leaders (ties all lead)."""
    found = records.get_edition(connection, edition)
    if industry is not None:
        records.check_industry(connection, edition, industry)
    members = records.members(connection, edition, industry)
    industries = Counter(member.industry or UNKNOWN_INDUSTRY for member in members)
    where = "m.edition = ?" + (" AND lower(m.industry) = lower(?)" if industry is not None else "")
    values: tuple[str, ...] = (edition,) if industry is None else (edition, industry)
    by_dimension: dict[str, list[tuple[int, str]]] = {}
    for dimension, score, slug in connection.execute(
        "SELECT d.dimension, d.score, m.slug FROM members m JOIN dimension_scores d ON d.scoring_id = m.scoring_id "
        f"WHERE {where}",
        values,
    ):
        by_dimension.setdefault(dimension, []).append((score, slug))
    summaries = []
    for dimension in records.stored_dimensions(connection, found.taxonomy_id):
        scored = by_dimension.get(dimension.id, [])
        values_only = [score for score, _ in scored]
        maximum = max(values_only, default=0)
        summaries.append(
            DimensionSummary(
                id=dimension.id,
                name=dimension.name,
                total=sum(values_only),
                median=float(statistics.median(values_only)) if values_only else 0.0,
                maximum=maximum,
                scored=sum(1 for score in values_only if score > 0),
                leaders=sorted(slug for score, slug in scored if score == maximum and maximum > 0),
            )
        )
    return EditionSummary(
        edition=found,
        industry=industry,
        companies=len(members),
        industries=dict(sorted(industries.items(), key=lambda item: (-item[1], item[0]))),
        total=sum(summary.total for summary in summaries),
        dimensions=summaries,
    )


@dataclass
class StoredCompany:
    """A company of an edition: its member row and its scorecard, rebuilt from the stored signals and taxonomy."""

    edition: Edition
    member: Member
    card: ScoreCard
    differing: list[str]
    """Dimensions whose rebuilt score is not the stored one (the scorer changed since the edition was made)."""

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data: the scorecard as `score --json` prints it, with where it is stored."""
        return {
            "format_version": FORMAT_VERSION,
            "edition": self.edition.name,
            "slug": self.member.slug,
            "industry": self.member.industry,
            "source": self.member.source,
            "added_at": self.member.added_at,
            "differing_from_stored": self.differing,
            "scorecard": self.card.model_dump(mode="json"),
        }


def stored_company(connection: sqlite3.Connection, edition: str, slug: str, store_path: Path) -> StoredCompany:
    """One company's scorecard as stored: its signals re-scored under the edition's stored taxonomy."""
    from naftiko_writer.scoring.scorer import Scorer

    found = records.get_edition(connection, edition)
    member = records.find_member(connection, edition, slug)
    if member is None:
        raise EditionError(f"no company {slug!r} in edition {edition}; `edition rank {edition} total` lists them")
    taxonomy = records.load_stored_taxonomy(connection, found.taxonomy_id, store_path).taxonomy
    card = Scorer(taxonomy).score(records.member_signals(connection, member))
    stored = records.scores_of(connection, member.scoring_id)
    differing = [d.id for d in card.dimensions if stored.get(d.id) != d.score]
    return StoredCompany(found, member, card, differing)
