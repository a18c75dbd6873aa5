"""`check`, `diff` and `export`: reading drafts back, comparing them and publishing them."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from naftiko_writer.cli.root import (
    CompaniesDirOpt,
    JsonOpt,
    StoreOpt,
    TaxonomyOpt,
    user_errors,
    write_json,
)
from naftiko_writer.config import Settings

if TYPE_CHECKING:
    from naftiko_writer.review.diff import DraftDiff, Side


commands = typer.Typer(rich_markup_mode=None, add_completion=False)
"""This module's commands; the root group (root.LazyCommands) takes them from here when one is run."""


@commands.command()
def check(
    draft_path: Annotated[Path, typer.Argument(metavar="DRAFT", help="A draft .md file written by `draft`.")],
    company: Annotated[
        str | None,
        typer.Option("--company", help="Company slug or signals file [default: the one named in the draft]."),
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
    taxonomy_dir: TaxonomyOpt = None,
    companies_dir: CompaniesDirOpt = None,
) -> None:
    """Check an edited draft against its company's current scores; exit 1 when something no longer matches."""
    from naftiko_writer.console import print_check_report, stdout_console
    from naftiko_writer.review.update import check_file

    with user_errors():
        from naftiko_writer.editions.cohort import StoreReader

        settings = Settings()
        editions = StoreReader(settings.resolved_store(store))
        report = check_file(draft_path, settings.sources(companies_dir, taxonomy_dir), company, editions)
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


def _diff_sides(draft_a: Path, draft_b: Path) -> tuple[Side, Side]:
    """Both drafts as diff compares them: two company drafts, or two industry drafts."""
    from naftiko_writer.document.draft_files import read_draft_text
    from naftiko_writer.document.draft_format import parse_draft
    from naftiko_writer.document.industry_format import is_industry_draft
    from naftiko_writer.errors import DraftError
    from naftiko_writer.review.diff import company_side, industry_side

    texts = [read_draft_text(path) for path in (draft_a, draft_b)]
    industry = [is_industry_draft(text) for text in texts]
    if industry[0] != industry[1]:
        which = draft_a if industry[0] else draft_b
        raise DraftError(
            f"{which} is an industry draft and the other a company draft; diff compares drafts of one kind"
        )
    if industry[0]:
        return industry_side(texts[0], str(draft_a)), industry_side(texts[1], str(draft_b))
    return (
        company_side(parse_draft(texts[0], str(draft_a))),
        company_side(parse_draft(texts[1], str(draft_b))),
    )


@commands.command()
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
    from naftiko_writer.document.draft_files import write_output
    from naftiko_writer.review.diff import diff_sides, render_diff_html, render_diff_markdown

    with user_errors():
        result = diff_sides(*_diff_sides(draft_a, draft_b))
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


@commands.command()
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


def _diff_json(result: DraftDiff) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"
