"""`industry`: the industry report of one industry of a stored edition (or the edition overview), as a draft."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from naftiko_writer.cli.root import (
    BaseUrlOpt,
    EngineOpt,
    JsonOpt,
    ModelOpt,
    ModeOpt,
    QuietOpt,
    StoreOpt,
    count_progress,
    print_error,
    user_errors,
    write_json,
)
from naftiko_writer.config import Engine, RecordMode, Settings
from naftiko_writer.errors import InputError
from naftiko_writer.options import DraftOptions, Endpoint

commands = typer.Typer(rich_markup_mode=None, add_completion=False)
"""This module's commands; the root group (root.LazyCommands) takes them from here when one is run."""


@commands.command()
def industry(
    name: Annotated[
        str | None,
        typer.Argument(metavar="INDUSTRY", help="An industry of the edition (any case); omit it with --all."),
    ] = None,
    edition: Annotated[
        str, typer.Option("--edition", metavar="EDITION", help="The stored edition, e.g. 2026-Q1.")
    ] = "",
    everything: Annotated[
        bool, typer.Option("--all", help="The edition overview: every company of the edition as the group.")
    ] = False,
    each: Annotated[
        bool,
        typer.Option("--each", help="Every industry of the edition, a post each, in the default folder (a fleet)."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Markdown file to write [default: drafts/_industry/<edition>-<industry>/<time>.md]."
        ),
    ] = None,
    update: Annotated[
        Path | None,
        typer.Option(
            "--update",
            metavar="DRAFT",
            help="Re-draft this industry draft among --edition (default: its own), keeping every edit; "
            "its industry is the draft's.",
        ),
    ] = None,
    reset: Annotated[
        list[str] | None,
        typer.Option(
            "--reset",
            metavar="SECTION",
            help="With --update: redraft this section (a marker id, e.g. industry-leaders) even if you edited it.",
        ),
    ] = None,
    engine: EngineOpt = Engine.LLM,
    mode: ModeOpt = RecordMode.REPLAY,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Draft the report of one industry of a stored edition: its cohort, leaders, spread, signals and waves."""
    from naftiko_writer.drafting.industry_draft import (
        IndustryRun,
        draft_industry,
        industry_draft_path,
        write_industry_draft,
    )
    from naftiko_writer.drafting.prompts import load_prompts
    from naftiko_writer.editions.cohort import edition_taxonomy, load_cohort
    from naftiko_writer.editions.store import open_store, sqlite_errors

    with user_errors():
        if reset and update is None:
            raise InputError("--reset names sections of the draft to --update; give --update DRAFT with it")
        if update is not None:
            if name is not None or everything:
                raise InputError("--update re-drafts the draft's own industry: give no INDUSTRY and no --all with it")
            name, everything, drafted_in = _draft_group(update)
            edition = edition or drafted_in
        if not edition:
            raise InputError("no edition given; pass --edition EDITION (`naftiko-writer edition list` shows them)")
        if each:
            if name is not None or everything or out is not None or update is not None:
                raise InputError(
                    "--each drafts every industry to the default folder: give no INDUSTRY, --all, --out or --update with it"
                )
            settings = Settings()
            options, endpoint = settings.draft_options(engine), settings.endpoint(mode, base_url=base_url, model=model)
            failed = _draft_each(settings, settings.resolved_store(store), edition, options, endpoint, as_json, quiet)
            if failed:
                raise typer.Exit(1)
            return
        if (name is None) == (not everything):
            raise InputError("give one INDUSTRY, or --all for the edition overview")
        settings = Settings()
        path = settings.resolved_store(store)
        with open_store(path, write=False) as opened, sqlite_errors(path):
            cohort = load_cohort(opened.connection, edition, industry=name)
            taxonomy = edition_taxonomy(opened.connection, edition, path)
        group = _industry_of(name, cohort.industries(), edition) if name is not None else None
        now = datetime.now(UTC)
        run = IndustryRun(
            industry=group,
            created=now.isoformat(timespec="seconds"),
            options=settings.draft_options(engine),
            endpoint=settings.endpoint(mode, base_url=base_url, model=model),
        )
        prompts = load_prompts(settings.resolved_prompts_dir())
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        if update is not None:
            from naftiko_writer.review.industry_update import update_industry_to_files

            outcome = update_industry_to_files(
                update, out, stamp, run, cohort, taxonomy, prompts, reset=frozenset(reset or [])
            )
            report, markdown, sidecar = outcome.updated.report, outcome.markdown, outcome.markdown.with_suffix(".json")
        else:
            report = draft_industry(run, cohort, taxonomy, prompts)
            markdown = out or industry_draft_path(settings.drafts_dir, report, stamp)
            sidecar = write_industry_draft(report, markdown)
        summary = report.summary
        if as_json:
            write_json(
                json.dumps(
                    {"markdown": str(markdown), "sidecar": str(sidecar), "summary": summary.model_dump()}, indent=2
                )
            )
        else:
            written = "updated" if update is not None else "written to"
            kept = ""
            if update is not None:
                done = outcome.updated
                kept = f" · kept {len(done.kept)} edited ({len(done.kept_stale)} over changed data)"
            sys.stderr.write(
                f"Industry draft {written} {markdown} (sidecar: {sidecar})\n"
                f"{report.facts.industry}, {report.facts.company_count} companies of {edition} · sections "
                f"{summary.sections} · calls {summary.calls} · fallbacks {summary.fallbacks}{kept}\n"
            )
        if summary.fallbacks and summary.fallbacks == summary.drafted and run.endpoint is not None:
            print_error("every section fell back to the template engine: the model gave no usable answer")
            raise typer.Exit(4)


def _draft_each(
    settings: Settings,
    store: Path,
    edition: str,
    options: DraftOptions,
    endpoint: Endpoint,
    as_json: bool,
    quiet: bool,
) -> int:
    """`industry --each`: a post for every industry of the edition, each written when done; how many failed.

    The edition is read once; an industry that cannot be drafted (a recording missing, say) is reported in
    one line and the others go on, as a fleet of companies does.
    """
    from naftiko_writer.drafting.industry_draft import (
        IndustryRun,
        draft_industry,
        industry_draft_path,
        write_industry_draft,
    )
    from naftiko_writer.drafting.prompts import load_prompts
    from naftiko_writer.editions.cohort import edition_taxonomy, load_cohort
    from naftiko_writer.editions.store import open_store, sqlite_errors
    from naftiko_writer.errors import NaftikoWriterError

    with open_store(store, write=False) as opened, sqlite_errors(store):
        cohort = load_cohort(opened.connection, edition)
        taxonomy = edition_taxonomy(opened.connection, edition, store)
    industries = cohort.industries()
    if not industries:
        raise InputError(f"edition {edition} names no industry for its companies; add them with --industries")
    prompts = load_prompts(settings.resolved_prompts_dir())
    now = datetime.now(UTC)
    rows: list[dict[str, object]] = []
    with count_progress(f"Drafting the industries of {edition}", len(industries), quiet or as_json) as progress:
        for industry in industries:
            run = IndustryRun(industry, now.isoformat(timespec="seconds"), options, endpoint)
            try:
                report = draft_industry(run, cohort, taxonomy, prompts)
                markdown = industry_draft_path(settings.drafts_dir, report, now.strftime("%Y%m%dT%H%M%SZ"))
                sidecar = write_industry_draft(report, markdown)
            except NaftikoWriterError as exc:
                error = str(exc).splitlines()[0]
                rows.append({"industry": industry, "markdown": None, "sidecar": None, "error": error})
                progress.advance(f"Error: {industry}: {error}")
                continue
            rows.append({"industry": industry, "markdown": str(markdown), "sidecar": str(sidecar), "error": None})
            progress.advance(None if as_json else f"{industry}: {markdown}")
    failed = sum(1 for row in rows if row["error"])
    if as_json:
        write_json(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        sys.stderr.write(f"{len(rows) - failed} of {len(rows)} industry posts of {edition} written\n")
    return failed


def _draft_group(draft: Path) -> tuple[str | None, bool, str]:
    """The industry (None and True for the overview) and edition an industry draft was made of."""
    from naftiko_writer.document.draft_files import read_draft_text
    from naftiko_writer.document.industry_format import industry_provenance
    from naftiko_writer.errors import DraftError
    from naftiko_writer.report.industry import ALL_INDUSTRIES

    provenance = industry_provenance(read_draft_text(draft))
    label, edition = provenance.get("industry"), provenance.get("edition")
    if not isinstance(label, str) or not isinstance(edition, str):
        raise DraftError(f"{draft}: is not an industry draft; update a company draft with `draft --update`")
    return (None, True, edition) if label == ALL_INDUSTRIES else (label, False, edition)


def _industry_of(name: str, industries: list[str], edition: str) -> str:
    """The edition's spelling of an industry given in any case; an InputError listing them when absent."""
    for known in industries:
        if known.casefold() == name.casefold():
            return known
    listed = ", ".join(industries) or "none: the edition's companies have no industry"
    raise InputError(f"no industry {name!r} in {edition} (industries: {listed})")
