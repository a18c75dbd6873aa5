"""The industry report: a group of an edition's companies summed, as facts and as a plan. Pure.

`industry_facts` computes what Naftiko's industry posts state (docs: shared/data/industry-reports.md):
how many companies, the group's total signal score and its scoring areas, each dimension's total
(a plain sum of the companies' scores; the order of dimensions follows it), median and maximum, the
leaders of each dimension with their scores (tied leaders all named), the companies leading several
areas at once, the spread of company totals, the signals most of the group shares and how many only
one company has, and each layer's total with its waves. `industry_plan` makes a `ReportPlan` of it
(report/plan.py): the same drafter, grounding and template engine as a company report draft it.
The whole edition is the same report with every company as the group ("all industries").
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping

from pydantic import BaseModel, Field

from naftiko_writer.formats import INDUSTRY_FORMAT
from naftiko_writer.report.cohort import SUPERLATIVE_MIN_GROUP, Cohort, group_name, standing_phrase
from naftiko_writer.report.evidence import product_index
from naftiko_writer.report.model import DraftSummary, SectionResult
from naftiko_writer.report.plan import ReportPlan, SectionSpec
from naftiko_writer.report.sections import (
    IndustryCohortInput,
    IndustryDimension,
    IndustryLayer,
    IndustryLeader,
    IndustryLeadersInput,
    IndustrySignalsInput,
    IndustrySpreadInput,
    IndustryWavesInput,
    Input,
    Output,
    SectionKind,
    SharedSignal,
)
from naftiko_writer.scoring.models import Taxonomy
from naftiko_writer.scoring.names import name_key

ALL_INDUSTRIES = "All industries"
"""The group name of an edition overview (every company of the edition)."""


def group_title(industry: str, edition: str) -> str:
    """How a report names its group in headings and openings: `Financial`, or `Edition 2026-Q1` for an overview."""
    return f"Edition {edition}" if industry == ALL_INDUSTRIES else industry


STRONGEST = 7
THINNEST = 4
SHARED_SIGNALS = 12
UNIQUE_EXAMPLES = 6

INDUSTRY_SECTIONS: tuple[tuple[str, SectionKind, str], ...] = (
    ("industry-cohort", SectionKind.INDUSTRY_COHORT, "The Cohort"),
    ("industry-leaders", SectionKind.INDUSTRY_LEADERS, "Leaders"),
    ("industry-spread", SectionKind.INDUSTRY_SPREAD, "Spread"),
    ("industry-signals", SectionKind.INDUSTRY_SIGNALS, "Shared and Distinctive Signals"),
    ("industry-waves", SectionKind.INDUSTRY_WAVES, "Wave Alignment"),
)
"""The industry report's sections: id, kind and heading, in report order."""


class CompanyTotal(BaseModel):
    """One company of the group and its total signal score."""

    slug: str
    company: str
    total: int


class IndustryFacts(BaseModel):
    """Everything an industry report states, computed from the group's stored scores."""

    edition: str
    industry: str = Field(description="The industry, or 'All industries' for the edition overview.")
    group: str
    company_count: int
    total_score: int
    dimension_count: int
    scoring_areas: int
    dimensions: list[IndustryDimension] = Field(description="Every dimension, highest total first.")
    multi_area_leaders: list[IndustryLeader]
    companies: list[CompanyTotal] = Field(description="The group's companies, highest total first.")
    shared: list[SharedSignal]
    distinct_signals: int
    unique_count: int
    unique_examples: list[SharedSignal]
    layers: list[IndustryLayer]


def industry_facts(cohort: Cohort, industry: str | None, taxonomy: Taxonomy) -> IndustryFacts:
    """The facts of one industry of `cohort` (None: the whole edition)."""
    group = cohort if industry is None else cohort.industry(industry)
    members = group.members
    if not members:
        raise ValueError(f"no companies in {industry or 'the edition'}")
    label = industry or ALL_INDUSTRIES
    label_group = group_name(industry, len(members))
    order = {dimension.id: index for index, dimension in enumerate(taxonomy.dimensions)}
    dimensions: dict[str, IndustryDimension] = {}
    for dimension in taxonomy.dimensions:
        scores = [member.scores.get(dimension.id, 0) for member in members]
        maximum = max(scores)
        leaders = [m.name for m in members if maximum > 0 and m.scores.get(dimension.id, 0) == maximum]
        dimensions[dimension.id] = IndustryDimension(
            dimension=dimension.name,
            total=sum(scores),
            median=float(statistics.median(scores)),
            maximum=maximum,
            leaders=leaders,
            leader_standing=standing_phrase(1, len(leaders) - 1, len(members), label_group, cohort.edition)
            if leaders
            else "",
            companies_scoring=sum(1 for score in scores if score > 0),
        )
    ranked = sorted(dimensions, key=lambda d: (-dimensions[d].total, order[d]))
    led = Counter(name for summary in dimensions.values() for name in summary.leaders)
    by_name = {member.name: member for member in members}
    multi = [
        IndustryLeader(
            company=name,
            areas=[dimensions[d].dimension for d in ranked if name in dimensions[d].leaders],
            area_count=count,
            total=by_name[name].total,
        )
        for name, count in sorted(led.items(), key=lambda item: (-item[1], item[0]))
        if count >= 2
    ]
    holders: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for member in members:
        for key in {name_key(name) for name in member.signals}:
            holders[key] += 1
        for name in member.signals:  # one spelling a signal across the group: the first in sort order
            spelled[name_key(name)] = min(spelled.get(name_key(name), name), name)
            mentions[name_key(name)] += member.evidence.get(name, 1)
    index = product_index(taxonomy)
    described = {key: index.describe(name) for key, name in spelled.items()}
    named = {key for key, (product, _) in described.items() if product}
    productivity = {
        d for layer in taxonomy.layers if index.service_catch_alls & set(layer.dimensions) for d in layer.dimensions
    }

    def telling(key: str) -> tuple[int, bool, bool, int, str]:
        """Most widespread first, then named products and vendors before phrases (Agile, ETL: `generic`).

        Among those, tools of the work before office software (what the Services layer holds: every company
        has it, so it tells least), then the most mentioned across the group.
        """
        return (
            -holders[key],
            key not in named,
            described[key][1] in productivity,
            -mentions[key],
            spelled[key].lower(),
        )

    ordered = sorted(holders, key=telling)
    shared = [
        SharedSignal(name=spelled[key], companies=holders[key], product=key in named)
        for key in ordered
        if holders[key] * 2 >= len(members) and len(members) > 1
    ]
    unique = [spelled[key] for key in ordered if holders[key] == 1]
    unique_named = [spelled[key] for key in ordered if holders[key] == 1 and key in named]
    return IndustryFacts(
        edition=cohort.edition,
        industry=label,
        group=label_group,
        company_count=len(members),
        total_score=sum(member.total for member in members),
        dimension_count=len(dimensions),
        scoring_areas=sum(1 for summary in dimensions.values() if summary.total > 0),
        dimensions=[dimensions[d] for d in ranked],
        multi_area_leaders=multi,
        companies=[
            CompanyTotal(slug=m.slug, company=m.name, total=m.total)
            for m in sorted(members, key=lambda m: (-m.total, m.name))
        ],
        shared=shared[:SHARED_SIGNALS],
        distinct_signals=len(holders),
        unique_count=len(unique) if len(members) > 1 else 0,
        unique_examples=[SharedSignal(name=name, companies=1) for name in unique_named[:UNIQUE_EXAMPLES]]
        if len(members) > 1
        else [],
        layers=[
            IndustryLayer(
                layer_number=number,
                title=layer.title,
                total=sum(dimensions[d].total for d in layer.dimensions),
                leading_dimension=_leading(layer.dimensions, dimensions, order),
                waves=list(layer.waves),
            )
            for number, layer in enumerate(taxonomy.layers, start=1)
        ],
    )


def _leading(ids: list[str], dimensions: Mapping[str, IndustryDimension], order: Mapping[str, int]) -> str | None:
    best = max(ids, key=lambda d: (dimensions[d].total, -order[d]))
    return dimensions[best].dimension if dimensions[best].total > 0 else None


class IndustryInputs:
    """The industry report's inputs: slices of its facts."""

    def __init__(self, facts: IndustryFacts) -> None:
        """Serve the sections of the report on `facts`."""
        self.facts = facts

    def input_for(self, spec: SectionSpec, outputs: Mapping[str, Output]) -> Input:
        """The input of one section of the industry report."""
        facts = self.facts
        common = {
            "company": facts.industry,
            "edition": facts.edition,
            "group": facts.group,
            "company_count": facts.company_count,
        }
        if spec.kind is SectionKind.INDUSTRY_COHORT:
            scoring = [d for d in facts.dimensions if d.total > 0]
            return IndustryCohortInput(
                **common,
                total_score=facts.total_score,
                dimension_count=facts.dimension_count,
                scoring_areas=facts.scoring_areas,
                zero_dimensions=facts.dimension_count - facts.scoring_areas,
                strongest=scoring[:STRONGEST],
                thinnest=list(reversed(scoring[STRONGEST:][-THINNEST:])),
            )
        if spec.kind is SectionKind.INDUSTRY_LEADERS:
            return IndustryLeadersInput(
                **common,
                superlatives=facts.company_count >= SUPERLATIVE_MIN_GROUP,
                leaders=[d for d in facts.dimensions if d.total > 0][:STRONGEST],
                multi_area_leaders=facts.multi_area_leaders[:5],
            )
        if spec.kind is SectionKind.INDUSTRY_SPREAD:
            totals = [company.total for company in facts.companies]
            return IndustrySpreadInput(
                **common,
                dimensions=[d for d in facts.dimensions if d.total > 0][:STRONGEST],
                highest_total=max(totals),
                median_total=float(statistics.median(totals)),
                lowest_total=min(totals),
            )
        if spec.kind is SectionKind.INDUSTRY_SIGNALS:
            return IndustrySignalsInput(
                **common,
                shared=facts.shared,
                distinct_signals=facts.distinct_signals,
                unique_count=facts.unique_count,
                unique_examples=facts.unique_examples,
            )
        if spec.kind is SectionKind.INDUSTRY_WAVES:
            return IndustryWavesInput(**common, layers=facts.layers)
        raise ValueError(f"the industry report has no {spec.kind.value} section")


def industry_input_kinds() -> frozenset[SectionKind]:
    """The section kinds the industry report builds inputs for."""
    return frozenset(kind for _, kind, _ in INDUSTRY_SECTIONS)


def industry_plan(facts: IndustryFacts) -> ReportPlan:
    """The industry report: its sections (independent of each other) over the facts."""
    sections = tuple(SectionSpec(section_id, kind, title) for section_id, kind, title in INDUSTRY_SECTIONS)
    return ReportPlan(sections, IndustryInputs(facts))


class IndustryProvenance(BaseModel):
    """What an industry draft was made from."""

    report: str = Field(default="industry", description="The kind of report (company drafts have none).")
    tool_version: str
    created: str
    edition: str
    industry: str
    taxonomy_version: str
    taxonomy_digest: str
    prompt_hashes: dict[str, str]
    engine: str
    model: str | None
    recording_sources: list[str]


class IndustryReport(BaseModel):
    """A drafted industry report: its facts, its sections, what it was made from and what the run did."""

    format_version: int = INDUSTRY_FORMAT
    facts: IndustryFacts
    sections: dict[str, SectionResult]
    provenance: IndustryProvenance
    summary: DraftSummary
