"""SIGTERM and SIGHUP stop a run as Ctrl-C does: the same clean-up, resume hint and lock release.

A service manager, `timeout` or a closed terminal stops a process with SIGTERM or SIGHUP, whose default
is to die on the spot: no checkpoint note, no resume command, a lock file left behind. `install` (called
by the console script only) turns each into a SIGINT raised in this process (or, when SIGINT is ignored,
as it is for a job a script starts with `&`, into the KeyboardInterrupt Ctrl-C raises), so every run
stops through the one path Ctrl-C takes (asyncio cancels the tasks, the draft's lock is released, the checkpoint is
kept and the message names the command that resumes). `interrupted_status` is the exit status that
tells them apart: 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP (128 + the signal's number).
"""

from __future__ import annotations

import signal
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_received: list[int] = []


def install() -> None:
    """Route SIGTERM and SIGHUP through SIGINT's handling for the rest of the process."""
    for number in STOP_SIGNALS:
        signal.signal(number, _forward)


def _forward(number: int, _: FrameType | None) -> None:
    _received.append(number)
    if signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL, None):
        # SIGINT ignored (a job a script started with `&`) or left to kill: stop as Ctrl-C does, from here
        raise KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)


def interrupted_status() -> int:
    """The exit status of a run stopped by a signal: 128 + SIGTERM's or SIGHUP's number, else 130 (Ctrl-C)."""
    return 128 + _received[-1] if _received else 130


def stop_name() -> str:
    """How the stop is named in the message: `interrupted`, or `stopped by SIGTERM`."""
    return f"stopped by {signal.Signals(_received[-1]).name}" if _received else "interrupted"
