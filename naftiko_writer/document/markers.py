"""The invisible markers in a draft: their format, parsing and content hashes. Pure.

A draft is a provenance comment followed by blocks. Each block starts with a
section marker on a line of its own:

    <!-- naftiko:section id=dimension:cloud source=model hash=1a2b3c4d5e6f input=0f1e2d3c4b5a6978 -->

`hash` is the sha256 prefix of the block's text as drafted, so a block whose
text no longer hashes to it was edited by the analyst; `input` is the hash of
what the section was drafted from (its data and prompt template). An analyst
acknowledges a deliberate value the data does not back with an override
comment inside the block:

    <!-- naftiko:override value="45" reason="Q3 filing, not yet in the signals" -->

Only an HTML comment on a line of its own is a marker. Text from data or a
model is written with `<` and `>` escaped, so it can never start or end such
a line: a signal named `naftiko:section id=x` is text, not a (damaged) marker.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

HASH_LENGTH = 12
NO_INPUT = "-"
"""The `input` of blocks built from data alone (headings, waves, references)."""

SECTION_MARKER = "<!-- naftiko:section id={id} source={source} hash={hash} input={input} -->"
PROVENANCE_MARKER = "<!-- naftiko:provenance {json} -->"

_SECTION = re.compile(
    r"^<!-- naftiko:section id=(?P<id>[\w:@.\-]+) source=(?P<source>[\w\-]+) "
    r"hash=(?P<hash>[0-9a-f]{12}) input=(?P<input>[0-9a-f]{16}|-) -->$"
)
_PROVENANCE = re.compile(r"^<!-- naftiko:provenance (?P<json>\{.*\}) -->$")
_OVERRIDE = re.compile(r'<!-- naftiko:override value="(?P<value>[^"]+)"(?: reason="(?P<reason>[^"]*)")? -->')
_ANY_NAFTIKO = re.compile(r"naftiko:(section|provenance)")
_COMMENT_EDGE = re.compile(r"^<|>$")
"""A raw `<` opening or `>` closing a line: only a comment (or its remains) can; escaped text cannot."""


@dataclass(frozen=True)
class SectionMarker:
    """A parsed section marker."""

    id: str
    source: str
    hash: str
    input: str


@dataclass(frozen=True)
class Override:
    """An analyst's acknowledgement that a value is deliberate."""

    value: str
    reason: str


def content_hash(text: str) -> str:
    """The hash written in a block's marker: sha256 prefix of its stripped text."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:HASH_LENGTH]


def format_section_marker(section_id: str, source: str, body: str, input_hash: str = NO_INPUT) -> str:
    """The marker line of a block with this body."""
    return SECTION_MARKER.format(id=section_id, source=source, hash=content_hash(body), input=input_hash)


def format_provenance(json_text: str) -> str:
    """The provenance comment; `--` is escaped so the JSON cannot end the comment early."""
    return PROVENANCE_MARKER.format(json=json_text.replace("--", "-\\u002d"))


def parse_section_marker(line: str) -> SectionMarker | None:
    """The marker on this line, or None when the line is not an intact section marker."""
    match = _SECTION.match(line.strip())
    if match is None:
        return None
    return SectionMarker(match["id"], match["source"], match["hash"], match["input"])


def parse_provenance_json(line: str) -> str | None:
    """The JSON of a provenance comment line, or None."""
    match = _PROVENANCE.match(line.strip())
    return match["json"] if match else None


def looks_like_marker(line: str) -> bool:
    """A comment-like line (opening with `<` or closing with `>`) that names a naftiko section or provenance marker.

    The remains of a damaged marker keep one edge of the comment; prose that merely mentions
    `naftiko:section` (a company or signal so named, escaped on writing) is not a marker.
    """
    stripped = line.strip()
    return bool(_COMMENT_EDGE.search(stripped)) and bool(_ANY_NAFTIKO.search(stripped))


def parse_overrides(text: str) -> list[Override]:
    """Every override comment in a block's text."""
    return [Override(match["value"], match["reason"] or "") for match in _OVERRIDE.finditer(text)]


def strip_comments(text: str) -> str:
    """The text without naftiko comments (what a reader sees)."""
    return _OVERRIDE.sub("", text)
