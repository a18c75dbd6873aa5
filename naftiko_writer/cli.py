"""The command line: the only module that imports typer.

Commands parse flags, call the core and print through console.py. Every
NaftikoWriterError becomes `Error: ...` on stderr and exit 1; usage errors
exit 2 (Typer); Ctrl-C exits 130.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import datetime as dt
import gc
import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.main import get_command_name

from naftiko_writer import __version__
from naftiko_writer.config import (
    DEFAULT_BASE_URL,
    DEFAULT_BATCH_MAX_REPAIRS,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_REPAIRS,
    DEFAULT_MODEL,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_CONCURRENCY,
    Engine,
    RecordMode,
    Settings,
)
from naftiko_writer.errors import ConfigError, InputError, NaftikoWriterError

if TYPE_CHECKING:
    from naftiko_writer.console import DraftProgress
    from naftiko_writer.drafting.batch import BatchProgress
    from naftiko_writer.drafting.pipeline import DraftEvent, DraftJob
    from naftiko_writer.review.diff import DraftDiff

# Each command imports the modules it uses when it runs, so `score` or `--help` load
# neither the drafting pipeline nor markdown-it, jinja, the report schemas or the model SDK.

EXIT_STOPPED = 3
"""Exit status when a budget stopped the run (a partial, resumable draft was written)."""
EXIT_ALL_FALLBACK = 4
"""Exit status when every section fell back to the template engine (the model gave nothing usable)."""

app = typer.Typer(
    help="Draft Technology Investment Impact Reports from technology signal data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

CompanyArg = Annotated[
    str, typer.Argument(help="Company slug under fixtures/companies/ (e.g. spotify) or a path to a signals file.")
]
TaxonomyOpt = Annotated[
    Path | None, typer.Option("--taxonomy", help="Taxonomy folder [default: taxonomy/ of the project].")
]
CompaniesDirOpt = Annotated[
    Path | None, typer.Option("--companies-dir", help="Folder of company fixtures [default: fixtures/companies/].")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of tables.")]


def _job(
    settings: Settings,
    company: str,
    created: str,
    companies_dir: Path | None,
    taxonomy_dir: Path | None,
    **options: Any,
) -> DraftJob:
    """A DraftJob with the project folders resolved (flag, else environment, else the project)."""
    from naftiko_writer.drafting.pipeline import DraftJob

    return DraftJob(
        company=company,
        companies_dir=settings.resolved_companies_dir(companies_dir),
        taxonomy_dir=settings.resolved_taxonomy_dir(taxonomy_dir),
        taxonomy_cache_dir=settings.resolved_cache_dir(),
        prompts_dir=settings.resolved_prompts_dir(),
        recordings_dir=settings.resolved_recordings_dir(),
        created=created,
        **options,
    )


def write_json(text: str) -> None:
    """Write JSON to stdout exactly as given (no wrapping, no colour, and no terminal library to load)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


@contextmanager
def user_errors() -> Iterator[None]:
    """Translate user-caused errors into `Error: ...` + exit 1, Ctrl-C into exit 130."""
    try:
        yield
    except NaftikoWriterError as exc:
        _print_error(str(exc))
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        _print_error("interrupted")
        raise typer.Exit(130) from None


def _print_error(message: str) -> None:
    from naftiko_writer.console import print_error  # rich loads only when there is something to print

    print_error(message)


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


@app.command()
def score(
    company: CompanyArg,
    as_json: JsonOpt = False,
    explain: Annotated[
        str | None,
        typer.Option("--explain", metavar="DIMENSION", help="List every signal behind one dimension's score."),
    ] = None,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Score a company: every layer and dimension, with tiers and evidence (no model involved)."""
    from naftiko_writer.scoring.companies import load_company
    from naftiko_writer.scoring.models import to_json
    from naftiko_writer.scoring.scorer import Scorer
    from naftiko_writer.scoring.taxonomy import find_dimension
    from naftiko_writer.scoring.taxonomy_cache import load_cached_taxonomy

    with user_errors():
        settings = Settings()
        taxonomy = load_cached_taxonomy(settings.resolved_taxonomy_dir(taxonomy_dir), settings.resolved_cache_dir())
        company_signals = load_company(company, settings.resolved_companies_dir(companies_dir))
        card = Scorer(taxonomy).score(company_signals)
        dimension = find_dimension(taxonomy, explain) if explain is not None else None
        if as_json:
            write_json(to_json(card if dimension is None else card.dimension(dimension.id)))
            return
        from naftiko_writer.console import print_explanation, print_scorecard, stdout_console

        if dimension is None:
            print_scorecard(card, stdout_console())
        else:
            print_explanation(card, dimension.id, taxonomy, stdout_console())


@app.command()
def companies(as_json: JsonOpt = False, companies_dir: CompaniesDirOpt = None) -> None:
    """List the company fixtures that can be scored and drafted by slug."""
    from naftiko_writer.scoring.companies import survey_companies

    with user_errors():
        rows = survey_companies(Settings().resolved_companies_dir(companies_dir))
        if as_json:
            write_json(json.dumps([asdict(row) for row in rows], indent=2))
            return
        from naftiko_writer.console import print_companies, stdout_console

        print_companies(rows, stdout_console())


@app.command()
def draft(
    companies: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="COMPANY...",
            help="Company slugs under fixtures/companies/, signal files, or folders of them (several: a fleet).",
        ),
    ] = None,
    all_companies: Annotated[
        bool, typer.Option("--all", help="Draft every company under the companies folder (a fleet).")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Markdown file to write [default: drafts/<company>/<timestamp>.md].")
    ] = None,
    engine: Annotated[
        Engine, typer.Option("--engine", help="llm: prompts and a model (recorded by default); template: no model.")
    ] = Engine.LLM,
    mode: Annotated[
        RecordMode,
        typer.Option(
            "--mode",
            help="replay: offline from fixtures/recordings; record: call the endpoint and save; live: call, save nothing.",
        ),
    ] = RecordMode.REPLAY,
    model: Annotated[
        str | None, typer.Option("--model", help=f"Model name [default: NAFTIKO_WRITER_MODEL or {DEFAULT_MODEL}].")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help=f"OpenAI-compatible endpoint [default: OPENAI_BASE_URL or {DEFAULT_BASE_URL}]."
        ),
    ] = None,
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
        float, typer.Option("--timeout", min=1.0, help="Seconds to wait for one model answer.")
    ] = DEFAULT_TIMEOUT_SECONDS,
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
    html: Annotated[bool, typer.Option("--html", help="Also publish the draft as HTML (see `export`).")] = False,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Draft a company's report as Markdown (plus a JSON sidecar); offline from recordings by default."""
    from naftiko_writer.drafting.cost import load_prices
    from naftiko_writer.drafting.fleet import fleet_targets

    with user_errors():
        settings = Settings()
        now = datetime.now(UTC)
        folder = settings.resolved_companies_dir(companies_dir)
        names = companies or []
        if not names and not all_companies:
            raise InputError("no company given; name one (e.g. spotify), several, a folder of signal files, or --all")
        targets = fleet_targets(names, all_companies, folder)
        base = _job(
            settings,
            targets[0],
            now.isoformat(timespec="seconds"),
            folder,
            taxonomy_dir,
            engine=engine,
            mode=mode,
            model=model or settings.model,
            base_url=base_url or settings.openai_base_url,
            api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
            concurrency=concurrency or settings.concurrency,
            max_repairs=max_repairs,
            max_output_tokens=max_output_tokens,
            timeout_seconds=timeout,
            prices=load_prices(settings.resolved_prices(prices)),
            max_tokens_per_report=max_tokens_per_report,
            max_cost=max_cost,
        )
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        progress = _progress(targets[0] if len(targets) == 1 else f"{len(targets)} companies", quiet or as_json)
        if len(targets) > 1 or all_companies:
            if out or update or html:
                raise InputError("--out, --update and --html take one company; draft a fleet without them")
            _draft_fleet(base, targets, settings.drafts_dir, stamp, progress, as_json)
            return
        _draft_single(base, settings.drafts_dir, stamp, out, update, html, progress, as_json, quiet)


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
    base: DraftJob,
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
            results = draft_fleet(
                [replace(base, company=target) for target in targets], drafts_dir, stamp, base.concurrency, progress
            )
    except KeyboardInterrupt:
        print_error(
            f"interrupted; each company's finished sections are kept in {drafts_dir}/<company>/.checkpoint.jsonl; "
            + _resume_hint()
        )
        raise typer.Exit(130) from None
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
                        "summary": r.report.summary.model_dump() if r.report else None,
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
    if any(r.report is not None and r.report.summary.stopped for r in results):
        raise typer.Exit(EXIT_STOPPED)


def _draft_single(
    base: DraftJob,
    drafts_dir: Path,
    stamp: str,
    out: Path | None,
    update: Path | None,
    html: bool,
    progress: DraftProgress | SilentProgress,
    as_json: bool,
    quiet: bool,
) -> None:
    from naftiko_writer.drafting.use_case import DraftInterrupted, DraftTarget, draft_to_files
    from naftiko_writer.llm.redact import redact_url

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

                outcome = update_to_files(update, base, target, progress)
                updated, files, checkpoint, backup = outcome.updated, outcome.files, outcome.checkpoint, outcome.backup
                report = updated.report
    except DraftInterrupted as interrupted:
        _print_error(
            f"interrupted; the sections finished so far are kept in {interrupted.checkpoint}; " + _resume_hint()
        )
        raise typer.Exit(130) from None
    page = files.markdown.with_suffix(".html") if html else None
    if page is not None:
        from naftiko_writer.document.html import export_html

        export_html(files.markdown, page, base.taxonomy_dir)
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
        _print_error(
            f"stopped early: {report.summary.stopped}. Sections not drafted are marked in {files.markdown}; "
            f"finished ones are kept in {checkpoint}. Run the same command with a larger budget to resume"
        )
        raise typer.Exit(EXIT_STOPPED)
    if report.summary.fallbacks and report.summary.fallbacks == report.summary.drafted:
        _print_error(
            f"every section fell back to the template engine: the model at {redact_url(base.base_url or 'the endpoint')} "
            "gave no usable answer (the draft is complete and marked for review)"
        )
        raise typer.Exit(EXIT_ALL_FALLBACK)


@app.command()
def check(
    draft_path: Annotated[Path, typer.Argument(metavar="DRAFT", help="A draft .md file written by `draft`.")],
    company: Annotated[
        str | None,
        typer.Option("--company", help="Company slug or signals file [default: the one named in the draft]."),
    ] = None,
    as_json: JsonOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Check an edited draft against its company's current scores; exit 1 when something no longer matches."""
    from naftiko_writer.console import print_check_report, stdout_console
    from naftiko_writer.review.update import check_file

    with user_errors():
        job = _job(Settings(), "", "", companies_dir, taxonomy_dir, engine=Engine.TEMPLATE)
        report = check_file(draft_path, job, company)
        if as_json:
            write_json(json.dumps(report.to_dict(), indent=2))
        else:
            print_check_report(report, stdout_console())
        if not report.ok:
            raise typer.Exit(1)


class DiffFormat(StrEnum):
    """Output formats of `diff`."""

    TERMINAL = "terminal"
    MD = "md"
    HTML = "html"
    JSON = "json"


@app.command()
def diff(
    draft_a: Annotated[Path, typer.Argument(metavar="A", help="The earlier draft (.md).")],
    draft_b: Annotated[Path, typer.Argument(metavar="B", help="The later draft, or a draft of another company.")],
    output_format: Annotated[
        DiffFormat,
        typer.Option("--format", help="terminal: side by side; md, html, json: for sharing (stdout or --out)."),
    ] = DiffFormat.TERMINAL,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the md/html/json diff to this file.")] = None,
) -> None:
    """Compare two drafts section by section (by marker), with score changes per dimension."""
    from naftiko_writer.console import print_diff, stderr_console, stdout_console
    from naftiko_writer.document.draft_files import load_draft, write_output
    from naftiko_writer.review.diff import diff_drafts, render_diff_html, render_diff_markdown

    with user_errors():
        result = diff_drafts(load_draft(draft_a), load_draft(draft_b))
        chosen = DiffFormat.JSON if as_json else output_format
        if chosen is DiffFormat.TERMINAL:
            print_diff(result, stdout_console())
            return
        text = {
            DiffFormat.MD: render_diff_markdown,
            DiffFormat.HTML: render_diff_html,
            DiffFormat.JSON: _diff_json,
        }[chosen](result)
        if out is None:
            write_json(text)
        else:
            write_output(out, text)
            stderr_console().print(f"Diff written to {out}", markup=False, soft_wrap=True)


class PageFormat(StrEnum):
    """Publishable formats."""

    HTML = "html"


@app.command()
def export(
    draft_path: Annotated[Path, typer.Argument(metavar="DRAFT", help="A draft .md file, as edited by the analyst.")],
    output_format: Annotated[PageFormat, typer.Option("--format", help="Output format.")] = PageFormat.HTML,
    out: Annotated[Path | None, typer.Option("--out", help="File to write [default: DRAFT with .html].")] = None,
    taxonomy_dir: TaxonomyOpt = None,
) -> None:
    """Publish a draft as a standalone HTML page with a chart of the scores by layer."""
    from naftiko_writer.console import stderr_console
    from naftiko_writer.document.html import export_html

    with user_errors():
        target = out or draft_path.with_suffix(f".{output_format.value}")
        export_html(draft_path, target, Settings().resolved_taxonomy_dir(taxonomy_dir))
        stderr_console().print(f"Report written to {target}", markup=False, soft_wrap=True)


batch_app = typer.Typer(
    help="Draft many companies through the OpenAI Batch API: build request files, submit them, collect drafts.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(batch_app, name="batch")
EXIT_BATCH_PENDING = 5
"""Exit status of `batch collect` when the provider has not finished the batch yet."""


def _batch_job(settings: Settings, model: str, companies_dir: Path | None, taxonomy_dir: Path | None) -> DraftJob:
    from naftiko_writer.drafting.cost import load_prices

    created = datetime.now(UTC).isoformat(timespec="seconds")
    return _job(
        settings, "", created, companies_dir, taxonomy_dir, model=model, prices=load_prices(settings.resolved_prices())
    )


@batch_app.command("build")
def batch_build(
    out: Annotated[Path, typer.Option("--out", help="New folder for the batch (state and request files).")],
    companies: Annotated[
        list[str] | None, typer.Argument(metavar="COMPANY...", help="Slugs, signal files or folders of them.")
    ] = None,
    all_companies: Annotated[bool, typer.Option("--all", help="Every company under the companies folder.")] = False,
    model: Annotated[
        str | None, typer.Option("--model", help=f"Model name [default: NAFTIKO_WRITER_MODEL or {DEFAULT_MODEL}].")
    ] = None,
    max_output_tokens: Annotated[
        int | None, typer.Option("--max-output-tokens", min=16, help="Cap on tokens per answer.")
    ] = None,
    max_repairs: Annotated[
        int, typer.Option("--max-repairs", min=0, max=5, help="Repair rounds per failed answer before it falls back.")
    ] = DEFAULT_BATCH_MAX_REPAIRS,
    as_json: JsonOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Write round 1 of a batch: one Batch API request per independent section of every company."""
    from naftiko_writer.console import print_error
    from naftiko_writer.drafting.batch import build_batch
    from naftiko_writer.drafting.fleet import fleet_targets

    with user_errors():
        settings = Settings()
        base = replace(
            _batch_job(settings, model or settings.model, companies_dir, taxonomy_dir),
            max_output_tokens=max_output_tokens,
            max_repairs=max_repairs,
        )
        targets = fleet_targets(companies or [], all_companies, base.companies_dir)
        progress = build_batch(base, targets, out)
        _print_batch(progress, out, as_json)
        for company, error in progress.failed:
            print_error(f"{company}: {error}")
        if progress.failed:
            raise typer.Exit(1)


@batch_app.command("submit")
def batch_submit(
    folder: Annotated[Path, typer.Argument(help="The batch folder.")],
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
) -> None:
    """Upload the batch's latest round and start it at the provider; the batch id is saved in the folder."""
    from naftiko_writer.console import stderr_console
    from naftiko_writer.drafting.batch import submit_round

    with user_errors():
        settings = Settings()
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        url = base_url or settings.openai_base_url or DEFAULT_BASE_URL
        requests_path, batch_id = submit_round(folder, url, key)
        stderr_console().print(
            f"Submitted {requests_path} as batch {batch_id}; `naftiko-writer batch collect {folder}` when it is done",
            markup=False,
            soft_wrap=True,
        )


@batch_app.command("collect")
def batch_collect(
    folder: Annotated[Path, typer.Argument(help="The batch folder.")],
    results: Annotated[
        Path | None, typer.Option("--results", help="A Batch API output file [default: fetch the submitted batch].")
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    as_json: JsonOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Take a round's results: validate and ground every answer, then write the next round or the drafts."""
    from naftiko_writer.console import stderr_console
    from naftiko_writer.drafting.batch import collect_batch, fetch_round_results, load_state, submitted_batch_id

    with user_errors():
        settings = Settings()
        state = load_state(folder)
        if results is not None:
            try:
                text = results.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{results}: cannot read the batch results ({exc})") from exc
        else:
            batch_id = submitted_batch_id(folder)
            if batch_id is None or not settings.openai_api_key:
                raise ConfigError(f"{folder}: give --results FILE, or submit the round and set OPENAI_API_KEY")
            url = base_url or settings.openai_base_url or DEFAULT_BASE_URL
            status, fetched = fetch_round_results(url, settings.openai_api_key.get_secret_value(), batch_id)
            if fetched is None:
                stderr_console().print(f"The batch is {status}; collect again later.", markup=False)
                raise typer.Exit(EXIT_BATCH_PENDING)
            text = fetched
        base = _batch_job(settings, state.model, companies_dir, taxonomy_dir)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        progress = collect_batch(base, folder, text, settings.drafts_dir, stamp)
        _print_batch(progress, folder, as_json)


def _print_batch(progress: BatchProgress, folder: Path, as_json: bool) -> None:
    from naftiko_writer.console import print_batch_progress, stderr_console

    if as_json:
        write_json(
            json.dumps(
                {
                    "round": progress.round,
                    "requests": progress.requests,
                    "round_file": str(progress.round_file) if progress.round_file else None,
                    "collected": progress.collected,
                    "repairs": progress.repairs,
                    "fallbacks": progress.fallbacks,
                    "missing": progress.missing,
                    "drafts": [str(files.markdown) for files in progress.drafts],
                    "failed": [{"company": company, "error": error} for company, error in progress.failed],
                },
                indent=2,
            )
        )
        return
    print_batch_progress(progress, str(folder), stderr_console())


def _diff_json(result: DraftDiff) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


@app.command("import")
def import_command(
    source: Annotated[
        Path, typer.Argument(help="A folder of name lists (services.yml, technologies.yml, ...), a .csv or a .json.")
    ],
    out: Annotated[Path, typer.Option("--out", help="The signals file to write (.yaml).")],
    name: Annotated[str | None, typer.Option("--name", help="Company name [default: from the folder name].")] = None,
    slug: Annotated[str | None, typer.Option("--slug", help="Company slug [default: from the folder name].")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="YYYY-MM-DD", help="Data date [default: newest source file's].")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import raw signal lists: merge repeats and spelling variants, drop non-names, write a signals file."""
    from naftiko_writer.console import print_import_summary, stderr_console
    from naftiko_writer.files import write_text_atomically
    from naftiko_writer.scoring.importing import import_signals, render_signals_file

    with user_errors():
        if out.suffix.lower() not in (".yaml", ".yml"):
            raise InputError(f"{out}: the signals file is written as YAML; give --out a .yaml or .yml path")
        if out.exists() and not force:
            raise InputError(f"{out}: already exists; pass --force to replace it")
        try:
            date = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise InputError(f"--as-of {as_of!r} is not a date; use YYYY-MM-DD") from None
        result = import_signals(source, name=name, slug=slug, as_of=date)
        write_text_atomically(out, render_signals_file(result))
        if as_json:
            write_json(json.dumps({**result.summary(), "out": str(out)}, indent=2, ensure_ascii=False))
        else:
            print_import_summary(result, out, stderr_console())


taxonomy_app = typer.Typer(
    help="Curate the taxonomy: coverage of real data, model-suggested entries, accepting proposals.",
    no_args_is_help=True,
)
app.add_typer(taxonomy_app, name="taxonomy")


@taxonomy_app.command("coverage")
def taxonomy_coverage(
    source: Annotated[
        Path,
        typer.Argument(help="A signals file, CSV or folder of lists, or a folder holding many of them."),
    ],
    top: Annotated[int, typer.Option("--top", min=0, help="How many uncounted names to list.")] = 30,
    as_json: JsonOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """How many signals the taxonomy counts, by kind, and the most frequent uncounted names."""
    from naftiko_writer.console import print_coverage, stdout_console
    from naftiko_writer.scoring.companies import collect_sources, load_company
    from naftiko_writer.scoring.coverage import coverage_report
    from naftiko_writer.scoring.scorer import Scorer
    from naftiko_writer.scoring.taxonomy_cache import load_cached_taxonomy

    with user_errors():
        settings = Settings()
        scorer = Scorer(
            load_cached_taxonomy(settings.resolved_taxonomy_dir(taxonomy_dir), settings.resolved_cache_dir())
        )
        folder = settings.resolved_companies_dir(companies_dir)
        scored = []
        for reference in collect_sources(source):
            company_signals = load_company(reference, folder)
            scored.append((company_signals, scorer.score(company_signals)))
        report = coverage_report(scored, top=top)
        if as_json:
            write_json(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_coverage(report, stdout_console())


_INVOKED: list[str] = []
"""The arguments of this process's command (set by main), for the resume hint after Ctrl-C."""


def _resume_hint() -> str:
    """How to resume: the command that was run (`naftiko-writer ...`), when known."""
    command = f": {shlex.join(['naftiko-writer', *_INVOKED])}" if _INVOKED else ""
    return f"to resume, run the same command again{command}"


@taxonomy_app.command("suggest")
def taxonomy_suggest(
    source: Annotated[
        Path,
        typer.Argument(help="A signals file, CSV or folder of lists, or a folder holding many of them."),
    ],
    out: Annotated[Path, typer.Option("--out", help="The proposal file to write (.yaml) for review.")],
    mode: Annotated[
        RecordMode, typer.Option("--mode", help="replay: recorded answers (offline); record: call and save; live.")
    ] = RecordMode.REPLAY,
    model: Annotated[str | None, typer.Option("--model", help="Model name [default: NAFTIKO_WRITER_MODEL].")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=200, help="Names per request.")] = 40,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many names, most widespread first.")] = 200,
    max_repairs: Annotated[int, typer.Option("--max-repairs", min=0, max=5, help="Repair rounds per batch.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    as_json: JsonOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Ask the model which dimensions the uncounted names belong to; write a reviewable proposal."""
    from naftiko_writer.console import stderr_console
    from naftiko_writer.curation.proposal import render_proposal
    from naftiko_writer.curation.suggest import SuggestJob, proposal_header, suggest
    from naftiko_writer.files import write_text_atomically
    from naftiko_writer.scoring.companies import collect_sources

    with user_errors():
        if out.exists() and not force:
            raise InputError(f"{out}: already exists; pass --force to replace it")
        settings = Settings()
        job = SuggestJob(
            sources=collect_sources(source),
            companies_dir=settings.resolved_companies_dir(companies_dir),
            taxonomy_dir=settings.resolved_taxonomy_dir(taxonomy_dir),
            prompts_dir=settings.resolved_prompts_dir(),
            recordings_dir=settings.resolved_recordings_dir(),
            mode=mode,
            model=model or settings.model,
            base_url=base_url or settings.openai_base_url,
            api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
            batch_size=batch_size,
            limit=limit,
            max_repairs=max_repairs,
        )
        console = stderr_console()
        result = suggest(job, on_batch=lambda done, total: console.print(f"batch {done}/{total} answered"))
        created = datetime.now(UTC)
        write_text_atomically(out, render_proposal(result.suggestions, proposal_header(job, result, created)))
        placed = sum(1 for suggestion in result.suggestions if suggestion.dimensions)
        summary = {
            "out": str(out),
            "names": result.names,
            "batches": result.batches,
            "calls": result.calls,
            "repairs": result.repairs,
            "suggested": placed,
            "no_dimension": len(result.suggestions) - placed,
            "unanswered": result.missing,
            "dropped_unknown_ids": [{"name": name, "id": bad} for name, bad in result.dropped_ids],
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
        }
        if as_json:
            write_json(json.dumps(summary, indent=2, ensure_ascii=False))
        else:
            console.print(
                f"{result.names} uncounted names in {result.batches} batches: {placed} with dimensions, "
                f"{len(result.suggestions) - placed} without, {len(result.missing)} unanswered; "
                f"{len(result.dropped_ids)} unknown ids dropped after {result.repairs} repairs -> {out}\n"
                f"Review it, then: naftiko-writer taxonomy accept {out}"
            )


@taxonomy_app.command("accept")
def taxonomy_accept(
    proposal: Annotated[Path, typer.Argument(help="A reviewed proposal from `taxonomy suggest`.")],
    as_json: JsonOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
) -> None:
    """Validate a reviewed proposal, merge it into taxonomy/catalogue/accepted.yaml and bump the version."""
    from naftiko_writer.console import stderr_console
    from naftiko_writer.curation.suggest import accept_proposal

    with user_errors():
        accepted = accept_proposal(proposal, Settings().resolved_taxonomy_dir(taxonomy_dir))
        if as_json:
            write_json(
                json.dumps(
                    {
                        "entries": accepted.entries,
                        "file": str(accepted.accepted_file),
                        "old_version": accepted.old_version,
                        "new_version": accepted.new_version,
                    },
                    indent=2,
                )
            )
        else:
            stderr_console().print(
                f"Accepted {accepted.entries} entries into {accepted.accepted_file}; "
                f"taxonomy version {accepted.old_version} -> {accepted.new_version}"
            )


def app_for(args: list[str]) -> typer.Typer:
    """The app holding only the command (or command group) that `args` name first; else the whole app.

    Typer turns every command's parameters into click options each time the app runs, tens of
    milliseconds for all of them; a run needs only its own command's. Help, usage errors and
    parsing are the same either way, since the command is the same (an unknown name gets the
    whole app, and its suggestions).
    """
    name = args[0] if args else ""
    commands = [
        info
        for info in app.registered_commands
        if info.callback is not None and (info.name or get_command_name(info.callback.__name__)) == name
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    if not commands and not groups:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands, narrowed.registered_groups = commands, groups
    return narrowed


GC_THRESHOLDS = (50_000, 50, 100)
"""Python's cyclic collector, tuned for a run of seconds: with the defaults (700, 10, 10) it ran some 220 times
while one 6,300-signal file was scored (70 ms of 0.8 s) and 600 times in an 18-company fleet (0.34 s of 3 s);
with these, 2 to 5 times (26 ms, 85 ms). Reference counting still frees everything that is not in a cycle."""


def run(argv: list[str]) -> int:
    """Run one command line (the arguments after the program's name) and return its exit status."""
    _INVOKED[:] = argv
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
