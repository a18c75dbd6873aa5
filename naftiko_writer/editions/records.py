"""Read the store's rows as typed records: editions, members, signal sets, stored taxonomies, scores.

Shared by adding, the queries and the change view; every function takes an open connection and does only
SELECTs. Names are checked here, so an unknown edition, company or dimension is one EditionError listing what
exists.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from naftiko_writer.errors import EditionError, StoreError

if TYPE_CHECKING:  # loaded by the functions that build them: `rank`, `show` and `list` need no pydantic models
    from naftiko_writer.scoring.models import Company, CompanySignals, Signal, Taxonomy

EDITION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
TOTAL = "total"
"""The pseudo-dimension `rank` and `changes` accept: the sum of a company's dimension scores."""


@dataclass(frozen=True)
class Edition:
    """One edition as stored, with its taxonomy and its number of companies."""

    name: str
    created_at: str
    taxonomy_id: int
    taxonomy_version: str
    taxonomy_digest: str
    tool_version: str
    closed_at: str | None
    restated_from: str | None
    companies: int

    @property
    def closed(self) -> bool:
        """A closed edition never changes."""
        return self.closed_at is not None


@dataclass(frozen=True)
class Member:
    """One company of an edition."""

    edition: str
    slug: str
    name: str
    industry: str | None
    as_of: str
    profile: str
    source: str
    signals_digest: str
    set_id: int
    scoring_id: int
    added_at: str


@dataclass(frozen=True)
class StoredDimension:
    """A dimension of a stored taxonomy."""

    id: str
    name: str


_EDITION_COLUMNS = (
    "e.name, e.created_at, e.taxonomy_id, t.version, t.digest, e.tool_version, e.closed_at, e.restated_from, "
    "(SELECT count(*) FROM members m WHERE m.edition = e.name)"
)
MEMBER_COLUMNS = "edition, slug, name, industry, as_of, profile, source, signals_digest, set_id, scoring_id, added_at"


def check_edition_name(name: str) -> str:
    """An edition name: letters, digits, `.`, `_`, `-` (such as 2026-Q1), at most 64 characters."""
    if not re.fullmatch(EDITION_PATTERN, name):
        raise EditionError(
            f"{name[:80]!r} is not an edition name; use letters, digits, '.', '_' and '-' (for example 2026-Q1)"
        )
    return name


def list_editions(connection: sqlite3.Connection) -> list[Edition]:
    """Every edition, oldest first."""
    rows = connection.execute(
        f"SELECT {_EDITION_COLUMNS} FROM editions e JOIN taxonomies t ON t.id = e.taxonomy_id "
        "ORDER BY e.created_at, e.name"
    ).fetchall()
    return [Edition(*row) for row in rows]


def find_edition(connection: sqlite3.Connection, name: str) -> Edition | None:
    """The edition of that name, or None."""
    row = connection.execute(
        f"SELECT {_EDITION_COLUMNS} FROM editions e JOIN taxonomies t ON t.id = e.taxonomy_id WHERE e.name = ?",
        (name,),
    ).fetchone()
    return Edition(*row) if row else None


def get_edition(connection: sqlite3.Connection, name: str) -> Edition:
    """The edition of that name; an EditionError listing the editions there are if it does not exist."""
    edition = find_edition(connection, check_edition_name(name))
    if edition is None:
        known = ", ".join(e.name for e in list_editions(connection)) or "none yet"
        raise EditionError(f"no edition {name!r} in the store (editions: {known}); `edition list` shows them")
    return edition


def find_member(connection: sqlite3.Connection, edition: str, slug: str) -> Member | None:
    """One company of an edition, or None."""
    row = connection.execute(
        f"SELECT {MEMBER_COLUMNS} FROM members WHERE edition = ? AND slug = ?", (edition, slug)
    ).fetchone()
    return Member(*row) if row else None


def members(connection: sqlite3.Connection, edition: str, industry: str | None = None) -> list[Member]:
    """The companies of an edition (of one industry when given, compared ignoring case), by slug."""
    if industry is None:
        rows = connection.execute(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE edition = ? ORDER BY slug", (edition,)
        ).fetchall()
    else:
        rows = connection.execute(
            f"SELECT {MEMBER_COLUMNS} FROM members WHERE edition = ? AND lower(industry) = lower(?) ORDER BY slug",
            (edition, industry),
        ).fetchall()
    return [Member(*row) for row in rows]


def check_industry(connection: sqlite3.Connection, edition: str, industry: str) -> None:
    """Refuse an industry no company of the edition has, listing those it has."""
    found = connection.execute(
        "SELECT 1 FROM members WHERE edition = ? AND lower(industry) = lower(?) LIMIT 1", (edition, industry)
    ).fetchone()
    if found is None:
        rows = connection.execute(
            "SELECT DISTINCT industry FROM members WHERE edition = ? AND industry IS NOT NULL ORDER BY industry",
            (edition,),
        ).fetchall()
        known = ", ".join(row[0] for row in rows) or "none: no company has an industry"
        raise EditionError(f"no company of {edition} is in industry {industry!r} (industries: {known})")


def stored_dimensions(connection: sqlite3.Connection, taxonomy_id: int) -> list[StoredDimension]:
    """A stored taxonomy's dimensions, in taxonomy order."""
    rows = connection.execute(
        "SELECT id, name FROM dimensions WHERE taxonomy_id = ? ORDER BY position", (taxonomy_id,)
    ).fetchall()
    return [StoredDimension(*row) for row in rows]


def find_stored_dimension(connection: sqlite3.Connection, taxonomy_id: int, query: str) -> StoredDimension:
    """A dimension by id or name (case and spacing ignored), or `total`; an EditionError listing the ids if none."""
    if query.strip().lower() == TOTAL:
        return StoredDimension(TOTAL, "Total signal score")
    wanted = _loose(query)
    dimensions = stored_dimensions(connection, taxonomy_id)
    for dimension in dimensions:
        if wanted in (_loose(dimension.id), _loose(dimension.name)):
            return dimension
    known = ", ".join(dimension.id for dimension in dimensions)
    raise EditionError(f"no dimension {query[:60]!r}; use `total` or one of: {known}")


def _loose(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


@dataclass(frozen=True)
class StoredTaxonomy:
    """A taxonomy to score under, with the bytes of its files (stored with the first edition that uses it)."""

    taxonomy: Taxonomy
    files: list[tuple[str, bytes]]


def load_stored_taxonomy(connection: sqlite3.Connection, taxonomy_id: int, store_path: Path) -> StoredTaxonomy:
    """Rebuild a taxonomy from the bytes of its files as stored, checking it is the one they were stored as.

    Parsed through the in-process taxonomy cache (by the files' names and bytes), so a command that loaded the
    same taxonomy from its folder, or rebuilds it again, parses and compiles it once.
    """
    from naftiko_writer.scoring.taxonomy_cache import parse_cached_taxonomy

    rows = connection.execute(
        "SELECT name, content FROM taxonomy_files WHERE taxonomy_id = ? ORDER BY position", (taxonomy_id,)
    ).fetchall()
    digest = connection.execute("SELECT digest FROM taxonomies WHERE id = ?", (taxonomy_id,)).fetchone()
    if not rows or digest is None:
        raise StoreError(f"{store_path}: taxonomy {taxonomy_id} has no stored files; the store is damaged")
    files = [(str(name), bytes(content)) for name, content in rows]
    taxonomy = parse_cached_taxonomy([(store_path / name, content) for name, content in files], None)
    if taxonomy.digest != digest[0]:
        raise StoreError(f"{store_path}: taxonomy {taxonomy_id}'s stored files do not match its digest; damaged")
    return StoredTaxonomy(taxonomy, files)


def load_signal_set(connection: sqlite3.Connection, set_id: int) -> list[Signal]:
    """The signals of a stored set, in the order of their names' first storing."""
    from naftiko_writer.scoring.models import Signal, SignalKind

    rows = connection.execute(
        "SELECT n.kind, n.name, s.evidence, s.sources FROM set_signals s JOIN names n ON n.id = s.name_id "
        "WHERE s.set_id = ? ORDER BY s.name_id",
        (set_id,),
    ).fetchall()
    return [
        Signal(kind=SignalKind(kind), name=name, evidence=evidence, sources=json.loads(sources) if sources else [])
        for kind, name, evidence, sources in rows
    ]


def member_company(member: Member) -> Company:
    """The company block a member was stored with (name as the edition has it)."""
    from naftiko_writer.scoring.models import Company

    try:
        profile = json.loads(member.profile)
        company = Company.model_validate({**profile, "name": member.name})
    except ValueError:  # a profile of another shape (a newer tool's): the fields every version has
        company = Company(name=member.name, slug=member.slug, as_of=member.as_of or None)
    return company


def member_signals(connection: sqlite3.Connection, member: Member) -> CompanySignals:
    """A member's company and signals, as they were added."""
    from naftiko_writer.scoring.models import CompanySignals

    return CompanySignals(company=member_company(member), signals=load_signal_set(connection, member.set_id))


def scores_of(connection: sqlite3.Connection, scoring_id: int) -> dict[str, int]:
    """Dimension id -> score of one scoring."""
    rows = connection.execute(
        "SELECT dimension, score FROM dimension_scores WHERE scoring_id = ?", (scoring_id,)
    ).fetchall()
    return dict(rows)


def find_scoring(connection: sqlite3.Connection, set_id: int, taxonomy_id: int) -> int | None:
    """The scoring of a signal set under a taxonomy, if stored."""
    row = connection.execute(
        "SELECT id FROM scorings WHERE set_id = ? AND taxonomy_id = ?", (set_id, taxonomy_id)
    ).fetchone()
    return int(row[0]) if row else None
