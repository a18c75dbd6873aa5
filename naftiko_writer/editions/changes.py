"""What changed between two editions, and why: the company's signals, the taxonomy, or its peers.

For a company in editions A and B, scored S(signals, taxonomy), each dimension's change splits exactly:

    S(B's signals, B's taxonomy) - S(A's signals, A's taxonomy)
      = [S(A's signals, B's taxonomy) - S(A's signals, A's taxonomy)]    taxonomy changed
      + [S(B's signals, B's taxonomy) - S(A's signals, B's taxonomy)]    signals changed

The signals part names the signals added, removed and with other evidence that count for the dimension
under B's taxonomy; the taxonomy part names A's signals that count for it under one taxonomy and not the
other. Rank moves (competition ranks within the edition, or within an industry) split the same way:
with r(x, peers) the rank of score x among peers' scores,

    move = r(A score, A peers) - r(B score, B peers)
         = [r(A score, A peers) - r(B score, A peers)]    the company's own change
         + [r(B score, A peers) - r(B score, B peers)]    its peers' changes (theirs, new and gone companies)

A positive move is a rise. A company new in B or gone from it is said so, with no split and no percentage
(a percentage needs a baseline above zero).
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from naftiko_writer.editions import records
from naftiko_writer.editions.queries import FORMAT_VERSION
from naftiko_writer.editions.records import TOTAL, Edition, Member
from naftiko_writer.errors import EditionError
from naftiko_writer.scoring.models import SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import Scorer

Scores = dict[str, int]
"""Dimension id (and `total`) -> score."""


@dataclass(frozen=True)
class DimensionChange:
    """One dimension of one company between two editions."""

    id: str
    name: str
    before: int | None
    after: int | None
    delta: int | None
    signals: int | None
    taxonomy: int | None
    percent: float | None
    rank_before: int | None
    rank_after: int | None
    move: int | None
    own: int | None
    peers: int | None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    evidence_changed: list[str] = field(default_factory=list)
    now_counted: list[str] = field(default_factory=list)
    no_longer_counted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the score or the rank moved."""
        return bool(self.delta) or bool(self.move)


@dataclass(frozen=True)
class CompanyChanges:
    """`edition changes SLUG`: one company between edition A and edition B."""

    slug: str
    name: str
    from_edition: str
    to_edition: str
    status: str
    """`changed`, `unchanged`, `new` (only in B) or `gone` (only in A)."""
    industry: str | None
    taxonomy_before: str | None
    taxonomy_after: str | None
    signals_added: int
    signals_removed: int
    evidence_changed: int
    dimensions: list[DimensionChange]

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {"format_version": FORMAT_VERSION, **asdict(self)}


@dataclass(frozen=True)
class Mover:
    """One company of an edition-wide comparison, on one dimension (or the total)."""

    slug: str
    name: str
    industry: str | None
    before: int
    after: int
    delta: int
    signals: int
    taxonomy: int
    percent: float | None
    rank_before: int
    rank_after: int
    move: int
    own: int
    peers: int


@dataclass(frozen=True)
class EditionChanges:
    """`edition changes --from A --to B`: the biggest movers, and the companies new and gone."""

    from_edition: str
    to_edition: str
    dimension: str
    dimension_name: str
    industry: str | None
    taxonomy_before: str
    taxonomy_after: str
    companies_before: int
    companies_after: int
    common: int
    unchanged: int
    delta: int
    signals: int
    taxonomy: int
    new: list[str]
    gone: list[str]
    new_total: int
    gone_total: int
    movers: list[Mover]

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {"format_version": FORMAT_VERSION, **asdict(self)}


def percent(before: int | None, delta: int | None) -> float | None:
    """The change as a percentage of a baseline above zero; None without one."""
    if before is None or delta is None or before <= 0:
        return None
    return round(100.0 * delta / before, 1)


def rank_among(score: int, peers: list[int]) -> int:
    """Competition rank of a score among the peers' scores: one more than the number of higher scores."""
    return 1 + sum(1 for peer in peers if peer > score)


class CrossScores:
    """S(A's signals, B's taxonomy): stored when a scoring of that set under that taxonomy exists, else computed."""

    def __init__(self, connection: sqlite3.Connection, store_path: Path, taxonomy_id: int) -> None:
        """Compute under the stored taxonomy `taxonomy_id` when needed (loaded on first use)."""
        self.connection = connection
        self.store_path = store_path
        self.taxonomy_id = taxonomy_id
        self._scorer: Scorer | None = None

    @property
    def taxonomy(self) -> Taxonomy:
        """The taxonomy, loaded from the store."""
        return self.scorer.taxonomy

    @property
    def scorer(self) -> Scorer:
        """A scorer of the taxonomy, loaded from the store on first use."""
        if self._scorer is None:
            stored = records.load_stored_taxonomy(self.connection, self.taxonomy_id, self.store_path)
            self._scorer = Scorer(stored.taxonomy)
        return self._scorer

    def scores(self, member: Member) -> Scores:
        """The member's signals scored under this taxonomy, with the total."""
        scoring_id = records.find_scoring(self.connection, member.set_id, self.taxonomy_id)
        if scoring_id is not None:
            return with_total(records.scores_of(self.connection, scoring_id))
        card = self.scorer.score(records.member_signals(self.connection, member))
        return with_total({d.id: d.score for d in card.dimensions})


def with_total(scores: Scores) -> Scores:
    """Scores with their sum under `total`."""
    return {**scores, TOTAL: sum(scores.values())}


def edition_scores(connection: sqlite3.Connection, edition: str, industry: str | None) -> dict[str, Scores]:
    """Slug -> scores (with the total) of every company of an edition, or of one industry."""
    where = "m.edition = ?" + (" AND lower(m.industry) = lower(?)" if industry is not None else "")
    values: tuple[str, ...] = (edition,) if industry is None else (edition, industry)
    found: dict[str, Scores] = {}
    for slug, dimension, score in connection.execute(
        "SELECT m.slug, d.dimension, d.score FROM members m JOIN dimension_scores d ON d.scoring_id = m.scoring_id "
        f"WHERE {where}",
        values,
    ):
        found.setdefault(slug, {})[dimension] = score
    return {slug: with_total(scores) for slug, scores in found.items()}


def company_changes(
    connection: sqlite3.Connection,
    store_path: Path,
    slug: str,
    from_edition: str,
    to_edition: str,
    industry: str | None = None,
) -> CompanyChanges:
    """One company's changes from edition A to edition B, per dimension, attributed (see the module docstring)."""
    a, b = _two_editions(connection, from_edition, to_edition)
    member_a = records.find_member(connection, a.name, slug)
    member_b = records.find_member(connection, b.name, slug)
    if member_a is None and member_b is None:
        raise EditionError(f"no company {slug!r} in {a.name} or {b.name}; `edition rank EDITION total` lists them")
    cohort_a = edition_scores(connection, a.name, industry)
    cohort_b = edition_scores(connection, b.name, industry)
    if industry is not None and not cohort_a and not cohort_b:
        records.check_industry(connection, b.name, industry)
    dimensions = [*records.stored_dimensions(connection, b.taxonomy_id), records.StoredDimension(TOTAL, "Total")]
    if member_a is None or member_b is None:
        return _one_sided(a, b, member_a, member_b, slug, dimensions, cohort_a, cohort_b)
    before = with_total(records.scores_of(connection, member_a.scoring_id))
    after = with_total(records.scores_of(connection, member_b.scoring_id))
    cross_scores = CrossScores(connection, store_path, b.taxonomy_id)
    if a.taxonomy_id == b.taxonomy_id:
        crossed = before
    elif member_a.set_id == member_b.set_id:
        crossed = after
    else:
        crossed = cross_scores.scores(member_a)
    names_a = _set_names(connection, member_a.set_id)
    names_b = _set_names(connection, member_b.set_id)
    added = names_b.keys() - names_a.keys()
    removed = names_a.keys() - names_b.keys()
    evidence = {key for key in names_a.keys() & names_b.keys() if names_a[key][2] != names_b[key][2]}
    sets = (member_a.set_id, member_b.set_id)
    counts_b = _counted_for(connection, b.taxonomy_id, sets, names_a | names_b, cross_scores)
    counts_a = (
        counts_b
        if a.taxonomy_id == b.taxonomy_id
        else _counted_for(connection, a.taxonomy_id, (member_a.set_id,), names_a, None)
    )
    changes = []
    for dimension in dimensions:
        d = dimension.id
        rank_before = _rank(cohort_a, slug, d, before[d])
        rank_after = _rank(cohort_b, slug, d, after[d])
        rank_between = _rank(cohort_a, slug, d, after[d])
        in_dimension = _in_dimension(counts_b, d)
        moved_in = _sorted_names(
            names_a, (k for k in names_a if d in counts_b.get(k, ()) and d not in counts_a.get(k, ()))
        )
        moved_out = _sorted_names(
            names_a, (k for k in names_a if d in counts_a.get(k, ()) and d not in counts_b.get(k, ()))
        )
        changes.append(
            DimensionChange(
                id=d,
                name=dimension.name,
                before=before[d],
                after=after[d],
                delta=after[d] - before[d],
                signals=after[d] - crossed[d],
                taxonomy=crossed[d] - before[d],
                percent=percent(before[d], after[d] - before[d]),
                rank_before=rank_before,
                rank_after=rank_after,
                move=rank_before - rank_after,
                own=rank_before - rank_between,
                peers=rank_between - rank_after,
                added=_sorted_names(names_b, (k for k in added if in_dimension(k))),
                removed=_sorted_names(names_a, (k for k in removed if in_dimension(k))),
                evidence_changed=_sorted_names(names_b, (k for k in evidence if in_dimension(k))),
                now_counted=moved_in if d != TOTAL else [],
                no_longer_counted=moved_out if d != TOTAL else [],
            )
        )
    status = "changed" if any(change.changed for change in changes) or added or removed or evidence else "unchanged"
    return CompanyChanges(
        slug=slug,
        name=member_b.name,
        from_edition=a.name,
        to_edition=b.name,
        status=status,
        industry=member_b.industry,
        taxonomy_before=a.taxonomy_version,
        taxonomy_after=b.taxonomy_version,
        signals_added=len(added),
        signals_removed=len(removed),
        evidence_changed=len(evidence),
        dimensions=changes,
    )


def _one_sided(
    a: Edition,
    b: Edition,
    member_a: Member | None,
    member_b: Member | None,
    slug: str,
    dimensions: list[records.StoredDimension],
    cohort_a: dict[str, Scores],
    cohort_b: dict[str, Scores],
) -> CompanyChanges:
    """A company only in B (`new`) or only in A (`gone`): its scores on the side it is on, nothing split."""
    member = member_b or member_a
    assert member is not None
    cohort = cohort_b if member_b is not None else cohort_a
    scores = cohort.get(slug, {})
    changes = []
    for dimension in dimensions:
        score = scores.get(dimension.id, 0)
        rank = _rank(cohort, slug, dimension.id, score)
        changes.append(
            DimensionChange(
                id=dimension.id,
                name=dimension.name,
                before=score if member_a is not None else None,
                after=score if member_b is not None else None,
                delta=None,
                signals=None,
                taxonomy=None,
                percent=None,
                rank_before=rank if member_a is not None else None,
                rank_after=rank if member_b is not None else None,
                move=None,
                own=None,
                peers=None,
            )
        )
    return CompanyChanges(
        slug=slug,
        name=member.name,
        from_edition=a.name,
        to_edition=b.name,
        status="new" if member_b is not None else "gone",
        industry=member.industry,
        taxonomy_before=a.taxonomy_version,
        taxonomy_after=b.taxonomy_version,
        signals_added=0,
        signals_removed=0,
        evidence_changed=0,
        dimensions=changes,
    )


def missing_cross_scorings(connection: sqlite3.Connection, from_edition: str, to_edition: str) -> list[Member]:
    """The companies of A in B whose A signals have no stored scoring under B's taxonomy (needed by movers)."""
    a, b = _two_editions(connection, from_edition, to_edition)
    if a.taxonomy_id == b.taxonomy_id:
        return []
    rows = connection.execute(
        f"SELECT {', '.join('ma.' + c.strip() for c in records.MEMBER_COLUMNS.split(','))} "
        "FROM members ma JOIN members mb ON mb.slug = ma.slug AND mb.edition = ? "
        "WHERE ma.edition = ? AND ma.set_id != mb.set_id AND NOT EXISTS "
        "(SELECT 1 FROM scorings s WHERE s.set_id = ma.set_id AND s.taxonomy_id = ?) ORDER BY ma.slug",
        (b.name, a.name, b.taxonomy_id),
    ).fetchall()
    return [Member(*row) for row in rows]


def edition_changes(
    connection: sqlite3.Connection,
    from_edition: str,
    to_edition: str,
    dimension: str = TOTAL,
    *,
    industry: str | None = None,
    top: int = 20,
    computed: dict[str, Scores] | None = None,
) -> EditionChanges:
    """The biggest movers from A to B on one dimension (or the total), each split, and who is new or gone.

    `computed` holds cross scores the caller computed without storing them (a store it could not write);
    any other missing one is an error naming `missing_cross_scorings`' remedy.
    """
    a, b = _two_editions(connection, from_edition, to_edition)
    stored = records.find_stored_dimension(connection, b.taxonomy_id, dimension)
    d = stored.id
    if industry is not None:
        records.check_industry(connection, b.name, industry)
    before = edition_scores(connection, a.name, industry)
    after = edition_scores(connection, b.name, industry)
    members_a = {member.slug: member for member in records.members(connection, a.name, industry)}
    members_b = {member.slug: member for member in records.members(connection, b.name, industry)}
    crossed = _cross_totals(connection, a, b, members_a, members_b, d, computed or {})
    peers_a = [scores[d] for scores in before.values()]
    peers_b = [scores[d] for scores in after.values()]
    sorted_a, sorted_b = sorted(peers_a), sorted(peers_b)
    movers = []
    common = sorted(members_a.keys() & members_b.keys())
    for slug in common:
        x, y, z = before[slug][d], after[slug][d], crossed[slug]
        rank_before = _rank_sorted(sorted_a, x, own=x)
        rank_after = _rank_sorted(sorted_b, y, own=y)
        rank_between = _rank_sorted(sorted_a, y, own=x)
        member = members_b[slug]
        movers.append(
            Mover(
                slug=slug,
                name=member.name,
                industry=member.industry,
                before=x,
                after=y,
                delta=y - x,
                signals=y - z,
                taxonomy=z - x,
                percent=percent(x, y - x),
                rank_before=rank_before,
                rank_after=rank_after,
                move=rank_before - rank_after,
                own=rank_before - rank_between,
                peers=rank_between - rank_after,
            )
        )
    unchanged = sum(1 for mover in movers if mover.delta == 0 and mover.move == 0)
    movers.sort(key=lambda m: (-abs(m.delta), -abs(m.move), m.slug))
    new = sorted(members_b.keys() - members_a.keys())
    gone = sorted(members_a.keys() - members_b.keys())
    return EditionChanges(
        from_edition=a.name,
        to_edition=b.name,
        dimension=d,
        dimension_name=stored.name,
        industry=industry,
        taxonomy_before=a.taxonomy_version,
        taxonomy_after=b.taxonomy_version,
        companies_before=len(members_a),
        companies_after=len(members_b),
        common=len(common),
        unchanged=unchanged,
        delta=sum(mover.delta for mover in movers),
        signals=sum(mover.signals for mover in movers),
        taxonomy=sum(mover.taxonomy for mover in movers),
        new=new,
        gone=gone,
        new_total=sum(after[slug][d] for slug in new),
        gone_total=sum(before[slug][d] for slug in gone),
        movers=[mover for mover in movers if mover.delta or mover.move][:top],
    )


def _cross_totals(
    connection: sqlite3.Connection,
    a: Edition,
    b: Edition,
    members_a: dict[str, Member],
    members_b: dict[str, Member],
    dimension: str,
    computed: dict[str, Scores],
) -> dict[str, int]:
    """Slug -> S(A's signals, B's taxonomy) on one dimension, for the companies in both editions."""
    crossed: dict[str, int] = {}
    for slug in members_a.keys() & members_b.keys():
        member_a, member_b = members_a[slug], members_b[slug]
        if a.taxonomy_id == b.taxonomy_id:
            scoring_id: int | None = member_a.scoring_id
        elif member_a.set_id == member_b.set_id:
            scoring_id = member_b.scoring_id
        else:
            scoring_id = records.find_scoring(connection, member_a.set_id, b.taxonomy_id)
        if scoring_id is not None:
            crossed[slug] = with_total(records.scores_of(connection, scoring_id))[dimension]
        elif slug in computed:
            crossed[slug] = computed[slug][dimension]
        else:
            raise EditionError(
                f"{slug}: its {a.name} signals are not scored under {b.name}'s taxonomy; "
                "run the command where the store can be written, so that they are scored once and kept"
            )
    return crossed


def _two_editions(connection: sqlite3.Connection, from_edition: str, to_edition: str) -> tuple[Edition, Edition]:
    a = records.get_edition(connection, from_edition)
    b = records.get_edition(connection, to_edition)
    if a.name == b.name:
        raise EditionError(f"--from and --to are both {a.name}; compare two editions")
    return a, b


def _rank(cohort: dict[str, Scores], slug: str, dimension: str, score: int) -> int:
    """The rank `score` would have among the cohort's other companies on one dimension."""
    return rank_among(score, [scores[dimension] for other, scores in cohort.items() if other != slug])


def _rank_sorted(ordered: list[int], score: int, *, own: int) -> int:
    """The rank of `score` among the sorted scores of a cohort that holds the company's own score `own`."""
    higher = len(ordered) - bisect.bisect_right(ordered, score)
    return 1 + higher - (1 if own > score else 0)


Names = dict[int, tuple[str, str, int]]
"""Name id -> (kind, name, evidence) of a stored signal set."""


def _set_names(connection: sqlite3.Connection, set_id: int) -> Names:
    rows = connection.execute(
        "SELECT s.name_id, n.kind, n.name, s.evidence FROM set_signals s JOIN names n ON n.id = s.name_id "
        "WHERE s.set_id = ?",
        (set_id,),
    )
    return {name_id: (kind, name, evidence) for name_id, kind, name, evidence in rows}


def _counted_for(
    connection: sqlite3.Connection, taxonomy_id: int, set_ids: tuple[int, ...], names: Names, cross: CrossScores | None
) -> dict[int, frozenset[str]]:
    """Name id -> the dimensions it counts for under a taxonomy (as stored; computed by `cross` when not stored)."""
    marks = ", ".join("?" for _ in set_ids)
    found: dict[int, set[str]] = {
        row[0]: set()
        for row in connection.execute(
            f"SELECT DISTINCT s.name_id FROM set_signals s JOIN matches m ON m.taxonomy_id = ? AND m.name_id = s.name_id "
            f"WHERE s.set_id IN ({marks})",
            (taxonomy_id, *set_ids),
        )
    }
    for name_id, dimension in connection.execute(
        "SELECT DISTINCT s.name_id, d.dimension FROM set_signals s JOIN match_dimensions d "
        f"ON d.taxonomy_id = ? AND d.name_id = s.name_id WHERE s.set_id IN ({marks})",
        (taxonomy_id, *set_ids),
    ):
        found[name_id].add(dimension)
    missing = [name_id for name_id in names if name_id not in found]
    if missing and cross is not None:
        ids = [dimension.id for dimension in cross.taxonomy.dimensions]
        match = cross.scorer.matcher.match
        for name_id in missing:
            kind, name, _ = names[name_id]
            found[name_id] = {ids[position] for position in match(SignalKind(kind), name)[2]}
    return {name_id: frozenset(dimensions) for name_id, dimensions in found.items()}


def _sorted_names(names: Names, ids: Iterable[int]) -> list[str]:
    """The names of these ids, each once (a name listed under two kinds is one name here), sorted."""
    return sorted({names[name_id][1] for name_id in ids})


def _in_dimension(counts: dict[int, frozenset[str]], dimension: str) -> Callable[[int], bool]:
    """Whether a name counts for the dimension (for `total`: for any dimension)."""
    if dimension == TOTAL:
        return lambda name_id: bool(counts.get(name_id))
    return lambda name_id: dimension in counts.get(name_id, ())
