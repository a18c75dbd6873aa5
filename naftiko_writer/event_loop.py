"""Running a coroutine to completion from synchronous code (the one place the package calls asyncio.run).

On its way out, `asyncio.run` restores the SIGINT handler; `signal` then tries to turn the handler it
replaces into an enum member, fails, and formats the handler's repr, which holds the main task and its
result. When that result is a whole report, the repr costs milliseconds (pydantic walks every field) on
every run. The coroutine's result is therefore kept outside the task, whose own result stays None.

A Ctrl-C that reaches asyncio's own SIGINT handler cancels the main task, which unwinds cleanly. An
interrupt *raised inside a task* (KeyboardInterrupt or SystemExit from code a task runs) is different:
asyncio re-raises it out of the loop at once, and again from every task it passes through on its way up,
so `asyncio.run` would close the loop with the main task still unwinding (its `finally` blocks never
finishing, "Task was destroyed but it is pending!", a gather's exception never retrieved). `run` therefore
cancels the main task and runs the loop until it has finished before closing it, then raises the interrupt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)`, returning its result or raising what it raised.

    An interrupt raised inside the coroutine or any task it started (KeyboardInterrupt, SystemExit) is raised
    again once every task has unwound and the loop has closed (see the module docstring).
    """
    results: list[T] = []
    interrupts: list[BaseException] = []
    main_task: list[asyncio.Task[None]] = []

    async def main() -> None:
        main_task.extend(task for task in [asyncio.current_task()] if task is not None)
        try:
            results.append(await coroutine)
        except (KeyboardInterrupt, SystemExit) as interrupt:
            interrupts.append(interrupt)

    with asyncio.Runner() as runner:
        try:
            runner.run(main())
        except (KeyboardInterrupt, SystemExit) as interrupt:
            if not main_task or main_task[0].done():
                raise  # asyncio's own Ctrl-C, after the main task was cancelled and finished
            interrupts.append(interrupt)
            _unwind(runner.get_loop(), main_task[0])
    if interrupts:
        raise interrupts[0]
    return results[0]


def _unwind(loop: asyncio.AbstractEventLoop, task: asyncio.Task[None]) -> None:
    """Cancel `task` and run the loop until it is done, through the interrupt raised again on the way."""
    task.cancel()
    while not task.done():
        try:
            loop.run_until_complete(task)
        except (KeyboardInterrupt, SystemExit, asyncio.CancelledError):
            continue
