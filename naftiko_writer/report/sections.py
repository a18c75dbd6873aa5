"""Report sections: what the model must return for each kind, and what each one is given.

Output models are sent to the model as strict JSON schemas, so their field
descriptions and bounds are part of the prompt. Input models carry only the
slice of the ScoreCard a section needs, which keeps prompts small and makes
grounding checkable: every name and number in an output must appear in its input.
"""

from __future__ import annotations

import copy
import functools
from enum import StrEnum
from typing import Annotated, Any, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from naftiko_writer.report.cohort import Standing

# Every string is bounded: some servers loop on unbounded strings until the token limit.
Sentence = Annotated[str, Field(min_length=1, max_length=400)]
Paragraph = Annotated[str, Field(min_length=1, max_length=1200)]

SCORE_LABEL = "Score: {score}"
"""How a score is stated in a growth row's current state and a dimension heading (document/draft_format.py)."""


def score_label(score: int | str) -> str:
    """`Score: N`."""
    return SCORE_LABEL.format(score=score)


TAKEAWAY_RANK = 5
"""Dimensions ranked this high (ties included) get a key takeaway: the strongest areas, as in the seed."""
GAP_SCORE = 10
"""... and so does a notable gap: a dimension scoring at least this with no named product behind it."""


class SectionKind(StrEnum):
    """The kinds of section a report is made of; values name the prompt files."""

    EXECUTIVE_SUMMARY = "executive_summary"
    LAYER_INTRODUCTION = "layer_introduction"
    DIMENSION_NARRATIVE = "dimension_narrative"
    STRENGTHS = "strengths"
    GROWTH_OPPORTUNITIES = "growth_opportunities"
    WAVE_ALIGNMENT = "wave_alignment"
    STRATEGIC_ASSESSMENT = "strategic_assessment"
    METHODOLOGY = "methodology"
    EDITION_CHANGES = "edition_changes"  # only in a draft among an edition (`draft --edition`)
    # the industry report (report/industry.py): a group of an edition's companies
    INDUSTRY_COHORT = "industry_cohort"
    INDUSTRY_LEADERS = "industry_leaders"
    INDUSTRY_SPREAD = "industry_spread"
    INDUSTRY_SIGNALS = "industry_signals"
    INDUSTRY_WAVES = "industry_waves"

    @property
    def is_industry(self) -> bool:
        """Whether the kind is a section of the industry report (else of the company report)."""
        return self.value.startswith("industry_")


class Output(BaseModel):
    """Base of section outputs: strict, so unexpected keys are schema errors."""

    model_config = ConfigDict(extra="forbid")


class ExecutiveSummary(Output):
    """The report's opening."""

    paragraphs: list[Paragraph] = Field(
        min_length=2,
        max_length=3,
        description="Two or three paragraphs: what the report covers, the highest-scoring dimensions with their "
        "scores, the strongest layers, and what the profile says about the company.",
    )


class LayerIntroduction(Output):
    """The two short paragraphs that open a layer."""

    scope: Sentence = Field(
        description="One sentence naming what the layer evaluates for this company and its dimensions."
    )
    summary: Paragraph = Field(
        description="One paragraph on the layer's overall investment level (its tier), its leading dimensions with "
        "their scores, and the most telling evidence."
    )


class DimensionNarrative(Output):
    """The paragraph under `Name – Score: N`."""

    paragraph: Paragraph = Field(
        description="One paragraph stating the dimension's score and grouping its evidence by kind (services, "
        "tools, concepts, standards, languages). Name only signals listed in the data."
    )
    key_takeaway: Sentence | None = Field(
        description=f"One sentence of interpretation (what the evidence means for this company, not a restatement "
        f"of the score) when the dimension ranks in the top {TAKEAWAY_RANK} (`rank` <= {TAKEAWAY_RANK}, score above "
        f"0) or is a notable gap (score {GAP_SCORE} or more and `named` empty); null for every other dimension."
    )


class StrengthRow(Output):
    """One row of the strengths table."""

    area: Annotated[str, Field(min_length=1, max_length=60)] = Field(description="Short name of the strength.")
    evidence: Sentence = Field(description="The dimension's score and the signals that show the strength.")


class Strengths(Output):
    """The strengths table with its lead-in and closing paragraphs."""

    introduction: Sentence = Field(description="One sentence introducing the strengths.")
    rows: list[StrengthRow] = Field(min_length=3, max_length=8, description="Strongest areas first.")
    closing: Paragraph = Field(description="One paragraph on how the strengths fit together.")


class GrowthRow(Output):
    """One row of the growth-opportunities table."""

    area: Annotated[str, Field(min_length=1, max_length=60)] = Field(description="The dimension name.")
    current_state: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description=f"Exactly `{score_label('N')}`."
    )
    opportunity: Sentence = Field(description="What deeper investment would give this company.")


class GrowthOpportunities(Output):
    """The growth-opportunities table with its lead-in and closing paragraphs."""

    introduction: Sentence = Field(description="One sentence introducing the growth opportunities.")
    rows: list[GrowthRow] = Field(min_length=3, max_length=8, description="Most valuable opportunities first.")
    closing: Paragraph = Field(description="One paragraph on the highest-leverage opportunity.")


class WaveAlignment(Output):
    """How the company lines up with the technology waves of each layer."""

    paragraphs: list[Paragraph] = Field(
        min_length=1, max_length=3, description="One to three paragraphs relating the layers' waves to the scores."
    )


class StrategicAssessment(Output):
    """The overview that opens the Strategic Assessment."""

    overview: Paragraph = Field(
        description="One paragraph: the profile in a phrase, the highest-scoring dimensions with their scores, "
        "and the defining pattern."
    )


class Methodology(Output):
    """How the scores were made, in plain words."""

    paragraphs: list[Paragraph] = Field(min_length=1, max_length=3, description="One to three paragraphs.")


class EditionChanges(Output):
    """What changed for the company since the previous edition, and why."""

    paragraphs: list[Paragraph] = Field(
        min_length=1,
        max_length=3,
        description="One to three paragraphs: the biggest moves with their cause (its own signals, the taxonomy, "
        "its peers), or that this is the first edition, or that nothing moved.",
    )


class IndustryNarrative(Output):
    """One section of an industry report: prose over the group's facts."""

    paragraphs: list[Paragraph] = Field(
        min_length=1,
        max_length=3,
        description="One to three paragraphs. Every company, dimension, signal and figure named must be in the data; "
        "name the group and the edition with any rank or leader.",
    )


def has_key_takeaway(rank: int, score: int, named: int) -> bool:
    """Whether a dimension gets a key takeaway (the rule of DimensionNarrative.key_takeaway)."""
    return score > 0 and (rank <= TAKEAWAY_RANK or (score >= GAP_SCORE and named == 0))


OUTPUT_MODELS: dict[SectionKind, type[Output]] = {
    SectionKind.EXECUTIVE_SUMMARY: ExecutiveSummary,
    SectionKind.LAYER_INTRODUCTION: LayerIntroduction,
    SectionKind.DIMENSION_NARRATIVE: DimensionNarrative,
    SectionKind.STRENGTHS: Strengths,
    SectionKind.GROWTH_OPPORTUNITIES: GrowthOpportunities,
    SectionKind.WAVE_ALIGNMENT: WaveAlignment,
    SectionKind.STRATEGIC_ASSESSMENT: StrategicAssessment,
    SectionKind.METHODOLOGY: Methodology,
    SectionKind.EDITION_CHANGES: EditionChanges,
    SectionKind.INDUSTRY_COHORT: IndustryNarrative,
    SectionKind.INDUSTRY_LEADERS: IndustryNarrative,
    SectionKind.INDUSTRY_SPREAD: IndustryNarrative,
    SectionKind.INDUSTRY_SIGNALS: IndustryNarrative,
    SectionKind.INDUSTRY_WAVES: IndustryNarrative,
}

SectionOutput: TypeAlias = (
    ExecutiveSummary
    | LayerIntroduction
    | DimensionNarrative
    | Strengths
    | GrowthOpportunities
    | WaveAlignment
    | StrategicAssessment
    | Methodology
    | EditionChanges
    | IndustryNarrative
)
"""A section's output: the model of its kind (OUTPUT_MODELS), kept typed from the answer to the Markdown."""


# --- inputs -----------------------------------------------------------------------------


class CohortClaims(BaseModel):
    """The company's standing among its peers, as far as this section may claim it (`draft --edition`)."""

    edition: str
    standings: list[Standing] = Field(
        description="Each standing computed from the edition: a claim uses its phrase, which names group and edition."
    )


class WithoutEmptyCohort(BaseModel):
    """A model whose optional `cohort` is left out of its JSON when unset.

    Drafts made without an edition then serialise exactly as before cohorts existed: section inputs (so
    prompts, input hashes and recordings) and report sidecars alike.
    """

    @model_serializer(mode="wrap")
    def _no_empty_cohort(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("cohort") is None:
            data.pop("cohort", None)
        return data


class Input(WithoutEmptyCohort):
    """Base of section inputs."""

    model_config = ConfigDict(frozen=True)

    company: str
    cohort: CohortClaims | None = Field(
        default=None, description="Standing among peers; absent: the section may make no comparative claim."
    )


class DimensionBrief(BaseModel):
    """A dimension as other sections see it."""

    name: str
    score: int
    tier: str
    top_evidence: list[str] = Field(default_factory=list, description="Its leading names, most specific first.")
    products: list[str] = Field(default_factory=list, description="Those of its leading names that are products.")


class EvidenceGroup(BaseModel):
    """Products of a catch-all dimension (Services) that are mainly about one other dimension."""

    dimension: str = Field(description="The dimension these products are mainly about (cloud, data, ...).")
    score: int = Field(description="That dimension's score.")
    names: list[str] = Field(description="Its leading products, most specific first (at most four).")
    count: int = Field(default=0, description="How many products the group holds in all.")


class DimensionInput(Input):
    """What a dimension paragraph is given."""

    dimension: str
    score: int
    tier: str
    rank: int
    dimension_count: int
    signal_count: int
    kinds_count: int
    layers: list[str]
    evidence: dict[str, list[str]] = Field(
        default_factory=dict,
        exclude=True,
        description="Signal names by kind, strongest first (capped); superseded by `named`/`unnamed`.",
    )
    more_evidence: dict[str, int] = Field(
        default_factory=dict, exclude=True, description="How many more signals of each kind are not listed."
    )
    kind_counts: dict[str, int] = Field(default_factory=dict, description="How many signals of each kind it holds.")
    named: list[str] = Field(
        default_factory=list, description="Every product and vendor behind it, most specific to the dimension first."
    )
    named_count: int = Field(default=0, description="How many products and vendors `named` lists.")
    named_by_kind: dict[str, int] = Field(
        default_factory=dict, description="How many of the named are of each kind (products are services and tools)."
    )
    unnamed: list[str] = Field(
        default_factory=list, description="The strongest other names behind it (phrases, practices), capped."
    )
    unnamed_count: int = Field(default=0, description="How many other names there are in all, listed or not.")
    unnamed_by_kind: dict[str, int] = Field(
        default_factory=dict, description="How many of the unnamed names are of each kind (first kind listed)."
    )
    name_count: int = Field(
        default=0, description="Distinct names behind it: named + unnamed (a name under several kinds counts once)."
    )
    dominant: str | None = Field(
        default=None, description="A product whose evidence outweighs the others' (a quarter of the points or more)."
    )
    groups: list[EvidenceGroup] = Field(
        default_factory=list, description="For Services and Languages: the products by what they are mainly about."
    )
    description: str = Field(default="", description="What the dimension covers (the taxonomy's description).")


class LayerInput(Input):
    """What a layer introduction is given."""

    layer_number: int
    title: str
    purpose: str
    tier: str
    mean_score: float
    dimensions: list[DimensionBrief]
    waves: list[str]


class CandidateBrief(BaseModel):
    """A strength or growth candidate."""

    name: str
    score: int
    tier: str
    reason: str
    top_evidence: list[str]
    rank: int = 0
    signal_count: int = 0
    kinds: list[str] = Field(default_factory=list, description="The signal kinds its evidence is seen through.")
    layer: str = Field(default="", description="The first layer that shows the dimension.")
    layer_leader: DimensionBrief | None = Field(
        default=None, description="The highest-scoring other dimension of that layer, when it scores above 0."
    )


class CandidatesInput(Input):
    """What the strengths and growth tables are given."""

    candidates: list[CandidateBrief]
    signal_count: int = Field(default=0, description="All of the company's signals.")
    dimension_count: int = 0
    zero_dimensions: int = Field(default=0, description="How many dimensions score 0.")


class WaveLayer(BaseModel):
    """A layer as the wave-alignment section sees it."""

    layer_number: int
    title: str
    leading_dimension: str | None
    leading_score: int
    waves: list[str]


class WaveInput(Input):
    """What the wave-alignment section is given."""

    layers: list[WaveLayer]


class MethodologyInput(Input):
    """What the methodology section is given."""

    as_of: str | None = Field(description="The date the data describes; None when the source gives none.")
    signal_count: int
    signals_by_kind: dict[str, int]
    distinct_names: int = Field(default=0, description="The names the signals resolve to: the sum of signals_by_kind.")
    layer_count: int
    dimension_count: int
    kind_weights: dict[str, float]
    diversity_bonus: float
    saturation: float | None = Field(description="Scores grow ever slower past about this value; None: linear.")
    linear_dimensions: list[str] = Field(description="Dimensions whose score grows linearly (no saturation).")
    tiers: dict[str, int] = Field(description="Tier name -> lowest score in the tier.")
    taxonomy_version: str
    counted_signals: int = Field(
        default=0, description="Signals the taxonomy recognises: they count for a dimension beyond their kind's own."
    )
    uncounted_signals: int = Field(
        default=0, description="Signals it does not recognise: they count for no dimension, or only Services/Languages."
    )


class StrategicInput(Input):
    """What the strategic-assessment overview is given (after the tables are written)."""

    top_dimensions: list[DimensionBrief]
    strongest_layers: list[str] = Field(description="The two layers with the highest mean score, Services aside.")
    strengths: list[str] = Field(description="Strength areas with their evidence, from the strengths table.")
    growth_opportunities: list[str] = Field(description="Growth areas, from the growth table.")
    industry: str | None = Field(default=None, description="The company's industry, from its profile; None: unknown.")
    description: str | None = Field(
        default=None, description="One or two sentences on what the company is, from its profile; None: unknown."
    )


class ExecutiveInput(Input):
    """What the executive summary is given (after the layers and the assessment are written)."""

    as_of: str | None = Field(description="The date the data describes; None when the source gives none.")
    signal_count: int
    layer_count: int
    dimension_count: int
    top_dimensions: list[DimensionBrief]
    strongest_layers: list[str]
    layer_leaders: dict[str, str] = Field(
        default_factory=dict, description="Each strongest layer's leading dimension and its score."
    )
    layer_summaries: list[str] = Field(description="Each layer's introduction summary, in report order.")
    strategic_overview: str
    industry: str | None = Field(default=None, description="The company's industry, from its profile; None: unknown.")
    description: str | None = Field(
        default=None, description="One or two sentences on what the company is, from its profile; None: unknown."
    )


class ChangeBrief(BaseModel):
    """One dimension's move between two editions, attributed."""

    dimension: str
    before: int
    after: int
    delta: int
    from_signals: int = Field(description="The part of the delta the company's own signals made.")
    from_taxonomy: int = Field(description="The part the taxonomy's change made (the same signals re-scored).")
    rank_before: int | None = Field(description="Rank among the edition's companies before (1 = highest).")
    rank_after: int | None
    own_move: int | None = Field(description="Places gained from the company's own change (positive: a rise).")
    peers_move: int | None = Field(description="Places gained or lost from its peers' changes.")
    added: list[str] = Field(default_factory=list, description="Signals added that count for the dimension.")
    removed: list[str] = Field(default_factory=list, description="Signals removed that counted for it.")


class EditionChangesInput(Input):
    """What a company's changes section is given: the two editions and its biggest moves."""

    edition: str
    previous_edition: str | None = Field(description="The edition before; None when this is the first.")
    status: str = Field(description="first, new (not in the previous edition), changed or unchanged.")
    signals_added: int = 0
    signals_removed: int = 0
    moves: list[ChangeBrief] = Field(default_factory=list, description="The biggest moves, largest first.")


class IndustryDimension(BaseModel):
    """One dimension summed over a group: its total, spread and leaders."""

    dimension: str
    total: int = Field(description="The sum of the group's scores.")
    median: float
    maximum: int
    leaders: list[str] = Field(description="The companies with the maximum (several when tied); empty when 0.")
    leader_standing: str = Field(
        default="", description="The leaders' rank as it may be written, group and edition named; empty when 0."
    )
    companies_scoring: int = Field(description="Companies with a score above 0.")


class IndustryLeader(BaseModel):
    """A company that leads several dimensions of the group at once."""

    company: str
    areas: list[str] = Field(description="The dimensions it leads (alone or tied), highest industry total first.")
    area_count: int
    total: int = Field(description="The company's total signal score.")


class SharedSignal(BaseModel):
    """A counted signal and how many of the group's companies have it."""

    name: str
    companies: int
    product: bool = Field(default=True, description="A named product or vendor; false for a practice or phrase.")


class IndustryLayer(BaseModel):
    """One layer summed over a group."""

    layer_number: int
    title: str
    total: int
    leading_dimension: str | None
    waves: list[str]


class IndustryInput(Input):
    """What every industry section is given: the group named (`company` holds its name), its size, the edition."""

    edition: str
    group: str = Field(description="How the group is named in a claim, e.g. 'Financial companies'.")
    company_count: int


class IndustryCohortInput(IndustryInput):
    """The opening: the cohort, its total, its strongest and thinnest dimensions."""

    total_score: int
    dimension_count: int
    scoring_areas: int = Field(description="Dimensions with a total above 0.")
    zero_dimensions: int = Field(description="Dimensions with a total of 0.")
    strongest: list[IndustryDimension]
    thinnest: list[IndustryDimension]


class IndustryLeadersInput(IndustryInput):
    """Leaders per dimension, and the companies leading several."""

    superlatives: bool = Field(description="Whether 'leads' / 'highest' may be said: a group of at least 10.")
    leaders: list[IndustryDimension]
    multi_area_leaders: list[IndustryLeader]


class IndustrySpreadInput(IndustryInput):
    """How far apart the group's companies are: medians and maxima, and the totals' range."""

    dimensions: list[IndustryDimension]
    highest_total: int
    median_total: float
    lowest_total: int


class IndustrySignalsInput(IndustryInput):
    """What most of the group shares, and what only one company has."""

    shared: list[SharedSignal] = Field(description="Signals held by at least half the group, most widespread first.")
    distinct_signals: int
    unique_count: int = Field(description="Signals only one company of the group has.")
    unique_examples: list[SharedSignal]


class IndustryWavesInput(IndustryInput):
    """The layers summed over the group, with their waves."""

    layers: list[IndustryLayer]


def strict_schema(model: type[Output]) -> dict[str, object]:
    """The model's JSON schema in the form strict structured outputs require (a fresh copy).

    Every object lists all its properties as required (optional ones are
    nullable) and forbids others; titles and defaults are dropped. Built once per
    model (pydantic's schema generation costs about a millisecond per call, and a
    report asks 61 times); each caller gets its own copy to put in a request.
    """
    return copy.deepcopy(_strict_schema(model))


@functools.cache
def _strict_schema(model: type[Output]) -> dict[str, object]:

    def fix(node: object) -> object:
        if isinstance(node, list):
            return [fix(item) for item in node]
        if not isinstance(node, dict):
            return node
        fixed = {key: value for key, value in node.items() if key not in {"title", "default"}}
        if "properties" in fixed:
            properties = fixed["properties"]
            assert isinstance(properties, dict)
            fixed["properties"] = {name: fix(schema) for name, schema in properties.items()}
            fixed["required"] = list(properties)
            fixed["additionalProperties"] = False
        for key in ("items", "anyOf", "$defs"):
            if key in fixed:
                value = fixed[key]
                fixed[key] = (
                    {name: fix(schema) for name, schema in value.items()}
                    if isinstance(value, dict) and key == "$defs"
                    else fix(value)
                )
        return fixed

    result = fix(model.model_json_schema())
    assert isinstance(result, dict)
    return result


INPUT_MODELS: dict[SectionKind, type[Input]] = {
    SectionKind.EXECUTIVE_SUMMARY: ExecutiveInput,
    SectionKind.LAYER_INTRODUCTION: LayerInput,
    SectionKind.DIMENSION_NARRATIVE: DimensionInput,
    SectionKind.STRENGTHS: CandidatesInput,
    SectionKind.GROWTH_OPPORTUNITIES: CandidatesInput,
    SectionKind.WAVE_ALIGNMENT: WaveInput,
    SectionKind.STRATEGIC_ASSESSMENT: StrategicInput,
    SectionKind.METHODOLOGY: MethodologyInput,
    SectionKind.EDITION_CHANGES: EditionChangesInput,
    SectionKind.INDUSTRY_COHORT: IndustryCohortInput,
    SectionKind.INDUSTRY_LEADERS: IndustryLeadersInput,
    SectionKind.INDUSTRY_SPREAD: IndustrySpreadInput,
    SectionKind.INDUSTRY_SIGNALS: IndustrySignalsInput,
    SectionKind.INDUSTRY_WAVES: IndustryWavesInput,
}
