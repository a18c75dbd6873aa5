"""Publishable output: `export` / `draft --html`, the SVG chart, and a Chromium screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.document.chart import ChartLayer, render_score_chart, tier_of
from tests.conftest import ROOT, write

TIERS = [("mature", 30), ("developing", 10), ("early", 1), ("none", 0)]


@pytest.fixture
def draft(spotify_draft: Path) -> Path:
    """A private copy of the shipped draft and its sidecar."""
    return spotify_draft


def test_export_writes_a_complete_page_with_a_chart(runner: CliRunner, draft: Path) -> None:
    result = runner.invoke(app, ["export", str(draft)])
    assert result.exit_code == 0, result.stderr
    page = draft.with_suffix(".html").read_text()
    assert f"Report written to {draft.with_suffix('.html')}" in result.stderr
    assert page.startswith("<!doctype html>") and "<title>Spotify Technology Investment Impact Report</title>" in page
    assert len(re.findall(r"<h2>Layer \d+: ", page)) == 11
    assert page.count("<table>") == 2 and "<h2>Methodology</h2>" in page
    assert "naftiko:section" not in page and "naftiko:provenance" not in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count("<title>") == 1 + 50  # the chart's title and one per bar (44 dimensions, 6 shown twice)
    assert "<title>Services: 66</title>" in svg
    assert "<dt>Taxonomy</dt><dd>2026.11.1</dd>" in page


def test_analyst_html_is_escaped_not_executed(runner: CliRunner, draft: Path) -> None:
    draft.write_text(
        draft.read_text().replace("Open-Source scores 40,", "Open-Source <script>alert(1)</script> scores 40,")
    )
    assert runner.invoke(app, ["export", str(draft)]).exit_code == 0
    page = draft.with_suffix(".html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_draft_can_publish_html_alongside_the_markdown(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "d.md"
    result = runner.invoke(app, ["draft", "spotify", "--out", str(out), "--html", "--json"])
    assert result.exit_code == 0, result.stderr
    assert out.with_suffix(".html").read_text().count("<section id=") == 79


def test_export_never_overwrites_the_draft(runner: CliRunner, draft: Path) -> None:
    before = draft.read_bytes()
    result = runner.invoke(app, ["export", str(draft), "--out", str(draft)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {draft}: would overwrite the draft")
    assert draft.read_bytes() == before


def test_export_of_a_file_that_is_not_a_draft_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.md", "just notes\n")
    result = runner.invoke(app, ["export", str(notes)])
    assert result.exit_code == 1 and "not a naftiko provenance comment" in result.stderr
    assert not notes.with_suffix(".html").exists()


def test_chart_tiers_and_escaping() -> None:
    assert [tier_of(score, TIERS) for score in (66, 30, 29, 1, 0)] == [
        "mature",
        "mature",
        "developing",
        "early",
        "none",
    ]
    svg = render_score_chart([ChartLayer("R&D <Layer>", [("A & B", 12), ("Zero", 0)])], TIERS)
    assert "R&amp;D &lt;Layer&gt;" in svg and "A &amp; B" in svg
    assert 'width="18"' in svg  # 12 of 100 on a 150-pixel bar
    assert 'fill="#3a9bb0"' in svg  # developing


@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian chromium is not installed (apt-get install chromium)"
)
def test_the_report_renders_in_headless_chromium(runner: CliRunner, draft: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["export", str(draft)]).exit_code == 0
    png = tmp_path / "shot.png"
    result = subprocess.run(
        [str(ROOT / "scripts" / "screenshot-report"), str(draft.with_suffix(".html")), str(png)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 2200)
    assert len(data) > 50_000  # a rendered page, not a blank one
    assert png.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
