"""Import raw signal lists (scraped, repeated, variously spelled) into one valid signals file.

Sources: a folder of plain YAML name lists (`services.yml`, `technologies.yml`, `concepts.yml`,
`standards.yml`, `languages.yml`, as Naftiko's Signals data has them), a CSV file
(`kind,name[,evidence][,source]`), or a JSON file (a list of `{kind, name, evidence?, source?}`
objects, or an object of lists keyed like the YAML files). Within a kind, entries whose names
share the tool's name key (case, punctuation and spacing ignored: `AI`/`Ai`, `Node.js`/`Nodejs`)
merge into one signal: its evidence is the number of raw entries (or the sum of their `evidence`),
its spelling the most frequent one. Entries that cannot be a signal are dropped, each with a reason.

`read_source` does the I/O; `merge_signals` is pure and deterministic.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from naftiko_writer.data_files import DocumentError, parse_yaml
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.models import MAX_EVIDENCE, SLUG_PATTERN, Company, CompanySignals, Signal, SignalKind
from naftiko_writer.scoring.names import name_key, name_tokens

LIST_FILES: dict[str, SignalKind] = {
    "services": SignalKind.SERVICE,
    "technologies": SignalKind.TOOL,
    "tools": SignalKind.TOOL,
    "concepts": SignalKind.CONCEPT,
    "standards": SignalKind.STANDARD,
    "languages": SignalKind.LANGUAGE,
}
"""List file stems (`.yml`, `.yaml` or `.json`) and the kind of every name they hold."""
KIND_SPELLINGS: dict[str, SignalKind] = {
    **{kind.value: kind for kind in SignalKind},
    **LIST_FILES,
    "technology": SignalKind.TOOL,
}
MAX_SOURCE_BYTES = 64 * 1024 * 1024
MAX_NAME_LENGTH = 300
MAX_NAME_WORDS = 12
_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*://|www\.)|@[\w-]+\.[a-z]{2,}\s*$", re.IGNORECASE)
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


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


@dataclass(frozen=True)
class Merged:
    """Several raw entries that became one signal."""

    kind: SignalKind
    name: str
    spellings: tuple[str, ...]
    entries: int


@dataclass
class ImportResult:
    """The signals file an import produced, and what it merged and dropped."""

    company_signals: CompanySignals
    raw_entries: int
    merged: list[Merged] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The import as plain data, for `--json`."""
        return {
            "company": self.company_signals.company.model_dump(mode="json"),
            "sources": self.sources,
            "raw_entries": self.raw_entries,
            "signals": len(self.company_signals.signals),
            "by_kind": dict(Counter(signal.kind.value for signal in self.company_signals.signals)),
            "merged": [
                {"kind": m.kind.value, "name": m.name, "spellings": list(m.spellings), "entries": m.entries}
                for m in self.merged
            ],
            "dropped": [
                {"kind": d.kind.value if d.kind else None, "name": d.name, "reason": d.reason, "where": d.origin}
                for d in self.dropped
            ],
        }


def is_import_source(path: Path) -> bool:
    """A folder holding list files, or a CSV file: something `import` reads rather than a signals file."""
    if path.is_dir():
        return any(_list_file(path, stem) is not None for stem in LIST_FILES)
    return path.suffix.lower() == ".csv"


def import_signals(
    source: Path,
    *,
    name: str | None = None,
    slug: str | None = None,
    as_of: dt.date | None = None,
) -> ImportResult:
    """Read a source and merge it into a valid signals file (company details from flags or the source)."""
    raw, dropped, files = read_source(source)
    company = _company(source, files, name=name, slug=slug, as_of=as_of)
    signals, merged, more_dropped = merge_signals(raw)
    try:
        company_signals = CompanySignals(company=company, signals=signals)
    except ValueError as exc:  # pydantic's ValidationError; cannot happen for merged, cleaned names
        raise InputError(f"{source}: the imported signals are not valid: {exc}") from exc
    return ImportResult(
        company_signals=company_signals,
        raw_entries=len(raw) + len(dropped),
        merged=merged,
        dropped=[*dropped, *more_dropped],
        sources=[str(path) for path in files],
    )


def read_source(source: Path) -> tuple[list[RawSignal], list[Dropped], list[Path]]:
    """Every raw entry of a folder of lists, a CSV or a JSON file, with entries that are not names."""
    if source.is_dir():
        files = [path for stem in LIST_FILES if (path := _list_file(source, stem)) is not None]
        if not files:
            expected = ", ".join(f"{stem}.yml" for stem in LIST_FILES)
            raise InputError(f"{source}: no signal lists in this folder; expected one or more of {expected}")
        raw: list[RawSignal] = []
        dropped: list[Dropped] = []
        for path in files:
            entries, bad = _read_list(path, LIST_FILES[path.stem.lower()])
            raw.extend(entries)
            dropped.extend(bad)
        return raw, dropped, files
    if not source.is_file():
        raise InputError(f"{source}: no such file or folder; give a folder of lists, a .csv or a .json file")
    suffix = source.suffix.lower()
    if suffix == ".csv":
        return (*_read_csv(source), [source])
    if suffix == ".json":
        return (*_read_json(source), [source])
    raise InputError(
        f"{source}: cannot import a {suffix or 'suffix-less'} file; give a folder of lists, a .csv or a .json"
    )


def merge_signals(raw: list[RawSignal]) -> tuple[list[Signal], list[Merged], list[Dropped]]:
    """Merge entries that share a kind and a name key; drop those that cannot be signals. Pure."""
    groups: dict[tuple[SignalKind, str], list[RawSignal]] = {}
    dropped: list[Dropped] = []
    for entry in raw:
        reason = why_not_a_signal(entry.name)
        if reason is not None:
            dropped.append(Dropped(entry.origin, entry.name, reason, entry.kind))
            continue
        groups.setdefault((entry.kind, name_key(entry.name)), []).append(entry)
    signals: list[Signal] = []
    merged: list[Merged] = []
    for (kind, _), entries in groups.items():
        spellings = [entry.name.strip() for entry in entries]
        spelling = spellings[0] if len(spellings) == 1 else _preferred_spelling(spellings)
        evidence = min(MAX_EVIDENCE, sum(entry.evidence for entry in entries))
        sources = sorted({entry.source for entry in entries if entry.source})
        signals.append(Signal(kind=kind, name=spelling, evidence=evidence, sources=sources))
        if len(entries) > 1:
            merged.append(Merged(kind, spelling, tuple(sorted(set(spellings))), len(entries)))
    return signals, merged, dropped


def _preferred_spelling(spellings: list[str]) -> str:
    """The most frequent spelling, then the most deliberately written (`_formatting`), then the first seen."""
    counts = Counter(spellings)
    first_seen = {spelling: position for position, spelling in reversed(list(enumerate(spellings)))}
    return min(counts, key=lambda s: (-counts[s], -_formatting(s), first_seen[s]))


def why_not_a_signal(name: str) -> str | None:
    """Why a raw name cannot be a signal (None when it can)."""
    stripped = name.strip()
    if not stripped:
        return "empty"
    tokens = name_tokens(stripped)
    if not any(any(ch.isalpha() for ch in token) for token in tokens):
        return "no letters"
    if len(stripped) > MAX_NAME_LENGTH:
        return f"longer than {MAX_NAME_LENGTH} characters"
    if _URL.search(stripped):
        return "a web or mail address, not a name"
    if len(stripped.split()) > MAX_NAME_WORDS:
        return f"more than {MAX_NAME_WORDS} words: a sentence, not a name"
    return None


def render_signals_file(result: ImportResult) -> str:
    """The signals file as YAML, with a header saying where it came from."""
    company = result.company_signals.company
    header = (
        f"# Imported by naftiko-writer from {', '.join(result.sources)}\n"
        f"# {result.raw_entries} raw entries -> {len(result.company_signals.signals)} signals "
        f"({len(result.merged)} merged groups, {len(result.dropped)} dropped)\n"
    )
    data = {
        "company": {"name": company.name, "slug": company.slug, "as_of": company.as_of},
        "signals": [
            {
                "kind": s.kind.value,
                "name": s.name,
                **({"evidence": s.evidence} if s.evidence != 1 else {}),
                **({"sources": s.sources} if s.sources else {}),
            }
            for s in result.company_signals.signals
        ],
    }
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)
    return header + body


def _formatting(spelling: str) -> int:
    """How deliberately a spelling is written: `Node.js` over `Nodejs`, `AI` over `Ai`, `PowerBI` over `Powerbi`.

    Capitals and punctuation count, except in a long all-capitals spelling (`SALESFORCE` is shouting, not an acronym).
    """
    letters = [ch for ch in spelling if ch.isalpha()]
    shouting = len(letters) > 5 and all(ch.isupper() for ch in letters)
    capitals = 0 if shouting else sum(1 for ch in letters if ch.isupper())
    return capitals + sum(1 for ch in spelling if not ch.isalnum() and not ch.isspace())


def _list_file(folder: Path, stem: str) -> Path | None:
    for suffix in (".yml", ".yaml", ".json"):
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise InputError(f"{path}: {size:,} bytes is larger than the {MAX_SOURCE_BYTES:,}-byte limit for one list")
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


def _parse_yaml(path: Path, text: str) -> Any:
    """Plain YAML data, read by the data-file loader's guard (no aliases, shallow, plain values only)."""
    try:
        return parse_yaml(path, text, track_lines=False, allow_empty=True)[0]
    except DocumentError as exc:
        raise InputError(str(exc)) from None


def _read_list(path: Path, kind: SignalKind) -> tuple[list[RawSignal], list[Dropped]]:
    text = _read_text(path)
    data = _parse_json(path, text) if path.suffix.lower() == ".json" else _parse_yaml(path, text)
    if data is None:
        return [], []
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of names, found a {type(data).__name__}")
    return _names(path, data, kind)


def _names(path: Path, items: list[Any], kind: SignalKind) -> tuple[list[RawSignal], list[Dropped]]:
    raw: list[RawSignal] = []
    dropped: list[Dropped] = []
    for index, item in enumerate(items):
        origin = f"{path.name}#{index + 1}"
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            dropped.append(Dropped(origin, str(item)[:80], "not a name", kind))
        else:
            raw.append(RawSignal(kind, str(item), origin))
    return raw, dropped


def _parse_json(path: Path, text: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise InputError(f"{path}: key {repeated[0][:40]!r} appears twice in one object; keep one")
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: {exc.msg}; fix the JSON") from exc
    except RecursionError as exc:
        raise InputError(f"{path}: nested too deeply to be a signal list") from exc


def _read_json(path: Path) -> tuple[list[RawSignal], list[Dropped]]:
    data = _parse_json(path, _read_text(path))
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


def _read_csv(path: Path) -> tuple[list[RawSignal], list[Dropped]]:
    text = _read_text(path)
    try:
        reader = csv.reader(io.StringIO(text))
        lines = list(reader)
    except csv.Error as exc:
        raise InputError(f"{path}: not valid CSV ({exc})") from exc
    if not lines:
        return [], []
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
    return _rows(path, rows)


def _rows(path: Path, rows: list[tuple[str, dict[str, Any]]]) -> tuple[list[RawSignal], list[Dropped]]:
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


def _company(source: Path, files: list[Path], *, name: str | None, slug: str | None, as_of: dt.date | None) -> Company:
    stem = source.name if source.is_dir() else source.stem
    slug = slug or _SLUG_CHARS.sub("-", stem.lower()).strip("-")[:64] or "company"
    if not re.match(SLUG_PATTERN, slug):
        raise InputError(
            f"{source}: slug {slug!r} is not valid; pass --slug with lower-case letters, digits and hyphens"
        )
    name = name or " ".join(part.capitalize() for part in slug.split("-"))
    if as_of is None:
        newest = max(path.stat().st_mtime for path in files)
        as_of = dt.datetime.fromtimestamp(newest, tz=dt.UTC).date()
    return Company(name=name, slug=slug, as_of=as_of)
