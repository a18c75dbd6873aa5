"""The template engine: valid, bounded and grounded for every section of every company."""

from __future__ import annotations

import datetime as dt

import pytest

from naftiko_writer.drafting.grounding import build_vocabulary, check_grounding
from naftiko_writer.drafting.template_engine import draft_from_template, fit, join_names
from naftiko_writer.report.plan import plan_sections, section_input
from naftiko_writer.report.sections import OUTPUT_MODELS
from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import score_company

EMPTY = CompanySignals(company=Company(name="Empty Co", slug="empty", as_of=dt.date(2026, 1, 1)), signals=[])
ODD = CompanySignals(
    company=Company(name="Odd | Co", slug="odd", as_of=dt.date(2026, 1, 1)),
    signals=[
        Signal(kind=SignalKind.SERVICE, name="機械学習プラットフォーム"),
        Signal(kind=SignalKind.TOOL, name="Terraform", evidence=9),
        Signal(kind=SignalKind.SERVICE, name="X" * 300),
    ],
)


@pytest.mark.parametrize("company", ["spotify", "empty", "odd"])
def test_every_section_is_valid_and_grounded(company: str, spotify_signals: CompanySignals, taxonomy: Taxonomy) -> None:
    signals = {"spotify": spotify_signals, "empty": EMPTY, "odd": ODD}[company]
    card = score_company(signals, taxonomy)
    vocabulary = build_vocabulary(taxonomy, signals)
    outputs = {}
    for spec in plan_sections(card):
        data = section_input(spec, card, taxonomy, outputs)
        output = draft_from_template(spec.kind, data)
        OUTPUT_MODELS[spec.kind].model_validate(output.model_dump())  # bounds re-checked
        assert check_grounding(output, data, vocabulary) == [], spec.id
        outputs[spec.id] = output


def test_helpers() -> None:
    assert join_names([]) == "" and join_names(["A"]) == "A" and join_names(["A", "B", "C"]) == "A, B and C"
    assert fit("One. Two three four.", 12) == "One."
    assert len(fit("word " * 100, 50)) <= 50


def _inputs(signals: CompanySignals, taxonomy: Taxonomy) -> dict[str, object]:
    card = score_company(signals, taxonomy)
    outputs: dict[str, object] = {}
    inputs: dict[str, object] = {}
    for spec in plan_sections(card):
        data = section_input(spec, card, taxonomy, outputs)  # type: ignore[arg-type]
        inputs[spec.id] = data
        outputs[spec.id] = draft_from_template(spec.kind, data)
    return {"inputs": inputs, "outputs": outputs, "card": card}


SPARK = CompanySignals(
    company=Company(name="Sparkco", slug="sparkco", as_of=dt.date(2026, 1, 1)),
    signals=[
        Signal(kind=SignalKind.SERVICE, name="Apache Spark", evidence=3),
        Signal(kind=SignalKind.TOOL, name="Apache Spark", evidence=2),
        Signal(kind=SignalKind.CONCEPT, name="Apache Spark"),
        Signal(kind=SignalKind.TOOL, name="Terraform"),
        Signal(kind=SignalKind.CONCEPT, name="machine learning"),
        Signal(kind=SignalKind.TOOL, name="Qzxv Internal Thing"),
    ],
)


def test_a_name_seen_as_service_tool_and_concept_is_named_once(taxonomy: Taxonomy) -> None:
    drafted = _inputs(SPARK, taxonomy)
    outputs = drafted["outputs"]
    assert isinstance(outputs, dict)
    for section_id, output in outputs.items():
        text = output.model_dump_json()
        assert "Apache Spark and Apache Spark" not in text and "Apache Spark, Apache Spark" not in text, section_id
    paragraph = outputs["dimension:apache"].paragraph
    assert paragraph.count("Apache Spark") == 1, paragraph
    inputs = drafted["inputs"]
    assert isinstance(inputs, dict)
    for data in inputs.values():  # the prompts' evidence lists hold each name once too
        for brief in getattr(data, "candidates", []):
            assert len(brief.top_evidence) == len(set(brief.top_evidence))


def test_growth_and_strength_rows_come_from_the_company_s_own_evidence(taxonomy: Taxonomy) -> None:
    outputs = _inputs(SPARK, taxonomy)["outputs"]
    assert isinstance(outputs, dict)
    growth, strengths = outputs["growth-opportunities"], outputs["strengths"]
    assert "clearest place to start" not in growth.closing
    assert "Building signals here" not in growth.model_dump_json()
    # a zero row points at the leader of its own layer; a scored row states its rank and signals
    assert any("No counted signal yet; in the" in row.opportunity for row in growth.rows)
    assert any("Apache Spark" in row.evidence and "rank" in row.evidence for row in strengths.rows)


def test_the_methodology_states_counted_and_uncounted_signals(taxonomy: Taxonomy) -> None:
    drafted = _inputs(SPARK, taxonomy)
    card = drafted["card"]
    inputs, outputs = drafted["inputs"], drafted["outputs"]
    assert isinstance(inputs, dict) and isinstance(outputs, dict)
    assert inputs["methodology"].counted_signals == card.coverage.counted  # type: ignore[attr-defined]
    assert inputs["methodology"].uncounted_signals == card.coverage.uncounted == 1  # type: ignore[attr-defined]
    text = " ".join(outputs["methodology"].paragraphs)
    assert f"Of the 6 signals, {card.coverage.counted} counted for a dimension and 1 did not" in text


def test_an_empty_company_is_framed_as_a_visibility_gap(taxonomy: Taxonomy) -> None:
    outputs = _inputs(EMPTY, taxonomy)["outputs"]
    assert isinstance(outputs, dict)
    for section_id in ("executive-summary", "strengths", "growth-opportunities", "strategic-assessment", "methodology"):
        assert "gap" in outputs[section_id].model_dump_json(), section_id
    assert "not an absence of technology" in outputs["strengths"].closing
