"""Terminal output: the only module that imports rich.

stdout carries the product (tables a user asked for, JSON); errors and
progress go to stderr. Data is printed as data: every console is built with
rich's markup off, so a name such as `Acme [/i] Corp` or text such as
`signals[3]` is shown as written (never read as a style tag), in messages,
table cells, titles and progress bars alike; styles come from `style=` and
`Text` spans, never from tags inside strings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # types only: `score` must not load the drafting pipeline to print a table
    from naftiko_writer.drafting.batch import BatchProgress
    from naftiko_writer.drafting.fleet import FleetResult
    from naftiko_writer.drafting.pipeline import DraftEvent
    from naftiko_writer.report.model import DraftSummary
    from naftiko_writer.review.check import CheckReport
    from naftiko_writer.review.diff import DraftDiff
    from naftiko_writer.review.update import UpdatedDraft
    from naftiko_writer.scoring.companies import CompanyListing
    from naftiko_writer.scoring.coverage import CoverageReport
    from naftiko_writer.scoring.importing import ImportResult
    from naftiko_writer.scoring.models import DimensionScore, ScoreCard, Taxonomy

TOP_EVIDENCE = 4


def stdout_console() -> Console:
    """Console for the product (stdout)."""
    return Console(highlight=False, emoji=False, markup=False)


def stderr_console() -> Console:
    """Console for errors, warnings and progress (stderr)."""
    return Console(stderr=True, highlight=False, emoji=False, markup=False)


def print_error(message: str) -> None:
    """Print `Error: message` on stderr."""
    stderr_console().print(f"Error: {message}", style="bold red", soft_wrap=True)


def print_scorecard(card: ScoreCard, console: Console) -> None:
    """One table per layer: dimension, score, tier, strongest evidence."""
    company = card.company
    console.print(
        Text.assemble(
            (company.name, "bold"),
            f" — {card.signal_count} signals"
            + (f" as of {company.as_of.isoformat()}" if company.as_of else "")
            + f", taxonomy {card.taxonomy_version}",
        )
    )
    by_id = {dimension.id: dimension for dimension in card.dimensions}
    layer_numbers = {layer.id: layer.number for layer in card.layers}
    for layer in card.layers:
        leading = by_id[layer.leading_dimension].name if layer.leading_dimension else "none"
        table = Table(
            title=f"Layer {layer.number}: {layer.title}",
            title_justify="left",
            caption=f"leading: {leading} · tier: {layer.tier} · mean {layer.mean_score} · rank {layer.rank} of {len(card.layers)}",
            caption_justify="left",
            expand=False,
        )
        table.add_column("Dimension", no_wrap=True)
        table.add_column("Score", justify="right", no_wrap=True)
        table.add_column("Tier", no_wrap=True)
        table.add_column("Top evidence", overflow="fold")
        for dimension_id in layer.dimensions:
            dimension = by_id[dimension_id]
            others = [f"L{layer_numbers[other]}" for other in dimension.layers if other != layer.id]
            name = dimension.name + (f" (also {', '.join(others)})" if others else "")
            evidence = ", ".join(_top_evidence(dimension)) or "—"
            table.add_row(name, str(dimension.score), dimension.tier, evidence)
        console.print(table)
        if layer.waves:
            console.print(f"Relevant Waves: {', '.join(layer.waves)}")
        console.print()
    top = ", ".join(f"{by_id[d].name} {by_id[d].score}" for d in card.top_dimensions)
    console.print(f"Top dimensions: {top}")
    if card.unmatched_signals:
        unmatched = ", ".join(f"{u.name} ({u.kind.value})" for u in card.unmatched_signals)
        console.print(f"Signals that matched no dimension: {unmatched}")


def _top_evidence(dimension: DimensionScore) -> list[str]:
    """The names that count most for a dimension, each once (a name in two lists, tool and concept, is one)."""
    items = sorted(
        (item for items in dimension.evidence.values() for item in items),
        key=lambda item: -item.points,
    )
    names: dict[str, str] = {}
    for item in items:
        names.setdefault(item.name.casefold(), item.name)
        if len(names) == TOP_EVIDENCE:
            break
    return list(names.values())


def print_explanation(card: ScoreCard, dimension_id: str, taxonomy: Taxonomy, console: Console) -> None:
    """Every signal behind one score, and the arithmetic that turns them into it."""
    dimension = card.dimension(dimension_id)
    bonus = taxonomy.scoring.diversity_bonus
    console.print(
        Text.assemble(
            (dimension.name, "bold"),
            f" – Score: {dimension.score} ({dimension.tier}), "
            f"rank {dimension.rank} of {len(card.dimensions)}, layers: {', '.join(dimension.layers)}",
        )
    )
    multiplier = 1 + bonus * (dimension.diversity - 1) if dimension.diversity else 0
    console.print(
        f"density {dimension.density:g} × (1 + {bonus:g} × ({dimension.diversity} kinds − 1)) "
        f"= {dimension.density * multiplier:.2f} → {dimension.score}",
    )
    table = Table(show_lines=False)
    table.add_column("Kind")
    table.add_column("Signal", overflow="fold")
    table.add_column("Evidence", justify="right")
    table.add_column("Points", justify="right")
    for kind, items in dimension.evidence.items():
        for item in items:
            table.add_row(kind.value, item.name, str(item.count), f"{item.points:g}")
    if dimension.signal_count:
        console.print(table)
    else:
        console.print("No signal counts for this dimension.")


def print_companies(rows: list[CompanyListing], console: Console) -> None:
    """A table of the company fixtures."""
    table = Table()
    for column in ("Slug", "Company", "As of", "Signals", "File"):
        table.add_column(column, overflow="fold")
    for row in rows:
        signals = str(row.signals) if row.signals is not None else f"invalid: {row.problem}"
        table.add_row(row.slug, row.name, row.as_of, signals, row.path)
    console.print(table)


class DraftProgress:
    """A progress bar on stderr: sections done, retries, repairs, tokens."""

    def __init__(self, company: str) -> None:
        """Set up (not yet shown); a quiet or --json run uses cli.SilentProgress instead."""
        self.company = company
        self.retries = 0
        self.repairs = 0
        self.tokens = 0
        self._progress = Progress(
            TextColumn("{task.description}", style="bold", markup=False),  # "Drafting COMPANY": data
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}", markup=False),
            TimeElapsedColumn(),
            console=stderr_console(),
            transient=False,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> DraftProgress:
        """Ready to show the bar once the sections are planned."""
        return self

    def __exit__(self, *_: object) -> None:
        """Stop the bar if it was shown."""
        if self._task is not None:
            self._progress.stop()

    def __call__(self, event: DraftEvent) -> None:
        """Update the bar from one pipeline event."""
        from naftiko_writer.drafting.pipeline import EventKind

        if event.kind is EventKind.WARNING:
            self._progress.console.print(f"Warning: {event.message}", soft_wrap=True)
            return
        if event.kind is EventKind.PLANNED:
            if self._task is None:
                self._progress.start()
                self._task = self._progress.add_task(f"Drafting {self.company}", total=0, stats=self._stats())
            total = self._progress.tasks[0].total or 0
            self._progress.update(self._task, total=total + event.total)  # fleets plan once per company
            return
        if event.kind is EventKind.RETRY:
            self.retries += 1
        elif event.kind is EventKind.REPAIR:
            self.repairs += 1
        elif event.kind is EventKind.FINISHED:
            self.tokens += event.tokens
        if self._task is not None:
            advance = 1 if event.kind is EventKind.FINISHED else 0
            self._progress.update(self._task, advance=advance, stats=self._stats())

    def _stats(self) -> str:
        return f"retries {self.retries} · repairs {self.repairs} · tokens {self.tokens:,}"


def print_draft_summary(summary: DraftSummary, markdown_path: str, console: Console) -> None:
    """The end-of-run summary (stderr), one line per figure that matters; warnings in yellow."""
    from naftiko_writer.report.model import summary_lines

    for text, warning in summary_lines(summary, markdown_path):
        console.print(text, soft_wrap=True, style="yellow" if warning else None)


def _cost(cost: float | None) -> str:
    return "unknown" if cost is None else f"${cost:.4f}"


def print_check_report(report: CheckReport, console: Console) -> None:
    """The findings of `check`, one row each, then a verdict line."""
    for note in report.notes:
        console.print(f"note: {note}", style="yellow", soft_wrap=True)
    if report.findings:
        table = Table(title=f"{report.draft}: {len(report.findings)} problem(s)", title_justify="left")
        table.add_column("Line", justify="right")
        table.add_column("Section")
        table.add_column("Kind")
        table.add_column("Problem", overflow="fold")
        for finding in report.findings:
            table.add_row(str(finding.line or ""), finding.section, finding.kind.value, finding.message)
        console.print(table)
    edited = f"{len(report.edited)} edited" if report.edited else "none edited"
    acknowledged = f", {len(report.acknowledged)} acknowledged override(s)" if report.acknowledged else ""
    verdict = "OK" if report.ok else f"{len(report.findings)} problem(s)"
    console.print(
        f"{verdict}: {report.sections} sections checked against {report.company} ({edited}{acknowledged})",
        style="green" if report.ok else "bold red",
        soft_wrap=True,
    )


def print_update_summary(update: UpdatedDraft, backup: str, console: Console) -> None:
    """What `draft --update` did to each section (stderr)."""
    console.print(
        f"regenerated {len(update.regenerated)} · reused {len(update.reused)} · kept (edited) {len(update.kept)}"
        f" · previous draft backed up to {backup}",
        soft_wrap=True,
    )
    for section_id in update.kept:
        console.print(f"kept as edited: {section_id}", soft_wrap=True)
    for section_id in update.kept_stale:
        console.print(
            f"warning: {section_id} was kept as you edited it, but its data changed; review it "
            "(`naftiko-writer check` lists what no longer matches)",
            style="yellow",
            soft_wrap=True,
        )
    for section_id in update.removed:
        console.print(f"kept removed (you deleted it): {section_id}", soft_wrap=True)
    for section_id in update.dropped:
        console.print(f"dropped (no longer in the report): {section_id}", soft_wrap=True)


def print_diff(diff: DraftDiff, console: Console) -> None:
    """Two drafts side by side: score changes, then each differing section with its words marked."""
    from naftiko_writer.review.diff import Status, trim_context

    console.print(f"A: {diff.a} ({diff.company_a})\nB: {diff.b} ({diff.company_b})", soft_wrap=True)
    for name, (value_a, value_b) in diff.provenance.items():
        console.print(f"{name}: {value_a} -> {value_b}", soft_wrap=True, style="dim")
    if diff.identical:
        console.print("No differences: every section and score is the same.", style="green")
        return
    if diff.scores:
        table = Table(title="Scores" if not diff.same_company else "Score changes", title_justify="left")
        for column in ("Dimension", diff.company_a, diff.company_b, "Change"):
            table.add_column(column, justify="left" if column == "Dimension" else "right")
        for change in diff.scores:
            delta = change.delta
            style = "" if not delta else ("green" if delta > 0 else "red")
            table.add_row(
                change.name,
                "–" if change.a is None else str(change.a),
                "–" if change.b is None else str(change.b),
                Text("" if delta is None else f"{delta:+d}", style=style),
            )
        console.print(table)
    if not diff.same_company:
        return
    console.print(f"{len(diff.sections)} section(s) differ, {diff.unchanged} unchanged", style="bold")
    for section in diff.sections:
        if section.status is not Status.CHANGED:
            console.print(f"{section.id}: {section.status.value}", style="yellow")
            continue
        table = Table(title=f"{section.id}: changed", title_justify="left", expand=True, show_lines=False)
        table.add_column("A", ratio=1)
        table.add_column("B", ratio=1)
        left, right = Text(), Text()
        for segment in trim_context(section.segments):
            if segment.op in ("=", "-"):
                left.append(segment.text + " ", style="red strike" if segment.op == "-" else "")
            if segment.op in ("=", "+"):
                right.append(segment.text + " ", style="green bold" if segment.op == "+" else "")
        table.add_row(left, right)
        console.print(table)


def print_fleet_summary(results: list[FleetResult], wall_seconds: float, console: Console) -> None:
    """One row per company: sections, fallbacks, tokens, cost, time, and where the draft went (or the error)."""
    table = Table(title=f"{len(results)} companies in {wall_seconds:.1f} s", title_justify="left")
    for column, justify in (
        ("Company", "left"),
        ("Sections", "right"),
        ("Fallbacks", "right"),
        ("Tokens", "right"),
        ("Cost", "right"),
        ("Time", "right"),
        ("Draft", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for result in results:
        if result.summary is None:
            table.add_row(
                result.company, "", "", "", "", f"{result.seconds:.1f} s", Text(f"error: {result.error}", style="red")
            )
            continue
        summary = result.summary
        table.add_row(
            result.company,
            str(summary.sections),
            str(summary.fallbacks),
            f"{summary.prompt_tokens + summary.completion_tokens:,}",
            _cost(summary.cost),
            f"{result.seconds:.1f} s",
            str(result.files.markdown) if result.files else "",
        )
    console.print(table)


def print_batch_progress(progress: BatchProgress, folder: str, console: Console) -> None:
    """What `batch build` / `batch collect` did, and what to do next (stderr)."""
    if progress.collected:
        console.print(
            f"collected {progress.collected} answers · to repair {progress.repairs} · fallbacks {progress.fallbacks}"
            f" · missing {progress.missing}",
        )
    if progress.round_file is not None:
        console.print(
            f"round {progress.round}: {progress.requests} requests in {progress.round_file}; "
            f"submit it (naftiko-writer batch submit {folder}) or run it elsewhere, then collect",
            soft_wrap=True,
        )
    for files in progress.drafts:
        console.print(f"Draft written to {files.markdown}", soft_wrap=True)


def print_import_summary(result: ImportResult, out: Path, console: Console, limit: int = 15) -> None:
    """What an import read, merged and dropped (stderr)."""
    signals = result.company_signals.signals
    console.print(
        f"Imported {result.raw_entries} entries from {', '.join(result.sources)} -> {len(signals)} signals "
        f"in {out} ({len(result.merged)} merged groups, {len(result.dropped)} dropped)"
    )
    if result.merged:
        table = Table(title="Merged (spellings of one name within a kind)", title_justify="left")
        for column in ("kind", "kept as", "spellings", "entries"):
            table.add_column(column)
        for merged in sorted(result.merged, key=lambda m: (-m.entries, m.kind.value, m.name))[:limit]:
            table.add_row(merged.kind.value, merged.name, " / ".join(merged.spellings), str(merged.entries))
        console.print(table)
        if len(result.merged) > limit:
            console.print(f"... and {len(result.merged) - limit} more merged groups (--json lists all)")
    if result.dropped:
        table = Table(title="Dropped (cannot be a signal)", title_justify="left")
        for column in ("where", "entry", "reason"):
            table.add_column(column)
        for dropped in result.dropped[:limit]:
            table.add_row(dropped.origin, Text(dropped.name[:60]), dropped.reason)
        console.print(table)
        if len(result.dropped) > limit:
            console.print(f"... and {len(result.dropped) - limit} more dropped entries (--json lists all)")


def print_coverage(report: CoverageReport, console: Console) -> None:
    """Coverage per company and kind, and the uncounted names found at the most companies."""
    table = Table(title="Taxonomy coverage: signals counted for a dimension beyond their kind's catch-all")
    kinds = [kind.kind for kind in report.by_kind]
    table.add_column("company")
    table.add_column("signals", justify="right")
    table.add_column("counted", justify="right")
    for kind in kinds:
        table.add_column(kind.value, justify="right")
    for company in report.companies:
        shares = {kind.kind: f"{kind.share:.0%}" for kind in company.by_kind}
        table.add_row(
            company.slug, str(company.signals), f"{company.share:.0%}", *(shares.get(kind, "-") for kind in kinds)
        )
    if len(report.companies) > 1:
        total = report.counted / report.signals if report.signals else 1.0
        table.add_row(
            "all", str(report.signals), f"{total:.0%}", *(f"{kind.share:.0%}" for kind in report.by_kind), style="bold"
        )
    console.print(table)
    if report.top_uncounted:
        names = Table(title="Most frequent uncounted names (curate these next)", title_justify="left")
        names.add_column("name")
        names.add_column("kind")
        names.add_column("companies", justify="right")
        for name, kind, companies in report.top_uncounted:
            names.add_row(Text(name), kind.value, str(companies))
        console.print(names)


def print_rows(
    title: str, columns: list[str], rows: list[list[str]], console: Console, *, caption: str | None = None
) -> None:
    """A plain table of text cells (names printed as written, never as markup); numeric-looking columns right."""
    table = Table(title=Text(title), title_justify="left", caption=caption, caption_justify="left")
    for index, column in enumerate(columns):
        numeric = bool(rows) and all(_numeric(row[index]) for row in rows)
        table.add_column(Text(column), justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)


def _numeric(cell: str) -> bool:
    return cell.lstrip("+-−").replace(",", "").replace(".", "", 1).rstrip("%").isdigit() or cell in ("", "—")


class CountProgress:
    """A progress bar on stderr over a known number of items, with notes printed above it."""

    def __init__(self, description: str, total: int) -> None:
        """Set up the bar (shown on entering the `with` block)."""
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr_console(),
            transient=False,
        )
        self._task = self._progress.add_task(description, total=total)

    def __enter__(self) -> CountProgress:
        """Show the bar."""
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        """Stop the bar."""
        self._progress.stop()

    def advance(self, note: str | None = None) -> None:
        """One more item done; `note` (if any) is printed above the bar as written."""
        if note:
            self._progress.console.print(note, markup=False, soft_wrap=True)
        self._progress.update(self._task, advance=1)
