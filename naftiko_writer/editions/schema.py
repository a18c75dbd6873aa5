"""The store's schema: plain SQLite tables a user can query with `sqlite3`, and the migrations between versions.

The schema version is SQLite's `user_version`; `application_id` marks the file as an edition store, so
another SQLite database is refused rather than written into. Version 1 was the first schema; each later
version is reached from the one before by one migration script, run in the transaction that sets the new
version. A store of a version newer than `SCHEMA_VERSION` is refused (`check_version`), never read.

What is where:
- `taxonomies`, `taxonomy_files`, `dimensions`: every taxonomy an edition was scored under, with the bytes of
  its files (so any stored company can be re-scored under it later, whatever the taxonomy folder holds now).
- `names`: every (kind, name) seen once; `signal_sets` and `set_signals`: a company's signals, stored once
  per distinct set (by digest) and shared by every edition holding that same data.
- `matches`, `match_dimensions`: what a name is and which dimensions it counts for, per taxonomy.
- `scorings`, `dimension_scores`, `layer_scores`: the scores of one signal set under one taxonomy.
- `editions`, `members`: an edition's companies (slug, name, industry, profile, as_of, source), each pointing
  at its signal set and scoring. View `edition_scores` joins them, one row per company and dimension.
"""

from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x4E574544
"""`PRAGMA application_id` of an edition store ("NWED")."""

SCHEMA_VERSION = 2

SCHEMA_1 = """
CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE taxonomies (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL,
    stored_at TEXT NOT NULL
);
CREATE TABLE taxonomy_files (
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomies(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (taxonomy_id, position)
) WITHOUT ROWID;
CREATE TABLE dimensions (
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomies(id),
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (taxonomy_id, id)
) WITHOUT ROWID;
CREATE TABLE editions (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomies(id),
    tool_version TEXT NOT NULL,
    closed_at TEXT
);
CREATE TABLE names (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (kind, name)
);
CREATE TABLE signal_sets (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    signal_count INTEGER NOT NULL
);
CREATE TABLE set_signals (
    set_id INTEGER NOT NULL REFERENCES signal_sets(id),
    name_id INTEGER NOT NULL REFERENCES names(id),
    evidence INTEGER NOT NULL,
    sources TEXT,
    PRIMARY KEY (set_id, name_id)
) WITHOUT ROWID;
CREATE TABLE matches (
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomies(id),
    name_id INTEGER NOT NULL REFERENCES names(id),
    effective_kind TEXT NOT NULL,
    canonical TEXT NOT NULL,
    counted INTEGER NOT NULL,
    PRIMARY KEY (taxonomy_id, name_id)
) WITHOUT ROWID;
CREATE TABLE match_dimensions (
    taxonomy_id INTEGER NOT NULL,
    name_id INTEGER NOT NULL,
    dimension TEXT NOT NULL,
    PRIMARY KEY (taxonomy_id, name_id, dimension),
    FOREIGN KEY (taxonomy_id, name_id) REFERENCES matches(taxonomy_id, name_id)
) WITHOUT ROWID;
CREATE TABLE scorings (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES signal_sets(id),
    taxonomy_id INTEGER NOT NULL REFERENCES taxonomies(id),
    total INTEGER NOT NULL,
    signals INTEGER NOT NULL,
    counted INTEGER NOT NULL,
    uncounted INTEGER NOT NULL,
    UNIQUE (set_id, taxonomy_id)
);
CREATE TABLE dimension_scores (
    scoring_id INTEGER NOT NULL REFERENCES scorings(id),
    dimension TEXT NOT NULL,
    score INTEGER NOT NULL,
    tier TEXT NOT NULL,
    rank INTEGER NOT NULL,
    density REAL NOT NULL,
    diversity INTEGER NOT NULL,
    signal_count INTEGER NOT NULL,
    PRIMARY KEY (scoring_id, dimension)
) WITHOUT ROWID;
CREATE TABLE layer_scores (
    scoring_id INTEGER NOT NULL REFERENCES scorings(id),
    layer TEXT NOT NULL,
    mean_score REAL NOT NULL,
    leading_dimension TEXT,
    tier TEXT NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (scoring_id, layer)
) WITHOUT ROWID;
CREATE TABLE members (
    edition TEXT NOT NULL REFERENCES editions(name),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    industry TEXT,
    as_of TEXT NOT NULL,
    profile TEXT NOT NULL,
    source TEXT NOT NULL,
    signals_digest TEXT NOT NULL,
    set_id INTEGER NOT NULL REFERENCES signal_sets(id),
    scoring_id INTEGER NOT NULL REFERENCES scorings(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (edition, slug)
) WITHOUT ROWID;
CREATE INDEX members_by_set ON members (set_id);
"""
"""The first schema (version 1), kept as it was so that the migration from it stays tested."""

MIGRATIONS: dict[int, str] = {
    2: """
ALTER TABLE editions ADD COLUMN restated_from TEXT REFERENCES editions(name);
CREATE INDEX members_by_industry ON members (edition, industry);
CREATE VIEW edition_scores AS
    SELECT m.edition, m.slug, m.name, m.industry, d.dimension, d.score, d.tier, d.signal_count
    FROM members m JOIN dimension_scores d ON d.scoring_id = m.scoring_id;
""",
}
"""Version N -> the script that turns a version N-1 store into version N.

2: an edition restated under a new taxonomy names the edition it restates (`restated_from`); members are
indexed by industry; the `edition_scores` view gives one row per company and dimension."""


def create_schema(connection: sqlite3.Connection, version: int = SCHEMA_VERSION) -> None:
    """Create a schema in an empty database, in one transaction: the first schema, then migrations up to `version`.

    `version` below the current one exists for the migration tests, which build a store as an older tool did.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        _run(connection, SCHEMA_1)
        for step in range(2, version + 1):
            _run(connection, MIGRATIONS[step])
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {version}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def migrate(connection: sqlite3.Connection, found: int) -> None:
    """Bring a store of schema `found` to `SCHEMA_VERSION`, each step in its own transaction (a crash keeps a whole version)."""
    for step in range(found + 1, SCHEMA_VERSION + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            _run(connection, MIGRATIONS[step])
            connection.execute(f"PRAGMA user_version = {step}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def _run(connection: sqlite3.Connection, script: str) -> None:
    """Run a script's statements one by one inside the open transaction (`executescript` would commit it)."""
    for statement in script.split(";"):
        if statement.strip():
            connection.execute(statement)
