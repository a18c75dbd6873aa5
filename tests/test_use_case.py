"""The use cases: draft a company to files, update a draft in place, check a draft file (template engine, no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko_writer.config import Engine
from naftiko_writer.document.draft_files import load_draft
from naftiko_writer.drafting.pipeline import DraftEvent, EventKind
from naftiko_writer.drafting.use_case import DraftInterrupted, DraftTarget, draft_to_files
from naftiko_writer.review.update import check_file, update_to_files
from tests.conftest import RECORDINGS_DIR, make_run

STAMP = "20261124T000000Z"


def test_draft_to_files_writes_the_draft_where_the_slug_says_and_drops_the_checkpoint(tmp_path: Path) -> None:
    events: list[DraftEvent] = []
    outcome = draft_to_files(make_run(tmp_path, engine=Engine.TEMPLATE), DraftTarget(tmp_path, STAMP), events.append)
    assert outcome.files.markdown == tmp_path / "spotify" / f"{STAMP}.md"
    assert outcome.files.markdown.is_file() and outcome.files.sidecar.is_file()
    assert outcome.checkpoint == tmp_path / "spotify" / ".checkpoint.jsonl"
    assert not outcome.checkpoint.exists()  # a complete draft's checkpoint has served
    assert sorted(path.name for path in (tmp_path / "spotify").iterdir()) == [f"{STAMP}.json", f"{STAMP}.md"]
    assert outcome.report.summary.wall_seconds > 0
    assert sum(event.kind is EventKind.FINISHED for event in events) == 61
    assert load_draft(outcome.files.markdown).provenance == outcome.report.provenance


def test_ctrl_c_during_a_draft_names_the_checkpoint_that_keeps_the_finished_sections(tmp_path: Path) -> None:
    finished: list[str] = []

    def interrupt(event: DraftEvent) -> None:
        if event.kind is EventKind.FINISHED:
            finished.append(event.section_id)
            if len(finished) == 5:
                raise KeyboardInterrupt

    out = tmp_path / "acme.md"
    replayed = make_run(tmp_path, recordings_dir=RECORDINGS_DIR)  # a model answers: the template engine keeps none
    with pytest.raises(DraftInterrupted) as caught:
        draft_to_files(replayed, DraftTarget(tmp_path, STAMP, out), interrupt)
    assert caught.value.checkpoint == tmp_path / "acme.checkpoint.jsonl"
    assert caught.value.checkpoint.is_file() and not out.exists()
    assert isinstance(caught.value, KeyboardInterrupt)  # Ctrl-C still ends the program where it is not handled


def test_update_to_files_rewrites_in_place_keeping_an_edit_and_backs_up(tmp_path: Path) -> None:
    job = make_run(tmp_path, engine=Engine.TEMPLATE)
    first = draft_to_files(job, DraftTarget(tmp_path, STAMP, tmp_path / "spotify.md")).files.markdown
    edited = first.read_text().replace("Prepared by Naftiko", "Prepared by the analyst")
    first.write_text(edited)
    outcome = update_to_files(first, job, DraftTarget(tmp_path, "20261125T000000Z"))
    assert outcome.files.markdown == first
    assert outcome.backup is not None and outcome.backup.read_text() == edited
    assert "Prepared by the analyst" in first.read_text()
    assert outcome.updated.kept == ["title"] and outcome.updated.regenerated == []
    assert not outcome.checkpoint.exists()


def test_check_file_reads_the_company_from_the_draft_unless_given(tmp_path: Path) -> None:
    job = make_run(tmp_path, engine=Engine.TEMPLATE)
    drafted = draft_to_files(job, DraftTarget(tmp_path, STAMP, tmp_path / "spotify.md")).files.markdown
    report = check_file(drafted, job.sources)
    assert report.ok and report.company == "spotify" and report.sections == 79
