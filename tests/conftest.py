"""Shared fixtures: project paths, the taxonomy, the Spotify signals, a clean CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from naftiko_writer.scoring.companies import load_company
from naftiko_writer.scoring.models import CompanySignals, ScoreCard, Taxonomy
from naftiko_writer.scoring.scorer import score_company
from naftiko_writer.scoring.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY_DIR = ROOT / "taxonomy"
COMPANIES_DIR = ROOT / "fixtures" / "companies"
SPOTIFY_DIR = COMPANIES_DIR / "spotify"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's settings or keys."""
    import os

    for name in list(os.environ):
        if name.startswith("NAFTIKO_WRITER_") or name.startswith("OPENAI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_DIR)


@pytest.fixture(scope="session")
def spotify_signals() -> CompanySignals:
    return load_company("spotify", COMPANIES_DIR)


@pytest.fixture(scope="session")
def spotify_card(spotify_signals: CompanySignals, taxonomy: Taxonomy) -> ScoreCard:
    return score_company(spotify_signals, taxonomy)


@pytest.fixture(scope="session")
def spotify_expected() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((SPOTIFY_DIR / "expected.yaml").read_text())


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def taxonomy_copy(tmp_path: Path) -> Path:
    """A writable copy of the taxonomy folder, for tests that break it."""
    target = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, target)
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


VALID_SIGNALS = """\
company:
  name: Acme
  slug: acme
  as_of: 2026-01-31
signals:
  - {kind: service, name: Amazon Web Services}
  - {kind: tool, name: Terraform, evidence: 3}
  - {kind: concept, name: machine learning}
"""


PROMPTS_DIR = ROOT / "prompts"
RECORDINGS_DIR = ROOT / "fixtures" / "recordings"
FIXED_CREATED = "2026-11-24T00:00:00+00:00"


def make_job(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """A DraftJob for tests: fixtures from the repo, recordings in tmp, fast retries."""
    from naftiko_writer.drafting.pipeline import DraftJob
    from naftiko_writer.llm.client import RetryPolicy

    values: dict[str, object] = {
        "company": "spotify",
        "companies_dir": COMPANIES_DIR,
        "taxonomy_dir": TAXONOMY_DIR,
        "prompts_dir": PROMPTS_DIR,
        "recordings_dir": tmp_path / "recordings",
        "created": FIXED_CREATED,
        "api_key": "sk-test-not-a-real-key",
        "retry": RetryPolicy(attempts=4, base_seconds=0.01, max_seconds=0.05),
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return DraftJob(**values)  # type: ignore[arg-type]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def invoke_draft(runner: CliRunner, base_url: str, *args: str, company: str = "spotify", mode: str = "live"):  # type: ignore[no-untyped-def]
    """`naftiko-writer draft COMPANY --mode MODE --base-url BASE_URL ARGS...` through the CLI runner."""
    from naftiko_writer.cli import app

    return runner.invoke(app, ["draft", company, "--mode", mode, "--base-url", base_url, *args])
