"""One structured ask: send, validate against the schema, check, repair; bounded, with what it cost.

Every structured call goes through `ask` (report sections in drafting/pipeline.py, catalogue
suggestions in curation/suggest.py, and any new report kind): a `Question` carries the request,
how to read an answer (parse it into its schema and check it: grounding, known ids; problems as
one line each) and how to word the repair message. A failing answer is re-asked at most
`max_repairs` times with the answer and its problems appended; the result (`Asked`) carries the
accepted value or none, the last value read, every problem, and the attempts, retries, tokens and
seconds spent. A `limit` (llm/limiter.py) is held only while a call is in flight, waited for at the
ask's `priority`; a call to an HTTP endpoint whose latest attempt (its first send, or its retry after a
backoff) goes unanswered past the limiter's `hedge_delay` (twice the 90th percentile of first-attempt
answer times) gets a duplicate under the same slot (the first to answer wins, the other is cancelled; a
lost duplicate is replaced once), unless a budget is set (a duplicate spends tokens). A
`Budget` is reserved before each call and charged after it; a call the budget cannot hold is not sent
(`unsent`). An `LLMError` (a failure the client's retries could not fix) ends the ask with it in
`error`; configuration errors (a replay miss, a rejected key) propagate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from naftiko_writer.drafting.answers import Budget, estimate_prompt_tokens
from naftiko_writer.errors import BudgetExceededError, LLMError
from naftiko_writer.llm.limiter import Limiter, Priority
from naftiko_writer.llm.protocol import ChatRequest, ChatResult, LLMClient

T = TypeVar("T")
MAX_SENDS = 3
"""Copies of one call sent at most when it goes unanswered (see `_complete_hedged`)."""
Message = dict[str, str]


@dataclass(frozen=True)
class Question(Generic[T]):
    """What to ask and how to judge the answers."""

    request: ChatRequest
    read: Callable[[ChatResult], tuple[T | None, list[str]]]
    """An answer's value (None when unreadable) and its problems (none: accepted)."""
    repair: Callable[[list[str]], Message]
    """The user message asking to fix an answer with these problems."""


@dataclass
class Asked(Generic[T]):
    """How an ask went."""

    value: T | None = None
    """The accepted value (None: no answer passed)."""
    last_value: T | None = None
    """The last value read, accepted or not (curation keeps a partly good answer)."""
    problems: list[str] = field(default_factory=list)
    attempts: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    recording: str | None = None
    unsent: bool = False
    """The budget could not hold the next call, so it was not sent."""
    error: LLMError | None = None

    @property
    def repairs(self) -> int:
        """Re-asks sent after a failing answer."""
        return max(0, self.attempts - 1)

    def counts(self) -> dict[str, float]:
        """The figures a section result records."""
        return {
            "attempts": self.attempts,
            "retries": self.retries,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "model_seconds": self.model_seconds,
        }


async def ask(
    client: LLMClient,
    question: Question[T],
    *,
    max_repairs: int,
    limit: Limiter | None = None,
    priority: Priority = (),
    budget: Budget | None = None,
    on_answer: Callable[[ChatResult, float], None] | None = None,
    on_repair: Callable[[], None] | None = None,
) -> Asked[T]:
    """Ask until an answer passes or `max_repairs` re-asks are spent (see the module docstring).

    `on_answer(answer, cost)` sees every answer as it arrives (a checkpoint records the spend);
    `on_repair()` is called before each re-ask.
    """
    asked: Asked[T] = Asked()
    messages = list(question.request.messages)
    for attempt in range(1 + max_repairs):
        request = replace(question.request, messages=messages)
        try:
            answer, cost = await _send(client, request, limit, priority, budget, asked)
        except BudgetExceededError:
            asked.unsent = True
            return asked
        except LLMError as exc:
            asked.problems.append(str(exc))
            asked.error = exc
            return asked
        if on_answer is not None:
            on_answer(answer, cost)
        asked.attempts += 1
        asked.retries += answer.retries
        asked.prompt_tokens += answer.prompt_tokens
        asked.completion_tokens += answer.completion_tokens
        asked.recording = answer.recording
        value, found = question.read(answer)
        asked.last_value = value if value is not None else asked.last_value
        if value is not None and not found:
            asked.value = value
            return asked
        asked.problems.extend(f"attempt {attempt + 1}: {problem}" for problem in found)
        if attempt < max_repairs:
            if on_repair is not None:
                on_repair()
            messages = [*messages, {"role": "assistant", "content": answer.content}, question.repair(found)]
    return asked


async def _send(
    client: LLMClient,
    request: ChatRequest,
    limit: Limiter | None,
    priority: Priority,
    budget: Budget | None,
    asked: Asked[T],
) -> tuple[ChatResult, float]:
    """One call under the limit and the budget: the answer and what it cost."""
    reservation = None
    if budget is not None and budget.limited:
        reservation = await budget.reserve(
            estimate_prompt_tokens(request.messages, request.schema), request.max_tokens or 0
        )
    try:
        started = time.perf_counter()
        if limit is None:
            answer = await client.complete(request)
        else:
            async with limit.slot(priority):
                started = time.perf_counter()
                # A duplicate only to an HTTP endpoint (a dialect), and never under a budget (it spends tokens).
                hedged = client.dialect is not None and not (budget is not None and budget.limited)
                answer, seconds = await _complete_hedged(client, request, limit if hedged else None)
                limit.answered(seconds if answer.retries == 0 else None)
        asked.model_seconds += time.perf_counter() - started
        cost = budget.charge(answer.prompt_tokens, answer.completion_tokens) if budget is not None else 0.0
    finally:
        if reservation is not None and budget is not None:
            budget.release(reservation)
    return answer, cost


async def _complete_hedged(client: LLMClient, request: ChatRequest, limit: Limiter | None) -> tuple[ChatResult, float]:
    """`client.complete(request)`, hedged under `limit`: the first answer, and the seconds its own copy took.

    A call whose latest attempt has gone unanswered for the limiter's `hedge_delay()` gets a duplicate; the first
    answer wins. An attempt is the last copy sent or, when a copy waited out a backoff (a 500, a 429), its retry
    (`limit.attempt_started()`): a retry is not a lost call, and while a copy waits without its slot the call
    is not unanswered at all. The delay is asked again while the call waits, so a call sent before the
    endpoint's speed was known (the first wave of a run) is hedged once it is, instead of waiting for its
    deadline. At most two copies are in flight (one slot's worth), and at most `MAX_SENDS` are sent: when the
    duplicate is lost too, the oldest copy is given up and a fresh one sent. The seconds returned are the
    winning copy's own (from its send, the limiter's clock), so a won duplicate measures the endpoint, not the
    lost copy.
    """
    if limit is None:
        started = time.perf_counter()
        return await client.complete(request), time.perf_counter() - started
    sent = {asyncio.ensure_future(client.complete(request)): limit.clock()}
    pending = set(sent)
    last_sent = limit.clock()
    try:
        while True:
            delay = limit.hedge_delay()
            timeout = None if len(sent) >= MAX_SENDS else _next_look(limit, delay, last_sent)
            done, pending = await asyncio.wait(pending, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is None:
                    return task.result(), limit.clock() - sent[task]
            if not pending:
                return next(iter(done)).result(), 0.0  # every copy failed: raises the last failure
            if done or delay is None or limit.clock() - _unanswered_since(limit, last_sent) < delay:
                continue  # a copy failed while another is in flight, or the call is not overdue (yet)
            if len(pending) >= 2:
                oldest = next(task for task in sent if task in pending)
                oldest.cancel()
                pending.discard(oldest)
            copy = asyncio.ensure_future(client.complete(request))
            sent[copy] = last_sent = limit.clock()
            pending.add(copy)
    finally:
        for task in sent:
            task.cancel()
        await asyncio.gather(*sent, return_exceptions=True)  # every copy's outcome retrieved, none left running


def _unanswered_since(limit: Limiter, last_sent: float) -> float:
    """Since when the call's latest attempt is unanswered: its last copy or retry; now while it waits a backoff."""
    attempt = limit.attempt_started()
    return limit.clock() if attempt is None else max(last_sent, attempt)


def _next_look(limit: Limiter, delay: float | None, last_sent: float) -> float:
    """Seconds until the call is due a duplicate (or, while no delay is set, until the delay is asked again)."""
    if delay is None:
        return max(limit.min_hedge_seconds, 0.001)  # the endpoint's speed not measured yet, or a storm
    return max(0.0, _unanswered_since(limit, last_sent) + delay - limit.clock())
