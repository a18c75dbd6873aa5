"""Publishable output: `export` / `draft --html`, the SVG chart, and a Chromium screenshot."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.document.chart import TIER_COLOURS, ChartLayer, render_score_chart, tier_of
from naftiko_writer.scoring.taxonomy import load_taxonomy
from tests.conftest import ROOT, TAXONOMY_DIR, write

if TYPE_CHECKING:
    import numpy as np

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
    assert f"<dt>Taxonomy</dt><dd>{load_taxonomy(TAXONOMY_DIR).version}</dd>" in page


def test_analyst_html_is_escaped_not_executed(runner: CliRunner, draft: Path) -> None:
    draft.write_text(
        draft.read_text().replace("Open-Source scores 22,", "Open-Source <script>alert(1)</script> scores 22,")
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


def read_png(data: bytes) -> np.ndarray:
    """A PNG as a height x width x 3 (RGB) array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    import numpy as np  # here, not at the top: only the browser test needs numpy and Pillow (0.15 s to import)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


CHROMIUM_UNAVAILABLE = ROOT / ".ci" / "chromium-unavailable"


def require_chromium(unavailable: Path = CHROMIUM_UNAVAILABLE) -> None:
    """Skip without Debian's chromium, saying why; under CI (CI=true) a missing chromium fails instead.

    .ci/run installs chromium before the tests (.ci/install-chromium); where it cannot (no apt-get,
    no root or sudo), that step writes why into .ci/chromium-unavailable and the test skips with it.
    """
    if shutil.which("chromium") is not None:
        return
    if unavailable.is_file():
        pytest.skip(f"Debian chromium could not be installed: {unavailable.read_text().strip()}")
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but Debian chromium is missing; .ci/run installs it with .ci/install-chromium")
    pytest.skip("Debian chromium is not installed (apt-get install chromium)")


@pytest.mark.parametrize(
    ("ci", "reason", "outcome"),
    [
        ("true", None, "fail"),
        ("true", "apt-get is not available on this machine", "skip"),
        (None, None, "skip"),
    ],
)
def test_a_missing_chromium_skips_saying_why_but_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str | None, reason: str | None, outcome: str
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    unavailable = tmp_path / "chromium-unavailable"
    if reason is not None:
        unavailable.write_text(reason + "\n")
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected) as raised:
        require_chromium(unavailable)
    message = str(raised.value)
    assert (reason or ("CI=true" if outcome == "fail" else "apt-get install chromium")) in message


def _ink(region: np.ndarray) -> float:
    """The share of a region's pixels that are not (near) white."""
    return float((region.min(axis=2) < 230).mean()) if region.size else 0.0


def _near(region: np.ndarray, colour: str, tolerance: int = 14) -> int:
    """How many pixels of a region are within `tolerance` of a #rrggbb colour on every channel."""
    import numpy as np

    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], np.int16)
    return int((np.abs(region.astype(np.int16) - target) <= tolerance).all(axis=2).sum())


def test_the_report_renders_in_headless_chromium_with_its_chart_and_tables_visible(
    runner: CliRunner, tmp_path: Path
) -> None:
    require_chromium()
    draft = tmp_path / "spotify.md"
    assert runner.invoke(app, ["draft", "spotify", "--engine", "template", "--out", str(draft), "-q"]).exit_code == 0
    assert runner.invoke(app, ["export", str(draft)]).exit_code == 0
    png = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot-report"), str(draft.with_suffix(".html")), str(png),
         "--scale", "0.5"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    boxes = json.loads(png.with_suffix(".boxes.json").read_text())
    image = read_png(png.read_bytes())
    scale = boxes["scale"]
    page_width, page_height = boxes["page"][2:]
    assert abs(image.shape[0] - page_height * scale) <= 1 and abs(image.shape[1] - page_width * scale) <= 1
    assert page_height > 5000  # the whole report, not one screen of it

    def region(box: list[float]) -> np.ndarray:
        left, top, width, height = (round(value * scale) for value in box)
        assert width > 50 and height > 50 and top + height <= image.shape[0], box
        return image[top : top + height, left : left + width]

    chart = region(boxes["chart"])
    assert _ink(chart) > 0.05
    for tier, colour in TIER_COLOURS.items():  # bars of every tier Spotify has, drawn in the tier's colour
        if tier != "none":
            assert _near(chart, colour) > 50, tier
    assert len(boxes["tables"]) == 2  # strengths and growth opportunities
    for table in boxes["tables"]:
        cells = region(table)
        assert _ink(cells) > 0.05  # borders and text
        assert _near(cells, "#eef6f8", 3) > 200  # the header row's background
    margin = image[:, : round(100 * scale)]  # left of the 52rem column: nothing drawn there
    assert _ink(margin) == 0.0
    assert png.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
