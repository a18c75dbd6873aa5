"""Plain replay without the SDK (llm/recordings.ReplayClient) answers as replay under the SDK does.

A draft in replay mode with no transport goes through ReplayClient; giving the job a transport
(which replay never forwards to) keeps the openai client and llm/replay.RecordingTransport.
Both must find the same recordings, write the same report, switch dialects alike after a
recorded refusal, report the same unused recordings, and miss with the same message.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from naftiko_writer.config import RecordMode
from naftiko_writer.document.draft_format import render_markdown
from naftiko_writer.drafting.pipeline import draft_company
from naftiko_writer.drafting.testing import FakeModelTransport
from naftiko_writer.errors import ReplayMissError
from naftiko_writer.llm.factory import client_factory, open_client
from naftiko_writer.report.model import Report
from tests.conftest import make_run
from tests.fake_server import ScriptedResponder

SHIPPED = Path(__file__).resolve().parent.parent / "fixtures" / "recordings"


def both_ways(tmp_path: Path, recordings_dir: Path) -> tuple[Report, Report]:
    """(without the SDK, under the SDK) replays of the same recordings."""
    plain = draft_company(make_run(tmp_path, mode=RecordMode.REPLAY, api_key=None, recordings_dir=recordings_dir))
    never_called = FakeModelTransport()
    sdk = draft_company(
        make_run(tmp_path, mode=RecordMode.REPLAY, api_key=None, recordings_dir=recordings_dir),
        clients=client_factory(never_called),
    )
    assert never_called.requests == []
    return plain, sdk


def test_the_shipped_recordings_replay_alike_with_and_without_the_sdk(tmp_path: Path) -> None:
    plain, sdk = both_ways(tmp_path, SHIPPED)
    assert render_markdown(plain) == render_markdown(sdk)
    assert plain.summary.model_dump(exclude={"wall_seconds"}) == sdk.summary.model_dump(exclude={"wall_seconds"})
    assert plain.summary.calls == 61 and plain.summary.fallbacks == 0


def test_a_recorded_refusal_of_json_schema_switches_dialects_alike(tmp_path: Path) -> None:
    transport = FakeModelTransport(ScriptedResponder(reject_json_schema=True))
    draft_company(make_run(tmp_path, mode=RecordMode.RECORD, concurrency=3), clients=client_factory(transport))
    plain, sdk = both_ways(tmp_path, tmp_path / "recordings")
    assert plain.summary.dialect == sdk.summary.dialect == "json_object"
    assert render_markdown(plain) == render_markdown(sdk)


def test_misses_and_unused_recordings_are_reported_alike(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    shutil.copytree(SHIPPED, recordings)
    (recordings / "spotify" / "zz-not-asked--000000000000.json").write_text("{}\n")
    plain, sdk = both_ways(tmp_path, recordings)
    assert plain.summary.unused_recordings == sdk.summary.unused_recordings == 1
    missing = next((recordings / "spotify").glob("strengths--*.json"))
    missing.rename(missing.with_name("strengths--000000000000.json"))
    messages = []
    for transport in (None, FakeModelTransport()):
        with pytest.raises(ReplayMissError) as missed:
            draft_company(
                make_run(tmp_path, mode=RecordMode.REPLAY, api_key=None, recordings_dir=recordings),
                clients=client_factory(transport) if transport is not None else open_client,
            )
        messages.append(str(missed.value))
    assert messages[0] == messages[1]
    assert "the recording strengths--000000000000.json is for a different request" in messages[0]
