"""Section schemas, prompt templates and answer parsing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from naftiko_writer.drafting.answers import parse_output
from naftiko_writer.drafting.prompts import load_prompts, render_messages
from naftiko_writer.drafting.template_engine import draft_from_template
from naftiko_writer.errors import PromptError
from naftiko_writer.report.plan import plan_sections, section_input
from naftiko_writer.report.sections import (
    GAP_SCORE,
    OUTPUT_MODELS,
    TAKEAWAY_RANK,
    DimensionInput,
    DimensionNarrative,
    SectionKind,
    has_key_takeaway,
    strict_schema,
)
from tests.conftest import PROMPTS_DIR


@pytest.mark.parametrize("kind", list(SectionKind))
def test_strict_schemas_require_everything_and_bound_every_string(kind: SectionKind) -> None:
    schema = strict_schema(OUTPUT_MODELS[kind])

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                assert node["additionalProperties"] is False
                assert node["required"] == list(node["properties"])
            if node.get("type") == "string":
                assert "maxLength" in node, node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert "title" not in schema


def test_the_key_takeaway_rule_is_stated_once_in_the_schema_and_followed_by_the_template_engine(  # type: ignore[no-untyped-def]
    spotify_card, taxonomy
) -> None:
    description = strict_schema(DimensionNarrative)["properties"]["key_takeaway"]["description"]  # type: ignore[index]
    assert f"top {TAKEAWAY_RANK}" in description and f"score {GAP_SCORE}" in description and "null" in description
    assert "null" not in load_prompts(PROMPTS_DIR).templates[SectionKind.DIMENSION_NARRATIVE].text
    with_takeaway = 0
    for spec in plan_sections(spotify_card):
        if spec.kind is SectionKind.DIMENSION_NARRATIVE:
            data = section_input(spec, spotify_card, taxonomy, {})
            assert isinstance(data, DimensionInput)
            output = draft_from_template(spec.kind, data)
            assert isinstance(output, DimensionNarrative)
            wanted = has_key_takeaway(data.rank, data.score, len(data.named))
            assert (output.key_takeaway is not None) == wanted, spec.id
            with_takeaway += wanted
    assert 0 < with_takeaway < 12  # the strongest areas and the gaps, not every dimension


def test_every_kind_has_a_template_and_renders(spotify_card, taxonomy) -> None:  # type: ignore[no-untyped-def]
    prompts = load_prompts(PROMPTS_DIR)
    spec = next(s for s in plan_sections(spotify_card) if s.id == "dimension:cloud")
    messages = render_messages(prompts, spec.kind, spec.title, section_input(spec, spotify_card, taxonomy, {}))
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "{{" not in messages[1]["content"]
    assert re.search(r"<data>\s*\{", messages[1]["content"])
    assert 'Write the paragraph for the dimension "Cloud"' in messages[1]["content"]


def test_template_hashes_differ_per_kind() -> None:
    prompts = load_prompts(PROMPTS_DIR)
    hashes = [prompts.template_hash(kind) for kind in SectionKind]
    assert len(set(hashes)) == len(hashes)


def test_unknown_placeholder_and_missing_template(tmp_path: Path, spotify_card, taxonomy) -> None:  # type: ignore[no-untyped-def]
    prompts_dir = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts_dir)
    (prompts_dir / "methodology.md").write_text("Explain {{ methodology_details }}.")
    prompts = load_prompts(prompts_dir)
    spec = next(s for s in plan_sections(spotify_card) if s.id == "methodology")
    with pytest.raises(PromptError, match=r"methodology\.md: unknown placeholder \{\{methodology_details\}\}"):
        render_messages(prompts, spec.kind, spec.title, section_input(spec, spotify_card, taxonomy, {}))
    (prompts_dir / "strengths.md").unlink()
    with pytest.raises(PromptError, match=r"strengths\.md: prompt template is missing"):
        load_prompts(prompts_dir)


def test_the_repair_message_is_the_repair_template_with_the_problems_listed(tmp_path: Path) -> None:
    message = load_prompts(PROMPTS_DIR).repair_message(["a problem", "another"])
    assert message == {
        "role": "user",
        "content": "Your answer cannot be used as it is:\n- a problem\n- another\n"
        "Return the corrected JSON object only, keeping everything that was right.",
    }
    prompts_dir = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts_dir)
    (prompts_dir / "repair.md").write_text("Fix it.")
    with pytest.raises(PromptError, match=r"repair\.md: needs exactly one placeholder, \{\{problems\}\}"):
        load_prompts(prompts_dir)


def test_parse_output_reports_problems_one_line_each() -> None:
    assert parse_output('{"paragraph": "x"', "stop", DimensionNarrative)[1][0].startswith(
        "the answer is not valid JSON"
    )
    output, problems = parse_output('{"paragraph": "ok", "key_takeaway": null}', "stop", DimensionNarrative)
    assert problems == [] and isinstance(output, DimensionNarrative)
    assert parse_output('{"text": 1}', "stop", DimensionNarrative)[1] == [
        "paragraph: Field required",
        "key_takeaway: Field required",
        "text: Extra inputs are not permitted",
    ]
    assert parse_output("{}", "length", DimensionNarrative)[1] == [
        "the answer was cut off at the token limit; answer more briefly"
    ]
    assert "- a problem" in load_prompts(PROMPTS_DIR).repair_message(["a problem"])["content"]
