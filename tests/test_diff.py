"""`naftiko-writer diff`: drafts aligned by marker, score changes, dependent sections, formats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from tests.conftest import COMPANIES_DIR, VALID_SIGNALS, write


def template_draft(runner: CliRunner, company: str, out: Path, *args: str) -> Path:
    result = runner.invoke(app, ["draft", company, "--engine", "template", "--out", str(out), "-q", *args])
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture
def changed_company(tmp_path: Path) -> Path:
    """Spotify's signals plus one concept that moves one dimension's score."""
    target = tmp_path / "companies"
    shutil.copytree(COMPANIES_DIR / "spotify", target / "spotify")
    with (target / "spotify" / "signals.yaml").open("a") as handle:
        handle.write("  - {kind: concept, name: model registry}\n")
    return target


def diff_json(runner: CliRunner, a: Path, b: Path) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["diff", str(a), str(b), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_draft_diffed_with_itself_has_no_changes(runner: CliRunner, spotify_draft: Path) -> None:
    draft = spotify_draft
    report = diff_json(runner, draft, draft)
    assert report["identical"] is True and report["scores"] == [] and report["sections"] == []
    assert report["unchanged_sections"] == 79
    terminal = runner.invoke(app, ["diff", str(draft), str(draft)])
    assert "No differences: every section and score is the same." in terminal.stdout


def test_one_score_change_reports_the_dimension_and_its_dependent_sections(
    runner: CliRunner, tmp_path: Path, changed_company: Path
) -> None:
    a = template_draft(runner, "spotify", tmp_path / "a.md")
    b = template_draft(runner, "spotify", tmp_path / "b.md", "--companies-dir", str(changed_company))
    report = diff_json(runner, a, b)
    [change] = report["scores"]
    assert change["dimension"] == "model-registry-versioning" and change["delta"] > 0
    statuses = {section["id"]: section["status"] for section in report["sections"]}
    assert statuses["dimension:model-registry-versioning"] == "changed"
    for dependent in ("layer:customization-adaptation", "methodology", "executive-summary"):
        assert statuses[dependent] in ("changed", "inputs-changed"), dependent
    assert "dimension:cloud" not in statuses
    assert report["provenance"]["signals_digest"][0] != report["provenance"]["signals_digest"][1]
    changed = next(s for s in report["sections"] if s["id"] == "dimension:model-registry-versioning")
    ops = {segment["op"] for segment in changed["segments"]}
    assert ops == {"=", "-", "+"}


def test_two_companies_are_compared_by_score(runner: CliRunner, tmp_path: Path) -> None:
    acme = template_draft(runner, str(write(tmp_path / "acme.yaml", VALID_SIGNALS)), tmp_path / "acme.md")
    spotify = template_draft(runner, "spotify", tmp_path / "spotify.md")
    report = diff_json(runner, acme, spotify)
    assert (report["company_a"], report["company_b"]) == ("acme", "spotify")
    assert report["sections"] == []
    assert len(report["scores"]) == 44
    services = next(s for s in report["scores"] if s["dimension"] == "services")
    assert services["b"] == 66 and services["delta"] == 66 - services["a"]
    terminal = runner.invoke(app, ["diff", str(acme), str(spotify)])
    assert "acme" in terminal.stdout and "spotify" in terminal.stdout and "Services" in terminal.stdout


def test_markdown_and_html_diffs_for_sharing(runner: CliRunner, tmp_path: Path, spotify_draft: Path) -> None:
    a = spotify_draft
    b = tmp_path / "b.md"
    b.write_text(
        a.read_text().replace("Open-Source scores 22, fourth", "Open-Source scores 22 <b>and</b> ranks fourth")
    )
    md = runner.invoke(app, ["diff", str(a), str(b), "--format", "md"])
    assert "### `dimension:open-source`: changed" in md.stdout
    assert "**22 &lt;b&gt;and&lt;/b&gt; ranks**" in md.stdout
    out = tmp_path / "diff.html"
    result = runner.invoke(app, ["diff", str(a), str(b), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0 and f"Diff written to {out}" in result.stderr
    page = out.read_text()
    assert "<ins>" in page and "<b>and</b>" not in page


def test_diff_of_a_file_that_is_not_a_draft_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.md", "# notes\n")
    result = runner.invoke(app, ["diff", str(notes), str(notes)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {notes}: the first line is not a naftiko provenance comment")
