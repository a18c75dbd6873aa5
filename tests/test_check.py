"""`naftiko-writer check`: edited numbers and names, overrides, damaged and foreign drafts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.document.draft_format import parse_draft
from tests.conftest import COMPANIES_DIR, VALID_SIGNALS, write


@pytest.fixture
def draft(spotify_draft: Path) -> Path:
    """A private copy of the shipped draft and its sidecar."""
    return spotify_draft


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def check(runner: CliRunner, path: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["check", str(path), *args])


def test_a_fresh_draft_checks_clean(runner: CliRunner, draft: Path) -> None:
    result = check(runner, draft)
    assert result.exit_code == 0, result.stdout
    assert "OK: 79 sections checked against spotify (none edited)" in result.stdout


def test_an_edited_heading_score_is_caught_with_the_expected_value(runner: CliRunner, draft: Path) -> None:
    edit(draft, "### Cloud – Score: 22", "### Cloud – Score: 35")
    result = check(runner, draft, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["edited"] == ["dimension:cloud"]
    [finding] = report["findings"]
    assert finding["section"] == "dimension:cloud" and finding["kind"] == "score" and finding["value"] == "35"
    assert finding["message"] == "the heading states Score: 35; the ScoreCard says 22"


def test_an_edited_number_in_prose_is_caught(runner: CliRunner, draft: Path) -> None:
    edit(draft, "Open-Source scores 22, fourth of 44.", "Open-Source scores 45, fourth of 44.")
    result = check(runner, draft)
    assert result.exit_code == 1
    assert "dimension:open-source" in result.stdout and "1 problem(s)" in result.stdout
    findings = json.loads(check(runner, draft, "--json").stdout)["findings"]
    assert [(f["section"], f["kind"], f["value"], f["message"]) for f in findings] == [
        (
            "dimension:open-source",
            "number",
            "45",
            "states 45, which is not a score, rank or count in this section's data",
        ),
    ]


def test_a_name_outside_the_evidence_is_caught(runner: CliRunner, draft: Path) -> None:
    edit(draft, "Open-Source scores 22, fourth of 44.", "Open-Source scores 22, fourth of 44, helped by LangChain.")
    report = json.loads(check(runner, draft, "--json").stdout)
    assert [(f["kind"], f["value"]) for f in report["findings"]] == [("name", "LangChain")]


def test_an_acknowledged_override_is_not_reported(runner: CliRunner, draft: Path) -> None:
    edit(
        draft,
        "Open-Source scores 22, fourth of 44.",
        "Open-Source scores 22, fourth of 44, across 45 public repositories.\n\n"
        '<!-- naftiko:override value="45" reason="count from the GitHub organisation page" -->',
    )
    result = check(runner, draft, "--json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert [(f["section"], f["value"]) for f in report["acknowledged"]] == [("dimension:open-source", "45")]


def test_a_removed_section_and_a_damaged_marker_are_reported(runner: CliRunner, draft: Path) -> None:
    text = draft.read_text()
    start = text.index("<!-- naftiko:section id=dimension:cloud ")
    end = text.index("<!-- naftiko:section id=", start + 10)
    text = text[:start] + text[end:]
    text = text.replace(
        "<!-- naftiko:section id=methodology source=model hash=", "<!-- naftiko:section id=methodology hash="
    )
    draft.write_text(text)
    report = json.loads(check(runner, draft, "--json").stdout)
    kinds = {(f["section"], f["kind"]) for f in report["findings"]}
    assert ("dimension:cloud", "missing") in kinds
    assert ("methodology", "missing") in kinds
    assert ("marker", "marker") in kinds


def test_a_truncated_draft_gives_a_report_not_a_traceback(runner: CliRunner, draft: Path) -> None:
    text = draft.read_text()
    draft.write_text(text[: len(text) // 2])
    before = draft.read_bytes()
    result = check(runner, draft)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "missing from the draft" in result.stdout
    assert draft.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty; it is not a naftiko-writer draft"),
        ("# Some notes\n", "the first line is not a naftiko provenance comment"),
        ("<!-- naftiko:provenance {broken -->\n", "the first line is not a naftiko provenance comment"),
        ('<!-- naftiko:provenance {"tool_version": "0.1.0"} -->\n', "the provenance comment on line 1 is damaged"),
    ],
)
def test_files_that_are_not_drafts_give_one_clear_error(
    runner: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    path = write(tmp_path / "notes.md", content)
    result = check(runner, path)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_text() == content


def test_a_missing_draft_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = check(runner, tmp_path / "nope.md")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'nope.md'}: no such draft")


def test_a_draft_of_another_company_is_refused(runner: CliRunner, draft: Path, tmp_path: Path) -> None:
    other = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    result = check(runner, draft, "--company", str(other))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {draft} is a draft of spotify, not acme;")


def test_changed_signals_are_noted(runner: CliRunner, draft: Path, tmp_path: Path) -> None:
    companies = tmp_path / "companies"
    shutil.copytree(COMPANIES_DIR / "spotify", companies / "spotify")
    with (companies / "spotify" / "signals.yaml").open("a") as handle:
        handle.write("  - {kind: concept, name: model registry}\n")
    result = check(runner, draft, "--companies-dir", str(companies), "--json")
    report = json.loads(result.stdout)
    assert any("signals changed since this draft" in note for note in report["notes"])
    assert any(f["section"] == "dimension:model-registry-versioning" for f in report["findings"])


def test_parse_keeps_text_after_a_damaged_marker_in_the_block_before(shipped_draft: Path) -> None:
    text = shipped_draft.read_text().replace(
        "<!-- naftiko:section id=methodology source=model", "<!-- naftiko:section id=methodology src=model"
    )
    document = parse_draft(text, "x.md")
    assert "methodology" not in document.ids
    before = document.blocks[document.ids.index("wave-alignment")]
    assert "## Methodology" in before.body and before.edited
    assert [d.problem for d in document.damaged] == ["is not an intact naftiko marker"]
