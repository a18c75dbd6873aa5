"""The analyst's loop: check an edited draft, and update it keeping every edit.

Both start from a parsed draft (draft_format.py) and its sidecar, and
compare it with the company's current data. `update_draft` re-drafts only the
sections whose inputs changed and which the analyst left alone; edited blocks
are kept verbatim (with a warning when their inputs changed underneath), and
a block the analyst deleted stays deleted. `update_to_files` is the whole of
`draft --update` (lock, re-draft, refuse if the draft changed meanwhile, back
up, write); `check_file` the whole of `check`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from naftiko_writer.document.draft_files import (
    DraftFiles,
    backup_draft,
    draft_digest,
    draft_lock,
    load_draft,
    load_sidecar,
    read_draft_text,
    write_draft,
)
from naftiko_writer.document.draft_format import (
    CLOSING,
    DraftDocument,
    join_draft,
    parse_draft,
    render_blocks,
    render_provenance,
)
from naftiko_writer.document.industry_format import is_industry_draft
from naftiko_writer.drafting.cohort_facts import subject_names
from naftiko_writer.drafting.pipeline import EventHandler, draft_report
from naftiko_writer.drafting.run import ChangesSource, DraftRun, Prepared, prepare_company
from naftiko_writer.drafting.use_case import DraftInterrupted, DraftTarget, draft_outputs
from naftiko_writer.errors import DraftError, InputError
from naftiko_writer.llm.factory import ClientFactory, open_client
from naftiko_writer.options import Sources
from naftiko_writer.output_paths import refuse_overlaps
from naftiko_writer.report.cohort import Cohort, company_standing
from naftiko_writer.report.model import DraftSummary, Report, SectionResult
from naftiko_writer.report.plan import plan_inputs
from naftiko_writer.report.sections import Output
from naftiko_writer.review.check import CheckReport, Finding, FindingKind, check_document, stale_claims
from naftiko_writer.review.industry_check import IndustryReader, check_industry_draft


class EditionReader(IndustryReader, Protocol):
    """The store's editions as `check` reads them (editions/cohort.StoreReader; tests build their own)."""

    def cohort(self, edition: str) -> Cohort:
        """The edition as a cohort."""
        ...

    def changes(self, edition: str) -> ChangesSource:
        """A reader of companies' changes into the edition."""
        ...


def check_file(
    draft_path: Path, sources: Sources, company: str | None = None, editions: EditionReader | None = None
) -> CheckReport:
    """`check`: a draft file against the current data of `company`, by default the one it was drafted from.

    A draft made with `--edition` has its cohort claims re-verified against that edition as `editions` reads it now.
    """
    text = read_draft_text(draft_path)
    if is_industry_draft(text):
        if editions is None:
            raise DraftError(f"{draft_path}: an industry draft is checked against the edition store; give --store")
        return check_industry_draft(str(draft_path), text, editions)
    document = parse_draft(text, str(draft_path))
    sidecar = load_sidecar(draft_path, document)
    return check_draft(document, sidecar, company or document.provenance.signals_file, sources, editions)


def check_draft(
    document: DraftDocument,
    sidecar: Report | None,
    company: str,
    sources: Sources,
    editions: EditionReader | None = None,
) -> CheckReport:
    """Check a draft against the current data of `company` (a slug or a signals path), and its cohort claims."""
    run = DraftRun.template(company, document.provenance.created, sources)
    prepared = _same_company(document, prepare_company(company, sources))
    ledger = sidecar.cohort if sidecar is not None else None
    standing, gone, reference = None, None, None
    if ledger is not None and editions is not None:
        cohort = editions.cohort(ledger.edition)
        try:
            standing = company_standing(cohort, prepared.card.company.slug, subject_names(prepared.card))
        except KeyError:
            gone = f"edition {ledger.edition} no longer holds {prepared.card.company.slug}: none of its claims stands"
        else:
            with contextlib.suppress(InputError):  # its data changed since: the notes say so; no cohort reference
                among = replace(run, cohort=cohort, changes=editions.changes(ledger.edition))
                reference = draft_report(among, prepared)
    reference = reference or draft_report(run, prepared)
    source = sidecar if sidecar is not None else reference
    outputs: dict[str, Output] = {section_id: result.output for section_id, result in source.sections.items()}
    edition = ledger.edition if ledger is not None else ""
    inputs = plan_inputs(prepared.card, prepared.taxonomy, outputs, standing, edition)
    report = check_document(document, reference, inputs, prepared.vocabulary)
    if ledger is not None and editions is not None:
        report.findings.extend(stale_claims(ledger, inputs, document))
        if gone is not None:
            report.findings.append(Finding("cohort", FindingKind.COHORT, ledger.edition, gone))
    elif ledger is not None:
        report.notes.append(f"drafted among edition {ledger.edition}: its cohort claims were not re-checked")
    if sidecar is None:
        report.notes.append(
            "no matching JSON sidecar next to the draft: the summaries were checked against template inputs"
        )
    return report


@dataclass(frozen=True)
class UpdatedDraft:
    """The result of `draft --update`: the new report and Markdown, and what happened to each section."""

    report: Report
    markdown: str
    regenerated: list[str]
    reused: list[str]
    kept: list[str]
    kept_stale: list[str]
    removed: list[str]
    dropped: list[str]
    reset: list[str] = field(default_factory=list)


def update_draft(
    document: DraftDocument,
    sidecar: Report | None,
    run: DraftRun,
    on_event: EventHandler | None = None,
    clients: ClientFactory = open_client,
    reset: frozenset[str] = frozenset(),
) -> UpdatedDraft:
    """Re-draft the sections whose inputs changed, keeping every block the analyst edited or deleted.

    An edited block whose data changed underneath is kept, with a review note saying so (never silently);
    the sections in `reset` are redrafted whatever the analyst did to them (their edits discarded).
    """
    if sidecar is None:
        raise missing_sidecar(document.source)
    prepared = _same_company(document, prepare_company(run.company, run.sources))
    _refuse_damaged(document)
    refuse_unknown_reset(reset, list(sidecar.sections), document.source)
    edited = {block.id for block in document.blocks if block.edited} - reset
    present = set(document.ids)
    removed = [block.id for block in render_blocks(sidecar) if block.id not in present and block.id not in reset]
    pinned = frozenset((edited | set(removed)) & set(sidecar.sections))
    report = draft_report(
        run, prepared, on_event or (lambda _: None), previous=sidecar.sections, pinned=pinned, clients=clients
    )
    blocks = render_blocks(report)
    new_ids = {block.id for block in blocks}
    texts: list[str] = []
    if document.preamble:
        texts.append(document.preamble)
    by_id = {block.id: block for block in document.blocks}
    orphans_after: dict[str | None, list[str]] = {}
    previous_id: str | None = None
    dropped = []
    for block in document.blocks:
        if block.id not in new_ids:
            if block.edited:
                orphans_after.setdefault(previous_id, []).append(block.text)
            else:
                dropped.append(block.id)
        else:
            previous_id = block.id
    texts.extend(orphans_after.get(None, []))
    summary = report.summary
    for new_block in blocks:
        if new_block.id in removed:
            continue
        kept = by_id.get(new_block.id)
        if kept is not None and kept.edited and new_block.id not in reset:
            texts.append(with_stale_note(kept.text, new_block.id) if new_block.id in summary.kept_stale else kept.text)
        else:
            texts.append(new_block.text())
        texts.extend(orphans_after.get(new_block.id, []))
    # Reused from the old draft as it was; a section reused from an interrupted update's checkpoint was regenerated.
    reused = reused_sections(summary, sidecar.sections, report.sections)
    carried = {*reused, *summary.kept}
    return UpdatedDraft(
        report=report,
        markdown=join_draft(render_provenance(report), texts),
        regenerated=[section_id for section_id in report.sections if section_id not in carried],
        reused=reused,
        kept=sorted(edited & new_ids),
        kept_stale=summary.kept_stale,
        removed=removed,
        dropped=dropped,
        reset=sorted(reset),
    )


def missing_sidecar(source: str) -> DraftError:
    """The error of an update whose draft has no sidecar from its own run (company and industry drafts alike)."""
    return DraftError(
        f"{source}: --update needs the draft's JSON sidecar (same name, .json) from the same run; "
        "it is missing or does not match the draft. Draft afresh without --update"
    )


def refuse_unknown_reset(reset: frozenset[str], sections: list[str], source: str) -> None:
    """A `--reset` naming no section of the draft is one line listing the ids there are (a few, when many)."""
    unknown = sorted(reset - set(sections))
    if unknown:
        listed = ", ".join(sections) if len(sections) <= 5 else f"such as {', '.join(sections[:3])}"
        raise DraftError(
            f"--reset {unknown[0]}: {source} has no such section; sections are the ids of its markers ({listed})"
        )


def reused_sections(
    summary: DraftSummary, before: Mapping[str, SectionResult], after: Mapping[str, SectionResult]
) -> list[str]:
    """The sections an update took over from the draft as it was (one resumed from a checkpoint was redrafted)."""
    return sorted(i for i in summary.reused if before.get(i) == after[i])


STALE_NOTE = (
    "> **Analyst review:** you edited this section, and the data it was drafted from has changed since: check "
    "every figure and claim in it, or update again with `--reset {section}` to take the new draft."
)


def with_stale_note(text: str, section_id: str) -> str:
    """An edited block kept over changed data, with the note that says so (once)."""
    note = STALE_NOTE.format(section=section_id)
    return text if note in text else f"{text.rstrip()}\n\n{note}"


@dataclass(frozen=True)
class UpdateOutcome:
    """A finished `draft --update`: what changed, where it was written, and the backup of the previous draft."""

    updated: UpdatedDraft
    files: DraftFiles
    backup: Path | None
    checkpoint: Path


def update_to_files(
    draft_path: Path,
    run: DraftRun,
    target: DraftTarget,
    on_event: EventHandler | None = None,
    clients: ClientFactory = open_client,
    reset: frozenset[str] = frozenset(),
) -> UpdateOutcome:
    """`draft --update`: re-draft `draft_path` and write it to `target.out` (default: in place), keeping edits.

    The draft is locked while the run lasts; if it changed meanwhile (an edit saved during the run), nothing
    is written. The previous draft is backed up before it is replaced. Ctrl-C raises DraftInterrupted.
    """
    started = time.perf_counter()
    target = replace(target, out=target.out or draft_path)
    files = target.files("")
    checkpoint = target.checkpoint(files)
    run = replace(run, checkpoint_path=checkpoint)
    with draft_lock(target.lock(files), files.markdown):
        digest = draft_digest(draft_path)
        document = load_draft(draft_path)
        signals = [] if document.provenance is None else [Path(document.provenance.signals_file)]
        refuse_overlaps(
            [pair for pair in draft_outputs(files, checkpoint, target.lock(files)) if pair[1] != draft_path],
            [("the signals file", path) for path in signals],
        )
        try:
            updated = update_draft(document, load_sidecar(draft_path, document), run, on_event, clients, reset)
        except KeyboardInterrupt:
            raise DraftInterrupted(checkpoint) from None
        updated.report.summary.wall_seconds = round(time.perf_counter() - started, 3)
        if draft_digest(draft_path) != digest:
            raise DraftError(
                f"{draft_path}: changed while it was being updated (an edit saved meanwhile); nothing was written, "
                f"so the edit is safe. Run the update again to include it (finished sections are reused from "
                f"{checkpoint})"
            )
        backup = backup_draft(draft_path, target.stamp) if files.markdown.exists() else None
        write_draft(updated.report, files, updated.markdown, checkpoint)
    return UpdateOutcome(updated, files, backup, checkpoint)


def _refuse_damaged(document: DraftDocument) -> None:
    """A draft with broken markers or cut short is not updated: its sections could not be told apart."""
    if document.damaged:
        first = document.damaged[0]
        raise DraftError(
            f"{document.source}:{first.line}: the marker {first.problem}; restore it (or delete the line) so that "
            "every section can be found, then update again (`naftiko-writer check` lists every damaged marker)"
        )
    if CLOSING not in document.ids:
        last = document.blocks[-1].id if document.blocks else "the title"
        raise DraftError(
            f"{document.source}: looks truncated: it ends after {last}, without the closing block; restore the "
            "rest from the .bak copy (or the sidecar by re-drafting) before updating"
        )


def _same_company(document: DraftDocument, prepared: Prepared) -> Prepared:
    slug = prepared.card.company.slug
    if slug != document.provenance.company:
        raise DraftError(
            f"{document.source} is a draft of {document.provenance.company}, not {slug}; "
            f"give the matching company (naftiko-writer draft {document.provenance.company} --update ...)"
        )
    return prepared
