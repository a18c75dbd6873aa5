"""`import`: raw lists (folders of YAML lists, CSV, JSON) -> one valid signals file; score/draft read them directly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.importing import RawSignal, import_signals, merge_signals, why_not_a_signal
from naftiko_writer.scoring.models import SignalKind
from naftiko_writer.scoring.signal_files import load_signals
from tests.conftest import write

SERVICES = "- Amazon Web Services\n- AWS\n- Salesforce\n- salesforce\n- SALESFORCE\n- Excel\n"
TECHNOLOGIES = (
    "- Node.js\n- Nodejs\n- Node.js\n- Python\n- '12345'\n- ''\n- https://example.com/jobs/1\n"
    "- {weird: mapping}\n- We are looking for a motivated engineer to join our growing team in a fast paced place\n"
)
CONCEPTS = "- AI\n- Ai\n- Artificial Intelligence\n- Cloud Security\n"


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    folder = tmp_path / "acme-corp"
    write(folder / "services.yml", SERVICES)
    write(folder / "technologies.yml", TECHNOLOGIES)
    write(folder / "concepts.yml", CONCEPTS)
    write(folder / "scoring.yml", "api: 3\n")  # not a list file: ignored
    return folder


def test_variants_merge_within_a_kind_with_evidence_and_the_most_frequent_spelling(lists: Path) -> None:
    result = import_signals(lists, as_of=None)
    signals = {(s.kind, s.name): s.evidence for s in result.company_signals.signals}
    assert signals[(SignalKind.TOOL, "Node.js")] == 3  # Node.js x2 + Nodejs
    assert signals[(SignalKind.SERVICE, "Salesforce")] == 3
    assert signals[(SignalKind.CONCEPT, "AI")] == 2  # a tie broken towards the deliberate spelling
    assert (SignalKind.SERVICE, "AWS") in signals  # aliases are the taxonomy's business, not import's
    merged = {(m.kind, m.name): m.spellings for m in result.merged}
    assert merged[(SignalKind.TOOL, "Node.js")] == ("Node.js", "Nodejs")
    assert merged[(SignalKind.CONCEPT, "AI")] == ("AI", "Ai")
    assert result.company_signals.company.slug == "acme-corp"
    assert result.company_signals.company.name == "Acme Corp"


def test_what_cannot_be_a_signal_is_dropped_with_a_reason(lists: Path) -> None:
    result = import_signals(lists)
    reasons = {d.name[:20]: d.reason for d in result.dropped}
    assert reasons == {
        "12345": "no letters",
        "": "empty",
        "https://example.com/": "a web or mail address, not a name",
        "{'weird': 'mapping'}": "not a name",
        "We are looking for a": "more than 12 words: a sentence, not a name",
    }
    assert result.raw_entries == 19


def test_merge_is_deterministic_and_order_independent() -> None:
    raw = [
        RawSignal(SignalKind.TOOL, name, f"#{i}")
        for i, name in enumerate(["Power Bi", "PowerBI", "Powerbi", "PowerBI"])
    ]
    forward = merge_signals(raw)[0]
    backward = merge_signals(list(reversed(raw)))[0]
    assert [(s.name, s.evidence) for s in forward] == [(s.name, s.evidence) for s in backward] == [("PowerBI", 4)]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("C++", None),
        ("ISO 27001", None),
        ("AT&T", None),
        ("x" * 301, "longer than 300 characters"),
        ("info@acme.com", "a web or mail address, not a name"),
    ],
)
def test_why_not_a_signal(name: str, reason: str | None) -> None:
    assert why_not_a_signal(name) == reason


def test_cli_import_writes_a_valid_signals_file_and_reports(lists: Path, tmp_path: Path) -> None:
    out = tmp_path / "acme.yaml"
    result = CliRunner().invoke(
        app, ["import", str(lists), "--out", str(out), "--as-of", "2026-01-31", "--name", "Acme"]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())  # the console wraps long lines (tmp paths differ in length)
    assert "Imported 19 entries" in said and "-> 9 signals" in said
    assert "Node.js / Nodejs" in said and "no letters" in said
    loaded = load_signals(out)
    assert loaded.company.name == "Acme" and loaded.company.as_of.isoformat() == "2026-01-31"
    assert len(loaded.signals) == 9
    again = CliRunner().invoke(app, ["import", str(lists), "--out", str(out)])
    assert again.exit_code == 1 and "already exists; pass --force" in again.stderr


def test_cli_import_json_lists_every_merge_and_drop(lists: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(lists), "--out", str(tmp_path / "a.yaml"), "--json"])
    data = json.loads(result.stdout)
    assert data["signals"] == 9 and data["raw_entries"] == 19
    assert {"kind": "tool", "name": "Node.js", "spellings": ["Node.js", "Nodejs"], "entries": 3} in data["merged"]
    assert len(data["dropped"]) == 5 and data["by_kind"] == {"service": 4, "tool": 2, "concept": 3}


def test_csv_with_header_evidence_and_sources(tmp_path: Path) -> None:
    path = write(
        tmp_path / "globex.csv",
        "kind,name,evidence,source\nservice,Snowflake,2,https://a\ntool,snowflake,,\nservice,SNOWFLAKE,3,https://b\n"
        "technology,Kafka,1,\nlanguage,Go,,\n",
    )
    signals = {(s.kind, s.name): s for s in import_signals(path).company_signals.signals}
    assert signals[(SignalKind.SERVICE, "Snowflake")].evidence == 5
    assert signals[(SignalKind.SERVICE, "Snowflake")].sources == ["https://a", "https://b"]
    assert signals[(SignalKind.TOOL, "snowflake")].evidence == 1
    assert (SignalKind.TOOL, "Kafka") in signals and (SignalKind.LANGUAGE, "Go") in signals


def test_csv_errors_name_the_row(tmp_path: Path) -> None:
    bad_kind = write(tmp_path / "a.csv", "kind,name\nwidget,Foo\n")
    with pytest.raises(InputError, match=r"a.csv: a.csv:2: kind 'widget' is not one of service, tool"):
        import_signals(bad_kind)
    bad_evidence = write(tmp_path / "b.csv", "tool,Foo,many\n")
    with pytest.raises(InputError, match=r"b.csv:1: evidence 'many' is not a whole number"):
        import_signals(bad_evidence)


def test_json_list_and_object_of_lists(tmp_path: Path) -> None:
    listed = write(tmp_path / "a.json", json.dumps([{"kind": "tool", "name": "Git"}, {"kind": "tool", "name": "git"}]))
    assert [(s.name, s.evidence) for s in import_signals(listed).company_signals.signals] == [("Git", 2)]
    grouped = write(tmp_path / "b.json", json.dumps({"services": ["Jira"], "concepts": ["Scrum", "scrum"]}))
    assert len(import_signals(grouped).company_signals.signals) == 2
    duplicate = write(tmp_path / "c.json", '{"services": ["Jira"], "services": ["Slack"]}')
    with pytest.raises(InputError, match="key 'services' appears twice"):
        import_signals(duplicate)


def test_hostile_lists_are_refused_quickly(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    folder = tmp_path / "bomb"
    write(folder / "services.yml", bomb)
    with pytest.raises(InputError, match=r"services.yml: line 2: YAML alias \*a is not allowed; write the value out"):
        import_signals(folder)
    write(folder / "services.yml", "- a\n- [unclosed\n")
    with pytest.raises(InputError, match=r"services.yml: line 3: invalid YAML: "):
        import_signals(folder)
    write(folder / "services.yml", "name: not a list\n")
    with pytest.raises(InputError, match="expected a list of names, found a dict"):
        import_signals(folder)


def test_score_and_draft_read_raw_sources_directly(lists: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    scored = runner.invoke(app, ["score", str(lists), "--json"])
    assert scored.exit_code == 0, scored.output
    card = json.loads(scored.stdout)
    assert card["company"]["slug"] == "acme-corp"
    assert card["coverage"]["signals"] == 9
    csv_path = write(tmp_path / "globex.csv", "service,Snowflake\ntool,Terraform\n")
    out = tmp_path / "globex.md"
    drafted = runner.invoke(app, ["draft", str(csv_path), "--engine", "template", "--out", str(out)])
    assert drafted.exit_code == 0, drafted.output
    assert "# Globex Technology Investment Impact Report" in out.read_text(encoding="utf-8")


def test_unknown_source_shapes_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no signal lists in this folder; expected one or more of services\.yml"):
        import_signals(empty)
    with pytest.raises(InputError, match=r"cannot import a \.txt file"):
        import_signals(write(tmp_path / "x.txt", "hi"))


def test_empty_and_comment_only_lists_hold_no_names(tmp_path: Path) -> None:
    folder = tmp_path / "acme"
    write(folder / "services.yml", "# nothing scraped yet\n")
    write(folder / "tools.yml", "")
    write(folder / "concepts.yml", "- Scrum\n")
    result = import_signals(folder)
    assert [signal.name for signal in result.company_signals.signals] == ["Scrum"]
    assert result.dropped == []


def test_a_folder_of_companies_is_imported_in_one_command_as_each_alone(lists: Path, tmp_path: Path) -> None:
    cohort = tmp_path / "cohort"
    write(cohort / "acme-corp" / "services.yml", SERVICES)
    write(cohort / "acme-corp" / "concepts.yml", CONCEPTS)
    write(cohort / "globex.csv", "kind,name,evidence\ntool,Terraform,3\nservice,Snowflake,1\n")
    write(cohort / "notes.txt", "not a company")
    runner = CliRunner()
    alone = tmp_path / "alone.yaml"
    assert (
        runner.invoke(
            app, ["import", str(cohort / "globex.csv"), "--out", str(alone), "--as-of", "2026-01-31"]
        ).exit_code
        == 0
    )
    out = tmp_path / "signals"
    result = runner.invoke(app, ["import", str(cohort), "--out", str(out), "--as-of", "2026-01-31"])
    assert result.exit_code == 0, result.stderr
    assert sorted(path.name for path in out.iterdir()) == ["acme-corp.yaml", "globex.yaml"]
    assert (out / "globex.yaml").read_bytes() == alone.read_bytes()  # the same bytes as one import
    assert result.stderr.startswith(f"Imported 2 companies from {cohort} -> ")
    again = runner.invoke(app, ["import", str(cohort), "--out", str(out)])
    assert again.exit_code == 1 and again.stderr.startswith(f"Error: {out / 'acme-corp.yaml'}: already exists;")
    rows = json.loads(runner.invoke(app, ["import", str(cohort), "--out", str(out), "--force", "--json"]).stdout)
    assert [row["company"]["slug"] for row in rows] == ["acme-corp", "globex"]
    named = runner.invoke(app, ["import", str(cohort), "--out", str(out), "--name", "X"])
    assert named.exit_code == 1 and "takes no --name or --slug" in named.stderr
    to_file = runner.invoke(app, ["import", str(cohort), "--out", str(tmp_path / "one.yaml")])
    assert to_file.exit_code == 1 and "give --out a folder" in to_file.stderr


TRICKY_NAMES = [
    "yes", "null", "~", "1.0", "0x1F", "- dash", "a: b", "#hash", "tab\there", "  lead", "é café", "数据平台", "quote's",
    'dq"x', "back\\slash", "[brack]", "{b}", "*star", "&amp", "!bang", "@at", "`tick", "|pipe", "x" * 300, "ctrl\x07",
    "\ufeffbom", "2026-01-01", "on", "<<", "?q", "a,b", "emoji \U0001f600", "nel\x85x", "line\u2028sep",
]  # fmt: skip


def test_signals_files_are_the_same_bytes_with_libyaml_or_without(monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml's emitter writes the file when PyYAML has it (3.5x faster); never a byte differs from PyYAML's own."""
    import yaml

    from naftiko_writer.scoring import importing

    raw = [RawSignal(SignalKind.TOOL, name, "test.yml") for name in TRICKY_NAMES]
    signals, merged, dropped = merge_signals(raw)
    plain = [signal for signal in signals if not importing._C_DIFFERS.search(signal.name)]
    assert len(plain) > 25 and len(plain) < len(signals)
    for kept in (signals, plain):  # with the names libyaml would write otherwise, and without: libyaml writes it
        result = importing.ImportResult(
            company_signals=importing.CompanySignals(
                company=importing.Company(name="Acme: Inc", slug="acme", as_of="2026-01-31"), signals=kept
            ),
            sources=["test.yml"],
            raw_entries=len(raw),
            merged=merged,
            dropped=dropped,
        )
        fast = importing.render_signals_file(result)
        monkeypatch.setattr(importing, "_C_DUMPER", None)
        assert importing.render_signals_file(result) == fast
        monkeypatch.undo()
    assert getattr(yaml, "CSafeDumper", None) is importing._C_DUMPER
