"""Fleet drafting: many companies, one shared concurrency limit, one summary table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.testing import FakeModelTransport
from tests.conftest import COMPANIES_DIR, FAKE_BASE_URL, VALID_SIGNALS, write
from tests.fake_server import ScriptedResponder


@pytest.fixture
def fleet_dir(tmp_path: Path) -> Path:
    """A folder of three signal files: Acme, Globex and Initech."""
    folder = tmp_path / "fleet"
    for slug in ("acme", "globex", "initech"):
        write(folder / f"{slug}.yaml", VALID_SIGNALS.replace("Acme", slug.title()).replace("acme", slug))
    return folder


def test_a_folder_of_companies_shares_one_concurrency_limit(
    runner: CliRunner, tmp_path: Path, fleet_dir: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    """In process (the fleet's limit is its own semaphore, not the transport's); each answer takes 10 ms, so that
    requests overlap as far as the limit lets them."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-fleet")
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    fake_model.responder = ScriptedResponder(latency=0.01)
    result = runner.invoke(
        app, ["draft", str(fleet_dir), "--mode", "live", "--base-url", FAKE_BASE_URL, "--concurrency", "4", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["company"] for row in rows] == ["acme", "globex", "initech"]
    assert len(fake_model.requests) == 3 * 61
    assert fake_model.peak_in_flight == 4  # across all three companies, never more
    for row in rows:
        assert Path(row["markdown"]).parent == tmp_path / "drafts" / row["company"]
        assert row["summary"]["sections"] == 61 and row["summary"]["fallbacks"] == 0
        assert not (tmp_path / "drafts" / row["company"] / ".checkpoint.jsonl").exists()


def test_all_companies_with_one_broken_gives_a_table_and_exit_1(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    companies = tmp_path / "companies"
    shutil.copytree(COMPANIES_DIR / "spotify", companies / "spotify")
    write(companies / "acme" / "signals.yaml", VALID_SIGNALS)
    write(companies / "broken" / "signals.yaml", "company: [unclosed\n")
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    result = runner.invoke(app, ["draft", "--all", "--engine", "template", "--companies-dir", str(companies)])
    assert result.exit_code == 1
    table = result.stderr
    assert "3 companies in" in table and "acme" in table and "spotify" in table
    assert "Error: broken:" in table
    assert len(list((tmp_path / "drafts").glob("*/*.md"))) == 2


def test_a_fleet_refuses_single_draft_options(runner: CliRunner, fleet_dir: Path) -> None:
    result = runner.invoke(app, ["draft", str(fleet_dir), "--out", "x.md"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --out, --update and --html take one company")


def test_draft_with_no_company_says_what_to_give(runner: CliRunner) -> None:
    result = runner.invoke(app, ["draft"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no company given;")
