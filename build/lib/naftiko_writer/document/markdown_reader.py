"""A draft read back from Markdown: provenance, marked blocks, edits and damage. Pure.

Analysts edit drafts freely; this module recovers the structure that
`check`, `diff` and `draft --update` need. A block runs from its marker to the
next intact marker. A marker that no longer parses (a deleted field, a broken
comment, a repeated id) is reported as damaged, and its text stays part of
the block before it, so nothing the analyst wrote is dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from naftiko_writer.document.markers import (
    Override,
    SectionMarker,
    content_hash,
    looks_like_marker,
    parse_overrides,
    parse_provenance_json,
    parse_section_marker,
    strip_comments,
)
from naftiko_writer.errors import DraftError
from naftiko_writer.report.model import Provenance

_TABLE_RULE = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_DIMENSION_HEADING = re.compile(r"^### (?P<name>.+?) – Score: (?P<score>-?\d+)\s*$", re.M)
_LAYER_HEADING = re.compile(r"^## (?P<title>Layer \d+: .+?)\s*$", re.M)


@dataclass(frozen=True)
class DraftBlock:
    """One marked block as it stands in the file."""

    id: str
    source: str
    marker_hash: str
    input_hash: str
    marker_line: str
    body: str
    line: int

    @property
    def edited(self) -> bool:
        """The analyst changed this block since it was drafted."""
        return content_hash(self.body) != self.marker_hash

    @property
    def text(self) -> str:
        """The block verbatim: its marker line and body."""
        return self.marker_line + "\n" + self.body

    @property
    def overrides(self) -> list[Override]:
        """Values the analyst acknowledged in this block."""
        return parse_overrides(self.body)


@dataclass(frozen=True)
class DamagedMarker:
    """A marker line that no longer parses, or repeats an id."""

    line: int
    text: str
    problem: str


@dataclass(frozen=True)
class DraftDocument:
    """A parsed draft."""

    source: str
    provenance: Provenance
    blocks: list[DraftBlock]
    damaged: list[DamagedMarker] = field(default_factory=list)
    preamble: str = ""

    def block(self, block_id: str) -> DraftBlock | None:
        """The block with this id, if present."""
        return next((block for block in self.blocks if block.id == block_id), None)

    @property
    def ids(self) -> list[str]:
        """Block ids in file order."""
        return [block.id for block in self.blocks]


def parse_draft(text: str, source: str) -> DraftDocument:
    """Parse a draft; a file without an intact provenance line is not a draft (DraftError)."""
    if not text.strip():
        raise DraftError(f"{source}: the file is empty; it is not a naftiko-writer draft")
    lines = text.split("\n")
    provenance = _provenance(lines[0], source)
    blocks: list[DraftBlock] = []
    damaged: list[DamagedMarker] = []
    preamble: list[str] = []
    opened: tuple[int, str, SectionMarker] | None = None  # line number, marker line, marker
    body: list[str] = []

    def close() -> None:
        if opened is not None:
            number, marker_line, marker = opened
            blocks.append(
                DraftBlock(
                    marker.id, marker.source, marker.hash, marker.input, marker_line, "\n".join(body).strip(), number
                )
            )

    seen: set[str] = set()
    for number, line in enumerate(lines[1:], start=2):
        marker = parse_section_marker(line)
        if marker is not None and marker.id in seen:
            damaged.append(DamagedMarker(number, line.strip(), f"repeats the id {marker.id}"))
            marker = None
        elif marker is None and looks_like_marker(line):
            damaged.append(DamagedMarker(number, line.strip(), "is not an intact naftiko marker"))
        if marker is None:
            (body if opened is not None else preamble).append(line)
            continue
        close()
        seen.add(marker.id)
        opened, body = (number, line.strip(), marker), []
    close()
    return DraftDocument(source, provenance, blocks, damaged, "\n".join(preamble).strip())


def _provenance(first_line: str, source: str) -> Provenance:
    found = parse_provenance_json(first_line)
    if found is None:
        raise DraftError(
            f"{source}: the first line is not a naftiko provenance comment; this is not a naftiko-writer draft, "
            "or its first line was edited (restore it from the .bak copy or re-draft)"
        )
    try:
        return Provenance.model_validate(json.loads(found))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise DraftError(
            f"{source}: the provenance comment on line 1 is damaged ({type(exc).__name__}); restore it from the "
            ".bak copy or re-draft"
        ) from exc


def dimension_heading(block: DraftBlock) -> tuple[str, int] | None:
    """(name, score) as a dimension block's `### Name – Score: N` heading states them."""
    match = _DIMENSION_HEADING.search(block.body) if block.id.startswith("dimension:") else None
    return (match["name"], int(match["score"])) if match else None


def layer_heading(block: DraftBlock) -> str | None:
    """`Layer N: Title` as a layer block's heading states it."""
    match = _LAYER_HEADING.search(block.body) if block.id.startswith("layer:") else None
    return match["title"] if match else None


def dimension_scores(document: DraftDocument) -> dict[str, tuple[str, int]]:
    """Dimension id -> (name, score) as the draft's headings state them (first occurrence)."""
    scores: dict[str, tuple[str, int]] = {}
    for block in document.blocks:
        heading = dimension_heading(block)
        if heading is None:
            continue
        dimension_id = block.id.split(":", 1)[1].split("@", 1)[0]
        scores.setdefault(dimension_id, heading)
    return scores


def readable_parts(body: str) -> tuple[list[str], list[str]]:
    """A block's headings, and the rest of its text as a reader sees it (unescaped, without comments)."""
    headings: list[str] = []
    texts: list[str] = []
    for raw in strip_comments(body).split("\n"):
        line = raw.strip()
        if not line or _TABLE_RULE.match(line) or line.startswith("> **Analyst review:**"):
            continue
        if line.startswith("#"):
            headings.append(line)
        elif line.startswith("|"):
            texts.extend(_unescape(cell) for cell in _cells(line))
        else:
            texts.append(_unescape(line.replace("**", "")))
    return headings, texts


def table_rows(body: str) -> list[list[str]]:
    """The data rows of the Markdown tables in a block (headers and rules skipped), unescaped."""
    rows: list[list[str]] = []
    previous_was_rule = False
    for raw in body.split("\n"):
        line = raw.strip()
        if _TABLE_RULE.match(line):
            previous_was_rule = True
            continue
        if line.startswith("|") and previous_was_rule:
            rows.append([_unescape(cell) for cell in _cells(line)])
        elif not line.startswith("|"):
            previous_was_rule = False
    return rows


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in _CELL_SPLIT.split(line.strip().strip("|"))]


def _unescape(text: str) -> str:
    text = re.sub(r"\\([#=*+\-|.\\\[\]`])", r"\1", text)
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return text
