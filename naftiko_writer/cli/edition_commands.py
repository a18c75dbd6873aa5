"""`edition add|close|restate|list|show|rank|company|changes|export`: the edition store (no model involved).

The store is `--store FILE`, else NAFTIKO_WRITER_STORE, else `editions.sqlite` in the current folder. Every
read command has `--json` (with `format_version`); adding and restating show a progress bar on stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from naftiko_writer.cli.root import (
    CompaniesDirOpt,
    JsonOpt,
    QuietOpt,
    StoreOpt,
    TaxonomyOpt,
    count_progress,
    user_errors,
    write_json,
)
from naftiko_writer.config import Settings
from naftiko_writer.errors import InputError, NaftikoWriterError

if TYPE_CHECKING:
    from naftiko_writer.editions.changes import Scores
    from naftiko_writer.editions.export import ExportFormat, ExportTable
    from naftiko_writer.editions.records import StoredTaxonomy
    from naftiko_writer.editions.store import Store
    from naftiko_writer.editions.writing import Details, Outcome
    from naftiko_writer.scoring.models import CompanySignals
    from naftiko_writer.scoring.profiles import CompanyProfile

edition_app = typer.Typer(
    help="The edition store: score many companies into a named edition, rank them, and see what changed.",
    no_args_is_help=True,
)
commands = typer.Typer(rich_markup_mode=None, add_completion=False)
"""This module's commands; the root group (root.LazyCommands) takes them from here when one is run."""
commands.add_typer(edition_app, name="edition")

EditionArg = Annotated[str, typer.Argument(metavar="EDITION", help="Edition name, such as 2026-Q1.")]
IndustryOpt = Annotated[
    str | None, typer.Option("--industry", metavar="INDUSTRY", help="Only the companies of this industry.")
]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _store_path(store: Path | None) -> Path:
    return Settings().resolved_store(store)


def _note(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _taxonomy(settings: Settings, taxonomy_dir: Path | None) -> StoredTaxonomy:
    """The taxonomy to score under, with its files' bytes (the store keeps them)."""
    from naftiko_writer.editions.records import StoredTaxonomy
    from naftiko_writer.editions.writing import taxonomy_files
    from naftiko_writer.scoring.taxonomy import read_taxonomy_files, taxonomy_digest
    from naftiko_writer.scoring.taxonomy_cache import load_cached_taxonomy

    folder = settings.resolved_taxonomy_dir(taxonomy_dir)
    contents = read_taxonomy_files(folder)
    taxonomy = load_cached_taxonomy(folder, settings.resolved_cache_dir())
    if taxonomy.digest != taxonomy_digest(data for _, data in contents):
        raise InputError(f"{folder}: the taxonomy changed while it was read; run the command again")
    return StoredTaxonomy(taxonomy, taxonomy_files(folder, contents))


@contextmanager
def _open(store: Path | None, *, write: bool) -> Iterator[Store]:
    from naftiko_writer.editions.store import open_store, sqlite_errors

    path = _store_path(store)
    with open_store(path, write=write) as opened, sqlite_errors(path):
        yield opened


@edition_app.command("add")
def edition_add(
    edition: EditionArg,
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="SOURCE...",
            help="Signals files, folders of raw lists, CSV files, folders of company folders, or company slugs.",
        ),
    ],
    industries: Annotated[
        Path | None,
        typer.Option(
            "--industries",
            metavar="FILE",
            help="A companies list (CSV or YAML: slug -> industry, or {industry, name, description}); overrides profiles.",
        ),
    ] = None,
    store: StoreOpt = None,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score companies into an edition (created if new); unchanged companies are left as they are."""
    from naftiko_writer import __version__
    from naftiko_writer.editions.writing import EditionWriter, Outcome, Status, add_sources
    from naftiko_writer.scoring.profiles import load_company_profiles

    failed = False
    with user_errors():
        settings = Settings()
        mapping = load_company_profiles(industries) if industries is not None else {}
        stored = _taxonomy(settings, taxonomy_dir)
        references, bad = _expand(sources)
        load = _loader(settings.resolved_companies_dir(companies_dir), mapping)
        outcomes: list[Outcome] = [Outcome(source, None, Status.FAILED, message) for source, message in bad]
        for outcome in outcomes:
            _note(f"Error: {_with_source(outcome.source, outcome.detail)}")
        with _open(store, write=True) as opened:
            writer = EditionWriter(opened, edition, stored, now=_now(), tool_version=__version__)
            with count_progress(f"Adding to {edition}", len(references), quiet or as_json) as progress:

                def report(outcome: Outcome) -> None:
                    failed_here = outcome.status is Status.FAILED
                    progress.advance(_describe(outcome) if failed_here or not as_json else None)

                try:
                    outcomes += add_sources(writer, references, load, report)
                finally:  # a new edition nothing went into (every source failed, or Ctrl-C at once) is not kept
                    dropped = writer.drop_if_empty()
        counts = {status.value: sum(1 for o in outcomes if o.status is status) for status in Status}
        failed = counts[Status.FAILED.value] > 0
        if as_json:
            write_json(
                json.dumps(
                    {
                        "format_version": _format_version(),
                        "edition": edition,
                        "store": str(_store_path(store)),
                        "counts": counts,
                        "outcomes": [
                            {"source": o.source, "slug": o.slug, "status": o.status.value, "detail": o.detail}
                            for o in outcomes
                        ],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        else:
            summary = ", ".join(f"{count} {status}" for status, count in counts.items())
            kept = "; nothing went in, so the edition was not created" if dropped else ""
            _note(f"{edition}: {summary} (store {_store_path(store)}){kept}")
    if failed:
        raise typer.Exit(1)


def _format_version() -> int:
    from naftiko_writer.editions.queries import FORMAT_VERSION

    return FORMAT_VERSION


def _describe(outcome: Outcome) -> str | None:
    from naftiko_writer.editions.writing import Status

    if outcome.status is Status.FAILED:
        return f"Error: {_with_source(outcome.source, outcome.detail)}"
    if outcome.status in (Status.REPLACED, Status.UPDATED) or outcome.detail:
        return f"{outcome.slug}: {outcome.status.value}" + (f" ({outcome.detail})" if outcome.detail else "")
    return None


def _with_source(source: str, message: str) -> str:
    """The message, after the source it is about unless it already names it first."""
    return message if message.startswith(source) else f"{source}: {message}"


def _expand(sources: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Every company reference the sources hold (folders expanded; slugs as given), and sources that hold none."""
    from naftiko_writer.editions.writing import one_line
    from naftiko_writer.scoring.companies import collect_sources

    references: list[str] = []
    bad: list[tuple[str, str]] = []
    for source in sources:
        path = Path(source)
        try:
            references += collect_sources(path) if path.exists() else [source]
        except NaftikoWriterError as exc:
            bad.append((source, one_line(str(exc))))
        except OSError as exc:
            bad.append((source, f"cannot read it ({exc.strerror or exc})"))
    return list(dict.fromkeys(references)), bad


def _loader(companies_dir: Path, mapping: dict[str, CompanyProfile]) -> Callable[[str], tuple[CompanySignals, Details]]:
    """Load one reference (through the tool's source readers) with its profile from the companies list, if any.

    The list's name, industry and description win over the signal file's; what the list leaves out, the
    file gives (an industry neither gives is unknown).
    """
    from naftiko_writer.editions.writing import Details
    from naftiko_writer.scoring.companies import load_company, signals_reference

    def load(reference: str) -> tuple[CompanySignals, Details]:
        company_signals = load_company(reference, companies_dir)
        company = company_signals.company
        entry = mapping.get(company.slug)
        if entry is not None:
            given = entry.model_dump(exclude_none=True)
            company = company.model_copy(update=given)
            company_signals = company_signals.model_copy(update={"company": company})
        source = signals_reference(reference)  # a path made absolute: `draft --all --edition` reads it from anywhere
        return company_signals, Details(name=company.name, industry=company.industry, source=source)

    return load


@edition_app.command("close")
def edition_close(edition: EditionArg, store: StoreOpt = None) -> None:
    """Close an edition: it never changes again (restate it to re-score under a new taxonomy)."""
    from naftiko_writer.editions.writing import close_edition

    with user_errors(), _open(store, write=True) as opened:
        closed = close_edition(opened, edition, _now())
        _note(f"{edition}: closed" if closed else f"{edition}: was already closed")


@edition_app.command("restate")
def edition_restate(
    edition: EditionArg,
    store: StoreOpt = None,
    taxonomy_dir: TaxonomyOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Re-score an edition's stored signals under the current taxonomy, into a new edition (2026-Q1 -> 2026-Q1r1)."""
    from naftiko_writer import __version__
    from naftiko_writer.editions import records
    from naftiko_writer.editions.writing import restate_edition

    with user_errors():
        stored = _taxonomy(Settings(), taxonomy_dir)
        with _open(store, write=True) as opened:
            total = records.get_edition(opened.connection, edition).companies
            with count_progress(f"Restating {edition}", total, quiet or as_json) as progress:
                name, added = restate_edition(
                    opened,
                    edition,
                    stored,
                    now=_now(),
                    tool_version=__version__,
                    on_company=lambda _slug, _count: progress.advance(),
                )
        if as_json:
            write_json(json.dumps({"format_version": _format_version(), "edition": name, "restates": edition,
                                   "taxonomy_version": stored.taxonomy.version, "added": added}))  # fmt: skip
        else:
            _note(
                f"{edition} restated under taxonomy {stored.taxonomy.version} as {name} ({added} companies scored); "
                f"close it with `naftiko-writer edition close {name}`"
            )


@edition_app.command("list")
def edition_list(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Every edition in the store: when made, taxonomy, companies, closed or open."""
    from naftiko_writer.editions import records
    from naftiko_writer.editions.queries import edition_dict

    with user_errors(), _open(store, write=False) as opened:
        editions = records.list_editions(opened.connection)
        if as_json:
            write_json(json.dumps({"format_version": _format_version(), "store": str(opened.path),
                                   "editions": [edition_dict(e) for e in editions]}, indent=2))  # fmt: skip
            return
        from naftiko_writer.cli.edition_tables import print_editions

        print_editions(editions, opened.path)


@edition_app.command("show")
def edition_show(
    edition: EditionArg, industry: IndustryOpt = None, store: StoreOpt = None, as_json: JsonOpt = False
) -> None:
    """An edition's companies and industries, and per dimension the total, median, maximum and leaders."""
    from naftiko_writer.editions.queries import show_edition

    with user_errors(), _open(store, write=False) as opened:
        summary = show_edition(opened.connection, edition, industry)
        if as_json:
            write_json(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
            return
        from naftiko_writer.cli.edition_tables import print_summary

        print_summary(summary)


@edition_app.command("rank")
def edition_rank(
    edition: EditionArg,
    dimension: Annotated[
        str, typer.Argument(metavar="DIMENSION", help="A dimension id or name (cloud, Data), or `total`.")
    ],
    industry: IndustryOpt = None,
    top: Annotated[
        int | None, typer.Option("--top", min=1, help="Only ranks 1 to N (every company tied at N included).")
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank an edition's companies on one dimension; tied companies share a rank (1, 2, 2, 4)."""
    from naftiko_writer.editions.queries import rank_edition

    with user_errors(), _open(store, write=False) as opened:
        ranking = rank_edition(opened.connection, edition, dimension, industry, top)
        if as_json:
            write_json(json.dumps(ranking.to_dict(), indent=2, ensure_ascii=False))
            return
        from naftiko_writer.cli.edition_tables import print_ranking

        print_ranking(ranking)


@edition_app.command("company")
def edition_company(
    edition: EditionArg,
    slug: Annotated[str, typer.Argument(metavar="SLUG", help="The company's slug.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One company's stored scorecard, printed as `score` prints it."""
    from naftiko_writer.editions.queries import stored_company

    with user_errors(), _open(store, write=False) as opened:
        found = stored_company(opened.connection, edition, slug, opened.path)
        if found.differing:
            _note(
                f"Warning: re-scored under the stored taxonomy, {len(found.differing)} dimensions differ from the "
                f"stored scores ({', '.join(found.differing)}): the scorer changed since {edition} was made"
            )
        if as_json:
            write_json(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
            return
        from naftiko_writer.console import print_scorecard, stdout_console

        console = stdout_console()
        console.print(
            f"{edition} · industry {found.member.industry or 'unknown'} · from {found.member.source}", markup=False
        )
        print_scorecard(found.card, console)


@edition_app.command("changes")
def edition_changes_command(
    slug: Annotated[
        str | None, typer.Argument(metavar="[SLUG]", help="One company; without it, the edition's biggest movers.")
    ] = None,
    from_edition: Annotated[str, typer.Option("--from", metavar="EDITION", help="The earlier edition.")] = "",
    to_edition: Annotated[str, typer.Option("--to", metavar="EDITION", help="The later edition.")] = "",
    dimension: Annotated[
        str, typer.Option("--dimension", metavar="DIMENSION", help="Movers on this dimension (id or name).")
    ] = "total",
    industry: IndustryOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many movers to list.")] = 20,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """What changed between two editions, split into signals vs taxonomy, and rank moves into own vs peers'."""
    from naftiko_writer.editions.changes import company_changes, edition_changes

    with user_errors():
        if not from_edition or not to_edition:
            raise InputError("give both --from EDITION and --to EDITION")
        with _open(store, write=False) as opened:
            if slug is not None:
                changes = company_changes(opened.connection, opened.path, slug, from_edition, to_edition, industry)
                if as_json:
                    write_json(json.dumps(changes.to_dict(), indent=2, ensure_ascii=False))
                else:
                    from naftiko_writer.cli.edition_tables import print_company_changes

                    print_company_changes(changes)
                return
            computed = _cross_score(opened, from_edition, to_edition, quiet or as_json)
            movers = edition_changes(
                opened.connection, from_edition, to_edition, dimension, industry=industry, top=top, computed=computed
            )
            if as_json:
                write_json(json.dumps(movers.to_dict(), indent=2, ensure_ascii=False))
            else:
                from naftiko_writer.cli.edition_tables import print_movers

                print_movers(movers)


def _cross_score(opened: Store, from_edition: str, to_edition: str, quiet: bool) -> dict[str, Scores]:
    """Score A's signals under B's taxonomy where not yet stored: kept in the store when it can be written."""
    from naftiko_writer.editions import records
    from naftiko_writer.editions.changes import CrossScores, missing_cross_scorings
    from naftiko_writer.editions.store import open_store
    from naftiko_writer.editions.writing import ScoringWriter
    from naftiko_writer.errors import StoreError

    missing = missing_cross_scorings(opened.connection, from_edition, to_edition)
    if not missing:
        return {}
    to = records.get_edition(opened.connection, to_edition)
    description = f"Scoring {from_edition}'s signals under {to_edition}'s taxonomy"
    try:
        writer_store = open_store(opened.path, write=True)
    except StoreError as exc:
        _note(f"Note: not kept in the store ({str(exc).splitlines()[0]})")
        cross = CrossScores(opened.connection, opened.path, to.taxonomy_id)
        computed = {}
        with count_progress(description, len(missing), quiet) as progress:
            for member in missing:
                computed[member.slug] = cross.scores(member)
                progress.advance()
        return computed
    with writer_store:
        stored = records.load_stored_taxonomy(writer_store.connection, to.taxonomy_id, opened.path)
        writer = ScoringWriter(writer_store, stored, now=_now())
        with count_progress(f"{description} (once; kept)", len(missing), quiet) as progress:
            for member in missing:
                writer.store_scoring(member.set_id, records.member_signals(writer_store.connection, member))
                progress.advance()
    return {}


@edition_app.command("export")
def edition_export(
    edition: EditionArg,
    file_format: Annotated[str, typer.Option("--format", metavar="csv|jsonl", help="CSV or JSON Lines.")] = "csv",
    table: Annotated[
        str, typer.Option("--table", metavar="scores|signals", help="Scores per company and dimension, or signals.")
    ] = "scores",
    out: Annotated[Path | None, typer.Option("--out", help="The file to write [default: stdout].")] = None,
    store: StoreOpt = None,
) -> None:
    """Export an edition: one row per company and dimension (or per company and signal)."""
    from naftiko_writer.editions.export import ExportFormat, ExportTable, write_export

    with user_errors():
        chosen_format = _choice(ExportFormat, file_format, "--format")
        chosen_table = _choice(ExportTable, table, "--table")
        with _open(store, write=False) as opened:
            if out is None:
                write_export(opened.connection, edition, chosen_table, chosen_format, sys.stdout)
                sys.stdout.flush()
                return
            count = _export_to_file(opened, edition, chosen_table, chosen_format, out)
        _note(f"{count:,} rows written to {out}")


def _choice(kind: type[ExportFormat] | type[ExportTable], value: str, flag: str) -> Any:
    try:
        return kind(value.strip().lower())
    except ValueError:
        raise InputError(f"{flag} {value!r} is not one of {', '.join(member.value for member in kind)}") from None


def _export_to_file(opened: Store, edition: str, table: ExportTable, file_format: ExportFormat, out: Path) -> int:
    """Write the export next to `out` and rename it into place, so a failure leaves no half file."""
    import os
    import tempfile

    from naftiko_writer.editions.export import write_export

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{out}: cannot write it ({exc.strerror or exc})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            count = write_export(opened.connection, edition, table, file_format, stream)
        os.replace(name, out)
    except OSError as exc:
        raise InputError(f"{out}: cannot write it ({exc.strerror or exc})") from None
    finally:
        Path(name).unlink(missing_ok=True)
    return count
