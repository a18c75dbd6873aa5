"""The taxonomy as data: structure mirrors the seed report; broken taxonomies fail clearly."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from naftiko_writer.errors import TaxonomyError
from naftiko_writer.scoring.models import SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import score_company
from naftiko_writer.scoring.signal_files import load_signals
from naftiko_writer.scoring.taxonomy import find_dimension, load_taxonomy
from tests.conftest import ROOT

SEED_LAYERS = [
    "Foundational Layer",
    "Retrieval & Grounding",
    "Customization & Adaptation",
    "Efficiency & Specialization",
    "Productivity",
    "Integration & Interoperability",
    "Statefulness",
    "Measurement & Accountability",
    "Governance & Risk",
    "Economics & Sustainability",
    "Storytelling & Entertainment & Theater",
]


def test_eleven_layers_in_report_order(taxonomy: Taxonomy) -> None:
    assert [layer.title for layer in taxonomy.layers] == SEED_LAYERS
    assert all(layer.purpose for layer in taxonomy.layers)


def test_every_seed_dimension_exists_once(taxonomy: Taxonomy, spotify_expected: dict) -> None:  # type: ignore[type-arg]
    assert sorted(d.id for d in taxonomy.dimensions) == sorted(spotify_expected["seed_scores"])
    assert len(taxonomy.dimensions) == 44


@pytest.mark.parametrize(
    ("dimension", "layers"),
    [
        ("data", ["retrieval-grounding", "statefulness"]),
        ("code", ["foundational", "productivity"]),
        ("security", ["statefulness", "governance-risk"]),
        ("governance", ["statefulness", "governance-risk"]),
        ("observability", ["statefulness", "measurement-accountability"]),
        ("specifications", ["retrieval-grounding", "integration-interoperability"]),
    ],
)
def test_shared_dimensions_are_one_dimension_in_two_layers(
    taxonomy: Taxonomy, dimension: str, layers: list[str]
) -> None:
    assert [layer.id for layer in taxonomy.layers if dimension in layer.dimensions] == layers


def test_waves_as_the_seed_lists_them(taxonomy: Taxonomy) -> None:
    waves = {layer.id: layer.waves for layer in taxonomy.layers}
    assert waves["foundational"] == [
        "Large Language Models (LLMs)",
        "Generative Pre-trained Transformer (GPT)",
        "Open-Source LLMs",
    ]
    assert waves["customization-adaptation"] == []
    assert waves["statefulness"] == ["Memory Systems"]
    assert len(waves["storytelling"]) == 5


def test_kinds_weights_and_tiers_are_data(taxonomy: Taxonomy) -> None:
    assert set(taxonomy.kinds) == set(SignalKind)
    assert set(taxonomy.scoring.kind_weights) == set(SignalKind)
    assert [tier.name for tier in taxonomy.scoring.tiers] == ["mature", "developing", "early", "none"]
    assert taxonomy.scoring.tier_of(0) == "none"
    assert taxonomy.scoring.tier_of(9) == "early"
    assert taxonomy.scoring.tier_of(10) == "developing"
    assert taxonomy.scoring.tier_of(300) == "mature"


def test_version_and_digest(taxonomy: Taxonomy) -> None:
    assert taxonomy.version
    assert len(taxonomy.digest) == 64


def test_find_dimension_by_id_name_or_short_name(taxonomy: Taxonomy) -> None:
    assert find_dimension(taxonomy, "roi-business-metrics").id == "roi-business-metrics"
    assert find_dimension(taxonomy, "ROI & Business Metrics").id == "roi-business-metrics"
    assert find_dimension(taxonomy, "roi").id == "roi-business-metrics"
    with pytest.raises(
        TaxonomyError, match=re.escape("unknown dimension 'clod'; did you mean cloud, code? dimension ids are listed")
    ):
        find_dimension(taxonomy, "clod")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_dangling_dimension_reference_in_catalog(taxonomy_copy: Path) -> None:
    catalog = taxonomy_copy / "signals.yaml"
    _edit(
        catalog,
        "{name: Jest, dimensions: [testing-quality, open-source]}",
        "{name: Jest, dimensions: [testing-qualty]}",
    )
    line = next(n for n, text in enumerate(catalog.read_text().splitlines(), 1) if "name: Jest" in text)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(taxonomy_copy)
    assert str(caught.value) == (
        f"{catalog}:{line}: signal 'Jest' refers to unknown dimension 'testing-qualty'; "
        "define it in taxonomy.yaml `dimensions:` or correct the id"
    )


def test_dangling_dimension_reference_in_layer(taxonomy_copy: Path) -> None:
    structure = taxonomy_copy / "taxonomy.yaml"
    _edit(structure, "dimensions: [saas, code, services]", "dimensions: [saas, code, servics]")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(taxonomy_copy)
    message = str(caught.value)
    assert message.startswith("taxonomy has 2 problems:")
    assert (
        "layer 'productivity' lists unknown dimension 'servics'; define it under `dimensions:` or correct the id"
        in message
    )
    assert "dimension 'services' belongs to no layer" in message


def test_alias_claimed_twice(taxonomy_copy: Path) -> None:
    _edit(
        taxonomy_copy / "signals.yaml",
        "{name: Okta, dimensions: [security]}",
        "{name: Okta, aliases: [AWS], dimensions: [security]}",
    )
    with pytest.raises(TaxonomyError, match="'AWS' \\(service\\) is already claimed by signal 'Amazon Web Services'"):
        load_taxonomy(taxonomy_copy)


def test_unknown_key_is_an_error(taxonomy_copy: Path) -> None:
    structure = taxonomy_copy / "taxonomy.yaml"
    _edit(structure, "  diversity_bonus: 0.15", "  diversity_bonus: 0.15\n  diversty: 1")
    line = next(n for n, text in enumerate(structure.read_text().splitlines(), 1) if "diversty" in text)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(taxonomy_copy)
    assert str(caught.value) == f"{structure}: line {line}: scoring.diversty: unknown field (check its spelling)"


def test_tiers_must_end_at_zero(taxonomy_copy: Path) -> None:
    _edit(taxonomy_copy / "taxonomy.yaml", "\n    - {name: none, min_score: 0}", "")
    with pytest.raises(TaxonomyError, match="scoring: Value error, the last tier must have min_score 0"):
        load_taxonomy(taxonomy_copy)


def test_missing_folder_or_file(tmp_path: Path, taxonomy_copy: Path) -> None:
    with pytest.raises(TaxonomyError, match="taxonomy folder does not exist; pass --taxonomy DIR"):
        load_taxonomy(tmp_path / "nowhere")
    (taxonomy_copy / "signals.yaml").unlink()
    with pytest.raises(TaxonomyError, match=re.escape("signals.yaml: file does not exist")):
        load_taxonomy(taxonomy_copy)


def test_linear_dimensions_must_exist(taxonomy_copy: Path) -> None:
    _edit(taxonomy_copy / "taxonomy.yaml", "linear_dimensions: [services]", "linear_dimensions: [servicez]")
    with pytest.raises(TaxonomyError, match="linear_dimensions lists unknown dimension 'servicez'"):
        load_taxonomy(taxonomy_copy)


def test_without_saturation_scores_are_linear(taxonomy_copy: Path, taxonomy: Taxonomy) -> None:
    _edit(taxonomy_copy / "taxonomy.yaml", "  saturation: 30\n", "")
    linear = load_taxonomy(taxonomy_copy)
    assert linear.scoring.saturation is None
    signals = load_signals(ROOT / "fixtures" / "companies" / "spotify" / "signals.yaml")
    saturated, plain = score_company(signals, taxonomy), score_company(signals, linear)
    data, raw = saturated.dimension("data"), plain.dimension("data")
    value = raw.density * (1 + linear.scoring.diversity_bonus * (raw.diversity - 1))
    assert raw.score == math.floor(value + 0.5) > data.score > 0
    assert plain.dimension("services").score == saturated.dimension("services").score


def test_a_dimension_s_own_saturation_must_name_a_known_saturated_dimension(taxonomy_copy: Path) -> None:
    structure = taxonomy_copy / "taxonomy.yaml"
    _edit(structure, "dimension_saturation: {operations: 20,", "dimension_saturation: {operashuns: 20,")
    with pytest.raises(TaxonomyError, match="dimension_saturation names unknown dimension 'operashuns'"):
        load_taxonomy(taxonomy_copy)
    _edit(structure, "dimension_saturation: {operashuns: 20,", "dimension_saturation: {services: 20,")
    with pytest.raises(TaxonomyError, match="services cannot be both linear and saturated"):
        load_taxonomy(taxonomy_copy)


def test_a_dimension_s_own_saturation_compresses_only_that_dimension(taxonomy_copy: Path, taxonomy: Taxonomy) -> None:
    _edit(taxonomy_copy / "taxonomy.yaml", "dimension_saturation: {operations: 20,", "dimension_saturation: {")
    uniform = load_taxonomy(taxonomy_copy)
    signals = load_signals(ROOT / "fixtures" / "companies" / "spotify" / "signals.yaml")
    own, same = score_company(signals, taxonomy), score_company(signals, uniform)
    assert own.dimension("operations").score < same.dimension("operations").score  # S = 20 instead of 30
    assert own.dimension("data").score == same.dimension("data").score
