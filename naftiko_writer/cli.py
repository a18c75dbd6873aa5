"""The command line: the only module that imports typer.

Commands parse flags, call the core and print through console.py. Every
NaftikoWriterError becomes `Error: ...` on stderr and exit 1; usage errors
exit 2 (Typer); Ctrl-C exits 130.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from naftiko_writer import __version__
from naftiko_writer.companies import list_companies, load_company
from naftiko_writer.config import Settings
from naftiko_writer.console import (
    CompanyRow,
    print_companies,
    print_error,
    print_explanation,
    print_scorecard,
    stdout_console,
    write_json,
)
from naftiko_writer.errors import NaftikoWriterError
from naftiko_writer.models import to_json
from naftiko_writer.scoring import Scorer
from naftiko_writer.signals import load_signals
from naftiko_writer.taxonomy import find_dimension, load_taxonomy

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


@contextmanager
def user_errors() -> Iterator[None]:
    """Translate user-caused errors into `Error: ...` + exit 1, Ctrl-C into exit 130."""
    try:
        yield
    except NaftikoWriterError as exc:
        print_error(str(exc))
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        print_error("interrupted")
        raise typer.Exit(130) from None


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
    with user_errors():
        settings = Settings()
        taxonomy = load_taxonomy(settings.resolved_taxonomy_dir(taxonomy_dir))
        company_signals = load_company(company, settings.resolved_companies_dir(companies_dir))
        card = Scorer(taxonomy).score(company_signals)
        if explain is not None:
            dimension = find_dimension(taxonomy, explain)
            if as_json:
                write_json(to_json(card.dimension(dimension.id)))
            else:
                print_explanation(card, dimension.id, taxonomy, stdout_console())
        elif as_json:
            write_json(to_json(card))
        else:
            print_scorecard(card, stdout_console())


@app.command()
def companies(as_json: JsonOpt = False, companies_dir: CompaniesDirOpt = None) -> None:
    """List the company fixtures that can be scored and drafted by slug."""
    with user_errors():
        folder = Settings().resolved_companies_dir(companies_dir)
        rows = []
        for company_file in list_companies(folder):
            try:
                data = load_signals(company_file.path)
            except NaftikoWriterError as exc:
                problem = str(exc).splitlines()[0]
                rows.append(CompanyRow(company_file.slug, "", "", None, str(company_file.path), problem))
                continue
            rows.append(
                CompanyRow(
                    slug=company_file.slug,
                    name=data.company.name,
                    as_of=data.company.as_of.isoformat(),
                    signals=len(data.signals),
                    path=str(company_file.path),
                )
            )
        if as_json:
            write_json(json.dumps([row.__dict__ for row in rows], indent=2))
        else:
            print_companies(rows, stdout_console())


def main() -> None:
    """Console-script entry point."""
    app(prog_name="naftiko-writer")
