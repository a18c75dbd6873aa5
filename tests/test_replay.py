"""Record / replay: byte-identical round trips, precise invalidation, useful misses.

One run is recorded over a real socket (the end-to-end check); the rest record in process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from naftiko_writer.config import RecordMode
from naftiko_writer.document.draft_format import render_markdown
from naftiko_writer.drafting.pipeline import draft_company, draft_report
from naftiko_writer.drafting.testing import FakeModelTransport
from naftiko_writer.errors import ReplayMissError
from naftiko_writer.llm.factory import client_factory
from naftiko_writer.llm.replay import fingerprint, recording_file_name
from tests.conftest import PROMPTS_DIR, built_once_per_run, make_run
from tests.fake_server import FakeOpenAIServer, ScriptedResponder


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One run recorded over a real socket (end to end): its folder and Markdown, made once a run (shared by the
    workers). Copy it before changing it."""

    def record(folder: Path) -> None:
        with FakeOpenAIServer(ScriptedResponder()) as server:
            report = draft_company(make_run(folder, mode=RecordMode.RECORD, base_url=server.base_url))
        (folder / "recorded.md").write_text(render_markdown(report), encoding="utf-8")

    folder = built_once_per_run(tmp_path_factory, "recorded", record)
    return folder, (folder / "recorded.md").read_text(encoding="utf-8")


def copy_of(recorded, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A writable copy of the recorded run's folder."""
    shutil.copytree(recorded[0] / "recordings", tmp_path / "recordings")
    return tmp_path


def test_record_then_replay_is_byte_identical(recorded, spotify_prepared) -> None:  # type: ignore[no-untyped-def]
    folder, markdown = recorded
    replayed_report = draft_report(make_run(folder, mode=RecordMode.REPLAY, api_key=None), spotify_prepared)
    assert render_markdown(replayed_report) == markdown
    assert replayed_report.provenance.recording_sources == ["recorded"]
    assert replayed_report.summary.unused_recordings == 0


def test_replay_needs_no_network_and_no_key(recorded, spotify_prepared) -> None:  # type: ignore[no-untyped-def]
    # The recorded base URL no longer answers; replay must not try it.
    job = make_run(recorded[0], mode=RecordMode.REPLAY, api_key=None, base_url="http://127.0.0.1:9/v1")
    report = draft_report(job, spotify_prepared)
    assert report.summary.calls == 61


def test_key_never_reaches_recordings(recorded) -> None:  # type: ignore[no-untyped-def]
    recordings = list((recorded[0] / "recordings" / "spotify").glob("*.json"))
    assert len(recordings) == 61
    for path in recordings:
        text = path.read_text()
        assert "sk-test-not-a-real-key" not in text
        assert "authorization" not in text.lower()
        assert json.loads(text)["source"] == "recorded"


def test_editing_one_template_invalidates_only_that_section_kind(recorded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy_of(recorded, tmp_path)
    before = {p.name for p in (tmp_path / "recordings" / "spotify").glob("*.json")}
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    strengths = prompts / "strengths.md"
    strengths.write_text(strengths.read_text() + "\nKeep each row short.\n")
    with pytest.raises(ReplayMissError) as missed:
        draft_company(make_run(tmp_path, mode=RecordMode.REPLAY, prompts_dir=prompts))
    assert "no recording for section 'strengths'" in str(missed.value)
    # Re-record every section (in process): only the edited template's section gets a new recording.
    draft_company(
        make_run(tmp_path, mode=RecordMode.RECORD, prompts_dir=prompts), clients=client_factory(FakeModelTransport())
    )
    after = {p.name for p in (tmp_path / "recordings" / "spotify").glob("*.json")}
    assert {name.split("--")[0] for name in after - before} == {"strengths"}


def test_miss_names_section_closest_recording_and_command(recorded, spotify_prepared) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReplayMissError) as missed:
        draft_report(make_run(recorded[0], mode=RecordMode.REPLAY, model="another-model"), spotify_prepared)
    message = str(missed.value)
    assert "no recording for section" in message
    assert "was made with model 'gpt-4o-mini', not 'another-model' (replay it with `--model gpt-4o-mini`)" in message
    assert "naftiko-writer draft spotify --mode record" in message


def test_unused_recordings_are_counted(recorded, tmp_path: Path, spotify_prepared) -> None:  # type: ignore[no-untyped-def]
    folder = copy_of(recorded, tmp_path) / "recordings" / "spotify"
    shutil.copy(next(folder.glob("methodology--*.json")), folder / "methodology--000000000000.json")
    report = draft_report(make_run(tmp_path, mode=RecordMode.REPLAY), spotify_prepared)
    assert report.summary.unused_recordings == 1


def test_fingerprint_covers_model_messages_schema_and_template() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema"}}
    base = fingerprint(body, "t1")
    assert fingerprint({**body, "max_tokens": 5}, "t1") == base
    assert fingerprint(body, "t2") != base
    assert fingerprint({**body, "model": "n"}, "t1") != base
    assert fingerprint({**body, "messages": []}, "t1") != base
    assert recording_file_name("dimension:cloud", base) == f"dimension_cloud--{base[:12]}.json"


def test_shipped_spotify_recordings_are_authored_and_complete() -> None:
    report = draft_company(
        make_run(
            Path("/nonexistent"),
            mode=RecordMode.REPLAY,
            api_key=None,
            recordings_dir=Path(__file__).resolve().parent.parent / "fixtures" / "recordings",
        )
    )
    assert report.provenance.recording_sources == ["authored"]
    assert report.summary.fallbacks == 0
    assert report.summary.unused_recordings == 0


def test_a_run_recorded_against_a_server_refusing_json_schema_replays_offline(tmp_path: Path) -> None:
    transport = FakeModelTransport(ScriptedResponder(reject_json_schema=True))
    recorded = draft_company(
        make_run(tmp_path, mode=RecordMode.RECORD, concurrency=3), clients=client_factory(transport)
    )
    assert recorded.summary.dialect == "json_object"
    assert (tmp_path / "recordings" / "spotify" / "_refused-json-schema.json").is_file()
    replayed = draft_company(make_run(tmp_path, mode=RecordMode.REPLAY, api_key=None, concurrency=3))
    assert replayed.summary.dialect == "json_object" and replayed.summary.fallbacks == 0
    assert render_markdown(replayed) == render_markdown(recorded)
    assert replayed.summary.unused_recordings == 0
