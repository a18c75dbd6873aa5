"""`industry --update`: an industry post re-drafted from the next edition (or its own), keeping every edit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.report.industry import IndustryReport
from tests.conftest import REAL_DIR, REAL_EDITION, REAL_INDUSTRIES

EDIT = "ANALYST EDIT. "


@pytest.fixture
def store(real_store: Path, tmp_path: Path) -> Path:
    """The shared edition 2026-Q1, and a 2026-Q2 of three of its Financial companies, one of them changed."""
    copy = tmp_path / "editions.sqlite"
    shutil.copy(real_store, copy)
    q2 = tmp_path / "q2"
    for slug in ("goldman-sachs", "allianz", "bloomberg"):
        shutil.copytree(REAL_DIR / slug, q2 / slug)
    with (q2 / "allianz" / "services.yml").open("a", encoding="utf-8") as services:
        services.write("- Pulumi\n- DigitalOcean\n")
    args = ["edition", "add", "2026-Q2", *(str(q2 / s) for s in ("goldman-sachs", "allianz", "bloomberg"))]
    added = CliRunner().invoke(app, [*args, "--industries", str(REAL_INDUSTRIES), "--store", str(copy), "--quiet"])
    assert added.exit_code == 0, added.stderr
    return copy


def industry(runner: CliRunner, store: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["industry", *args, "--store", str(store), "--engine", "template"])


def edited_draft(runner: CliRunner, store: Path, tmp_path: Path) -> Path:
    """A Financial draft of 2026-Q1 whose leaders section the analyst edited and whose spread they deleted."""
    draft = tmp_path / "financial.md"
    assert industry(runner, store, "Financial", "--edition", REAL_EDITION, "--out", str(draft)).exit_code == 0
    text = draft.read_text()
    text = text.replace("Ranked within the 4 Financial companies", f"{EDIT}Ranked within the 4 Financial companies")
    start = text.index("<!-- naftiko:section id=industry-spread ")
    end = text.index("<!-- naftiko:section id=", start + 1)
    draft.write_text(text[:start] + text[end:])
    return draft


def test_an_update_into_the_next_edition_keeps_edits_flags_stale_ones_and_redrafts_the_rest(
    runner: CliRunner, store: Path, tmp_path: Path
) -> None:
    draft = edited_draft(runner, store, tmp_path)
    result = industry(runner, store, "--update", str(draft), "--edition", "2026-Q2", "--json")
    assert result.exit_code == 0, result.stderr
    text = draft.read_text()
    leaders = text.split("id=industry-leaders ", 1)[1].split("<!-- naftiko:section", 1)[0]
    assert EDIT in leaders and "**Analyst review:** you edited this section" in leaders  # its data changed
    assert "id=industry-spread " not in text  # deleted by the analyst: stays deleted
    assert "The Financial cohort of 2026-Q2 holds 3 companies" in text  # redrafted from the new edition
    assert "# Financial: Technology Investment across 3 Companies" in text and "edition 2026-Q2" in text
    report = IndustryReport.model_validate_json(draft.with_suffix(".json").read_text())
    assert report.provenance.edition == "2026-Q2" and "industry-leaders" in report.summary.kept_stale
    assert len(list(tmp_path.glob("financial.*.bak.md"))) == 1  # the previous draft, kept
    checked = runner.invoke(app, ["check", str(draft), "--store", str(store), "--json"])
    sections = {finding["section"] for finding in json.loads(checked.stdout)["findings"]}
    assert checked.exit_code == 1 and "industry-leaders" in sections  # the edit's Q1 figures do not hold in Q2


def test_an_update_among_its_own_edition_reuses_every_section_and_reset_takes_the_new_draft(
    runner: CliRunner, store: Path, tmp_path: Path
) -> None:
    draft = edited_draft(runner, store, tmp_path)
    again = industry(runner, store, "--update", str(draft))  # the draft's own industry and edition
    assert again.exit_code == 0, again.stderr
    assert "Financial, 4 companies of 2026-Q1" in again.stderr and "kept 1 edited (0 over changed data)" in again.stderr
    assert EDIT in draft.read_text() and "**Analyst review:**" not in draft.read_text()
    reset = industry(runner, store, "--update", str(draft), "--reset", "industry-leaders")
    assert reset.exit_code == 0, reset.stderr
    assert EDIT not in draft.read_text() and "Ranked within the 4 Financial companies" in draft.read_text()


def test_industry_update_mistakes_are_one_line_each(
    runner: CliRunner, store: Path, tmp_path: Path, spotify_draft: Path
) -> None:
    draft = edited_draft(runner, store, tmp_path)
    cases = {
        ("--update", str(spotify_draft)): f"Error: {spotify_draft}: is not an industry draft; update a company "
        "draft with `draft --update`\n",
        ("Toys", "--update", str(draft)): "Error: --update re-drafts the draft's own industry: give no INDUSTRY and "
        "no --all with it\n",
        ("Financial", "--edition", REAL_EDITION, "--reset", "industry-leaders"): "Error: --reset names sections of "
        "the draft to --update; give --update DRAFT with it\n",
        ("--update", str(draft), "--reset", "industry-nowhere"): f"Error: --reset industry-nowhere: {draft} has no "
        "such section; sections are the ids of its markers (industry-cohort, industry-leaders, industry-spread, "
        "industry-signals, industry-waves)\n",
    }
    for args, message in cases.items():
        result = industry(runner, store, *args)
        assert (result.exit_code, result.stderr) == (1, message), args
    draft.with_suffix(".json").unlink()
    orphan = industry(runner, store, "--update", str(draft))
    assert orphan.exit_code == 1 and "--update needs the draft's JSON sidecar" in orphan.stderr


def test_diff_compares_two_industry_posts_section_by_section_with_their_totals(
    runner: CliRunner, store: Path, tmp_path: Path, spotify_draft: Path
) -> None:
    q1, q2 = tmp_path / "q1.md", tmp_path / "q2.md"
    assert industry(runner, store, "Financial", "--edition", REAL_EDITION, "--out", str(q1)).exit_code == 0
    assert industry(runner, store, "Financial", "--edition", "2026-Q2", "--out", str(q2)).exit_code == 0
    result = runner.invoke(app, ["diff", str(q1), str(q2), "--json"])
    assert result.exit_code == 0, result.stderr
    diff = json.loads(result.stdout)
    assert (diff["company_a"], diff["company_b"], diff["provenance"]) == (
        "Financial", "Financial", {"edition": [REAL_EDITION, "2026-Q2"]}
    )  # fmt: skip
    services = next(change for change in diff["scores"] if change["dimension"] == "Services")
    assert (services["a"], services["b"]) == (818, 546)  # JP Morgan Chase is not in 2026-Q2; Allianz gained 2
    assert {"industry-cohort", "industry-dimensions"} <= {section["id"] for section in diff["sections"]}
    same = json.loads(runner.invoke(app, ["diff", str(q1), str(q1), "--json"]).stdout)
    assert same["identical"] and same["unchanged_sections"] == 8  # title, 5 sections, table, closing
    mixed = runner.invoke(app, ["diff", str(q1), str(spotify_draft)])
    assert (mixed.exit_code, mixed.stderr) == (
        1, f"Error: {q1} is an industry draft and the other a company draft; diff compares drafts of one kind\n"
    )  # fmt: skip


def test_a_draft_saved_with_windows_line_endings_and_a_bom_is_read_as_written(
    runner: CliRunner, store: Path, tmp_path: Path
) -> None:
    draft = edited_draft(runner, store, tmp_path)
    draft.write_bytes(b"\xef\xbb\xbf" + draft.read_text().replace("\n", "\r\n").encode())
    result = industry(runner, store, "--update", str(draft))
    assert result.exit_code == 0, result.stderr
    assert "kept 1 edited (0 over changed data)" in result.stderr  # only the analyst's edit, not every CRLF block
