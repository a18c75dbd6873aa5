"""The command line: the only home of typer.

`root.py` holds the root app (its group imports a command's module only when the command runs) and
what every command shares (options, JSON output, error translation); each `*_commands.py` module
holds one group of commands, which call the core and print through console.py. `main` is the
console script's entry point, `app` what tests invoke.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import signal
import sys
from typing import NoReturn

from naftiko_writer import stop_signals
from naftiko_writer.cli.root import COMMAND_MODULES, INVOKED, app

__all__ = ["COMMAND_MODULES", "GC_THRESHOLDS", "app", "main", "run"]

GC_THRESHOLDS = (50_000, 50, 100)
"""Python's cyclic collector, tuned for a run of seconds: with the defaults (700, 10, 10) it ran some 220 times
while one 6,300-signal file was scored (70 ms of 0.8 s) and 600 times in an 18-company fleet (0.34 s of 3 s);
with these, 2 to 5 times (26 ms, 85 ms). Reference counting still frees everything that is not in a cycle
(scoring makes no cycles at all; tests/test_scoring.py checks it). This is the process's GC policy: set here,
at the edge, never inside the core."""


OUTPUT_ERRORS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT})
"""Errors writing to stdout itself: the output has nowhere to go."""


def run(argv: list[str]) -> int:
    """Run one command line (the arguments after the program's name) and return its exit status."""
    INVOKED[:] = argv
    try:
        app(args=argv, prog_name="naftiko-writer")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    return 0


def main() -> NoReturn:
    """Console-script entry point: tune the collector for a short run, run the command, exit with its status.

    Once the command has returned, what is left is frozen out of the collector's view (`gc.freeze`), so the
    interpreter's exit does not walk every object of pydantic's schemas and the SDK once more looking for
    cycles: measured as 15-35 ms of CPU of `score spotify --json` and `draft spotify` (about a tenth of
    them), the same as skipping the teardown with os._exit. The exit itself is the ordinary one.
    """
    gc.set_threshold(*GC_THRESHOLDS)
    stop_signals.install()
    for stream in (
        sys.stdout,
        sys.stderr,
    ):  # a terminal that cannot show a name (PYTHONIOENCODING=ascii) gets \u escapes
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        status = run(sys.argv[1:])
        sys.stdout.flush()
    except OSError as exc:  # stdout closed by its reader (`| head`) or full (`> /dev/full`): nowhere for the product
        if exc.errno not in OUTPUT_ERRORS or exc.filename:
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor for the interpreter's last flush
        if exc.errno == errno.EPIPE:
            status = 128 + signal.SIGPIPE  # as a command killed by SIGPIPE ends, quietly
        else:
            sys.stderr.write(f"Error: cannot write the output ({exc.strerror}); check where stdout goes\n")
            status = 1
    gc.freeze()
    sys.exit(status)
