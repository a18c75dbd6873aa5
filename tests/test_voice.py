"""The house voice (issue 18): evidence ranking, claims grounding and check, company profiles, template prose."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.grounding import build_vocabulary, check_grounding
from naftiko_writer.drafting.template_engine import draft_from_template
from naftiko_writer.report.evidence import product_index, rank_evidence
from naftiko_writer.report.plan import plan_sections, section_input
from naftiko_writer.report.sections import (
    DimensionInput,
    DimensionNarrative,
    ExecutiveInput,
    ExecutiveSummary,
    Input,
    Output,
)
from naftiko_writer.scoring.importing import import_signals
from naftiko_writer.scoring.models import Company, CompanySignals, ScoreCard, Signal, SignalKind, Taxonomy
from naftiko_writer.scoring.names import name_key
from naftiko_writer.scoring.profiles import name_from_slug
from naftiko_writer.scoring.scorer import score_company
from tests.conftest import ROOT
from tests.real_drafts import Drafted

REAL = ROOT / "fixtures" / "real"
SHARED = sorted(path.name for path in REAL.iterdir() if path.is_dir())
MORE = re.compile(r"\band (\d+) more\b")


def company(name: str, *signals: tuple[SignalKind, str, int], **profile: str) -> CompanySignals:
    return CompanySignals(
        company=Company(name=name, slug=name.lower(), as_of=dt.date(2026, 1, 1), **profile),
        signals=[Signal(kind=kind, name=n, evidence=e) for kind, n, e in signals],
    )


def drafted(signals: CompanySignals, taxonomy: Taxonomy) -> tuple[ScoreCard, dict[str, Input], dict[str, Output]]:
    card = score_company(signals, taxonomy)
    inputs: dict[str, Input] = {}
    outputs: dict[str, Output] = {}
    for spec in plan_sections(card):
        inputs[spec.id] = section_input(spec, card, taxonomy, outputs)
        outputs[spec.id] = draft_from_template(spec.kind, inputs[spec.id])
    return card, inputs, outputs


DATA_CO = company(
    "Dataco",
    (SignalKind.SERVICE, "Microsoft Excel", 40),  # heavy, but an office suite: Data is not its first dimension
    (SignalKind.SERVICE, "Tableau", 1),
    (SignalKind.TOOL, "Apache Spark", 2),
    (SignalKind.SERVICE, "Apache Spark", 3),  # the same name under two kinds: one mention
    (SignalKind.CONCEPT, "data warehousing", 9),
    (SignalKind.CONCEPT, "Modeling", 9),  # a catalogue entry marked generic: a phrase, not a product
    (SignalKind.SERVICE, "Amazon Web Services", 1),
    (SignalKind.SERVICE, "Microsoft Office", 30),
)


def test_products_lead_phrases_follow_and_a_name_under_two_kinds_is_one_mention(taxonomy: Taxonomy) -> None:
    card = score_company(DATA_CO, taxonomy)
    data = rank_evidence(card, taxonomy)["data"]
    names = [mention.name for mention in data.mentions]
    assert names.index("Tableau") < names.index("Microsoft Excel")  # focused on Data before touching it
    assert names.count("Apache Spark") == 1
    spark = next(m for m in data.mentions if m.name == "Apache Spark")
    assert spark.kinds == (SignalKind.SERVICE, SignalKind.TOOL) and spark.observations == 5
    assert [m.name for m in data.unnamed] == ["Modeling", "data warehousing"] or set(m.name for m in data.unnamed) >= {
        "Modeling"
    }
    assert all(m.named for m in data.named) and not any(m.named for m in data.unnamed)
    assert product_index(taxonomy).describe("Modeling") == (False, "data")  # generic: data, not a guess
    services = rank_evidence(card, taxonomy)["services"]
    groups = [group.dimension for group in services.groups]
    assert groups[-1] == "Software As A Service (SaaS)"  # office suites restate the layer: they come last
    assert services.mentions[0].name not in {"Microsoft Excel", "Microsoft Office"}


def test_a_dimension_input_counts_what_it_lists(taxonomy: Taxonomy) -> None:
    _, inputs, _ = drafted(DATA_CO, taxonomy)
    data = inputs["dimension:data"]
    assert isinstance(data, DimensionInput)
    assert data.named_count == len(data.named) and data.name_count == data.named_count + data.unnamed_count
    assert sum(data.unnamed_by_kind.values()) == data.unnamed_count
    assert sum(data.named_by_kind.values()) == data.named_count


@pytest.mark.parametrize("slug", SHARED)
def test_real_drafts_keep_the_house_rules_and_their_counts_add_up(
    slug: str, taxonomy: Taxonomy, real_drafts: dict[str, Drafted]
) -> None:
    # The session's template drafts of the 18 (tests/real_drafts.py: imported, scored, drafted by the pipeline).
    real = real_drafts[slug]
    card, inputs, outputs = real.prepared.card, real.inputs, real.outputs()
    assert set(outputs) == {spec.id for spec in plan_sections(card)}
    vocabulary = build_vocabulary(taxonomy, real.prepared.company_signals)
    for section_id, output in outputs.items():
        assert check_grounding(output, inputs[section_id], vocabulary) == [], section_id
        if not isinstance(output, DimensionNarrative):
            continue
        paragraph = output.paragraph
        assert len(MORE.findall(paragraph)) <= 1, paragraph
        assert not re.search(r"(?:^|\. )(?:Services|Tools|Concepts|Standards|Languages): ", paragraph), paragraph
        dimension = card.dimension(section_id.split(":", 1)[1])
        first_spelling: dict[str, str] = {}  # each name key's first spelling in the evidence
        for items in dimension.evidence.values():
            for item in items:
                first_spelling.setdefault(name_key(item.name), item.name)
        names = set(first_spelling)
        index = product_index(taxonomy)
        products = {k for k in names if index.describe(first_spelling[k])[0]}
        for number, noun in re.findall(
            r"\b(\d[\d,]*) (?:named )?(products|terms|other terms|general terms)\b", paragraph
        ):
            wanted = len(products) if noun == "products" else len(names) - len(products)
            assert int(number.replace(",", "")) == wanted, (section_id, paragraph)  # recomputed from the card
        for match in MORE.finditer(paragraph):
            shown = paragraph[: match.start()].split(". ")[-1].count(", ") + 1
            assert int(match.group(1)) <= shown, paragraph  # never "and 574 more"
    for dimension_id in ("data", "cloud", "artificial-intelligence", "services"):
        data = inputs[f"dimension:{dimension_id}"]
        assert isinstance(data, DimensionInput)
        if data.named_by_kind.get("service", 0) + data.named_by_kind.get("tool", 0):
            lead = data.named[0] if not data.groups else data.groups[0].names[0]
            assert lead not in {"Microsoft Excel", "Microsoft Office"}, (dimension_id, lead)
            assert lead in outputs[f"dimension:{dimension_id}"].model_dump_json()


def test_the_executive_summary_leads_with_the_highest_area_and_names_vendors(taxonomy: Taxonomy) -> None:
    signals = import_signals(REAL / "lego").company_signals
    card, inputs, outputs = drafted(signals, taxonomy)
    summary = outputs["executive-summary"]
    assert isinstance(summary, ExecutiveSummary)
    top = max(card.dimensions, key=lambda d: d.score)
    assert summary.paragraphs[1].startswith(f"Lego's highest signal area is {top.name} at {top.score}")
    data = inputs["executive-summary"]
    assert isinstance(data, ExecutiveInput)
    vendors = {name for brief in data.top_dimensions for name in brief.products}
    assert sum(name in summary.paragraphs[1] for name in vendors) >= 2
    assert len(summary.paragraphs) == 2  # no profile, no context sentence


def test_the_context_sentence_comes_only_from_the_profile(taxonomy: Taxonomy) -> None:
    profiled = company(
        "Dataco",
        *[(s.kind, s.name, s.evidence) for s in DATA_CO.signals],
        industry="Retail",
        description="Dataco runs grocery stores across three countries.",
    )
    _, inputs, outputs = drafted(profiled, taxonomy)
    summary = outputs["executive-summary"]
    assert isinstance(summary, ExecutiveSummary)
    assert summary.paragraphs[-1].startswith("Dataco runs grocery stores across three countries.")
    vocabulary = build_vocabulary(taxonomy, profiled)
    invented = ExecutiveSummary(
        paragraphs=[summary.paragraphs[0], "As a global logistics giant, Dataco ships parcels."]
    )
    problems = check_grounding(invented, inputs["executive-summary"], vocabulary)
    assert any("beyond its profile" in problem for problem in problems), problems
    bare = drafted(DATA_CO, taxonomy)[1]["executive-summary"]
    problems = check_grounding(invented, bare, build_vocabulary(taxonomy, DATA_CO))
    assert any("no company profile" in problem for problem in problems), problems


def test_approximate_counts_must_be_fair_and_no_paragraph_must_restate_its_score(
    spotify_card: ScoreCard, taxonomy: Taxonomy, spotify_signals: CompanySignals
) -> None:
    spec = next(s for s in plan_sections(spotify_card) if s.id == "dimension:services")
    data = section_input(spec, spotify_card, taxonomy, {})
    assert isinstance(data, DimensionInput) and data.signal_count == 66
    vocabulary = build_vocabulary(taxonomy, spotify_signals)

    def problems(text: str) -> list[str]:
        return check_grounding(DimensionNarrative(paragraph=text, key_takeaway=None), data, vocabulary)

    assert problems("Spotify adopts over 60 commercial platforms.") == []
    assert problems("Spotify adopts nearly 70 commercial platforms.") == []
    assert problems("Spotify adopts over 100 commercial platforms.") == [
        "says over 100, which approximates no figure in this section's data; round a given number"
    ]
    assert problems("Spotify adopts 66 commercial services.") == []
    assert any(p.startswith("counts 60 services, but the data gives") for p in problems("Spotify adopts 60 services."))


@pytest.mark.parametrize(
    ("old", "new", "kind", "message"),
    [
        ("24 named products in all", "30 named products in all", "count", "counts 30 products, but the data gives"),
        ("Workday and 54 more", "Workday and 60 more", "count", "lists 12 names and 60 more, 72 in all"),
        (
            "Spotify's Foundational Layer is developing, with a mean score of 20.0",
            "Spotify's Foundational Layer is mature, with a mean score of 20.0",
            "tier",
            "calls it 'mature' beside 20, which the tier table puts at 'developing'",
        ),
        (
            "rather than for a single product.",
            "rather than for a single product, the highest of its dimensions.",
            "comparison",
            "calls Cloud 'highest', but it ranks 4 of 44",
        ),
        (
            "rather than for a single product.",
            "rather than for a single product, more than most streaming services.",
            "comparison",
            "compares with other companies ('more than most')",
        ),
        (
            "rather than for a single product.",
            "rather than for a single product. As a global streaming platform, Spotify needs it.",
            "context",
            "says what the company is, but this section has no company profile",
        ),
    ],
)
def test_check_names_an_edited_count_tier_comparison_or_context(
    runner: CliRunner, spotify_draft: Path, old: str, new: str, kind: str, message: str
) -> None:
    text = spotify_draft.read_text()
    assert old in text, old
    spotify_draft.write_text(text.replace(old, new, 1))
    result = runner.invoke(app, ["check", str(spotify_draft), "--json"])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert (kind, message) in [(f["kind"], f["message"][: len(message)]) for f in findings], findings
    assert {f["kind"] for f in findings} <= {kind, "number"}  # an invented figure is also a number not in the data


def test_import_takes_a_profile_and_no_date_from_file_times(runner: CliRunner, tmp_path: Path) -> None:
    companies = tmp_path / "companies.yaml"
    companies.write_text("adp: {name: ADP, industry: Human Resources, description: ADP runs payroll.}\n")
    out = tmp_path / "adp.yaml"
    result = runner.invoke(app, ["import", str(REAL / "adp"), "--out", str(out), "--companies", str(companies)])
    assert result.exit_code == 0, result.stderr
    head = out.read_text().split("signals:")[0]
    assert "name: ADP" in head and "industry: Human Resources" in head and "description: ADP runs payroll." in head
    assert "as_of" not in head
    flagged = tmp_path / "lego.yaml"
    args = ["import", str(REAL / "lego"), "--out", str(flagged), "--industry", "Toys", "--description", "Bricks."]
    assert runner.invoke(app, args).exit_code == 0
    assert "industry: Toys" in flagged.read_text() and "name: Lego" in flagged.read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text("adp: {name: ADP, sector: HR}\n")
    result = runner.invoke(
        app, ["import", str(REAL / "adp"), "--out", str(tmp_path / "x.yaml"), "--companies", str(bad)]
    )
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {bad}: adp: ") and "sector" in result.stderr


def test_a_slug_is_spelled_as_a_name_without_inventing_one() -> None:
    assert [name_from_slug(s) for s in ("adp", "ey", "jp-morgan-chase", "7-eleven", "riot-games", "lego")] == [
        "ADP",
        "EY",
        "JP Morgan Chase",
        "7-Eleven",
        "Riot Games",
        "Lego",
    ]


def test_a_zero_signal_report_names_the_gap_in_its_summary_not_in_every_paragraph(taxonomy: Taxonomy) -> None:
    empty = CompanySignals(company=Company(name="Nullco", slug="nullco"), signals=[])
    _, _, outputs = drafted(empty, taxonomy)
    paragraphs = [o.paragraph for o in outputs.values() if isinstance(o, DimensionNarrative)]
    assert len(set(paragraphs)) == len(paragraphs) == 44  # each says what would show there
    assert sum("gap" in p for p in paragraphs) == 0
    summary = outputs["executive-summary"]
    assert isinstance(summary, ExecutiveSummary) and "visibility gap" in " ".join(summary.paragraphs)


def test_a_signal_name_with_digits_inside_a_longer_name_leaves_the_longer_name_whole(taxonomy: Taxonomy) -> None:
    rdf = company("Graphco", (SignalKind.TOOL, "RDF4J", 1), (SignalKind.TOOL, "Neo4j", 2))
    _, inputs, outputs = drafted(rdf, taxonomy)
    vocabulary = build_vocabulary(taxonomy, rdf)
    assert any("Eclipse RDF4J" in output.model_dump_json() for output in outputs.values())  # the alias's entry
    for section_id, output in outputs.items():
        assert check_grounding(output, inputs[section_id], vocabulary) == [], section_id
