"""The pipeline through the real openai client against a local OpenAI-compatible server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from naftiko_writer.config import RecordMode
from naftiko_writer.document.draft_format import render_markdown
from naftiko_writer.drafting.pipeline import draft_company
from naftiko_writer.errors import ConfigError
from naftiko_writer.report.model import SectionSource
from tests.conftest import make_job
from tests.fake_server import FakeOpenAIServer, Reply, ScriptedResponder

LIVE = {"mode": RecordMode.LIVE}


def draft_against(responder, tmp_path: Path, **overrides):  # type: ignore[no-untyped-def]
    with FakeOpenAIServer(responder) as server:
        report = draft_company(make_job(tmp_path, base_url=server.base_url, **{**LIVE, **overrides}))
    return report, server


def test_structured_output_is_requested_and_parsed(tmp_path: Path) -> None:
    report, server = draft_against(ScriptedResponder(), tmp_path)
    assert report.summary.sections == 61
    assert report.summary.calls == 61
    assert {r.source for r in report.sections.values()} == {SectionSource.MODEL}
    body = next(r["body"] for r in server.requests if r["headers"]["x-naftiko-section"] == "dimension:cloud")
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "dimension_narrative"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and schema["required"] == ["paragraph", "key_takeaway"]
    assert report.summary.prompt_tokens > 0 and report.summary.completion_tokens > 0


def test_prompts_carry_only_their_slice_of_the_scorecard(tmp_path: Path) -> None:
    _, server = draft_against(ScriptedResponder(), tmp_path)
    cloud = next(r["body"] for r in server.requests if r["headers"]["x-naftiko-section"] == "dimension:cloud")
    prompt = cloud["messages"][1]["content"]
    assert '"dimension": "Cloud"' in prompt
    assert "Hugging Face" not in prompt  # another dimension's evidence
    assert len(prompt) < 3000


def test_rate_limit_then_success_honours_retry_after(tmp_path: Path) -> None:
    responder = ScriptedResponder(script={"dimension:cloud": ["429", "ok"]})
    report, _ = draft_against(responder, tmp_path)
    cloud = report.sections["dimension:cloud"]
    assert (cloud.source, cloud.retries, cloud.attempts) == (SectionSource.MODEL, 1, 1)
    assert responder.calls.count("dimension:cloud") == 2
    assert report.summary.retries == 1


def test_server_error_then_success(tmp_path: Path) -> None:
    report, _ = draft_against(ScriptedResponder(script={"strengths": ["500", "500", "ok"], "*": ["500"]}), tmp_path)
    assert (report.sections["strengths"].source, report.sections["strengths"].retries) == (SectionSource.MODEL, 2)
    assert report.summary.retries == 3  # the very first request of the run also met a 500
    assert report.summary.dialect == "json_schema"  # an ordinary 500 never switches the dialect


def test_a_server_that_refuses_json_schema_is_asked_in_its_own_dialect(tmp_path: Path) -> None:
    report, server = draft_against(ScriptedResponder(reject_json_schema=True), tmp_path, concurrency=4)
    assert report.summary.dialect == "json_object"
    assert report.summary.fallbacks == 0 and report.summary.retries == 0
    formats = [request["body"]["response_format"] for request in server.requests]
    refused = [f for f in formats if f["type"] == "json_schema"]
    accepted = [f for f in formats if f["type"] == "json_object"]
    assert 1 <= len(refused) <= 4  # only the requests already in flight before the switch
    assert len(accepted) == 61 and all(f["schema"]["additionalProperties"] is False for f in accepted)
    # llama.cpp cannot compile maxLength above about 1,000 into a grammar: every bound is clamped, never loosened.
    lengths = re.findall(r'"maxLength": (\d+)', json.dumps([f["schema"] for f in accepted]))
    assert lengths and max(int(n) for n in lengths) == 1000


def test_timeout_then_success(tmp_path: Path) -> None:
    responder = ScriptedResponder(script={"methodology": ["timeout", "ok"]}, timeout_delay=1.5)
    report, _ = draft_against(responder, tmp_path, timeout_seconds=0.5)
    assert (report.sections["methodology"].source, report.sections["methodology"].retries) == (SectionSource.MODEL, 1)


def test_schema_invalid_json_is_repaired(tmp_path: Path) -> None:
    report, server = draft_against(ScriptedResponder(script={"dimension:data": ["schema", "ok"]}), tmp_path)
    data = report.sections["dimension:data"]
    assert (data.source, data.attempts) == (SectionSource.MODEL, 2)
    repair = [r["body"] for r in server.requests if r["headers"]["x-naftiko-section"] == "dimension:data"][1]
    assert repair["messages"][-2]["role"] == "assistant"
    assert "paragraph: Field required" in repair["messages"][-1]["content"]
    assert report.summary.repairs == 1


def test_malformed_json_is_repaired(tmp_path: Path) -> None:
    report, _ = draft_against(ScriptedResponder(script={"wave-alignment": ["malformed", "ok"]}), tmp_path)
    assert report.sections["wave-alignment"].attempts == 2
    assert report.sections["wave-alignment"].source is SectionSource.MODEL


def test_invented_number_is_caught_and_repaired(tmp_path: Path) -> None:
    report, server = draft_against(ScriptedResponder(script={"dimension:cloud": ["invented", "ok"]}), tmp_path)
    cloud = report.sections["dimension:cloud"]
    assert (cloud.source, cloud.attempts) == (SectionSource.MODEL, 2)
    repair = [r["body"] for r in server.requests if r["headers"]["x-naftiko-section"] == "dimension:cloud"][1]
    assert "states the number 97, which is not in this section's data" in repair["messages"][-1]["content"]
    assert "score of 97" not in render_markdown(report)


def test_a_model_that_always_fails_gives_a_complete_marked_draft(tmp_path: Path) -> None:
    report, _ = draft_against(ScriptedResponder(always="invented"), tmp_path, max_repairs=1)
    assert report.summary.fallbacks == 61
    assert report.summary.calls == 122
    markdown = render_markdown(report)
    assert markdown.count("> **Analyst review:**") == 61
    assert "score of 97" not in markdown
    assert "source=fallback" in markdown


def test_an_endpoint_that_is_down_falls_back_after_retries(tmp_path: Path) -> None:
    report, _ = draft_against(ScriptedResponder(always="500"), tmp_path)
    assert report.summary.fallbacks == 61
    assert report.sections["methodology"].problems == [
        "section methodology: the endpoint at "
        + report.sections["methodology"].problems[0].split("the endpoint at ")[1]
    ]
    assert "failed after 4 attempt(s): HTTP 500" in report.sections["methodology"].problems[0]


def test_bad_request_is_not_retried(tmp_path: Path) -> None:
    responder = ScriptedResponder()
    responder.reply = lambda fault, body: Reply(400, {"error": {"message": "bad"}})  # type: ignore[method-assign]
    report, server = draft_against(responder, tmp_path)
    assert len(server.requests) == 61  # one request per section, no retries
    assert report.summary.fallbacks == 61


def test_rejected_key_stops_the_run(tmp_path: Path) -> None:
    responder = ScriptedResponder()
    responder.reply = lambda fault, body: Reply(401, {"error": {"message": "bad key"}})  # type: ignore[method-assign]
    with pytest.raises(ConfigError, match=r"rejected the API key \(401\); check OPENAI_API_KEY"):
        draft_against(responder, tmp_path)


def test_concurrency_is_bounded(tmp_path: Path) -> None:
    import threading

    in_flight = 0
    peak = 0
    lock = threading.Lock()
    base = ScriptedResponder(latency=0.05)

    def responder(body, headers):  # type: ignore[no-untyped-def]
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            reply = base(body, headers)
            import time

            time.sleep(reply.delay)
            reply.delay = 0
            return reply
        finally:
            with lock:
                in_flight -= 1

    draft_against(responder, tmp_path, concurrency=3)
    assert peak == 3


def test_key_never_reaches_recordings(tmp_path: Path) -> None:
    draft_against(ScriptedResponder(), tmp_path, mode=RecordMode.RECORD)
    recordings = list((tmp_path / "recordings" / "spotify").glob("*.json"))
    assert len(recordings) == 61
    for path in recordings:
        text = path.read_text()
        assert "sk-test-not-a-real-key" not in text
        assert "authorization" not in text.lower()
        assert json.loads(text)["source"] == "recorded"
