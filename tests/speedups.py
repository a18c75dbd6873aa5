"""The test suite's speed-ups, all in one switchable place: `NAFTIKO_TEST_NO_SPEEDUPS=1` runs the suite without any.

None of them changes what a test checks; they only spare the suite work it would repeat. Each product
function replaced here is replaced in the module that calls it by name, and a test module that imported the
function itself keeps the real one, so the tests of those functions test the real ones either way. CI runs
the suite both ways (.ci/run), so the shortcuts demonstrably change no result; `pytest` prints which way a
run goes in its header. The speed-ups, and why each is safe:

- the collector (test process): Python's cyclic collector runs far less often (`GC_THRESHOLDS`), and at the
  end of the session what survives is collected once and frozen. The session caches below are large, and
  every full collection walks all of them: with the default thresholds some two dozen full collections cost
  about 4 s of a serial run (measured with gc.callbacks: 4.7 s collecting, 0.9 s after), and pytest's own
  exit-time collections about 0.15 s of every worker's shutdown. Reference counting frees the rest as ever.
- `os.fsync` is a no-op in the test process: it guards against power loss, which no test can observe, and
  each call costs milliseconds on this disk (61 per checkpointed draft). Subprocesses still fsync.
- a taxonomy is parsed once per content (`scoring.taxonomy.parse_taxonomy`, keyed by every file's path and
  bytes; a taxonomy that fails is never kept).
- a draft's grounding vocabulary is built once per taxonomy and set of names (`drafting.run.build_vocabulary`,
  and `drafting.industry_draft.build_vocabulary` for industry drafts and checks).
- a YAML text is parsed once (`data_files.parse_yaml`, as `data_files` and `scoring.raw_lists` call it); later
  reads get a copy (from a pickle), so no caller can change what another reads.
- a signals file is loaded once per path and bytes (`scoring.companies.load_signals`), and a company scored
  once per taxonomy and CompanySignals object (`drafting.run.score_with`); both results are frozen.
- a company given as raw name lists (the 18 of fixtures/real) is imported once per path and bytes of its
  folder's files (`scoring.companies.import_signals`); what load_company takes of it is frozen.
- the CLI runner's click command is built once per app (`typer.testing._get_command`, typer's private helper
  that CliRunner calls on every invoke); each invocation still gets a fresh click context.
- scheduling under pytest-xdist: the long tests start first, and the tests of a module sharing a
  module-scoped fixture stay on one worker, so that fixture is built once, not once per worker (as do
  the tests of every module reading the session's template drafts of the 18 real companies).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from naftiko_writer.scoring.models import CompanySignals, ScoreCard, Taxonomy

ENABLED = os.environ.get("NAFTIKO_TEST_NO_SPEEDUPS", "") in ("", "0")
"""Off when NAFTIKO_TEST_NO_SPEEDUPS is set to anything but 0 (read once, when pytest loads this plugin)."""
GC_THRESHOLDS = (50_000, 50, 100)
"""The test process's collector thresholds (Python's defaults are 700, 10, 10)."""
LONG_FIRST = frozenset({"test_wheel", "test_publish", "test_drafts_real", "test_layering", "test_resume", "test_runs"})
"""Test modules that start first: processes, browsers, real sockets, 18 companies."""
SHARED_SESSION_FIXTURES = frozenset({"real_drafts"})
"""Session fixtures that several modules read and that take seconds to build: their tests share one worker."""


class SpeedUps:
    """The speed-ups as one plugin object: registered only when they are on."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Collect once, then freeze what survives: on its way out pytest collects five more times (to report
        unraisable exceptions) and the interpreter once more, each a full pass over the session's caches."""
        gc.collect()
        gc.freeze()

    @pytest.fixture(autouse=True, scope="session")
    @classmethod
    def _no_fsync(cls) -> Iterator[None]:
        """fsync is a no-op in the test process: no test can observe it (it guards against power loss), and on
        this disk each call costs milliseconds, 61 of them per checkpointed draft. Subprocesses still fsync."""
        real = os.fsync
        os.fsync = lambda fd: None
        yield
        os.fsync = real

    @pytest.fixture(autouse=True, scope="session")
    @classmethod
    def _reuse_loaded_taxonomies(cls) -> Iterator[None]:
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
    @classmethod
    def _reuse_built_vocabularies(cls) -> Iterator[None]:
        """In the test process a draft's grounding vocabulary is built once per taxonomy and set of names.

        Every draft builds it (about 18 ms for the shipped taxonomy, some 160 drafts a run), and so does every
        industry draft and industry check (for the names of a whole industry: 35 ms, some 60 a run); it depends
        only on the taxonomy (its digest covers every file it was loaded from) and the kind and name of each of
        the company's signals, and nothing changes a Vocabulary once built. Test modules that imported
        `build_vocabulary` themselves keep the real one.
        """
        from naftiko_writer.drafting import grounding, industry_draft, run

        real_build = grounding.build_vocabulary
        built: dict[tuple[object, ...], grounding.Vocabulary] = {}

        def build_vocabulary(taxonomy: Taxonomy, company_signals: CompanySignals | None = None) -> grounding.Vocabulary:
            names = None if company_signals is None else tuple((s.kind, s.name) for s in company_signals.signals)
            key = (taxonomy.digest, names)
            if key not in built:
                built[key] = real_build(taxonomy, company_signals)
            return built[key]

        patched = [run, industry_draft]  # the names company drafts, and industry drafts and checks, call it by
        assert all(vars(module)["build_vocabulary"] is real_build for module in patched)
        for module in patched:
            vars(module)["build_vocabulary"] = build_vocabulary
        yield
        for module in patched:
            vars(module)["build_vocabulary"] = real_build

    @pytest.fixture(autouse=True, scope="session")
    @classmethod
    def _reuse_parsed_yaml(cls) -> Iterator[None]:
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
    @classmethod
    def _reuse_loaded_companies(cls) -> Iterator[None]:
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
    @classmethod
    def _reuse_imported_companies(cls) -> Iterator[None]:
        """In the test process a company given as raw name lists is imported once per content.

        The 18 real companies (fixtures/real) are folders of name lists, imported on the fly by every draft,
        edition add and cohort of them (about 19 ms each, Goldman Sachs 27 ms, some 200 imports a run). An
        import is reused by the source's path and the name and bytes of every entry of its folder (or of the
        CSV file), when each is a regular file under 1 MB (anything else, a link, a FIFO, a file that cannot
        be read, is imported as ever; a source that fails is never kept, so its error is raised each time).
        Only the imports `load_company` makes (no flags) are reused, and it returns only their CompanySignals,
        a frozen model. Test modules that imported `import_signals` themselves keep the real one.
        """
        import stat

        from naftiko_writer.scoring import companies, importing

        real_import = importing.import_signals
        imported: dict[tuple[object, ...], importing.ImportResult] = {}

        def contents(source: Path) -> tuple[tuple[str, bytes], ...] | None:
            try:
                entries = sorted(source.iterdir()) if source.is_dir() else [source]
                found = []
                for entry in entries:
                    info = entry.lstat()
                    if not stat.S_ISREG(info.st_mode) or info.st_size >= 1_000_000:
                        return None
                    found.append((entry.name, entry.read_bytes()))
            except OSError:
                return None
            return tuple(found)

        def import_signals(source: Path, **details: object) -> importing.ImportResult:
            held = None if details else contents(source)
            if held is None:
                return real_import(source, **details)  # type: ignore[arg-type]
            key = (str(source), held)
            if key not in imported:
                imported[key] = real_import(source)
            return imported[key]

        assert vars(companies)["import_signals"] is real_import  # the name load_company calls it by
        vars(companies)["import_signals"] = import_signals
        yield
        vars(companies)["import_signals"] = real_import

    @pytest.fixture(autouse=True, scope="session")
    @classmethod
    def _build_the_cli_once(cls) -> Iterator[None]:
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

    @pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the marks
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        """Under pytest-xdist (`--dist loadgroup`, set in pyproject), the tests of a module that use one of
        its module-scoped fixtures run on one worker, so that fixture is built once, not once per worker, and
        so do the tests of any module that use one of SHARED_SESSION_FIXTURES (the 18 real companies drafted).
        Every other test goes to whichever worker is free."""
        # The long tests (processes, browsers, real sockets, 18 companies) start first, so that the short ones
        # fill both workers at the end instead of one long test running alone there.
        items.sort(key=lambda item: item.path.stem not in LONG_FIRST)
        for item in items:
            info = getattr(item, "_fixtureinfo", None)
            definitions = info.name2fixturedefs.values() if info is not None else ()
            shared = SHARED_SESSION_FIXTURES.intersection(info.names_closure) if info is not None else ()
            if shared:
                item.add_marker(pytest.mark.xdist_group(min(shared)))
            elif any(defs and defs[-1].scope == "module" for defs in definitions):
                item.add_marker(pytest.mark.xdist_group(item.path.stem))


def pytest_configure(config: pytest.Config) -> None:
    """Switch the speed-ups on (unless NAFTIKO_TEST_NO_SPEEDUPS says otherwise), before any test is collected."""
    if ENABLED:
        gc.set_threshold(*GC_THRESHOLDS)
        config.pluginmanager.register(SpeedUps(), "naftiko-speedups")


def pytest_report_header(config: pytest.Config) -> str:
    """Say in the header which way this run goes."""
    how = "on" if ENABLED else "off (NAFTIKO_TEST_NO_SPEEDUPS)"
    return f"naftiko-writer test speed-ups: {how} (tests/speedups.py)"
