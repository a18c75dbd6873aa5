"""An edition read back as a `Cohort` (report/cohort.py), the input of cohort claims and industry reports.

`load_cohort` reads, in three queries, every company of an edition with its name and industry as the
edition stores them, its dimension and layer scores, and the names of the signals that count for some dimension (one spelling a
name);
`edition_taxonomy` is the taxonomy the edition was scored under (rebuilt from its stored files), so an
industry report names dimensions and layers as the edition's scores do, whatever taxonomy/ holds now.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.editions import records
from naftiko_writer.editions.changes import company_changes
from naftiko_writer.report.cohort import Cohort, Member
from naftiko_writer.report.sections import ChangeBrief, EditionChangesInput
from naftiko_writer.scoring.models import Taxonomy
from naftiko_writer.scoring.names import name_key


def load_cohort(
    connection: sqlite3.Connection, edition: str, *, signals: bool = True, industry: str | None = None
) -> Cohort:
    """Every company of `edition` with its scores and counted signal names (an EditionError if unknown).

    `signals=False` leaves the names out (standings need only scores; the names are most of the rows);
    with `industry`, only that industry's companies (any case) get theirs, which is all its report needs.
    """
    found = records.get_edition(connection, edition)
    scores: dict[str, dict[str, int]] = defaultdict(dict)
    for slug, dimension, score in connection.execute(
        "SELECT m.slug, d.dimension, d.score FROM members m JOIN dimension_scores d ON d.scoring_id = m.scoring_id "
        "WHERE m.edition = ?",
        (found.name,),
    ):
        scores[slug][dimension] = score
    layers: dict[str, dict[str, float]] = defaultdict(dict)
    for slug, layer, mean in connection.execute(
        "SELECT m.slug, l.layer, l.mean_score FROM members m JOIN layer_scores l ON l.scoring_id = m.scoring_id "
        "WHERE m.edition = ?",
        (found.name,),
    ):
        layers[slug][layer] = mean
    spellings: dict[str, dict[str, str]] = defaultdict(dict)
    in_industry = " AND lower(m.industry) = lower(?)" if industry is not None else ""
    rows = (
        connection.execute(
            "SELECT m.slug, t.canonical, s.evidence FROM members m JOIN set_signals s ON s.set_id = m.set_id "
            "JOIN matches t ON t.taxonomy_id = ? AND t.name_id = s.name_id "
            f"WHERE m.edition = ?{in_industry} AND s.name_id IN "
            "(SELECT name_id FROM match_dimensions WHERE taxonomy_id = ?)",
            (found.taxonomy_id, found.name, *((industry,) if industry is not None else ()), found.taxonomy_id),
        )
        if signals
        else ()
    )
    keys: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for slug, canonical, evidence in rows:
        key = keys.get(canonical)
        if key is None:
            key = keys[canonical] = name_key(canonical)  # 'PCI Compliance' and 'Pci Compliance' are one signal
        known = spellings[slug].get(key)
        spellings[slug][key] = canonical if known is None else min(known, canonical)
        counts[slug][key] = counts[slug].get(key, 0) + evidence
    names = {slug: frozenset(by_key.values()) for slug, by_key in spellings.items()}
    evidence_of = {
        slug: {spellings[slug][key]: count for key, count in by_key.items()} for slug, by_key in counts.items()
    }
    return Cohort(
        found.name,
        tuple(
            Member(
                slug=member.slug,
                name=member.name,
                industry=member.industry,
                scores=scores[member.slug],
                layer_scores=layers[member.slug],
                signals=names.get(member.slug, frozenset()),
                evidence=evidence_of.get(member.slug, {}),
            )
            for member in records.members(connection, found.name)
        ),
    )


def edition_taxonomy(connection: sqlite3.Connection, edition: str, store_path: Path) -> Taxonomy:
    """The taxonomy `edition` was scored under."""
    found = records.get_edition(connection, edition)
    return records.load_stored_taxonomy(connection, found.taxonomy_id, store_path).taxonomy


def read_cohort(store_path: Path, edition: str, *, signals: bool = False) -> Cohort:
    """Open the store at `store_path` for reading, read `edition` as a cohort, close it (one line per fault)."""
    from naftiko_writer.editions.store import open_store, sqlite_errors

    with open_store(store_path, write=False) as opened, sqlite_errors(store_path):
        return load_cohort(opened.connection, edition, signals=signals)


def read_sources(store_path: Path, edition: str) -> list[str]:
    """Where each company of `edition` was added from (a slug, or a path: absolute since paths are stored so), by slug."""
    from naftiko_writer.editions.store import open_store, sqlite_errors

    with open_store(store_path, write=False) as opened, sqlite_errors(store_path):
        found = records.get_edition(opened.connection, edition)
        return [member.source for member in records.members(opened.connection, found.name)]


MOVES = 5
"""The biggest moves a changes section is given."""


def previous_edition(connection: sqlite3.Connection, edition: str) -> str | None:
    """The edition made just before `edition` (not a restatement of it), or None when it is the first."""
    editions = records.list_editions(connection)
    names = [e.name for e in editions]
    if edition not in names:
        records.get_edition(connection, edition)  # the one-line error listing the editions
    earlier = [e for e in editions[: names.index(edition)] if e.restated_from != edition]
    return earlier[-1].name if earlier else None


def changes_since(connection: sqlite3.Connection, store_path: Path, edition: str, slug: str) -> EditionChangesInput:
    """`slug`'s changes from the previous edition to `edition`, its biggest moves attributed (editions/changes.py)."""
    before = previous_edition(connection, edition)
    if before is None:
        return EditionChangesInput(company=slug, edition=edition, previous_edition=None, status="first")
    found = company_changes(connection, store_path, slug, before, edition)
    if found.status != "changed":
        return EditionChangesInput(company=slug, edition=edition, previous_edition=before, status=found.status)
    moved = [d for d in found.dimensions if d.delta and d.before is not None and d.after is not None]
    moved.sort(key=lambda d: (-abs(d.delta or 0), d.name))
    return EditionChangesInput(
        company=slug,
        edition=edition,
        previous_edition=before,
        status=found.status,
        signals_added=found.signals_added,
        signals_removed=found.signals_removed,
        moves=[
            ChangeBrief(
                dimension=d.name,
                before=d.before or 0,
                after=d.after or 0,
                delta=d.delta or 0,
                from_signals=d.signals or 0,
                from_taxonomy=d.taxonomy or 0,
                rank_before=d.rank_before,
                rank_after=d.rank_after,
                own_move=d.own,
                peers_move=d.peers,
                added=d.added[:5],
                removed=d.removed[:5],
            )
            for d in moved[:MOVES]
        ],
    )


def read_changes(store_path: Path, edition: str) -> Callable[[str], EditionChangesInput]:
    """A reader of companies' changes into `edition` (the store opened for each company asked)."""
    from naftiko_writer.editions.store import open_store, sqlite_errors

    def changes(slug: str) -> EditionChangesInput:
        with open_store(store_path, write=False) as opened, sqlite_errors(store_path):
            return changes_since(opened.connection, store_path, edition, slug)

    return changes


@dataclass(frozen=True)
class StoreReader:
    """The store's editions as drafting and `check` read them: cohorts and companies' changes, by edition name."""

    path: Path

    def cohort(self, edition: str) -> Cohort:
        """`edition` as a cohort (scores only)."""
        return read_cohort(self.path, edition)

    def changes(self, edition: str) -> Callable[[str], EditionChangesInput]:
        """A reader of companies' changes into `edition`."""
        return read_changes(self.path, edition)

    def industry(self, edition: str, industry: str | None) -> tuple[Cohort, Taxonomy]:
        """`edition` as a cohort with `industry`'s signals (None: every company's), and its stored taxonomy."""
        from naftiko_writer.editions.store import open_store, sqlite_errors

        with open_store(self.path, write=False) as opened, sqlite_errors(self.path):
            cohort = load_cohort(opened.connection, edition, industry=industry)
            return cohort, edition_taxonomy(opened.connection, edition, self.path)
