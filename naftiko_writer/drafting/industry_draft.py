"""The industry report use case: a group of an edition's companies drafted as a report, with the same drafter.

`draft_industry` takes the cohort (built by the edition store, or by hand) and the edition's taxonomy,
computes the group's facts (report/industry.py), and drafts the industry plan with the company
report's drafter, ask loop, grounding and template engine; a model client comes from the same
composition root (llm/factory.py), its recordings under `<recordings>/_industry/<edition>-<industry>/`.
Grounding knows every company of the edition and every signal of the group by name, so a company or
technology a section's data does not hold is caught. `write_industry_draft` writes the Markdown and
its JSON sidecar.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from naftiko_writer import __version__, event_loop
from naftiko_writer.document.industry_format import render_industry_markdown
from naftiko_writer.drafting.answers import Budget, summarise
from naftiko_writer.drafting.grounding import Vocabulary, build_vocabulary
from naftiko_writer.drafting.pipeline import EventHandler, SectionDrafter
from naftiko_writer.drafting.prompts import PromptSet
from naftiko_writer.errors import InputError, ReplayMissError
from naftiko_writer.files import replace_files_together
from naftiko_writer.llm.factory import ClientFactory, open_client
from naftiko_writer.options import DraftOptions, Endpoint, RecordMode
from naftiko_writer.report.cohort import Cohort
from naftiko_writer.report.industry import (
    IndustryProvenance,
    IndustryReport,
    industry_facts,
    industry_input_kinds,
    industry_plan,
)
from naftiko_writer.report.model import SectionResult
from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind, Taxonomy

RECORDINGS_FOLDER = "_industry"


@dataclass(frozen=True)
class IndustryRun:
    """One industry draft: which group of which edition, when, and how (no endpoint: the template engine)."""

    industry: str | None
    """The industry drafted; None for the edition overview (every company)."""
    created: str
    options: DraftOptions
    endpoint: Endpoint | None = None


def industry_vocabulary(taxonomy: Taxonomy, group: Cohort, everyone: Cohort | None = None) -> Vocabulary:
    """Names grounding watches for: the taxonomy's, the group's signals and every company of the edition."""
    names = sorted({name for member in group.members for name in member.signals})
    companies = sorted({member.name for member in (everyone or group).members})
    signals = [Signal.model_construct(kind=SignalKind.TOOL, name=name, evidence=1, sources=[]) for name in names]
    signals += [
        Signal.model_construct(kind=SignalKind.SERVICE, name=name, evidence=1, sources=[]) for name in companies
    ]
    holder = CompanySignals.model_construct(
        company=Company.model_construct(name="group", slug="group", as_of=dt.date(2000, 1, 1)), signals=signals
    )
    return build_vocabulary(taxonomy, holder)


def recordings_subject(edition: str, industry: str | None) -> str:
    """The recordings folder of an industry draft, relative to the recordings root."""
    label = re.sub(r"[^a-z0-9]+", "-", f"{edition} {industry or 'all industries'}".lower()).strip("-")
    return f"{RECORDINGS_FOLDER}/{label}"


async def draft_industry_async(
    run: IndustryRun,
    cohort: Cohort,
    taxonomy: Taxonomy,
    prompts: PromptSet,
    clients: ClientFactory = open_client,
    on_event: EventHandler | None = None,
    previous: Mapping[str, SectionResult] | None = None,
    pinned: frozenset[str] = frozenset(),
) -> IndustryReport:
    """Draft the industry report of `run.industry` in `cohort` (inside a running event loop).

    `previous` holds an earlier draft's sections: those whose inputs are unchanged are reused without a
    call, and those in `pinned` (the analyst edited or deleted them) are kept whatever their inputs.
    """
    events = on_event or (lambda _: None)
    facts = industry_facts(cohort, run.industry, taxonomy)
    group = cohort if run.industry is None else cohort.industry(run.industry)
    plan = industry_plan(facts)
    endpoint = run.endpoint if run.options.uses_model else None
    client = (
        clients(
            endpoint,
            recordings_subject(cohort.edition, run.industry),
            offline_hint="draft offline with --mode replay or --engine template",
        )
        if endpoint is not None
        else None
    )
    drafter = SectionDrafter(
        plan,
        industry_vocabulary(taxonomy, group, cohort),
        prompts,
        client,
        run.options,
        endpoint.model if endpoint is not None else "",
        events,
        previous=previous or {},
        pinned=pinned,
        budget=Budget(run.options.max_tokens_per_report, run.options.max_cost),
    )
    try:
        try:
            results = await drafter.draft_all()
        except ReplayMissError as exc:  # the miss says what is missing; how to re-record is this report's own
            what = str(exc).split("; re-record", 1)[0]
            which = shlex.quote(run.industry) if run.industry is not None else "--all"
            raise ReplayMissError(
                f"{what}; re-record with `naftiko-writer industry {which} --edition {cohort.edition} --mode record` "
                "against a reachable endpoint, or draft without a model with `--engine template`"
            ) from None
        unused = len(client.unused_recordings()) if client is not None and endpoint is not None else 0
        dialect = client.dialect if client is not None else None
    finally:
        if client is not None:
            await client.close()
    replayed = endpoint is not None and endpoint.mode is RecordMode.REPLAY
    ordered = {section_id: results[section_id] for section_id in plan.ids()}
    summary = summarise(ordered, unused if replayed else 0, drafter.outcomes).model_copy(
        update={"mode": endpoint.mode.value if endpoint is not None else "none", "dialect": dialect}
    )
    return IndustryReport(
        facts=facts,
        sections=ordered,
        provenance=IndustryProvenance(
            tool_version=__version__,
            created=run.created,
            edition=cohort.edition,
            industry=facts.industry,
            taxonomy_version=taxonomy.version,
            taxonomy_digest=taxonomy.digest,
            prompt_hashes=prompts.hashes(industry_input_kinds()),
            engine=run.options.engine.value,
            model=endpoint.model if endpoint is not None else None,
            recording_sources=sorted({r.recording for r in ordered.values() if r.recording}),
        ),
        summary=summary,
    )


def draft_industry(
    run: IndustryRun,
    cohort: Cohort,
    taxonomy: Taxonomy,
    prompts: PromptSet,
    clients: ClientFactory = open_client,
    on_event: EventHandler | None = None,
    previous: Mapping[str, SectionResult] | None = None,
    pinned: frozenset[str] = frozenset(),
) -> IndustryReport:
    """draft_industry_async, blocking."""
    return event_loop.run(draft_industry_async(run, cohort, taxonomy, prompts, clients, on_event, previous, pinned))


def industry_draft_path(drafts_dir: Path, report: IndustryReport, stamp: str) -> Path:
    """Where an industry draft goes by default: `drafts/_industry/<edition>-<industry>/<stamp>.md`."""
    return drafts_dir / recordings_subject(report.facts.edition, report.provenance.industry) / f"{stamp}.md"


def write_industry_draft(report: IndustryReport, markdown_path: Path, markdown: str | None = None) -> Path:
    """Write the Markdown (rendered unless given) and its JSON sidecar (same name, .json) together; the sidecar.

    Both go to temporaries first and are renamed into place together (files.replace_files_together): a
    failure leaves the previous pair as it was.
    """
    sidecar = markdown_path.with_suffix(".json")
    text = render_industry_markdown(report) if markdown is None else markdown
    try:
        replace_files_together({sidecar: report.model_dump_json(indent=2) + "\n", markdown_path: text})
    except OSError as exc:
        where = exc.filename2 or exc.filename or markdown_path
        raise InputError(
            f"{markdown_path}: cannot write the draft and its sidecar ({exc.strerror}: {where}); "
            "the previous files are unchanged; check the folder, the free space and the permissions"
        ) from exc
    return sidecar
