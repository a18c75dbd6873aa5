"""`draft`: one company's report, or a fleet of them, with progress, budgets and the exit status of a stopped run."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from naftiko_writer.cli.root import (
    EXIT_ALL_FALLBACK,
    EXIT_STOPPED,
    BaseUrlOpt,
    CompaniesDirOpt,
    EditionOpt,
    EngineOpt,
    JsonOpt,
    ModelOpt,
    ModeOpt,
    StoreOpt,
    TaxonomyOpt,
    draft_targets,
    print_error,
    read_edition,
    resume_hint,
    user_errors,
    write_json,
)
from naftiko_writer.config import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_REPAIRS,
    MAX_CONCURRENCY,
    Engine,
    RecordMode,
    Settings,
)
from naftiko_writer.errors import InputError
from naftiko_writer.stop_signals import interrupted_status, stop_name

if TYPE_CHECKING:
    from naftiko_writer.console import DraftProgress
    from naftiko_writer.drafting.pipeline import DraftEvent
    from naftiko_writer.drafting.run import DraftRun


commands = typer.Typer(rich_markup_mode=None, add_completion=False)
"""This module's commands; the root group (root.LazyCommands) takes them from here when one is run."""


@commands.command()
def draft(
    companies: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="COMPANY...",
            help="Company slugs under fixtures/companies/, signal files, or folders of them (several: a fleet).",
        ),
    ] = None,
    all_companies: Annotated[
        bool,
        typer.Option(
            "--all", help="Draft every company under the companies folder, or with --edition every company of it."
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Markdown file to write [default: drafts/<company>/<timestamp>.md].")
    ] = None,
    engine: EngineOpt = Engine.LLM,
    mode: ModeOpt = RecordMode.REPLAY,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            max=MAX_CONCURRENCY,
            help=f"Model requests in flight [default: NAFTIKO_WRITER_CONCURRENCY or {DEFAULT_CONCURRENCY}].",
        ),
    ] = None,
    max_repairs: Annotated[
        int, typer.Option("--max-repairs", min=0, max=5, help="Re-asks per section after a bad answer.")
    ] = DEFAULT_MAX_REPAIRS,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=1.0,
            help="Seconds to wait for one model answer [default: from the answer's size, 24 s uncapped].",
        ),
    ] = None,
    max_output_tokens: Annotated[
        int | None, typer.Option("--max-output-tokens", min=16, help="Cap on tokens per answer (max_tokens).")
    ] = None,
    max_tokens_per_report: Annotated[
        int | None,
        typer.Option("--max-tokens-per-report", min=1, help="Stop (resumably) once this many tokens are spent."),
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", min=0.0, help="Stop (resumably) once this many dollars are spent.")
    ] = None,
    prices: Annotated[Path | None, typer.Option("--prices", help="Price table [default: pricing/prices.yaml].")] = None,
    update: Annotated[
        Path | None,
        typer.Option(
            "--update",
            metavar="DRAFT",
            help="Re-draft DRAFT in place: only sections whose data changed; sections you edited are kept.",
        ),
    ] = None,
    reset: Annotated[
        list[str] | None,
        typer.Option(
            "--reset",
            metavar="SECTION",
            help="With --update: redraft this section (a marker id, e.g. dimension:cloud) even if you edited it.",
        ),
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="Also publish the draft as HTML (see `export`).")] = False,
    edition: EditionOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Draft a company's report as Markdown (plus a JSON sidecar); offline from recordings by default."""
    from naftiko_writer.drafting.cost import load_prices
    from naftiko_writer.drafting.run import DraftRun

    with user_errors():
        settings = Settings()
        now = datetime.now(UTC)
        sources = settings.sources(companies_dir, taxonomy_dir)
        names = companies or []
        if not names and not all_companies:
            raise InputError("no company given; name one (e.g. spotify), several, a folder of signal files, or --all")
        targets = draft_targets(settings, names, all_companies, edition, store, sources.companies_dir)
        options = settings.draft_options(
            engine,
            concurrency=concurrency,
            max_repairs=max_repairs,
            max_output_tokens=max_output_tokens,
            max_tokens_per_report=max_tokens_per_report,
            max_cost=max_cost,
        )
        cohort, changes = read_edition(settings, edition, store)
        base = DraftRun(
            company=targets[0],
            created=now.isoformat(timespec="seconds"),
            sources=sources,
            options=options,
            endpoint=settings.endpoint(mode, base_url=base_url, model=model, timeout_seconds=timeout),
            prices=load_prices(settings.resolved_prices(prices)),
            cohort=cohort,
            changes=changes,
        )
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        progress = _progress(targets[0] if len(targets) == 1 else f"{len(targets)} companies", quiet or as_json)
        if len(targets) > 1 or all_companies:
            if out or update or html:
                raise InputError("--out, --update and --html take one company; draft a fleet without them")
            _draft_fleet(base, targets, settings.drafts_dir, stamp, progress, as_json)
            return
        if reset and update is None:
            raise InputError("--reset names sections of the draft to --update; give --update DRAFT with it")
        _draft_single(base, settings.drafts_dir, stamp, out, update, html, progress, as_json, quiet, reset or [])


class SilentProgress:
    """The progress of a quiet or --json run: no bar, so no terminal library; warnings still print, plainly."""

    def __enter__(self) -> SilentProgress:
        """Nothing to set up."""
        return self

    def __exit__(self, *_: object) -> None:
        """Nothing to tear down."""

    def __call__(self, event: DraftEvent) -> None:
        """Print a warning (a stale checkpoint set aside, ...) on stderr; ignore the rest."""
        if event.kind == "warning":
            sys.stderr.write(f"Warning: {event.message}\n")


def _progress(company: str, silent: bool) -> DraftProgress | SilentProgress:
    if silent:
        return SilentProgress()
    from naftiko_writer.console import DraftProgress

    return DraftProgress(company)


def _draft_fleet(
    base: DraftRun,
    targets: list[str],
    drafts_dir: Path,
    stamp: str,
    progress: DraftProgress | SilentProgress,
    as_json: bool,
) -> None:
    from naftiko_writer.console import print_error, print_fleet_summary, stderr_console
    from naftiko_writer.drafting.fleet import draft_fleet

    started = time.perf_counter()
    try:
        with progress:
            results = draft_fleet(base, targets, drafts_dir, stamp, progress)
    except KeyboardInterrupt:
        print_error(
            f"{stop_name()}; every draft finished so far is written under {drafts_dir}, and each unfinished "
            f"company's finished sections are kept in {drafts_dir}/<company>/.checkpoint.jsonl; " + resume_hint()
        )
        raise typer.Exit(interrupted_status()) from None
    wall = time.perf_counter() - started
    if as_json:
        write_json(
            json.dumps(
                [
                    {
                        "company": r.company,
                        "markdown": str(r.files.markdown) if r.files else None,
                        "error": r.error,
                        "seconds": r.seconds,
                        "summary": r.summary.model_dump() if r.summary else None,
                    }
                    for r in results
                ],
                indent=2,
            )
        )
    else:
        print_fleet_summary(results, wall, stderr_console())
    failed = [r for r in results if r.error]
    for result in failed:
        print_error(f"{result.company}: {result.error}")
    if failed:
        raise typer.Exit(1)
    if any(r.summary is not None and r.summary.stopped for r in results):
        raise typer.Exit(EXIT_STOPPED)


def _draft_single(
    base: DraftRun,
    drafts_dir: Path,
    stamp: str,
    out: Path | None,
    update: Path | None,
    html: bool,
    progress: DraftProgress | SilentProgress,
    as_json: bool,
    quiet: bool,
    reset: list[str],
) -> None:
    from naftiko_writer.drafting.use_case import DraftInterrupted, DraftTarget, draft_to_files

    target = DraftTarget(drafts_dir, stamp, out)
    updated = None
    backup = None
    try:
        with progress:
            if update is None:
                drafted = draft_to_files(base, target, progress)
                report, files, checkpoint = drafted.report, drafted.files, drafted.checkpoint
            else:
                from naftiko_writer.review.update import update_to_files  # only --update reads a draft

                outcome = update_to_files(update, base, target, progress, reset=frozenset(reset))
                updated, files, checkpoint, backup = outcome.updated, outcome.files, outcome.checkpoint, outcome.backup
                report = updated.report
    except DraftInterrupted as interrupted:
        print_error(
            f"{stop_name()}; the sections finished so far are kept in {interrupted.checkpoint}; " + resume_hint()
        )
        raise typer.Exit(interrupted_status()) from None
    page = files.markdown.with_suffix(".html") if html else None
    if page is not None:
        from naftiko_writer.document.html import export_html

        export_html(files.markdown, page, base.sources.taxonomy_dir)
    if as_json:
        result: dict[str, object] = {
            "markdown": str(files.markdown),
            "sidecar": str(files.sidecar),
            "html": str(page) if page else None,
            "summary": report.summary.model_dump(),
        }
        if updated is not None:
            result["update"] = {
                "backup": str(backup) if backup else None,
                "regenerated": updated.regenerated,
                "reused": updated.reused,
                "kept": updated.kept,
                "kept_stale": updated.kept_stale,
                "removed": updated.removed,
                "dropped": updated.dropped,
                "reset": updated.reset,
            }
        write_json(json.dumps(result, indent=2))
    elif quiet and updated is None:  # plain lines: a quiet run loads no terminal library
        from naftiko_writer.report.model import summary_lines

        sys.stderr.write("".join(text + "\n" for text, _ in summary_lines(report.summary, str(files.markdown))))
    else:
        from naftiko_writer.console import print_draft_summary, print_update_summary, stderr_console

        print_draft_summary(report.summary, str(files.markdown), stderr_console())
        if updated is not None:
            print_update_summary(updated, str(backup) if backup else "(nothing to back up)", stderr_console())
    if report.summary.stopped is not None:
        print_error(
            f"stopped early: {report.summary.stopped}. Sections not drafted are marked in {files.markdown}; "
            f"finished ones are kept in {checkpoint}. Run the same command with a larger budget to resume"
        )
        raise typer.Exit(EXIT_STOPPED)
    if report.summary.fallbacks and report.summary.fallbacks == report.summary.drafted:
        print_error(
            f"every section fell back to the template engine: the model at {_endpoint_url(base)} "
            "gave no usable answer (the draft is complete and marked for review)"
        )
        raise typer.Exit(EXIT_ALL_FALLBACK)


def _endpoint_url(run: DraftRun) -> str:
    from naftiko_writer.llm.redact import redact_url

    return redact_url(run.endpoint.base_url) if run.endpoint is not None else "the endpoint"
