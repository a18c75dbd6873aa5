"""The template engine's dimension paragraphs: prose whose shape follows the evidence.

A dimension's input lists its evidence ranked (report/evidence.py): products
and vendors first, then phrases, with exact counts. The paragraph takes one of
several shapes, chosen by the data:

- **zero**: nothing counts; one sentence on what would show here (the taxonomy's
  description), never the same sentence 44 times;
- **grouped** (Services): the products by what they are for, largest groups first;
- **dominant**: one product outweighs the rest;
- **broad**: many products; the count and the leaders;
- **focused**: a few products, named;
- **practice only**: phrases and no product;
- **thin**: three names or fewer.

Lists are capped (`LIST_CAP`); a remainder is stated at most once per paragraph
and never larger than the names shown, otherwise the sentence counts the whole
("among its 43 products"). The score itself is in the heading, so the paragraph
interprets rather than restates it. A key takeaway interprets the strongest
areas and the notable gaps (sections.has_key_takeaway), nowhere else.
"""

from __future__ import annotations

from naftiko_writer.drafting.template.words import (
    LIST_CAP,
    PARAGRAPH_LIMIT,
    SENTENCE_LIMIT,
    choose,
    fit,
    join_names,
    kinds_phrase,
    listing,
    lower_first,
    plural,
    possessive,
    sentences,
)
from naftiko_writer.report.sections import DimensionInput, DimensionNarrative, EvidenceGroup, has_key_takeaway


def dimension_narrative(data: DimensionInput) -> DimensionNarrative:
    """The paragraph (and, where it interprets, the key takeaway) of one dimension."""
    if data.signal_count == 0:
        return DimensionNarrative(paragraph=fit(_zero(data), PARAGRAPH_LIMIT), key_takeaway=None)
    groups = [group for group in data.groups if group.dimension != data.dimension]
    if groups:
        parts = _grouped(data, groups)
    elif data.name_count <= 3:
        parts = _thin(data)
    elif not data.named:
        parts = _practice_only(data)
    elif data.dominant:
        parts = _dominant(data, data.dominant)
    elif len(data.named) >= 8:
        parts = _broad(data)
    else:
        parts = _focused(data)
    takeaway = None
    if has_key_takeaway(data.rank, data.score, len(data.named)):
        takeaway = fit(_takeaway(data, groups), SENTENCE_LIMIT)
    return DimensionNarrative(paragraph=sentences(parts, PARAGRAPH_LIMIT), key_takeaway=takeaway)


def _verb(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _zero(data: DimensionInput) -> str:
    what = lower_first(data.description.rstrip(".")) if data.description else f"{data.dimension} investment"
    company = data.company
    if data.rank == 1:  # every dimension is at zero: the report says so once, in its summary sections
        return choose(
            [
                f"Nothing recorded yet on {what}.",
                f"No signal yet on {what}.",
                f"The data is silent on {what}.",
            ],
            company,
            data.dimension,
        )
    return choose(
        [
            f"No signal in the current data counts for {data.dimension} at {company}, which would show {what}.",
            f"The data holds nothing yet on {what}, so {data.dimension} stays at zero for {company}.",
            f"Nothing recorded for {company} speaks to {what}; this is a gap in what the data shows rather than "
            "proof of absence.",
            f"{data.dimension} would be seen through {what}, and none of it appears in {possessive(company)} data yet.",
        ],
        company,
        data.dimension,
    )


def _noun(data: DimensionInput) -> tuple[str, str]:
    """What the named evidence is: products, languages, standards, or (mixed) names."""
    kinds, total = data.named_by_kind, len(data.named)
    if kinds.get("service", 0) + kinds.get("tool", 0) == total:
        return "product", "products"
    for kind in ("language", "standard"):
        if kinds.get(kind, 0) == total:
            return kind, f"{kind}s"
    return "name", "names"


def _named(data: DimensionInput) -> str:
    """`24 named products`, `3 named standards`, or, for a mix of kinds, `45 names`."""
    one, many = _noun(data)
    if one == "name":
        return plural(len(data.named), one, many)
    return plural(len(data.named), "named " + one, "named " + many)


def _phrases(data: DimensionInput, lead: str) -> str:
    """A clause (starting with its punctuation) on the evidence that names no product; empty without any."""
    count = data.unnamed_count
    if count == 0:
        return ""
    some = join_names(data.unnamed[:3])
    them = "it" if len(data.named) == 1 else "them"  # the named products the sentence opened with
    spread = data.rank // 7  # the opener takes rank % 7: together they rarely repeat in one draft
    if count <= 3:
        return choose(
            [
                f", beside {some}",
                f"; the practice side is {some}",
                f", with {some} around {them}",
                f", and the data adds {some}",
                f"; {some} complete the picture",
            ],
            data.company,
            "few-phrases",
            spread=spread,
        )
    return choose(
        [
            f", with {plural(count, 'term')} of practice around {them}, {some} first",
            f"; {plural(count, 'other term')} surround {them}, {some} among them",
            f", beside {plural(count, 'general term')} such as {some}",
            f", and the data adds {plural(count, 'term')} like {some}",
            f"; the practice side runs to {plural(count, 'term')}, from {some} onwards",
            f", next to {plural(count, 'term')} that describe the work rather than a product, led by {some}",
            f"; {plural(count, 'term')} of method and practice follow, {some} the strongest",
        ],
        data.company,
        "phrases",
        spread=spread,
    )


def _reading(data: DimensionInput) -> str:
    """One sentence of interpretation for the upper half of the ranking (empty elsewhere or when nothing stands out)."""
    if data.rank > 15:
        return ""
    products, terms = len(data.named), data.unnamed_count
    kinds = [kind for kind, count in data.kind_counts.items() if count]
    keys = (data.company, "reading")
    if products >= 3 and products > terms:
        return choose(
            [
                "Products outnumber talk here, which reads as adoption rather than ambition.",
                "Named products outweigh general terms, so this is deployed capability more than discussion.",
                "The weight is on tools in use, not on vocabulary.",
                f"For {data.company} this is bought and running, not only discussed.",
                "This is capability in production more than on the roadmap.",
            ],
            *keys,
            spread=data.rank,
        )
    if products and terms >= 3 * products:
        return choose(
            [
                "Most of the evidence is discussion rather than tooling, so the score reflects practice more than "
                "purchases.",
                "The terms far outnumber the products, a sign of capability being described more than bought.",
                f"{data.company} talks about this area more than it names products for it.",
                "Practice leads and products follow, the usual sign of a capability still being assembled.",
                "Vocabulary dominates the evidence, so a few more named products would sharpen the picture.",
                "The picture is one of method and skills, with the tooling still thin.",
            ],
            *keys,
            spread=data.rank,
        )
    if len(kinds) >= 3:
        return choose(
            [
                f"The evidence is seen through {kinds_phrase(kinds)} at once, the breadth the scoring rewards.",
                f"Evidence arrives as {kinds_phrase(kinds)}, not from one list alone.",
                f"{kinds_phrase(kinds).capitalize()} all point the same way.",
            ],
            *keys,
            spread=data.rank,
        )
    return ""


def _opener(data: DimensionInput, products: str, count: int, noun: str) -> str:
    """The sentence's start, ending on the products; `_phrases` may continue it."""
    company, dimension = data.company, data.dimension
    return choose(
        [
            f"{possessive(company)} {dimension} rests on {products}",
            f"{products} {_verb(count, 'is', 'are')} the named {noun} behind {possessive(company)} {dimension}",
            f"{dimension} at {company} comes down to {products}",
            f"{products} {_verb(count, 'carries', 'carry')} {dimension} for {company}",
            f"What {company} shows for {dimension} is {products}",
            f"For {dimension}, the data names {products}",
            f"The {noun} that define {possessive(company)} {dimension} {_verb(count, 'is', 'are')} {products}",
        ],
        company,
        "opener",
        spread=data.rank,
    )


def _focused(data: DimensionInput) -> list[str]:
    named = data.named
    count = len(named)
    one, many = _noun(data)
    lead = _opener(data, listing(named, count), count, one if count == 1 else many)
    return [lead + _phrases(data, named[0]) + ".", _reading(data)]


def _dominant(data: DimensionInput, dominant: str) -> list[str]:
    others = [name for name in data.named if name != dominant]
    company, dimension = data.company, data.dimension
    lead = choose(
        [
            f"{dominant} dominates {possessive(company)} {dimension} evidence",
            f"Most of the weight in {dimension} sits with {dominant}",
            f"{dominant} is the name that carries {dimension} at {company}",
            f"{possessive(company)} {dimension} is, above all, {dominant}",
        ],
        company,
        "dominant",
        spread=data.rank,
    )
    if others and len(others) <= LIST_CAP:  # all of them: a remainder here would count from the wrong total
        lead += choose(
            [f", with {join_names(others)} beside it", f"; {join_names(others)} fill out the picture"],
            company,
            "dominant-rest",
            spread=data.rank,
        )
    elif others:
        lead += f", ahead of {join_names(others[:3])} among {_named(data)}"
    return [lead + _phrases(data, dominant) + ".", _reading(data)]


def _broad(data: DimensionInput) -> list[str]:
    named = data.named
    count = len(named)
    one, many = _noun(data)
    company, dimension = data.company, data.dimension
    first = join_names(named[:3])
    more = join_names(named[3:7])  # the total is stated: no remainder here
    lead = choose(
        [
            f"{possessive(company)} {dimension} spans {_named(data)}, led by {first} and followed by {more}",
            f"{plural(count, one, many).capitalize()} count for {dimension} at {company}, {first} first and {more} "
            "next",
            f"{first} head a list of {plural(count, one, many)} behind {possessive(company)} {dimension}, with {more} "
            "close behind",
            f"The {dimension} footprint is wide at {plural(count, one, many)}: {first} lead, then {more}",
            f"{company} brings {plural(count, one, many)} to {dimension}, from {first} to {more}",
        ],
        company,
        "broad",
        spread=data.rank,
    )
    return [lead + _phrases(data, named[0]) + ".", _reading(data)]


def _practice_only(data: DimensionInput) -> list[str]:
    count = data.unnamed_count
    company, dimension = data.company, data.dimension
    some = join_names(data.unnamed[:4])
    lead = choose(
        [
            f"No product or vendor is named for {dimension}; the evidence is {plural(count, 'term')} such as {some}.",
            f"{possessive(company)} {dimension} is described rather than tooled, in {plural(count, 'term')} led by "
            f"{some}.",
            f"{dimension} at {company} shows up as practice, through {plural(count, 'term')} led by {some}.",
            f"Without a named product, {dimension} rests on {plural(count, 'term')}: {some} first.",
            f"The data gives {dimension} no product, only {plural(count, 'term')} such as {some}.",
        ],
        company,
        "practice",
        spread=data.rank,
    )
    return [lead, _reading(data)]


def _thin(data: DimensionInput) -> list[str]:
    names = [*data.named, *data.unnamed][:3]
    shown = join_names(names)
    count = len(names)
    company, dimension = data.company, data.dimension
    lead = choose(
        [
            f"{dimension} rests on {shown} alone.",
            f"So far only {shown} {_verb(count, 'counts', 'count')} for {dimension}.",
            f"The evidence for {dimension} is thin: {shown}.",
            f"All the data shows for {possessive(company)} {dimension} is {shown}.",
            f"{possessive(company)} {dimension} has a narrow base in {shown}.",
            f"Just {shown} {_verb(count, 'stands', 'stand')} behind {dimension} at {company}.",
            f"{dimension} has a foothold at {company} in {shown}.",
            f"The data offers {shown} for {dimension}, and nothing more yet.",
        ],
        company,
        "thin",
        spread=data.rank,
    )
    return [lead]


def _grouped(data: DimensionInput, groups: list[EvidenceGroup]) -> list[str]:
    company, dimension = data.company, data.dimension
    services = data.kind_counts.get("service", data.signal_count)
    lead = choose(
        [
            f"{plural(services, 'commercial service')} make up {possessive(company)} {dimension}.",
            f"{company} lists {plural(services, 'commercial service')}.",
            f"The {dimension} figure is a breadth count: {plural(services, 'commercial service')} for {company}.",
        ],
        company,
        dimension,
    )
    parts = [f"{group.dimension} ({join_names(group.names[:3])})" for group in groups[:4]]
    shaped = choose(
        [
            f"By purpose, the largest groups serve {'; '.join(parts)}.",
            f"Grouped by what they are for, they lead with {'; '.join(parts)}.",
            f"They cluster around {'; '.join(parts)}.",
        ],
        company,
        dimension,
        "groups",
    )
    return [lead, shaped, _phrases(data, groups[0].names[0])]


def _takeaway(data: DimensionInput, groups: list[EvidenceGroup]) -> str:
    company, dimension = data.company, data.dimension
    keys = (company, dimension, "takeaway")
    if not data.named:
        return choose(
            [
                f"{dimension} reaches {data.score} on discussion alone: none of its {plural(data.unnamed_count, 'term')} "
                "names a product, so the score reads as intent more than deployment.",
                f"Without a named product behind its {data.score}, {possessive(company)} {dimension} is a capability "
                f"talked about in {plural(data.unnamed_count, 'term')} more than bought, the place where a vendor "
                "decision would show first.",
            ],
            *keys,
        )
    if groups:
        areas = join_names(
            [f"{group.dimension} ({group.names[0]}, {plural(group.count, 'service')})" for group in groups[:2]]
        )
        return choose(
            [
                f"The vendor base follows {possessive(company)} priorities: {areas} draw the most services.",
                f"Breadth is the finding here, and it leans towards {areas}.",
            ],
            *keys,
        )
    lead = join_names(data.named[:2])
    make = "makes" if len(data.named) == 1 else "make"
    products = _named(data)
    return choose(
        [
            f"With {lead} at its core and {products} in all, {dimension} is one of the areas where "
            f"{possessive(company)} investment shows most clearly.",
            f"{dimension} ranks {data.rank} of {data.dimension_count} for {company} at {data.score}, and {lead} "
            f"{make} it a strength in use rather than a statement of intent.",
            f"That {data.named[0]} leads {dimension} says where {company} has committed: {dimension} scores "
            f"{data.score} on {products}.",
            f"{dimension} at {data.score} is a strength built on {products}, {lead} first, rather than on general "
            "terms.",
        ],
        *keys,
    )
