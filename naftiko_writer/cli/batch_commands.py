"""`batch build|submit|collect`: drafting many companies through the OpenAI Batch API."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from naftiko_writer.cli.root import (
    CompaniesDirOpt,
    Counting,
    EditionOpt,
    JsonOpt,
    QuietOpt,
    StoreOpt,
    TaxonomyOpt,
    count_progress,
    draft_targets,
    read_edition,
    user_errors,
    write_json,
)
from naftiko_writer.config import (
    DEFAULT_BATCH_MAX_REPAIRS,
    DEFAULT_MODEL,
    Settings,
)
from naftiko_writer.options import BATCH_MAX_BYTES_PER_FILE, BATCH_MAX_REQUESTS_PER_FILE

if TYPE_CHECKING:
    from naftiko_writer.drafting.batch import BatchProgress, Phase
    from naftiko_writer.drafting.run import DraftRun


batch_app = typer.Typer(
    help="Draft many companies through the OpenAI Batch API: build request files, submit them, collect drafts.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
commands = typer.Typer(rich_markup_mode=None, add_completion=False)
"""This module's commands; the root group (root.LazyCommands) takes them from here when one is run."""
commands.add_typer(batch_app, name="batch")

FolderArg = Annotated[Path, typer.Argument(metavar="FOLDER", help="The batch folder.")]
EXIT_BATCH_PENDING = 5
"""Exit status of `batch collect` when the provider has not finished the batch yet."""


def _base_url(settings: Settings, flag: str | None) -> str:
    """The provider's endpoint: --base-url, else OPENAI_BASE_URL, else OpenAI's."""
    return settings.endpoint(base_url=flag).base_url


def _batch_run(
    settings: Settings,
    model: str | None,
    companies_dir: Path | None,
    taxonomy_dir: Path | None,
    max_output_tokens: int | None = None,
    max_repairs: int = DEFAULT_BATCH_MAX_REPAIRS,
    edition: str | None = None,
    store: Path | None = None,
) -> DraftRun:
    """The run every company of a batch is drafted as (its model and options; each company fills in its name)."""
    from naftiko_writer.drafting.cost import load_prices
    from naftiko_writer.drafting.run import DraftRun

    cohort, changes = read_edition(settings, edition, store)
    return DraftRun(
        company="",
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        sources=settings.sources(companies_dir, taxonomy_dir),
        options=settings.draft_options(max_output_tokens=max_output_tokens, max_repairs=max_repairs),
        endpoint=settings.endpoint(model=model or settings.model),
        prices=load_prices(settings.resolved_prices()),
        cohort=cohort,
        changes=changes,
    )


@batch_app.command("build")
def batch_build(
    out: Annotated[Path, typer.Option("--out", help="New folder for the batch (state and request files).")],
    companies: Annotated[
        list[str] | None, typer.Argument(metavar="COMPANY...", help="Slugs, signal files or folders of them.")
    ] = None,
    all_companies: Annotated[
        bool,
        typer.Option("--all", help="Every company under the companies folder, or with --edition every company of it."),
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", help=f"Model name [default: NAFTIKO_WRITER_MODEL or {DEFAULT_MODEL}].")
    ] = None,
    max_output_tokens: Annotated[
        int | None, typer.Option("--max-output-tokens", min=16, help="Cap on tokens per answer.")
    ] = None,
    max_repairs: Annotated[
        int, typer.Option("--max-repairs", min=0, max=5, help="Repair rounds per failed answer before it falls back.")
    ] = DEFAULT_BATCH_MAX_REPAIRS,
    max_requests_per_file: Annotated[
        int, typer.Option("--max-requests-per-file", min=1, help="Requests per round file (one provider batch each).")
    ] = BATCH_MAX_REQUESTS_PER_FILE,
    max_bytes_per_file: Annotated[
        int, typer.Option("--max-bytes-per-file", min=1024, help="Bytes per round file (one provider batch each).")
    ] = BATCH_MAX_BYTES_PER_FILE,
    edition: EditionOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Write round 1 of a batch: one Batch API request per independent section of every company.

    A round larger than the provider's limits for one batch (default: OpenAI's, 50,000 requests and 200 MB
    per input file) is split into several files, submitted as several batches and collected as one round.
    With --edition, every company is drafted among that stored edition, as `draft --edition` drafts one.
    """
    from naftiko_writer.console import print_error
    from naftiko_writer.drafting.batch import build_batch

    with user_errors():
        settings = Settings()
        base = _batch_run(settings, model, companies_dir, taxonomy_dir, max_output_tokens, max_repairs, edition, store)
        targets = draft_targets(settings, companies or [], all_companies, edition, store, base.sources.companies_dir)
        store_path = settings.resolved_store(store) if edition is not None else None
        with _PhaseBars(len(targets), quiet or as_json) as bars:
            progress = build_batch(base, targets, out, max_requests_per_file, max_bytes_per_file, store_path, bars)
        _print_batch(progress, out, as_json)
        for company, error in progress.failed:
            print_error(f"{company}: {error}")
        if progress.failed:
            raise typer.Exit(1)


@batch_app.command("submit")
def batch_submit(
    folder: FolderArg,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
) -> None:
    """Upload the batch's latest round and start it at the provider; the batch id is saved in the folder."""
    from naftiko_writer.console import stderr_console
    from naftiko_writer.drafting.batch import submit_round

    with user_errors():
        settings = Settings()
        paths, ids = submit_round(folder, _base_url(settings, base_url), settings.api_key())
        submitted = "; ".join(f"{path} as batch {batch_id}" for path, batch_id in zip(paths, ids, strict=True))
        stderr_console().print(
            f"Submitted {submitted}; `naftiko-writer batch collect {folder}` when it is done",
            markup=False,
            soft_wrap=True,
        )


@batch_app.command("status")
def batch_status_command(folder: FolderArg, as_json: JsonOpt = False) -> None:
    """Where a batch stands: its round, what is submitted and collected, sections in, and what to run next."""
    from dataclasses import asdict

    from naftiko_writer.drafting.batch.status import batch_status

    with user_errors():
        status = batch_status(folder)
        if as_json:
            write_json(json.dumps({**asdict(status), "done": status.done, "next": status.next_step(folder)}, indent=2))
            return
        edition = f", among edition {status.edition}" if status.edition else ""
        sys.stdout.write(
            f"{folder}: {status.companies} companies, model {status.model}{edition}\n"
            f"round {status.round}: {status.requests} requests in {status.files} file(s), {status.submitted} "
            f"submitted; rounds collected: {status.collected}\n"
            f"sections in: {status.sections} ({status.fallbacks} by the template engine); waiting for a repair: "
            f"{status.retrying}\n"
            f"next: {status.next_step(folder)}\n"
        )


@batch_app.command("collect")
def batch_collect(
    folder: FolderArg,
    results: Annotated[
        Path | None, typer.Option("--results", help="A Batch API output file [default: fetch the submitted batch].")
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Take a round's results: validate and ground every answer, then write the next round or the drafts."""
    from naftiko_writer.console import stderr_console
    from naftiko_writer.drafting.batch import collect_batch, fetch_round_results, load_state

    with user_errors():
        settings = Settings()
        state = load_state(folder)
        if results is None:
            status, results = fetch_round_results(folder, _base_url(settings, base_url), settings.api_key())
            if results is None:
                stderr_console().print(f"The batch is {status}; collect again later.", markup=False)
                raise typer.Exit(EXIT_BATCH_PENDING)
        store = Path(state.store) if state.store is not None else None
        base = _batch_run(settings, state.model, companies_dir, taxonomy_dir, edition=state.edition, store=store)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        with _PhaseBars(len(state.companies), quiet or as_json) as bars:
            progress = collect_batch(base, folder, results, settings.drafts_dir, stamp, bars)
        _print_batch(progress, folder, as_json)


class _PhaseBars:
    """A progress bar per phase of a step (collecting, then writing the drafts), each over the batch's companies."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.quiet = total, quiet
        self._phase: Phase | None = None
        self._bar: Counting | None = None

    def __enter__(self) -> _PhaseBars:
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.__exit__()
            self._bar = None

    def __call__(self, phase: Phase) -> None:
        if phase is not self._phase:
            self.__exit__()
            self._phase = phase
            self._bar = count_progress(phase.value, self.total, self.quiet).__enter__()
        if self._bar is not None:
            self._bar.advance()


def _print_batch(progress: BatchProgress, folder: Path, as_json: bool) -> None:
    from naftiko_writer.console import print_batch_progress, stderr_console

    if as_json:
        write_json(
            json.dumps(
                {
                    "round": progress.round,
                    "requests": progress.requests,
                    "round_file": str(progress.round_file) if progress.round_file else None,
                    "round_files": [str(path) for path in progress.round_files],
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
