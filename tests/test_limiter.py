"""The shared limit (llm/limiter.py): granted by priority, given back while waiting, lowered by a 429 storm, hedged."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from naftiko_writer.drafting.ask import Asked, Question, ask
from naftiko_writer.llm.limiter import HEDGE_SAMPLES, MIN_HEDGE_SECONDS, STORM_HOLD_SECONDS, Limiter
from naftiko_writer.llm.protocol import ChatRequest, ChatResult


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_waiting_requests_are_granted_by_priority_not_arrival() -> None:
    order: list[str] = []

    async def scenario() -> None:
        limiter = Limiter(1)
        release = asyncio.Event()

        async def holder() -> None:
            async with limiter.slot((5,)):
                order.append("holder")
                await release.wait()

        async def waiter(name: str, priority: tuple[int, ...]) -> None:
            async with limiter.slot(priority):
                order.append(name)

        first = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiting = [
            asyncio.create_task(waiter("late-company first level", (1, 1, 0))),
            asyncio.create_task(waiter("early-company synthesis", (0, 0, 60))),
            asyncio.create_task(waiter("early-company dimension", (0, 1, 20))),
        ]
        await asyncio.sleep(0)
        assert limiter.in_flight == 1 and order == ["holder"]
        release.set()
        await asyncio.gather(first, *waiting)
        assert limiter.in_flight == 0 and limiter.peak == 1

    asyncio.run(scenario())
    assert order == ["holder", "early-company synthesis", "early-company dimension", "late-company first level"]


def test_a_pause_gives_the_slot_back_and_takes_one_again_after_it() -> None:
    order: list[str] = []

    async def scenario() -> None:
        limiter = Limiter(1)
        others_done = asyncio.Event()

        async def backing_off() -> None:
            async with limiter.slot((0,)):
                order.append("429")
                await limiter.pause(0)  # the backoff: others are served meanwhile
                order.append("retry")

        async def other(name: str) -> None:
            async with limiter.slot((1,)):
                order.append(name)
            if name == "other 2":
                others_done.set()

        tasks = [asyncio.create_task(backing_off()), *(asyncio.create_task(other(f"other {n}")) for n in (1, 2))]
        await asyncio.gather(*tasks)
        assert others_done.is_set() and limiter.in_flight == 0

    asyncio.run(scenario())
    assert order[0] == "429" and order.index("other 1") < order.index("retry")  # served during the backoff


def test_a_pause_outside_any_slot_just_waits() -> None:
    async def scenario() -> None:
        limiter = Limiter(2)
        await limiter.pause(0)
        assert limiter.in_flight == 0

    asyncio.run(scenario())


def test_a_cancelled_waiter_leaves_the_queue_and_its_slot_goes_on() -> None:
    async def scenario() -> None:
        limiter = Limiter(1)
        release = asyncio.Event()
        served: list[str] = []

        async def holder() -> None:
            async with limiter.slot():
                await release.wait()

        async def waiter(name: str) -> None:
            async with limiter.slot():
                served.append(name)

        held = asyncio.create_task(holder())
        await asyncio.sleep(0)
        cancelled, kept = asyncio.create_task(waiter("cancelled")), asyncio.create_task(waiter("kept"))
        await asyncio.sleep(0)
        cancelled.cancel()
        release.set()
        await asyncio.gather(held, kept)
        assert served == ["kept"] and limiter.in_flight == 0

    asyncio.run(scenario())


def test_a_429_storm_halves_the_limit_for_a_while_then_answers_give_slots_back() -> None:
    clock = Clock()
    limiter = Limiter(8, clock=clock)
    limiter.rate_limited()  # a scattered 429 lowers nothing
    assert limiter.allowed == 8
    limiter.rate_limited()  # two of the last eight answers: a quarter, a storm
    assert limiter.allowed == 4
    limiter.answered(0.5)
    assert limiter.allowed == 4  # held lowered for a while
    clock.now += STORM_HOLD_SECONDS
    for expected in (5, 6, 7, 8, 8):
        limiter.answered(0.5)
        assert limiter.allowed == expected


def test_scattered_429s_among_good_answers_do_not_lower_the_limit() -> None:
    limiter = Limiter(32, clock=Clock())
    for _ in range(20):
        for _ in range(9):
            limiter.answered(0.5)
        limiter.rate_limited()  # one in ten
    assert limiter.allowed == 32


def test_no_hedge_until_enough_answers_nor_during_a_429_storm() -> None:
    clock = Clock()
    limiter = Limiter(8, clock=clock)
    for _ in range(HEDGE_SAMPLES - 1):
        limiter.answered(0.6)
    assert limiter.hedge_delay() is None
    limiter.answered(0.6)
    assert limiter.hedge_delay() == max(MIN_HEDGE_SECONDS, 1.2)  # twice the 90th percentile
    limiter.rate_limited()
    assert limiter.hedge_delay() is not None  # a scattered 429 changes nothing
    limiter.rate_limited()
    assert limiter.allowed == 4 and limiter.hedge_delay() is None  # a storm: no duplicates while it lasts


@dataclass
class HangingOnce:
    """An HTTP-like client whose first `hung` requests never answer (hung calls); later ones answer at once."""

    dialect: str = "json_schema"
    hung: int = 1
    sent: int = 0
    cancelled: int = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        self.sent += 1
        if self.sent <= self.hung:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        return ChatResult('{"paragraph": "ok"}', "stop", 10, 5, 0, None)

    def unused_recordings(self) -> list[Path]:
        return []

    async def close(self) -> None:
        return None


@pytest.mark.parametrize(("hung", "sent"), [(1, 2), (2, 3)])
def test_a_hung_call_is_hedged_and_the_losers_cancelled(hung: int, sent: int) -> None:
    """A lost call gets a duplicate; a lost duplicate is replaced once (the oldest copy given up)."""
    client = HangingOnce(hung=hung)
    request = ChatRequest("s", "t", "m", [{"role": "user", "content": "x"}], "layer_introduction", {})
    question: Question[str] = Question(request, lambda answer: (answer.content, []), lambda _: {"role": "user"})

    async def scenario() -> Asked[str]:
        limiter = Limiter(2, min_hedge_seconds=0.0)
        for _ in range(HEDGE_SAMPLES):
            limiter.answered(0.001)  # peers answer in a millisecond: two of them is the hedge delay
        asked = await ask(client, question, max_repairs=0, limit=limiter)
        assert limiter.in_flight == 0 and limiter.peak == 1  # the pair held one slot
        return asked

    asked = asyncio.run(scenario())
    assert asked.value == '{"paragraph": "ok"}'
    assert client.sent == sent and client.cancelled == hung


class Sampled(Limiter):
    """A Limiter keeping every answer time it is told of."""

    samples: list[float | None]

    def answered(self, seconds: float | None) -> None:
        self.samples = [*getattr(self, "samples", []), seconds]
        super().answered(seconds)


def _question() -> Question[str]:
    request = ChatRequest("s", "t", "m", [{"role": "user", "content": "x"}], "layer_introduction", {})
    return Question(request, lambda answer: (answer.content, []), lambda _: {"role": "user"})


def test_a_call_sent_before_the_endpoint_was_measured_is_hedged_once_it_is() -> None:
    """The first wave of a run: no answer time known when the call is sent, so no hedge delay yet; once its peers
    answer, the hung call gets its duplicate instead of waiting for its deadline (here: for ever)."""
    client = HangingOnce(hung=1)

    async def scenario() -> Asked[str]:
        limiter = Limiter(2, min_hedge_seconds=0.001)
        call = asyncio.create_task(ask(client, _question(), max_repairs=0, limit=limiter))
        while client.sent == 0:
            await asyncio.sleep(0)  # the call is sent
        assert limiter.hedge_delay() is None
        for _ in range(HEDGE_SAMPLES):
            limiter.answered(0.001)  # its peers answer: the endpoint is measured
        return await asyncio.wait_for(call, 5.0)

    asked = asyncio.run(scenario())
    assert asked.value == '{"paragraph": "ok"}' and client.sent == 2 and client.cancelled == 1


def test_a_call_won_by_its_duplicate_is_timed_by_the_duplicate() -> None:
    """The answer time a hedged call reports is the winning copy's own, not the lost copy's wait before it: a
    hang must not raise the percentile that decides when the next hang is hedged."""
    client = HangingOnce(hung=1)

    async def scenario() -> list[float | None]:
        limiter = Sampled(2, min_hedge_seconds=0.05)
        for _ in range(HEDGE_SAMPLES):
            limiter.answered(0.001)
        await ask(client, _question(), max_repairs=0, limit=limiter)
        return limiter.samples

    samples = asyncio.run(scenario())
    assert client.sent == 2 and len(samples) == HEDGE_SAMPLES + 1
    last = samples[-1]
    assert last is not None and last < 0.05  # the duplicate answered at once; the hung copy waited 0.05 s first


@dataclass
class RetryingOnce:
    """An HTTP-like client whose first request meets a 500: it waits out 0.3 s of backoff through the limiter (its
    slot given back), then its retry answers 0.09 s after going out; later requests answer at once."""

    limiter: Limiter
    dialect: str = "json_schema"
    sent: int = 0

    async def complete(self, request: ChatRequest) -> ChatResult:
        self.sent += 1
        if self.sent == 1:
            await self.limiter.pause(0.3)
            await asyncio.sleep(0.09)
        return ChatResult('{"paragraph": "ok"}', "stop", 10, 5, 1 if self.sent == 1 else 0, None)

    def unused_recordings(self) -> list[Path]:
        return []

    async def close(self) -> None:
        return None


def test_a_retry_is_timed_from_its_own_send_not_taken_for_a_lost_call() -> None:
    """The hedge delay is 0.12 s: the retry, out at 0.3 s and answered at 0.39 s, is not overdue (0.42 s), so no
    duplicate is sent, though the call as a whole has gone unanswered far longer than the delay."""

    async def scenario() -> RetryingOnce:
        limiter = Limiter(2, min_hedge_seconds=0.0)
        for _ in range(HEDGE_SAMPLES):
            limiter.answered(0.06)
        client = RetryingOnce(limiter)
        asked = await ask(client, _question(), max_repairs=0, limit=limiter)
        assert asked.value == '{"paragraph": "ok"}' and limiter.in_flight == 0
        return client

    assert asyncio.run(scenario()).sent == 1


def test_room_is_announced_once_a_slot_is_free_and_nobody_waits() -> None:
    async def scenario() -> list[str]:
        limiter = Limiter(1)
        seen: list[str] = []
        release = asyncio.Event()

        async def holder() -> None:
            async with limiter.slot():
                await release.wait()
            seen.append("released")

        async def waiter() -> None:
            async with limiter.slot():
                seen.append("waiter served")

        assert limiter.has_room
        tasks = [asyncio.create_task(holder()), asyncio.create_task(waiter())]
        await asyncio.sleep(0)
        assert not limiter.has_room
        room = asyncio.create_task(limiter.wait_for_room())
        await asyncio.sleep(0)
        release.set()
        await room
        seen.append("room")
        await asyncio.gather(*tasks)
        return seen

    assert asyncio.run(scenario()) == ["released", "waiter served", "room"]  # not while the waiter still waited
