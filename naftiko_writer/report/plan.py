"""The section plan: which sections a report has, what each depends on, and what each is given.

A report is a `ReportPlan`: its sections in drafting order (each a `SectionSpec` naming its kind, its
title, the sections it waits for and its subject: the dimension or layer it is about) and an
`InputProvider` that builds a section's input from the data and the outputs of its dependencies. The
drafter (drafting/pipeline.py) knows nothing else of a report, so a new kind of report (an industry over
many companies) is a new plan, not a fork of the pipeline. `company_plan` is the company report's: pure
functions of the ScoreCard (and, for the two synthesis sections, of the outputs they depend on).
Section ids are stable: `layer:<id>`, `dimension:<id>`, `strengths`, ... They key recordings,
checkpoints and draft markers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from naftiko_writer.report.cohort import CompanyStanding
from naftiko_writer.report.cohort_claims import section_claims
from naftiko_writer.report.evidence import dominant_mention, evidence_of, leading_names
from naftiko_writer.report.sections import (
    CandidateBrief,
    CandidatesInput,
    DimensionBrief,
    DimensionInput,
    EditionChangesInput,
    EvidenceGroup,
    ExecutiveInput,
    GrowthOpportunities,
    Input,
    LayerInput,
    LayerIntroduction,
    MethodologyInput,
    Output,
    SectionKind,
    StrategicAssessment,
    StrategicInput,
    Strengths,
    WaveInput,
    WaveLayer,
)
from naftiko_writer.scoring.models import Candidate, DimensionScore, LayerScore, ScoreCard, Taxonomy

EVIDENCE_PER_KIND = 12
"""Signals listed per kind in a dimension's input; the rest are counted, not named."""
TOP_EVIDENCE = 5
UNNAMED_LISTED = 20
"""Phrases (evidence that names no product) listed in a dimension's input; all of them are counted."""

EXECUTIVE_SUMMARY = "executive-summary"
STRENGTHS = "strengths"
GROWTH = "growth-opportunities"
WAVES = "wave-alignment"
CHANGES = "edition-changes"
STRATEGIC = "strategic-assessment"
METHODOLOGY = "methodology"


@dataclass(frozen=True)
class SectionSpec:
    """One section to draft."""

    id: str
    kind: SectionKind
    title: str
    depends_on: tuple[str, ...] = ()
    subject: str | None = None
    """The id of what the section is about (a dimension, a layer); None for report-level sections."""


class InputProvider(Protocol):
    """Builds each section's input; `outputs` holds the outputs of the section's dependencies."""

    def input_for(self, spec: SectionSpec, outputs: Mapping[str, Output]) -> Input:
        """The input of `spec`."""
        ...


@dataclass(frozen=True)
class ReportPlan:
    """A report to draft: its sections, dependencies before dependants, and where their inputs come from."""

    sections: tuple[SectionSpec, ...]
    inputs: InputProvider

    def input_for(self, spec: SectionSpec, outputs: Mapping[str, Output]) -> Input:
        """The input of one section of the plan."""
        return self.inputs.input_for(spec, outputs)

    def ids(self) -> list[str]:
        """Section ids in plan order."""
        return [spec.id for spec in self.sections]


@dataclass(frozen=True)
class CompanyInputs:
    """The company report's inputs: slices of one company's ScoreCard, with its standing among peers if given."""

    card: ScoreCard
    taxonomy: Taxonomy
    standing: CompanyStanding | None = None
    edition: str = ""
    changes: EditionChangesInput | None = None

    def input_for(self, spec: SectionSpec, outputs: Mapping[str, Output]) -> Input:
        """The input of one section of the company report."""
        if spec.kind is SectionKind.EDITION_CHANGES:
            if self.changes is None:
                raise ValueError("a changes section needs the company's changes between editions")
            return self.changes.model_copy(update={"company": self.card.company.name})
        data = section_input(spec, self.card, self.taxonomy, outputs)
        if self.standing is None:
            return data
        claims = section_claims(spec.kind, spec.subject, self.card, self.standing, self.edition)
        return data if claims is None else data.model_copy(update={"cohort": claims})


def company_plan(
    card: ScoreCard,
    taxonomy: Taxonomy,
    standing: CompanyStanding | None = None,
    edition: str = "",
    changes: EditionChangesInput | None = None,
) -> ReportPlan:
    """The company report: layers, dimensions, tables, then the two synthesis sections.

    With `standing` (its place in `edition`), sections are given the cohort facts they may claim; with
    `changes`, the report has a section on what changed since the previous edition.
    """
    sections = tuple(plan_sections(card, changes is not None))
    return ReportPlan(sections, CompanyInputs(card, taxonomy, standing, edition, changes))


def layer_section_id(layer_id: str) -> str:
    """Section id of a layer introduction."""
    return f"layer:{layer_id}"


def dimension_section_id(dimension_id: str) -> str:
    """Section id of a dimension narrative."""
    return f"dimension:{dimension_id}"


def plan_sections(card: ScoreCard, changes: bool = False) -> list[SectionSpec]:
    """Every section of the report; independent ones first, synthesis sections last.

    `changes` adds the section on what changed since the previous edition (a draft among an edition).
    """
    layers = [
        SectionSpec(
            layer_section_id(layer.id),
            SectionKind.LAYER_INTRODUCTION,
            f"Layer {layer.number}: {layer.title}",
            subject=layer.id,
        )
        for layer in card.layers
    ]
    dimensions = [
        SectionSpec(dimension_section_id(d.id), SectionKind.DIMENSION_NARRATIVE, d.name, subject=d.id)
        for d in card.dimensions
    ]
    return [
        *layers,
        *dimensions,
        SectionSpec(STRENGTHS, SectionKind.STRENGTHS, "Strengths"),
        SectionSpec(GROWTH, SectionKind.GROWTH_OPPORTUNITIES, "Growth Opportunities"),
        SectionSpec(WAVES, SectionKind.WAVE_ALIGNMENT, "Wave Alignment"),
        SectionSpec(METHODOLOGY, SectionKind.METHODOLOGY, "Methodology"),
        *([SectionSpec(CHANGES, SectionKind.EDITION_CHANGES, "Since the Last Edition")] if changes else []),
        SectionSpec(STRATEGIC, SectionKind.STRATEGIC_ASSESSMENT, "Strategic Assessment", (STRENGTHS, GROWTH)),
        SectionSpec(
            EXECUTIVE_SUMMARY,
            SectionKind.EXECUTIVE_SUMMARY,
            "Executive Summary",
            (*(spec.id for spec in layers), STRATEGIC),
        ),
    ]


def _brief(dimension: DimensionScore, taxonomy: Taxonomy, card: ScoreCard) -> DimensionBrief:
    names, products = leading_names(card, taxonomy, dimension.id, TOP_EVIDENCE)  # most specific first
    return DimensionBrief(
        name=dimension.name, score=dimension.score, tier=dimension.tier, top_evidence=names, products=products
    )


def _candidate(card: ScoreCard, taxonomy: Taxonomy, candidate: Candidate) -> CandidateBrief:
    """A candidate with what its table row is written from: rank, counts, kinds and its layer's leader."""
    dimension = card.dimension(candidate.dimension)
    layer = next((layer for layer in card.layers if layer.id in dimension.layers), None)
    leader = None
    if layer is not None:
        others = [card.dimension(d) for d in layer.dimensions if d != dimension.id]
        if others and others[0].score > 0:
            leader = _brief(others[0], taxonomy, card)
    return CandidateBrief(
        name=candidate.name,
        score=candidate.score,
        tier=candidate.tier,
        reason=candidate.reason,
        top_evidence=_brief(dimension, taxonomy, card).top_evidence,
        rank=dimension.rank,
        signal_count=dimension.signal_count,
        kinds=[kind.value for kind in dimension.evidence],
        layer=layer.title if layer is not None else "",
        layer_leader=leader,
    )


def _strongest_layers(card: ScoreCard, taxonomy: Taxonomy) -> list[str]:
    """The two layers with the highest mean score, breadth counts (Services) left out of the means.

    A linear dimension is on another scale (one point per service), so with it every company's
    strongest layer would be the one that holds Services.
    """
    linear = set(taxonomy.scoring.linear_dimensions)

    def mean(layer: LayerScore) -> float:
        scores = [card.dimension(d).score for d in layer.dimensions if d not in linear]
        return sum(scores) / len(scores) if scores else 0.0

    ranked = sorted(card.layers, key=lambda layer: (-mean(layer), layer.number))
    return [layer.title for layer in ranked[:2] if mean(layer) > 0]


def _layer_leaders(card: ScoreCard, titles: list[str]) -> dict[str, str]:
    """Each named layer's leading dimension, `Name at N`."""
    leaders = {}
    for layer in card.layers:
        if layer.title in titles and layer.leading_dimension:
            leader = card.dimension(layer.leading_dimension)
            leaders[layer.title] = f"{leader.name} at {leader.score}"
    return leaders


def section_input(spec: SectionSpec, card: ScoreCard, taxonomy: Taxonomy, outputs: Mapping[str, Output]) -> Input:
    """The input of one company-report section built from its ScoreCard; `outputs` holds its dependencies' outputs.

    A kind whose input comes from the edition store (STORE_KINDS) has none here: the plan is given it.
    """
    if spec.kind in STORE_KINDS:
        raise ValueError(f"{spec.id}: its input comes from the edition store (CompanyInputs.changes)")
    return _INPUT_BUILDERS[spec.kind](spec, card, taxonomy, outputs)


def _subject(spec: SectionSpec) -> str:
    if spec.subject is None:
        raise ValueError(f"section {spec.id} has no subject")
    return spec.subject


def _layer_input(spec: SectionSpec, card: ScoreCard, taxonomy: Taxonomy, __: Mapping[str, Output]) -> Input:
    layer = next(layer for layer in card.layers if layer.id == _subject(spec))
    return LayerInput(
        company=card.company.name,
        layer_number=layer.number,
        title=layer.title,
        purpose=layer.purpose,
        tier=layer.tier,
        mean_score=layer.mean_score,
        dimensions=[_brief(card.dimension(d), taxonomy, card) for d in layer.dimensions],
        waves=layer.waves,
    )


def _candidates_input(spec: SectionSpec, card: ScoreCard, taxonomy: Taxonomy, __: Mapping[str, Output]) -> Input:
    candidates = card.strengths if spec.kind is SectionKind.STRENGTHS else card.growth_opportunities
    return CandidatesInput(
        company=card.company.name,
        candidates=[_candidate(card, taxonomy, c) for c in candidates],
        signal_count=card.signal_count,
        dimension_count=len(card.dimensions),
        zero_dimensions=sum(1 for d in card.dimensions if d.score == 0),
    )


def _dimension_input(card: ScoreCard, taxonomy: Taxonomy, dimension: DimensionScore) -> DimensionInput:
    titles = {layer.id: layer.title for layer in card.layers}
    ranked = evidence_of(card, taxonomy)[dimension.id]  # merged and ranked (report/evidence.py)
    dominant = dominant_mention(ranked)
    return DimensionInput(
        company=card.company.name,
        dimension=dimension.name,
        score=dimension.score,
        tier=dimension.tier,
        rank=dimension.rank,
        dimension_count=len(card.dimensions),
        signal_count=dimension.signal_count,
        kinds_count=dimension.diversity,
        layers=[titles[layer_id] for layer_id in dimension.layers],
        evidence={
            kind.value: [item.name for item in items[:EVIDENCE_PER_KIND]] for kind, items in dimension.evidence.items()
        },
        more_evidence={
            kind.value: len(items) - EVIDENCE_PER_KIND
            for kind, items in dimension.evidence.items()
            if len(items) > EVIDENCE_PER_KIND
        },
        kind_counts={kind.value: len(items) for kind, items in dimension.evidence.items()},
        named=[mention.name for mention in ranked.named],
        named_count=len(ranked.named),
        named_by_kind={kind.value: count for kind, count in ranked.named_by_kind().items()},
        unnamed=[mention.name for mention in ranked.unnamed[:UNNAMED_LISTED]],
        unnamed_count=len(ranked.unnamed),
        unnamed_by_kind={kind.value: count for kind, count in ranked.unnamed_by_kind().items()},
        name_count=len(ranked.mentions),
        dominant=dominant.name if dominant is not None else None,
        groups=[
            EvidenceGroup(dimension=g.dimension, score=g.score, names=list(g.names[:4]), count=len(g.names))
            for g in ranked.groups
        ],
        description=taxonomy.dimension(dimension.id).description,
    )


def _wave_input(_: SectionSpec, card: ScoreCard, __: Taxonomy, ___: Mapping[str, Output]) -> Input:
    company = card.company.name
    return WaveInput(
        company=company,
        layers=[
            WaveLayer(
                layer_number=layer.number,
                title=layer.title,
                leading_dimension=card.dimension(layer.leading_dimension).name if layer.leading_dimension else None,
                leading_score=card.dimension(layer.dimensions[0]).score,
                waves=layer.waves,
            )
            for layer in card.layers
        ],
    )


def _methodology_input(_: SectionSpec, card: ScoreCard, taxonomy: Taxonomy, __: Mapping[str, Output]) -> Input:
    company = card.company.name
    return MethodologyInput(
        company=company,
        as_of=card.company.as_of.isoformat() if card.company.as_of else None,
        signal_count=card.signal_count,
        signals_by_kind=_signals_by_kind(card),
        distinct_names=sum(_signals_by_kind(card).values()),
        layer_count=len(card.layers),
        dimension_count=len(card.dimensions),
        kind_weights={kind.value: weight for kind, weight in taxonomy.scoring.kind_weights.items()},
        diversity_bonus=taxonomy.scoring.diversity_bonus,
        saturation=taxonomy.scoring.saturation,
        linear_dimensions=[taxonomy.dimension(d).name for d in taxonomy.scoring.linear_dimensions],
        tiers={tier.name: tier.min_score for tier in taxonomy.scoring.tiers},
        taxonomy_version=taxonomy.version,
        counted_signals=card.coverage.counted,
        uncounted_signals=card.coverage.uncounted,
    )


def _strategic_input(_: SectionSpec, card: ScoreCard, taxonomy: Taxonomy, outputs: Mapping[str, Output]) -> Input:
    company = card.company.name
    top = [_brief(card.dimension(d), taxonomy, card) for d in card.top_dimensions]
    strengths = outputs[STRENGTHS]
    growth = outputs[GROWTH]
    assert isinstance(strengths, Strengths) and isinstance(growth, GrowthOpportunities)
    return StrategicInput(
        company=company,
        industry=card.company.industry,
        description=card.company.description,
        top_dimensions=top,
        strongest_layers=_strongest_layers(card, taxonomy),
        strengths=[f"{row.area}: {row.evidence}" for row in strengths.rows],
        growth_opportunities=[f"{row.area} ({row.current_state})" for row in growth.rows],
    )


def _executive_input(_: SectionSpec, card: ScoreCard, taxonomy: Taxonomy, outputs: Mapping[str, Output]) -> Input:
    company = card.company.name
    top = [_brief(card.dimension(d), taxonomy, card) for d in card.top_dimensions]
    strategic = outputs[STRATEGIC]
    assert isinstance(strategic, StrategicAssessment)
    summaries = []
    for layer in card.layers:
        intro = outputs[layer_section_id(layer.id)]
        assert isinstance(intro, LayerIntroduction)
        summaries.append(f"Layer {layer.number}: {layer.title}. {intro.summary}")
    return ExecutiveInput(
        company=company,
        as_of=card.company.as_of.isoformat() if card.company.as_of else None,
        industry=card.company.industry,
        description=card.company.description,
        signal_count=card.signal_count,
        layer_count=len(card.layers),
        dimension_count=len(card.dimensions),
        top_dimensions=top,
        strongest_layers=_strongest_layers(card, taxonomy),
        layer_leaders=_layer_leaders(card, _strongest_layers(card, taxonomy)),
        layer_summaries=summaries,
        strategic_overview=strategic.overview,
    )


def _signals_by_kind(card: ScoreCard) -> dict[str, int]:
    """Distinct matched signals per kind (from the evidence) plus unmatched ones."""
    seen: dict[str, set[str]] = {}
    for dimension in card.dimensions:
        for kind, items in dimension.evidence.items():
            seen.setdefault(kind.value, set()).update(item.name for item in items)
    for unmatched in card.unmatched_signals:
        seen.setdefault(unmatched.kind.value, set()).add(unmatched.name)
    return {kind: len(names) for kind, names in sorted(seen.items())}


def _dimension_section_input(spec: SectionSpec, card: ScoreCard, taxonomy: Taxonomy, __: Mapping[str, Output]) -> Input:
    return _dimension_input(card, taxonomy, card.dimension(_subject(spec)))


InputBuilder = Callable[[SectionSpec, ScoreCard, Taxonomy, Mapping[str, Output]], Input]
_INPUT_BUILDERS: dict[SectionKind, InputBuilder] = {
    SectionKind.LAYER_INTRODUCTION: _layer_input,
    SectionKind.DIMENSION_NARRATIVE: _dimension_section_input,
    SectionKind.STRENGTHS: _candidates_input,
    SectionKind.GROWTH_OPPORTUNITIES: _candidates_input,
    SectionKind.WAVE_ALIGNMENT: _wave_input,
    SectionKind.METHODOLOGY: _methodology_input,
    SectionKind.STRATEGIC_ASSESSMENT: _strategic_input,
    SectionKind.EXECUTIVE_SUMMARY: _executive_input,
}
"""The input builder of each section kind built from the company's ScoreCard."""
STORE_KINDS = frozenset({SectionKind.EDITION_CHANGES})
"""Kinds whose input comes from the edition store, given to the plan (`CompanyInputs.changes`)."""


def company_input_kinds() -> frozenset[SectionKind]:
    """The section kinds the company report can give inputs for (tests/test_section_kinds.py: every kind is one)."""
    return frozenset(_INPUT_BUILDERS) | STORE_KINDS


def plan_inputs(
    card: ScoreCard,
    taxonomy: Taxonomy,
    outputs: Mapping[str, Output],
    standing: CompanyStanding | None = None,
    edition: str = "",
) -> dict[str, Input]:
    """The input of every section, given the outputs the synthesis sections depend on (and cohort facts, if any)."""
    inputs = CompanyInputs(card, taxonomy, standing, edition)
    return {spec.id: inputs.input_for(spec, outputs) for spec in plan_sections(card)}
