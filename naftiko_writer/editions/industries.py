"""Read an `--industries` file: company slug -> industry (and optionally the company's name).

CSV: `slug,industry[,name]`, with or without that header row. YAML or JSON: a mapping of slug to an industry
(`adp: Human Resources`) or to `{industry: ..., name: ...}` (the shape of the shared industries.yaml).
Read by the guarded data-file loader; any other shape is one InputError naming the file and the entry.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from naftiko_writer.data_files import DocumentError, decode_text, load_document, read_bytes
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.models import SLUG_PATTERN

MAX_INDUSTRY_LENGTH = 100


@dataclass(frozen=True)
class IndustryEntry:
    """What an industries file says of one company."""

    industry: str
    name: str | None = None


def load_industries(path: Path) -> dict[str, IndustryEntry]:
    """Slug -> industry (and name) from a CSV, YAML or JSON file."""
    if path.suffix.lower() == ".csv":
        return _from_csv(path)
    try:
        data = load_document(path).data
    except DocumentError as exc:
        raise InputError(f"{path}: {exc.problems[0]}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of company slug to industry (adp: Human Resources)")
    return {_slug(path, key): _entry(path, key, value) for key, value in data.items()}


def _from_csv(path: Path) -> dict[str, IndustryEntry]:
    try:
        text = decode_text(path, read_bytes(path))
    except DocumentError as exc:
        raise InputError(f"{path}: {exc.problems[0]}") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if rows and [cell.strip().lower() for cell in rows[0][:2]] == ["slug", "industry"]:
        rows = rows[1:]
    found = {}
    for number, row in enumerate(rows, start=1):
        if len(row) < 2:
            raise InputError(f"{path}: row {number} has no industry; write `slug,industry[,name]`")
        name = row[2].strip() if len(row) > 2 and row[2].strip() else None
        found[_slug(path, row[0].strip())] = _entry(path, row[0], {"industry": row[1], "name": name})
    return found


def _slug(path: Path, key: Any) -> str:
    if not isinstance(key, str) or not re.fullmatch(SLUG_PATTERN, key):
        raise InputError(f"{path}: {str(key)[:60]!r} is not a company slug (lower-case letters, digits, hyphens)")
    return key


def _entry(path: Path, slug: Any, value: Any) -> IndustryEntry:
    if isinstance(value, str):
        value = {"industry": value}
    if not isinstance(value, dict) or set(value) - {"industry", "name"} or not isinstance(value.get("industry"), str):
        raise InputError(f"{path}: {slug}: give an industry, or {{industry: ..., name: ...}}")
    industry = " ".join(value["industry"].split())
    name = value.get("name")
    if not industry or len(industry) > MAX_INDUSTRY_LENGTH:
        raise InputError(f"{path}: {slug}: the industry must be 1 to {MAX_INDUSTRY_LENGTH} characters")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InputError(f"{path}: {slug}: the name must be text")
    return IndustryEntry(industry, " ".join(name.split()) if name else None)
