"""Standing in a cohort (report/cohort.py): tie-aware ranks, group sizes, medians, bands and superlatives."""

from __future__ import annotations

import pytest

from naftiko_writer.report.cohort import (
    Cohort,
    Member,
    band_of,
    company_standing,
    ordinal,
    standing,
    standing_phrase,
)


def member(slug: str, industry: str | None, cloud: int, data: int = 0) -> Member:
    return Member(slug, slug.title(), industry, {"cloud": cloud, "data": data}, {"foundational": cloud / 2})


def test_tied_companies_share_a_rank_and_the_next_rank_skips() -> None:
    values = [54, 40, 40, 12]
    assert [standing("Cloud", v, values, "companies", "2026-Q1").rank for v in values] == [1, 2, 2, 4]
    tied = standing("Cloud", 40, values, "companies", "2026-Q1")
    assert tied.tied == 1 and tied.phrase == "joint 2nd (with 1 other) of 4 companies in 2026-Q1"
    assert not tied.superlative


def test_no_ordinal_is_written_for_a_tie_without_saying_so() -> None:
    alone = standing("Cloud", 12, [54, 40, 40, 12], "companies", "2026-Q1")
    assert alone.phrase == "4th of 4 companies in 2026-Q1"
    everyone_tied = standing("Cloud", 0, [0, 0, 0], "Toys companies", "2026-Q1")
    assert everyone_tied.rank == 1 and everyone_tied.phrase.startswith("joint 1st (with 2 others)")


@pytest.mark.parametrize(("size", "allowed"), [(1, False), (9, False), (10, True)])
def test_superlatives_need_a_group_of_ten_and_a_first_place_alone(size: int, allowed: bool) -> None:
    values = [100, *range(size - 1)]
    first = standing("Cloud", 100, values, "companies", "2026-Q1")
    assert first.rank == 1 and first.superlative is allowed
    if size >= 2:
        tied_first = standing("Cloud", 100, [100, 100, *range(size - 2)], "companies", "2026-Q1")
        assert not tied_first.superlative


def test_a_company_alone_in_its_group_has_no_rank_to_claim() -> None:
    alone = standing("Cloud", 7, [7], "Toys companies", "2026-Q1")
    assert alone.group_size == 1 and alone.percentile is None and alone.band is None
    assert alone.phrase == "the only one of the Toys companies in 2026-Q1"


def test_medians_and_bands_use_fixed_cut_offs() -> None:
    values = list(range(11))  # 0..10: the share of the others below is value * 10 %
    assert standing("Cloud", 5, values, "companies", "E").median == 5.0
    assert [standing("Cloud", v, values, "companies", "E").band for v in (0, 1, 3, 5, 8, 9, 10)] == [
        "bottom decile",
        "10th-25th percentile",
        "25th-50th percentile",
        "50th-75th percentile",
        "75th-90th percentile",
        "top decile",
        "top decile",
    ]
    assert band_of(89.9) == "75th-90th percentile"


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip
    assert standing_phrase(2, 0, 6, "Financial companies", "2026-Q1") == "2nd of 6 Financial companies in 2026-Q1"


def test_a_company_stands_in_its_industry_and_in_the_edition() -> None:
    cohort = Cohort(
        "2026-Q1",
        (
            member("acme", "Financial", 54, 10),
            member("globex", "Financial", 40, 30),
            member("initech", "Toys", 60, 5),
            member("hooli", None, 40),
        ),
    )
    acme = company_standing(cohort, "acme", {"cloud": "Cloud", "data": "Data"})
    in_industry, in_edition = acme.dimensions["cloud"]
    assert (in_industry.rank, in_industry.group_size, in_industry.group) == (1, 2, "Financial companies")
    assert (in_edition.rank, in_edition.group_size, in_edition.group) == (2, 4, "companies")
    assert in_industry.subject == "Cloud" and in_industry.median == 47.0
    assert in_edition.phrase == "2nd of 4 companies in 2026-Q1"
    assert acme.layers["foundational"][0].rank == 1
    unknown = company_standing(cohort, "hooli").dimensions["cloud"][0]
    assert unknown.group == "company of unknown industry" and unknown.group_size == 1
    with pytest.raises(KeyError):
        company_standing(cohort, "nobody")
