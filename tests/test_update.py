"""`draft --update`: only changed sections are re-drafted; analyst edits survive verbatim."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.testing import FakeModelTransport
from tests.conftest import COMPANIES_DIR, FAKE_BASE_URL, VALID_SIGNALS, invoke_draft, write

CLOUD_EDIT = "Analyst note: the two-cloud strategy is deliberate and confirmed with the customer."


@pytest.fixture
def companies(tmp_path: Path) -> Path:
    target = tmp_path / "companies"
    shutil.copytree(COMPANIES_DIR / "spotify", target / "spotify")
    return target


def live_draft(runner: CliRunner, companies: Path, *args: str):  # type: ignore[no-untyped-def]
    """A live draft through the CLI; the `fake_model` fixture answers in process."""
    return invoke_draft(runner, FAKE_BASE_URL, "--companies-dir", str(companies), "--quiet", *args)


def append_to_block(path: Path, section_id: str, text: str) -> str:
    """Add a sentence at the end of one block; return that block's new text."""
    draft = path.read_text()
    start = draft.index(f"<!-- naftiko:section id={section_id} ")
    end = draft.index("\n\n<!-- naftiko:section id=", start)
    block = draft[start:end] + "\n\n" + text
    path.write_text(draft[:start] + block + draft[end:])
    return block


def test_update_redrafts_exactly_the_changed_sections_and_keeps_edits(
    runner: CliRunner, tmp_path: Path, companies: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-update")
    draft = tmp_path / "spotify.md"
    assert live_draft(runner, companies, "--out", str(draft)).exit_code == 0
    assert len(fake_model.requests) == 61
    before = json.loads(draft.with_suffix(".json").read_text())
    kept_cloud = append_to_block(draft, "dimension:cloud", CLOUD_EDIT)
    kept_registry = append_to_block(draft, "dimension:model-registry-versioning", "Analyst note: see appendix.")
    edited_text = draft.read_text()
    with (companies / "spotify" / "signals.yaml").open("a") as handle:
        handle.write("  - {kind: concept, name: model registry}\n")

    fake_model.requests.clear()
    result = live_draft(runner, companies, "--update", str(draft), "--json")
    assert result.exit_code == 0, result.stderr
    called = sorted(fake_model.sections_requested())

    update = json.loads(result.stdout)["update"]
    after = json.loads(draft.with_suffix(".json").read_text())
    changed_inputs = {
        section_id
        for section_id, section in after["sections"].items()
        if section["input_hash"] != before["sections"][section_id]["input_hash"]
    }
    # Exactly the sections whose inputs changed are re-drafted, one call each; the edited one is not among them.
    assert called == sorted(update["regenerated"])
    assert set(update["regenerated"]) == changed_inputs - {"dimension:model-registry-versioning"}
    assert {"methodology", "executive-summary", "layer:customization-adaptation"} <= set(update["regenerated"])
    assert "dimension:cloud" not in update["regenerated"] and len(update["reused"]) > 30
    # Both edited blocks are kept verbatim; the one whose data changed is flagged.
    markdown = draft.read_text()
    assert kept_cloud in markdown and kept_registry in markdown
    assert update["kept"] == ["dimension:cloud", "dimension:model-registry-versioning"]
    assert update["kept_stale"] == ["dimension:model-registry-versioning"]
    # The previous file is kept as a backup, byte for byte.
    assert Path(update["backup"]).read_text() == edited_text


def test_update_with_nothing_changed_makes_no_calls_and_changes_no_section(
    runner: CliRunner, tmp_path: Path, companies: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-update")
    draft = tmp_path / "spotify.md"
    assert live_draft(runner, companies, "--out", str(draft)).exit_code == 0
    first = draft.read_text()
    fake_model.requests.clear()
    result = live_draft(runner, companies, "--update", str(draft))
    assert result.exit_code == 0, result.stderr
    assert fake_model.requests == []
    assert "regenerated 0 · reused 61 · kept (edited) 0" in result.stderr
    assert draft.read_text().split("\n", 1)[1] == first.split("\n", 1)[1]  # all but the provenance line


def test_update_of_the_shipped_draft_replays_offline(runner: CliRunner, tmp_path: Path, spotify_draft: Path) -> None:
    draft = spotify_draft
    result = runner.invoke(app, ["draft", "spotify", "--update", str(draft), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["update"]["regenerated"] == []


def test_update_refuses_a_draft_of_another_company_and_leaves_it_alone(
    runner: CliRunner, tmp_path: Path, spotify_draft: Path
) -> None:
    draft = spotify_draft
    before = draft.read_bytes()
    other = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    result = runner.invoke(app, ["draft", str(other), "--engine", "template", "--update", str(draft)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {draft} is a draft of spotify, not acme;")
    assert draft.read_bytes() == before
    assert list(tmp_path.glob("*.bak.md")) == []


def test_update_without_a_sidecar_is_a_clear_error(runner: CliRunner, tmp_path: Path, spotify_draft: Path) -> None:
    draft = spotify_draft
    draft.with_suffix(".json").unlink()
    before = draft.read_bytes()
    result = runner.invoke(app, ["draft", "spotify", "--update", str(draft)])
    assert result.exit_code == 1
    assert "--update needs the draft's JSON sidecar" in result.stderr
    assert draft.read_bytes() == before


def test_a_deleted_section_stays_deleted(runner: CliRunner, tmp_path: Path, spotify_draft: Path) -> None:
    draft = spotify_draft
    text = draft.read_text()
    start = text.index("<!-- naftiko:section id=wave-alignment ")
    end = text.index("<!-- naftiko:section id=", start + 10)
    draft.write_text(text[:start] + text[end:])
    result = runner.invoke(app, ["draft", "spotify", "--update", str(draft), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["update"]["removed"] == ["wave-alignment"]
    assert "## Wave Alignment" not in draft.read_text()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[: text.rindex("\n", 0, len(text) // 2) + 1], "looks truncated: it ends after"),
        (
            lambda text: text.replace(
                "<!-- naftiko:section id=methodology source=model", "<!-- naftiko:section id=methodology"
            ),
            "the marker is not an intact naftiko marker",
        ),
    ],
    ids=["truncated", "damaged-marker"],
)
def test_a_truncated_or_damaged_draft_is_never_rewritten(
    runner: CliRunner,
    tmp_path: Path,
    spotify_draft: Path,
    damage,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    draft = spotify_draft
    draft.write_text(damage(draft.read_text()))
    before = draft.read_bytes()
    result = runner.invoke(app, ["draft", "spotify", "--update", str(draft)])
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.startswith(f"Error: {draft}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert draft.read_bytes() == before
    assert list(tmp_path.glob("*.bak.md")) == []
