"""Report -> Markdown, mirroring the seed report's structure. Pure: no I/O.

The draft is a provenance comment and a list of blocks, each opened by an
invisible section marker (see markers.py) carrying the block's content hash
and the hash of the inputs it was drafted from; `check`, `diff` and
`draft --update` find sections by marker and tell analyst edits by hash.
Text from the model is escaped so that it can never open a heading, a table
cell or an HTML comment of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from naftiko_writer.document.markers import NO_INPUT, format_provenance, format_section_marker, parse_provenance_json
from naftiko_writer.report.model import Report, SectionResult, SectionSource
from naftiko_writer.report.plan import (
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
    DimensionNarrative,
    ExecutiveSummary,
    GrowthOpportunities,
    LayerIntroduction,
    Methodology,
    Output,
    StrategicAssessment,
    Strengths,
    WaveAlignment,
)
from naftiko_writer.scoring.models import ScoreCard

OutputT = TypeVar("OutputT", bound=Output)
TITLE = "title"
CLOSING = "closing"


@dataclass(frozen=True)
class Block:
    """One marked block of a draft."""

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
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\[\]`])", r"\\\1", text)  # no links, images or code spans from model text
    return re.sub(r"^([#=*+\-]|\d+\.)", r"\\\1", text)


def escape_cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return escape_text(text).replace("|", "\\|")


def month_year(card: ScoreCard) -> str:
    """`March 2026` from the as-of date."""
    return card.company.as_of.strftime("%B %Y")


def render_markdown(report: Report) -> str:
    """The full draft as Markdown."""
    return join_draft(render_provenance(report), [block.text() for block in render_blocks(report)])


def render_provenance(report: Report) -> str:
    """The provenance comment of a report."""
    return format_provenance(report.provenance.model_dump_json())


def join_draft(provenance: str, block_texts: Sequence[str]) -> str:
    """A draft from its provenance line and its blocks' texts."""
    return "\n\n".join([provenance, *(text.strip() for text in block_texts)]) + "\n"


def render_blocks(report: Report) -> list[Block]:
    """Every block of the draft, in order."""
    card = report.scorecard
    blocks: list[Block] = [
        Block(
            TITLE,
            "data",
            f"# {escape_text(card.company.name)} Technology Investment Impact Report\n\n"
            f"Prepared by Naftiko, {month_year(card)}",
        )
    ]

    def add(section_id: str, source: str, body: str) -> None:
        blocks.append(Block(section_id, source, body))

    def add_section(result: SectionResult, body: str) -> None:
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
    summary = _output(sections[EXECUTIVE_SUMMARY], ExecutiveSummary)
    add_section(sections[EXECUTIVE_SUMMARY], "## Executive Summary\n\n" + _paragraphs(summary.paragraphs))

    first_layer_of: dict[str, int] = {}
    for layer in card.layers:
        intro_result = sections[layer_section_id(layer.id)]
        intro = _output(intro_result, LayerIntroduction)
        add_section(
            intro_result,
            f"## Layer {layer.number}: {layer.title}\n\n{escape_text(intro.scope)}\n\n{escape_text(intro.summary)}",
        )
        for dimension_id in card.layers[layer.number - 1].dimensions:
            dimension = card.dimension(dimension_id)
            heading = f"### {dimension.name} – Score: {dimension.score}"
            if dimension_id in first_layer_of:
                number = first_layer_of[dimension_id]
                add(
                    f"{dimension_section_id(dimension_id)}@{layer.id}",
                    "reference",
                    f"{heading}\n\n{dimension.name} mirrors the {card.layers[number - 1].title} assessment (Layer {number}).",
                )
                continue
            first_layer_of[dimension_id] = layer.number
            result = sections[dimension_section_id(dimension_id)]
            narrative = _output(result, DimensionNarrative)
            body = f"{heading}\n\n{escape_text(narrative.paragraph)}"
            if narrative.key_takeaway:
                body += f"\n\n**Key Takeaway:** {escape_text(narrative.key_takeaway)}"
            add_section(result, body)
        if layer.waves:
            add(f"waves:{layer.id}", "data", f"**Relevant Waves:** {', '.join(layer.waves)}")

    strategic = _output(sections[STRATEGIC], StrategicAssessment)
    add_section(sections[STRATEGIC], f"## Strategic Assessment\n\n{escape_text(strategic.overview)}")
    strengths = _output(sections[STRENGTHS], Strengths)
    rows = "\n".join(f"| {escape_cell(r.area)} | {escape_cell(r.evidence)} |" for r in strengths.rows)
    add_section(
        sections[STRENGTHS],
        f"### Strengths\n\n{escape_text(strengths.introduction)}\n\n| Area | Evidence |\n|---|---|\n{rows}\n\n"
        f"{escape_text(strengths.closing)}",
    )
    growth = _output(sections[GROWTH], GrowthOpportunities)
    rows = "\n".join(
        f"| {escape_cell(r.area)} | {escape_cell(r.current_state)} | {escape_cell(r.opportunity)} |"
        for r in growth.rows
    )
    add_section(
        sections[GROWTH],
        f"### Growth Opportunities\n\n{escape_text(growth.introduction)}\n\n"
        f"| Area | Current State | Opportunity |\n|---|---|---|\n{rows}\n\n{escape_text(growth.closing)}",
    )
    waves = _output(sections[WAVES], WaveAlignment)
    add_section(sections[WAVES], "## Wave Alignment\n\n" + _paragraphs(waves.paragraphs))
    method = _output(sections[METHODOLOGY], Methodology)
    add_section(sections[METHODOLOGY], "## Methodology\n\n" + _paragraphs(method.paragraphs))
    add(
        CLOSING,
        "data",
        f"This report is based on signal data available as of {month_year(card)}. Investment signals are dynamic "
        f"and may change as {escape_text(card.company.name)}'s technology strategy evolves.",
    )
    return blocks


def _paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(escape_text(paragraph) for paragraph in paragraphs)


def _output(result: SectionResult, model: type[OutputT]) -> OutputT:
    output = result.output
    if not isinstance(output, model):
        raise TypeError(f"section {result.id} holds a {type(output).__name__}, not a {model.__name__}")
    return output


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
