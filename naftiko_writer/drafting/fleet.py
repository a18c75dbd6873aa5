"""Fleet drafting: many companies in one run, one shared limit on requests in flight.

Every company is loaded, scored and drafted concurrently in one event loop;
a single semaphore bounds the model requests of all of them together, so
`--concurrency` is the load the endpoint sees. A company that fails (a bad
signals file, a missing recording) is reported and does not stop the others;
each company runs the draft use case (use_case.py), so its draft is written
as soon as it is done. Two inputs
with one slug would write one draft folder and share a checkpoint: the same
data given twice is drafted once, different data under one slug is an error.
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
from naftiko_writer.drafting.run import DraftRun, Prepared
from naftiko_writer.drafting.use_case import DraftTarget, draft_to_files_async
from naftiko_writer.errors import InputError, NaftikoWriterError
from naftiko_writer.llm.factory import ClientFactory, open_client
from naftiko_writer.report.model import Report
from naftiko_writer.scoring.companies import collect_sources, list_companies
from naftiko_writer.scoring.signal_files import signals_digest


@dataclass
class FleetResult:
    """How one company of a fleet went."""

    company: str
    report: Report | None = None
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


async def _draft_one(
    run: DraftRun,
    target: DraftTarget,
    semaphore: asyncio.Semaphore,
    on_event: EventHandler,
    claimed: dict[str, tuple[str, str]],
    clients: ClientFactory,
) -> FleetResult | None:
    """Draft one company of the fleet; None when the same company was already given under another name."""
    started = time.perf_counter()
    result = FleetResult(company=run.company)

    def admit(run: DraftRun, prepared: Prepared) -> bool:
        slug = prepared.card.company.slug
        result.company = slug
        digest = signals_digest(prepared.company_signals)
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
        outcome = await draft_to_files_async(run, target, on_event, semaphore, admit, clients)
        if outcome is None:
            return None
        result.report, result.files = outcome.report, outcome.files
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
    clients: ClientFactory = open_client,
) -> list[FleetResult]:
    """Draft every company as `base` says, with at most `base.options.concurrency` requests in flight in all."""

    async def fleet() -> list[FleetResult]:
        semaphore = asyncio.Semaphore(max(1, base.options.concurrency))
        claimed: dict[str, tuple[str, str]] = {}
        target = DraftTarget(drafts_dir, stamp)
        results = await asyncio.gather(
            *(
                _draft_one(base.for_company(company), target, semaphore, on_event, claimed, clients)
                for company in companies
            )
        )
        return [result for result in results if result is not None]

    return event_loop.run(fleet())
