"""The deterministic template engine: section inputs -> section outputs, no model.

Plain, correct data-to-text prose built only from a section's input, so it is
grounded by construction (tests check every section of every fixture). It
drafts whole reports with `--engine template` and stands in for any section
whose model answer cannot be repaired.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from naftiko_writer.report.sections import (
    CandidatesInput,
    DimensionInput,
    DimensionNarrative,
    ExecutiveInput,
    ExecutiveSummary,
    GrowthOpportunities,
    GrowthRow,
    Input,
    LayerInput,
    LayerIntroduction,
    Methodology,
    MethodologyInput,
    Output,
    SectionKind,
    StrategicAssessment,
    StrategicInput,
    StrengthRow,
    Strengths,
    WaveAlignment,
    WaveInput,
    has_key_takeaway,
    score_label,
)

PARAGRAPH_LIMIT = 1200
SENTENCE_LIMIT = 400
KIND_PHRASES = {
    "service": "services",
    "tool": "tools",
    "concept": "concepts",
    "standard": "standards",
    "language": "languages",
}


def join_names(names: Sequence[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def fit(text: str, limit: int) -> str:
    """Cut text at the last sentence or clause that fits `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for stop in (". ", "; ", ", "):
        position = cut.rfind(stop)
        if position > 0:
            return cut[:position].rstrip(",;") + "."
    return cut.rstrip() + "…"


def _sentences(parts: Sequence[str], limit: int) -> str:
    """Join sentences while they fit, so no sentence is cut in half."""
    text = ""
    for part in parts:
        candidate = f"{text} {part}".strip()
        if len(candidate) > limit:
            break
        text = candidate
    return text or fit(parts[0], limit)


def dimension_narrative(data: DimensionInput) -> DimensionNarrative:
    """Score, rank, then the evidence kind by kind."""
    if data.signal_count == 0:
        return DimensionNarrative(
            paragraph=f"{data.dimension} scores {data.score}: no {data.dimension} signals were found for "
            f"{data.company} in the current data.",
            key_takeaway=None,
        )
    sentences = [
        f"{data.dimension} scores {data.score} ({data.tier} tier) for {data.company}, rank {data.rank} of "
        f"{data.dimension_count} dimensions, from {data.signal_count} signals of {data.kinds_count} kinds."
    ]
    for kind, names in data.evidence.items():
        more = data.more_evidence.get(kind, 0)
        listed = join_names([*names, f"{more} more"] if more else names)
        sentences.append(f"{KIND_PHRASES[kind].capitalize()}: {listed}.")
    leaders = join_names([names[0] for names in data.evidence.values()][:3])
    takeaway = (
        f"{data.dimension} is a {data.tier} area for {data.company}, led by {leaders}."
        if has_key_takeaway(data.tier)
        else None
    )
    return DimensionNarrative(
        paragraph=_sentences(sentences, PARAGRAPH_LIMIT),
        key_takeaway=fit(takeaway, SENTENCE_LIMIT) if takeaway else None,
    )


def layer_introduction(data: LayerInput) -> LayerIntroduction:
    """Scope sentence and a summary of the layer's dimensions by score."""
    names = [dimension.name for dimension in data.dimensions]
    leader = data.dimensions[0]
    if leader.score == 0:
        summary = f"{data.company}'s {data.title} shows no recorded investment yet: every dimension scores 0."
    else:
        others = [f"{d.name} at {d.score}" for d in data.dimensions[1:]]
        summary = (
            f"{data.company}'s {data.title} is at the {data.tier} tier, led by {leader.name} at {leader.score} "
            f"with a mean dimension score of {_number(data.mean_score)}."
        )
        if leader.top_evidence:
            summary += f" {leader.name} draws on {join_names(leader.top_evidence[:3])}."
        if others:
            summary += f" The other dimensions are {join_names(others)}."
    scope = f"Evaluating {data.company}'s capabilities across {join_names(names)}."
    return LayerIntroduction(scope=fit(scope, SENTENCE_LIMIT), summary=fit(summary, PARAGRAPH_LIMIT))


def strengths(data: CandidatesInput) -> Strengths:
    """The highest-scoring candidates as table rows."""
    chosen = [c for c in data.candidates if c.score > 0][:6]
    rows = [
        StrengthRow(
            area=c.name[:60],
            evidence=fit(f"{c.name} score of {c.score} with {join_names(c.top_evidence[:4])}", SENTENCE_LIMIT),
        )
        for c in chosen
    ]
    rows = _pad_rows(rows, lambda _: StrengthRow(area="None further", evidence="No further strength in the data."))
    return Strengths(
        introduction=fit(
            f"{data.company}'s strengths are the dimensions where its signals are densest and most varied.",
            SENTENCE_LIMIT,
        ),
        rows=rows,
        closing=fit(
            f"Together, {join_names([c.name for c in chosen])} form the core of {data.company}'s technology investment."
            if chosen
            else f"{data.company} has no scored strengths in the current data.",
            PARAGRAPH_LIMIT,
        ),
    )


def growth_opportunities(data: CandidatesInput) -> GrowthOpportunities:
    """The lowest-scoring candidates as table rows, with the scorer's reason."""
    chosen = data.candidates[:6]
    rows = [
        GrowthRow(
            area=c.name[:60],
            current_state=score_label(c.score),
            opportunity=fit(
                f"{c.reason} Building signals here would broaden {data.company}'s coverage.", SENTENCE_LIMIT
            ),
        )
        for c in chosen
    ]
    return GrowthOpportunities(
        introduction=fit(
            f"Growth opportunities are the dimensions where {data.company} shows the least investment.", SENTENCE_LIMIT
        ),
        rows=rows,
        closing=fit(
            f"The lowest-scoring dimension, {chosen[0].name} (score {chosen[0].score}), is the clearest place to start."
            if chosen
            else f"{data.company} has no growth candidates in the current data.",
            PARAGRAPH_LIMIT,
        ),
    )


def _pad_rows(rows: list[StrengthRow], make: Callable[[int], StrengthRow]) -> list[StrengthRow]:
    while len(rows) < 3:
        rows.append(make(len(rows) + 1))
    return rows


def wave_alignment(data: WaveInput) -> WaveAlignment:
    """Each layer's leader beside its waves, in report order."""
    sentences = []
    for layer in data.layers:
        if not layer.waves:
            continue
        lead = (
            f"led by {layer.leading_dimension} at {layer.leading_score}"
            if layer.leading_dimension
            else "with no scored dimension yet"
        )
        sentences.append(f"Layer {layer.layer_number}, {layer.title}, {lead}, meets {join_names(layer.waves)}.")
    paragraphs: list[str] = []
    current = f"{data.company}'s readiness for each technology wave follows the scores of the layer it belongs to."
    for sentence in sentences:
        if len(current) + 1 + len(sentence) > PARAGRAPH_LIMIT:
            paragraphs.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}"
    paragraphs.append(fit(current, PARAGRAPH_LIMIT))
    return WaveAlignment(paragraphs=paragraphs[:3])


def strategic_assessment(data: StrategicInput) -> StrategicAssessment:
    """The top dimensions and the pattern the tables show."""
    top = join_names([f"{d.name} ({d.score})" for d in data.top_dimensions])
    text = (
        f"{data.company}'s signal density concentrates in {top}."
        if top
        else f"{data.company} has no scored dimensions."
    )
    if data.strongest_layers:
        text += f" Its strongest layers are {join_names(data.strongest_layers)}."
    if data.growth_opportunities:
        text += f" The growth opportunities start with {join_names(data.growth_opportunities[:3])}."
    return StrategicAssessment(overview=fit(text, PARAGRAPH_LIMIT))


def methodology(data: MethodologyInput) -> Methodology:
    """How the scores were made, from the scoring rules in the data."""
    kinds = join_names([f"{count} {KIND_PHRASES.get(kind, kind)}" for kind, count in data.signals_by_kind.items()])
    first = (
        f"This report scores {data.company} from {data.signal_count} technology signals observed as of {data.as_of}"
        + (f" ({kinds})" if kinds else "")
        + f", mapped to {data.dimension_count} dimensions in {data.layer_count} layers by taxonomy version "
        f"{data.taxonomy_version}."
    )
    second = (
        "Each signal earns points by its kind and by how much evidence supports it; a dimension's score is the "
        "density of its points, raised by the diversity of the kinds it is seen through"
        + (
            ", and each further signal adds a little less than the one before"
            + (
                f" (except in {join_names(data.linear_dimensions)}, where every signal counts in full)"
                if data.linear_dimensions
                else ""
            )
            if data.saturation is not None
            else ""
        )
        + ". Scores fall into tiers: "
        + join_names([f"{name} from {floor}" for name, floor in data.tiers.items()])
        + "."
    )
    return Methodology(paragraphs=[fit(first, PARAGRAPH_LIMIT), fit(second, PARAGRAPH_LIMIT)])


def executive_summary(data: ExecutiveInput) -> ExecutiveSummary:
    """What the report covers, then the leading dimensions and layers."""
    first = (
        f"This report analyses {data.company}'s technology investment from {data.signal_count} signals as of "
        f"{data.as_of}, scored across {data.dimension_count} dimensions in {data.layer_count} layers."
    )
    top = join_names([f"{d.name} at {d.score}" for d in data.top_dimensions])
    second = (
        f"{data.company}'s highest-scoring dimensions are {top}."
        if top
        else f"{data.company} has no scored dimensions yet."
    )
    if data.strongest_layers:
        second += f" Its strongest layers are {join_names(data.strongest_layers)}."
    return ExecutiveSummary(paragraphs=[fit(first, PARAGRAPH_LIMIT), fit(second, PARAGRAPH_LIMIT)])


_BUILDERS: dict[SectionKind, Callable[..., Output]] = {
    SectionKind.DIMENSION_NARRATIVE: dimension_narrative,
    SectionKind.LAYER_INTRODUCTION: layer_introduction,
    SectionKind.STRENGTHS: strengths,
    SectionKind.GROWTH_OPPORTUNITIES: growth_opportunities,
    SectionKind.WAVE_ALIGNMENT: wave_alignment,
    SectionKind.STRATEGIC_ASSESSMENT: strategic_assessment,
    SectionKind.METHODOLOGY: methodology,
    SectionKind.EXECUTIVE_SUMMARY: executive_summary,
}


def draft_from_template(kind: SectionKind, section_input: Input) -> Output:
    """The template engine's output for one section."""
    return _BUILDERS[kind](section_input)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
