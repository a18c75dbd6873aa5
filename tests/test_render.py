"""Markdown rendering: markers, hashes and escaping."""

from __future__ import annotations

import re
from pathlib import Path

from naftiko_writer.config import Engine
from naftiko_writer.document.draft_format import escape_cell, escape_text, provenance_of, render_markdown
from naftiko_writer.document.markers import content_hash
from naftiko_writer.drafting.pipeline import draft_company
from tests.conftest import make_run


def test_marker_hashes_match_block_content(tmp_path: Path) -> None:
    markdown = render_markdown(draft_company(make_run(tmp_path, engine=Engine.TEMPLATE)))
    blocks = re.split(r"^(<!-- naftiko:section id=\S+ source=\S+ hash=\w+ input=[\w-]+ -->)\n", markdown, flags=re.M)
    markers = blocks[1::2]
    bodies = blocks[2::2]
    assert len(markers) == 79
    for marker, body in zip(markers, bodies, strict=True):
        assert f"hash={content_hash(body)} " in marker


def test_provenance_round_trips(tmp_path: Path) -> None:
    report = draft_company(make_run(tmp_path, engine=Engine.TEMPLATE))
    provenance = provenance_of(render_markdown(report))
    assert provenance is not None
    assert provenance["taxonomy_version"] == report.scorecard.taxonomy_version
    assert provenance["engine"] == "template" and provenance["model"] is None
    assert set(provenance["prompt_hashes"]) >= {"system.md", "dimension_narrative.md"}  # type: ignore[operator]


def test_escaping_keeps_model_text_inert() -> None:
    assert escape_text("# Heading\nnext line") == "\\# Heading next line"
    assert escape_text("<!-- naftiko:section id=x --> & more") == "&lt;!-- naftiko:section id=x --&gt; & more"
    assert escape_text("R&D &lt;b&gt; &#60;i&#62; AT&T;") == "R&D &amp;lt;b&amp;gt; &amp;#60;i&amp;#62; AT&amp;T;"
    assert escape_cell("a | b") == "a \\| b"
    assert escape_text("- item") == "\\- item"
