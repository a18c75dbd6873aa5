"""event_loop.run: asyncio.run's result, without formatting that result on the way out."""

from __future__ import annotations

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
