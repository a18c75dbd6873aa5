"""The registry of source formats: each format's reader, the suffixes derived from it, and JSON read by data_files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.errors import InputError
from naftiko_writer.scoring import sources
from naftiko_writer.scoring.companies import collect_sources, load_company
from naftiko_writer.scoring.importing import import_signals
from naftiko_writer.scoring.models import SignalKind
from naftiko_writer.scoring.sources import (
    COMPANY_FILE_SUFFIXES,
    COMPANY_FORMATS,
    IMPORT_FORMATS,
    company_format,
    read_raw_source,
)
from tests.conftest import VALID_SIGNALS, write

SAMPLES = {
    "folder of name lists": ("acme", {"services.yml": "- Jira\n- jira\n", "concepts.json": '["Scrum"]'}),
    "CSV file": ("acme.csv", "service,Jira\nservice,jira\nconcept,Scrum\n"),
    "JSON file of rows or lists": ("acme.json", json.dumps({"services": ["Jira", "jira"], "concepts": ["Scrum"]})),
}
"""One small source of every raw format: the same three entries (two spellings of one service, one concept)."""


def _sample(tmp_path: Path, name: str) -> Path:
    target, content = SAMPLES[name]
    if isinstance(content, dict):
        for file, text in content.items():
            write(tmp_path / target / file, text)
    else:
        write(tmp_path / target, content)
    return tmp_path / target


def test_every_raw_format_has_a_sample_and_its_reader_reads_it(tmp_path: Path) -> None:
    raw_formats = {form.name for form in (*COMPANY_FORMATS, *IMPORT_FORMATS) if form.read_raw is not None}
    assert raw_formats == set(SAMPLES)
    for name in SAMPLES:
        (entries, dropped), _ = read_raw_source(_sample(tmp_path / name.replace(" ", "-"), name))
        assert [(entry.kind, entry.name) for entry in entries] == [
            (SignalKind.SERVICE, "Jira"),
            (SignalKind.SERVICE, "jira"),
            (SignalKind.CONCEPT, "Scrum"),
        ], name
        assert dropped == []


def test_the_suffixes_come_from_the_registry() -> None:
    assert COMPANY_FILE_SUFFIXES == (".yaml", ".yml", ".json", ".csv")
    assert sources.SIGNAL_SUFFIXES == (".yaml", ".yml", ".json")
    assert company_format(Path("a.CSV")) is sources.CSV_ROWS
    assert company_format(Path("a.json")) is sources.SIGNALS_FILE  # a company named by a .json is a signals file
    assert company_format(Path("a.txt")) is None


def test_a_folder_of_companies_holds_every_company_format(tmp_path: Path) -> None:
    write(tmp_path / "fleet" / "a.yaml", VALID_SIGNALS)
    write(tmp_path / "fleet" / "b.csv", "service,Jira\n")
    write(tmp_path / "fleet" / "c" / "services.yml", "- Jira\n")
    write(tmp_path / "fleet" / "d" / "signals.json", json.dumps({"company": {}, "signals": []}))
    write(tmp_path / "fleet" / "notes.txt", "not a company")
    found = [Path(path).relative_to(tmp_path / "fleet").as_posix() for path in collect_sources(tmp_path / "fleet")]
    assert found == ["a.yaml", "b.csv", "c", "d/signals.json"]
    assert load_company(str(tmp_path / "fleet" / "b.csv"), tmp_path).company.slug == "b"


def test_import_says_what_it_reads_from_the_registry(tmp_path: Path) -> None:
    with pytest.raises(InputError) as raised:
        import_signals(write(tmp_path / "x.yaml", "- Jira\n"))
    assert (
        str(raised.value)
        == f"{tmp_path / 'x.yaml'}: cannot import a .yaml file; give a folder of name lists, a .csv or a .json"
    )
    with pytest.raises(InputError, match=r"no such file or folder; give a folder of name lists, a \.csv or a \.json$"):
        import_signals(tmp_path / "missing.csv")


def test_raw_json_is_read_by_data_files_with_the_line_of_a_repeated_key(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "acme.json", '{\n  "services": ["Jira"],\n  "services": ["Slack"]\n}\n')
    result = runner.invoke(app, ["import", str(path), "--out", str(tmp_path / "acme.yaml")])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {path}: line 1: key 'services' appears twice in one object\n",
    )
    listed = write(tmp_path / "lists" / "services.json", '["Jira", {"a": 1, "a": 2}]')
    with pytest.raises(InputError, match=r"services\.json: line 1: key 'a' appears twice in one object"):
        import_signals(listed.parent)
    deep = write(tmp_path / "deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested too deeply"):
        import_signals(deep)
