"""Template drafts of the 18 real companies of fixtures/real, made once a session (conftest's `real_drafts`).

Each company is loaded, scored and drafted with the template engine through the pipeline, as `draft
--engine template` does; its Markdown is parsed back and its section inputs planned from the report, as
`check` plans them. tests/test_drafts_real.py checks these drafts the way `check` does, and
tests/test_voice.py holds them to the house rules; neither changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.config import Engine
from naftiko_writer.document.draft_format import DraftDocument, parse_draft, render_markdown
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.prompts import load_prompts
from naftiko_writer.drafting.run import Prepared
from naftiko_writer.report.model import Report
from naftiko_writer.report.plan import plan_inputs
from naftiko_writer.report.sections import Input, Output
from naftiko_writer.scoring.companies import load_company
from naftiko_writer.scoring.models import CompanySignals, Taxonomy
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.signal_files import signals_digest
from tests.conftest import PROMPTS_DIR, REAL_DIR, make_run

REAL_COMPANIES = sorted(path.name for path in REAL_DIR.iterdir() if path.is_dir())


@dataclass(frozen=True)
class Drafted:
    """One company, prepared once, with its template report, its Markdown parsed back, and its section inputs."""

    prepared: Prepared
    report: Report
    markdown: str
    document: DraftDocument
    inputs: dict[str, Input]

    def outputs(self) -> dict[str, Output]:
        """Each section's output, by section id."""
        return {section_id: result.output for section_id, result in self.report.sections.items()}


def prepare(signals: CompanySignals, taxonomy: Taxonomy, scorer: Scorer) -> Prepared:
    return Prepared(
        taxonomy=taxonomy,
        company_signals=signals,
        card=scorer.score(signals),
        prompts=load_prompts(PROMPTS_DIR),
        signals_digest=signals_digest(signals),
    )


def report_inputs(report: Report, prepared: Prepared) -> dict[str, Input]:
    """Each section's input, as `check` plans them from a draft's sidecar (`report`)."""
    outputs: dict[str, Output] = {section_id: result.output for section_id, result in report.sections.items()}
    return plan_inputs(prepared.card, prepared.taxonomy, outputs)


def template_draft(prepared: Prepared, tmp_path: Path) -> Drafted:
    report = draft_report(make_run(tmp_path, engine=Engine.TEMPLATE), prepared)
    markdown = render_markdown(report)
    return Drafted(prepared, report, markdown, parse_draft(markdown, "draft.md"), report_inputs(report, prepared))


def draft_real_companies(taxonomy: Taxonomy, scorer: Scorer, tmp: Path) -> dict[str, Drafted]:
    """Every real company loaded, scored and drafted with the template engine."""
    return {
        slug: template_draft(prepare(load_company(str(REAL_DIR / slug), tmp), taxonomy, scorer), tmp)
        for slug in REAL_COMPANIES
    }
