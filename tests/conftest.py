"""Shared fixtures: project paths, the taxonomy, the Spotify signals, a clean CLI runner."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from naftiko_writer.scoring.companies import load_company
from naftiko_writer.scoring.models import CompanySignals, ScoreCard, SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import Scorer, score_company
from naftiko_writer.scoring.taxonomy import load_taxonomy

# A test process holds large session caches (drafts, taxonomies, parsed files), and every collection of the
# oldest generation walks all of them: with Python's default thresholds (700, 10, 10) some two dozen full
# collections cost about 4 s of a serial run. Collecting young objects less often lets fewer short-lived
# objects reach the old generations (measured with gc.callbacks: 4.7 s of collecting before, 0.9 s after).
gc.set_threshold(50_000, 50, 100)

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


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Collect once, then freeze what survives: on its way out pytest collects five more times (to report
    unraisable exceptions) and the interpreter once more, and each full pass over the session's caches cost
    about 0.15 s of every worker's shutdown."""
    gc.collect()
    gc.freeze()


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


@pytest.fixture(autouse=True, scope="session")
def _no_fsync() -> Iterator[None]:
    """fsync is a no-op in the test process: no test can observe it (it guards against power loss), and on
    this disk each call costs milliseconds, 61 of them per checkpointed draft. Subprocesses still fsync."""
    real = os.fsync
    os.fsync = lambda fd: None
    yield
    os.fsync = real


@pytest.fixture(autouse=True, scope="session")
def _reuse_loaded_taxonomies() -> Iterator[None]:
    """In the test process a taxonomy is parsed once per content.

    Drafts and `score` go through scoring/taxonomy_cache (kept in memory per process), but `export` and
    `taxonomy suggest` call `load_taxonomy` itself (about 0.3 s: 200 KB of YAML, cross-checked). Both
    parse through `parse_taxonomy`, which is given each file's path and bytes: the same paths and bytes
    get the same parsed taxonomy, a test that edits a copy gets a fresh parse, and a taxonomy that fails
    is never kept (its error is raised each time). Test modules that imported `parse_taxonomy`
    themselves keep the real one.
    """
    from naftiko_writer.scoring import taxonomy

    real_parse = taxonomy.parse_taxonomy
    parsed: dict[tuple[tuple[str, bytes], ...], Taxonomy] = {}

    def parse_taxonomy(contents: list[tuple[Path, bytes]]) -> Taxonomy:
        key = tuple((str(path), data) for path, data in contents)
        if key not in parsed:
            parsed[key] = real_parse(contents)
        return parsed[key]

    taxonomy.parse_taxonomy = parse_taxonomy  # type: ignore[assignment]
    yield
    taxonomy.parse_taxonomy = real_parse  # type: ignore[assignment]


@pytest.fixture(autouse=True, scope="session")
def _reuse_built_vocabularies() -> Iterator[None]:
    """In the test process a draft's grounding vocabulary is built once per taxonomy and set of names.

    Every draft builds it (about 18 ms for the shipped taxonomy, some 160 drafts a run); it depends only on
    the taxonomy (its digest covers every file it was loaded from) and the kind and name of each of the
    company's signals, and nothing changes a Vocabulary once built. Test modules that imported
    `build_vocabulary` themselves keep the real one.
    """
    from naftiko_writer.drafting import grounding, run

    real_build = grounding.build_vocabulary
    built: dict[tuple[object, ...], grounding.Vocabulary] = {}

    def build_vocabulary(taxonomy: Taxonomy, company_signals: CompanySignals | None = None) -> grounding.Vocabulary:
        names = None if company_signals is None else tuple((s.kind, s.name) for s in company_signals.signals)
        key = (taxonomy.digest, names)
        if key not in built:
            built[key] = real_build(taxonomy, company_signals)
        return built[key]

    assert vars(run)["build_vocabulary"] is real_build  # the name drafts call it by
    vars(run)["build_vocabulary"] = build_vocabulary
    yield
    vars(run)["build_vocabulary"] = real_build


@pytest.fixture(autouse=True, scope="session")
def _reuse_parsed_yaml() -> Iterator[None]:
    """In the test process a YAML text is parsed once: later reads get a copy of the first result.

    Tests load the taxonomy (about 200 KB of YAML, 90 ms to parse) in dozens of variants that each change one
    file, and the same company lists again and again: some 8 MB of YAML a run. The result depends only on the
    text and the two flags (the path only names the file in errors, and a text that fails is never kept, so
    its error is raised each time). Copies come from a pickle of the first result (a fifth of a parse), so no
    caller can change what another reads. Test modules that imported `parse_yaml` themselves keep the real one.
    """
    import pickle

    from naftiko_writer import data_files
    from naftiko_writer.scoring import raw_lists

    real_parse = data_files.parse_yaml
    parsed: dict[tuple[str, bool, bool], bytes] = {}

    def parse_yaml(path: Path, text: str, track_lines: bool, *, allow_empty: bool = False):  # type: ignore[no-untyped-def]
        key = (text, track_lines, allow_empty)
        if key not in parsed:
            result = real_parse(path, text, track_lines, allow_empty=allow_empty)
            parsed[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            return result
        return pickle.loads(parsed[key])

    patched = [data_files, raw_lists]
    assert all(vars(module)["parse_yaml"] is real_parse for module in patched)
    for module in patched:
        vars(module)["parse_yaml"] = parse_yaml
    yield
    for module in patched:
        vars(module)["parse_yaml"] = real_parse


@pytest.fixture(autouse=True, scope="session")
def _reuse_loaded_companies() -> Iterator[None]:
    """In the test process a company's signals file is parsed once per content, and scored once per taxonomy.

    Every draft loads and scores its company (about 11 ms for Spotify, some 250 loads a run). A signals file
    is reused by its path and bytes (regular files under 1 MB only; a file that fails to load is never kept,
    so its error is raised each time); a ScoreCard by the taxonomy's digest and the very CompanySignals
    object scored (kept alive here, so its id stays its own). Both are frozen. Test modules that imported
    `load_signals` or `score_company` themselves keep the real ones (drafting scores through run.score_with).
    """
    from naftiko_writer.drafting import run
    from naftiko_writer.scoring import companies, signal_files

    real_load = signal_files.load_signals
    real_score = run.score_with
    loaded: dict[tuple[str, bytes], CompanySignals] = {}
    scored: dict[tuple[str, int], tuple[CompanySignals, ScoreCard]] = {}

    def load_signals(path: Path) -> CompanySignals:
        try:
            data = path.read_bytes() if path.is_file() and path.stat().st_size < 1_000_000 else None
        except OSError:
            data = None
        if data is None:
            return real_load(path)
        key = (str(path), data)
        if key not in loaded:
            loaded[key] = real_load(path)
        return loaded[key]

    def score_with(inputs: run.RunInputs, company_signals: CompanySignals) -> ScoreCard:
        key = (inputs.taxonomy.digest, id(company_signals))
        held = scored.get(key)
        if held is None or held[0] is not company_signals:
            held = scored[key] = (company_signals, real_score(inputs, company_signals))
        return held[1]

    assert vars(companies)["load_signals"] is real_load and vars(run)["score_with"] is real_score
    vars(companies)["load_signals"] = load_signals
    vars(run)["score_with"] = score_with
    yield
    vars(companies)["load_signals"] = real_load
    vars(run)["score_with"] = real_score


@pytest.fixture(autouse=True, scope="session")
def _build_the_cli_once() -> Iterator[None]:
    """CliRunner.invoke builds the click command from the typer app on every call (about 0.1 s, a few
    hundred calls); it is built once per app here. Each invocation still gets a fresh click context."""
    import typer.testing

    real = typer.testing._get_command  # type: ignore[attr-defined]
    built: dict[int, tuple[object, object]] = {}

    def get_command(app: object):  # type: ignore[no-untyped-def]
        held = built.get(id(app))
        if held is None or held[0] is not app:
            held = built[id(app)] = (app, real(app))  # type: ignore[arg-type]
        return held[1]

    typer.testing._get_command = get_command  # type: ignore[attr-defined,assignment]
    yield
    typer.testing._get_command = real  # type: ignore[attr-defined]


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


LONG_FIRST = frozenset({"test_wheel", "test_publish", "test_drafts_real", "test_layering", "test_resume", "test_runs"})


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`--dist loadgroup`, set in pyproject), the tests of a module that use one of
    its module-scoped fixtures run on one worker, so that fixture (18 real companies drafted, say) is
    built once, not once per worker. Every other test goes to whichever worker is free."""
    # The long tests (processes, browsers, real sockets, 18 companies) start first, so that the short ones
    # fill both workers at the end instead of one long test running alone there.
    items.sort(key=lambda item: item.path.stem not in LONG_FIRST)
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info is not None else ()
        if any(defs and defs[-1].scope == "module" for defs in definitions):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


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
    """One offline draft of Spotify (replayed from the shipped recordings) for the session; never change it."""
    from naftiko_writer.cli import app

    out = tmp_path_factory.mktemp("shipped") / "spotify.md"
    result = CliRunner().invoke(app, ["draft", "spotify", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.stderr
    return out


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
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An edition store holding the 18 real companies as edition 2026-Q1, with their industries (built once)."""
    from naftiko_writer.cli import app

    store = tmp_path_factory.mktemp("store") / "editions.sqlite"
    args = ["edition", "add", REAL_EDITION, str(REAL_DIR), "--industries", str(REAL_INDUSTRIES), "--store", str(store)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    return store
