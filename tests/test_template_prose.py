"""The template engine's prose says what the figures say: an industry's gaps by how far the median is, leaders
grouped, shared products before practices and office software last, the edition overview named as the edition;
counts of a thousand or more written with their separator."""

from __future__ import annotations

import re

from naftiko_writer.drafting.industry_template import industry_leaders, industry_signals, industry_spread
from naftiko_writer.report.cohort import Cohort, Member
from naftiko_writer.report.industry import ALL_INDUSTRIES, industry_facts
from naftiko_writer.report.sections import (
    IndustryDimension,
    IndustryLeadersInput,
    IndustrySignalsInput,
    IndustrySpreadInput,
    SharedSignal,
)
from naftiko_writer.scoring.models import Taxonomy
from tests.real_drafts import Drafted

GROUP = {"company": "Financial", "edition": "2026-Q1", "group": "Financial companies", "company_count": 4}


def dimension(name: str, median: float, maximum: int, leaders: list[str]) -> IndustryDimension:
    standing = "1st of 4 Financial companies in 2026-Q1"
    return IndustryDimension(
        dimension=name, total=4 * maximum, median=median, maximum=maximum, leaders=leaders,
        leader_standing=standing, companies_scoring=4,
    )  # fmt: skip


def test_the_spread_says_how_far_below_the_leader_the_median_company_is() -> None:
    dimensions = [
        dimension("Services", 100, 274, ["A"]),
        dimension("Data", 75, 100, ["B"]),
        dimension("AI", 90, 100, ["C"]),
    ]
    data = IndustrySpreadInput(**GROUP, dimensions=dimensions, highest_total=2229, median_total=1312.5, lowest_total=79)
    first, gaps = industry_spread(data).paragraphs
    assert first.endswith("range from 79 to 2,229, with a median of 1,312.5.")
    assert gaps.startswith("In the strongest dimensions the typical company sits far below the leader in Services")
    assert "some way below the leader in Data (median 75" in gaps and "close to the leader in AI (median 90" in gaps


def test_a_company_leading_several_strongest_dimensions_is_named_once_for_them() -> None:
    leaders = [
        dimension("Services", 1, 274, ["JP"]),
        dimension("Data", 1, 103, ["GS"]),
        dimension("ROI", 1, 84, ["GS"]),
    ]
    data = IndustryLeadersInput(**GROUP, superlatives=False, leaders=leaders, multi_area_leaders=[])
    assert industry_leaders(data).paragraphs[0] == (
        "Ranked within the 4 Financial companies in 2026-Q1, JP is 1st on Services (274); GS is 1st on Data (103) "
        "and ROI (84)."
    )


def test_shared_products_come_before_practices_in_the_signals_paragraph() -> None:
    shared = [SharedSignal(name="automation", companies=4, product=False), SharedSignal(name="Kafka", companies=3)]
    data = IndustrySignalsInput(
        **{**GROUP, "company": ALL_INDUSTRIES}, shared=shared, distinct_signals=10, unique_count=0, unique_examples=[]
    )
    opening, common = industry_signals(data).paragraphs
    assert opening == "Edition 2026-Q1's counted signals name 10 distinct technologies."
    assert common == "At least half the group has Kafka (3 of 4) and practices such as automation (4 of 4)."


def test_equally_shared_products_go_most_mentioned_first_with_office_software_last(taxonomy: Taxonomy) -> None:
    ids = [d.id for d in taxonomy.dimensions]
    names = {"Microsoft Excel", "Apache Kafka", "Power BI", "Agile"}

    def member(slug: str, mentions: dict[str, int]) -> Member:
        return Member(slug, slug.title(), "Financial", dict.fromkeys(ids, 1), {}, frozenset(names), mentions)

    cohort = Cohort("2026-Q1", (member("a", {"Microsoft Excel": 40, "Power BI": 2}), member("b", {"Apache Kafka": 9})))
    shared = industry_facts(cohort, "Financial", taxonomy).shared
    assert [(s.name, s.product) for s in shared] == [
        ("Apache Kafka", True),  # 9 + 1 mentions
        ("Power BI", True),  # 2 + 1
        ("Microsoft Excel", True),  # office software (the Services layer's): last of the products, 41 mentions or not
        ("Agile", False),  # generic in the catalogue: a practice, after every product
    ]


def test_counts_of_a_thousand_or_more_keep_their_separator_in_the_methodology() -> None:
    from naftiko_writer.drafting.template_engine import methodology
    from naftiko_writer.report.sections import MethodologyInput

    data = MethodologyInput(
        company="Allianz", as_of=None, signal_count=2619, signals_by_kind={"concept": 584, "tool": 1591},
        distinct_names=2175, layer_count=11, dimension_count=44, kind_weights={"tool": 1.0}, diversity_bonus=0.1,
        saturation=None, linear_dimensions=[], tiers={"mature": 30}, taxonomy_version="t", counted_signals=1200,
        uncounted_signals=1419,
    )  # fmt: skip
    first, coverage = methodology(data).paragraphs[:2]
    assert "2,175 distinct names (584 concepts and 1,591 tools)" in first
    assert coverage.startswith("Of the 2,619 signals, 1,200 counted for a dimension and 1,419 did not")


def test_a_paragraph_opened_on_one_named_product_says_it_not_them(real_drafts: dict[str, Drafted]) -> None:
    from naftiko_writer.report.sections import DimensionInput, DimensionNarrative, LayerIntroduction

    checked = 0
    for real in real_drafts.values():  # the session's template drafts of the 18 real companies
        inputs, outputs = real.inputs, real.outputs()
        for section_id, data in inputs.items():
            output = outputs[section_id]
            if isinstance(data, DimensionInput) and isinstance(output, DimensionNarrative) and len(data.named) == 1:
                checked += 1
                assert "around them" not in output.paragraph and "surround them" not in output.paragraph, section_id
            if isinstance(output, LayerIntroduction):
                assert not re.search(r"stands [^.]*, \d+, carried by", output.summary), section_id
    assert checked > 0
