"""Fleet drafting: many companies in one run, one shared limit on requests in flight, drafts written as they finish.

A fleet streams: companies are loaded and scored lazily, the next one only while the limit has room
(at least two, at most `window_size` at a time: enough to keep the limit busy), each drafted with the draft use case (use_case.py), so its draft and sidecar are
written as soon as it is done, and only a summary row (`FleetResult`) is kept of it. Memory does not
grow with the number of companies, and an interrupted fleet has written every draft it finished.

One `Limiter` (llm/limiter.py) bounds the model requests of all companies together, so `--concurrency`
is the load the endpoint sees; requests are served by need: the oldest company first (its place is its
order in the fleet), and within a company the synthesis sections and what they wait for first, so
drafts finish one after another instead of all at the end. Every company's client waits out its backoff
without a slot, and all of them send through one connection pool sized to the limit (llm/replay.py's
SharedPool); each keeps its own recordings. A company that fails (a bad signals file, a missing recording) is reported
and does not stop the others. Two inputs with one slug would write one draft folder and share a
checkpoint: the same data given twice is drafted once, different data under one slug is an error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from naftiko_writer import event_loop
from naftiko_writer.document.draft_files import DraftFiles
from naftiko_writer.drafting.pipeline import EventHandler
from naftiko_writer.drafting.run import DraftRun, Prepared, RunInputs, load_run_inputs
from naftiko_writer.drafting.use_case import DraftTarget, draft_to_files_async
from naftiko_writer.errors import InputError, NaftikoWriterError
from naftiko_writer.llm.factory import ClientFactory, Shared, open_client, share_clients
from naftiko_writer.llm.limiter import Limiter
from naftiko_writer.options import RecordMode
from naftiko_writer.report.model import DraftSummary
from naftiko_writer.scoring.companies import collect_sources, list_companies

MIN_WINDOW = 2
"""Companies loaded however busy the limit is (the next is ready when one finishes)."""


@dataclass
class FleetResult:
    """How one company of a fleet went: its summary row (the report itself is dropped once written)."""

    company: str
    summary: DraftSummary | None = None
    files: DraftFiles | None = None
    error: str | None = None
    seconds: float = 0.0


def fleet_targets(names: Iterable[str], everything: bool, companies_dir: Path) -> list[str]:
    """Companies to draft: slugs and signal-file paths as given, every fixture for --all, folders expanded."""
    targets: list[str] = [company.slug for company in list_companies(companies_dir)] if everything else []
    for name in names:
        folder = Path(name)
        if folder.is_dir():  # signals files, CSVs, folders of name lists, fixture folders
            targets += collect_sources(folder)
        else:
            targets.append(name)
    unique = list(dict.fromkeys(targets))
    if not unique:
        raise InputError(f"{companies_dir}: no companies to draft; give slugs, signal files or a folder")
    return unique


def window_size(run: DraftRun) -> int:
    """The most companies loaded at once: 2 + the limit with a model, 2 for the template engine.

    With a model, the next company is loaded only while the limit has room (see `draft_fleet`), so the
    window grows past two only when the companies loaded wait on slow calls; it never passes this.
    """
    if run.model_endpoint is None:
        return 2
    return 2 + max(1, run.options.concurrency)


async def _draft_one(
    run: DraftRun,
    place: int,
    target: DraftTarget,
    limit: Limiter,
    on_event: EventHandler,
    claimed: dict[str, tuple[str, str]],
    clients: ClientFactory,
    inputs: RunInputs,
) -> FleetResult | None:
    """Draft one company of the fleet; None when the same company was already given under another name."""
    started = time.perf_counter()
    result = FleetResult(company=run.company)

    def admit(run: DraftRun, prepared: Prepared) -> bool:
        slug = prepared.card.company.slug
        result.company = slug
        digest = prepared.signals_digest
        first, first_digest = claimed.setdefault(slug, (run.company, digest))
        if first == run.company:
            return True
        if first_digest == digest:
            return False
        raise InputError(
            f"{run.company}: has the slug {slug!r} like {first}, but other data; both would write "
            f"{target.drafts_dir / slug} and share a checkpoint. Give one of them another slug (company.slug)"
        )

    try:
        outcome = await draft_to_files_async(run, target, on_event, limit, admit, clients, (place,), inputs)
        if outcome is None:
            return None
        result.summary, result.files = outcome.report.summary, outcome.files
    except NaftikoWriterError as exc:
        result.error = str(exc).splitlines()[0]
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def draft_fleet(
    base: DraftRun,
    companies: list[str],
    drafts_dir: Path,
    stamp: str,
    on_event: EventHandler,
    clients: ClientFactory | None = None,
    window: int | None = None,
) -> list[FleetResult]:
    """Draft every company as `base` says, with at most `base.options.concurrency` requests in flight in all.

    `clients` builds each company's client (None: the endpoint, through one connection pool); `window`
    overrides how many companies are loaded at once. Results come in the order of `companies`.
    """

    async def fleet() -> list[FleetResult]:
        limiter = Limiter(base.options.concurrency)
        endpoint = base.model_endpoint
        pool = None
        if clients is None and endpoint is not None and endpoint.mode is not RecordMode.REPLAY:
            from naftiko_writer.llm.replay import SharedPool  # loads httpx: only a fleet that calls a model

            pool = SharedPool(limiter.limit)
        shared_clients = share_clients(clients or open_client, Shared(limiter, pool))
        claimed: dict[str, tuple[str, str]] = {}
        target = DraftTarget(drafts_dir, stamp)
        inputs = load_run_inputs(base.sources)  # the taxonomy, its scorer and the prompts: once for the fleet
        results: dict[int, FleetResult] = {}
        most = window or window_size(base)
        active: set[asyncio.Task[None]] = set()

        async def one(place: int, company: str) -> None:
            result = await _draft_one(
                base.for_company(company), place, target, limiter, on_event, claimed, shared_clients, inputs
            )
            if result is not None:
                results[place] = result

        try:
            for place, company in enumerate(companies):
                # Load the next company when the window has space and the limit has room (or fewer than two
                # are loaded): companies waiting on a straggler leave their slots to the next ones.
                while len(active) >= most or (len(active) >= MIN_WINDOW and not limiter.has_room):
                    room = asyncio.ensure_future(limiter.wait_for_room())
                    await asyncio.wait({room, *active}, return_when=asyncio.FIRST_COMPLETED)
                    room.cancel()
                    for task in [task for task in active if task.done()]:
                        active.discard(task)
                        task.result()  # an unexpected error stops the fleet
                    await asyncio.sleep(0)  # a new company's sections reach the limit before it is asked again
                active.add(asyncio.ensure_future(one(place, company)))
                await asyncio.sleep(0)
            await asyncio.gather(*active)
        finally:
            for task in active:
                task.cancel()
            await asyncio.gather(*active, return_exceptions=True)
            if pool is not None:
                await pool.aclose_pool()
        return [results[place] for place in sorted(results)]

    return event_loop.run(fleet())
