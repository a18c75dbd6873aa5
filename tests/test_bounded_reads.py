"""Every file the tool reads outside the data-file loader is read bounded: no pipe blocks it, no device feeds it forever."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.errors import InputError
from naftiko_writer.files import read_text_bounded
from tests.conftest import REAL_DIR


def test_batch_results_that_are_a_pipe_are_refused_without_waiting(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    built = runner.invoke(app, ["batch", "build", str(REAL_DIR / "accord"), "--out", str(folder), "--json"])
    assert built.exit_code == 0, built.stderr
    results = tmp_path / "results.jsonl"
    os.mkfifo(results)
    collected = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results)])
    assert collected.exit_code == 1
    assert f"Error: {results}: is not a regular file (a pipe or a device?); give a data file\n" in collected.stderr


def test_the_bounded_reader_stops_at_its_limit_and_names_what_it_read(tmp_path: Path) -> None:
    big = tmp_path / "state.json"
    big.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match=r"is larger than the 100-byte limit; a data file is smaller$"):
        read_text_bounded(big, 100, "the batch state")
    latin = tmp_path / "latin.yml"
    latin.write_bytes("- Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"a list is not UTF-8 text \(invalid continuation byte at byte 5\)"):
        read_text_bounded(latin, 100, "a list")
    bom = tmp_path / "bom.yml"
    bom.write_bytes("\ufeff- AWS\n".encode())
    assert read_text_bounded(bom, 100, "a list") == "- AWS\n"
    with pytest.raises(FileNotFoundError):
        read_text_bounded(tmp_path / "absent.yml", 100, "a list")


def test_a_companies_list_beside_the_company_folders_is_not_taken_for_a_company(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "companies"
    for slug in ("adp", "lego"):
        shutil.copytree(REAL_DIR / slug, folder / slug)
    (folder / "industries.yaml").write_text('adp: {name: "ADP", industry: "Human Resources"}\nlego: Toys\n')
    (folder / "broken.yaml").write_text("company: {name: X}\n")  # a company file with problems is still read
    result = runner.invoke(
        app,
        ["draft", str(folder), "--engine", "template", "--json", "--quiet"],
        env={"NAFTIKO_WRITER_DRAFTS_DIR": str(tmp_path / "drafts")},
    )
    rows = {Path(row["company"]).name: row for row in json.loads(result.stdout)}
    assert set(rows) == {"adp", "lego", "broken.yaml"} and rows["broken.yaml"]["error"]
    assert rows["adp"]["markdown"] and rows["lego"]["markdown"]


def test_a_draft_lock_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    from naftiko_writer.document.draft_files import draft_lock

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    message = r"cannot create the lock of .*draft\.md \(File exists\); check the folder$"  # mkdir meets a file
    with pytest.raises(InputError, match=message), draft_lock(blocker / "draft.md.lock", tmp_path / "draft.md"):
        pass
