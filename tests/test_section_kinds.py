"""The checklist of a section kind, as code: every kind has all seven of its parts, and they fit together.

Adding a kind to `SectionKind` fails here until it has an output schema (what the model returns), an
input model (what it is given), a prompt template, an input builder in a report plan (the company
report's or the industry report's), a grounding check its own template output passes, a
template-engine rendering and a Markdown layout.
"""

from __future__ import annotations

import pytest

from naftiko_writer.document.draft_format import layout_kinds, render_section
from naftiko_writer.drafting.grounding import Vocabulary, check_grounding
from naftiko_writer.drafting.industry_draft import industry_vocabulary
from naftiko_writer.drafting.prompts import load_prompts, render_messages
from naftiko_writer.drafting.run import Prepared
from naftiko_writer.drafting.template_engine import draft_from_template, template_kinds
from naftiko_writer.report.cohort import Cohort
from naftiko_writer.report.industry import industry_facts, industry_input_kinds, industry_plan
from naftiko_writer.report.plan import ReportPlan, company_input_kinds, company_plan
from naftiko_writer.report.sections import (
    INPUT_MODELS,
    OUTPUT_MODELS,
    ChangeBrief,
    EditionChangesInput,
    Output,
    SectionKind,
    strict_schema,
)
from tests.conftest import PROMPTS_DIR


def test_every_kind_has_each_part_registered() -> None:
    every = frozenset(SectionKind)
    assert frozenset(OUTPUT_MODELS) == every, "an output schema (report/sections.py OUTPUT_MODELS)"
    assert frozenset(INPUT_MODELS) == every, "an input model (report/sections.py INPUT_MODELS)"
    assert company_input_kinds() | industry_input_kinds() == every, (
        "an input builder in a plan (report/plan.py, industry.py)"
    )
    assert not company_input_kinds() & industry_input_kinds()
    assert {kind for kind in every if kind.is_industry} == industry_input_kinds()
    assert template_kinds() == every, "a template rendering (drafting/template_engine.py)"
    assert layout_kinds() == every, "a Markdown layout (document/draft_format.py _LAYOUTS)"
    prompts = load_prompts(PROMPTS_DIR)
    assert frozenset(prompts.templates) == every, "a prompt template (prompts/<kind>.md)"


def plan_of(kind: SectionKind, spotify_prepared: Prepared, real_cohort: Cohort) -> tuple[ReportPlan, Vocabulary]:
    """The plan with sections of `kind` (Spotify's report, or the Financial industry of the real edition)."""
    taxonomy = spotify_prepared.taxonomy
    if kind is SectionKind.EDITION_CHANGES:
        changes = EditionChangesInput(
            company="spotify",
            edition="2026-Q2",
            previous_edition="2026-Q1",
            status="changed",
            signals_added=3,
            moves=[
                ChangeBrief(
                    dimension="Cloud", before=50, after=54, delta=4, from_signals=3, from_taxonomy=1,
                    rank_before=3, rank_after=2, own_move=1, peers_move=0, added=["Amazon Web Services"],
                )
            ],
        )  # fmt: skip
        plan = company_plan(spotify_prepared.card, taxonomy, changes=changes)
        return plan, spotify_prepared.vocabulary
    if not kind.is_industry:
        return company_plan(spotify_prepared.card, taxonomy), spotify_prepared.vocabulary
    facts = industry_facts(real_cohort, "Financial", taxonomy)
    return industry_plan(facts), industry_vocabulary(taxonomy, real_cohort.industry("Financial"))


@pytest.mark.parametrize("kind", list(SectionKind))
def test_each_kinds_parts_fit_on_real_data(kind: SectionKind, spotify_prepared: Prepared, real_cohort: Cohort) -> None:
    """The plan's input for a section of this kind is its input model; the template output is its schema's,
    passes grounding against that input, renders as a prompt and lays out as Markdown."""
    plan, vocabulary = plan_of(kind, spotify_prepared, real_cohort)
    outputs: dict[str, Output] = {}
    spec = None
    for candidate in plan.sections:  # draft in plan order with the template engine until one of this kind
        data = plan.input_for(candidate, outputs)
        outputs[candidate.id] = draft_from_template(candidate.kind, data)
        if candidate.kind is kind:
            spec = candidate
            break
    assert spec is not None, f"the plan has no {kind.value} section"
    assert isinstance(data, INPUT_MODELS[kind])
    output = outputs[spec.id]
    assert isinstance(output, OUTPUT_MODELS[kind])
    OUTPUT_MODELS[kind].model_validate_json(output.model_dump_json())  # what a model answering the schema sends
    assert strict_schema(OUTPUT_MODELS[kind])["additionalProperties"] is False
    assert check_grounding(output, data, vocabulary) == []
    system, user = render_messages(spotify_prepared.prompts, kind, spec.title, data)
    assert system["role"] == "system" and "<data>" in user["content"]
    assert render_section(kind, output).strip()


def test_sections_carry_their_subject_instead_of_ids_parsed_back(spotify_prepared: Prepared) -> None:
    plan = company_plan(spotify_prepared.card, spotify_prepared.taxonomy)
    subjects = {spec.kind: set() for spec in plan.sections}  # type: dict[SectionKind, set[str | None]]
    for spec in plan.sections:
        subjects[spec.kind].add(spec.subject)
    dimension_ids = {d.id for d in spotify_prepared.card.dimensions}
    assert subjects[SectionKind.DIMENSION_NARRATIVE] == dimension_ids
    assert subjects[SectionKind.LAYER_INTRODUCTION] == {layer.id for layer in spotify_prepared.card.layers}
    assert subjects[SectionKind.EXECUTIVE_SUMMARY] == {None}


def test_a_layout_refuses_another_kinds_output(spotify_prepared: Prepared) -> None:
    plan = company_plan(spotify_prepared.card, spotify_prepared.taxonomy)
    first = plan.sections[0]
    output = draft_from_template(first.kind, plan.input_for(first, {}))
    with pytest.raises(TypeError, match="not a"):
        render_section(SectionKind.METHODOLOGY, output)
