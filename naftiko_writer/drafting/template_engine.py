"""The deterministic template engine: section inputs -> section outputs, no model.

Plain, correct data-to-text prose built only from a section's input, so it is
grounded by construction (tests check every section of every fixture). It
drafts whole reports with `--engine template` and stands in for any section
whose model answer cannot be repaired. The prose lives in `template/`: its
wording helpers (words.py), the dimension paragraphs (dimension.py) and the
overview sections (overview.py); this module holds the two tables and the
methodology, and maps each section kind to its writer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from naftiko_writer.drafting.cohort_template import CHANGES_BUILDERS, with_cohort
from naftiko_writer.drafting.industry_template import INDUSTRY_BUILDERS
from naftiko_writer.drafting.template.dimension import dimension_narrative
from naftiko_writer.drafting.template.overview import (
    executive_summary,
    layer_introduction,
    strategic_assessment,
    wave_alignment,
)
from naftiko_writer.drafting.template.words import (
    KIND_PHRASES,
    PARAGRAPH_LIMIT,
    SENTENCE_LIMIT,
    fit,
    join_names,
    kinds_phrase,
    layer_name,
    plural,
    sentences,
)
from naftiko_writer.report.sections import (
    CandidateBrief,
    CandidatesInput,
    GrowthOpportunities,
    GrowthRow,
    Input,
    Methodology,
    MethodologyInput,
    Output,
    SectionKind,
    StrengthRow,
    Strengths,
    score_label,
)
from naftiko_writer.scoring.names import distinct_names, name_key

__all__ = ["draft_from_template", "fit", "join_names"]


def _share(count: int, total: int) -> str:
    """`3 of its 1,200 signals` (or `3 signals` when the total is unknown)."""
    if total <= 0:
        return plural(count, "signal")
    return f"{count:,} of its {plural(total, 'signal')}"


def _missing_kinds(kinds: Sequence[str]) -> list[str]:
    """The broad kinds (services, tools, concepts) a dimension is not seen through."""
    return [kind for kind in ("service", "tool", "concept") if kind not in kinds]


def _gap(company: str) -> str:
    """How a score of 0 is framed: the data's blind spot, not the company's."""
    return f"a gap in what the data shows rather than proof that {company} lacks the investment"


def strengths(data: CandidatesInput) -> Strengths:
    """The highest-scoring candidates as table rows, each from its own rank, counts, kinds and names."""
    chosen = [c for c in data.candidates if c.score > 0][:6]
    if not chosen:
        return _no_strengths(data)
    rows = [StrengthRow(area=c.name[:60], evidence=fit(_strength_evidence(c, data), SENTENCE_LIMIT)) for c in chosen]
    while len(rows) < 3:
        rows.append(
            StrengthRow(
                area="None further",
                evidence=fit(f"No further dimension of {data.company} scores above zero.", SENTENCE_LIMIT),
            )
        )
    leaders = join_names([f"{c.name} at {c.score}" for c in chosen[:2]])
    introduction = (
        f"{data.company}'s strengths are the dimensions where its signals are densest and most varied, led by "
        f"{leaders}."
    )
    closing = f"Together, {join_names([f'{c.name} ({c.score})' for c in chosen])} form the core of {data.company}'s "
    closing += "technology investment"
    links = _shared_names(chosen)
    if links:
        closing += ", with " + " and ".join(f"{name} running through {join_names(areas)}" for name, areas in links)
    closing += "."
    return Strengths(
        introduction=fit(introduction, SENTENCE_LIMIT), rows=rows, closing=sentences([closing], PARAGRAPH_LIMIT)
    )


def _strength_evidence(candidate: CandidateBrief, data: CandidatesInput) -> str:
    names = join_names(distinct_names(candidate.top_evidence)[:4])
    return (
        f"{candidate.name} scores {candidate.score}, rank {candidate.rank} of {data.dimension_count}, from "
        f"{_share(candidate.signal_count, data.signal_count)} across {kinds_phrase(candidate.kinds)}, led by {names}."
    )


def _shared_names(chosen: Sequence[CandidateBrief]) -> list[tuple[str, list[str]]]:
    """Names that appear in the evidence of more than one strength (at most two, the most shared first)."""
    areas: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for candidate in chosen:
        for name in distinct_names(candidate.top_evidence):
            key = name_key(name)
            spelling.setdefault(key, name)
            areas.setdefault(key, []).append(candidate.name)
    shared = sorted((key for key in areas if len(areas[key]) > 1), key=lambda key: -len(areas[key]))
    return [(spelling[key], areas[key]) for key in shared[:2]]


def _no_strengths(data: CandidatesInput) -> Strengths:
    """No dimension scores above 0: the table states the visibility gap, row by row."""
    held = (
        f"{data.company}'s {plural(data.signal_count, 'signal')}"
        if data.signal_count
        else f"the data on {data.company}"
    )
    rows = [
        StrengthRow(
            area="Scored dimensions",
            evidence=fit(f"None: every dimension of {data.company} scores zero.", SENTENCE_LIMIT),
        ),
        StrengthRow(
            area="Recognised signals",
            evidence=fit(f"None of {held} counts for a dimension in the current taxonomy.", SENTENCE_LIMIT)
            if data.signal_count
            else fit(f"The data holds no signals for {data.company}.", SENTENCE_LIMIT),
        ),
        StrengthRow(area="Visibility", evidence=fit(f"The scores show {_gap(data.company)}.", SENTENCE_LIMIT)),
    ]
    return Strengths(
        introduction=fit(f"The current data shows no scored strength for {data.company}.", SENTENCE_LIMIT),
        rows=rows,
        closing=fit(
            f"This is a visibility gap, not an absence of technology: richer signal data on {data.company}, naming "
            "the services, tools and concepts it works with, is what would surface its strengths.",
            PARAGRAPH_LIMIT,
        ),
    )


def growth_opportunities(data: CandidatesInput) -> GrowthOpportunities:
    """The lowest-scoring candidates as table rows, each from its own evidence, kinds and layer."""
    chosen = data.candidates[:6]
    rows = [
        GrowthRow(
            area=c.name[:60], current_state=score_label(c.score), opportunity=fit(_opportunity(c, data), SENTENCE_LIMIT)
        )
        for c in chosen
    ]
    everything_zero = data.zero_dimensions == data.dimension_count
    if everything_zero:
        introduction = (
            f"Every one of {data.company}'s {data.dimension_count} dimensions scores zero, so its growth "
            "opportunities start with closing the visibility gap in the data."
        )
    elif data.zero_dimensions:
        introduction = (
            f"Growth opportunities are the dimensions where {data.company}'s {data.signal_count:,} signals show the "
            f"least investment: {data.zero_dimensions} of its {data.dimension_count} dimensions score 0."
        )
    else:
        introduction = (
            f"Every dimension of {data.company} scores above 0 from its {plural(data.signal_count, 'signal')}; its "
            f"growth opportunities are the thinnest ones, starting with {chosen[0].name} at {chosen[0].score}."
            if chosen
            else f"{data.company} has no growth candidates in the current data."
        )
    return GrowthOpportunities(
        introduction=fit(introduction, SENTENCE_LIMIT),
        rows=rows,
        closing=fit(_growth_closing(chosen, data, everything_zero), PARAGRAPH_LIMIT),
    )


def _opportunity(candidate: CandidateBrief, data: CandidatesInput) -> str:
    leader = candidate.layer_leader
    if candidate.score == 0 and leader is not None:
        base = join_names(distinct_names(leader.top_evidence)[:2])
        return (
            f"No counted signal yet; in the {layer_name(candidate.layer)}, {leader.name} scores {leader.score}"
            + (f" on {base}" if base else "")
            + f", a base {data.company} can extend into {candidate.name}."
        )
    if candidate.score == 0:
        held = f"of its {plural(data.signal_count, 'signal')}" if data.signal_count else "signal in the data"
        return (
            f"None {held} counts here or elsewhere in the {layer_name(candidate.layer)}: signals of {candidate.name} would open "
            f"a layer the data on {data.company} does not show yet."
        )
    names = join_names(distinct_names(candidate.top_evidence)[:3])
    text = f"Rank {candidate.rank} of {data.dimension_count} from {plural(candidate.signal_count, 'signal')}"
    text += f" ({names})" if names else ""
    text += (
        f", beside {leader.name} at {leader.score} in the {layer_name(candidate.layer)}" if leader is not None else ""
    )
    missing = _missing_kinds(candidate.kinds)
    if missing:
        return text + (
            f", seen only through {kinds_phrase(candidate.kinds)}: {' or '.join(KIND_PHRASES[kind] for kind in missing)} "
            f"would give {data.company} a broader base here."
        )
    return text + f": more evidence on each would deepen what {data.company} already uses."


def _growth_closing(chosen: Sequence[CandidateBrief], data: CandidatesInput, everything_zero: bool) -> str:
    if not chosen:
        return f"{data.company} has no growth candidates in the current data."
    if everything_zero:
        held = f"none of its {plural(data.signal_count, 'signal')}" if data.signal_count else "no signal"
        return (
            f"With {held} counted, {data.company}'s first step is visibility: richer signal data naming the "
            f"services, tools and concepts it uses would let every dimension, {chosen[0].name} included, be scored."
        )
    with_base = [c for c in chosen if c.score == 0 and c.layer_leader is not None]
    if with_base:
        best = max(with_base, key=lambda c: c.layer_leader.score if c.layer_leader else 0)
        assert best.layer_leader is not None
        base = join_names(distinct_names(best.layer_leader.top_evidence)[:3])
        return (
            f"The highest-leverage start is {best.name}: {data.company} already shows {best.layer_leader.name} at "
            f"{best.layer_leader.score} in the {layer_name(best.layer)}"
            + (f", so {best.name} can build on {base} rather than start from nothing." if base else ".")
        )
    lowest = chosen[0]
    names = join_names(distinct_names(lowest.top_evidence)[:2])
    text = f"The clearest start is {lowest.name}, rank {lowest.rank} of {data.dimension_count} at {lowest.score} for "
    text += data.company + (f" with only {names} behind it" if names and lowest.score else "")
    if lowest.layer_leader is not None:
        text += (
            f", while {lowest.layer_leader.name} leads the {layer_name(lowest.layer)} at {lowest.layer_leader.score}"
        )
    return text + "."


def methodology(data: MethodologyInput) -> Methodology:
    """How the scores were made, from the scoring rules and the company's coverage in the data."""
    kinds = join_names([f"{count:,} {KIND_PHRASES.get(kind, kind)}" for kind, count in data.signals_by_kind.items()])
    names = data.distinct_names
    first = (
        f"This report scores {data.company} from {plural(data.signal_count, 'technology signal')} observed"
        + (f" as of {data.as_of}" if data.as_of else "")
        + (f", which resolve to {plural(names, 'distinct name')} ({kinds})" if kinds else "")
        + f", mapped to {data.dimension_count} dimensions in {data.layer_count} layers by taxonomy version "
        f"{data.taxonomy_version}."
    )
    if data.signal_count == 0:
        coverage = (
            f"The data holds no signals for {data.company}, so every dimension scores 0: the report shows a "
            "visibility gap, not an absence of technology."
        )
    elif data.counted_signals == 0:
        coverage = (
            f"None of the {data.signal_count:,} signals is recognised by the taxonomy: all {data.uncounted_signals:,} "
            "count for no dimension beyond their kind's own (a service still counts for Services), so the report "
            f"shows a visibility gap in the data on {data.company}, not an absence of technology."
        )
    else:
        coverage = f"Of the {data.signal_count:,} signals, {data.counted_signals:,} counted for a dimension and "
        if data.uncounted_signals == 0:
            coverage += f"{data.uncounted_signals:,} did not: the taxonomy recognises every signal in the data on "
            coverage += f"{data.company}."
        else:
            them, they = ("it", "it counts") if data.uncounted_signals == 1 else ("them", "they count")
            coverage += (
                f"{data.uncounted_signals:,} did not: the taxonomy does not recognise {them} yet, so {they} for no "
                "dimension beyond the kind's own (every service still counts for Services, every language for "
                f"Languages), and the scores describe what the data makes visible of {data.company}, not all it uses."
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
    return Methodology(
        paragraphs=[fit(first, PARAGRAPH_LIMIT), fit(coverage, PARAGRAPH_LIMIT), fit(second, PARAGRAPH_LIMIT)]
    )


_BUILDERS: dict[SectionKind, Callable[..., Output]] = {
    SectionKind.DIMENSION_NARRATIVE: dimension_narrative,
    SectionKind.LAYER_INTRODUCTION: layer_introduction,
    SectionKind.STRENGTHS: strengths,
    SectionKind.GROWTH_OPPORTUNITIES: growth_opportunities,
    SectionKind.WAVE_ALIGNMENT: wave_alignment,
    SectionKind.STRATEGIC_ASSESSMENT: strategic_assessment,
    SectionKind.METHODOLOGY: methodology,
    SectionKind.EXECUTIVE_SUMMARY: executive_summary,
    **INDUSTRY_BUILDERS,
    **CHANGES_BUILDERS,
}


def template_kinds() -> frozenset[SectionKind]:
    """The section kinds the template engine can write."""
    return frozenset(_BUILDERS)


def draft_from_template(kind: SectionKind, section_input: Input) -> Output:
    """The template engine's output for one section."""
    return with_cohort(_BUILDERS[kind](section_input), section_input)
