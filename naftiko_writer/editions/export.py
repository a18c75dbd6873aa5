"""Export an edition for warehouses and spreadsheets: CSV or JSON Lines, streamed row by row.

Two tables: `scores` (one row per company and dimension: score, tier, evidence count, the company's rank
within the edition on that dimension) and `signals` (one row per company and signal: kind, name, evidence
and the dimensions it counts for under the edition's taxonomy). JSON Lines rows carry `format_version`.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from enum import StrEnum
from typing import IO, Any

from naftiko_writer.editions import records
from naftiko_writer.editions.queries import FORMAT_VERSION


class ExportFormat(StrEnum):
    """File formats `edition export` writes."""

    CSV = "csv"
    JSONL = "jsonl"


class ExportTable(StrEnum):
    """What `edition export` writes."""

    SCORES = "scores"
    SIGNALS = "signals"


SCORE_COLUMNS = ("edition", "slug", "name", "industry", "dimension", "score", "tier", "signal_count", "rank")
SIGNAL_COLUMNS = ("edition", "slug", "kind", "name", "evidence", "sources", "counted", "dimensions")


def score_rows(connection: sqlite3.Connection, edition: str) -> Iterator[dict[str, Any]]:
    """One row per company and dimension, dimension by dimension in taxonomy order, best first."""
    found = records.get_edition(connection, edition)
    for dimension in records.stored_dimensions(connection, found.taxonomy_id):
        rows = connection.execute(
            "SELECT m.slug, m.name, m.industry, d.score, d.tier, d.signal_count, RANK() OVER (ORDER BY d.score DESC) "
            "FROM members m JOIN dimension_scores d ON d.scoring_id = m.scoring_id AND d.dimension = ? "
            "WHERE m.edition = ? ORDER BY d.score DESC, m.slug",
            (dimension.id, edition),
        )
        for slug, name, industry, score, tier, signal_count, rank in rows:
            yield dict(
                zip(
                    SCORE_COLUMNS,
                    (edition, slug, name, industry, dimension.id, score, tier, signal_count, rank),
                    strict=True,
                )
            )


def signal_rows(connection: sqlite3.Connection, edition: str) -> Iterator[dict[str, Any]]:
    """One row per company and signal, with the dimensions it counts for under the edition's taxonomy."""
    found = records.get_edition(connection, edition)
    cursor = connection.execute(
        "SELECT m.slug, n.kind, n.name, s.evidence, s.sources, mt.counted, "
        "(SELECT group_concat(md.dimension, ' ') FROM match_dimensions md "
        " WHERE md.taxonomy_id = mt.taxonomy_id AND md.name_id = s.name_id) "
        "FROM members m JOIN set_signals s ON s.set_id = m.set_id JOIN names n ON n.id = s.name_id "
        "LEFT JOIN matches mt ON mt.taxonomy_id = ? AND mt.name_id = s.name_id "
        "WHERE m.edition = ? ORDER BY m.slug, s.name_id",
        (found.taxonomy_id, edition),
    )
    for slug, kind, name, evidence, sources, counted, dimensions in cursor:
        yield dict(
            zip(
                SIGNAL_COLUMNS,
                (
                    edition,
                    slug,
                    kind,
                    name,
                    evidence,
                    " | ".join(json.loads(sources)) if sources else "",
                    bool(counted),
                    " ".join(sorted((dimensions or "").split())),
                ),
                strict=True,
            )
        )


def write_export(
    connection: sqlite3.Connection, edition: str, table: ExportTable, file_format: ExportFormat, out: IO[str]
) -> int:
    """Write the table to `out` in the format; the number of rows written."""
    rows = score_rows(connection, edition) if table is ExportTable.SCORES else signal_rows(connection, edition)
    columns = SCORE_COLUMNS if table is ExportTable.SCORES else SIGNAL_COLUMNS
    count = 0
    if file_format is ExportFormat.CSV:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    else:
        for row in rows:
            out.write(json.dumps({"format_version": FORMAT_VERSION, "table": table.value, **row}, ensure_ascii=False))
            out.write("\n")
            count += 1
    return count
