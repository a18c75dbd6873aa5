"""`industry --update`: an industry draft re-drafted from an edition (the next one, or its own), keeping every edit.

As `draft --update` does for a company: the draft and its sidecar are read, the sections the analyst
edited are kept verbatim (with a review note when their data changed underneath), a section the analyst
deleted stays deleted, sections whose data did not change are reused without a call, and the rest are
drafted again. The data blocks (the title, the dimensions table, the closing line) always follow the
edition. `update_industry_to_files` holds the draft's lock, refuses to write if the draft changed during
the run, backs the previous draft up, and writes the draft and its sidecar together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.document.draft_files import (
    backup_draft,
    draft_digest,
    draft_lock,
    load_industry_sidecar,
    lock_path,
    read_draft_text,
)
from naftiko_writer.document.industry_format import (
    is_industry_draft,
    render_industry_blocks,
    render_industry_markdown,
    written_blocks,
)
from naftiko_writer.drafting.industry_draft import IndustryRun, draft_industry, write_industry_draft
from naftiko_writer.drafting.prompts import PromptSet
from naftiko_writer.errors import DraftError
from naftiko_writer.llm.factory import ClientFactory, open_client
from naftiko_writer.report.cohort import Cohort
from naftiko_writer.report.industry import IndustryReport
from naftiko_writer.review.update import missing_sidecar, refuse_unknown_reset, reused_sections, with_stale_note
from naftiko_writer.scoring.models import Taxonomy


@dataclass(frozen=True)
class UpdatedIndustry:
    """The result of `industry --update`: the new report and Markdown, and what happened to each section."""

    report: IndustryReport
    markdown: str
    regenerated: list[str]
    reused: list[str]
    kept: list[str]
    kept_stale: list[str]
    removed: list[str]


def update_industry(
    text: str,
    source: str,
    sidecar: IndustryReport | None,
    run: IndustryRun,
    cohort: Cohort,
    taxonomy: Taxonomy,
    prompts: PromptSet,
    clients: ClientFactory = open_client,
    reset: frozenset[str] = frozenset(),
) -> UpdatedIndustry:
    """Re-draft an industry draft's text among `cohort`, keeping every block the analyst edited or deleted.

    The sections in `reset` are drafted again whatever the analyst did to them (their edits discarded).
    """
    if not is_industry_draft(text):
        raise DraftError(f"{source}: is not an industry draft; update a company draft with `draft --update`")
    if sidecar is None:
        raise missing_sidecar(source)
    refuse_unknown_reset(reset, list(sidecar.sections), source)
    blocks = {block.id: block for block in written_blocks(text)}
    edited = {i for i, block in blocks.items() if block.edited and i in sidecar.sections} - reset
    removed = [section_id for section_id in sidecar.sections if section_id not in blocks and section_id not in reset]
    pinned = frozenset(edited | set(removed))
    report = draft_industry(run, cohort, taxonomy, prompts, clients, previous=sidecar.sections, pinned=pinned)
    stale = set(report.summary.kept_stale)
    texts = []
    for block in render_industry_blocks(report):
        if block.id in removed:
            continue
        kept = blocks.get(block.id)
        if block.id in edited and kept is not None:
            texts.append(with_stale_note(kept.text, block.id) if block.id in stale else kept.text)
        else:
            texts.append(block.text())
    summary = report.summary
    reused = reused_sections(summary, sidecar.sections, report.sections)
    carried = {*reused, *summary.kept}
    return UpdatedIndustry(
        report=report,
        markdown=render_industry_markdown(report, texts),
        regenerated=[section_id for section_id in report.sections if section_id not in carried],
        reused=reused,
        kept=sorted(edited),
        kept_stale=sorted(stale & edited),
        removed=removed,
    )


@dataclass(frozen=True)
class IndustryUpdateOutcome:
    """A finished `industry --update`: what changed, where it was written, and the previous draft's backup."""

    updated: UpdatedIndustry
    markdown: Path
    backup: Path | None


def update_industry_to_files(
    draft_path: Path,
    out: Path | None,
    stamp: str,
    run: IndustryRun,
    cohort: Cohort,
    taxonomy: Taxonomy,
    prompts: PromptSet,
    clients: ClientFactory = open_client,
    reset: frozenset[str] = frozenset(),
) -> IndustryUpdateOutcome:
    """`industry --update`: update `draft_path` into `out` (default: in place), under the draft's lock."""
    markdown = out or draft_path
    with draft_lock(lock_path(markdown, timestamped=False), markdown):
        digest = draft_digest(draft_path)
        text = read_draft_text(draft_path)
        sidecar = load_industry_sidecar(draft_path, text)
        updated = update_industry(text, str(draft_path), sidecar, run, cohort, taxonomy, prompts, clients, reset)
        if draft_digest(draft_path) != digest:
            raise DraftError(
                f"{draft_path}: changed while it was being updated (an edit saved meanwhile); nothing was written, "
                "so the edit is safe. Run the update again to include it"
            )
        backup = backup_draft(markdown, stamp) if markdown.exists() else None
        write_industry_draft(updated.report, markdown, updated.markdown)
    return IndustryUpdateOutcome(updated, markdown, backup)
