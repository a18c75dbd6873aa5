"""Readers of raw signal lists: every entry as found, before `importing` merges and cleans them.

Three shapes, as Naftiko's Signals data and spreadsheets have them: a folder of plain name lists
(`services.yml`, `technologies.yml`, `concepts.yml`, `standards.yml`, `languages.yml`; `.yaml` or
`.json` too), a CSV file (`kind,name[,evidence][,source]`, with or without that header), and a
JSON file (a list of `{kind, name, evidence?, source?}` objects, or an object of lists keyed like
the list files). YAML and JSON are parsed by `data_files` with the same guards as signal files (no
aliases, shallow nesting, a key once per mapping or object). Each reader returns the entries and
the items that are not names at all; `sources.py` says which reader reads which path.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from naftiko_writer.data_files import JSON_SUFFIXES, DocumentError, parse_json, parse_yaml
from naftiko_writer.errors import InputError
from naftiko_writer.files import read_text_bounded
from naftiko_writer.scoring.models import MAX_EVIDENCE, SignalKind

LIST_FILES: dict[str, SignalKind] = {
    "services": SignalKind.SERVICE,
    "technologies": SignalKind.TOOL,
    "tools": SignalKind.TOOL,
    "concepts": SignalKind.CONCEPT,
    "standards": SignalKind.STANDARD,
    "languages": SignalKind.LANGUAGE,
}
"""List file stems (with a `LIST_SUFFIXES` suffix) and the kind of every name they hold."""
LIST_SUFFIXES = (".yml", ".yaml", *JSON_SUFFIXES)
"""YAML or JSON; `.yml` first, as the Signals data names its lists."""
KIND_SPELLINGS: dict[str, SignalKind] = {
    **{kind.value: kind for kind in SignalKind},
    **LIST_FILES,
    "technology": SignalKind.TOOL,
}
MAX_SOURCE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RawSignal:
    """One entry as found in a source, before merging."""

    kind: SignalKind
    name: str
    origin: str
    evidence: int = 1
    source: str | None = None


@dataclass(frozen=True)
class Dropped:
    """An entry that cannot be a signal, and why."""

    origin: str
    name: str
    reason: str
    kind: SignalKind | None = None


RawEntries = tuple[list[RawSignal], list[Dropped]]
"""What a reader found: the entries that may be signals, and the items that are not names."""


def list_files(folder: Path) -> list[Path]:
    """The list files of a folder, in `LIST_FILES` order (one per stem: `.yml` before `.yaml` before `.json`)."""
    found = []
    for stem in LIST_FILES:
        for suffix in LIST_SUFFIXES:
            path = folder / f"{stem}{suffix}"
            if path.is_file():
                found.append(path)
                break
    return found


def read_list_folder(folder: Path) -> RawEntries:
    """Every name of every list file in `folder`, each of its file's kind."""
    files = list_files(folder)
    if not files:
        expected = ", ".join(f"{stem}.yml" for stem in LIST_FILES)
        raise InputError(f"{folder}: no signal lists in this folder; expected one or more of {expected}")
    raw: list[RawSignal] = []
    dropped: list[Dropped] = []
    for path in files:
        entries, bad = _read_list(path, LIST_FILES[path.stem.lower()])
        raw.extend(entries)
        dropped.extend(bad)
    return raw, dropped


def read_csv(path: Path) -> RawEntries:
    """Every row of a CSV file: `kind,name[,evidence][,source]`, with or without that header row."""
    text = _read_text(path)
    lines, unterminated = _csv_rows(path, text)
    if not lines:
        return [], unterminated
    header = [cell.strip().lower() for cell in lines[0]]
    if "kind" in header and "name" in header:
        columns, body, first_line = header, lines[1:], 2
    else:
        columns, body, first_line = ["kind", "name", "evidence", "source"], lines, 1
    rows = [
        (f"{path.name}:{number}", dict(zip(columns, row, strict=False)))
        for number, row in enumerate(body, start=first_line)
        if any(cell.strip() for cell in row)
    ]
    raw, dropped = _rows(path, rows)
    return raw, [*unterminated, *dropped]


def _csv_rows(path: Path, text: str) -> tuple[list[list[str]], list[Dropped]]:
    """The rows of a CSV text, a line whose quote is never closed dropped (and said so).

    A lenient reader lets such a quote swallow the rest of the file into one name; here the rows before
    it are read, it is dropped, and the lines after it are read on.
    """
    source = text.splitlines(keepends=True)
    rows: list[list[str]] = []
    dropped: list[Dropped] = []
    start = 0
    while start < len(source):
        try:
            rows.extend(list(csv.reader(io.StringIO("".join(source[start:])), strict=True)))
            break
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc) and "EOF" not in str(exc):
                raise InputError(f"{path}: not valid CSV ({exc})") from exc
            # The quote opened on the last line a row started on: the rows before it are read, it is dropped.
            bad = start + _row_start(source[start:])
            rows.extend(csv.reader(io.StringIO("".join(source[start:bad]))))
            shown = source[bad].strip()
            dropped.append(
                Dropped(f"{path.name}:{bad + 1}", shown[:80], "a quote that is never closed (the line is skipped)")
            )
            start = bad + 1
    return rows, dropped


def _row_start(lines: list[str]) -> int:
    """The index of the line where the row with the unclosed quote starts (the last line that opens one)."""
    inside = False
    opened = 0
    for index, line in enumerate(lines):
        if not inside:
            opened = index
        inside ^= line.count('"') % 2 == 1
    return opened


def read_json(path: Path) -> RawEntries:
    """A JSON file of rows (`[{kind, name, ...}]`) or of lists keyed like the list files (`{"services": [...]}`)."""
    data = _parse(path, _read_text(path))
    if isinstance(data, dict):
        raw: list[RawSignal] = []
        dropped: list[Dropped] = []
        for key, items in data.items():
            kind = KIND_SPELLINGS.get(key.strip().lower())
            if kind is None or not isinstance(items, list):
                raise InputError(f"{path}: key {key[:40]!r} is not a list of one kind; use {', '.join(LIST_FILES)}")
            entries, bad = _names(path, items, kind)
            raw.extend(entries)
            dropped.extend(bad)
        return raw, dropped
    if isinstance(data, list):
        rows = []
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                raise InputError(f"{path}: item {index + 1} is not an object with `kind` and `name`")
            rows.append((f"{path.name}#{index + 1}", {str(k).lower(): v for k, v in item.items()}))
        return _rows(path, rows)
    raise InputError(f"{path}: expected a list of signals or an object of lists")


def _read_text(path: Path) -> str:
    try:
        return read_text_bounded(path, MAX_SOURCE_BYTES, "a list of signals")
    except FileNotFoundError:
        raise InputError(f"{path}: cannot read it (no such file)") from None


def _parse(path: Path, text: str) -> Any:
    """Plain data from YAML or JSON (by suffix), read by the data-file loader's guards; None for an empty list file."""
    try:
        if path.suffix.lower() in JSON_SUFFIXES:
            return parse_json(path, text)
        return parse_yaml(path, text, track_lines=False, allow_empty=True)[0]
    except DocumentError as exc:
        raise InputError(str(exc)) from None


def _read_list(path: Path, kind: SignalKind) -> RawEntries:
    data = _parse(path, _read_text(path))
    if data is None:
        return [], []
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of names, found a {type(data).__name__}")
    return _names(path, data, kind)


def _names(path: Path, items: list[Any], kind: SignalKind) -> RawEntries:
    raw: list[RawSignal] = []
    dropped: list[Dropped] = []
    for index, item in enumerate(items):
        origin = f"{path.name}#{index + 1}"
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            dropped.append(Dropped(origin, str(item)[:80], "not a name", kind))
        else:
            raw.append(RawSignal(kind, str(item), origin))
    return raw, dropped


def _rows(path: Path, rows: list[tuple[str, dict[str, Any]]]) -> RawEntries:
    raw: list[RawSignal] = []
    dropped: list[Dropped] = []
    for origin, row in rows:
        kind = KIND_SPELLINGS.get(str(row.get("kind") or "").strip().lower())
        if kind is None:
            known = ", ".join(kind.value for kind in SignalKind)
            raise InputError(f"{path}: {origin}: kind {str(row.get('kind'))[:40]!r} is not one of {known}")
        name = row.get("name")
        if not isinstance(name, str):
            dropped.append(Dropped(origin, str(name)[:80], "not a name", kind))
            continue
        evidence = _evidence(path, origin, row.get("evidence"))
        source = row.get("source") or row.get("sources")
        raw.append(RawSignal(kind, name, origin, evidence, str(source).strip() if source else None))
    return raw, dropped


def _evidence(path: Path, origin: str, value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 1
    if isinstance(value, bool):
        raise InputError(f"{path}: {origin}: evidence must be a whole number, not {value}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InputError(f"{path}: {origin}: evidence {str(value)[:20]!r} is not a whole number") from None
    if not 1 <= number <= MAX_EVIDENCE:
        raise InputError(f"{path}: {origin}: evidence must be between 1 and {MAX_EVIDENCE:,}")
    return number
