"""The command line: the only home of typer.

`root.py` holds the root app and what every command shares (options, JSON output, error translation);
each `*_commands.py` module holds one group of commands, which call the core and print through
console.py. A run imports only the module of the command it names (`app_for`), so `score` or
`import` load nothing of drafting, review or curation; `--help`, an unknown name and the `app`
attribute (what tests invoke) load them all. `main` is the console script's entry point.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import gc
import importlib
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from typer.main import get_command_name

from naftiko_writer.cli.root import INVOKED
from naftiko_writer.cli.root import app as _root

if TYPE_CHECKING:
    import typer

COMMAND_MODULES = {
    "score": "score_commands",
    "companies": "score_commands",
    "draft": "draft_command",
    "check": "review_commands",
    "diff": "review_commands",
    "export": "review_commands",
    "import": "score_commands",
    "batch": "batch_commands",
    "taxonomy": "taxonomy_commands",
    "edition": "edition_commands",
}
"""Each command or command group -> the module that defines it, in the order `--help` lists them."""


def load_commands(names: list[str] | None = None) -> typer.Typer:
    """Import the modules defining `names` (every command when None); return the root app, in help order."""
    wanted = COMMAND_MODULES.values() if names is None else [COMMAND_MODULES[name] for name in names]
    for module in dict.fromkeys(wanted):
        importlib.import_module(f"{__name__}.{module}")  # defining its commands registers them on the root app
    order = list(COMMAND_MODULES)
    _root.registered_commands.sort(key=lambda info: order.index(_command_name(info)))
    _root.registered_groups.sort(key=lambda info: order.index(info.name or ""))
    return _root


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or get_command_name(info.callback.__name__ if info.callback else "")


def __getattr__(name: str) -> typer.Typer:
    """`naftiko_writer.cli.root`: the root app with every command (tests and `--help` use the whole app)."""
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_for(args: list[str]) -> typer.Typer:
    """The app holding only the command (or command group) that `args` name first; else the whole app.

    Only that command's module is imported, and typer turns only its parameters into click options
    (tens of milliseconds for all of them). Help, usage errors and parsing are the same either way,
    since the command is the same (an unknown name gets the whole app, and its suggestions).
    """
    name = args[0] if args else ""
    if name not in COMMAND_MODULES:
        return load_commands()
    root = load_commands([name])
    commands = [info for info in root.registered_commands if _command_name(info) == name]
    groups = [info for info in root.registered_groups if info.name == name]
    narrowed = copy.copy(root)
    narrowed.registered_commands, narrowed.registered_groups = commands, groups
    return narrowed


GC_THRESHOLDS = (50_000, 50, 100)
"""Python's cyclic collector, tuned for a run of seconds: with the defaults (700, 10, 10) it ran some 220 times
while one 6,300-signal file was scored (70 ms of 0.8 s) and 600 times in an 18-company fleet (0.34 s of 3 s);
with these, 2 to 5 times (26 ms, 85 ms). Reference counting still frees everything that is not in a cycle."""


def run(argv: list[str]) -> int:
    """Run one command line (the arguments after the program's name) and return its exit status."""
    INVOKED[:] = argv
    try:
        app_for(argv)(args=argv, prog_name="naftiko-writer")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    return 0


def main() -> NoReturn:
    """Console-script entry point: run the command, then exit without tearing the interpreter down.

    By the time a command returns, everything it writes is written and closed. A normal exit would then
    free every object one by one (pydantic's schemas, the model SDK's types): 60-110 ms of a 0.5-0.8 s
    command. Exit handlers still run and the standard streams are flushed before the process ends.
    """
    gc.set_threshold(*GC_THRESHOLDS)
    status = run(sys.argv[1:])
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away, or a stream already closed
            stream.flush()
    os._exit(status)
