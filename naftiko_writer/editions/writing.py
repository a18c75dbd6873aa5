"""Write companies into an edition: score each under the edition's taxonomy and store it in one transaction.

A company is stored whole or not at all: its signal set (if new), its scoring (if new), the matches of names
the taxonomy had not seen, and its member row are written in one transaction, so a killed run leaves every
company either fully added or absent, and re-running the same command finishes the job (companies already
there with the same signals are no-ops). Signal sets are stored once per distinct set (by digest of the
signals alone, so a reformatted file or a copied folder with a new date is the same data), and a set's
scoring under a taxonomy is computed once.

An edition holds one taxonomy: adding to an edition made under another taxonomy is refused, and a closed
edition refuses every change; `restate_edition` re-scores an edition's stored signals under a new taxonomy
into a new edition (`2026-Q1` -> `2026-Q1r1`), never over the old one.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from naftiko_writer.editions import records
from naftiko_writer.editions.records import Edition, Member, StoredTaxonomy
from naftiko_writer.editions.store import Store
from naftiko_writer.errors import EditionError, NaftikoWriterError, StoreError
from naftiko_writer.scoring.models import CompanySignals, ScoreCard, Signal, SignalKind
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.signal_files import signals_digest


class Status(StrEnum):
    """What adding one source did."""

    ADDED = "added"
    REPLACED = "replaced"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """One source's result: its company, what was done, and a detail (what changed, or what went wrong)."""

    source: str
    slug: str | None
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class Details:
    """What a company is stored with besides its signals."""

    name: str
    industry: str | None
    source: str


_KIND_TEXT = {kind: kind.value for kind in SignalKind}
"""Each kind's spelling, looked up once (an enum's `.value` is a descriptor call, three per signal stored)."""


def set_digest(signals: Iterable[Signal]) -> str:
    """sha256 of the signals alone (kind, name, evidence, sources), in any order: what "unchanged" compares."""
    kinds = _KIND_TEXT
    lines = sorted(
        f"{kinds[signal.kind]}\t{signal.name}\t{signal.evidence}\t{'|'.join(signal.sources)}" for signal in signals
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def next_restated_name(connection: sqlite3.Connection, edition: str) -> str:
    """`2026-Q1` -> `2026-Q1r1` (or the next free rN); a restated `2026-Q1r1` -> `2026-Q1r2`."""
    base = re.sub(r"r\d+$", "", edition) if re.search(r"\dr\d+$", edition) else edition
    number = 1
    while records.find_edition(connection, f"{base}r{number}") is not None:
        number += 1
    return f"{base}r{number}"


class ScoringWriter:
    """Scores signal sets under one taxonomy and stores the scores, in a writable store.

    Keeps the store's name ids and the names already matched under the taxonomy in memory (updated only after a
    commit), so each company costs its own signals, not the store's size.
    """

    def __init__(self, store: Store, stored: StoredTaxonomy, *, now: str) -> None:
        """Store the taxonomy (once) and load what is known about its names."""
        self.store = store
        self.connection = store.connection
        self.now = now
        self.taxonomy = stored.taxonomy
        self.scorer = Scorer(stored.taxonomy)
        self._dimension_ids = [dimension.id for dimension in stored.taxonomy.dimensions]
        with store.transaction() as connection:
            self.taxonomy_id = _store_taxonomy(connection, stored, now)
        self._names: dict[tuple[str, str], int] = {
            (kind, name): name_id for name_id, kind, name in self.connection.execute("SELECT id, kind, name FROM names")
        }
        self._matched: set[int] = {
            row[0]
            for row in self.connection.execute("SELECT name_id FROM matches WHERE taxonomy_id = ?", (self.taxonomy_id,))
        }

    def store_scoring(self, set_id: int, company_signals: CompanySignals) -> int:
        """Score a stored set under this taxonomy and keep the scores (no edition changes), in one transaction."""
        pending_names: dict[tuple[str, str], int] = {}
        pending_matched: set[int] = set()
        with self.store.transaction() as connection:
            scoring_id = records.find_scoring(connection, set_id, self.taxonomy_id)
            if scoring_id is None:
                scoring_id = self._store_scoring(connection, set_id, self.scorer.score(company_signals))
                ids = self._name_ids(connection, company_signals.signals, pending_names)
                self._store_matches(connection, company_signals.signals, ids, pending_matched)
        self._names.update(pending_names)
        self._matched |= pending_matched
        return scoring_id

    def _name_id(
        self, connection: sqlite3.Connection, key: tuple[str, str], pending: dict[tuple[str, str], int]
    ) -> int:
        name_id = self._names.get(key) or pending.get(key)
        if name_id is None:
            cursor = connection.execute("INSERT INTO names (kind, name) VALUES (?, ?)", key)
            name_id = pending[key] = int(cursor.lastrowid or 0)
        return name_id

    def _name_ids(
        self, connection: sqlite3.Connection, signals: list[Signal], pending: dict[tuple[str, str], int]
    ) -> list[int]:
        """Each signal's name id (names new to the store inserted), in the signals' order."""
        kinds, known = _KIND_TEXT, self._names
        ids = []
        for signal in signals:
            key = (kinds[signal.kind], signal.name)
            name_id = known.get(key)
            ids.append(name_id if name_id is not None else self._name_id(connection, key, pending))
        return ids

    def _store_set(self, connection: sqlite3.Connection, signals: list[Signal], ids: list[int], digest: str) -> int:
        row = connection.execute("SELECT id FROM signal_sets WHERE digest = ?", (digest,)).fetchone()
        if row is not None:
            return int(row[0])
        cursor = connection.execute(
            "INSERT INTO signal_sets (digest, signal_count) VALUES (?, ?)", (digest, len(signals))
        )
        set_id = int(cursor.lastrowid or 0)
        connection.executemany(
            "INSERT INTO set_signals (set_id, name_id, evidence, sources) VALUES (?, ?, ?, ?)",
            [
                (
                    set_id,
                    name_id,
                    signal.evidence,
                    json.dumps(signal.sources, ensure_ascii=False) if signal.sources else None,
                )
                for signal, name_id in zip(signals, ids, strict=True)
            ],
        )
        return set_id

    def _store_scoring(self, connection: sqlite3.Connection, set_id: int, card: ScoreCard) -> int:
        cursor = connection.execute(
            "INSERT INTO scorings (set_id, taxonomy_id, total, signals, counted, uncounted) VALUES (?, ?, ?, ?, ?, ?)",
            (
                set_id,
                self.taxonomy_id,
                sum(dimension.score for dimension in card.dimensions),
                card.coverage.signals,
                card.coverage.counted,
                card.coverage.uncounted,
            ),
        )
        scoring_id = int(cursor.lastrowid or 0)
        connection.executemany(
            "INSERT INTO dimension_scores (scoring_id, dimension, score, tier, rank, density, diversity, signal_count) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (scoring_id, d.id, d.score, d.tier, d.rank, d.density, d.diversity, d.signal_count)
                for d in card.dimensions
            ],
        )
        connection.executemany(
            "INSERT INTO layer_scores (scoring_id, layer, mean_score, leading_dimension, tier, rank) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (scoring_id, layer.id, layer.mean_score, layer.leading_dimension, layer.tier, layer.rank)
                for layer in card.layers
            ],
        )
        return scoring_id

    def _store_matches(
        self,
        connection: sqlite3.Connection,
        signals: list[Signal],
        name_ids: list[int],
        pending_matched: set[int],
    ) -> None:
        """What each name not yet matched under this taxonomy is, and the dimensions it counts for."""
        match, ids, matched = self.scorer.matcher.match, self._dimension_ids, self._matched
        matches: list[tuple[int, int, str, str, int]] = []
        dimensions: list[tuple[int, int, str]] = []
        for signal, name_id in zip(signals, name_ids, strict=True):
            if name_id in matched or name_id in pending_matched:
                continue
            canonical, (effective, _), positions, _, uncounted = match(signal.kind, signal.name)
            matches.append((self.taxonomy_id, name_id, _KIND_TEXT[effective], canonical, int(uncounted is None)))
            dimensions.extend((self.taxonomy_id, name_id, ids[position]) for position in positions)
            pending_matched.add(name_id)
        connection.executemany(
            "INSERT INTO matches (taxonomy_id, name_id, effective_kind, canonical, counted) VALUES (?, ?, ?, ?, ?)",
            matches,
        )
        connection.executemany(
            "INSERT INTO match_dimensions (taxonomy_id, name_id, dimension) VALUES (?, ?, ?)", dimensions
        )


class EditionWriter(ScoringWriter):
    """Adds companies to one edition of a writable store, under the edition's taxonomy."""

    def __init__(self, store: Store, edition: str, stored: StoredTaxonomy, *, now: str, tool_version: str) -> None:
        """Open (or create, under `stored`'s taxonomy) the edition; refuse a closed one or another taxonomy."""
        super().__init__(store, stored, now=now)
        with store.transaction() as connection:
            existing = records.find_edition(connection, records.check_edition_name(edition))
            if existing is None:
                connection.execute(
                    "INSERT INTO editions (name, created_at, taxonomy_id, tool_version) VALUES (?, ?, ?, ?)",
                    (edition, now, self.taxonomy_id, tool_version),
                )
        self.edition = records.get_edition(self.connection, edition)
        self.created = existing is None
        """The edition is new: made by this writer."""
        if existing is not None:
            refuse_changes(existing)
            if existing.taxonomy_digest != stored.taxonomy.digest:
                raise EditionError(
                    f"edition {edition} is scored under taxonomy {existing.taxonomy_version} "
                    f"({existing.taxonomy_digest[:12]}), not {stored.taxonomy.version} ({stored.taxonomy.digest[:12]}); "
                    f"add to a new edition, or re-score it with `naftiko-writer edition restate {edition}`"
                )

    def drop_if_empty(self) -> bool:
        """Remove the edition this writer created if no company went into it (every source failed); whether it did."""
        if not self.created:
            return False
        with self.store.transaction() as connection:
            name = self.edition.name
            if connection.execute("SELECT 1 FROM members WHERE edition = ? LIMIT 1", (name,)).fetchone():
                return False
            connection.execute("DELETE FROM editions WHERE name = ?", (name,))
        return True

    def add(self, company_signals: CompanySignals, details: Details, digest: str | None = None) -> Outcome:
        """Store one company (one transaction), or leave it as it is when nothing about it changed.

        `digest` is the signals' `set_digest` when the caller has it already.
        """
        slug = company_signals.company.slug
        digest = digest or set_digest(company_signals.signals)
        profile = json.dumps(company_signals.company.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        existing = records.find_member(self.connection, self.edition.name, slug)
        if existing is not None and _same_set(self.connection, existing, digest):
            changed = _changed_details(existing, details, company_signals, profile)
            if not changed:
                return Outcome(details.source, slug, Status.UNCHANGED)
            with self.store.transaction() as connection:
                connection.execute(
                    "UPDATE members SET name = ?, industry = ?, as_of = ?, profile = ?, source = ?, "
                    "signals_digest = ?, added_at = ? WHERE edition = ? AND slug = ?",
                    (
                        details.name,
                        details.industry,
                        company_signals.company.as_of.isoformat() if company_signals.company.as_of else "",
                        profile,
                        details.source,
                        signals_digest(company_signals),
                        self.now,
                        self.edition.name,
                        slug,
                    ),
                )
            return Outcome(details.source, slug, Status.UPDATED, "; ".join(changed))
        pending_names: dict[tuple[str, str], int] = {}
        pending_matched: set[int] = set()
        with self.store.transaction() as connection:
            ids = self._name_ids(connection, company_signals.signals, pending_names)
            set_id = self._store_set(connection, company_signals.signals, ids, digest)
            scoring_id = records.find_scoring(connection, set_id, self.taxonomy_id)
            provenance = None
            if scoring_id is None:
                card = self.scorer.score(company_signals)
                provenance = card.signals_digest
                scoring_id = self._store_scoring(connection, set_id, card)
                self._store_matches(connection, company_signals.signals, ids, pending_matched)
            detail = _set_difference(connection, existing.set_id, set_id) if existing else ""
            connection.execute(
                f"INSERT OR REPLACE INTO members ({records.MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.edition.name,
                    slug,
                    details.name,
                    details.industry,
                    company_signals.company.as_of.isoformat() if company_signals.company.as_of else "",
                    profile,
                    details.source,
                    provenance or signals_digest(company_signals),
                    set_id,
                    scoring_id,
                    self.now,
                ),
            )
            if existing is not None:
                drop_unused_set(connection, existing.set_id)
        self._names.update(pending_names)
        self._matched |= pending_matched
        if existing is None:
            return Outcome(details.source, slug, Status.ADDED)
        return Outcome(details.source, slug, Status.REPLACED, detail)

    def add_member(self, member: Member, company_signals: CompanySignals) -> None:
        """Store a member of another edition in this one (same signal set), scored under this taxonomy."""
        with self.store.transaction() as connection:
            scoring_id = records.find_scoring(connection, member.set_id, self.taxonomy_id)
            pending_names: dict[tuple[str, str], int] = {}
            pending_matched: set[int] = set()
            if scoring_id is None:
                card = self.scorer.score(company_signals)
                scoring_id = self._store_scoring(connection, member.set_id, card)
                ids = self._name_ids(connection, company_signals.signals, pending_names)
                self._store_matches(connection, company_signals.signals, ids, pending_matched)
            connection.execute(
                f"INSERT INTO members ({records.MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.edition.name,
                    member.slug,
                    member.name,
                    member.industry,
                    member.as_of,
                    member.profile,
                    member.source,
                    member.signals_digest,
                    member.set_id,
                    scoring_id,
                    self.now,
                ),
            )
        self._names.update(pending_names)
        self._matched |= pending_matched


def refuse_changes(edition: Edition) -> None:
    """A closed edition never changes."""
    if edition.closed:
        raise EditionError(
            f"edition {edition.name} is closed (since {edition.closed_at}) and never changes; add to a new edition, "
            f"or re-score it under a new taxonomy with `naftiko-writer edition restate {edition.name}`"
        )


def close_edition(store: Store, edition: str, now: str) -> bool:
    """Close an edition (False when it already was)."""
    with store.transaction() as connection:
        found = records.get_edition(connection, edition)
        if found.closed:
            return False
        connection.execute("UPDATE editions SET closed_at = ? WHERE name = ?", (now, edition))
    return True


def add_sources(
    writer: EditionWriter,
    references: Iterable[str],
    load: Callable[[str], tuple[CompanySignals, Details]],
    on_outcome: Callable[[Outcome], None],
) -> list[Outcome]:
    """Add each source in turn; a source that cannot be read or scored is reported and the rest go on.

    A store failure (a full disk, say) stops the run: later companies could not be written either. Two sources
    of one slug in one run are refused (the second), unless they hold the same signals.
    """
    outcomes: list[Outcome] = []
    claimed: dict[str, tuple[str, str]] = {}
    for reference in references:
        try:
            company_signals, details = load(reference)
            slug = company_signals.company.slug
            digest = set_digest(company_signals.signals)
            first = claimed.setdefault(slug, (reference, digest))
            if first[0] != reference:
                if first[1] != digest:
                    raise EditionError(
                        f"has the slug {slug!r} like {first[0]}, but other signals; give one of them another slug"
                    )
                outcome = Outcome(reference, slug, Status.UNCHANGED, f"same signals as {first[0]}")
            else:
                outcome = writer.add(company_signals, details, digest)
        except StoreError:
            raise
        except NaftikoWriterError as exc:
            outcome = Outcome(reference, None, Status.FAILED, one_line(str(exc)))
        outcomes.append(outcome)
        on_outcome(outcome)
    return outcomes


LISTED_PROBLEMS = 3


def one_line(message: str) -> str:
    """A message of several lines (a file with several problems) as one: the first problems, then a count."""
    head, *rest = [line.strip() for line in message.splitlines() if line.strip()] or [""]
    if not rest:
        return head
    shown = "; ".join(rest[:LISTED_PROBLEMS])
    more = f"; and {len(rest) - LISTED_PROBLEMS} more" if len(rest) > LISTED_PROBLEMS else ""
    return f"{head} {shown}{more}"


def restate_edition(
    store: Store,
    edition: str,
    stored: StoredTaxonomy,
    *,
    now: str,
    tool_version: str,
    on_company: Callable[[str, int], None],
) -> tuple[str, int]:
    """Re-score an edition's stored signals under another taxonomy into a new edition; (its name, companies added).

    Resumable: an unfinished restatement of the same edition under the same taxonomy is continued.
    """
    connection = store.connection
    source = records.get_edition(connection, edition)
    if source.taxonomy_digest == stored.taxonomy.digest:
        raise EditionError(
            f"edition {edition} is already scored under taxonomy {source.taxonomy_version}; nothing to restate "
            "(point --taxonomy at the new taxonomy)"
        )
    target = _unfinished_restatement(connection, edition, stored.taxonomy.digest)
    name = target or next_restated_name(connection, edition)
    writer = EditionWriter(store, name, stored, now=now, tool_version=tool_version)
    if target is None:
        with store.transaction() as transaction:
            transaction.execute("UPDATE editions SET restated_from = ? WHERE name = ?", (edition, name))
    present = {member.slug for member in records.members(connection, name)}
    todo = [member for member in records.members(connection, edition) if member.slug not in present]
    for index, member in enumerate(todo):
        writer.add_member(member, records.member_signals(connection, member))
        on_company(member.slug, index + 1)
    return name, len(todo)


def _unfinished_restatement(connection: sqlite3.Connection, edition: str, digest: str) -> str | None:
    row = connection.execute(
        "SELECT e.name, e.closed_at FROM editions e JOIN taxonomies t ON t.id = e.taxonomy_id "
        "WHERE e.restated_from = ? AND t.digest = ? ORDER BY e.created_at DESC LIMIT 1",
        (edition, digest),
    ).fetchone()
    if row is None:
        return None
    if row[1] is not None:
        raise EditionError(f"edition {edition} was already restated under this taxonomy as {row[0]} (closed)")
    return str(row[0])


def drop_unused_set(connection: sqlite3.Connection, set_id: int) -> None:
    """Delete a signal set no edition holds any more, with its scorings (names and matches stay: shared)."""
    if connection.execute("SELECT 1 FROM members WHERE set_id = ? LIMIT 1", (set_id,)).fetchone():
        return
    for table in ("dimension_scores", "layer_scores"):
        connection.execute(
            f"DELETE FROM {table} WHERE scoring_id IN (SELECT id FROM scorings WHERE set_id = ?)", (set_id,)
        )
    connection.execute("DELETE FROM scorings WHERE set_id = ?", (set_id,))
    connection.execute("DELETE FROM set_signals WHERE set_id = ?", (set_id,))
    connection.execute("DELETE FROM signal_sets WHERE id = ?", (set_id,))


def _store_taxonomy(connection: sqlite3.Connection, stored: StoredTaxonomy, now: str) -> int:
    taxonomy = stored.taxonomy
    row = connection.execute("SELECT id FROM taxonomies WHERE digest = ?", (taxonomy.digest,)).fetchone()
    if row is not None:
        return int(row[0])
    cursor = connection.execute(
        "INSERT INTO taxonomies (digest, version, stored_at) VALUES (?, ?, ?)", (taxonomy.digest, taxonomy.version, now)
    )
    taxonomy_id = int(cursor.lastrowid or 0)
    connection.executemany(
        "INSERT INTO taxonomy_files (taxonomy_id, position, name, content) VALUES (?, ?, ?, ?)",
        [(taxonomy_id, position, name, content) for position, (name, content) in enumerate(stored.files)],
    )
    connection.executemany(
        "INSERT INTO dimensions (taxonomy_id, id, position, name) VALUES (?, ?, ?, ?)",
        [
            (taxonomy_id, dimension.id, position, dimension.name)
            for position, dimension in enumerate(taxonomy.dimensions)
        ],
    )
    return taxonomy_id


def _same_set(connection: sqlite3.Connection, member: Member, digest: str) -> bool:
    row = connection.execute("SELECT digest FROM signal_sets WHERE id = ?", (member.set_id,)).fetchone()
    return row is not None and row[0] == digest


def _changed_details(member: Member, details: Details, company_signals: CompanySignals, profile: str) -> list[str]:
    changed = []
    if member.name != details.name:
        changed.append(f"name {member.name!r} -> {details.name!r}")
    if member.industry != details.industry:
        changed.append(f"industry {member.industry or 'unknown'} -> {details.industry or 'unknown'}")
    as_of = company_signals.company.as_of.isoformat() if company_signals.company.as_of else ""
    if member.as_of != as_of:
        changed.append(f"as of {member.as_of} -> {as_of}")
    if not changed and member.profile != profile:
        changed.append("profile")
    return changed


def _set_difference(connection: sqlite3.Connection, old_set: int, new_set: int) -> str:
    """`3 signals added, 1 removed, 2 with other evidence` between two stored sets."""
    old = dict(connection.execute("SELECT name_id, evidence FROM set_signals WHERE set_id = ?", (old_set,)))
    new = dict(connection.execute("SELECT name_id, evidence FROM set_signals WHERE set_id = ?", (new_set,)))
    added = len(new.keys() - old.keys())
    removed = len(old.keys() - new.keys())
    evidence = sum(1 for key in new.keys() & old.keys() if new[key] != old[key])
    other = sum(
        1
        for a, b in connection.execute(
            "SELECT a.sources, b.sources FROM set_signals a JOIN set_signals b ON a.name_id = b.name_id "
            "WHERE a.set_id = ? AND b.set_id = ?",
            (old_set, new_set),
        )
        if a != b
    )
    parts = [
        f"{added} signal{'s' if added != 1 else ''} added",
        f"{removed} removed",
        f"{evidence} with other evidence",
    ]
    if other:
        parts.append(f"{other} with other sources")
    return ", ".join(parts)


def taxonomy_files(taxonomy_dir: Path, contents: list[tuple[Path, bytes]]) -> list[tuple[str, bytes]]:
    """A taxonomy folder's files as stored: names relative to the folder, bytes as read."""
    return [(path.relative_to(taxonomy_dir).as_posix(), data) for path, data in contents]
