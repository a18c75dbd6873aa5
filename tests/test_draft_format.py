"""The draft format: headings defined once, and blocks read as export renders them (markdown-it)."""

from __future__ import annotations

from naftiko_writer.document.draft_format import (
    DraftBlock,
    dimension_heading,
    dimension_heading_line,
    headings,
    layer_heading,
    layer_heading_line,
    readable_parts,
    stated_score,
    table_rows,
)
from naftiko_writer.report.sections import score_label


def block(block_id: str, body: str) -> DraftBlock:
    return DraftBlock(block_id, "model", "0" * 12, "-", "<!-- marker -->", body, 3)


def test_headings_are_written_and_read_from_one_definition() -> None:
    line = dimension_heading_line("Cloud Native", 45)
    assert line == "### Cloud Native – Score: 45"
    assert dimension_heading(block("dimension:cloud", f"{line}\n\nText.")) == ("Cloud Native", 45)
    assert layer_heading_line(2, "Data Layer") == "## Layer 2: Data Layer"
    assert layer_heading(block("layer:data", "## Layer 2: Data Layer\n\nText.")) == "Layer 2: Data Layer"
    assert score_label(7) == "Score: 7" and stated_score("Score: 7 ") == "7" and stated_score("Score: 7 x") is None


def test_only_what_renders_as_a_heading_is_a_heading() -> None:
    fenced = "Text.\n\n```\n### Cloud – Score: 99\n```\n\n### Cloud – Score: 45"
    assert dimension_heading(block("dimension:cloud", fenced)) == ("Cloud", 45)
    assert headings(fenced) == [(3, "Cloud – Score: 45")]
    assert headings("Strategic Assessment\n====================\n\nText.") == [(1, "Strategic Assessment")]
    assert dimension_heading(block("dimension:cloud", "    ### Cloud – Score: 45")) is None  # a code block


def test_readable_parts_are_the_text_a_reader_sees() -> None:
    body = (
        "### Cloud – Score: 45\n\n"
        "Spotify runs \\[Kubernetes\\] &amp; **Terraform**,\nsee [the report](https://example.com/2024).\n\n"
        "> **Analyst review:** drafted by the template engine (3 problems).\n\n"
        "| Area | Evidence |\n|---|---|\n| Cloud \\| Edge | Score: 45 |"
    )
    found_headings, texts = readable_parts(body)
    assert found_headings == ["### Cloud – Score: 45"]
    assert texts == [
        "Spotify runs [Kubernetes] & Terraform, see the report.",  # the link's address is not shown, so not read
        "Area",
        "Evidence",
        "Cloud | Edge",
        "Score: 45",
    ]
    assert table_rows(body) == [["Cloud | Edge", "Score: 45"]]
