"""The root Typer app and what every command shares: the common options, JSON output and error translation.

The root group lists every command but imports a command's module only when that command is run
or shown (`LazyCommands`, click's lazy-loading pattern): `score` loads nothing of drafting, review
or curation, and typer turns only that module's parameters into options. Each `*_commands.py`
module holds its commands on its own `commands` app.

Every NaftikoWriterError a command raises becomes `Error: ...` on stderr and exit 1 (`user_errors`);
usage errors exit 2 (Typer); Ctrl-C exits 130. stdout carries only the product (tables, JSON).
"""

from __future__ import annotations

import errno
import importlib
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from naftiko_writer import __version__
from naftiko_writer.errors import InputError, NaftikoWriterError
from naftiko_writer.options import DEFAULT_BASE_URL, DEFAULT_MODEL, Engine, RecordMode
from naftiko_writer.stop_signals import interrupted_status, stop_name

if TYPE_CHECKING:
    from naftiko_writer.config import Settings
    from naftiko_writer.drafting.run import ChangesSource
    from naftiko_writer.report.cohort import Cohort

WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG})
"""A file that cannot be written for reasons the user can fix: a full disk or quota, a read-only or private folder."""

EXIT_STOPPED = 3
"""Exit status when a budget stopped the run (a partial, resumable draft was written)."""
EXIT_ALL_FALLBACK = 4
"""Exit status when every section fell back to the template engine (the model gave nothing usable)."""

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
    "industry": "industry_command",
}
"""Each command or command group -> the module of this package that defines it, in the order `--help` lists them."""


class LazyCommands(TyperGroup):
    """The root command group: every command listed, each built from its module when first asked for."""

    def list_commands(self, ctx: object) -> list[str]:
        """Every command, in help order, without importing any of them."""
        return list(COMMAND_MODULES)

    def get_command(self, ctx: object, cmd_name: str) -> TyperCommand | TyperGroup | None:
        """The command named `cmd_name`, its module imported now; None for an unknown name.

        An unknown name builds every command first, so that the usage error can suggest the closest.
        """
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            for name in COMMAND_MODULES:
                self.get_command(ctx, name)
            return None
        command = self.commands.get(cmd_name)
        if command is None:
            built = typer.main.get_command(importlib.import_module(f"{__package__}.{module}").commands)
            command = built.commands.get(cmd_name) if isinstance(built, TyperGroup) else built
            if command is None:
                raise LookupError(f"{module} defines no command {cmd_name!r}")  # a bug in COMMAND_MODULES
            self.add_command(command, cmd_name)
        return command if isinstance(command, TyperCommand | TyperGroup) else None


app = typer.Typer(
    help="Draft Technology Investment Impact Reports from technology signal data.",
    cls=LazyCommands,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

CompanyArg = Annotated[
    str,
    typer.Argument(
        metavar="COMPANY", help="Company slug under fixtures/companies/ (e.g. spotify) or a path to a signals file."
    ),
]
TaxonomyOpt = Annotated[
    Path | None, typer.Option("--taxonomy", help="Taxonomy folder [default: taxonomy/ of the project].")
]
CompaniesDirOpt = Annotated[
    Path | None, typer.Option("--companies-dir", help="Folder of company fixtures [default: fixtures/companies/].")
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store", metavar="FILE", help="The edition store [default: NAFTIKO_WRITER_STORE, else ./editions.sqlite]."
    ),
]
EditionOpt = Annotated[
    str | None,
    typer.Option(
        "--edition",
        metavar="EDITION",
        help="Draft among a stored edition: sections may say where the company stands among its peers.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of tables.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
EngineOpt = Annotated[
    Engine, typer.Option("--engine", help="llm: prompts and a model (recorded by default); template: no model.")
]
ModeOpt = Annotated[
    RecordMode,
    typer.Option(
        "--mode",
        help="replay: offline from fixtures/recordings; record: call the endpoint and save; live: call, save nothing.",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help=f"Model name [default: NAFTIKO_WRITER_MODEL or {DEFAULT_MODEL}; replay: {DEFAULT_MODEL}'s recordings].",
    ),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help=f"OpenAI-compatible endpoint [default: OPENAI_BASE_URL or {DEFAULT_BASE_URL}]."),
]
"""The model options of the commands that draft (`draft`, `industry`)."""


INVOKED: list[str] = []
"""The arguments of this process's command (set by `run`), for the resume hint after Ctrl-C."""


def read_edition(
    settings: Settings, edition: str | None, store: Path | None
) -> tuple[Cohort | None, ChangesSource | None]:
    """The stored edition to draft among (read once for every company of a run) and its companies' changes.

    Both None without `--edition`; `--store` alone is a usage mistake, said in one line.
    """
    if edition is None:
        if store is not None:
            raise InputError("--store is the edition store: give --edition EDITION with it")
        return None, None
    from naftiko_writer.editions.cohort import read_changes, read_cohort

    path = settings.resolved_store(store)
    return read_cohort(path, edition), read_changes(path, edition)


def draft_targets(
    settings: Settings, names: list[str], everything: bool, edition: str | None, store: Path | None, companies_dir: Path
) -> list[str]:
    """The companies a draft or a batch names, folders expanded.

    `--all` adds every company under the companies folder or, with `--edition`, every company of that
    edition, from the source it was added from.
    """
    from naftiko_writer.drafting.fleet import fleet_targets

    if everything and edition is not None:
        from naftiko_writer.editions.cohort import read_sources

        return fleet_targets([*read_sources(settings.resolved_store(store), edition), *names], False, companies_dir)
    return fleet_targets(names, everything, companies_dir)


class Counting(Protocol):
    """A count of items done (a progress bar, or nothing), with notes printed as they come."""

    def __enter__(self) -> Counting: ...

    def __exit__(self, *_: object) -> None: ...

    def advance(self, note: str | None = None) -> None:
        """One more item done; `note` (if any) is printed as written."""


class _Silent:
    """Progress for --json and --quiet runs (and single items): no bar, notes printed as they come."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def advance(self, note: str | None = None) -> None:
        if note:
            sys.stderr.write(note + "\n")
            sys.stderr.flush()


def count_progress(description: str, total: int, quiet: bool) -> Counting:
    """A progress bar on stderr over `total` items; none when `quiet` (--quiet, --json) or for one item."""
    if quiet or total <= 1:
        return _Silent()
    from naftiko_writer.console import CountProgress

    return CountProgress(description, total)


def resume_hint() -> str:
    """How to resume: the command that was run (`naftiko-writer ...`), when known."""
    command = f": {shlex.join(['naftiko-writer', *INVOKED])}" if INVOKED else ""
    return f"to resume, run the same command again{command}"


def write_json(text: str) -> None:
    """Write JSON to stdout exactly as given (no wrapping, no colour, and no terminal library to load)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


@contextmanager
def user_errors() -> Iterator[None]:
    """Translate user-caused errors into `Error: ...` + exit 1, Ctrl-C into exit 130 (SIGTERM 143, SIGHUP 129).

    A file that cannot be written (a full disk, a quota, a read-only folder) is a user's error too: one line
    naming the file, wherever the write happened.
    """
    try:
        yield
    except NaftikoWriterError as exc:
        print_error(str(exc))
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        print_error(stop_name())
        raise typer.Exit(interrupted_status()) from None
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS or not exc.filename:
            raise
        print_error(
            f"{exc.filename}: cannot write ({exc.strerror}); nothing half-written was left: free some space or "
            "check the folder's permissions, then run the same command again"
        )
        raise typer.Exit(1) from None


def print_error(message: str) -> None:
    """Print `Error: message` on stderr (rich loads only when there is something to print)."""
    from naftiko_writer.console import print_error as print_on_stderr

    print_on_stderr(message)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"naftiko-writer {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Draft Technology Investment Impact Reports from technology signal data."""
