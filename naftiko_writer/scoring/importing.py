"""Import raw signal lists (scraped, repeated, variously spelled) into one valid signals file.

The sources (a folder of name lists, a CSV file, a JSON file) and their readers are listed in
`sources.py` and read by `raw_lists.py`. Within a kind, entries whose names share the tool's name
key (case, punctuation and spacing ignored: `AI`/`Ai`, `Node.js`/`Nodejs`) merge into one signal:
its evidence is the number of raw entries (or the sum of their `evidence`), its spelling the most
frequent one. Entries that cannot be a signal are dropped, each with a reason.

`import_signals` is the entry point (it reads through `sources.read_raw_source`); `merge_signals`
is pure and deterministic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from naftiko_writer.errors import InputError
from naftiko_writer.scoring.models import MAX_EVIDENCE, SLUG_PATTERN, Company, CompanySignals, Signal, SignalKind
from naftiko_writer.scoring.names import name_key, name_tokens
from naftiko_writer.scoring.profiles import CompanyProfile, name_from_slug
from naftiko_writer.scoring.raw_lists import Dropped, RawSignal
from naftiko_writer.scoring.sources import IMPORT_FORMATS, LIST_FOLDER, read_raw_source

MAX_NAME_LENGTH = 300
MAX_NAME_WORDS = 12
_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*://|www\.)|@[\w-]+\.[a-z]{2,}\s*$", re.IGNORECASE)
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


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


def import_signals(
    source: Path,
    *,
    name: str | None = None,
    slug: str | None = None,
    as_of: dt.date | None = None,
    industry: str | None = None,
    description: str | None = None,
    profiles: Mapping[str, CompanyProfile] | None = None,
) -> ImportResult:
    """Read a source and merge it into a valid signals file.

    Company details come from the flags, else from the company's entry in `profiles` (a companies
    list, by slug), else from the source: the slug from its name, a name spelled from the slug
    (profiles.name_from_slug), and no date (file times say when a file was copied, not what the
    data describes).
    """
    (raw, dropped), files = read_raw_source(source)
    company = _company(
        source, name=name, slug=slug, as_of=as_of, industry=industry, description=description, profiles=profiles
    )
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
    """The signals file as YAML, with a header saying where it came from (the same bytes whichever emitter)."""
    company = result.company_signals.company
    header = (
        f"# Imported by naftiko-writer from {', '.join(result.sources)}\n"
        f"# {result.raw_entries} raw entries -> {len(result.company_signals.signals)} signals "
        f"({len(result.merged)} merged groups, {len(result.dropped)} dropped)\n"
    )
    data = {
        "company": {
            "name": company.name,
            "slug": company.slug,
            **({"as_of": company.as_of} if company.as_of else {}),
            **({"industry": company.industry} if company.industry else {}),
            **({"description": company.description} if company.description else {}),
        },
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
    texts = [company.name, company.slug, *(s.name for s in result.company_signals.signals)]
    texts += [source for s in result.company_signals.signals for source in s.sources or ()]
    dumper = _C_DUMPER if _C_DUMPER is not None and not any(map(_C_DIFFERS.search, texts)) else yaml.SafeDumper
    body = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)
    return header + body


_C_DUMPER: type[yaml.SafeDumper] | None = getattr(yaml, "CSafeDumper", None)
"""libyaml's emitter (3.5x faster than PyYAML's own), when PyYAML was built with it."""
_C_DIFFERS = re.compile("[\U00010000-\U0010ffff\x85\u2028\u2029]")
"""What libyaml writes otherwise than PyYAML's emitter (it escapes characters beyond the BMP and writes NEL,
LS and PS as escapes): a file holding any of them is written by PyYAML's emitter, so the bytes never change."""


def _formatting(spelling: str) -> int:
    """How deliberately a spelling is written: `Node.js` over `Nodejs`, `AI` over `Ai`, `PowerBI` over `Powerbi`.

    Capitals and punctuation count, except in a long all-capitals spelling (`SALESFORCE` is shouting, not an acronym).
    """
    letters = [ch for ch in spelling if ch.isalpha()]
    shouting = len(letters) > 5 and all(ch.isupper() for ch in letters)
    capitals = 0 if shouting else sum(1 for ch in letters if ch.isupper())
    return capitals + sum(1 for ch in spelling if not ch.isalnum() and not ch.isspace())


def _company(
    source: Path,
    *,
    name: str | None,
    slug: str | None,
    as_of: dt.date | None,
    industry: str | None,
    description: str | None,
    profiles: Mapping[str, CompanyProfile] | None,
) -> Company:
    stem = source.name if source.is_dir() else source.stem
    slug = slug or _SLUG_CHARS.sub("-", stem.lower()).strip("-")[:64] or "company"
    if not re.match(SLUG_PATTERN, slug):
        raise InputError(
            f"{source}: slug {slug!r} is not valid; pass --slug with lower-case letters, digits and hyphens"
        )
    profile = (profiles or {}).get(slug) or CompanyProfile()
    try:
        return Company(
            name=name or profile.name or name_from_slug(slug),
            slug=slug,
            as_of=as_of,
            industry=industry or profile.industry,
            description=description or profile.description,
        )
    except ValidationError as exc:  # a blank or overlong flag
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise InputError(f"{source}: company {where}: {problem['msg']}") from None


def is_folder_of_companies(source: Path) -> bool:
    """A folder that is not itself a company's name lists: `import` reads each company in it."""
    return source.is_dir() and not LIST_FOLDER.matches(source)


def import_folder_sources(folder: Path) -> list[Path]:
    """The companies a folder of companies holds for `import`: its folders of name lists, CSV and JSON files."""
    return [entry for entry in sorted(folder.iterdir()) if any(form.matches(entry) for form in IMPORT_FORMATS)]
