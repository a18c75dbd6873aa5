"""Shared fixtures: project paths, the taxonomy, the Spotify signals, a clean CLI runner, drafts in process.

The suite's speed-ups (caches in front of product functions, an fsync no-op, collector tuning, scheduling)
are not here: they are the plugin tests/speedups.py, which NAFTIKO_TEST_NO_SPEEDUPS=1 switches off.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from naftiko_writer.scoring.companies import load_company
from naftiko_writer.scoring.models import CompanySignals, ScoreCard, SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import Scorer, score_company
from naftiko_writer.scoring.taxonomy import load_taxonomy

pytest_plugins = ["tests.speedups"]

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY_DIR = ROOT / "taxonomy"
COMPANIES_DIR = ROOT / "fixtures" / "companies"
SPOTIFY_DIR = COMPANIES_DIR / "spotify"


def _load_anyio_now() -> None:
    """Import the parts of anyio that httpcore's connection pool uses, here at the top of the stack.

    anyio imports them lazily, on first use: inside the first request over a socket, some 300 frames deep.
    pytest rewrites anyio's modules as it imports them (anyio registers a pytest plugin), and on Python 3.11.7
    parsing a module that deep can fail with "SystemError: AST constructor recursion depth mismatch"
    (seen in the first loopback draft of a worker, about one run in four).
    """
    import importlib

    import anyio

    for name in ("CancelScope", "Event", "Lock", "Semaphore", "create_memory_object_stream", "create_task_group",
                 "fail_after", "sleep", "connect_tcp", "BrokenResourceError", "ClosedResourceError",
                 "EndOfStream", "WouldBlock"):  # fmt: skip
        getattr(anyio, name)
    for module in ("anyio._backends._asyncio", "anyio.abc", "anyio.lowlevel", "anyio.streams.memory",
                   "anyio.streams.stapled", "anyio.streams.tls", "anyio.to_thread"):  # fmt: skip
        importlib.import_module(module)  # the asyncio backend is imported when a loop first needs it


_load_anyio_now()


CALLER_VARIABLES = (
    ("NAFTIKO_WRITER_", "OPENAI_"),  # the tool's own settings and keys (prefixes)
    # What a terminal or CI service sets: colours forced on or off, a width, a pager.
    ("FORCE_COLOR", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"),
    # Proxies (any case): httpx reads them, and a test's loopback request must never go through one.
    ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy"),
)
"""The caller's environment that no test may depend on: removed for every test (and its subprocesses)."""


@pytest.fixture(autouse=True, scope="session")
def _clean_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The one place the test environment is cleaned, once per session and before any other fixture (autouse,
    session scope): no test or session fixture sees the caller's settings, keys, colours, terminal width or
    proxies (CALLER_VARIABLES), or uses their cache (~/.cache/naftiko-writer): caches go to a temporary
    XDG_CACHE_HOME. Subprocesses that tests start inherit the same environment; a test that sets a variable
    with monkeypatch has it undone after that test."""
    prefixes, terminal, proxies = CALLER_VARIABLES
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(prefixes) or name in terminal or name in proxies:
                patch.delenv(name)
        patch.setenv("COLUMNS", "200")
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache-home"))
        yield


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_DIR)


@pytest.fixture(scope="session")
def scorer(taxonomy: Taxonomy) -> Scorer:
    """A scorer of the shipped taxonomy."""
    return Scorer(taxonomy)


def recognised(scorer: Scorer, kind: SignalKind, name: str) -> tuple[SignalKind, set[str]]:
    """What the scorer's matcher makes of one signal: its effective kind and the ids of the dimensions it counts for."""
    _, (effective, _), indexes, _, _ = scorer.matcher.match(kind, name)
    return effective, {scorer.taxonomy.dimensions[index].id for index in indexes}


@pytest.fixture(scope="session")
def spotify_signals() -> CompanySignals:
    return load_company("spotify", COMPANIES_DIR)


@pytest.fixture(scope="session")
def spotify_card(spotify_signals: CompanySignals, taxonomy: Taxonomy) -> ScoreCard:
    return score_company(spotify_signals, taxonomy)


@pytest.fixture(scope="session")
def spotify_expected() -> dict:  # type: ignore[type-arg]
    expected: dict = yaml.safe_load((SPOTIFY_DIR / "expected.yaml").read_text())  # type: ignore[type-arg]
    return expected


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


def make_run(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """A DraftRun for tests: fixtures from the repo, recordings in tmp, fast retries.

    Overrides are the fields of the run and of its groups, by name (`mode=...` goes to the endpoint,
    `engine=...` to the draft options, `taxonomy_dir=...` to the sources); an unknown name is a TypeError.
    """
    import dataclasses

    from naftiko_writer.drafting.run import DraftRun
    from naftiko_writer.options import DEFAULT_BASE_URL, DraftOptions, Endpoint, RetryPolicy, Sources

    groups: dict[type, dict[str, object]] = {
        Sources: {"companies_dir": COMPANIES_DIR, "taxonomy_dir": TAXONOMY_DIR, "prompts_dir": PROMPTS_DIR},
        Endpoint: {
            "recordings_dir": tmp_path / "recordings",
            "api_key": "sk-test-not-a-real-key",
            "retry": RetryPolicy(attempts=4, base_seconds=0.01, max_seconds=0.05),
            "timeout_seconds": 5.0,
        },
        DraftOptions: {},
        DraftRun: {"company": "spotify", "created": FIXED_CREATED},
    }
    nested = {"sources", "endpoint", "options"}
    owner = {f.name: group for group in groups for f in dataclasses.fields(group) if f.name not in nested}
    for name, value in overrides.items():
        if name not in owner:
            raise TypeError(f"make_run: no run or option field {name!r}")
        groups[owner[name]][name] = DEFAULT_BASE_URL if name == "base_url" and value is None else value
    return DraftRun(
        **groups[DraftRun],  # type: ignore[arg-type]
        sources=Sources(**groups[Sources]),  # type: ignore[arg-type]
        endpoint=Endpoint(**groups[Endpoint]),  # type: ignore[arg-type]
        options=DraftOptions(**groups[DraftOptions]),  # type: ignore[arg-type]
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden/ from the current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def invoke_draft(runner: CliRunner, base_url: str, *args: str, company: str = "spotify", mode: str = "live"):  # type: ignore[no-untyped-def]
    """`naftiko-writer draft COMPANY --mode MODE --base-url BASE_URL ARGS...` through the CLI runner."""
    from naftiko_writer.cli import app

    return runner.invoke(app, ["draft", company, "--mode", mode, "--base-url", base_url, *args])


FAKE_BASE_URL = "http://fake-model.invalid/v1"
"""The base URL of drafts answered in process (never resolved: the fake transport answers first)."""


@pytest.fixture(scope="session")
def spotify_prepared():  # type: ignore[no-untyped-def]
    """Spotify loaded, scored and with its prompts, once per session (drafts reuse it)."""
    from naftiko_writer.drafting.run import prepare_company

    run = make_run(Path("/nonexistent"))
    return prepare_company(run.company, run.sources)


def draft_in_process(tmp_path: Path, responder=None, **overrides):  # type: ignore[no-untyped-def]
    """Draft Spotify in `live` mode against the in-process fake model; the report and the transport.

    `prepared` and `previous` go to draft_report (previous sections whose inputs are unchanged are
    reused without a call, so a test can draft only the sections it looks at); the rest to make_run.
    Retries wait no time at all unless a reply says how long (retry-after).
    """
    from naftiko_writer.config import RecordMode
    from naftiko_writer.drafting.pipeline import draft_report
    from naftiko_writer.drafting.run import prepare_company
    from naftiko_writer.drafting.testing import FakeModelTransport
    from naftiko_writer.llm.factory import client_factory
    from naftiko_writer.llm.protocol import RetryPolicy

    transport = FakeModelTransport() if responder is None else FakeModelTransport(responder)
    prepared = overrides.pop("prepared", None)
    previous = overrides.pop("previous", None)
    values: dict[str, object] = {
        "mode": RecordMode.LIVE,
        "base_url": FAKE_BASE_URL,
        "retry": RetryPolicy(attempts=4, base_seconds=0, max_seconds=0),
    }
    run = make_run(tmp_path, **{**values, **overrides})
    report = draft_report(
        run, prepared or prepare_company(run.company, run.sources), previous=previous, clients=client_factory(transport)
    )
    return report, transport


@pytest.fixture(scope="session")
def spotify_clean(tmp_path_factory: pytest.TempPathFactory, spotify_prepared):  # type: ignore[no-untyped-def]
    """One full in-process draft of Spotify with every answer good: (report, transport). Do not modify."""
    return draft_in_process(tmp_path_factory.mktemp("clean"), prepared=spotify_prepared)


@pytest.fixture(scope="session")
def draft_only(tmp_path_factory: pytest.TempPathFactory, spotify_prepared, spotify_clean):  # type: ignore[no-untyped-def]
    """draft_in_process for just some sections: the others are reused from `spotify_clean` without a call."""
    clean_report, _ = spotify_clean

    def draft(sections: set[str], responder=None, **overrides):  # type: ignore[no-untyped-def]
        previous = {key: value for key, value in clean_report.sections.items() if key not in sections}
        return draft_in_process(
            tmp_path_factory.mktemp("only"), responder, prepared=spotify_prepared, previous=previous, **overrides
        )

    return draft


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The in-process fake model in place of the network for this test (CLI drafts in live and record mode).

    Drafts with a model reach the network only through the recording transport's inner
    `httpx2.AsyncHTTPTransport`; this swaps that class for one answering with the returned
    FakeModelTransport (set its `responder` to script faults).
    """
    import httpx2

    from naftiko_writer.drafting.testing import FakeModelTransport

    transport = FakeModelTransport()
    monkeypatch.setattr(httpx2, "AsyncHTTPTransport", lambda *args, **kwargs: transport)
    return transport


@pytest.fixture(scope="session")
def shipped_draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One offline draft of Spotify (replayed from the shipped recordings) for the run (built once, shared by the
    workers); never change it."""
    from naftiko_writer.cli import app

    def build(folder: Path) -> None:
        result = CliRunner().invoke(app, ["draft", "spotify", "--out", str(folder / "spotify.md"), "--quiet"])
        assert result.exit_code == 0, result.stderr

    return built_once_per_run(tmp_path_factory, "shipped", build) / "spotify.md"


@pytest.fixture
def spotify_draft(shipped_draft: Path, tmp_path: Path) -> Path:
    """A private copy of the shipped draft and its sidecar, as tmp_path/spotify.md."""
    target = tmp_path / "spotify.md"
    shutil.copy(shipped_draft, target)
    shutil.copy(shipped_draft.with_suffix(".json"), target.with_suffix(".json"))
    return target


REAL_DIR = ROOT / "fixtures" / "real"
REAL_EDITION = "2026-Q1"


@pytest.fixture(scope="session")
def real_cohort(scorer: Scorer):  # type: ignore[no-untyped-def]
    """The 18 real companies of fixtures/real as one edition, with the prototype's names and industries."""
    import dataclasses

    from naftiko_writer.report.cohort import Cohort, member_of

    listed = yaml.safe_load((ROOT / "fixtures" / "real-industries.yaml").read_text(encoding="utf-8"))
    members = []
    for slug, entry in listed.items():
        card = scorer.score(load_company(str(REAL_DIR / slug), COMPANIES_DIR))
        members.append(dataclasses.replace(member_of(card, entry["industry"]), name=entry["name"]))
    return Cohort(REAL_EDITION, tuple(members))


REAL_INDUSTRIES = ROOT / "fixtures" / "real-industries.yaml"


@pytest.fixture(scope="session")
def real_drafts(taxonomy: Taxonomy, scorer: Scorer, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The 18 real companies, each loaded, scored and drafted with the template engine once a session
    (tests/real_drafts.py: slug -> Drafted); test_drafts_real and test_voice read them. Do not modify."""
    from tests.real_drafts import draft_real_companies

    return draft_real_companies(taxonomy, scorer, tmp_path_factory.mktemp("real"))


def built_once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder `build` fills once per test run: under pytest-xdist the workers share it (the first to take its
    lock builds it, the others wait and read it), so a session fixture of files is not built once per worker.
    Only for folders no test changes (tests copy what they change)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    root = tmp_path_factory.getbasetemp().parent  # the run's base folder; each worker's is below it
    folder = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".built").exists():  # a build that failed left no mark: the next worker tries again
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / ".built").touch()
    return folder


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An edition store holding the 18 real companies as edition 2026-Q1, with their industries (built once a
    run, shared by the workers: tests only read it, or copy it first)."""
    from naftiko_writer.cli import app

    def build(folder: Path) -> None:
        store = folder / "editions.sqlite"
        args = [
            "edition",
            "add",
            REAL_EDITION,
            str(REAL_DIR),
            "--industries",
            str(REAL_INDUSTRIES),
            "--store",
            str(store),
        ]
        result = CliRunner().invoke(app, [*args, "--json"])
        assert result.exit_code == 0, result.stderr

    return built_once_per_run(tmp_path_factory, "real-store", build) / "editions.sqlite"
