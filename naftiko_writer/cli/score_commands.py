"""`score`, `companies` and `import`: the commands that read signal data and score it (no model involved)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from naftiko_writer.cli.root import (
    CompaniesDirOpt,
    CompanyArg,
    JsonOpt,
    TaxonomyOpt,
    user_errors,
    write_json,
)
from naftiko_writer.config import Settings
from naftiko_writer.errors import InputError

if TYPE_CHECKING:
    from naftiko_writer.scoring.models import CompanySignals
    from naftiko_writer.scoring.profiles import CompanyProfile

commands = typer.Typer(rich_markup_mode=None, add_completion=False)
"""This module's commands; the root group (root.LazyCommands) takes them from here when one is run."""


@commands.command()
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
    from naftiko_writer.scoring.signal_files import lookalike_warnings
    from naftiko_writer.scoring.taxonomy import find_dimension
    from naftiko_writer.scoring.taxonomy_cache import load_cached_taxonomy

    with user_errors():
        settings = Settings()
        taxonomy = load_cached_taxonomy(settings.resolved_taxonomy_dir(taxonomy_dir), settings.resolved_cache_dir())
        company_signals = load_company(company, settings.resolved_companies_dir(companies_dir))
        sys.stderr.writelines(f"Warning: {warning}\n" for warning in lookalike_warnings(company_signals))
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


@commands.command()
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


@commands.command("import")
def import_command(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="SOURCE",
            help="A folder of name lists (services.yml, technologies.yml, ...), a .csv or a .json; "
            "or a folder of such companies.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="The signals file to write (.yaml); a folder for a folder of companies."),
    ],
    name: Annotated[str | None, typer.Option("--name", help="Company name [default: from the folder name].")] = None,
    slug: Annotated[str | None, typer.Option("--slug", help="Company slug [default: from the folder name].")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="YYYY-MM-DD", help="Data date [default: none].")
    ] = None,
    industry: Annotated[
        str | None, typer.Option("--industry", help="The company's industry [default: from --companies, else none].")
    ] = None,
    description: Annotated[
        str | None,
        typer.Option(
            "--description",
            help="One or two sentences on what the company is: the only source of a draft's company context "
            "[default: from --companies, else none].",
        ),
    ] = None,
    companies_list: Annotated[
        Path | None,
        typer.Option(
            "--companies",
            metavar="FILE",
            help="A companies list (YAML: slug -> {name, industry, description}, or CSV slug,industry[,name[,description]]) "
            "to take the company's profile from.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT (or the files in it) if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import raw signal lists: merge repeats and spelling variants, drop non-names, write a signals file."""
    from naftiko_writer.console import print_import_summary, stderr_console
    from naftiko_writer.files import write_text_atomically
    from naftiko_writer.output_paths import refuse_overlaps
    from naftiko_writer.scoring.importing import import_signals, is_folder_of_companies, render_signals_file

    with user_errors():
        try:
            date = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise InputError(f"--as-of {as_of!r} is not a date; use YYYY-MM-DD") from None
        from naftiko_writer.scoring.profiles import load_company_profiles

        profiles = load_company_profiles(companies_list) if companies_list is not None else None
        if is_folder_of_companies(source):
            if name or slug or industry or description:
                raise InputError(
                    f"{source}: a folder of companies takes no --name or --slug (each has its own), nor --industry "
                    "or --description (give them in a --companies list)"
                )
            _import_folder(source, out, date, force, as_json, profiles)
            return
        if out.suffix.lower() not in (".yaml", ".yml"):
            raise InputError(f"{out}: the signals file is written as YAML; give --out a .yaml or .yml path")
        sources = sorted(child for child in source.iterdir() if child.is_file()) if source.is_dir() else [source]
        refuse_overlaps([("the signals file", out)], [("the source", path) for path in sources])
        if out.exists() and not force:
            raise InputError(f"{out}: already exists; pass --force to replace it")
        result = import_signals(
            source,
            name=name,
            slug=slug,
            as_of=date,
            industry=industry,
            description=description,
            profiles=profiles,
        )
        write_text_atomically(out, render_signals_file(result))
        _warn_lookalikes(result.company_signals)
        if as_json:
            write_json(json.dumps({**result.summary(), "out": str(out)}, indent=2, ensure_ascii=False))
        else:
            print_import_summary(result, out, stderr_console())


def _warn_lookalikes(company_signals: CompanySignals, prefix: str = "") -> None:
    """A `Warning:` line on stderr per name mixing scripts (read as the name it looks like), as `score` gives."""
    from naftiko_writer.scoring.signal_files import lookalike_warnings

    sys.stderr.writelines(f"Warning: {prefix}{warning}\n" for warning in lookalike_warnings(company_signals))


def _import_folder(
    source: Path,
    out: Path,
    date: dt.date | None,
    force: bool,
    as_json: bool,
    profiles: Mapping[str, CompanyProfile] | None,
) -> None:
    """`import DIR --out DIR`: every company of a folder in one process, one signals file each (OUT/<slug>.yaml)."""
    from naftiko_writer.files import write_text_atomically
    from naftiko_writer.scoring.importing import import_folder_sources, import_signals, render_signals_file

    if out.suffix.lower() in (".yaml", ".yml") or out.is_file():
        raise InputError(f"{out}: {source} is a folder of companies; give --out a folder for their signals files")
    companies = import_folder_sources(source)
    if not companies:
        raise InputError(f"{source}: holds no folders of name lists, CSV or JSON files to import")
    if out.resolve() == source.resolve() or source.resolve() in out.resolve().parents:
        raise InputError(f"{out}: is inside {source}; write the signals files to another folder")
    written: dict[str, Path] = {}
    rows: list[dict[str, object]] = []
    signals = 0
    for company in companies:
        result = import_signals(company, as_of=date, profiles=profiles)
        slug = result.company_signals.company.slug
        if slug in written:
            raise InputError(f"{company}: has the slug {slug!r} like {written[slug]}; give one of them another name")
        target = out / f"{slug}.yaml"
        if target.exists() and not force:
            raise InputError(f"{target}: already exists; pass --force to replace it")
        write_text_atomically(target, render_signals_file(result))
        _warn_lookalikes(result.company_signals, f"{company}: ")
        written[slug] = company
        signals += len(result.company_signals.signals)
        if as_json:
            rows.append({**result.summary(), "out": str(target)})
    if as_json:
        write_json(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        sys.stderr.write(f"Imported {len(written)} companies from {source} -> {signals} signals in {out}\n")
