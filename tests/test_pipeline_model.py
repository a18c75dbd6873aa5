"""The pipeline through the real openai client against the in-process fake model (drafting/testing.py).

Each fault is tested on the sections it concerns: `draft_only` drafts just those and reuses
the rest of a clean session-wide draft without a call. Retries wait no time unless the
reply says how long (retry-after); a timeout is raised at once, not waited for.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from naftiko_writer.document.draft_format import render_markdown
from naftiko_writer.drafting.testing import Reply
from naftiko_writer.errors import ConfigError
from naftiko_writer.report.model import SectionSource
from naftiko_writer.report.plan import plan_sections
from tests.conftest import draft_in_process
from tests.fake_server import ScriptedResponder


def bodies_of(transport, section_id: str) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    return [r["body"] for r in transport.requests if r["headers"]["x-naftiko-section"] == section_id]


def test_structured_output_is_requested_and_parsed(spotify_clean) -> None:  # type: ignore[no-untyped-def]
    report, transport = spotify_clean
    assert report.summary.sections == 61
    assert report.summary.calls == 61
    assert {r.source for r in report.sections.values()} == {SectionSource.MODEL}
    body = bodies_of(transport, "dimension:cloud")[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "dimension_narrative"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and schema["required"] == ["paragraph", "key_takeaway"]
    assert report.summary.prompt_tokens > 0 and report.summary.completion_tokens > 0


def test_prompts_carry_only_their_slice_of_the_scorecard(spotify_clean) -> None:  # type: ignore[no-untyped-def]
    _, transport = spotify_clean
    prompt = bodies_of(transport, "dimension:cloud")[0]["messages"][1]["content"]
    assert '"dimension": "Cloud"' in prompt
    assert "Hugging Face" not in prompt  # another dimension's evidence
    assert len(prompt) < 3000


def test_rate_limit_then_success_honours_retry_after(draft_only) -> None:  # type: ignore[no-untyped-def]
    responder = ScriptedResponder(script={"dimension:cloud": ["429", "ok"]})
    report, _ = draft_only({"dimension:cloud"}, responder)
    cloud = report.sections["dimension:cloud"]
    assert (cloud.source, cloud.retries, cloud.attempts) == (SectionSource.MODEL, 1, 1)
    assert cloud.model_seconds >= 0.02  # the reply's retry-after-ms: 20, though the backoff policy waits 0
    assert responder.calls.count("dimension:cloud") == 2
    assert report.summary.retries == 1


def test_server_error_then_success(draft_only) -> None:  # type: ignore[no-untyped-def]
    responder = ScriptedResponder(script={"strengths": ["500", "500", "ok"], "*": ["500"]})
    report, _ = draft_only({"strengths", "methodology"}, responder)
    assert (report.sections["strengths"].source, report.sections["strengths"].retries) == (SectionSource.MODEL, 2)
    assert report.summary.retries == 3  # the first request of the other section also met a 500
    assert report.summary.dialect == "json_schema"  # an ordinary 500 never switches the dialect


def test_a_server_that_refuses_json_schema_is_asked_in_its_own_dialect(draft_only, spotify_prepared) -> None:  # type: ignore[no-untyped-def]
    one_of_each_kind = {spec.kind: spec.id for spec in plan_sections(spotify_prepared.card)}.values()
    sections = {*one_of_each_kind, "dimension:data", "dimension:security", "layer:productivity"}
    report, transport = draft_only(sections, ScriptedResponder(reject_json_schema=True), concurrency=4)
    assert report.summary.dialect == "json_object"
    assert report.summary.fallbacks == 0 and report.summary.retries == 0
    formats = [request["body"]["response_format"] for request in transport.requests]
    refused = [f for f in formats if f["type"] == "json_schema"]
    accepted = [f for f in formats if f["type"] == "json_object"]
    assert 1 <= len(refused) <= 4  # only the requests already in flight before the switch
    assert len(accepted) == len(sections) and all(f["schema"]["additionalProperties"] is False for f in accepted)
    # llama.cpp cannot compile maxLength above about 1,000 into a grammar: every bound is clamped, never loosened.
    lengths = re.findall(r'"maxLength": (\d+)', json.dumps([f["schema"] for f in accepted]))
    assert lengths and max(int(n) for n in lengths) == 1000


def test_timeout_then_success(draft_only) -> None:  # type: ignore[no-untyped-def]
    report, transport = draft_only({"methodology"}, ScriptedResponder(script={"methodology": ["timeout", "ok"]}))
    assert (report.sections["methodology"].source, report.sections["methodology"].retries) == (SectionSource.MODEL, 1)
    assert len(transport.requests) == 2


def test_a_dropped_connection_is_retried(draft_only) -> None:  # type: ignore[no-untyped-def]
    report, _ = draft_only({"methodology"}, ScriptedResponder(script={"methodology": ["drop", "ok"]}))
    assert (report.sections["methodology"].source, report.sections["methodology"].retries) == (SectionSource.MODEL, 1)


def test_schema_invalid_json_is_repaired(draft_only) -> None:  # type: ignore[no-untyped-def]
    report, transport = draft_only({"dimension:data"}, ScriptedResponder(script={"dimension:data": ["schema", "ok"]}))
    data = report.sections["dimension:data"]
    assert (data.source, data.attempts) == (SectionSource.MODEL, 2)
    repair = bodies_of(transport, "dimension:data")[1]
    assert repair["messages"][-2]["role"] == "assistant"
    assert "paragraph: Field required" in repair["messages"][-1]["content"]
    assert report.summary.repairs == 1


def test_malformed_json_is_repaired(draft_only) -> None:  # type: ignore[no-untyped-def]
    report, _ = draft_only({"wave-alignment"}, ScriptedResponder(script={"wave-alignment": ["malformed", "ok"]}))
    assert report.sections["wave-alignment"].attempts == 2
    assert report.sections["wave-alignment"].source is SectionSource.MODEL


def test_invented_number_is_caught_and_repaired(draft_only) -> None:  # type: ignore[no-untyped-def]
    report, transport = draft_only(
        {"dimension:cloud"}, ScriptedResponder(script={"dimension:cloud": ["invented", "ok"]})
    )
    cloud = report.sections["dimension:cloud"]
    assert (cloud.source, cloud.attempts) == (SectionSource.MODEL, 2)
    repair = bodies_of(transport, "dimension:cloud")[1]
    assert "states the number 97, which is not in this section's data" in repair["messages"][-1]["content"]
    assert "score of 97" not in render_markdown(report)


def test_a_model_that_always_fails_gives_a_complete_marked_draft(tmp_path: Path, spotify_prepared) -> None:  # type: ignore[no-untyped-def]
    report, _ = draft_in_process(
        tmp_path, ScriptedResponder(always="invented"), prepared=spotify_prepared, max_repairs=1
    )
    assert report.summary.fallbacks == 61
    assert report.summary.calls == 122
    markdown = render_markdown(report)
    assert markdown.count("> **Analyst review:**") == 61
    assert "score of 97" not in markdown
    assert "source=fallback" in markdown


def test_an_endpoint_that_is_down_falls_back_after_retries(draft_only) -> None:  # type: ignore[no-untyped-def]
    report, transport = draft_only({"methodology", "strengths"}, ScriptedResponder(always="500"))
    assert report.summary.fallbacks == 2 and len(transport.requests) == 2 * 4
    assert report.sections["methodology"].problems == [
        "section methodology: the endpoint at "
        + report.sections["methodology"].problems[0].split("the endpoint at ")[1]
    ]
    assert "failed after 4 attempt(s): HTTP 500" in report.sections["methodology"].problems[0]


def test_bad_request_is_not_retried(draft_only) -> None:  # type: ignore[no-untyped-def]
    def bad_request(body, headers):  # type: ignore[no-untyped-def]
        return Reply(400, {"error": {"message": "bad"}})

    report, transport = draft_only({"methodology", "strengths", "dimension:cloud"}, bad_request)
    assert len(transport.requests) == 3  # one request per section, no retries
    assert report.summary.fallbacks == 3


def test_rejected_key_stops_the_run(draft_only) -> None:  # type: ignore[no-untyped-def]
    def bad_key(body, headers):  # type: ignore[no-untyped-def]
        return Reply(401, {"error": {"message": "bad key"}})

    with pytest.raises(ConfigError, match=r"rejected the API key \(401\); check OPENAI_API_KEY"):
        draft_only({"methodology"}, bad_key)


def test_concurrency_is_bounded(draft_only, spotify_prepared) -> None:  # type: ignore[no-untyped-def]
    sections = {spec.id for spec in plan_sections(spotify_prepared.card)[:12]}
    _, transport = draft_only(sections, ScriptedResponder(latency=0.01), concurrency=3)
    assert len(transport.requests) == 12
    assert transport.peak_in_flight == 3
