"""The industry report as Markdown: a title, the drafted sections and the table of the group's dimensions.

Sections are laid out by kind (document/draft_format.render_section) under the same markers as a company
draft; the dimensions table is data (every figure from the facts, never a model's), as the Relevant
Waves lines of a company draft are.
"""

from __future__ import annotations

import json
from typing import Any

from naftiko_writer.document.draft_format import (
    Block,
    DraftBlock,
    escape_cell,
    escape_text,
    join_draft,
    parse_blocks,
    plain_text,
    render_section,
)
from naftiko_writer.document.markers import (
    format_provenance,
    parse_provenance_json,
)
from naftiko_writer.report.industry import ALL_INDUSTRIES, IndustryFacts, IndustryReport, group_title
from naftiko_writer.report.model import SectionSource

TABLE = "industry-dimensions"

CLOSING = "closing"


def figure(value: float) -> str:
    """A figure as the dimensions table writes it: `1,288`, `76.5`."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def dimensions_table(facts: IndustryFacts) -> str:
    """Every dimension of the group: total, median, maximum and who has it, highest total first."""
    rows = [
        f"| {escape_cell(d.dimension)} | {figure(d.total)} | {figure(d.median)} | {figure(d.maximum)} | "
        f"{escape_cell(', '.join(d.leaders) or '-')} |"
        for d in facts.dimensions
    ]
    return (
        f"## Dimensions of {_group_heading(facts)}\n\n"
        "| Dimension | Industry total | Median | Maximum | Highest |\n|---|---|---|---|---|\n" + "\n".join(rows)
    )


def _group_heading(facts: IndustryFacts) -> str:
    """`the Financial Group`, or `Edition 2026-Q1` for an overview."""
    title = escape_text(group_title(facts.industry, facts.edition))
    return title if facts.industry == ALL_INDUSTRIES else f"the {title} Group"


def render_industry_blocks(report: IndustryReport) -> list[Block]:
    """Every block of an industry draft, in order."""
    facts = report.facts
    blocks = [
        Block(
            "title",
            "data",
            f"# {escape_text(group_title(facts.industry, facts.edition))}: Technology Investment across {facts.company_count} "
            f"Compan{'y' if facts.company_count == 1 else 'ies'}\n\nPrepared by Naftiko, edition {facts.edition}",
        )
    ]
    for result in report.sections.values():
        body = render_section(result.kind, result.output)
        if result.source is SectionSource.FALLBACK:
            body += (
                "\n\n> **Analyst review:** drafted by the template engine because the model's answers failed "
                "validation; check it before publishing."
            )
        blocks.append(Block(result.id, result.source.value, body, result.input_hash))
        if result.kind.value == "industry_cohort":
            blocks.append(Block(TABLE, "data", dimensions_table(facts)))
    blocks.append(
        Block(
            CLOSING,
            "data",
            f"Industry totals are plain sums of the {facts.company_count} companies' dimension scores in edition "
            f"{facts.edition}; ranks are within the {escape_text(facts.group)} of that edition.",
        )
    )
    return blocks


def render_industry_markdown(report: IndustryReport, texts: list[str] | None = None) -> str:
    """The full industry draft as Markdown (its provenance comment first); `texts`: its blocks as given."""
    provenance = format_provenance(report.provenance.model_dump_json())
    return join_draft(provenance, texts if texts is not None else [b.text() for b in render_industry_blocks(report)])


def written_blocks(text: str) -> list[DraftBlock]:
    """The marked blocks of an industry draft as written (read as a company draft's are: draft_format.parse_blocks)."""
    return parse_blocks(text)[0]


def industry_provenance(text: str) -> dict[str, Any]:
    """An industry draft's provenance as its first line holds it; empty when the text is no industry draft."""
    found = parse_provenance_json(plain_text(text).split("\n", 1)[0])
    try:
        data = json.loads(found) if found is not None else None
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) and data.get("report") == "industry" else {}


def is_industry_draft(text: str) -> bool:
    """Whether a draft's provenance says it is an industry report."""
    return bool(industry_provenance(text))
