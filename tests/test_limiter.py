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
        limiter.answered(0.5)
    assert limiter.hedge_delay() is None
    limiter.answered(0.5)
    assert limiter.hedge_delay() == max(MIN_HEDGE_SECONDS, 1.5)  # three times the 90th percentile
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
            limiter.answered(0.001)  # peers answer in a millisecond: three of them is the hedge delay
        asked = await ask(client, question, max_repairs=0, limit=limiter)
        assert limiter.in_flight == 0 and limiter.peak == 1  # the pair held one slot
        return asked

    asked = asyncio.run(scenario())
    assert asked.value == '{"paragraph": "ok"}'
    assert client.sent == sent and client.cancelled == hung


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
