"""`check`: an edited draft against the ScoreCard of its company. Pure.

For every block of the draft, the numbers and technology names a reader sees
must be backed by the data the block was drafted from: a drafted section's
input (see plan.py), or, for blocks built from data alone (title, waves,
references), the block the current data renders; and what the text claims
(counts, tier words, comparisons, company context) must be held by that data
(drafting/claims.py). Headings must match the data (a dimension heading states
its score). Sections missing from or added
to the draft, and damaged markers, are reported too. A value the analyst
acknowledged with an override comment (markers.py) is not a finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from naftiko_writer.document.draft_format import (
    Block,
    DraftBlock,
    DraftDocument,
    readable_parts,
    render_blocks,
    stated_score,
    table_rows,
)
from naftiko_writer.drafting.cohort_grounding import cohort_problems
from naftiko_writer.drafting.grounding import Vocabulary, ungrounded_values, unheld_claims
from naftiko_writer.report.model import CohortLedger, Report
from naftiko_writer.report.plan import GROWTH
from naftiko_writer.report.sections import CandidatesInput, Input


class FindingKind(StrEnum):
    """What is wrong."""

    NUMBER = "number"
    NAME = "name"
    SCORE = "score"
    HEADING = "heading"
    MISSING = "missing"
    ADDED = "added"
    MARKER = "marker"
    COHORT = "cohort"
    COUNT = "count"
    TIER = "tier"
    COMPARISON = "comparison"
    CONTEXT = "context"


@dataclass(frozen=True)
class Finding:
    """One problem in a draft."""

    section: str
    kind: FindingKind
    value: str
    message: str
    line: int | None = None

    def describe(self) -> str:
        """One line: where, and what is wrong."""
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.section}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    """Everything `check` found in one draft."""

    draft: str
    company: str
    sections: int
    edited: list[str]
    findings: list[Finding]
    acknowledged: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing to fix."""
        return not self.findings

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "draft": self.draft,
            "company": self.company,
            "ok": self.ok,
            "sections": self.sections,
            "edited": self.edited,
            "findings": [asdict(finding) for finding in self.findings],
            "acknowledged": [asdict(finding) for finding in self.acknowledged],
            "notes": self.notes,
        }


def check_document(
    document: DraftDocument, reference: Report, inputs: Mapping[str, Input], vocabulary: Vocabulary
) -> CheckReport:
    """Check a parsed draft against a reference report of the current data and the section inputs."""
    expected = {block.id: block for block in render_blocks(reference)}
    findings: list[Finding] = [
        Finding("marker", FindingKind.MARKER, damaged.text, f"the marker {damaged.problem}", damaged.line)
        for damaged in document.damaged
    ]
    acknowledged: list[Finding] = []
    present = set(document.ids)
    for block_id in expected:
        if block_id not in present:
            findings.append(
                Finding(block_id, FindingKind.MISSING, "", "this section is missing from the draft (marker not found)")
            )
    for block in document.blocks:
        reference_block = expected.get(block.id)
        if reference_block is None:
            findings.append(
                Finding(
                    block.id,
                    FindingKind.ADDED,
                    "",
                    "this section is not part of the report for the current data",
                    block.line,
                )
            )
            continue
        accepted = {override.value for override in block.overrides}
        for finding in _block_findings(block, reference_block, inputs.get(block.id), vocabulary):
            (acknowledged if finding.value in accepted else findings).append(finding)
    provenance, current = document.provenance, reference.provenance
    notes = []
    if provenance.company != current.company:
        notes.append(f"the draft is of {provenance.company}; it was checked against {current.company}")
    if provenance.signals_digest != current.signals_digest:
        notes.append("the company's signals changed since this draft was made; `draft --update` refreshes it")
    if provenance.taxonomy_digest != current.taxonomy_digest:
        notes.append(
            f"the taxonomy changed since this draft was made ({provenance.taxonomy_version} -> "
            f"{current.taxonomy_version}); `draft --update` refreshes it"
        )
    return CheckReport(
        draft=document.source,
        company=current.company,
        sections=len(document.blocks),
        edited=[block.id for block in document.blocks if block.edited],
        findings=findings,
        acknowledged=acknowledged,
        notes=notes,
    )


def _block_findings(
    block: DraftBlock, reference: Block, data: Input | None, vocabulary: Vocabulary
) -> Iterable[Finding]:
    headings, texts = readable_parts(block.body)
    expected_headings, _ = readable_parts(reference.body)
    line = block.line
    for found, wanted in zip(headings, expected_headings, strict=False):
        if found != wanted:
            yield _heading_finding(block.id, found, wanted, line)
    if len(headings) < len(expected_headings):
        yield Finding(block.id, FindingKind.HEADING, "", f"the heading {expected_headings[0]!r} is missing", line)
    allowed: Input | str = data if data is not None else reference.body
    for problem in ungrounded_values(texts, allowed, vocabulary):
        if problem.kind == "number":
            message = f"states {problem.value}, which is not a score, rank or count in this section's data"
            yield Finding(block.id, FindingKind.NUMBER, problem.value, message, line)
        else:
            message = f"names {problem.value!r}, which is not in this section's evidence"
            yield Finding(block.id, FindingKind.NAME, problem.value, message, line)
    if data is not None:
        for held in unheld_claims(texts, data, vocabulary):
            yield Finding(block.id, FindingKind(held.kind), held.value, held.message, line)
    if block.id == GROWTH and isinstance(data, CandidatesInput):
        yield from _growth_rows(block, data)
    if data is not None:
        for claim in cohort_problems(texts, data):
            yield Finding(block.id, FindingKind.COHORT, "", claim, line)


def _heading_finding(section: str, found: str, wanted: str, line: int) -> Finding:
    found_score, wanted_score = stated_score(found), stated_score(wanted)
    if found_score is not None and wanted_score is not None and found_score != wanted_score:
        return Finding(
            section,
            FindingKind.SCORE,
            found_score,
            f"the heading states Score: {found_score}; the ScoreCard says {wanted_score}",
            line,
        )
    return Finding(section, FindingKind.HEADING, found, f"the heading reads {found!r}; the data gives {wanted!r}", line)


def _growth_rows(block: DraftBlock, data: CandidatesInput) -> Iterable[Finding]:
    scores = {candidate.name: candidate.score for candidate in data.candidates}
    for cells in table_rows(block.body):
        if len(cells) < 2 or cells[0] not in scores:
            continue
        stated = stated_score(cells[1])
        if stated is not None and stated != str(scores[cells[0]]):
            yield Finding(
                block.id,
                FindingKind.SCORE,
                stated,
                f"the row {cells[0]!r} states Score: {stated}; the ScoreCard says {scores[cells[0]]}",
                block.line,
            )


def stale_claims(ledger: CohortLedger, current: Mapping[str, Input], document: DraftDocument) -> list[Finding]:
    """The claims of a draft's cohort ledger that no longer hold in the store, each with what is true now."""
    findings = []
    for section_id, recorded in ledger.sections.items():
        data = current.get(section_id)
        now = data.cohort.standings if data is not None and data.cohort is not None else []
        block = document.block(section_id)
        line = block.line if block is not None else None
        for index, before in enumerate(recorded):
            after = now[index] if index < len(now) else None
            if after is not None and (after.phrase, after.median, after.band) == (
                before.phrase,
                before.median,
                before.band,
            ):
                continue
            truth = (
                f"now {after.phrase} (median {after.median:g})"
                if after is not None
                else "the edition no longer ranks it"
            )
            message = (
                f"the claim {before.phrase!r} on {before.subject} no longer holds in {ledger.edition}: {truth}; "
                "`draft --update` redrafts it, or edit the sentence"
            )
            findings.append(Finding(section_id, FindingKind.COHORT, before.phrase, message, line))
    return findings
