"""The template engine's industry sections: data-to-text prose over a group's facts, no model. Pure.

Every name and figure comes from the section's input (report/sections.py Industry*Input). Ranks follow
the cohort convention (report/cohort.py): a leader is "1st of N <group> in <edition>", tied leaders are
"joint 1st", and "leads" is said only of a company first alone in a group of at least ten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from naftiko_writer.drafting.template.words import join_names
from naftiko_writer.report.sections import (
    IndustryCohortInput,
    IndustryDimension,
    IndustryInput,
    IndustryLeadersInput,
    IndustryNarrative,
    IndustrySignalsInput,
    IndustrySpreadInput,
    IndustryWavesInput,
    Output,
    SectionKind,
)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.1f}"


def _scores(dimensions: Sequence[IndustryDimension]) -> str:
    return join_names([f"{d.dimension} ({_number(d.total)})" for d in dimensions])


def _in(data: IndustryInput) -> str:
    return f"the {data.company_count} {data.group} in {data.edition}"


def _leader_clause(dimension: IndustryDimension, superlatives: bool) -> str:
    names = dimension.leaders
    score = _number(dimension.maximum)
    if len(names) == 1 and superlatives:
        return f"{names[0]} leads {dimension.dimension} with {score}"
    place = dimension.leader_standing.split(" of ", 1)[0]  # "1st", "joint 1st (with 1 other)"
    return f"{join_names(names)} {'is' if len(names) == 1 else 'are'} {place} on {dimension.dimension} ({score})"


def industry_cohort(data: IndustryCohortInput) -> IndustryNarrative:
    """The opening: the cohort, its total and areas, where it is strong and where thin."""
    companies = "company" if data.company_count == 1 else "companies"
    opening = (
        f"The {data.company} cohort of {data.edition} holds {data.company_count} {companies} with a total signal score "
        f"of {_number(data.total_score)}, across {data.scoring_areas} of the {data.dimension_count} scored dimensions."
    )
    if not data.strongest:
        return IndustryNarrative(
            paragraphs=[opening + " No dimension scores above zero yet: the signal data shows no investment to sum."]
        )
    strong = f"Summed over the group, the highest dimensions are {_scores(data.strongest)}."
    paragraphs = [f"{opening} {strong}"]
    if data.thinnest:
        zero = data.zero_dimensions
        zeros = f" {zero} dimension{'s score' if zero != 1 else ' scores'} zero across the group." if zero else ""
        paragraphs.append(
            f"The group is thinnest in {_scores(data.thinnest)}: areas where few of its signals land.{zeros}"
        )
    return IndustryNarrative(paragraphs=paragraphs)


def industry_leaders(data: IndustryLeadersInput) -> IndustryNarrative:
    """Who has the highest score in each of the strongest dimensions, and who does so in several."""
    if not data.leaders:
        return IndustryNarrative(paragraphs=[f"No company of {_in(data)} scores above zero in any dimension yet."])
    clauses = [_leader_clause(dimension, data.superlatives) for dimension in data.leaders[:5]]
    lead = f"Ranked within {_in(data)}, " if not data.superlatives else f"Among {_in(data)}, "
    paragraphs = [lead + "; ".join(clauses) + "."]
    if data.multi_area_leaders:
        several = [
            f"{leader.company} has the top score in {leader.area_count} dimensions, among them "
            f"{join_names(leader.areas[:3])}, with a total of {_number(leader.total)}"
            for leader in data.multi_area_leaders[:3]
        ]
        paragraphs.append("Some companies are at the top in several areas at once: " + "; ".join(several) + ".")
    return IndustryNarrative(paragraphs=paragraphs)


def industry_spread(data: IndustrySpreadInput) -> IndustryNarrative:
    """How far apart the companies are: the range of totals, and median against maximum per dimension."""
    if data.company_count == 1:
        return IndustryNarrative(
            paragraphs=[f"With one company in {data.edition}, the {data.company} group has no spread to compare yet."]
        )
    opening = (
        f"Company totals in {_in(data)} range from {_number(data.lowest_total)} to {_number(data.highest_total)}, "
        f"with a median of {_number(data.median_total)}."
    )
    gaps = [
        f"{d.dimension} (median {_number(d.median)}, maximum {_number(d.maximum)}, "
        f"{d.companies_scoring} of {data.company_count} companies scoring)"
        for d in data.dimensions[:4]
    ]
    paragraphs = [opening]
    if gaps:
        paragraphs.append(f"In the strongest dimensions the typical company is far from the top: {join_names(gaps)}.")
    return IndustryNarrative(paragraphs=paragraphs)


def industry_signals(data: IndustrySignalsInput) -> IndustryNarrative:
    """What most of the group shares, and how much of its footprint is one company's alone."""
    opening = f"The {data.company} group's counted signals name {_number(data.distinct_signals)} distinct technologies."
    if data.company_count == 1:
        return IndustryNarrative(paragraphs=[opening + " With one company, nothing is shared or distinctive yet."])
    paragraphs = [opening]
    if data.shared:
        common = join_names([f"{s.name} ({s.companies} of {data.company_count})" for s in data.shared[:8]])
        paragraphs.append(f"At least half the group has {common}.")
    else:
        paragraphs.append("No signal is held by half the group or more.")
    if data.unique_count:
        examples = join_names([s.name for s in data.unique_examples[:4]])
        paragraphs.append(
            f"{_number(data.unique_count)} signals belong to one company only, among them {examples}."
            if examples
            else f"{_number(data.unique_count)} signals belong to one company only."
        )
    return IndustryNarrative(paragraphs=paragraphs)


def industry_waves(data: IndustryWavesInput) -> IndustryNarrative:
    """The layers summed over the group, and the waves of the strongest ones."""
    ranked = sorted((layer for layer in data.layers if layer.total > 0), key=lambda layer: -layer.total)
    if not ranked:
        return IndustryNarrative(paragraphs=[f"No layer scores above zero for {_in(data)}."])
    top = ranked[:3]
    layers = join_names([f"Layer {layer.layer_number}: {layer.title} ({_number(layer.total)})" for layer in top])
    paragraphs = [f"Summed over {_in(data)}, the strongest layers are {layers}."]
    waves = [
        f"{layer.title} relates to {join_names(layer.waves[:3])}"
        + (f", where {layer.leading_dimension} is the layer's largest dimension" if layer.leading_dimension else "")
        for layer in top
        if layer.waves
    ]
    if waves:
        paragraphs.append("; ".join(waves) + ".")
    return IndustryNarrative(paragraphs=paragraphs)


INDUSTRY_BUILDERS: dict[SectionKind, Callable[..., Output]] = {
    SectionKind.INDUSTRY_COHORT: industry_cohort,
    SectionKind.INDUSTRY_LEADERS: industry_leaders,
    SectionKind.INDUSTRY_SPREAD: industry_spread,
    SectionKind.INDUSTRY_SIGNALS: industry_signals,
    SectionKind.INDUSTRY_WAVES: industry_waves,
}
"""The template engine's writer of each industry section kind (drafting/template_engine.py dispatches to them)."""
