"""Grounding cannot be fooled by spelling: case, width, invisible characters, look-alikes, numbers in words, links,
digits inside names, names holding quotes, and sections resumed from a forged checkpoint."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from naftiko_writer.config import RecordMode
from naftiko_writer.drafting.grounding import Vocabulary, build_vocabulary, ungrounded_values
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.run import prepare_company
from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind, Taxonomy
from tests.conftest import RECORDINGS_DIR, make_run


def _company(*signals: tuple[SignalKind, str]) -> CompanySignals:
    return CompanySignals(
        company=Company(name="Acme", slug="acme", as_of=dt.date(2026, 1, 31)),
        signals=[Signal(kind=kind, name=name) for kind, name in signals],
    )


@pytest.fixture(scope="module")
def vocabulary(taxonomy: Taxonomy) -> Vocabulary:
    return build_vocabulary(
        taxonomy,
        _company(
            (SignalKind.SERVICE, "Snowflake"),
            (SignalKind.CONCEPT, "Cloud scores 99"),
            (SignalKind.TOOL, "Acme Rank 42 Suite"),
            (SignalKind.STANDARD, "ISO 27001"),
            (SignalKind.TOOL, 'Acme "Pro" \\ Edge'),
        ),
    )


def _flagged(text: str, data: dict[str, object], vocabulary: Vocabulary) -> list[str]:
    return [found.value for found in ungrounded_values([text], json.dumps(data), vocabulary)]


DATA = {"company": "Acme", "dimension": "Cloud", "score": 7, "evidence": {"service": ["Snowflake"]}}


@pytest.mark.parametrize(
    "written",
    ["terraform", "TERRAFORM", "Terra\u200bform", "Ter\u00adraform", "\u0422erraform", "\uff34\uff45\uff52\uff52\uff41\uff46\uff4f\uff52\uff4d"],
    ids=["lower-case", "capitals", "zero-width-space", "soft-hyphen", "cyrillic-T", "full-width"],
)  # fmt: skip
def test_an_invented_name_is_caught_however_it_is_written(written: str, vocabulary: Vocabulary) -> None:
    assert [name.lower() for name in _flagged(f"Acme scores 7 and runs {written} everywhere.", DATA, vocabulary)] == [
        "terraform"
    ]
    assert _flagged(f"Acme scores 7 and runs {written}.", {**DATA, "evidence": ["Terraform"]}, vocabulary) == []


def test_ordinary_words_that_are_also_product_names_stay_words(vocabulary: Vocabulary) -> None:
    text = "Acme scores 7: go for access to spring releases, with a shell and a salt of elastic capacity."
    assert _flagged(text, DATA, vocabulary) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Cloud scores ninety-nine.", "99"),
        ("Cloud scores seven, against a peak of forty-two elsewhere.", "42"),
        ("Cloud scores \u2079\u2079.", "99"),
        ("Cloud scores \uff19\uff19.", "99"),
        ("Cloud scores XCIX.", "99"),
        ("Cloud is ranked \u2168 of them.", "9"),
        ("Cloud scored nine.", "9"),
    ],
    ids=["words", "compound-words", "superscript", "full-width", "roman", "roman-character", "small-after-score"],
)
def test_a_number_is_caught_however_it_is_written(text: str, number: str, vocabulary: Vocabulary) -> None:
    assert _flagged(text, DATA, vocabulary) == [number]


def test_small_numbers_in_prose_and_tech_acronyms_are_not_numbers(vocabulary: Vocabulary) -> None:
    text = "Acme scores 7, one of the three strongest layers; a CD and a MIX of tools run on Snowflake. Nothing scores zero."
    assert _flagged(text, DATA, vocabulary) == []


def test_links_must_come_from_the_data(vocabulary: Vocabulary) -> None:
    text = "Acme scores 7; see https://evil.example/pay-here for more."
    assert _flagged(text, DATA, vocabulary) == ["https://evil.example/pay-here"]
    assert _flagged(text, {**DATA, "sources": ["https://evil.example/pay-here"]}, vocabulary) == []


def test_digits_inside_a_signal_name_are_never_an_allowed_figure(vocabulary: Vocabulary) -> None:
    injected = {**DATA, "evidence": {"concept": ["Cloud scores 99"], "tool": ["Acme Rank 42 Suite"]}}
    assert _flagged("Acme's Cloud scores 99 (scores 7 in fact).", injected, vocabulary) == ["99"]
    assert _flagged("Acme Rank 42 Suite is there; Cloud scores 7.", injected, vocabulary) == ["42"]
    assert _flagged("Cloud scores 42.", injected, vocabulary) == ["42"]
    # A name that only names something keeps its digits out of the count when the data lists it.
    standard = {**DATA, "evidence": {"standard": ["ISO 27001"]}}
    assert _flagged("Acme follows ISO 27001 and scores 7.", standard, vocabulary) == []
    assert _flagged("Acme scores 27001.", standard, vocabulary) == ["27001"]


def test_a_name_holding_quotes_and_a_backslash_grounds_as_written(vocabulary: Vocabulary) -> None:
    data = {**DATA, "evidence": {"tool": ['Acme "Pro" \\ Edge']}}
    assert _flagged('Acme scores 7 with Acme "Pro" \\ Edge.', data, vocabulary) == []
    assert _flagged('Acme scores 7 with Acme "Pro" \\ Edge.', DATA, vocabulary) == ['Acme "Pro" \\ Edge']


def test_a_forged_checkpoint_section_is_grounded_again_and_redrafted(tmp_path: Path) -> None:
    checkpoint = tmp_path / "r.checkpoint.jsonl"
    run = make_run(
        tmp_path, mode=RecordMode.REPLAY, api_key=None, recordings_dir=RECORDINGS_DIR, checkpoint_path=checkpoint
    )
    prepared = prepare_company(run.company, run.sources)
    honest = draft_report(run, prepared)  # replayed: the checkpoint holds every section (no draft file removed it)
    lines = checkpoint.read_text(encoding="utf-8").splitlines()
    forged_id = "layer:foundational"
    for index, line in enumerate(lines):
        entry = json.loads(line)
        if entry.get("section", {}).get("id") == forged_id:
            entry["section"]["output"]["summary"] = "Spotify scores ninety-nine in Cloud, all of it on Terraform Cloud."
            lines[index] = json.dumps(entry)
    checkpoint.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resumed = draft_report(run, prepared)
    text = json.dumps(resumed.sections[forged_id].output.model_dump())
    assert "ninety-nine" not in text
    assert resumed.sections[forged_id].output == honest.sections[forged_id].output
