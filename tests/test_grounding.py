"""Grounding: numbers and technology names must come from the section's input."""

from __future__ import annotations

from naftiko_writer.drafting.grounding import build_vocabulary, check_grounding, numbers_in
from naftiko_writer.report.plan import plan_sections, section_input
from naftiko_writer.report.sections import DimensionInput, DimensionNarrative, GrowthOpportunities, GrowthRow
from naftiko_writer.scoring.models import Company, CompanySignals, ScoreCard, Signal, SignalKind, Taxonomy


def cloud_input(card: ScoreCard, taxonomy: Taxonomy) -> DimensionInput:
    spec = next(s for s in plan_sections(card) if s.id == "dimension:cloud")
    data = section_input(spec, card, taxonomy, {})
    assert isinstance(data, DimensionInput)
    return data


def test_numbers_are_normalised() -> None:
    assert numbers_in("scores 33, rank 6 of 44; 1,000 users; 31.8 mean; 33.0; S3 and HTTP/2") == [
        "33",
        "6",
        "44",
        "1000",
        "31.8",
        "33",
        "2",
    ]
    assert numbers_in("a median of 1,312.5 and a total of 23,553") == ["1312.5", "23553"]  # grouped with decimals


def test_grounded_paragraph_passes_with_aliases(spotify_card, taxonomy, spotify_signals) -> None:  # type: ignore[no-untyped-def]
    data = cloud_input(spotify_card, taxonomy)
    text = f"Cloud scores {data.score}, rank {data.rank} of {data.dimension_count}, with AWS, Terraform and CloudWatch."
    vocabulary = build_vocabulary(taxonomy, spotify_signals)
    assert check_grounding(DimensionNarrative(paragraph=text, key_takeaway=None), data, vocabulary) == []


def test_invented_number_and_unlisted_name(spotify_card, taxonomy, spotify_signals: CompanySignals) -> None:  # type: ignore[no-untyped-def]
    data = cloud_input(spotify_card, taxonomy)
    output = DimensionNarrative(paragraph="Cloud has a score of 97 with Snowflake.", key_takeaway="Tableau everywhere.")
    problems = check_grounding(output, data, build_vocabulary(taxonomy, spotify_signals))
    assert problems == [
        "names 'Snowflake', which is not in this section's data; mention only listed signals",
        "states the number 97, which is not in this section's data; use only given numbers",
        "names 'Tableau', which is not in this section's data; mention only listed signals",
    ]  # no rule that the paragraph restates its score: the heading states it


def test_lower_case_concepts_and_generic_terms_are_free_text(spotify_card, taxonomy, spotify_signals) -> None:  # type: ignore[no-untyped-def]
    data = cloud_input(spotify_card, taxonomy)
    text = f"Cloud scores {data.score}; AI and API work needs machine learning and analytics."
    assert (
        check_grounding(
            DimensionNarrative(paragraph=text, key_takeaway=None), data, build_vocabulary(taxonomy, spotify_signals)
        )
        == []
    )


def test_growth_rows_must_match_candidates(spotify_card, taxonomy, spotify_signals) -> None:  # type: ignore[no-untyped-def]
    spec = next(s for s in plan_sections(spotify_card) if s.id == "growth-opportunities")
    data = section_input(spec, spotify_card, taxonomy, {})
    rows = [
        GrowthRow(area="Context Engineering", current_state="Score: 0", opportunity="Retrieval."),
        GrowthRow(area="Data Centers", current_state="Score: 3", opportunity="Capacity."),
        GrowthRow(area="Quantum", current_state="Score: 0", opportunity="Qubits."),
    ]
    output = GrowthOpportunities(introduction="Gaps.", rows=rows, closing="Start with retrieval.")
    problems = check_grounding(output, data, build_vocabulary(taxonomy, spotify_signals))
    assert "growth row 'Data Centers' must have current_state 'Score: 0'" in problems
    assert any(p.startswith("growth row 'Quantum' is not one of the candidate dimensions") for p in problems)


def test_the_indexed_name_matcher_finds_what_one_big_regular_expression_finds(
    taxonomy,
    spotify_signals,  # type: ignore[no-untyped-def]
) -> None:
    import re

    from naftiko_writer.drafting.grounding import build_vocabulary
    from tests.conftest import ROOT

    vocabulary = build_vocabulary(taxonomy, spotify_signals)
    spellings = sorted(vocabulary.canonical, key=lambda s: (-len(s), s))
    loose = sorted({s for group in vocabulary.by_lower_head.values() for s in group}, key=lambda s: (-len(s), s))
    # At each place a name written as the vocabulary spells it wins; else a distinctive one in any case.
    exact = "|".join(re.escape(s) + r"(?![\w])" for s in spellings)
    any_case = "|".join(re.escape(s) + r"(?![\w])" for s in loose)
    pattern = re.compile(r"(?<![\w])(?:" + exact + r"|(?i:" + any_case + "))")
    text = (ROOT / "tests" / "golden" / "spotify.md").read_text() + " ASP.NET C++ C# GitHubActions .NET Node.js"
    text += " terraform KUBERNETES github access go amazon web services"
    expected = [(m.group(0), m.start()) for m in pattern.finditer(text)]
    assert [(m.group(0), m.start) for m in vocabulary.mentions(text)] == expected
    assert len(expected) > 300


def test_the_taxonomy_half_of_the_vocabulary_is_built_once_and_company_names_merge_into_it(taxonomy: Taxonomy) -> None:
    """A fleet builds the catalogue's spellings once; each company's names join them, longest first at each place."""

    def company(*names: str) -> CompanySignals:
        return CompanySignals(
            company=Company(name="Acme", slug="acme", as_of="2026-01-31"),
            signals=[Signal(kind=SignalKind.TOOL, name=name) for name in names],
        )

    plain = build_vocabulary(taxonomy)
    own = build_vocabulary(taxonomy, company("Amazon Web Services Outposts Racks", "Zyxwv Engine"))
    other = build_vocabulary(taxonomy, company("Qwerty Cloud"))
    assert plain.by_head["Terraform"] is own.by_head["Terraform"] is other.by_head["Terraform"]  # shared, not rebuilt
    assert "Zyxwv Engine" in own.canonical and "Zyxwv Engine" not in other.canonical
    found = [m.group() for m in own.mentions("We run Amazon Web Services Outposts Racks and Zyxwv Engine.")]
    assert found == ["Amazon Web Services Outposts Racks", "Zyxwv Engine"]
    assert next(m.group() for m in plain.mentions("We run Amazon Web Services Outposts Racks.")) != found[0]
