"""event_loop.run: asyncio.run's result, without formatting that result on the way out."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from naftiko_writer import event_loop


class ReprCounter:
    """A result that counts how often it is formatted (a whole Report costs milliseconds to repr)."""

    def __init__(self) -> None:
        self.reprs = 0

    def __repr__(self) -> str:
        self.reprs += 1
        return "ReprCounter()"


def test_run_returns_the_result_without_formatting_it() -> None:
    result = ReprCounter()

    async def produce() -> ReprCounter:
        return result

    assert event_loop.run(produce()) is result
    assert result.reprs == 0


def test_run_raises_what_the_coroutine_raises() -> None:
    async def fail() -> None:
        raise ValueError("no such company")

    with pytest.raises(ValueError, match="no such company"):
        event_loop.run(fail())


def _interrupt_a_gathered_task(finished: list[str]) -> None:
    """Run three gathered tasks, the second of which is interrupted (as a progress callback can be)."""

    async def section(index: int) -> None:
        try:
            await asyncio.sleep(0)
            if index == 1:
                raise KeyboardInterrupt
            await asyncio.sleep(10)
        finally:
            finished.append(f"section {index} ended")

    async def draft() -> None:
        await asyncio.gather(*(asyncio.create_task(section(index)) for index in range(3)))

    try:
        event_loop.run(draft())
    except KeyboardInterrupt:
        return
    pytest.fail("the interrupt was swallowed")


def test_an_interrupt_inside_a_task_is_raised_after_the_loop_closes_and_not_reported_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    finished: list[str] = []
    gc.freeze()  # what earlier tests left is not this test's concern (and a full collection of it is slow)
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            _interrupt_a_gathered_task(finished)
            gc.collect()  # a task left holding the interrupt is reported when it is collected
    finally:
        gc.unfreeze()
    assert sorted(finished) == ["section 0 ended", "section 1 ended", "section 2 ended"]  # the others cancelled
    assert [record.getMessage() for record in caplog.records] == []
