"""The offline Spotify draft against its stored golden file.

Regenerate after an intended change: python -m pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import re
from pathlib import Path

from naftiko_writer.config import RecordMode
from naftiko_writer.document.draft_format import render_markdown
from naftiko_writer.drafting.pipeline import draft_company
from tests.conftest import RECORDINGS_DIR, make_run

GOLDEN = Path(__file__).resolve().parent / "golden" / "spotify.md"


def spotify_markdown(tmp_path: Path) -> str:
    report = draft_company(make_run(tmp_path, mode=RecordMode.REPLAY, api_key=None, recordings_dir=RECORDINGS_DIR))
    return render_markdown(report)


def test_spotify_draft_matches_golden(tmp_path: Path, update_golden: bool) -> None:
    markdown = spotify_markdown(tmp_path)
    if update_golden:
        GOLDEN.write_text(markdown)
    assert markdown == GOLDEN.read_text()


def test_golden_draft_is_complete() -> None:
    markdown = GOLDEN.read_text()
    assert markdown.startswith("<!-- naftiko:provenance ")
    assert "# Spotify Technology Investment Impact Report" in markdown
    assert "Prepared by Naftiko, March 2026" in markdown
    assert "## Executive Summary" in markdown
    assert len(re.findall(r"^## Layer \d+: ", markdown, re.M)) == 11
    assert len(re.findall(r"^### .+ – Score: \d+$", markdown, re.M)) == 50  # 44 dimensions + 6 shown twice
    assert markdown.count("**Key Takeaway:**") >= 10
    assert markdown.count("**Relevant Waves:**") == 10
    for heading in (
        "## Strategic Assessment",
        "### Strengths",
        "### Growth Opportunities",
        "## Wave Alignment",
        "## Methodology",
    ):
        assert heading in markdown
    assert "| Area | Evidence |" in markdown and "| Area | Current State | Opportunity |" in markdown
    # 61 drafted sections, 6 references to shared dimensions, 10 waves lines, the title and the closing line
    assert markdown.count("<!-- naftiko:section id=") == 61 + 6 + 10 + 2
    assert "Analyst review" not in markdown
