"""`check` of an industry draft: its figures and names against the edition as the store holds it now.

The industry's facts are computed again from the store (the edition named in the draft's provenance,
its own stored taxonomy), and each section, as the analyst left it, is checked as a model's answer is:
every number and every company or technology it names must be in that section's data now. The
dimensions table is compared figure by figure. So a company added to the industry late, a restated
edition or an edited figure each show as a finding with the value the edition now gives.
"""

from __future__ import annotations

from typing import Protocol

from naftiko_writer.document.draft_format import readable_parts, table_rows
from naftiko_writer.document.industry_format import TABLE, figure, industry_provenance, written_blocks
from naftiko_writer.drafting.grounding import ungrounded_values
from naftiko_writer.drafting.industry_draft import industry_vocabulary
from naftiko_writer.errors import DraftError
from naftiko_writer.report.cohort import Cohort
from naftiko_writer.report.industry import ALL_INDUSTRIES, IndustryFacts, industry_facts, industry_plan
from naftiko_writer.review.check import CheckReport, Finding, FindingKind
from naftiko_writer.scoring.models import Taxonomy


class IndustryReader(Protocol):
    """The store as an industry check reads it (editions/cohort.StoreReader)."""

    def industry(self, edition: str, industry: str | None) -> tuple[Cohort, Taxonomy]:
        """The edition as a cohort (the industry's signals included) and the taxonomy it was scored under."""
        ...


def check_industry_draft(source: str, text: str, editions: IndustryReader) -> CheckReport:
    """Check an industry draft's text against its edition as stored now (see the module docstring)."""
    provenance = industry_provenance(text)
    edition, label = str(provenance.get("edition", "")), str(provenance.get("industry", ""))
    if not edition or not label:
        raise DraftError(f"{source}: the industry draft's provenance names no edition or industry; re-draft it")
    industry = None if label == ALL_INDUSTRIES else label
    cohort, taxonomy = editions.industry(edition, industry)
    group = cohort if industry is None else cohort.industry(industry)
    if not group.members:
        raise DraftError(f"{source}: edition {edition} holds no {label} companies now; nothing to check it against")
    facts = industry_facts(cohort, industry, taxonomy)
    plan = industry_plan(facts)
    vocabulary = industry_vocabulary(taxonomy, group, cohort)
    written = written_blocks(text)
    blocks = {block.id: block.body for block in written}
    findings: list[Finding] = []
    for spec in plan.sections:
        if spec.id not in blocks:
            findings.append(Finding(spec.id, FindingKind.MISSING, "", "this section is missing from the draft"))
            continue
        _, texts = readable_parts(blocks[spec.id])
        for problem in ungrounded_values(texts, plan.input_for(spec, {}), vocabulary):
            what = "figure" if problem.kind == "number" else "name"
            message = f"states the {what} {problem.value}, which the {edition} {label} data does not hold now"
            kind = FindingKind.NUMBER if problem.kind == "number" else FindingKind.NAME
            findings.append(Finding(spec.id, kind, problem.value, message))
    if TABLE in blocks:
        findings.extend(_table_findings(blocks[TABLE], facts))
    edited = [block.id for block in written if block.edited]
    return CheckReport(
        draft=source,
        company=f"{label} ({edition})",
        sections=len(blocks),
        edited=edited,
        findings=findings,
        notes=[f"checked against {len(group.members)} companies of {edition} as the store holds them now"],
    )


def _table_findings(body: str, facts: IndustryFacts) -> list[Finding]:
    """Each table row's total, median and maximum against the facts."""
    now = {d.dimension: d for d in facts.dimensions}
    findings = []
    for row in table_rows(body)[1:]:
        if len(row) < 4 or row[0] not in now:
            continue
        dimension = now[row[0]]
        expected = [figure(dimension.total), figure(dimension.median), figure(dimension.maximum)]
        for column, (written, wanted) in enumerate(zip(row[1:4], expected, strict=True)):
            if written != wanted:
                what = ("industry total", "median", "maximum")[column]
                message = f"{row[0]}: the table's {what} is {written}; the edition now says {wanted}"
                findings.append(Finding(TABLE, FindingKind.SCORE, written, message))
    return findings
