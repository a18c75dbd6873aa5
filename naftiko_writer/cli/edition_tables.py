"""The tables and lines the `edition` commands print (stdout), built from the editions package's records.

Text only: every cell goes through console.print_rows, which prints names as written. `--json` output
is the records' `to_dict`, printed by the commands themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from naftiko_writer.console import print_rows, stdout_console

if TYPE_CHECKING:
    from naftiko_writer.editions.changes import CompanyChanges, EditionChanges
    from naftiko_writer.editions.queries import EditionSummary, Ranking
    from naftiko_writer.editions.records import Edition

NOTES_SHOWN = 8
"""Names listed per kind of change, or per list of leaders; --json lists them all."""


def print_editions(editions: list[Edition], store: Path) -> None:
    """`edition list`: one row per edition."""
    rows = [
        [e.name, e.created_at, e.taxonomy_version, str(e.companies), "closed" if e.closed else "open",
         e.restated_from or ""]
        for e in editions
    ]  # fmt: skip
    print_rows(
        f"Editions in {store}",
        ["edition", "created", "taxonomy", "companies", "state", "restates"],
        rows,
        stdout_console(),
    )


def print_summary(summary: EditionSummary) -> None:
    """`edition show`: the cohort, its industries, and per dimension the total, median, maximum and leaders."""
    industry = summary.industry
    console = stdout_console()
    found = summary.edition
    state = f"closed {found.closed_at}" if found.closed else "open"
    scope = f" · industry {industry}" if industry else ""
    console.print(
        f"{found.name}{scope}: {summary.companies} companies, total signal score {summary.total:,}; "
        f"taxonomy {found.taxonomy_version}; {state}",
        markup=False,
    )
    industries = ", ".join(f"{name} {count}" for name, count in summary.industries.items())
    console.print(f"Industries: {industries or 'none'}", markup=False, soft_wrap=True)
    rows = [
        [d.name, f"{d.total:,}", _number(d.median), str(d.maximum), str(d.scored), _names(d.leaders)]
        for d in sorted(summary.dimensions, key=lambda d: (-d.total, d.id))
    ]
    print_rows(
        "Dimensions, highest total first",
        ["dimension", "total", "median", "max", "scored", "leaders"],
        rows,
        console,
    )


def print_ranking(ranking: Ranking) -> None:
    """`edition rank`: rank (=N when joint), company, industry, score."""
    industry, edition = ranking.industry, ranking.edition
    scope = f"{ranking.companies} {industry} companies" if industry else f"{ranking.companies} companies"
    rows = [
        [f"{'=' if row.joint else ''}{row.rank}", row.slug, row.name, row.industry or "unknown", str(row.score)]
        for row in ranking.rows
    ]
    print_rows(
        f"{ranking.dimension_name} in {edition}, among {scope}",
        ["rank", "slug", "company", "industry", "score"],
        rows,
        stdout_console(),
        caption="=N: joint rank (tied scores)" if any(row.joint for row in ranking.rows) else None,
    )


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _names(names: list[str], limit: int = NOTES_SHOWN) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _signed(value: int | None) -> str:
    return "—" if value is None else f"{value:+d}" if value else "0"


def print_company_changes(changes: CompanyChanges) -> None:
    """`edition changes SLUG`: score changes split into signals and taxonomy, with why; rank moves split."""
    console = stdout_console()
    head = f"{changes.name} ({changes.slug}) from {changes.from_edition} to {changes.to_edition}"
    if changes.status in ("new", "gone"):
        where = changes.to_edition if changes.status == "new" else changes.from_edition
        console.print(f"{head}: {changes.status} (only in {where}); nothing to compare", markup=False)
        rows = [[d.name, str(d.after if d.after is not None else d.before), str(d.rank_after or d.rank_before)]
                for d in changes.dimensions if (d.after or d.before)]  # fmt: skip
        print_rows(f"Scores in {where}", ["dimension", "score", "rank"], rows, console)
        return
    taxonomy = (
        f"taxonomy {changes.taxonomy_before} -> {changes.taxonomy_after}"
        if changes.taxonomy_before != changes.taxonomy_after
        else f"same taxonomy {changes.taxonomy_after}"
    )
    console.print(
        f"{head}: {changes.signals_added} signals added, {changes.signals_removed} removed, "
        f"{changes.evidence_changed} with other evidence; {taxonomy}",
        markup=False,
        soft_wrap=True,
    )
    scored = [d for d in changes.dimensions if d.delta]
    if scored:
        rows = [
            [d.name, str(d.before), str(d.after), _signed(d.delta), "" if d.percent is None else f"{d.percent:+.1f}%",
             _signed(d.signals), _signed(d.taxonomy)]
            for d in scored
        ]  # fmt: skip
        print_rows(
            "Score changes: signals changed + taxonomy changed",
            ["dimension", "before", "after", "change", "%", "signals", "taxonomy"],
            rows,
            console,
        )
        for d in scored:
            why = [
                f"{label} {_names(names, NOTES_SHOWN)}"
                for label, names in (
                    ("added:", d.added),
                    ("removed:", d.removed),
                    ("other evidence:", d.evidence_changed),
                    ("now counted:", d.now_counted),
                    ("no longer counted:", d.no_longer_counted),
                )
                if names
            ]
            if why:
                console.print(f"  {d.name}: {'; '.join(why)}", markup=False, soft_wrap=True)
    moved = [d for d in changes.dimensions if d.move]
    if moved:
        rows = [[d.name, f"{d.rank_before} -> {d.rank_after}", _signed(d.move), _signed(d.own), _signed(d.peers)]
                for d in moved]  # fmt: skip
        print_rows(
            "Rank moves (+ is up): the company's own change + its peers'",
            ["dimension", "rank", "move", "own", "peers"],
            rows,
            console,
        )
    if not scored and not moved:
        console.print("No score or rank changed.", markup=False)


def print_movers(changes: EditionChanges) -> None:
    """`edition changes`: the edition's totals split, new and gone companies, the biggest movers."""
    console = stdout_console()
    scope = f" ({changes.industry})" if changes.industry else ""
    console.print(
        f"{changes.dimension_name}{scope} from {changes.from_edition} ({changes.companies_before} companies, taxonomy "
        f"{changes.taxonomy_before}) to {changes.to_edition} ({changes.companies_after}, {changes.taxonomy_after}): "
        f"{changes.common} in both, {changes.unchanged} unchanged; their change {_signed(changes.delta)} = signals "
        f"{_signed(changes.signals)} + taxonomy {_signed(changes.taxonomy)}",
        markup=False,
        soft_wrap=True,
    )
    if changes.new:
        console.print(f"New in {changes.to_edition}: {_names(changes.new)} (their total {changes.new_total:,})",
                      markup=False, soft_wrap=True)  # fmt: skip
    if changes.gone:
        console.print(f"Gone from {changes.to_edition}: {_names(changes.gone)} (their total {changes.gone_total:,})",
                      markup=False, soft_wrap=True)  # fmt: skip
    rows = [
        [m.slug, f"{m.before}>{m.after}", _signed(m.delta), "" if m.percent is None else f"{m.percent:+.1f}%",
         _signed(m.signals), _signed(m.taxonomy), f"{m.rank_before}>{m.rank_after}", _signed(m.own), _signed(m.peers)]
        for m in changes.movers
    ]  # fmt: skip
    print_rows(
        "Biggest movers: change = signals + taxonomy; rank move (+ is up) = own + peers",
        ["company", "score", "change", "%", "signals", "taxonomy", "rank", "own", "peers"],
        rows,
        console,
    )
