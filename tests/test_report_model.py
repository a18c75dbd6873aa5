"""The report model: section outputs stay typed, and sidecars keep their JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from naftiko_writer.config import Engine
from naftiko_writer.drafting.pipeline import draft_company
from naftiko_writer.report.model import Report, SectionResult
from naftiko_writer.report.sections import OUTPUT_MODELS, ExecutiveSummary, Methodology, SectionKind, WaveAlignment
from tests.conftest import make_run


def test_outputs_are_the_model_of_their_kind_and_survive_a_sidecar_round_trip(tmp_path: Path) -> None:
    report = draft_company(make_run(tmp_path, engine=Engine.TEMPLATE))
    for result in report.sections.values():
        assert type(result.output) is OUTPUT_MODELS[result.kind]
    text = report.model_dump_json(indent=2)
    loaded = Report.model_validate_json(text)
    assert loaded == report
    assert loaded.model_dump_json(indent=2) == text
    # the sidecar holds each output as its schema's JSON, as before outputs were typed
    raw = json.loads(text)
    for section_id, result in report.sections.items():
        assert raw["sections"][section_id]["output"] == result.output.model_dump(mode="json")


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        (SectionKind.EXECUTIVE_SUMMARY, ExecutiveSummary),
        (SectionKind.WAVE_ALIGNMENT, WaveAlignment),
        (SectionKind.METHODOLOGY, Methodology),
    ],
)
def test_the_kind_not_the_shape_picks_the_output_model(kind: SectionKind, model: type) -> None:
    # three kinds share one shape (paragraphs only); JSON data is read as the model of the section's kind
    data = {"paragraphs": ["One.", "Two."]}
    result = SectionResult.model_validate(
        {"id": "x", "kind": kind.value, "title": "X", "source": "template", "output": data, "input_hash": "0" * 16}
    )
    assert type(result.output) is model


def test_an_output_of_another_kind_is_rejected() -> None:
    with pytest.raises(ValidationError, match="is a methodology but holds a WaveAlignment"):
        SectionResult(
            id="methodology",
            kind=SectionKind.METHODOLOGY,
            title="Methodology",
            source="template",  # type: ignore[arg-type]
            output=WaveAlignment(paragraphs=["One."]),
            input_hash="0" * 16,
        )
    with pytest.raises(ValidationError, match="paragraph"):
        SectionResult.model_validate(
            {"id": "x", "kind": "dimension_narrative", "title": "X", "source": "model", "output": {"paragraphs": []},
             "input_hash": "0" * 16}
        )  # fmt: skip
