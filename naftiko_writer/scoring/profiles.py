"""Company profiles: a company's name, industry and description, as data. Reads one file; no other I/O.

A companies list is a YAML (or JSON) mapping from slug to profile, or to its industry alone:

    adp: {name: ADP, industry: Human Resources}
    spotify: {name: Spotify, industry: Media, description: "Spotify is an audio streaming service."}
    lego: Toys

or a CSV table `slug,industry[,name[,description]]` (the header row is optional). The shared
`industries.yaml` is one. `import --companies FILE` takes a company's name, industry and
description from it (flags win); `edition add --industries FILE` the same for each company it adds. The profile is the only source of a draft's company-context
sentence: without one the sentence is left out, never guessed. Without a name
from the flags or a list, `name_from_slug` spells the slug as a name without
inventing one: short segments read as acronyms (`adp` -> ADP, `jp-morgan-chase`
-> JP Morgan Chase), a segment opening with a digit keeps its hyphen (`7-eleven`
-> 7-Eleven), other words are capitalised.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from naftiko_writer.data_files import DocumentError, decode_text, load_document, read_bytes, validation_problems
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.models import SLUG_PATTERN, FileModel

ACRONYM_LENGTH = 3
"""Slug segments this short read as acronyms (ADP, EY, JP, IBM)."""


class CompanyProfile(FileModel):
    """What a companies list says about one company (runs of spaces in each field read as one)."""

    name: str | None = Field(default=None, min_length=1, max_length=200, description="The name as printed.")
    industry: str | None = Field(default=None, min_length=1, max_length=100, description="The company's industry.")
    description: str | None = Field(
        default=None, min_length=1, max_length=400, description="One or two sentences on what the company is."
    )

    @field_validator("name", "industry", "description", mode="before")
    @classmethod
    def _one_space(cls, value: object) -> object:
        return " ".join(value.split()) if isinstance(value, str) else value


def load_company_profiles(path: Path) -> dict[str, CompanyProfile]:
    """The profiles of a companies list, by slug; InputError naming the file (and line or row) on any problem."""
    if path.suffix.lower() == ".csv":
        return _from_csv(path)
    try:
        document = load_document(path)
    except DocumentError as exc:
        raise InputError(f"{path}: {'; '.join(exc.problems)}") from exc
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        raise InputError(f"{path}: expected a mapping from company slug to {{name, industry, description}}")
    profiles: dict[str, CompanyProfile] = {}
    for slug, entry in document.data.items():
        value = {"industry": entry} if isinstance(entry, str) else entry if entry is not None else {}
        try:
            profiles[_slug(path, slug)] = CompanyProfile.model_validate(value)
        except ValidationError as exc:
            problems = validation_problems(document, exc)
            raise InputError(f"{path}: {slug}: {'; '.join(problems)}") from exc
    return profiles


CSV_COLUMNS = ("slug", "industry", "name", "description")


def _from_csv(path: Path) -> dict[str, CompanyProfile]:
    try:
        text = decode_text(path, read_bytes(path))
    except DocumentError as exc:
        raise InputError(f"{path}: {'; '.join(exc.problems)}") from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if rows and [cell.strip().lower() for cell in rows[0][:2]] == list(CSV_COLUMNS[:2]):
        rows = rows[1:]
    profiles: dict[str, CompanyProfile] = {}
    for number, row in enumerate(rows, start=1):
        if len(row) < 2 or len(row) > len(CSV_COLUMNS):
            raise InputError(f"{path}: row {number}: write `slug,industry[,name[,description]]`")
        cells = {column: cell.strip() for column, cell in zip(CSV_COLUMNS[1:], row[1:], strict=False) if cell.strip()}
        try:
            profiles[_slug(path, row[0].strip())] = CompanyProfile.model_validate(cells)
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in exc.errors(include_url=False)]
            raise InputError(f"{path}: row {number}: {'; '.join(problems)}") from exc
    return profiles


def _slug(path: Path, key: object) -> str:
    if not isinstance(key, str) or not re.fullmatch(SLUG_PATTERN, key):
        raise InputError(f"{path}: {str(key)[:60]!r} is not a company slug (lower-case letters, digits, hyphens)")
    return key


def name_from_slug(slug: str) -> str:
    """A readable name for a slug when nothing better is known (see the module docstring)."""
    words: list[str] = []
    for segment in slug.split("-"):
        if not segment:
            continue
        if segment[0].isdigit() and words:
            words[-1] = f"{words[-1]}-{segment.capitalize()}"
        elif segment[0].isdigit():
            words.append(segment)
        elif len(segment) <= ACRONYM_LENGTH and segment.isalpha():
            words.append(segment.upper())
        else:
            words.append(segment.capitalize())
    joined = " ".join(words)
    return re.sub(r"^(\d+) ", r"\1-", joined) if re.match(r"^\d+ [A-Za-z]", joined) else joined
