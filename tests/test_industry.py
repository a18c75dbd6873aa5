"""The industry report: its facts (report/industry.py), drafted by the same drafter (drafting/industry_draft.py)."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from naftiko_writer.document.industry_format import render_industry_markdown
from naftiko_writer.drafting.grounding import check_grounding
from naftiko_writer.drafting.industry_draft import (
    IndustryRun,
    draft_industry,
    industry_vocabulary,
    recordings_subject,
    write_industry_draft,
)
from naftiko_writer.drafting.prompts import load_prompts
from naftiko_writer.drafting.testing import template_answer
from naftiko_writer.llm.function_client import FunctionClient
from naftiko_writer.options import DraftOptions, Endpoint, Engine, RecordMode
from naftiko_writer.report.cohort import Cohort, Member
from naftiko_writer.report.industry import ALL_INDUSTRIES, IndustryReport, industry_facts, industry_plan
from naftiko_writer.report.model import SectionSource
from naftiko_writer.scoring.models import Taxonomy
from tests.conftest import PROMPTS_DIR

TEMPLATE = IndustryRun("Financial", "2026-12-01T00:00:00+00:00", DraftOptions(engine=Engine.TEMPLATE))


def hand_built(taxonomy: Taxonomy) -> Cohort:
    ids = [d.id for d in taxonomy.dimensions]
    cloud, data, ai = "cloud", "data", "artificial-intelligence" if "artificial-intelligence" in ids else ids[0]

    def member(slug: str, industry: str, scores: dict[str, int], signals: set[str]) -> Member:
        return Member(slug, slug.title(), industry, {d: scores.get(d, 0) for d in ids}, {}, frozenset(signals))

    return Cohort(
        "2026-Q1",
        (
            member("acme", "Financial", {cloud: 50, data: 20, ai: 9}, {"AWS", "Tableau", "Kafka"}),
            member("globex", "Financial", {cloud: 50, data: 40}, {"AWS", "Tableau"}),
            member("initech", "Financial", {cloud: 10, data: 40, ai: 3}, {"AWS", "Looker"}),
            member("umbrella", "Toys", {cloud: 99}, {"GCP"}),
        ),
    )


def test_industry_totals_are_plain_sums_in_their_own_order_and_ties_share_the_lead(taxonomy: Taxonomy) -> None:
    facts = industry_facts(hand_built(taxonomy), "Financial", taxonomy)
    assert (facts.company_count, facts.total_score, facts.group) == (3, 222, "Financial companies")
    top = facts.dimensions[:2]
    assert [(d.dimension, d.total, d.maximum) for d in top] == [("Cloud", 110, 50), ("Data", 100, 40)]
    assert top[0].leaders == ["Acme", "Globex"] and top[0].leader_standing.startswith("joint 1st (with 1 other) of 3")
    assert top[0].median == statistics.median([50, 50, 10]) and top[0].companies_scoring == 3
    assert facts.scoring_areas == 3 and facts.dimension_count == len(taxonomy.dimensions)
    assert [(leader.company, leader.area_count) for leader in facts.multi_area_leaders] == [("Acme", 2), ("Globex", 2)]
    assert [(s.name, s.companies) for s in facts.shared] == [("AWS", 3), ("Tableau", 2)]
    assert facts.unique_count == 2 and [s.name for s in facts.unique_examples] == ["Kafka", "Looker"]
    assert sum(layer.total for layer in facts.layers) >= facts.total_score  # a dimension may show in two layers


def test_the_edition_overview_is_the_same_report_over_every_company(taxonomy: Taxonomy) -> None:
    facts = industry_facts(hand_built(taxonomy), None, taxonomy)
    assert facts.industry == ALL_INDUSTRIES and facts.group == "companies" and facts.company_count == 4
    assert facts.dimensions[0].leaders == ["Umbrella"]


def test_a_group_of_one_has_no_spread_and_nothing_shared(taxonomy: Taxonomy) -> None:
    cohort = hand_built(taxonomy)
    facts = industry_facts(cohort, "Toys", taxonomy)
    assert facts.company_count == 1 and facts.shared == [] and facts.unique_count == 0
    report = draft_industry(
        IndustryRun("Toys", "now", DraftOptions(engine=Engine.TEMPLATE)), cohort, taxonomy, load_prompts(PROMPTS_DIR)
    )
    text = render_industry_markdown(report)
    assert "no spread to compare" in text and "the only one of the Toys companies" not in text
    with pytest.raises(ValueError, match="no companies"):
        industry_facts(cohort, "Games", taxonomy)


def test_every_industry_of_the_real_edition_drafts_grounded_with_the_template_engine(
    real_cohort: Cohort, taxonomy: Taxonomy
) -> None:
    prompts = load_prompts(PROMPTS_DIR)
    for industry in [None, *real_cohort.industries()]:
        run = IndustryRun(industry, "now", DraftOptions(engine=Engine.TEMPLATE))
        report = draft_industry(run, real_cohort, taxonomy, prompts)
        group = real_cohort if industry is None else real_cohort.industry(industry)
        vocabulary = industry_vocabulary(taxonomy, group, real_cohort)
        plan = industry_plan(report.facts)
        for spec in plan.sections:
            data = plan.input_for(spec, {})
            assert check_grounding(report.sections[spec.id].output, data, vocabulary) == [], (industry, spec.id)
        if len(group.members) < 10:  # no superlative in a small group
            assert " leads " not in render_industry_markdown(report)


def test_grounding_catches_a_company_or_a_figure_the_industry_data_does_not_hold(
    real_cohort: Cohort, taxonomy: Taxonomy
) -> None:
    facts = industry_facts(real_cohort, "Financial", taxonomy)
    plan = industry_plan(facts)
    spec = next(spec for spec in plan.sections if spec.id == "industry-leaders")
    data = plan.input_for(spec, {})
    vocabulary = industry_vocabulary(taxonomy, real_cohort.industry("Financial"), real_cohort)
    template = draft_industry(TEMPLATE, real_cohort, taxonomy, load_prompts(PROMPTS_DIR)).sections[spec.id].output
    invented = template.model_copy(update={"paragraphs": ["Mattel is 1st of 4 Financial companies on Cloud (999)."]})
    problems = check_grounding(invented, data, vocabulary)
    assert any("999" in problem for problem in problems) and any("Mattel" in problem for problem in problems)


def test_an_industry_drafts_through_a_model_client_and_writes_a_versioned_sidecar(
    real_cohort: Cohort, taxonomy: Taxonomy, tmp_path: Path
) -> None:
    opened: list[FunctionClient] = []

    def clients(endpoint, subject, *, offline_hint, on_retry=None):  # type: ignore[no-untyped-def]
        assert subject == recordings_subject("2026-Q1", "Financial") == "_industry/2026-q1-financial"
        opened.append(FunctionClient(template_answer))
        return opened[-1]

    run = IndustryRun("Financial", "now", DraftOptions(), Endpoint(tmp_path, mode=RecordMode.LIVE))
    report = draft_industry(run, real_cohort, taxonomy, load_prompts(PROMPTS_DIR), clients)
    assert {section.source for section in report.sections.values()} == {SectionSource.MODEL}
    assert len(opened[0].requests) == 5 and opened[0].closed
    assert set(report.provenance.prompt_hashes) == {
        "system.md", "industry_cohort.md", "industry_leaders.md", "industry_spread.md", "industry_signals.md",
        "industry_waves.md",
    }  # fmt: skip
    markdown = tmp_path / "financial.md"
    sidecar = write_industry_draft(report, markdown)
    saved = json.loads(sidecar.read_text())
    assert saved["format_version"] == 1 and IndustryReport.model_validate(saved) == report
    text = markdown.read_text()
    assert text.startswith("<!-- naftiko:provenance ") and "| Dimension | Industry total |" in text
    assert "# Financial: Technology Investment across 4 Companies" in text
