"""Orchestration: score -> plan -> draft sections concurrently -> validate -> Report.

Independent sections run concurrently with at most `concurrency` model
requests in flight; a section that depends on others (the strategic
assessment, the executive summary) awaits them. Every model answer is parsed
into its schema and checked against its input (grounding); a failing answer
gets a bounded repair loop that lists the exact problems, and a section that
still fails falls back to the template engine, marked for the analyst. Only
configuration problems (no recording in replay mode, a rejected key, a wrong
URL) and an endpoint that cannot be reached (EndpointError) stop a run.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from naftiko_writer import __version__, event_loop
from naftiko_writer.config import (
    DEFAULT_BASE_URL,
    DEFAULT_BUDGET_OUTPUT_TOKENS,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_REPAIRS,
    DEFAULT_MODEL,
    DEFAULT_TIMEOUT_SECONDS,
    Engine,
    RecordMode,
)
from naftiko_writer.drafting.answers import (
    Budget,
    Outcome,
    estimate_prompt_tokens,
    input_hash,
    parse_output,
    section_result,
    summarise,
)
from naftiko_writer.drafting.checkpoint import Checkpoint, Resumed
from naftiko_writer.drafting.cost import PriceTable
from naftiko_writer.drafting.grounding import Vocabulary, build_vocabulary, check_grounding
from naftiko_writer.drafting.prompts import PromptSet, load_prompts, render_messages
from naftiko_writer.drafting.template_engine import draft_from_template
from naftiko_writer.errors import BudgetExceededError, ConfigError, LLMError
from naftiko_writer.llm.protocol import ChatRequest, LLMClient, RetryPolicy, resolve_api_key
from naftiko_writer.llm.redact import redact_url
from naftiko_writer.report.model import Provenance, Report, SectionResult, SectionSource
from naftiko_writer.report.plan import SectionSpec, plan_sections, section_input
from naftiko_writer.report.sections import OUTPUT_MODELS, Input, Output, strict_schema
from naftiko_writer.scoring.companies import is_raw_source, load_company
from naftiko_writer.scoring.models import SLUG_PATTERN, CompanySignals, ScoreCard, Taxonomy
from naftiko_writer.scoring.scorer import score_company
from naftiko_writer.scoring.signal_files import signals_digest
from naftiko_writer.scoring.taxonomy_cache import load_cached_taxonomy

if TYPE_CHECKING:
    from naftiko_writer.llm.client import OpenAIChatClient
    from naftiko_writer.llm.recordings import ReplayClient
    from naftiko_writer.llm.replay import RecordingTransport


class EventKind(StrEnum):
    """Progress events the pipeline reports."""

    PLANNED = "planned"
    FINISHED = "finished"
    RETRY = "retry"
    REPAIR = "repair"
    WARNING = "warning"  # something the user should know (a stale checkpoint set aside)


@dataclass(frozen=True)
class DraftEvent:
    """One progress event (console.py draws them)."""

    kind: EventKind
    section_id: str = ""
    total: int = 0
    source: SectionSource | None = None
    tokens: int = 0
    message: str = ""


EventHandler = Callable[[DraftEvent], None]


@dataclass(frozen=True)
class DraftOptions:
    """How to draft sections."""

    engine: Engine = Engine.LLM
    model: str = DEFAULT_MODEL
    concurrency: int = DEFAULT_CONCURRENCY
    max_repairs: int = DEFAULT_MAX_REPAIRS
    max_output_tokens: int | None = None


def _ignore(_: DraftEvent) -> None:
    return None


@dataclass
class SectionDrafter:
    """Drafts the sections of one ScoreCard."""

    card: ScoreCard
    taxonomy: Taxonomy
    vocabulary: Vocabulary
    prompts: PromptSet
    client: LLMClient | None
    options: DraftOptions
    on_event: EventHandler = _ignore
    previous: Mapping[str, SectionResult] = field(default_factory=dict)
    pinned: frozenset[str] = frozenset()
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)
    checkpoint: Checkpoint | None = None
    finished: dict[str, SectionResult] = field(default_factory=dict)
    _outputs: dict[str, Output] = field(default_factory=dict)

    async def draft_all(self, semaphore: asyncio.Semaphore | None = None) -> dict[str, SectionResult]:
        """Draft every section; dependencies first, the rest concurrently (under `semaphore` if shared)."""
        plan = plan_sections(self.card)
        self.on_event(DraftEvent(EventKind.PLANNED, total=len(plan)))
        semaphore = semaphore or asyncio.Semaphore(max(1, self.options.concurrency))
        tasks: dict[str, asyncio.Task[SectionResult]] = {}
        for spec in plan:
            dependencies = [tasks[d] for d in spec.depends_on]
            tasks[spec.id] = asyncio.create_task(self._draft_after(spec, dependencies, semaphore), name=spec.id)
        try:
            results = await asyncio.gather(*tasks.values())
        except BaseException:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            raise
        return {result.id: result for result in results}

    async def _draft_after(
        self, spec: SectionSpec, dependencies: list[asyncio.Task[SectionResult]], semaphore: asyncio.Semaphore
    ) -> SectionResult:
        for dependency in dependencies:
            await dependency
        data = section_input(spec, self.card, self.taxonomy, self._outputs)
        earlier = self._earlier(spec, data)
        if earlier is not None:
            result = earlier
        elif self.options.engine is Engine.TEMPLATE or self.client is None:
            output = draft_from_template(spec.kind, data)
            result = self._result(spec, data, output, SectionSource.TEMPLATE)
        else:
            result = await self._draft_with_model(spec, data, semaphore)
        if self.outcomes.setdefault(spec.id, Outcome.DRAFTED) is Outcome.DRAFTED and self.checkpoint is not None:
            self.checkpoint.append(result)
        self.finished[spec.id] = result
        self._outputs[spec.id] = result.output
        self.on_event(
            DraftEvent(
                EventKind.FINISHED,
                spec.id,
                source=result.source,
                tokens=result.prompt_tokens + result.completion_tokens,
            )
        )
        return result

    def _earlier(self, spec: SectionSpec, data: Input) -> SectionResult | None:
        """The previous result to keep or reuse instead of drafting, if any."""
        earlier = self.previous.get(spec.id)
        if earlier is None or earlier.kind is not spec.kind:
            return None
        current = input_hash(data, self.prompts.template_hash(spec.kind))
        if spec.id in self.pinned:
            self.outcomes[spec.id] = Outcome.KEPT if earlier.input_hash == current else Outcome.KEPT_STALE
            return earlier
        if earlier.input_hash == current and earlier.source is not SectionSource.PENDING:
            self.outcomes[spec.id] = Outcome.REUSED
            return earlier
        return None

    def _result(
        self, spec: SectionSpec, data: Input, output: Output, source: SectionSource, **counts: object
    ) -> SectionResult:
        return section_result(spec, data, output, source, self.prompts.template_hash(spec.kind), **counts)

    async def _draft_with_model(self, spec: SectionSpec, data: Input, semaphore: asyncio.Semaphore) -> SectionResult:
        assert self.client is not None
        model_type = OUTPUT_MODELS[spec.kind]
        messages = render_messages(self.prompts, spec.kind, spec.title, data)
        schema = strict_schema(model_type)
        counts: dict[str, float] = {
            "attempts": 0,
            "retries": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "model_seconds": 0.0,
        }
        problems: list[str] = []
        recording = None
        max_output = self.options.max_output_tokens or (DEFAULT_BUDGET_OUTPUT_TOKENS if self.budget.limited else None)
        for attempt in range(1 + self.options.max_repairs):
            request = ChatRequest(
                section_id=spec.id,
                template_hash=self.prompts.template_hash(spec.kind),
                model=self.options.model,
                messages=messages,
                schema_name=spec.kind.value,
                schema=schema,
                max_tokens=max_output,
            )
            try:
                reservation = (
                    await self.budget.reserve(estimate_prompt_tokens(messages, schema), max_output or 0)
                    if self.budget.limited
                    else None
                )
                try:
                    async with semaphore:
                        started = time.perf_counter()
                        answer = await self.client.complete(request)
                        counts["model_seconds"] += time.perf_counter() - started
                    cost = self.budget.charge(answer.prompt_tokens, answer.completion_tokens)
                finally:
                    if reservation is not None:
                        self.budget.release(reservation)
            except BudgetExceededError:  # not sent: the budget cannot hold it; the section waits for a resume
                pending = draft_from_template(spec.kind, data)
                return self._result(
                    spec, data, pending, SectionSource.PENDING, recording=recording, problems=problems, **counts
                )
            except LLMError as exc:
                problems.append(str(exc))
                break
            if self.checkpoint is not None:
                self.checkpoint.spend(answer.prompt_tokens, answer.completion_tokens, cost)
            counts["attempts"] += 1
            counts["retries"] += answer.retries
            counts["prompt_tokens"] += answer.prompt_tokens
            counts["completion_tokens"] += answer.completion_tokens
            recording = answer.recording
            output, found = parse_output(answer.content, answer.finish_reason, model_type)
            if output is not None:
                found = check_grounding(output, data, self.vocabulary)
            if output is not None and not found:
                return self._result(spec, data, output, SectionSource.MODEL, recording=recording, **counts)
            problems.extend(f"attempt {attempt + 1}: {problem}" for problem in found)
            if attempt < self.options.max_repairs:
                self.on_event(DraftEvent(EventKind.REPAIR, spec.id))
                repair = self.prompts.repair_message(found)
                messages = [*messages, {"role": "assistant", "content": answer.content}, repair]
        fallback = draft_from_template(spec.kind, data)
        return self._result(
            spec, data, fallback, SectionSource.FALLBACK, recording=recording, problems=problems, **counts
        )


@dataclass(frozen=True)
class DraftJob:
    """Everything a draft run needs, resolved at the edge (flags, environment, clock)."""

    company: str
    companies_dir: Path
    taxonomy_dir: Path
    prompts_dir: Path
    recordings_dir: Path
    created: str
    engine: Engine = Engine.LLM
    mode: RecordMode = RecordMode.REPLAY
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    api_key: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    max_repairs: int = DEFAULT_MAX_REPAIRS
    max_output_tokens: int | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    recording_source: str = "recorded"
    prices: PriceTable | None = None
    max_tokens_per_report: int | None = None
    max_cost: float | None = None
    checkpoint_path: Path | None = None
    transport: object | None = None
    """An httpx2 transport that answers in place of the network (tests, in-process doubles); None: the network."""
    taxonomy_cache_dir: Path | None = None
    """The per-user cache of loaded taxonomies (scoring/taxonomy_cache); None: parse the taxonomy every time."""


@dataclass(frozen=True)
class Prepared:
    """A company loaded and scored, with what its sections are drafted and checked against."""

    taxonomy: Taxonomy
    company_signals: CompanySignals
    card: ScoreCard
    prompts: PromptSet
    vocabulary: Vocabulary


def prepare_company(job: DraftJob) -> Prepared:
    """Load the taxonomy, the company and the prompts; score the company."""
    taxonomy = load_cached_taxonomy(job.taxonomy_dir, job.taxonomy_cache_dir)
    company_signals = load_company(job.company, job.companies_dir)
    return Prepared(
        taxonomy=taxonomy,
        company_signals=company_signals,
        card=score_company(company_signals, taxonomy),
        prompts=load_prompts(job.prompts_dir),
        vocabulary=build_vocabulary(taxonomy, company_signals),
    )


def draft_company(job: DraftJob, on_event: EventHandler = _ignore) -> Report:
    """Load, score and draft one company, in memory (the use cases in use_case.py and update.py write files)."""
    return draft_report(job, prepare_company(job), on_event)


def draft_report(
    job: DraftJob,
    prepared: Prepared,
    on_event: EventHandler = _ignore,
    previous: Mapping[str, SectionResult] | None = None,
    pinned: frozenset[str] = frozenset(),
) -> Report:
    """Draft the report of a prepared company.

    `previous` holds the sections of an earlier draft: those whose inputs are
    unchanged are reused without a call; those in `pinned` (edited by the
    analyst) are kept whatever their inputs.
    """
    return event_loop.run(draft_report_async(job, prepared, on_event, previous, pinned))


async def draft_report_async(
    job: DraftJob,
    prepared: Prepared,
    on_event: EventHandler = _ignore,
    previous: Mapping[str, SectionResult] | None = None,
    pinned: frozenset[str] = frozenset(),
    semaphore: asyncio.Semaphore | None = None,
) -> Report:
    """draft_report inside a running event loop; `semaphore` bounds requests shared with other companies."""
    card = prepared.card
    options = DraftOptions(
        engine=job.engine,
        model=job.model,
        concurrency=job.concurrency,
        max_repairs=job.max_repairs,
        max_output_tokens=job.max_output_tokens,
    )
    transport: RecordingTransport | ReplayClient | None = None
    client: OpenAIChatClient | ReplayClient | None = None
    if job.engine is Engine.LLM and job.mode is RecordMode.REPLAY and job.transport is None:
        # Plain replay reads the recordings without the SDK (importing it takes longer than the whole draft).
        from naftiko_writer.llm.recordings import ReplayClient

        client = transport = ReplayClient(
            job.recordings_dir / card.company.slug, card.company.slug, job.base_url or DEFAULT_BASE_URL
        )
    elif job.engine is Engine.LLM:
        from naftiko_writer.llm.client import OpenAIChatClient  # the SDK loads only when a model is called
        from naftiko_writer.llm.replay import RecordingTransport

        transport = RecordingTransport(
            job.mode,
            job.recordings_dir / card.company.slug,
            card.company.slug,
            inner=cast(Any, job.transport),
            source=job.recording_source,
        )
        client = OpenAIChatClient(
            base_url=job.base_url or DEFAULT_BASE_URL,
            api_key=_api_key(job),
            timeout_seconds=job.timeout_seconds,
            retry=job.retry,
            transport=transport,
            on_retry=lambda section_id: on_event(DraftEvent(EventKind.RETRY, section_id)),
        )
    price = job.prices.price_of(job.model) if job.prices is not None and job.engine is Engine.LLM else None
    if job.max_cost is not None and job.engine is Engine.LLM and price is None:
        raise ConfigError(
            f"--max-cost needs a price for model {job.model!r}; add it to the price table or use --max-tokens-per-report"
        )
    paid = job.engine is Engine.LLM and job.mode is not RecordMode.REPLAY
    checkpoint = (
        Checkpoint(job.checkpoint_path, run_key(job, prepared), durable=paid)
        if job.checkpoint_path is not None
        else None
    )
    resumed = checkpoint.load() if checkpoint is not None else Resumed()
    if resumed.stale is not None:
        on_event(DraftEvent(EventKind.WARNING, message=resumed.stale))
    # An interrupted run's sections are newer than the previous draft's; the analyst's edits (pinned) win over both.
    previous = previous or {}
    earlier = {**previous, **resumed.sections}
    earlier.update({section_id: previous[section_id] for section_id in pinned if section_id in previous})
    drafter = SectionDrafter(
        card,
        prepared.taxonomy,
        prepared.vocabulary,
        prepared.prompts,
        client,
        options,
        on_event,
        previous=earlier,
        pinned=pinned,
        budget=Budget(
            job.max_tokens_per_report,
            job.max_cost,
            price,
            earlier_tokens=resumed.prompt_tokens + resumed.completion_tokens,
            earlier_cost=resumed.cost,
        ),
        checkpoint=checkpoint,
    )
    try:
        results = await drafter.draft_all(semaphore)
    finally:
        if client is not None:
            await client.close()
    stopped = drafter.budget.stopped()
    unused = len(transport.unused()) if transport is not None and job.mode is RecordMode.REPLAY and not previous else 0
    recordings = sorted({r.recording for r in results.values() if r.recording})
    provenance = build_provenance(job, prepared, recordings)
    ordered = {spec.id: results[spec.id] for spec in plan_sections(card)}
    summary = summarise(ordered, unused, drafter.outcomes).model_copy(
        update={
            "mode": job.mode.value if job.engine is Engine.LLM else "none",
            "dialect": client.dialect if client is not None else None,
            "stopped": stopped,
        }
    )
    if job.prices is not None and job.engine is Engine.LLM:
        summary.cost = job.prices.cost(job.model, summary.prompt_tokens, summary.completion_tokens)
    return Report(scorecard=card, sections=ordered, provenance=provenance, summary=summary)


def build_provenance(job: DraftJob, prepared: Prepared, recordings: list[str]) -> Provenance:
    """What a draft was made from."""
    return Provenance(
        tool_version=__version__,
        created=job.created,
        company=prepared.card.company.slug,
        signals_file=signals_reference(job.company),
        signals_digest=signals_digest(prepared.company_signals),
        taxonomy_version=prepared.taxonomy.version,
        taxonomy_digest=prepared.taxonomy.digest,
        prompt_hashes=prepared.prompts.hashes(),
        engine=job.engine.value,
        model=job.model if job.engine is Engine.LLM else None,
        recording_sources=recordings,
    )


def signals_reference(reference: str) -> str:
    """How a draft names its signals: a slug as given, a path made absolute (so `check` works from any folder)."""
    if re.fullmatch(SLUG_PATTERN, reference) and not is_raw_source(reference):
        return reference
    return str(Path(reference).resolve())


def run_key(job: DraftJob, prepared: Prepared) -> dict[str, object]:
    """Everything that shapes a run's answers: a checkpoint is resumed only by a run with the same key."""
    llm = job.engine is Engine.LLM
    endpoint = (
        str(job.recordings_dir) if job.mode is RecordMode.REPLAY else redact_url(job.base_url or DEFAULT_BASE_URL)
    )
    return {
        "company": prepared.card.company.slug,
        "engine": job.engine.value,
        "mode": job.mode.value if llm else None,
        "endpoint": endpoint if llm else None,
        "model": job.model if llm else None,
        "max_output_tokens": job.max_output_tokens if llm else None,
        "prompts": prepared.prompts.hashes(),
        "signals": signals_digest(prepared.company_signals),
        "taxonomy": prepared.taxonomy.digest,
    }


def _api_key(job: DraftJob) -> str:
    return resolve_api_key(job.mode, job.api_key, job.base_url, "draft offline with --mode replay or --engine template")
