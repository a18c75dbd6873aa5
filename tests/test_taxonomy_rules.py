"""Each rule kind of the catalogue, their precedence, recognition by what a name is, and coverage."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from naftiko_writer.errors import TaxonomyError
from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.taxonomy import load_taxonomy
from tests.conftest import TAXONOMY_DIR, recognised, write

CATALOGUE = """\
kind_rules:
  service: [services]
  language: [languages]
prefix_rules:
  - {prefix: AWS, dimensions: [cloud]}
  - {prefix: Google Cloud, dimensions: [cloud]}
keyword_rules:
  - {words: [security, cybersecurity], dimensions: [security]}
  - {words: [event driven], dimensions: [event-driven]}
  - {words: [database], dimensions: [databases]}
  - {words: [testing], kinds: [concept, tool], dimensions: [testing-quality]}
  - {words: [iso], is: standard, dimensions: [standardization]}
  - {words: [technology, process], dimensions: [alignment]}
  - {words: [自动化], dimensions: [automation]}
signals:
  - {name: Security Onion, dimensions: [open-source]}
  - {name: Python, is: language, dimensions: [code]}
  - {name: Infrastructure as Code, dimensions: [cloud]}
  - {name: Robotic Process Automation, dimensions: [automation]}
  - {name: Virtual Machines, aliases: [VMs], dimensions: [virtualization]}
  - {name: Hybrid Cloud, dimensions: [data-centers]}
"""


@pytest.fixture
def rules_taxonomy(tmp_path: Path) -> Taxonomy:
    folder = tmp_path / "taxonomy"
    folder.mkdir()
    shutil.copy(TAXONOMY_DIR / "taxonomy.yaml", folder / "taxonomy.yaml")
    write(folder / "signals.yaml", CATALOGUE)
    write(
        folder / "catalogue" / "extra.yaml",
        "signals:\n  - {name: Kubernetes, aliases: [K8s], dimensions: [containers]}\n",
    )
    return load_taxonomy(folder)


def _dimensions(taxonomy: Taxonomy, kind: SignalKind, name: str) -> tuple[set[str], SignalKind]:
    effective, dimensions = recognised(Scorer(taxonomy), kind, name)
    return dimensions, effective


def _company(*signals: tuple[SignalKind, str]) -> CompanySignals:
    return CompanySignals(
        company=Company(name="Acme", slug="acme", as_of=dt.date(2026, 1, 1)),
        signals=[Signal(kind=kind, name=name) for kind, name in signals],
    )


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        (SignalKind.CONCEPT, "Cloud Security", {"security"}),
        (SignalKind.CONCEPT, "Cybersecurity Awareness", {"security"}),
        (SignalKind.CONCEPT, "Securityscorecard", set()),  # whole words only
        (SignalKind.CONCEPT, "Event-driven Architecture", {"event-driven"}),  # a phrase, punctuation ignored
        (SignalKind.CONCEPT, "Event Architecture", set()),  # a phrase needs every word, in order
        (SignalKind.CONCEPT, "Databases", {"databases"}),  # plural folded
        (SignalKind.CONCEPT, "Automated Testing", {"testing-quality"}),
    ],
)
def test_keyword_rules_match_whole_words_and_phrases(
    rules_taxonomy: Taxonomy, kind: SignalKind, name: str, expected: set[str]
) -> None:
    assert _dimensions(rules_taxonomy, kind, name)[0] == expected


def test_keyword_rule_limited_to_kinds(rules_taxonomy: Taxonomy) -> None:
    assert _dimensions(rules_taxonomy, SignalKind.STANDARD, "Load Testing")[0] == set()
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "Load Testing")[0] == {"testing-quality"}


def test_vendor_family_prefix_rules(rules_taxonomy: Taxonomy) -> None:
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "AWS Lambda")[0] == {"cloud"}
    assert _dimensions(rules_taxonomy, SignalKind.SERVICE, "Google Cloud Run")[0] == {"cloud", "services"}
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "Google Docs")[0] == set()  # the whole prefix is needed


def test_exact_entry_wins_over_keywords_but_not_over_vendor_families(rules_taxonomy: Taxonomy) -> None:
    # "Security Onion" holds the keyword "security", but its catalogue entry decides.
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "Security Onion")[0] == {"open-source"}
    # Entries from catalogue/*.yaml count like those of signals.yaml, aliases included.
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "k8s")[0] == {"containers"}


def test_recognition_by_what_a_name_is(rules_taxonomy: Taxonomy) -> None:
    dimensions, effective = _dimensions(rules_taxonomy, SignalKind.TOOL, "Python")
    assert effective is SignalKind.LANGUAGE
    assert dimensions == {"code", "languages"}  # a language filed as a tool counts for Languages
    service_dimensions, _ = _dimensions(rules_taxonomy, SignalKind.SERVICE, "Python")
    assert "services" not in service_dimensions  # it is a language, not a commercial service
    dimensions, effective = _dimensions(rules_taxonomy, SignalKind.CONCEPT, "ISO 27001")
    assert effective is SignalKind.STANDARD and dimensions == {"standardization"}


def test_a_name_in_several_lists_is_one_signal_of_what_it_is(rules_taxonomy: Taxonomy) -> None:
    card = Scorer(rules_taxonomy).score(_company((SignalKind.TOOL, "Python"), (SignalKind.SERVICE, "python")))
    languages = card.dimension("languages")
    assert [(e.name, e.kind, e.count) for items in languages.evidence.values() for e in items] == [
        ("Python", SignalKind.LANGUAGE, 2)
    ]


def test_coverage_counts_signals_beyond_the_kind_catch_all(rules_taxonomy: Taxonomy) -> None:
    card = Scorer(rules_taxonomy).score(
        _company(
            (SignalKind.SERVICE, "Acme Payroll Cloud"),  # counts for Services only: uncounted
            (SignalKind.SERVICE, "AWS Lambda"),  # vendor family: counted
            (SignalKind.CONCEPT, "Cloud Security"),  # keyword: counted
            (SignalKind.CONCEPT, "Synergy"),  # nothing: uncounted
            (SignalKind.LANGUAGE, "Brainfuck"),  # Languages catch-all only: uncounted
        )
    )
    assert (card.coverage.signals, card.coverage.counted, card.coverage.uncounted) == (5, 2, 3)
    assert sorted(signal.name for signal in card.uncounted_signals) == ["Acme Payroll Cloud", "Brainfuck", "Synergy"]
    assert [signal.name for signal in card.unmatched_signals] == ["Synergy"]


def test_a_name_claimed_in_two_catalogue_files_names_both(tmp_path: Path) -> None:
    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    write(folder / "catalogue" / "a.yaml", "signals:\n  - {name: Nomad, dimensions: [containers]}\n")
    write(
        folder / "catalogue" / "b.yaml",
        "signals:\n  - {name: HashiCorp Nomad, aliases: [nomad], dimensions: [cloud]}\n",
    )
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(folder)
    message = str(caught.value)
    assert "b.yaml:2" in message and "'Nomad' (a.yaml)" in message


def test_rule_errors_are_reported_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    bad = folder / "catalogue" / "bad.yaml"
    write(bad, "signals:\n  - {name: Foo}\n")
    with pytest.raises(TaxonomyError, match=r"bad.yaml: line 2: signals\[0\]: .*needs `dimensions`, `is`, or both"):
        load_taxonomy(folder)
    write(
        bad,
        "kind_rules:\n  service: [platform]\n"
        "keyword_rules:\n  - {words: [quantum], dimensions: [quantum-computing]}\n  - {words: ['--'], dimensions: [code]}\n",
    )
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(folder)
    message = str(caught.value)
    assert "bad.yaml:2: kind rule 'service' is also given in" in message
    assert "bad.yaml:4: keyword rule 'quantum' refers to unknown dimension 'quantum-computing'" in message
    assert "bad.yaml:5: keyword '--' has no letters or digits" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Emerging Technologies", {"alignment"}),  # -ies plural of a -y keyword
        ("Technologie", {"alignment"}),  # the French spelling folds the same way
        ("Business Processes", {"alignment"}),  # -es plural after a sibilant
        ("Securities Lending", set()),  # financial securities are not security
    ],
)
def test_keywords_match_either_number_of_a_word(rules_taxonomy: Taxonomy, name: str, expected: set[str]) -> None:
    assert _dimensions(rules_taxonomy, SignalKind.CONCEPT, name)[0] == expected


def test_a_bracketed_abbreviation_falls_back_to_the_spelled_out_entry(rules_taxonomy: Taxonomy) -> None:
    scorer = Scorer(rules_taxonomy)
    for name in ("Infrastructure as Code (IaC)", "IaC (Infrastructure as Code)"):
        canonical, _, _, _, _ = scorer.matcher.match(SignalKind.CONCEPT, name)
        assert canonical == "Infrastructure as Code"
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "Rpa (Robotic Process Automation)")[0] == {"automation"}
    # The bracketed abbreviation alone is not trusted: VMS here is not the entry "VMs".
    assert "virtualization" not in _dimensions(rules_taxonomy, SignalKind.TOOL, "Vendor Management System (VMS)")[0]
    # A bracketed remark is dropped: "Hybrid Cloud (On-premises)" is the Hybrid Cloud entry.
    assert _dimensions(rules_taxonomy, SignalKind.CONCEPT, "Hybrid Cloud (On-premises)")[0] == {"data-centers"}


def test_an_entry_of_several_words_matches_the_other_number(rules_taxonomy: Taxonomy) -> None:
    canonical, _, indexes, _, _ = Scorer(rules_taxonomy).matcher.match(SignalKind.CONCEPT, "Hybrid Clouds")
    assert canonical == "Hybrid Cloud"
    assert {rules_taxonomy.dimensions[i].id for i in indexes} == {"data-centers"}
    # One-word names do not fall back: "VM" is not the entry "VMs" (nor "Safes" the framework SAFe).
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "VM")[0] == set()


def test_chinese_and_japanese_characters_are_words(rules_taxonomy: Taxonomy) -> None:
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "自动化管线")[0] == {"automation"}
    assert _dimensions(rules_taxonomy, SignalKind.TOOL, "数据")[0] == set()
