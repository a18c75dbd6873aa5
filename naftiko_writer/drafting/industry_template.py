"""The template engine's industry sections: data-to-text prose over a group's facts, no model. Pure.

Every name and figure comes from the section's input (report/sections.py Industry*Input). Ranks follow
the cohort convention (report/cohort.py): a leader is "1st of N <group> in <edition>", tied leaders are
"joint 1st", and "leads" is said only of a company first alone in a group of at least ten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from naftiko_writer.drafting.template.words import join_names
from naftiko_writer.report.industry import ALL_INDUSTRIES
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
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _scores(dimensions: Sequence[IndustryDimension]) -> str:
    return join_names([f"{d.dimension} ({_number(d.total)})" for d in dimensions])


def _in(data: IndustryInput) -> str:
    return f"the {data.company_count:,} {data.group} in {data.edition}"


def _leader_clauses(dimensions: Sequence[IndustryDimension], superlatives: bool) -> list[str]:
    """One clause per leader (or tied leaders) and place, the dimensions they lead together, in order of the first."""
    grouped: dict[tuple[tuple[str, ...], str], list[IndustryDimension]] = {}
    for dimension in dimensions:
        place = dimension.leader_standing.split(" of ", 1)[0]  # "1st", "joint 1st (with 1 other)"
        grouped.setdefault((tuple(dimension.leaders), place), []).append(dimension)
    clauses = []
    for (names, place), led in grouped.items():
        if len(names) == 1 and superlatives:
            areas = join_names([f"{d.dimension} ({_number(d.maximum)})" for d in led])
            clauses.append(f"{names[0]} leads {areas}")
            continue
        areas = join_names([f"{d.dimension} ({_number(d.maximum)})" for d in led])
        clauses.append(f"{join_names(list(names))} {'is' if len(names) == 1 else 'are'} {place} on {areas}")
    return clauses


def industry_cohort(data: IndustryCohortInput) -> IndustryNarrative:
    """The opening: the cohort, its total and areas, where it is strong and where thin."""
    companies = "company" if data.company_count == 1 else "companies"
    cohort = (
        f"The {data.company} cohort of {data.edition}" if data.company != ALL_INDUSTRIES else f"Edition {data.edition}"
    )
    opening = (
        f"{cohort} holds {data.company_count:,} {companies} with a total signal score "
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
    lead = f"Ranked within {_in(data)}, " if not data.superlatives else f"Among {_in(data)}, "
    paragraphs = [lead + "; ".join(_leader_clauses(data.leaders[:5], data.superlatives)) + "."]
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
    by_gap: dict[str, list[str]] = {}
    for d in data.dimensions[:4]:
        described = (
            f"{d.dimension} (median {_number(d.median)}, maximum {_number(d.maximum)}, "
            f"{d.companies_scoring:,} of {data.company_count:,} companies scoring)"
        )
        by_gap.setdefault(_gap(d.median, d.maximum), []).append(described)
    paragraphs = [opening]
    clauses = [f"{phrase} in {join_names(by_gap[phrase])}" for phrase in GAP_PHRASES if phrase in by_gap]
    if clauses:
        paragraphs.append(f"In the strongest dimensions the typical company sits {join_names(clauses)}.")
    return IndustryNarrative(paragraphs=paragraphs)


GAP_PHRASES = ("far below the leader", "some way below the leader", "close to the leader")
"""How the median company stands against a dimension's maximum: under 60% of it, under 85%, or nearer."""


def _gap(median: float, maximum: int) -> str:
    share = median / maximum if maximum else 1.0
    return GAP_PHRASES[0] if share < 0.6 else GAP_PHRASES[1] if share < 0.85 else GAP_PHRASES[2]


def industry_signals(data: IndustrySignalsInput) -> IndustryNarrative:
    """What most of the group shares, and how much of its footprint is one company's alone."""
    whose = f"The {data.company} group's" if data.company != ALL_INDUSTRIES else f"Edition {data.edition}'s"
    opening = f"{whose} counted signals name {_number(data.distinct_signals)} distinct technologies."
    if data.company_count == 1:
        return IndustryNarrative(paragraphs=[opening + " With one company, nothing is shared or distinctive yet."])
    paragraphs = [opening]
    if data.shared:
        products = [s for s in data.shared if s.product][:6]
        practices = [s for s in data.shared if not s.product][: 8 - len(products)][:3]
        held = [f"{s.name} ({s.companies:,} of {data.company_count:,})" for s in products]
        if practices:
            named = join_names([f"{s.name} ({s.companies:,} of {data.company_count:,})" for s in practices])
            held.append(f"practices such as {named}" if products else named)
        paragraphs.append(f"At least half the group has {join_names(held)}.")
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
