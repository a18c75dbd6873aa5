"""`naftiko-writer industry`: an industry of a stored edition drafted offline from the shipped recordings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.report.industry import IndustryReport
from naftiko_writer.report.model import SectionSource
from tests.conftest import REAL_EDITION, built_once_per_run

INDUSTRIES = ["Consulting", "Convenience Stores", "Events", "Financial", "Games"]
INDUSTRIES += ["Human Resources", "Retail", "Sales", "Toys", "Travel"]


def invoke(runner: CliRunner, store: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["industry", *args, "--edition", REAL_EDITION, "--store", str(store)])


@pytest.fixture(scope="module")
def template_posts(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every industry's post (`<industry>.md`) and the edition overview (`all.md`, with `all.stderr`, what its
    command printed), drafted with the template engine by the CLI once a run. Tests copy what they change."""

    def draft(folder: Path) -> None:
        runner = CliRunner()
        for industry in [*INDUSTRIES, None]:
            args = [industry] if industry is not None else ["--all"]
            out = folder / f"{industry or 'all'}.md"
            result = invoke(runner, real_store, *args, "--engine", "template", "--out", str(out))
            assert result.exit_code == 0, (industry, result.stderr)
            if industry is None:
                (folder / "all.stderr").write_text(result.stderr, encoding="utf-8")

    return built_once_per_run(tmp_path_factory, "template-posts", draft)


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


def test_the_edition_overview_and_every_industry_draft_with_the_template_engine(template_posts: Path) -> None:
    assert "# Edition 2026-Q1: Technology Investment across 18 Companies" in (template_posts / "all.md").read_text()
    assert "All industries, 18 companies of 2026-Q1" in (template_posts / "all.stderr").read_text()


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
    runner: CliRunner, template_posts: Path, tmp_path: Path
) -> None:
    out = tmp_path / "toys.md"
    shutil.copy(template_posts / "Toys.md", out)
    shutil.copy(template_posts / "Toys.json", out.with_suffix(".json"))
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
    assert ">Services</text>" in html  # the highest total has its bar too
    updated = runner.invoke(app, ["draft", "spotify", "--update", str(out), "--engine", "template"])
    assert updated.exit_code == 1
    assert updated.stderr.startswith(f"Error: {out}: is an industry draft (of 'Toys' in '2026-Q1'); `draft --update`")


def test_template_drafts_of_every_industry_check_clean_and_check_finds_what_no_longer_holds(
    runner: CliRunner, real_store: Path, template_posts: Path, tmp_path: Path
) -> None:
    from tests.conftest import write

    tmp_path = shutil.copytree(template_posts, tmp_path / "posts")  # drafted by the CLI (template_posts)
    for industry in [*INDUSTRIES, None]:
        out = tmp_path / f"{industry or 'all'}.md"
        checked = runner.invoke(app, ["check", str(out), "--store", str(real_store), "--json"])
        assert checked.exit_code == 0, (industry, checked.stdout)
        assert json.loads(checked.stdout)["ok"]
    financial = tmp_path / "Financial.md"
    financial.write_text(financial.read_text().replace("total signal score of 7,584", "total signal score of 7,999"))
    edited = runner.invoke(app, ["check", str(financial), "--store", str(real_store), "--json"])
    assert edited.exit_code == 1
    found = json.loads(edited.stdout)
    assert found["edited"] == ["industry-cohort"]
    assert [f["value"] for f in found["findings"]] == ["7999"]
    # A Financial company added late: the draft's totals no longer hold, and check says what the edition holds now.
    store = tmp_path / "late.sqlite"
    shutil.copy(real_store, store)
    late = write(
        tmp_path / "late" / "signals.yaml",
        "company: {name: Late Bank, slug: late-bank, as_of: 2026-03-01}\n"
        "signals:\n  - {kind: service, name: Amazon Web Services}\n  - {kind: service, name: Snowflake}\n",
    )
    industries_file = write(tmp_path / "industries.yaml", "late-bank: Financial\n")
    add = ["edition", "add", REAL_EDITION, str(late), "--industries", str(industries_file), "--store", str(store)]
    assert runner.invoke(app, add).exit_code == 0
    toys_unchanged = runner.invoke(app, ["check", str(tmp_path / "Toys.md"), "--store", str(store)])
    assert toys_unchanged.exit_code == 0
    stale = runner.invoke(app, ["check", str(tmp_path / "Consulting.md"), "--store", str(store)])
    assert stale.exit_code == 0  # another industry's late company changes nothing here
    overview = runner.invoke(app, ["check", str(tmp_path / "all.md"), "--store", str(store), "--json"])
    assert overview.exit_code == 1
    messages = [f["message"] for f in json.loads(overview.stdout)["findings"]]
    assert any("the table's industry total is" in m and "the edition now says" in m for m in messages)


def test_each_drafts_every_industry_and_reports_the_ones_without_recordings(
    runner: CliRunner, real_store: Path, tmp_path: Path
) -> None:
    env = {"NAFTIKO_WRITER_DRAFTS_DIR": str(tmp_path / "drafts")}
    template = runner.invoke(
        app,
        ["industry", "--each", "--edition", REAL_EDITION, "--store", str(real_store), "--engine", "template", "--json"],
        env=env,
    )
    assert template.exit_code == 0, template.stderr
    rows = json.loads(template.stdout)
    assert len(rows) == 10 and all(row["error"] is None and Path(row["markdown"]).is_file() for row in rows)
    assert "# Financial: Technology Investment across 4 Companies" in Path(rows[3]["markdown"]).read_text()
    replayed = runner.invoke(
        app, ["industry", "--each", "--edition", REAL_EDITION, "--store", str(real_store), "--json"], env=env
    )
    assert replayed.exit_code == 1  # only Financial has shipped recordings: the others are reported, Financial written
    written = {row["industry"] for row in json.loads(replayed.stdout) if row["error"] is None}
    assert written == {"Financial"} and "Error: Travel: no recording for section" in replayed.stderr
    mixed = invoke(runner, real_store, "Toys", "--each")
    assert mixed.exit_code == 1 and mixed.stderr.startswith("Error: --each drafts every industry to the default folder")
