"""`taxonomy coverage|suggest|accept`: what of real data the taxonomy counts, and curating it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from naftiko_writer.cli.root import (
    CompaniesDirOpt,
    JsonOpt,
    TaxonomyOpt,
    user_errors,
    write_json,
)
from naftiko_writer.config import (
    RecordMode,
    Settings,
)
from naftiko_writer.errors import InputError

taxonomy_app = typer.Typer(
    help="Curate the taxonomy: coverage of real data, model-suggested entries, accepting proposals.",
    no_args_is_help=True,
)
commands = typer.Typer(rich_markup_mode=None, add_completion=False)
"""This module's commands; the root group (root.LazyCommands) takes them from here when one is run."""
commands.add_typer(taxonomy_app, name="taxonomy")

SourceArg = Annotated[
    Path,
    typer.Argument(metavar="SOURCE", help="A signals file, CSV or folder of lists, or a folder holding many of them."),
]


@taxonomy_app.command("coverage")
def taxonomy_coverage(
    source: SourceArg,
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


@taxonomy_app.command("suggest")
def taxonomy_suggest(
    source: SourceArg,
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
            folders=settings.sources(companies_dir, taxonomy_dir),
            endpoint=settings.endpoint(mode, base_url=base_url, model=model),
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
    proposal: Annotated[Path, typer.Argument(metavar="PROPOSAL", help="A reviewed proposal from `taxonomy suggest`.")],
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
