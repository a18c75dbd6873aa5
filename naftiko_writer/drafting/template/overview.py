"""The template engine's overview prose: layer introductions, executive summary, assessment, waves.

Written in the seed's order and voice: a layer introduction names what leads it
and on what evidence, with a tier word only beside the score it describes; the
executive summary gives the highest area first, the next ones with their scores
and named vendors, the strongest layers, then one sentence of company context
taken from the profile (left out when there is none). A company with no scored
dimension is framed as a visibility gap once, in these sections.
"""

from __future__ import annotations

from collections.abc import Sequence

from naftiko_writer.drafting.template.words import (
    PARAGRAPH_LIMIT,
    SENTENCE_LIMIT,
    choose,
    fit,
    join_names,
    layer_name,
    lower_first,
    plural,
    possessive,
    sentences,
)
from naftiko_writer.report.sections import (
    DimensionBrief,
    ExecutiveInput,
    ExecutiveSummary,
    LayerInput,
    LayerIntroduction,
    StrategicAssessment,
    StrategicInput,
    WaveAlignment,
    WaveInput,
)
from naftiko_writer.scoring.names import name_key


def _gap(company: str) -> str:
    return f"a gap in what the data shows rather than proof that {company} lacks the investment"


def _names(brief: DimensionBrief, limit: int = 3) -> str:
    """A dimension's leading names for a clause: its products when it has some."""
    return join_names((brief.products or brief.top_evidence)[:limit])


def layer_introduction(data: LayerInput) -> LayerIntroduction:
    """The scope sentence, then what leads the layer and on what, then the rest in one sentence."""
    names = join_names([dimension.name for dimension in data.dimensions])
    company, layer = data.company, layer_name(data.title)
    spread = data.layer_number
    scope = choose(
        [
            f"Evaluating {possessive(company)} capabilities across {names}.",
            f"This layer covers {possessive(company)} {names}.",
            f"Here the report weighs {possessive(company)} {names}.",
            f"The dimensions assessed here are {names}, for {company}.",
            f"This layer looks at {names} at {company}.",
            f"Assessed here: {possessive(company)} {names}.",
        ],
        company,
        "scope",
        spread=spread,
    )
    leader = data.dimensions[0]
    if leader.score == 0:
        what = lower_first(data.purpose.rstrip("."))
        summary = choose(
            [
                f"Nothing in {possessive(company)} data reaches the {layer} yet: {what}.",
                f"The {layer} covers {what}, and none of it shows in the data on {company} so far.",
                f"No signal yet speaks to {what}.",
            ],
            company,
            "empty-layer",
            spread=spread,
        )
        return LayerIntroduction(scope=fit(scope, SENTENCE_LIMIT), summary=fit(summary, PARAGRAPH_LIMIT))
    evidence = _names(leader)
    why = f" on {evidence}" if evidence else ""
    lead = choose(
        [
            f"{possessive(company)} {layer} is led by {leader.name} at {leader.score}, a {leader.tier} score built"
            f"{why}.",
            f"{leader.name} leads the {layer} at {leader.score}{why}.",
            f"In the {layer}, {leader.name} sets the pace at {leader.score}{why}.",
            f"{leader.name}, at {leader.score}, is the {layer}'s strongest dimension"
            + (f", with {evidence} behind it." if evidence else "."),
            f"The {layer} belongs to {leader.name} at {leader.score}"
            + (f", where {evidence} lead." if evidence else "."),
            f"At the head of the {layer} stands {leader.name} at {leader.score}"
            + (f", carried by {evidence}." if evidence else "."),
        ],
        company,
        "layer-lead",
        spread=spread,
    )
    scored = [d for d in data.dimensions[1:] if d.score > 0]
    zero = [d.name for d in data.dimensions[1:] if d.score == 0]
    parts = [lead]
    rest = ""
    if scored:
        others = [f"{d.name} at {d.score}" for d in scored[:3]]
        second_names = _names(scored[0], 2)
        rest = choose(
            [
                f"{scored[0].name} follows at {scored[0].score}"
                + (f" with {second_names}" if second_names else "")
                + (f", then {join_names(others[1:])}" if others[1:] else ""),
                f"Behind it come {join_names(others)}",
                f"{join_names(others)} complete the upper half",
                f"The rest of the layer reads {join_names(others)}",
            ],
            company,
            "layer-rest",
            spread=spread // 6,
        )
        trailing = [f"{d.name} ({d.score})" for d in scored[3:]]
        if trailing:
            rest += f", with {join_names(trailing)} further back"
    if zero:
        gap = f"{join_names(zero)} {'has' if len(zero) == 1 else 'have'} no counted signal yet"
        rest = f"{rest}, while {gap}" if rest else gap[:1].upper() + gap[1:]
    if rest:
        parts.append(rest + ".")
    return LayerIntroduction(scope=fit(scope, SENTENCE_LIMIT), summary=sentences(parts, PARAGRAPH_LIMIT))


def executive_summary(data: ExecutiveInput) -> ExecutiveSummary:
    """Coverage; the highest area first and the next ones with vendors; the strongest layers; the context."""
    dated = f" as of {data.as_of}" if data.as_of else ""
    first = (
        f"This report analyses {possessive(data.company)} technology investment from "
        f"{plural(data.signal_count, 'signal')}{dated}, scored across {data.dimension_count} dimensions in "
        f"{data.layer_count} layers, from foundational infrastructure to governance and economics."
    )
    scored = [d for d in data.top_dimensions if d.score > 0]
    if not scored:
        gap = (
            f"No signal in the current data counts for any dimension, so every score is zero: this is a visibility "
            f"gap in the data on {data.company}, not evidence that it lacks technology investment."
        )
        return ExecutiveSummary(paragraphs=[fit(first, PARAGRAPH_LIMIT), fit(gap, PARAGRAPH_LIMIT), *_context(data)])
    top, rest = scored[0], scored[1:]
    top_names = _names(top, 2)
    opening = f"{possessive(data.company)} highest signal area is {top.name} at {top.score}" + (
        f", built on {top_names}." if top_names else "."
    )
    used = {name_key(name) for name in (top.products or top.top_evidence)[:2]}
    followers = []
    for brief in rest[:3]:
        fresh = [name for name in (brief.products or brief.top_evidence) if name_key(name) not in used][:2]
        used.update(name_key(name) for name in fresh)
        followers.append(f"{brief.name} at {brief.score}" + (f" ({join_names(fresh)})" if fresh else ""))
    parts = [opening]
    if followers:
        parts.append(f"Next come {'; '.join(followers[:-1])}{'; and ' if len(followers) > 1 else ''}{followers[-1]}.")
    if data.strongest_layers:
        where = [
            f"{layer_name(title)} ({data.layer_leaders[title]})" if title in data.layer_leaders else layer_name(title)
            for title in data.strongest_layers
        ]
        parts.append(
            choose(
                [
                    f"Its strongest layers are the {join_names(where)}.",
                    f"By layer, the {join_names(where)} carry the most weight.",
                    f"The {join_names(where)} are where its investment is deepest.",
                ],
                data.company,
                "layers",
            )
        )
    second = sentences(parts, PARAGRAPH_LIMIT)
    return ExecutiveSummary(paragraphs=[fit(first, PARAGRAPH_LIMIT), second, *_context(data)])


def _context(data: ExecutiveInput) -> list[str]:
    """The company-context paragraph, only from the profile (none without one)."""
    vendors = _profile_vendors(data.top_dimensions)
    tie = f" Against that profile, {join_names(vendors)} lead its strongest areas in the data." if vendors else ""
    if data.description:
        return [fit(data.description.strip() + tie, PARAGRAPH_LIMIT)]
    if data.industry:
        return [fit(f"{data.company} is listed under {data.industry}.{tie}", PARAGRAPH_LIMIT)]
    return []


def _profile_vendors(briefs: Sequence[DimensionBrief]) -> list[str]:
    seen: set[str] = set()
    vendors: list[str] = []
    for brief in briefs:
        for name in brief.products[:1]:
            if name_key(name) not in seen:
                seen.add(name_key(name))
                vendors.append(name)
    return vendors[:3]


def strategic_assessment(data: StrategicInput) -> StrategicAssessment:
    """Where the signals concentrate, and the names that run through the strongest areas."""
    scored = [d for d in data.top_dimensions if d.score > 0]
    if not scored:
        return StrategicAssessment(
            overview=fit(
                f"{possessive(data.company)} data shows no scored dimension: no signal counts for the taxonomy yet, "
                "so its profile is a visibility gap rather than an absence of technology, and every growth "
                "opportunity starts with richer data.",
                PARAGRAPH_LIMIT,
            )
        )
    top = join_names([f"{d.name} ({d.score})" for d in scored])
    parts = [f"{possessive(data.company)} signal density concentrates in {top}."]
    shared = _shared(scored)
    if shared:
        name, areas = shared
        parts.append(
            choose(
                [
                    f"The defining pattern is {name}, which runs through {join_names(areas)}.",
                    f"One name ties these together: {name}, present in {join_names(areas)}.",
                    f"{name} recurs across {join_names(areas)}, the thread between them.",
                ],
                data.company,
                "pattern",
            )
        )
    if data.growth_opportunities:
        parts.append(
            f"The gaps start with {join_names(data.growth_opportunities[:3])}, a long way from "
            f"{scored[0].name} at {scored[0].score}."
        )
    return StrategicAssessment(overview=sentences(parts, PARAGRAPH_LIMIT))


def _shared(briefs: Sequence[DimensionBrief]) -> tuple[str, list[str]] | None:
    """The product that appears in the most of these dimensions' leading names (two at least)."""
    areas: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for brief in briefs:
        for name in brief.products:
            key = name_key(name)
            spelling.setdefault(key, name)
            areas.setdefault(key, []).append(f"{brief.name} ({brief.score})")
    best = max(areas, key=lambda key: (len(areas[key]), -list(areas).index(key)), default=None)
    if best is None or len(areas[best]) < 2:
        return None
    return spelling[best], areas[best]


def wave_alignment(data: WaveInput) -> WaveAlignment:
    """The waves nearest the company's strongest layers, then those furthest off."""
    with_waves = [layer for layer in data.layers if layer.waves]
    scored = sorted((layer for layer in with_waves if layer.leading_dimension), key=lambda layer: -layer.leading_score)
    company = data.company
    opening = f"{possessive(company)} readiness for each technology wave follows the scores of the layer it belongs to."
    if not scored:
        return WaveAlignment(paragraphs=[fit(f"{opening} No layer scores yet, {_gap(company)}.", PARAGRAPH_LIMIT)])
    near = scored[:2]
    near_text = "; ".join(
        f"{join_names(layer.waves[:3])} in the {layer_name(layer.title)}, where {layer.leading_dimension} leads at "
        f"{layer.leading_score}"
        for layer in near
    )
    first = f"{opening} The best-placed waves are {near_text}."
    far = [layer for layer in with_waves if layer not in near]
    far.sort(key=lambda layer: layer.leading_score if layer.leading_dimension else -1)
    paragraphs = [fit(first, PARAGRAPH_LIMIT)]
    if far:
        weakest = far[0]
        lead = (
            f"{weakest.leading_dimension} reaches only {weakest.leading_score}"
            if weakest.leading_dimension
            else "no dimension scores yet"
        )
        text = (
            f"Furthest off are {join_names(weakest.waves[:3])}: in the {layer_name(weakest.title)}, {lead}, so "
            f"these waves would need {company} to build the layer's groundwork first."
        )
        middle = far[1:]
        if middle:
            text += f" The waves of the {join_names([layer_name(layer.title) for layer in middle[:4]])} sit between."
        paragraphs.append(fit(text, PARAGRAPH_LIMIT))
    return WaveAlignment(paragraphs=paragraphs)
