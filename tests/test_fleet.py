"""Fleet drafting: many companies streamed through a window, one shared limit served by need, one pool, one table."""

from __future__ import annotations

import asyncio
import gc
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.config import Engine, RecordMode
from naftiko_writer.drafting.fleet import draft_fleet, window_size
from naftiko_writer.drafting.testing import FakeModelTransport, Reply, fault_reply, template_answer
from naftiko_writer.llm.factory import Shared, client_factory
from naftiko_writer.llm.function_client import FunctionClient
from naftiko_writer.llm.protocol import ChatRequest, LLMClient, RetryPolicy
from naftiko_writer.options import Endpoint
from naftiko_writer.report.plan import EXECUTIVE_SUMMARY, GROWTH, STRATEGIC, STRENGTHS
from tests.conftest import COMPANIES_DIR, FAKE_BASE_URL, VALID_SIGNALS, make_run, write
from tests.fake_server import FakeOpenAIServer, ScriptedResponder


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


def _companies(folder: Path, count: int) -> list[str]:
    """`count` small signal files, co00, co01, ..."""
    return [
        str(
            write(folder / f"co{n:02d}.yaml", VALID_SIGNALS.replace("Acme", f"Co{n:02d}").replace("acme", f"co{n:02d}"))
        )
        for n in range(count)
    ]


@dataclass
class FunctionClients:
    """A ClientFactory of FunctionClients: every request logged as (company, section), open clients counted."""

    answer: Callable[[str, ChatRequest], str] = lambda _, request: template_answer(request)
    log: list[tuple[str, str]] = field(default_factory=list)
    open: int = 0
    peak_open: int = 0
    built: int = 0

    def __call__(
        self,
        endpoint: Endpoint,
        subject: str,
        *,
        offline_hint: str,
        on_retry: Callable[[str], None] | None = None,
        shared: Shared | None = None,
    ) -> LLMClient:
        self.open += 1
        self.built += 1
        self.peak_open = max(self.peak_open, self.open)

        def answer(request: ChatRequest) -> str:
            self.log.append((subject, request.section_id))
            return self.answer(subject, request)

        factory = self

        class Counted(FunctionClient):
            async def close(self) -> None:
                factory.open -= 1
                await super().close()

        return Counted(answer)


def _live(tmp_path: Path, concurrency: int):  # type: ignore[no-untyped-def]
    return make_run(tmp_path, mode=RecordMode.LIVE, base_url=FAKE_BASE_URL, concurrency=concurrency)


def test_a_fleet_of_many_companies_never_loads_more_than_its_window(tmp_path: Path) -> None:
    companies = _companies(tmp_path / "in", 12)
    clients = FunctionClients()
    results = draft_fleet(_live(tmp_path, 8), companies, tmp_path / "drafts", "stamp", _ignore, clients, window=3)
    assert clients.built == 12 and clients.peak_open == 3  # a company's client lives from its load to its draft
    assert [r.company for r in results] == [f"co{n:02d}" for n in range(12)]
    assert all(r.summary is not None and r.summary.sections == 61 and r.files is not None for r in results)
    assert not hasattr(results[0], "report")  # a summary row is kept, not the report
    assert window_size(_live(tmp_path, 32)) == 34 and window_size(make_run(tmp_path, engine=Engine.TEMPLATE)) == 2


def test_a_synthesis_section_goes_before_another_companys_first_level_once_its_inputs_are_done(
    tmp_path: Path,
) -> None:
    companies = _companies(tmp_path / "in", 2)
    clients = FunctionClients()
    draft_fleet(_live(tmp_path, 1), companies, tmp_path / "drafts", "stamp", _ignore, clients)
    first_of_second = clients.log.index(("co01", "layer:foundational"))
    assert clients.log.index(("co00", STRATEGIC)) < first_of_second
    assert clients.log.index(("co00", EXECUTIVE_SUMMARY)) < first_of_second
    # Within a draft, the two tables the strategic assessment needs are asked first.
    assert [section for _, section in clients.log[:3]] == [STRENGTHS, GROWTH, "layer:foundational"]


def test_a_429_storm_on_one_company_does_not_starve_the_others(tmp_path: Path) -> None:
    """Every request of co00 is rate limited, retry after a second: its 61 sections wait it out without the one slot,
    and co01 drafts meanwhile (with the slot held through the wait, co01 would start once co00 was done)."""
    companies = _companies(tmp_path / "in", 2)
    log: list[str] = []

    def responder(body: dict[str, object], headers: Mapping[str, str]) -> Reply:
        company = "co00" if "Co00" in json.dumps(body["messages"]) else "co01"
        log.append(company)
        if company == "co00":
            return Reply(429, {"error": {"message": "Rate limit reached"}}, {"retry-after-ms": "1000"})
        return fault_reply("ok", body)

    run = replace(_live(tmp_path, 1), endpoint=replace(_live(tmp_path, 1).endpoint, retry=RetryPolicy(attempts=2)))
    transport = FakeModelTransport(responder)
    results = draft_fleet(run, companies, tmp_path / "drafts", "stamp", _ignore, client_factory(transport))
    storm, other = results
    assert other.summary is not None and other.summary.fallbacks == 0 and other.summary.sections == 61
    assert storm.summary is not None and storm.summary.fallbacks == 61  # no answer came: all marked for review
    assert len(log) == 61 * 2 + 61
    last_storm_request = len(log) - 1 - log[::-1].index("co00")
    assert log[:last_storm_request].count("co01") > 0  # served while co00 waited out its backoff (a held slot: 0)


def test_a_fleet_sends_through_one_connection_pool(tmp_path: Path) -> None:
    """Over a real socket: three companies at limit 4 open at most 4 connections in all (one pool, not three)."""
    companies = _companies(tmp_path / "in", 3)
    with FakeOpenAIServer(ScriptedResponder(latency=0.005)) as server:
        run = make_run(tmp_path, mode=RecordMode.LIVE, base_url=server.base_url, concurrency=4)
        results = draft_fleet(run, companies, tmp_path / "drafts", "stamp", _ignore)
    assert all(r.summary is not None and r.summary.fallbacks == 0 for r in results)
    assert len(server.requests) == 3 * 61
    assert 1 <= len(server.connections) <= 4


@pytest.fixture
def loop_reports(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """What asyncio reports to its loops' exception handlers (a task never retrieved, one destroyed pending)."""
    reports: list[dict[str, object]] = []
    new_loop = asyncio.new_event_loop

    def reporting_loop() -> asyncio.AbstractEventLoop:
        loop = new_loop()
        loop.set_exception_handler(lambda _, context: reports.append(context))
        return loop

    monkeypatch.setattr(asyncio.events, "new_event_loop", reporting_loop)
    return reports


@pytest.mark.parametrize(("count", "window", "interrupted"), [(10, 3, "co06"), (4, 3, "co03")])
def test_an_interrupted_fleet_keeps_every_draft_it_finished(
    tmp_path: Path, loop_reports: list[dict[str, object]], count: int, window: int, interrupted: str
) -> None:
    """Ctrl-C raised as a company starts, while companies are still loaded (co06 of 10) or once the last one is
    (co03 of 4: the fleet waits on its last companies): every draft finished is written, and every task unwinds
    before the loop closes (asyncio reports nothing: no exception never retrieved, no task destroyed pending)."""
    companies = _companies(tmp_path / "in", count)

    def answer(company: str, request: ChatRequest) -> str:
        if company == interrupted:
            raise KeyboardInterrupt
        return template_answer(request)

    with pytest.raises(KeyboardInterrupt):
        draft_fleet(
            _live(tmp_path, 4), companies, tmp_path / "drafts", "stamp", _ignore, FunctionClients(answer), window
        )
    gc.collect()  # a task left pending or unretrieved is reported as it is collected
    assert [context["message"] for context in loop_reports] == []
    written = sorted(path.parent.name for path in (tmp_path / "drafts").glob("*/stamp.md"))
    assert len(written) >= int(interrupted[2:]) - window + 1 and "co00" in written and interrupted not in written
    for company in written:
        sidecar = json.loads((tmp_path / "drafts" / company / "stamp.json").read_text())
        assert sidecar["summary"]["sections"] == 61


def _ignore(_: object) -> None:
    return None
