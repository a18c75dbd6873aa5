"""Company profiles: a company's name, industry and description, as data. Reads one file; no other I/O.

A companies list is a YAML (or JSON) mapping from slug to profile:

    adp: {name: ADP, industry: Human Resources}
    spotify: {name: Spotify, industry: Media, description: "Spotify is an audio streaming service."}

`import --companies FILE` takes a company's name, industry and description from
it (flags win). The profile is the only source of a draft's company-context
sentence: without one the sentence is left out, never guessed. Without a name
from the flags or a list, `name_from_slug` spells the slug as a name without
inventing one: short segments read as acronyms (`adp` -> ADP, `jp-morgan-chase`
-> JP Morgan Chase), a segment opening with a digit keeps its hyphen (`7-eleven`
-> 7-Eleven), other words are capitalised.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, ValidationError

from naftiko_writer.data_files import DocumentError, load_document, validation_problems
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.models import FileModel

ACRONYM_LENGTH = 3
"""Slug segments this short read as acronyms (ADP, EY, JP, IBM)."""


class CompanyProfile(FileModel):
    """What a companies list says about one company."""

    name: str | None = Field(default=None, min_length=1, max_length=200, description="The name as printed.")
    industry: str | None = Field(default=None, min_length=1, max_length=100, description="The company's industry.")
    description: str | None = Field(
        default=None, min_length=1, max_length=400, description="One or two sentences on what the company is."
    )


def load_company_profiles(path: Path) -> dict[str, CompanyProfile]:
    """The profiles of a companies list, by slug; InputError naming the file and line on any problem."""
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
        try:
            profiles[str(slug)] = CompanyProfile.model_validate(entry if entry is not None else {})
        except ValidationError as exc:
            problems = validation_problems(document, exc)
            raise InputError(f"{path}: {slug}: {'; '.join(problems)}") from exc
    return profiles


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
