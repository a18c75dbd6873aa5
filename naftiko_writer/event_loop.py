"""Running a coroutine to completion from synchronous code (the one place the package calls asyncio.run).

On its way out, `asyncio.run` restores the SIGINT handler; `signal` then tries to turn the handler it
replaces into an enum member, fails, and formats the handler's repr, which holds the main task and its
result. When that result is a whole report, the repr costs milliseconds (pydantic walks every field) on
every run. The coroutine's result is therefore kept outside the task, whose own result stays None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)`, returning its result or raising what it raised.

    An interrupt raised inside the coroutine (KeyboardInterrupt, SystemExit) is raised again once the loop
    has cancelled the remaining tasks and closed, rather than from inside the task: left there, it is reported
    as "Task exception was never retrieved" when the task is collected.
    """
    results: list[T] = []
    interrupts: list[BaseException] = []

    async def main() -> None:
        try:
            results.append(await coroutine)
        except (KeyboardInterrupt, SystemExit) as interrupt:
            interrupts.append(interrupt)

    asyncio.run(main())
    if interrupts:
        raise interrupts[0]
    return results[0]
