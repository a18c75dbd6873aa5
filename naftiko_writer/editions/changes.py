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
from typing import TYPE_CHECKING, Any

from naftiko_writer.editions import records
from naftiko_writer.editions.queries import FORMAT_VERSION, cohort_scores
from naftiko_writer.editions.records import TOTAL, Edition, Member
from naftiko_writer.errors import EditionError

if TYPE_CHECKING:
    from naftiko_writer.scoring.models import Taxonomy
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
            from naftiko_writer.scoring.scorer import Scorer

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
    if industry is not None:
        _check_industry(connection, a.name, b.name, industry)
    dimensions = [*records.stored_dimensions(connection, b.taxonomy_id), records.StoredDimension(TOTAL, "Total")]
    if member_a is None or member_b is None:
        return _one_sided(connection, a, b, member_a, member_b, slug, dimensions, industry)
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
    now_counted: dict[str, list[int]] = {}
    no_longer_counted: dict[str, list[int]] = {}
    if counts_a is not counts_b:
        for name_id in names_a:
            under_a, under_b = counts_a.get(name_id, frozenset()), counts_b.get(name_id, frozenset())
            for d in under_b - under_a:
                now_counted.setdefault(d, []).append(name_id)
            for d in under_a - under_b:
                no_longer_counted.setdefault(d, []).append(name_id)
    higher_before = _higher(connection, a.name, slug, member_a.scoring_id, industry)
    higher_after = _higher(connection, b.name, slug, member_b.scoring_id, industry)
    higher_between = _higher(connection, a.name, slug, member_b.scoring_id, industry)
    changes = []
    for dimension in dimensions:
        d = dimension.id
        rank_before = 1 + higher_before.get(d, 0)
        rank_after = 1 + higher_after.get(d, 0)
        rank_between = 1 + higher_between.get(d, 0)
        in_dimension = _in_dimension(counts_b, d)
        moved_in = _sorted_names(names_a, now_counted.get(d, ())) if d != TOTAL else []
        moved_out = _sorted_names(names_a, no_longer_counted.get(d, ())) if d != TOTAL else []
        changes.append(
            DimensionChange(
                id=d,
                name=dimension.name,
                before=before.get(d, 0),
                after=after.get(d, 0),
                delta=after.get(d, 0) - before.get(d, 0),
                signals=after.get(d, 0) - crossed.get(d, 0),
                taxonomy=crossed.get(d, 0) - before.get(d, 0),
                percent=percent(before.get(d, 0), after.get(d, 0) - before.get(d, 0)),
                rank_before=rank_before,
                rank_after=rank_after,
                move=rank_before - rank_after,
                own=rank_before - rank_between,
                peers=rank_between - rank_after,
                added=_sorted_names(names_b, (k for k in added if in_dimension(k))),
                removed=_sorted_names(names_a, (k for k in removed if in_dimension(k))),
                evidence_changed=_sorted_names(names_b, (k for k in evidence if in_dimension(k))),
                now_counted=moved_in,
                no_longer_counted=moved_out,
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
    connection: sqlite3.Connection,
    a: Edition,
    b: Edition,
    member_a: Member | None,
    member_b: Member | None,
    slug: str,
    dimensions: list[records.StoredDimension],
    industry: str | None,
) -> CompanyChanges:
    """A company only in B (`new`) or only in A (`gone`): its scores on the side it is on, nothing split."""
    member = member_b or member_a
    assert member is not None
    scores = with_total(records.scores_of(connection, member.scoring_id))
    higher = _higher(connection, member.edition, slug, member.scoring_id, industry)
    changes = []
    for dimension in dimensions:
        score = scores.get(dimension.id, 0)
        rank = 1 + higher.get(dimension.id, 0)
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
    before = cohort_scores(connection, a.name, d, industry)
    after = cohort_scores(connection, b.name, d, industry)
    members_a = {member.slug: member for member in records.members(connection, a.name, industry)}
    members_b = {member.slug: member for member in records.members(connection, b.name, industry)}
    crossed = _cross_scores(connection, a, b, d, industry)
    for slug in members_a.keys() & members_b.keys() - crossed.keys():
        if slug not in (computed or {}):
            raise EditionError(
                f"{slug}: its {a.name} signals are not scored under {b.name}'s taxonomy; "
                "run the command where the store can be written, so that they are scored once and kept"
            )
        crossed[slug] = (computed or {})[slug][d]
    sorted_a, sorted_b = sorted(before.values()), sorted(after.values())
    movers = []
    common = sorted(members_a.keys() & members_b.keys())
    for slug in common:
        x, y, z = before[slug], after[slug], crossed[slug]
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
        new_total=sum(after[slug] for slug in new),
        gone_total=sum(before[slug] for slug in gone),
        movers=[mover for mover in movers if mover.delta or mover.move][:top],
    )


def _cross_scores(
    connection: sqlite3.Connection, a: Edition, b: Edition, dimension: str, industry: str | None
) -> dict[str, int]:
    """Slug -> S(A's signals, B's taxonomy) on one dimension, for the companies in both, where it is stored.

    The scoring of A's set under B's taxonomy is A's own when the taxonomies are one, B's when the sets are one,
    else the one `changes` stored after scoring it; a company without one is left out.
    """
    where = "ma.edition = ?" + (" AND lower(ma.industry) = lower(?)" if industry is not None else "")
    values: tuple[str, ...] = (a.name,) if industry is None else (a.name, industry)
    joined = (
        "FROM members ma JOIN members mb ON mb.edition = ? AND mb.slug = ma.slug "
        "JOIN scorings s ON s.set_id = ma.set_id AND s.taxonomy_id = ?"
    )
    if dimension == TOTAL:
        rows = connection.execute(f"SELECT ma.slug, s.total {joined} WHERE {where}", (b.name, b.taxonomy_id, *values))
    else:
        rows = connection.execute(
            f"SELECT ma.slug, d.score {joined} JOIN dimension_scores d ON d.scoring_id = s.id AND d.dimension = ? "
            f"WHERE {where}",
            (b.name, b.taxonomy_id, dimension, *values),
        )
    return dict(rows.fetchall())


def _two_editions(connection: sqlite3.Connection, from_edition: str, to_edition: str) -> tuple[Edition, Edition]:
    a = records.get_edition(connection, from_edition)
    b = records.get_edition(connection, to_edition)
    if a.name == b.name:
        raise EditionError(f"--from and --to are both {a.name}; compare two editions")
    return a, b


def _higher(
    connection: sqlite3.Connection, edition: str, slug: str, own_scoring: int, industry: str | None
) -> dict[str, int]:
    """Per dimension (and `total`), how many other companies of the edition (or industry) score above a scoring.

    One rank needs only this count (competition rank = 1 + higher); SQLite counts it over the stored scores.
    """
    where = "m.edition = ? AND m.slug != ?" + (" AND lower(m.industry) = lower(?)" if industry is not None else "")
    values: tuple[str, ...] = (edition, slug) if industry is None else (edition, slug, industry)
    higher: dict[str, int] = dict(
        connection.execute(
            "SELECT p.dimension, sum(p.score > c.score) FROM members m "
            "JOIN dimension_scores p ON p.scoring_id = m.scoring_id "
            "JOIN dimension_scores c ON c.scoring_id = ? AND c.dimension = p.dimension "
            f"WHERE {where} GROUP BY p.dimension",
            (own_scoring, *values),
        ).fetchall()
    )
    higher[TOTAL] = connection.execute(
        f"SELECT count(*) FROM members m JOIN scorings s ON s.id = m.scoring_id WHERE {where} "
        "AND s.total > (SELECT total FROM scorings WHERE id = ?)",
        (*values, own_scoring),
    ).fetchone()[0]
    return higher


def _check_industry(connection: sqlite3.Connection, from_edition: str, to_edition: str, industry: str) -> None:
    """Refuse an industry that neither edition has (naming B's industries)."""
    try:
        records.check_industry(connection, to_edition, industry)
    except EditionError:
        try:
            records.check_industry(connection, from_edition, industry)
        except EditionError:
            pass
        else:
            return
        raise


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
        from naftiko_writer.scoring.models import SignalKind

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
