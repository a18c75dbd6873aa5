"""The API key never leaks into anything stored or printed, whatever part of a server's answer echoes it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.config import RecordMode
from naftiko_writer.drafting.pipeline import draft_company
from naftiko_writer.drafting.testing import FakeModelTransport, Reply, fault_reply
from naftiko_writer.llm.factory import client_factory
from naftiko_writer.llm.recordings import REFUSAL_FILE
from tests.conftest import FAKE_BASE_URL, make_run

KEY = "sk-test-echoed-key-0123456789"


def _everything_under(folder: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in folder.rglob("*") if path.is_file())


def test_a_key_echoed_in_response_headers_and_bodies_is_not_recorded(tmp_path: Path) -> None:
    def echo(body: dict[str, Any], headers: Mapping[str, str]) -> Reply:
        reply = fault_reply("ok", body)
        assert isinstance(reply.body, dict)
        reply.body["system_fingerprint"] = f"served for {KEY}"  # a body quoting the key
        reply.headers.update({"x-request-id": KEY, "openai-model": f"gpt-4o-mini for {KEY}"})
        return reply

    report = draft_company(
        make_run(tmp_path, mode=RecordMode.RECORD, api_key=KEY, base_url=FAKE_BASE_URL),
        clients=client_factory(FakeModelTransport(echo)),
    )
    assert report.summary.fallbacks == 0
    stored = _everything_under(tmp_path / "recordings")
    assert stored.count('"x-request-id": "***"') == len(report.sections)
    assert KEY not in stored


def test_a_key_quoted_in_a_refusal_of_json_schema_is_not_recorded(tmp_path: Path) -> None:
    def refuse(body: dict[str, Any], headers: Mapping[str, str]) -> Reply:
        if body["response_format"]["type"] == "json_schema":
            message = f"response_format json_schema is not supported (key {KEY})"
            return Reply(400, {"error": {"message": message, "type": "invalid_request_error"}})
        return fault_reply("ok", body)

    draft_company(
        make_run(tmp_path, mode=RecordMode.RECORD, api_key=KEY, base_url=FAKE_BASE_URL),
        clients=client_factory(FakeModelTransport(refuse)),
    )
    saved = (tmp_path / "recordings" / "spotify" / REFUSAL_FILE).read_text()
    assert "json_schema is not supported (key ***)" in saved
    assert KEY not in _everything_under(tmp_path / "recordings")


def test_a_404_quoting_the_key_never_prints_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    message = f"The model 'gpt-4o-mini' does not exist or you do not have access to it with key {KEY}"
    fake_model.responder = lambda body, headers: Reply(404, {"error": {"message": message}})
    result = runner.invoke(
        app, ["draft", "spotify", "--mode", "live", "--base-url", FAKE_BASE_URL, "--out", str(tmp_path / "s.md")]
    )
    assert result.exit_code == 1
    assert KEY not in result.stderr + result.stdout
    assert "access to it with key ***" in result.stderr
