"""The scorer: formula, matching rules, ordering and determinism."""

from __future__ import annotations

import datetime as dt
import math
import random

from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import Scorer, score_company

ACME = Company(name="Acme", slug="acme", as_of=dt.date(2026, 1, 31))


def company(*signals: tuple[str, str] | tuple[str, str, int]) -> CompanySignals:
    return CompanySignals(
        company=ACME,
        signals=[Signal(kind=SignalKind(s[0]), name=s[1], evidence=s[2] if len(s) == 3 else 1) for s in signals],  # type: ignore[misc]
    )


def evidence_of(card, dimension_id: str) -> dict[str, list[tuple[str, int]]]:  # type: ignore[no-untyped-def]
    dimension = card.dimension(dimension_id)
    return {kind.value: [(e.name, e.count) for e in items] for kind, items in dimension.evidence.items()}


def test_formula_density_times_diversity(taxonomy: Taxonomy) -> None:
    card = score_company(
        company(("service", "AWS"), ("tool", "Terraform", 3), ("concept", "machine learning")), taxonomy
    )
    weights, bonus = taxonomy.scoring.kind_weights, taxonomy.scoring.diversity_bonus
    density = weights[SignalKind.SERVICE] * 1 + weights[SignalKind.TOOL] * (1 + math.log2(3))
    cloud = card.dimension("cloud")
    assert cloud.density == round(density, 4)
    assert cloud.diversity == 2
    saturation = taxonomy.scoring.saturation
    assert saturation is not None
    assert cloud.score == math.floor(saturation * math.log1p(density * (1 + bonus) / saturation) + 0.5)
    assert cloud.tier == taxonomy.scoring.tier_of(cloud.score)


def test_saturation_compresses_long_lists_keeps_order_and_leaves_services_linear(taxonomy: Taxonomy) -> None:
    tools = [("tool", name) for name in ("Terraform", "Pulumi", "Ansible", "Chef", "Puppet", "Packer")]
    services = [("service", f"Vendor Product {n}") for n in range(150)]
    small, large = score_company(company(*tools[:1]), taxonomy), score_company(company(*tools, *services), taxonomy)
    value = taxonomy.scoring.kind_weights[SignalKind.TOOL]  # one tool, one kind: value 1 scores 1
    assert small.dimension("automation").score == round(value)
    automation = large.dimension("automation")
    assert 0 < automation.score < automation.density  # six tools: less than linear, still above zero
    assert large.dimension("services").score == 150  # a breadth count: every service adds one
    # monotonic: one more signal never lowers a score, though each adds less than the one before
    growing = [score_company(company(*tools[:n]), taxonomy).dimension("automation").score for n in range(1, 7)]
    assert growing == sorted(growing) and growing[-1] - growing[-2] <= growing[1] - growing[0]


def test_one_signal_counts_for_several_dimensions(taxonomy: Taxonomy) -> None:
    card = score_company(company(("tool", "Terraform")), taxonomy)
    counted = {d.id for d in card.dimensions if d.score > 0}
    assert counted == {"cloud", "open-source", "automation", "operations"}


def test_aliases_are_one_signal_with_merged_evidence(taxonomy: Taxonomy) -> None:
    card = score_company(company(("service", "AWS"), ("service", "amazon-web-services", 2)), taxonomy)
    assert evidence_of(card, "cloud") == {"service": [("Amazon Web Services", 3)]}
    assert evidence_of(card, "services") == {"service": [("Amazon Web Services", 3)]}


def test_kind_rules_prefix_rules_and_unmatched(taxonomy: Taxonomy) -> None:
    card = score_company(
        company(("service", "Zzz Analytics Cloud"), ("tool", "Apache Pulsar"), ("tool", "Frobnicator")), taxonomy
    )
    assert evidence_of(card, "services") == {"service": [("Zzz Analytics Cloud", 1)]}
    assert evidence_of(card, "apache") == {"tool": [("Apache Pulsar", 1)]}
    assert evidence_of(card, "open-source") == {"tool": [("Apache Pulsar", 1)]}
    assert [(u.name, u.kind.value) for u in card.unmatched_signals] == [("Frobnicator", "tool")]


def test_kind_restricted_entries(taxonomy: Taxonomy) -> None:
    card = score_company(company(("language", "React"), ("tool", "React")), taxonomy)
    assert evidence_of(card, "languages") == {"language": [("React", 1)]}
    assert evidence_of(card, "open-source") == {"tool": [("React", 1)]}


def test_more_evidence_and_more_kinds_score_higher(taxonomy: Taxonomy) -> None:
    one = score_company(company(("tool", "Prometheus")), taxonomy).dimension("observability").score
    denser = score_company(company(("tool", "Prometheus", 8)), taxonomy).dimension("observability").score
    assert denser > one
    # Same number of signals, one kind versus three kinds.
    same_kind = company(("tool", "Prometheus"), ("tool", "OpenTelemetry"), ("tool", "Pixie"), ("tool", "Elasticsearch"))
    mixed = company(("tool", "Prometheus"), ("service", "Datadog"), ("concept", "monitoring"), ("tool", "Pixie"))
    assert (
        score_company(mixed, taxonomy).dimension("observability").score
        > score_company(same_kind, taxonomy).dimension("observability").score
    )


def test_empty_company_scores_zero_everywhere(taxonomy: Taxonomy) -> None:
    card = score_company(company(), taxonomy)
    assert {d.score for d in card.dimensions} == {0}
    assert card.top_dimensions == []
    assert card.strengths == []
    assert all(layer.leading_dimension is None for layer in card.layers)
    assert [g.reason for g in card.growth_opportunities][:1] == ["No signal in the data counts for this dimension."]


def test_layers_rank_dimensions_and_name_a_leader(spotify_card) -> None:  # type: ignore[no-untyped-def]
    for layer in spotify_card.layers:
        scores = [spotify_card.dimension(d).score for d in layer.dimensions]
        assert scores == sorted(scores, reverse=True)
        assert layer.leading_dimension == layer.dimensions[0]
    assert [layer.number for layer in spotify_card.layers] == list(range(1, 12))


def test_ranks_are_competition_ranks(spotify_card) -> None:  # type: ignore[no-untyped-def]
    by_score = sorted(spotify_card.dimensions, key=lambda d: -d.score)
    for dimension in by_score:
        assert dimension.rank == 1 + sum(1 for other in by_score if other.score > dimension.score)


def test_candidates_are_highest_and_lowest(spotify_card, taxonomy: Taxonomy) -> None:  # type: ignore[no-untyped-def]
    strengths = [c.score for c in spotify_card.strengths]
    growth = [c.score for c in spotify_card.growth_opportunities]
    assert len(strengths) == taxonomy.scoring.strength_candidates
    assert strengths == sorted(strengths, reverse=True)
    assert strengths[0] == max(d.score for d in spotify_card.dimensions)
    assert growth == sorted(growth)
    assert growth[0] == 0
    assert all(c.reason for c in spotify_card.strengths + spotify_card.growth_opportunities)


def test_same_input_same_bytes(spotify_signals: CompanySignals, taxonomy: Taxonomy) -> None:
    first = Scorer(taxonomy).score(spotify_signals).model_dump_json()
    second = score_company(spotify_signals, taxonomy).model_dump_json()
    assert first == second


def test_signal_order_does_not_change_scores(spotify_signals: CompanySignals, taxonomy: Taxonomy) -> None:
    shuffled = list(spotify_signals.signals)
    random.Random(7).shuffle(shuffled)
    reordered = spotify_signals.model_copy(update={"signals": shuffled})
    a = score_company(spotify_signals, taxonomy).model_dump(exclude={"signals_digest"})
    b = score_company(reordered, taxonomy).model_dump(exclude={"signals_digest"})
    assert a == b


def test_scoring_makes_no_reference_cycles_so_the_cli_may_tune_the_collector(
    spotify_signals,
    taxonomy,  # type: ignore[no-untyped-def]
) -> None:
    import gc

    from naftiko_writer.scoring.scorer import Scorer

    scorer = Scorer(taxonomy)
    gc.freeze()  # what earlier tests left is not this test's concern (and a full collection of it is slow)
    try:
        cards = list(scorer.score_many([spotify_signals, spotify_signals]))
        assert gc.isenabled()  # the scorer leaves the process's collector alone
        del cards
        assert gc.collect() == 0  # nothing was left for the cyclic collector
    finally:
        gc.unfreeze()
    assert [card.dimensions for card in scorer.score_many([spotify_signals])] == [
        scorer.score(spotify_signals).dimensions
    ]


def test_a_strength_reason_names_a_signal_seen_in_two_kinds_once(taxonomy: Taxonomy) -> None:
    card = score_company(company(("service", "Terraform"), ("tool", "Terraform"), ("tool", "Pulumi")), taxonomy)
    cloud = next(candidate for candidate in card.strengths if candidate.dimension == "cloud")
    assert card.dimension("cloud").signal_count == 3
    assert cloud.reason.endswith("strongest: Terraform, Pulumi.")
