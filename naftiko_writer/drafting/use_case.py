"""The draft use case: one company from its signals to a draft and its sidecar on disk.

`draft_to_files` is the whole of `draft COMPANY`, and what a fleet runs for
each of its companies (`draft_to_files_async`, sharing one limit on requests):
load and score the company, resolve the output paths from its slug (or the
given path), hold the draft's lock, draft (resuming from the run's
checkpoint), write the draft and its sidecar together, and remove the
checkpoint once the draft is complete. A batch's drafts are written the same
way (`write_report`). `draft --update` is its own use case, review/update.py's
`update_to_files`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from naftiko_writer import event_loop
from naftiko_writer.document.draft_files import DraftFiles, draft_files, draft_lock, lock_path, write_draft
from naftiko_writer.drafting.checkpoint import checkpoint_path
from naftiko_writer.drafting.pipeline import EventHandler, draft_report_async, open_run_client
from naftiko_writer.drafting.run import DraftRun, Prepared, RunInputs, prepare_company
from naftiko_writer.llm.factory import ClientFactory, open_client
from naftiko_writer.llm.limiter import Limiter, Priority
from naftiko_writer.output_paths import Named, refuse_overlaps
from naftiko_writer.report.model import Report
from naftiko_writer.scoring.companies import company_input_files


@dataclass(frozen=True)
class DraftTarget:
    """Where a run writes: `drafts/<slug>/<stamp>.md`, or the path given (`--out`, `--update`)."""

    drafts_dir: Path
    stamp: str
    out: Path | None = None

    @property
    def timestamped(self) -> bool:
        """A new timestamped draft (its company's checkpoint and lock are shared by such runs)."""
        return self.out is None

    def files(self, slug: str) -> DraftFiles:
        """The draft and sidecar paths for a company."""
        return draft_files(self.drafts_dir, slug, self.stamp, self.out)

    def checkpoint(self, files: DraftFiles) -> Path:
        """The checkpoint of a run writing `files`."""
        return checkpoint_path(files.markdown, timestamped=self.timestamped)

    def lock(self, files: DraftFiles) -> Path:
        """The lock a run writing `files` holds."""
        return lock_path(files.markdown, self.timestamped)


@dataclass(frozen=True)
class DraftOutcome:
    """A finished run: the report and where it was written (the checkpoint is kept only if it stopped early)."""

    report: Report
    files: DraftFiles
    checkpoint: Path


class DraftInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; the sections finished so far are in `checkpoint`."""

    def __init__(self, checkpoint: Path) -> None:
        super().__init__(str(checkpoint))
        self.checkpoint = checkpoint


Admit = Callable[[DraftRun, Prepared], bool]
"""Decides, once a company is loaded, whether to draft it (a fleet skips a company given twice)."""


@dataclass(frozen=True)
class _Run:
    """A run with its company loaded and its paths resolved."""

    run: DraftRun
    prepared: Prepared
    files: DraftFiles
    checkpoint: Path
    lock: Path
    started: float


def _resolve(run: DraftRun, prepared: Prepared, target: DraftTarget, started: float) -> _Run:
    files = target.files(prepared.card.company.slug)
    checkpoint = target.checkpoint(files)
    lock = target.lock(files)
    refuse_overlaps(
        draft_outputs(files, checkpoint, lock),
        [("the signals file", path) for path in company_input_files(run.company, run.sources.companies_dir)],
    )
    return _Run(replace(run, checkpoint_path=checkpoint), prepared, files, checkpoint, lock, started)


def draft_outputs(files: DraftFiles, checkpoint: Path, lock: Path) -> list[Named]:
    """Every file a run writing `files` may write, named for output_paths' check."""
    return [("the draft", files.markdown), ("its sidecar", files.sidecar), ("its checkpoint", checkpoint),
            ("its lock", lock)]  # fmt: skip


async def _draft(
    resolved: _Run,
    on_event: EventHandler | None,
    limit: Limiter | None,
    clients: ClientFactory,
    place: Priority = (),
) -> DraftOutcome:
    events = on_event or _ignore
    with draft_lock(resolved.lock, resolved.files.markdown):
        client = open_run_client(resolved.run, resolved.prepared, events, clients)
        try:
            report = await draft_report_async(resolved.run, resolved.prepared, client, events, limit=limit, place=place)
        finally:
            if client is not None:
                await client.close()
        report.summary.wall_seconds = round(time.perf_counter() - resolved.started, 3)
        write_draft(report, resolved.files, checkpoint=resolved.checkpoint)
    return DraftOutcome(report, resolved.files, resolved.checkpoint)


def draft_to_files(
    run: DraftRun, target: DraftTarget, on_event: EventHandler | None = None, clients: ClientFactory = open_client
) -> DraftOutcome:
    """Load, score and draft `run.company`, and write its draft and sidecar (see the module docstring).

    Ctrl-C raises DraftInterrupted, naming the checkpoint that keeps the finished sections.
    """
    started = time.perf_counter()
    resolved = _resolve(run, prepare_company(run.company, run.sources), target, started)
    try:
        return event_loop.run(_draft(resolved, on_event, None, clients))
    except KeyboardInterrupt:
        raise DraftInterrupted(resolved.checkpoint) from None


async def draft_to_files_async(
    run: DraftRun,
    target: DraftTarget,
    on_event: EventHandler | None = None,
    limit: Limiter | None = None,
    admit: Admit | None = None,
    clients: ClientFactory = open_client,
    place: Priority = (),
    inputs: RunInputs | None = None,
) -> DraftOutcome | None:
    """draft_to_files inside a running event loop (a fleet's); None when `admit` turned the company away.

    `limit` is shared with the fleet's other companies, `place` is this company's in its queue; `inputs`:
    the taxonomy, scorer and prompts the fleet loaded once.
    """
    started = time.perf_counter()
    prepared = prepare_company(run.company, run.sources, inputs)
    if admit is not None and not admit(run, prepared):
        return None
    return await _draft(_resolve(run, prepared, target, started), on_event, limit, clients, place)


def write_report(report: Report, target: DraftTarget) -> DraftFiles:
    """Write a report drafted elsewhere (a Batch API batch) as its company's draft and sidecar, under the lock."""
    files = target.files(report.provenance.company)
    with draft_lock(target.lock(files), files.markdown):
        write_draft(report, files)
    return files


def _ignore(_: object) -> None:
    return None
