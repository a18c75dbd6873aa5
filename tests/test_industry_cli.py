"""`naftiko-writer industry`: an industry of a stored edition drafted offline from the shipped recordings."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.report.industry import IndustryReport
from naftiko_writer.report.model import SectionSource
from tests.conftest import REAL_EDITION


def invoke(runner: CliRunner, store: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["industry", *args, "--edition", REAL_EDITION, "--store", str(store)])


def test_the_financial_industry_drafts_offline_from_the_shipped_recordings(
    runner: CliRunner, real_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "financial.md"
    result = invoke(runner, real_store, "financial", "--out", str(out), "--json")  # any case finds the industry
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["markdown"] == str(out) and printed["summary"]["calls"] == 5
    report = IndustryReport.model_validate_json(Path(printed["sidecar"]).read_text())
    assert {section.source for section in report.sections.values()} == {SectionSource.MODEL}
    assert report.provenance.recording_sources == ["authored"]
    text = out.read_text()
    assert "Goldman Sachs is the all-rounder of the group" in text
    assert "| Services | 818 | 207 | 274 | JP Morgan Chase |" in text


def test_the_edition_overview_and_every_industry_draft_with_the_template_engine(
    runner: CliRunner, real_store: Path, tmp_path: Path
) -> None:
    result = invoke(runner, real_store, "--all", "--engine", "template", "--out", str(tmp_path / "all.md"))
    assert result.exit_code == 0, result.stderr
    assert "# All industries: Technology Investment across 18 Companies" in (tmp_path / "all.md").read_text()
    assert "All industries, 18 companies of 2026-Q1" in result.stderr


def test_wrong_industries_and_missing_options_are_one_line_each(runner: CliRunner, real_store: Path) -> None:
    unknown = invoke(runner, real_store, "Banking")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error: no industry 'Banking' in 2026-Q1 (industries: Consulting, ")
    both = invoke(runner, real_store, "Toys", "--all")
    assert both.exit_code == 1 and both.stderr == "Error: give one INDUSTRY, or --all for the edition overview\n"
    no_edition = runner.invoke(app, ["industry", "Toys", "--store", str(real_store)])
    assert no_edition.exit_code == 1 and "pass --edition EDITION" in no_edition.stderr


def test_a_replay_miss_names_the_industry_command_that_records(runner: CliRunner, real_store: Path) -> None:
    result = invoke(runner, real_store, "Toys")
    assert result.exit_code == 1
    assert "re-record with `naftiko-writer industry Toys --edition 2026-Q1 --mode record`" in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_industry_draft_exports_with_a_chart_of_its_totals_and_check_says_what_it_is(
    runner: CliRunner, real_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "toys.md"
    drafted = invoke(runner, real_store, "Toys", "--engine", "template", "--out", str(out))
    assert drafted.exit_code == 0, drafted.stderr
    text = out.read_text().replace("## Leaders", "## Leaders\n\n<b>raw</b> an analyst's [link](https://x.example) line")
    out.write_text(text)
    page = tmp_path / "toys.html"
    exported = runner.invoke(app, ["export", str(out), "--out", str(page)])
    assert exported.exit_code == 0, exported.stderr
    html = page.read_text()
    assert "<title>Toys: Technology Investment across 2 Companies</title>" in html
    assert html.count('<rect x="230"') == 15 and 'aria-label="Industry totals by dimension"' in html
    assert "<b>raw</b>" not in html and "&lt;b&gt;raw&lt;/b&gt;" in html  # the analyst's edit, never raw HTML
    assert "naftiko:section" not in html
    checked = runner.invoke(app, ["check", str(out)])
    assert checked.exit_code == 1
    assert checked.stderr.startswith(f"Error: {out}: is an industry draft (of 'Toys' in '2026-Q1'); check, diff")
