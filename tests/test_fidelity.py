"""Fidelity to the seed report on the Spotify fixture (expectations read from expected.yaml)."""

from __future__ import annotations

import re

import pytest

from naftiko_writer.scoring.models import ScoreCard
from naftiko_writer.scoring.names import name_key
from tests.conftest import ROOT
from tests.stats import spearman

MIN_SPEARMAN = 0.8


def our_spearman(card: ScoreCard, expected: dict) -> float:  # type: ignore[type-arg]
    seed = expected["seed_scores"]
    return spearman([card.dimension(d).score for d in seed], list(seed.values()))


def test_seed_top_five_are_in_our_top_seven(spotify_card: ScoreCard, spotify_expected: dict) -> None:  # type: ignore[type-arg]
    ours = [d.id for d in sorted(spotify_card.dimensions, key=lambda d: -d.score)][:7]
    assert set(spotify_expected["seed_top_five"]) <= set(ours)


def test_seed_zero_dimensions_score_zero(spotify_card: ScoreCard, spotify_expected: dict) -> None:  # type: ignore[type-arg]
    assert {d: spotify_card.dimension(d).score for d in spotify_expected["seed_zero"]} == dict.fromkeys(
        spotify_expected["seed_zero"], 0
    )


def test_rank_correlation_with_seed(spotify_card: ScoreCard, spotify_expected: dict) -> None:  # type: ignore[type-arg]
    assert our_spearman(spotify_card, spotify_expected) >= MIN_SPEARMAN


def test_the_docs_report_the_measured_correlation(spotify_card: ScoreCard, spotify_expected: dict) -> None:  # type: ignore[type-arg]
    page = (ROOT / "docs" / "scoring.md").read_text()
    match = re.search(r"Spearman rank correlation[^*]*\*\*(0\.\d\d)\*\*", page)
    assert match, "docs/scoring.md must report the Spearman figure"
    assert float(match.group(1)) == round(our_spearman(spotify_card, spotify_expected), 2)


def _named(expected: dict) -> list[tuple[str, str, str]]:  # type: ignore[type-arg]
    return [
        (dimension, kind, name)
        for dimension, kinds in expected["named_signals"].items()
        for kind, names in kinds.items()
        for name in names
    ]


def test_every_signal_the_seed_names_counts_for_its_dimension(
    spotify_card: ScoreCard,
    spotify_expected: dict,  # type: ignore[type-arg]
) -> None:
    missing = []
    for dimension, kind, name in _named(spotify_expected):
        evidence = spotify_card.dimension(dimension).evidence
        keys = {name_key(item.name) for items in evidence.values() for item in items if item.kind.value == kind}
        if name_key(name) not in keys:
            missing.append(f"{name} ({kind}) -> {dimension}")
    assert missing == []


@pytest.mark.parametrize("kind", ["service", "tool", "concept", "standard", "language"])
def test_fixture_holds_every_named_signal_with_its_kind(spotify_signals, spotify_expected: dict, kind: str) -> None:  # type: ignore[no-untyped-def,type-arg]
    in_fixture = {name_key(s.name) for s in spotify_signals.signals if s.kind.value == kind}
    named = {name_key(name) for _, k, name in _named(spotify_expected) if k == kind}
    assert named <= in_fixture
