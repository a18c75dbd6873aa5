"""Every company of an edition drafted in one command: `draft --all --edition` and `batch build --all --edition`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.editions.cohort import read_sources
from tests.conftest import REAL_DIR, REAL_INDUSTRIES


@pytest.fixture
def edition(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store whose edition 2026-Q1 holds two companies added by relative paths; the run then moves away."""
    data = tmp_path / "data"
    for slug in ("goldman-sachs", "allianz"):
        shutil.copytree(REAL_DIR / slug, data / slug)
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "editions.sqlite"
    args = ["edition", "add", "2026-Q1", "data/goldman-sachs", "data/allianz", "--industries", str(REAL_INDUSTRIES)]
    added = runner.invoke(app, [*args, "--store", str(store), "--quiet"])
    assert added.exit_code == 0, added.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return store


def test_an_edition_keeps_each_source_as_an_absolute_path(edition: Path, tmp_path: Path) -> None:
    assert read_sources(edition, "2026-Q1") == [
        str(tmp_path / "data" / "allianz"),
        str(tmp_path / "data" / "goldman-sachs"),
    ]


def test_draft_all_with_an_edition_drafts_every_company_of_it_from_anywhere(
    runner: CliRunner, edition: Path, tmp_path: Path
) -> None:
    args = ["draft", "--all", "--edition", "2026-Q1", "--store", str(edition), "--engine", "template", "--json"]
    result = runner.invoke(app, [*args, "--quiet"], env={"NAFTIKO_WRITER_DRAFTS_DIR": str(tmp_path / "drafts")})
    assert result.exit_code == 0, result.stderr
    drafts = sorted(Path(row["markdown"]) for row in json.loads(result.stdout))
    assert [path.parent.name for path in drafts] == ["allianz", "goldman-sachs"]
    assert all("of 2 Financial companies in 2026-Q1" in path.read_text() for path in drafts)


def test_batch_build_all_with_an_edition_batches_every_company_of_it(
    runner: CliRunner, edition: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    args = ["batch", "build", "--all", "--edition", "2026-Q1", "--store", str(edition), "--out", str(folder), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    state = json.loads((folder / "state.json").read_text())
    assert [c["company"] for c in state["companies"]] == read_sources(edition, "2026-Q1")
    unknown = runner.invoke(app, [*args[:4], "2026-Q9", *args[5:-3], "--out", str(tmp_path / "b2")])
    assert unknown.exit_code == 1
    assert unknown.stderr == "Error: no edition '2026-Q9' in the store (editions: 2026-Q1); `edition list` shows them\n"
