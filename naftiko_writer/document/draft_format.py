"""The draft format both ways: Report -> Markdown, and Markdown -> the draft's structure. Pure: no I/O.

A draft is a provenance comment and a list of blocks, each opened by an
invisible section marker (see markers.py) carrying the block's content hash
and the hash of the inputs it was drafted from; `check`, `diff` and
`draft --update` find sections by marker and tell analyst edits by hash.

Writing mirrors the seed report's structure. Text from the model is escaped
so that it can never open a heading, a table cell or an HTML comment of its own.

Reading recovers what those commands need from a draft as the analyst left
it. A block runs from its marker to the next intact marker. A marker that no
longer parses (a deleted field, a broken comment, a repeated id) is reported
as damaged, and its text stays part of the block before it, so nothing the
analyst wrote is dropped. Inside a block, headings, tables and text are read
with the same Markdown parser that `export` renders with (`markdown()`), so
`check` and `diff` see what a reader of the published page sees. The parser
(markdown-it) is imported the first time a draft is read: writing one never needs it.

The headings that carry data (`## Layer N: Title`, `### Name – Score: N`) are
defined once, below, and both written and read from those definitions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import ValidationError

from naftiko_writer.document.markers import (
    NO_INPUT,
    Override,
    SectionMarker,
    content_hash,
    format_provenance,
    format_section_marker,
    looks_like_marker,
    parse_overrides,
    parse_provenance_json,
    parse_section_marker,
    strip_comments,
)
from naftiko_writer.errors import DraftError
from naftiko_writer.report.model import Provenance, Report, SectionResult, SectionSource
from naftiko_writer.report.plan import (
    CHANGES,
    EXECUTIVE_SUMMARY,
    GROWTH,
    METHODOLOGY,
    STRATEGIC,
    STRENGTHS,
    WAVES,
    dimension_section_id,
    layer_section_id,
)
from naftiko_writer.report.sections import (
    OUTPUT_MODELS,
    SCORE_LABEL,
    DimensionNarrative,
    EditionChanges,
    ExecutiveSummary,
    GrowthOpportunities,
    IndustryNarrative,
    LayerIntroduction,
    Methodology,
    Output,
    SectionKind,
    StrategicAssessment,
    Strengths,
    WaveAlignment,
)
from naftiko_writer.scoring.models import ScoreCard

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

TITLE = "title"
CLOSING = "closing"


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The Markdown dialect of drafts: CommonMark with tables, raw HTML off. `export` renders with it too."""
    from markdown_it import MarkdownIt  # only reading a draft parses Markdown; an offline draft never does

    return MarkdownIt("commonmark", {"html": False}).enable("table")


# --- the headings that carry data ------------------------------------------------------

LAYER_TITLE = "Layer {number}: {title}"
LAYER_LEVEL = 2
DIMENSION_TITLE = "{name} – " + SCORE_LABEL
DIMENSION_LEVEL = 3


def _pattern(template: str, groups: dict[str, str]) -> re.Pattern[str]:
    """A regex matching exactly the texts `template.format(...)` writes, with a named group per field."""
    pattern = re.escape(template)
    for name, group in groups.items():
        pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>{group})")
    return re.compile(pattern)


_STATED_SCORE = re.compile(_pattern(SCORE_LABEL, {"score": r"-?\d+"}).pattern + r"\s*$")
_LAYER_TITLE = _pattern(LAYER_TITLE, {"number": r"\d+", "title": ".+"})
_DIMENSION_TITLE = _pattern(DIMENSION_TITLE, {"name": ".+?", "score": r"-?\d+"})


def stated_score(text: str) -> str | None:
    """The N of a `Score: N` that ends `text` (a heading, a table cell), as written."""
    match = _STATED_SCORE.search(text)
    return match["score"] if match else None


def layer_heading_line(number: int, title: str) -> str:
    """`## Layer N: Title`."""
    return "#" * LAYER_LEVEL + " " + LAYER_TITLE.format(number=number, title=title)


def dimension_heading_line(name: str, score: int) -> str:
    """`### Name – Score: N`."""
    return "#" * DIMENSION_LEVEL + " " + DIMENSION_TITLE.format(name=name, score=score)


# --- writing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One marked block of a draft, as written."""

    id: str
    source: str
    body: str
    input_hash: str = NO_INPUT

    def text(self) -> str:
        """The block as it appears in the draft: marker line, then body."""
        return format_section_marker(self.id, self.source, self.body, self.input_hash) + "\n" + self.body.strip()


def escape_text(text: str) -> str:
    """Make model text inert Markdown: one line, no raw HTML, no leading heading or quote marks."""
    text = " ".join(text.split())
    # `&` stays readable ("ROI & Business Metrics") unless it could start a character reference
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\[\]`])", r"\\\1", text)  # no links, images or code spans from model text
    return re.sub(r"^([#=*+\-]|\d+\.)", r"\\\1", text)


def escape_cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return escape_text(text).replace("|", "\\|")


def month_year(card: ScoreCard) -> str:
    """`March 2026` from the as-of date (empty when the data gives none)."""
    return card.company.as_of.strftime("%B %Y") if card.company.as_of else ""


def render_markdown(report: Report) -> str:
    """The full draft as Markdown."""
    return join_draft(render_provenance(report), [block.text() for block in render_blocks(report)])


def render_provenance(report: Report) -> str:
    """The provenance comment of a report."""
    return format_provenance(report.provenance.model_dump_json())


def join_draft(provenance: str, block_texts: Sequence[str]) -> str:
    """A draft from its provenance line and its blocks' texts."""
    return "\n\n".join([provenance, *(text.strip() for text in block_texts)]) + "\n"


def _executive_body(output: Output) -> str:
    assert isinstance(output, ExecutiveSummary)
    return "## Executive Summary\n\n" + _paragraphs(output.paragraphs)


def _layer_body(output: Output) -> str:
    assert isinstance(output, LayerIntroduction)
    return f"{escape_text(output.scope)}\n\n{escape_text(output.summary)}"


def _dimension_body(output: Output) -> str:
    assert isinstance(output, DimensionNarrative)
    body = escape_text(output.paragraph)
    if output.key_takeaway:
        body += f"\n\n**Key Takeaway:** {escape_text(output.key_takeaway)}"
    return body


def _strategic_body(output: Output) -> str:
    assert isinstance(output, StrategicAssessment)
    return f"## Strategic Assessment\n\n{escape_text(output.overview)}"


def _strengths_body(output: Output) -> str:
    assert isinstance(output, Strengths)
    rows = "\n".join(f"| {escape_cell(r.area)} | {escape_cell(r.evidence)} |" for r in output.rows)
    return (
        f"### Strengths\n\n{escape_text(output.introduction)}\n\n| Area | Evidence |\n|---|---|\n{rows}\n\n"
        f"{escape_text(output.closing)}"
    )


def _growth_body(output: Output) -> str:
    assert isinstance(output, GrowthOpportunities)
    rows = "\n".join(
        f"| {escape_cell(r.area)} | {escape_cell(r.current_state)} | {escape_cell(r.opportunity)} |"
        for r in output.rows
    )
    return (
        f"### Growth Opportunities\n\n{escape_text(output.introduction)}\n\n"
        f"| Area | Current State | Opportunity |\n|---|---|---|\n{rows}\n\n{escape_text(output.closing)}"
    )


def _waves_body(output: Output) -> str:
    assert isinstance(output, WaveAlignment)
    return "## Wave Alignment\n\n" + _paragraphs(output.paragraphs)


def _methodology_body(output: Output) -> str:
    assert isinstance(output, Methodology)
    return "## Methodology\n\n" + _paragraphs(output.paragraphs)


INDUSTRY_HEADINGS = {
    SectionKind.INDUSTRY_COHORT: "The Cohort",
    SectionKind.INDUSTRY_LEADERS: "Leaders",
    SectionKind.INDUSTRY_SPREAD: "Spread",
    SectionKind.INDUSTRY_SIGNALS: "Shared and Distinctive Signals",
    SectionKind.INDUSTRY_WAVES: "Wave Alignment",
}


def _industry_body(kind: SectionKind) -> Callable[[Output], str]:
    heading = INDUSTRY_HEADINGS[kind]

    def body(output: Output) -> str:
        assert isinstance(output, IndustryNarrative)
        return f"## {heading}\n\n" + _paragraphs(output.paragraphs)

    return body


def _changes_body(output: Output) -> str:
    assert isinstance(output, EditionChanges)
    return "## Since the Last Edition\n\n" + _paragraphs(output.paragraphs)


_LAYOUTS: dict[SectionKind, Callable[[Output], str]] = {
    SectionKind.EDITION_CHANGES: _changes_body,
    **{kind: _industry_body(kind) for kind in INDUSTRY_HEADINGS},
    SectionKind.EXECUTIVE_SUMMARY: _executive_body,
    SectionKind.LAYER_INTRODUCTION: _layer_body,
    SectionKind.DIMENSION_NARRATIVE: _dimension_body,
    SectionKind.STRATEGIC_ASSESSMENT: _strategic_body,
    SectionKind.STRENGTHS: _strengths_body,
    SectionKind.GROWTH_OPPORTUNITIES: _growth_body,
    SectionKind.WAVE_ALIGNMENT: _waves_body,
    SectionKind.METHODOLOGY: _methodology_body,
}
"""How each section kind's output is laid out in Markdown (under the heading its report gives it)."""


def render_section(kind: SectionKind, output: Output) -> str:
    """One section's Markdown from its output (pure); layer and dimension headings are the report's."""
    expected = OUTPUT_MODELS[kind]
    if not isinstance(output, expected):
        raise TypeError(f"a {kind.value} section holds a {type(output).__name__}, not a {expected.__name__}")
    return _LAYOUTS[kind](output)


def layout_kinds() -> frozenset[SectionKind]:
    """The section kinds with a Markdown layout."""
    return frozenset(_LAYOUTS)


def render_blocks(report: Report) -> list[Block]:
    """Every block of the draft, in order."""
    card = report.scorecard
    blocks: list[Block] = [
        Block(
            TITLE,
            "data",
            f"# {escape_text(card.company.name)} Technology Investment Impact Report\n\n"
            "Prepared by Naftiko" + (f", {month_year(card)}" if card.company.as_of else ""),
        )
    ]

    def add(section_id: str, source: str, body: str) -> None:
        blocks.append(Block(section_id, source, body))

    def add_section(result: SectionResult, heading: str = "") -> None:
        body = heading + render_section(result.kind, result.output)
        if result.source is SectionSource.FALLBACK:
            body += (
                f"\n\n> **Analyst review:** drafted by the template engine because the model's answers failed "
                f"validation ({len(result.problems)} problem{'s' if len(result.problems) != 1 else ''}); check it before publishing."
            )
        if result.source is SectionSource.PENDING:
            body += (
                "\n\n> **Not drafted yet:** the run stopped at its budget before this section; template text "
                "stands in. Run the same command again to resume."
            )
        blocks.append(Block(result.id, result.source.value, body, result.input_hash))

    sections = report.sections
    add_section(sections[EXECUTIVE_SUMMARY])
    first_layer_of: dict[str, int] = {}
    for layer in card.layers:
        add_section(sections[layer_section_id(layer.id)], f"{layer_heading_line(layer.number, layer.title)}\n\n")
        for dimension_id in card.layers[layer.number - 1].dimensions:
            dimension = card.dimension(dimension_id)
            heading = dimension_heading_line(dimension.name, dimension.score)
            if dimension_id in first_layer_of:
                number = first_layer_of[dimension_id]
                add(
                    f"{dimension_section_id(dimension_id)}@{layer.id}",
                    "reference",
                    f"{heading}\n\n{dimension.name} mirrors the {card.layers[number - 1].title} assessment (Layer {number}).",
                )
                continue
            first_layer_of[dimension_id] = layer.number
            add_section(sections[dimension_section_id(dimension_id)], f"{heading}\n\n")
        if layer.waves:
            add(f"waves:{layer.id}", "data", f"**Relevant Waves:** {', '.join(layer.waves)}")
    for section_id in (STRATEGIC, STRENGTHS, GROWTH, WAVES, CHANGES, METHODOLOGY):
        if section_id in sections or section_id != CHANGES:  # a draft among an edition says what changed
            add_section(sections[section_id])
    add(
        CLOSING,
        "data",
        "This report is based on signal data available"
        + (f" as of {month_year(card)}" if card.company.as_of else "")
        + ". Investment signals are dynamic "
        f"and may change as {escape_text(card.company.name)}'s technology strategy evolves.",
    )
    return blocks


def _paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(escape_text(paragraph) for paragraph in paragraphs)


def provenance_of(markdown: str) -> dict[str, object] | None:
    """Read the provenance comment back from a draft (None when absent or damaged)."""
    first_line = markdown.split("\n", 1)[0]
    found = parse_provenance_json(first_line)
    if found is None:
        return None
    try:
        value = json.loads(found)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


# --- reading --------------------------------------------------------------------------


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
    """Parse a draft; a file without an intact provenance line is not a draft (DraftError).

    A byte-order mark and CRLF (or CR) line endings, as Windows editors save, are read as plain LF text.
    """
    text = plain_text(text)
    if not text.strip():
        raise DraftError(f"{source}: the file is empty; it is not a naftiko-writer draft")
    provenance = _provenance(text.split("\n", 1)[0], source)
    blocks, damaged, preamble = parse_blocks(text)
    return DraftDocument(source, provenance, blocks, damaged, preamble)


def plain_text(text: str) -> str:
    """A draft's text without a byte-order mark and with LF line endings (how Windows editors save it aside)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse_blocks(text: str) -> tuple[list[DraftBlock], list[DamagedMarker], str]:
    """The marked blocks after a draft's first (provenance) line, its damaged markers, and any text before them.

    A marker repeating an earlier id, or a line that looks like a marker but is not intact, is damaged: its line
    stays in the body it falls in. Company and industry drafts are read by it alike.
    """
    lines = plain_text(text).split("\n")
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
    return blocks, damaged, "\n".join(preamble).strip()


def _provenance(first_line: str, source: str) -> Provenance:
    found = parse_provenance_json(first_line)
    if found is None:
        raise DraftError(
            f"{source}: the first line is not a naftiko provenance comment; this is not a naftiko-writer draft, "
            "or its first line was edited (restore it from the .bak copy or re-draft)"
        )
    try:
        data = json.loads(found)
        if isinstance(data, dict) and data.get("report") == "industry":
            raise DraftError(
                f"{source}: is an industry draft (of {data.get('industry')!r} in {data.get('edition')!r}); "
                "`draft --update` reads company drafts: update it with `naftiko-writer industry --update`"
            )
        return Provenance.model_validate(data)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise DraftError(
            f"{source}: the provenance comment on line 1 is damaged ({type(exc).__name__}); restore it from the "
            ".bak copy or re-draft"
        ) from exc


@lru_cache(maxsize=256)
def _tokens(body: str) -> tuple[Token, ...]:
    """A block's Markdown tokens, without naftiko comments (callers only read them)."""
    return tuple(markdown().parse(strip_comments(body)))


def headings(body: str) -> list[tuple[int, str]]:
    """(level, text as written) of every heading in a block, in order."""
    tokens = _tokens(body)
    return [
        (int(token.tag[1:]), tokens[index + 1].content)
        for index, token in enumerate(tokens)
        if token.type == "heading_open"
    ]


MAX_SCORE_DIGITS = 12
"""A heading score with more digits is no score (an edit gone wrong): Python refuses to convert 4,300."""


def dimension_heading(block: DraftBlock) -> tuple[str, int] | None:
    """(name, score) as a dimension block's `### Name – Score: N` heading states them."""
    if not block.id.startswith("dimension:"):
        return None
    for level, text in headings(block.body):
        match = _DIMENSION_TITLE.fullmatch(text) if level == DIMENSION_LEVEL else None
        if match and len(match["score"]) <= MAX_SCORE_DIGITS:
            return match["name"], int(match["score"])
    return None


def layer_heading(block: DraftBlock) -> str | None:
    """`Layer N: Title` as a layer block's heading states it."""
    if not block.id.startswith("layer:"):
        return None
    return next(
        (text for level, text in headings(block.body) if level == LAYER_LEVEL and _LAYER_TITLE.fullmatch(text)),
        None,
    )


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
    """A block's headings (`### Title`), and the rest of its text as a reader of the page sees it.

    Text is unescaped and without markup, one item per paragraph, table cell or
    code block; the analyst-review note of a fallback section is left out (its
    count of problems is not a claim about the company).
    """
    tokens = _tokens(body)
    found_headings: list[str] = []
    texts: list[str] = []
    skip_to: int | None = None
    for index, token in enumerate(tokens):
        if skip_to is not None:
            if index < skip_to:
                continue
            skip_to = None
        if token.type == "blockquote_open" and _is_review_note(tokens, index):
            skip_to = _closing(tokens, index)
        elif token.type == "inline" and tokens[index - 1].type == "heading_open":
            found_headings.append("#" * int(tokens[index - 1].tag[1:]) + " " + token.content)
        elif token.type == "inline":
            text = _plain(token)
            if text:
                texts.append(text)
        elif token.type in ("fence", "code_block") and token.content.strip():
            texts.append(token.content.strip())
    return found_headings, texts


def table_rows(body: str) -> list[list[str]]:
    """The data rows of the Markdown tables in a block (header rows skipped), as plain text."""
    rows: list[list[str]] = []
    in_body = False
    for token in _tokens(body):
        if token.type in ("tbody_open", "tbody_close"):
            in_body = token.type == "tbody_open"
        elif in_body and token.type == "tr_open":
            rows.append([])
        elif in_body and token.type == "inline" and rows:
            rows[-1].append(_plain(token))
    return rows


def _plain(inline: Token) -> str:
    """An inline token's text as rendered: escapes and entities resolved, markup dropped."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def _is_review_note(tokens: Sequence[Token], index: int) -> bool:
    following = tokens[index + 2] if index + 2 < len(tokens) else None
    return following is not None and following.type == "inline" and following.content.startswith("**Analyst review:**")


def _closing(tokens: Sequence[Token], index: int) -> int:
    """The index just past the token that closes the one at `index`."""
    opener = tokens[index]
    closer = opener.type.replace("_open", "_close")
    for position in range(index + 1, len(tokens)):
        if tokens[position].type == closer and tokens[position].level == opener.level:
            return position + 1
    return len(tokens)
