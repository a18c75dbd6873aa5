"""Independent verification of a draft made against a live model (scripts/live-smoke, `live` tests).

Re-reads a draft's sidecar and checks, without trusting the run that wrote
it: the report is complete (every planned section present), every section's
output parses into its schema, every model-written section is grounded in
its input, and the Markdown passes `check`. Template fallbacks are allowed
and counted. Also summarises per-section generation speed (tokens/s).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from naftiko_writer.document.draft_files import load_draft, load_sidecar
from naftiko_writer.drafting.grounding import check_grounding
from naftiko_writer.drafting.run import prepare_company
from naftiko_writer.options import Sources
from naftiko_writer.report.model import SectionSource
from naftiko_writer.report.plan import plan_inputs, plan_sections
from naftiko_writer.report.sections import Output
from naftiko_writer.review.check import CheckReport
from naftiko_writer.review.update import check_draft


@dataclass
class LiveCheck:
    """What the verification found."""

    sections: int = 0
    model_sections: int = 0
    fallbacks: int = 0
    problems: list[str] = field(default_factory=list)
    tokens_per_second: list[float] = field(default_factory=list)
    check: CheckReport | None = None

    @property
    def ok(self) -> bool:
        """Complete, valid and grounded."""
        return not self.problems

    def speed(self) -> str:
        """Per-section completion tokens/s: median, min, max."""
        if not self.tokens_per_second:
            return "no timed model answers"
        values = self.tokens_per_second
        return f"median {statistics.median(values):.1f}, min {min(values):.1f}, max {max(values):.1f} tokens/s"


def verify_live_draft(markdown: Path, company: str, sources: Sources) -> LiveCheck:
    """Verify a draft (and its sidecar) against `company`'s data in `sources`."""
    result = LiveCheck()
    document = load_draft(markdown)
    sidecar = load_sidecar(markdown, document)
    if sidecar is None:
        result.problems.append(f"{markdown}: no matching JSON sidecar")
        return result
    prepared = prepare_company(company, sources)
    planned = [spec.id for spec in plan_sections(prepared.card)]
    missing = [section_id for section_id in planned if section_id not in sidecar.sections]
    result.problems += [f"{section_id}: missing from the report" for section_id in missing]
    outputs: dict[str, Output] = {}
    for section_id, section in sidecar.sections.items():
        try:
            outputs[section_id] = section.output
        except ValidationError as exc:
            result.problems.append(f"{section_id}: output does not fit its schema ({exc.error_count()} errors)")
    inputs = plan_inputs(prepared.card, prepared.taxonomy, outputs) if not missing else {}
    for section_id, section in sidecar.sections.items():
        result.sections += 1
        if section.source is SectionSource.FALLBACK:
            result.fallbacks += 1
        elif section.source is SectionSource.MODEL:
            result.model_sections += 1
            if section.model_seconds > 0 and section.completion_tokens:
                result.tokens_per_second.append(section.completion_tokens / section.model_seconds)
        if section_id in inputs and section_id in outputs:
            found = check_grounding(outputs[section_id], inputs[section_id], prepared.vocabulary)
            result.problems += [f"{section_id}: {problem}" for problem in found]
    result.check = check_draft(document, sidecar, company, sources)
    result.problems += [finding.describe() for finding in result.check.findings]
    return result
