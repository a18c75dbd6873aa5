"""Data is printed as data: names holding rich's markup syntax are shown verbatim, never read as style tags."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from tests.conftest import write

BRACKETED = """\
company:
  name: Acme [/i] Corp
  slug: acme
  as_of: 2026-01-31
signals:
  - {kind: service, name: Amazon Web Services}
  - {kind: tool, name: "Terraform [beta]", evidence: 3}
  - {kind: tool, name: "Widget [/b] Pro"}
  - {kind: concept, name: "machine learning [bold]"}
"""
"""A company and signals whose names are markup: a closing tag with no opening one (rich raised on it), an
unknown tag (rich dropped it: `Acme [beta]` printed as `Acme `) and a style name (rich applied it)."""


@pytest.fixture
def bracketed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # relative paths, so no column of a table folds them
    return write(tmp_path / "companies" / "acme" / "signals.yaml", BRACKETED)


def test_score_prints_bracketed_company_and_signal_names_verbatim(runner: CliRunner, bracketed: Path) -> None:
    result = runner.invoke(app, ["score", "companies/acme/signals.yaml"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Acme [/i] Corp — 4 signals as of 2026-01-31")
    assert "Terraform [beta]" in result.stdout  # top evidence of Cloud
    assert "Signals that matched no dimension: Widget [/b] Pro (tool)" in result.stdout


def test_explain_prints_bracketed_signal_names_verbatim(runner: CliRunner, bracketed: Path) -> None:
    result = runner.invoke(app, ["score", "companies/acme/signals.yaml", "--explain", "artificial-intelligence"])
    assert result.exit_code == 0, result.stderr
    assert "machine learning [bold]" in result.stdout


def test_companies_prints_bracketed_names_verbatim(runner: CliRunner, bracketed: Path) -> None:
    result = runner.invoke(app, ["companies", "--companies-dir", "companies"])
    assert result.exit_code == 0, result.stderr
    assert "│ acme │ Acme [/i] Corp │ 2026-01-31 │ 4 " in result.stdout


def test_draft_progress_and_summary_print_bracketed_paths_verbatim(runner: CliRunner, bracketed: Path) -> None:
    signals = write(Path("acme [red] [beta].yaml"), BRACKETED)
    result = runner.invoke(app, ["draft", str(signals), "--engine", "template", "--out", "out [x].md"])
    assert result.exit_code == 0, result.stderr
    assert "Drafting acme [red] [beta].yaml" in result.stderr
    assert "Draft written to out [x].md" in result.stderr


def test_errors_print_bracketed_names_verbatim(runner: CliRunner, bracketed: Path) -> None:
    write(Path("dup [b].yaml"), BRACKETED + '  - {kind: tool, name: "widget [/b] pro"}\n')
    result = runner.invoke(app, ["score", "dup [b].yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: dup [b].yaml: line 10: signals[4]: duplicate tool 'widget [/b] pro' "
        "(same signal as 'Widget [/b] Pro' at line 8)"
    )


def test_a_fleet_lists_a_bracketed_failure_verbatim(runner: CliRunner, bracketed: Path) -> None:
    write(Path("fleet/acme.yaml"), BRACKETED)
    write(Path("fleet/bad [bold].yaml"), "company: [\n")
    result = runner.invoke(app, ["draft", "fleet", "--engine", "template"])
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Error: fleet/bad [bold].yaml: " in result.stderr and "Traceback" not in result.stderr
