"""Drafts that hold for any company: the 18 real companies of fixtures/real, and one with nothing counted.

Each company is loaded, scored and template-drafted once a session (conftest's `real_drafts`,
tests/real_drafts.py); its template draft and (for two of them: the
smallest and the largest list) its draft through the model path (the in-process fake model) are rendered
to Markdown, parsed back and checked the way `check` does. A draft must check clean, name no signal twice
in a sentence, and say nothing in its interpretive sentences (strengths, growth opportunities, key
takeaways, the assessment and the summary) that another company's draft says word for word.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from naftiko_writer.config import RecordMode
from naftiko_writer.document.draft_format import DraftDocument, parse_draft, readable_parts, render_markdown
from naftiko_writer.drafting.grounding import report_terms
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.run import Prepared
from naftiko_writer.drafting.testing import FakeModelTransport
from naftiko_writer.llm.factory import client_factory
from naftiko_writer.llm.protocol import RetryPolicy
from naftiko_writer.report.model import Report
from naftiko_writer.report.sections import Input
from naftiko_writer.review.check import check_document
from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind, Taxonomy
from naftiko_writer.scoring.names import name_key, name_tokens
from naftiko_writer.scoring.scorer import Scorer
from tests.conftest import FAKE_BASE_URL, ROOT, make_run
from tests.real_drafts import REAL_COMPANIES, Drafted, prepare, report_inputs, template_draft

MODEL_PATH_COMPANIES = (
    tuple(REAL_COMPANIES) if os.environ.get("NAFTIKO_TEST_ALL_MODEL_DRAFTS") else ("accord", "goldman-sachs")
)
"""The model path for two companies, the smallest (55 raw names) and the largest (3,930): each costs about half a
second of SDK work per draft, and the template path covers all 18 (the model path's answers are the template
engine's, so more companies add no new sentences, only SDK round trips). NAFTIKO_TEST_ALL_MODEL_DRAFTS=1 runs
all 18 (about 10 s more)."""
INTERPRETIVE = ("strengths", "growth-opportunities", "strategic-assessment", "executive-summary")
"""Sections whose every sentence must be the company's own, with key takeaways and the methodology's coverage
paragraph (its other sentences, how scoring works, are the same for every company by design)."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
_LIST_BREAK = re.compile(r", |; |: ")


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph or table cell: split after . ! ? before a capital, digit or quote."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


@dataclass(frozen=True)
class NameIndex:
    """Signal names by their tokens (each mapped to its name key), and the report's own words to skip."""

    names: dict[tuple[str, ...], str]
    skip: frozenset[tuple[str, ...]]
    sizes: tuple[int, ...]  # the token counts of names and skipped words, longest first

    def keys_in(self, sentence: str) -> Iterator[str]:
        """The name key of each signal name in the sentence, longest name first at each place, left to right.

        A list's separators (commas, semicolons, colons) end a name: "REST, API Strategy" is two names.
        """
        for chunk in _LIST_BREAK.split(sentence):
            tokens = name_tokens(chunk)
            position = 0
            while position < len(tokens):
                for size in self.sizes:
                    if position + size > len(tokens):
                        continue
                    candidate = tuple(tokens[position : position + size])
                    if candidate in self.skip or candidate in self.names:
                        if candidate not in self.skip:
                            yield self.names[candidate]
                        position += size
                        break
                else:
                    position += 1


def name_index(prepared: Prepared) -> NameIndex:
    """Every name the report can list (the card's evidence); skipped: report terms and the company's own name."""
    names = {
        name_tokens(name): name_key(name)
        for dimension in prepared.card.dimensions
        for name in dimension.evidence_names()
    }
    skip = {name_tokens(term) for term in report_terms(prepared.taxonomy)} | {name_tokens(prepared.card.company.name)}
    return NameIndex(
        names, frozenset(skip), tuple(sorted({len(tokens) for tokens in (*names, *skip) if tokens}, reverse=True))
    )


def repeated_names(sentence: str, index: NameIndex) -> list[str]:
    """Name keys stated more than once in the sentence."""
    return [key for key, count in Counter(index.keys_in(sentence)).items() if count > 1]


def report_sentences(document: DraftDocument) -> list[tuple[str, str]]:
    """(section id, sentence) for every sentence a reader sees in a parsed draft."""
    return [
        (block.id, sentence)
        for block in document.blocks
        for text in readable_parts(block.body)[1]
        for sentence in sentences(text)
    ]


def assert_sound(
    slug: str, document: DraftDocument, inputs: dict[str, Input], reference: Report, prepared: Prepared
) -> None:
    """The draft (parsed back from its Markdown; `inputs` planned from its sidecar, as `check` does) checks clean
    against the reference report and names no signal twice in one sentence."""
    result = check_document(document, reference, inputs, prepared.vocabulary)
    assert result.ok, (slug, [finding.describe() for finding in result.findings])
    index = name_index(prepared)
    repeats = [
        (section, sentence, repeated)
        for section, sentence in report_sentences(document)
        if (repeated := repeated_names(sentence, index))
    ]
    assert repeats == [], (slug, repeats[:5])


def test_the_name_detector_sees_a_repeat_and_not_a_list() -> None:
    index = NameIndex(
        {("apache", "spark"): "apachespark", ("rest", "api"): "restapi", ("rest",): "rest", ("api",): "api"},
        frozenset({("cloud",)}),
        (2, 1),
    )
    assert repeated_names("Cloud is led by Apache Spark and Apache-Spark.", index) == ["apachespark"]
    assert repeated_names("Concepts: API, REST, API Strategy and REST API.", index) == ["api"]
    assert repeated_names("Cloud, Cloud and REST, API.", index) == []
    assert sentences("Score: 4 from 2 signals. Tools: Go and Rust. e.g. lower") == [
        "Score: 4 from 2 signals.",
        "Tools: Go and Rust. e.g. lower",
    ]


def test_every_real_company_template_draft_checks_clean_without_repeated_names(
    real_drafts: dict[str, Drafted],
) -> None:
    assert len(real_drafts) == 18
    for slug, drafted in real_drafts.items():
        assert_sound(slug, drafted.document, drafted.inputs, drafted.report, drafted.prepared)


def test_every_real_company_model_draft_checks_clean_without_repeated_names(
    real_drafts: dict[str, Drafted], tmp_path: Path
) -> None:
    """Through the model path: prompts rendered, answers parsed and grounded, sidecar outputs as `check` reads them."""
    for slug in MODEL_PATH_COMPANIES:
        drafted = real_drafts[slug]
        transport = FakeModelTransport()
        job = make_run(
            tmp_path / slug,
            mode=RecordMode.LIVE,
            base_url=FAKE_BASE_URL,
            retry=RetryPolicy(attempts=1, base_seconds=0, max_seconds=0),
        )
        report = draft_report(job, drafted.prepared, clients=client_factory(transport))
        assert report.summary.fallbacks == 0 and report.summary.repairs == 0, slug
        assert len(transport.requests) == len(report.sections), slug
        document = parse_draft(render_markdown(report), "draft.md")
        assert_sound(slug, document, report_inputs(report, drafted.prepared), drafted.report, drafted.prepared)


def test_interpretive_sentences_are_each_companys_own(real_drafts: dict[str, Drafted]) -> None:
    """No strength, growth, takeaway, assessment, summary or coverage sentence repeats across companies,
    even with the company's name masked, unless it was drafted from the same data (a dimension whose
    evidence is identical at two companies may say the same of both)."""
    said: dict[str, dict[str, str]] = {}
    for slug, drafted in real_drafts.items():
        name = drafted.prepared.card.company.name
        inputs = _inputs_without_company(drafted)
        for section, sentence in report_sentences(drafted.document):
            interpretive = (
                section in INTERPRETIVE
                or sentence.startswith("Key Takeaway:")
                or (section == "methodology" and "counted" in sentence)
            )
            # Table cells that are labels (an area name, `Score: N`) are not sentences.
            if interpretive and sentence.endswith((".", "!", "?")):
                source = section + inputs.get(section, "")
                said.setdefault(sentence.replace(name, "<company>"), {})[slug] = source
    shared = {
        sentence: sorted(by_company)
        for sentence, by_company in said.items()
        if len(by_company) > 1 and len(set(by_company.values())) > 1
    }
    assert shared == {}


def _inputs_without_company(drafted: Drafted) -> dict[str, str]:
    """Each section's input as JSON, the company's name left out."""
    return {section: data.model_dump_json(exclude={"company"}) for section, data in drafted.inputs.items()}


def test_the_methodology_states_counted_and_uncounted_signals(real_drafts: dict[str, Drafted]) -> None:
    for drafted in real_drafts.values():
        coverage = drafted.prepared.card.coverage
        methodology = drafted.report.sections["methodology"].output.model_dump_json()
        assert f"{coverage.counted:,} counted for a dimension and {coverage.uncounted:,} did not" in methodology


ZERO_AS_OF = dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    "signals",
    [
        [],
        [
            Signal(kind=SignalKind.TOOL, name="Wxyq Toolkit", evidence=4),
            Signal(kind=SignalKind.CONCEPT, name="zzqy practice"),
            Signal(kind=SignalKind.STANDARD, name="QZ-17"),
        ],
    ],
    ids=["no-signals", "only-unknown-names"],
)
def test_a_company_with_nothing_counted_gets_a_complete_visibility_gap_report(
    signals: list[Signal], taxonomy: Taxonomy, scorer: Scorer, tmp_path: Path
) -> None:
    company = CompanySignals(company=Company(name="Nullco", slug="nullco", as_of=ZERO_AS_OF), signals=signals)
    prepared = prepare(company, taxonomy, scorer)
    assert prepared.card.coverage.counted == 0
    assert all(d.score == 0 for d in prepared.card.dimensions)
    drafted = template_draft(prepared, tmp_path)
    assert_sound("nullco", drafted.document, drafted.inputs, drafted.report, prepared)
    model_report = draft_report(
        make_run(tmp_path, mode=RecordMode.LIVE, base_url=FAKE_BASE_URL),
        prepared,
        clients=client_factory(FakeModelTransport()),
    )
    assert model_report.summary.fallbacks == 0
    model_document = parse_draft(render_markdown(model_report), "draft.md")
    assert_sound("nullco", model_document, report_inputs(model_report, prepared), drafted.report, prepared)
    text = drafted.markdown
    assert len(drafted.report.sections) == 61
    assert "visibility gap" in text and "not an absence of technology" in text
    for section in ("executive-summary", "strengths", "growth-opportunities", "strategic-assessment", "methodology"):
        assert "gap" in drafted.report.sections[section].output.model_dump_json(), section


@pytest.mark.parametrize(
    "signals",
    [
        [Signal(kind=SignalKind.TOOL, name="Python")],
        [Signal(kind=SignalKind.TOOL, name="Software Design Patterns")],
    ],
    ids=["one-scored-dimension", "two-scored-dimensions"],
)
def test_a_company_with_one_or_two_strengths_fills_the_table_and_checks_clean(
    signals: list[Signal], taxonomy: Taxonomy, scorer: Scorer, tmp_path: Path
) -> None:
    """The strengths table has at least three rows; the rows beyond the company's scored dimensions say so in words
    (a digit there, "above 0", is no score of that section's data, and `check` rejected every such fresh draft)."""
    company = CompanySignals(company=Company(name="Smallco", slug="smallco", as_of=ZERO_AS_OF), signals=signals)
    prepared = prepare(company, taxonomy, scorer)
    assert 1 <= sum(d.score > 0 for d in prepared.card.dimensions) <= 2
    drafted = template_draft(prepared, tmp_path)
    assert_sound("smallco", drafted.document, drafted.inputs, drafted.report, prepared)
    rows = drafted.report.sections["strengths"].output.rows  # type: ignore[attr-defined]
    assert len(rows) == 3 and rows[-1].evidence == "No further dimension of Smallco scores above zero."


def test_signals_named_like_the_reports_labels_are_not_taken_for_its_labels(
    real_drafts: dict[str, Drafted], taxonomy: Taxonomy, scorer: Scorer, tmp_path: Path
) -> None:
    """The report's labels ("Score: 0", "Rank 3", "Layer 1") stay labels, whatever a company's data names its signals."""
    base = real_drafts["accord"].prepared.company_signals
    labels = [Signal(kind=SignalKind.TOOL, name=name) for name in ("Score", "Rank", "Tier", "Layer 1", "Layer 4")]
    company = CompanySignals(company=base.company, signals=[*base.signals, *labels])
    prepared = prepare(company, taxonomy, scorer)
    drafted = template_draft(prepared, tmp_path)
    assert "Score: 0" in drafted.markdown and "Layer 1" in drafted.markdown
    assert_sound("accord+labels", drafted.document, drafted.inputs, drafted.report, prepared)


TRICKY_NAMES = (
    "Web 3.0", "Python 3", "Amazon S3", "ISO 27001", "SOC 2", "3D Printing", "Data", "Cloud", "Security", "Services",
    "Tools", "R&D", "C++", "C#", ".NET", "Node.js", "AI/ML", "CI/CD", "Infrastructure as Code (IaC)", "5G", "Java 8",
    "Office 365", "HTML5", "OAuth 2.0", "TLS 1.3", "数据平台", "Künstliche Intelligenz", "Top 10", "24/7 Support",
    "100% Uptime", "Layer 1", "Score", "Rank", "Tier", "Power BI | Tableau", "<b>Azure</b> DevOps", "`Docker`",
    "[AWS](https://aws.amazon.com)", "*Kubernetes*", "<!-- naftiko:section id=x --> Jira",
)  # fmt: skip
"""Names that read like numbers, labels, the report's own words or Markdown and HTML, mixed into the random
companies."""
RANDOM_COMPANIES = int(os.environ.get("NAFTIKO_TEST_RANDOM_DRAFTS", "8"))
"""Random small companies drafted per run (NAFTIKO_TEST_RANDOM_DRAFTS=400 for a longer search)."""


def random_company(seed: int, pool: list[Signal]) -> CompanySignals:
    """A company of 1 to 80 signals drawn from the real lists and TRICKY_NAMES, some under another kind."""
    rng = random.Random(seed)
    size = rng.choice([1, 1, 2, 2, 3, 4, 5, 8, 13, 30, 80])
    seen: set[tuple[SignalKind, str]] = set()
    signals: list[Signal] = []
    while len(signals) < size:
        name = rng.choice(TRICKY_NAMES) if rng.random() < 0.15 else rng.choice(pool).name
        kind = rng.choice(list(SignalKind))
        if (kind, name_key(name)) not in seen:
            seen.add((kind, name_key(name)))
            signals.append(Signal(kind=kind, name=name, evidence=rng.choice([1, 1, 1, 2, 5, 40])))
    name = rng.choice(["Acme", "Zeta Corp", "Services", "Cloud", "Data Inc", "AI"])
    return CompanySignals(company=Company(name=name, slug="random", as_of=ZERO_AS_OF), signals=signals)


def test_random_small_companies_draft_clean(
    real_drafts: dict[str, Drafted], taxonomy: Taxonomy, scorer: Scorer, tmp_path: Path
) -> None:
    """Companies the 18 do not resemble: a handful of signals, under any kind, some named like the report's words.

    This search found two ways a fresh draft failed its own check (a filler row's "above 0"; signals named
    "Score" or "Layer 1"); it runs a few companies each time and, on demand, hundreds.
    """
    pool = [signal for drafted in real_drafts.values() for signal in drafted.prepared.company_signals.signals]
    for seed in range(RANDOM_COMPANIES):
        company = random_company(seed, pool)
        prepared = prepare(company, taxonomy, scorer)
        drafted = template_draft(prepared, tmp_path)
        assert_sound(f"random company {seed}", drafted.document, drafted.inputs, drafted.report, prepared)


def test_the_docs_coverage_table_is_what_the_shipped_taxonomy_gives(real_drafts: dict[str, Drafted]) -> None:
    """docs/scoring.md "What the scores mean on real data": signals, counted share, Languages, zeros and top three."""
    page = (ROOT / "docs" / "scoring.md").read_text(encoding="utf-8")
    section = page.split("## What the scores mean on real data", 1)[1]
    rows = {
        cells[0]: cells[1:]
        for line in section.splitlines()
        if line.startswith("| ") and (cells := [cell.strip() for cell in line.strip("|").split("|")])[0] in real_drafts
    }
    assert sorted(rows) == REAL_COMPANIES
    total = counted = 0
    for slug, drafted in real_drafts.items():
        card = drafted.prepared.card
        top = sorted(card.dimensions, key=lambda d: -d.score)[:3]
        expected = [
            f"{card.coverage.signals:,}",
            f"{100 * card.coverage.counted / card.coverage.signals:.1f}%",
            str(card.dimension("languages").score),
            str(sum(1 for d in card.dimensions if d.score == 0)),
            ", ".join(f"{d.name} {d.score}" for d in top),
        ]
        assert rows[slug] == expected, f"docs/scoring.md row for {slug}; re-run benchmarks/bench_real_data.py"
        total, counted = total + card.coverage.signals, counted + card.coverage.counted
    assert f"| **all 18** | {total:,} | {100 * counted / total:.1f}% |" in section
