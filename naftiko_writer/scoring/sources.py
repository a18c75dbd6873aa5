"""The registry of source formats: every form a company's data comes in, how a path is recognised, who reads it.

A company is either a signals file, read and validated as written (`signal_files.load_signals`),
or raw lists, read by a `raw_lists` reader and then merged and cleaned by `importing`. Every
suffix the tool accepts, and every message listing what it accepts, comes from this table, so a
new format is one reader plus one entry here. `.json` is a signals file where a company is named
(`score`, `draft`, fleets) and rows or lists where raw data is imported (`import`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.data_files import JSON_SUFFIXES, YAML_SUFFIXES
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.raw_lists import RawEntries, list_files, read_csv, read_json, read_list_folder


@dataclass(frozen=True)
class SourceFormat:
    """One form of company data."""

    name: str
    """As messages name it."""
    suffixes: tuple[str, ...] = ()
    """File suffixes, lower case; none for a folder format."""
    read_raw: Callable[[Path], RawEntries] | None = None
    """The reader of raw lists (merged by `importing`); None for a signals file, validated as written."""

    @property
    def is_folder(self) -> bool:
        """A folder of files rather than one file."""
        return not self.suffixes

    def matches(self, path: Path) -> bool:
        """Whether `path` is of this format: by suffix, or a folder holding list files."""
        if self.is_folder:
            return path.is_dir() and bool(list_files(path))
        return path.suffix.lower() in self.suffixes


SIGNALS_FILE = SourceFormat("signals file", YAML_SUFFIXES + JSON_SUFFIXES)
LIST_FOLDER = SourceFormat("folder of name lists", read_raw=read_list_folder)
CSV_ROWS = SourceFormat("CSV file", (".csv",), read_raw=read_csv)
JSON_ROWS = SourceFormat("JSON file of rows or lists", JSON_SUFFIXES, read_raw=read_json)

COMPANY_FORMATS = (SIGNALS_FILE, CSV_ROWS, LIST_FOLDER)
"""What names a company (`score`, `draft`, fleets, `taxonomy coverage`): tried in this order."""
IMPORT_FORMATS = (LIST_FOLDER, CSV_ROWS, JSON_ROWS)
"""What `import` reads."""

SIGNAL_SUFFIXES = SIGNALS_FILE.suffixes
"""Suffixes of signals files (`signals.yaml` and the rest in a fixture folder)."""
COMPANY_FILE_SUFFIXES = tuple(suffix for form in COMPANY_FORMATS for suffix in form.suffixes)
"""Suffixes of every file that is one company."""
RAW_COMPANY_FORMATS = tuple(form for form in COMPANY_FORMATS if form.read_raw is not None)
"""The raw forms a company may be named by: imported on the fly."""


def company_format(path: Path) -> SourceFormat | None:
    """The format of a path naming a company, or None when it is none of them."""
    return next((form for form in COMPANY_FORMATS if form.matches(path)), None)


def is_raw_company(path: Path) -> bool:
    """A folder of name lists or a CSV file: raw data a company is imported from on the fly."""
    return any(form.matches(path) for form in RAW_COMPANY_FORMATS)


def read_raw_source(source: Path) -> tuple[RawEntries, list[Path]]:
    """The raw entries of an `import` source, and the files they came from."""
    if source.is_dir():
        form: SourceFormat | None = LIST_FOLDER  # its reader names the list files a folder lacks
    elif source.is_file():
        form = next((form for form in IMPORT_FORMATS if form.matches(source)), None)
    else:
        raise InputError(f"{source}: no such file or folder; give {_accepted(IMPORT_FORMATS)}")
    reader = form.read_raw if form is not None else None
    if form is None or reader is None:
        suffix = source.suffix.lower() or "suffix-less"
        raise InputError(f"{source}: cannot import a {suffix} file; give {_accepted(IMPORT_FORMATS)}")
    entries = reader(source)
    return entries, list_files(source) if form.is_folder else [source]


def _accepted(formats: tuple[SourceFormat, ...]) -> str:
    """`a folder of name lists, a .csv or a .json`: what a message says is accepted."""
    names = [f"a {form.name}" if form.is_folder else "a " + " or ".join(form.suffixes) for form in formats]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
