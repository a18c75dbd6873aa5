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
