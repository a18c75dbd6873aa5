"""The one structured ask (drafting/ask.py) and drafting through an injected client, without SDK or HTTP."""

from __future__ import annotations

import json

import pytest

from naftiko_writer import event_loop
from naftiko_writer.drafting.answers import Budget
from naftiko_writer.drafting.ask import Asked, Question, ask
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.run import Prepared
from naftiko_writer.drafting.testing import template_answer
from naftiko_writer.errors import LLMError
from naftiko_writer.llm.function_client import FunctionClient
from naftiko_writer.llm.limiter import Limiter
from naftiko_writer.llm.protocol import ChatRequest, ChatResult
from naftiko_writer.options import Engine, RecordMode
from naftiko_writer.report.model import SectionSource
from tests.conftest import FAKE_BASE_URL, make_run

REQUEST = ChatRequest("s1", "hash", "model", [{"role": "user", "content": "count to three"}], "n", {})


def read_number(answer: ChatResult) -> tuple[int | None, list[str]]:
    try:
        value = json.loads(answer.content)["n"]
    except (ValueError, KeyError):
        return None, ["not the JSON object asked for"]
    return value, [] if value == 3 else [f"n is {value}, not 3"]


def question() -> Question[int]:
    return Question(REQUEST, read_number, lambda problems: {"role": "user", "content": "fix: " + "; ".join(problems)})


def run_ask(client: FunctionClient, **options: object) -> Asked[int]:
    return event_loop.run(ask(client, question(), **options))  # type: ignore[arg-type]


def test_a_good_first_answer_is_taken_with_what_it_cost() -> None:
    client = FunctionClient(lambda request: '{"n": 3}')
    asked = run_ask(client, max_repairs=2)
    assert (asked.value, asked.attempts, asked.repairs, asked.problems) == (3, 1, 0, [])
    assert asked.prompt_tokens > 0 and asked.completion_tokens > 0


def test_a_bad_answer_is_repaired_with_its_problems_and_the_answer_in_the_conversation() -> None:
    answers = iter(['{"n": 2}', '{"n": 3}'])
    repairs: list[int] = []
    client = FunctionClient(lambda request: next(answers))
    asked = run_ask(client, max_repairs=2, on_repair=lambda: repairs.append(1))
    assert (asked.value, asked.attempts, asked.repairs, len(repairs)) == (3, 2, 1, 1)
    second = client.requests[1].messages
    assert second[-2] == {"role": "assistant", "content": '{"n": 2}'}
    assert second[-1] == {"role": "user", "content": "fix: n is 2, not 3"}
    assert asked.problems == ["attempt 1: n is 2, not 3"]


def test_repairs_are_bounded_and_the_last_value_is_kept() -> None:
    client = FunctionClient(lambda request: '{"n": 4}')
    asked = run_ask(client, max_repairs=1)
    assert asked.value is None and asked.last_value == 4
    assert asked.attempts == 2 and len(client.requests) == 2
    assert asked.problems == ["attempt 1: n is 4, not 3", "attempt 2: n is 4, not 3"]


def test_a_failure_no_retry_fixed_ends_the_ask_with_it() -> None:
    def fail(request: ChatRequest) -> str:
        raise LLMError("the endpoint failed after 5 attempt(s): HTTP 500")

    asked = run_ask(FunctionClient(fail), max_repairs=2)
    assert isinstance(asked.error, LLMError) and asked.attempts == 0
    assert asked.problems == ["the endpoint failed after 5 attempt(s): HTTP 500"]


def test_a_call_the_budget_cannot_hold_is_not_sent() -> None:
    client = FunctionClient(lambda request: '{"n": 3}')
    asked = run_ask(client, max_repairs=2, budget=Budget(max_tokens=1))
    assert asked.unsent and asked.value is None and client.requests == []


def test_the_limit_is_held_only_while_a_call_is_in_flight() -> None:
    async def scenario() -> tuple[list[bool], bool]:
        limit = Limiter(1)
        held: list[bool] = []

        def answer(request: ChatRequest) -> str:
            held.append(limit.in_flight == 1)
            return '{"n": 2}' if len(held) == 1 else '{"n": 3}'

        await ask(FunctionClient(answer), question(), max_repairs=1, limit=limit)
        return held, limit.in_flight > 0

    held, still_held = event_loop.run(scenario())
    assert held == [True, True] and not still_held


def test_a_draft_through_an_injected_client_needs_no_sdk_and_the_owner_closes_it(
    tmp_path, spotify_prepared: Prepared
) -> None:  # type: ignore[no-untyped-def]
    opened: list[FunctionClient] = []

    def clients(endpoint, subject, *, offline_hint, on_retry=None):  # type: ignore[no-untyped-def]
        assert subject == "spotify" and endpoint.mode is RecordMode.LIVE
        opened.append(FunctionClient(template_answer))
        return opened[0]

    run = make_run(tmp_path, mode=RecordMode.LIVE, base_url=FAKE_BASE_URL)
    report = draft_report(run, spotify_prepared, clients=clients)
    assert all(section.source is SectionSource.MODEL for section in report.sections.values())
    assert len(opened[0].requests) == 61 and opened[0].closed
    assert report.summary.calls == 61 and report.summary.mode == "live"


def test_the_template_engine_opens_no_client(tmp_path, spotify_prepared: Prepared) -> None:  # type: ignore[no-untyped-def]
    def clients(*args, **kwargs):  # type: ignore[no-untyped-def]
        pytest.fail("a template run asked for a model client")

    report = draft_report(make_run(tmp_path, engine=Engine.TEMPLATE), spotify_prepared, clients=clients)
    assert {section.source for section in report.sections.values()} == {SectionSource.TEMPLATE}
    assert report.summary.mode == "none"
