"""Orchestration: a plan's sections drafted concurrently, each answer checked, into a Report.

The drafter (`SectionDrafter`) knows a report only as a `ReportPlan` (report/plan.py): sections,
their dependencies and an input provider; the company report is `company_plan`. It is given its
`LLMClient` (None: the template engine writes every section), built by the composition root
(llm/factory.py) and closed by whoever opened it. Every structured call goes through `ask`
(drafting/ask.py). Independent sections run concurrently with at most `concurrency` model
requests in flight (a `Limiter`, llm/limiter.py, shared with a fleet's other companies); a section
that depends on others (the strategic assessment, the executive summary) awaits them. Requests wait
for the limit by need: the synthesis sections first, then the sections they wait for (deepest chain
first: the two tables the strategic assessment needs, then the layer introductions), then the rest
in plan order (`section_priorities`); a fleet puts its company's place before that. Every model answer is parsed
into its schema and checked against its input (grounding); a failing answer
gets a bounded repair loop that lists the exact problems, and a section that
still fails falls back to the template engine, marked for the analyst. Only
configuration problems (no recording in replay mode, a rejected key, a wrong
URL) and an endpoint that cannot be reached (EndpointError) stop a run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from naftiko_writer import event_loop
from naftiko_writer.drafting.answers import Budget, Outcome, input_hash, parse_output, section_result, summarise
from naftiko_writer.drafting.ask import Question, ask
from naftiko_writer.drafting.checkpoint import Checkpoint, Resumed
from naftiko_writer.drafting.grounding import Vocabulary, check_grounding
from naftiko_writer.drafting.prompts import PromptSet, render_messages
from naftiko_writer.drafting.run import (
    DraftRun,
    Prepared,
    build_provenance,
    plan_company_report,
    prepare_company,
    run_key,
)
from naftiko_writer.drafting.template_engine import draft_from_template
from naftiko_writer.errors import ConfigError
from naftiko_writer.llm.factory import ClientFactory, open_client
from naftiko_writer.llm.limiter import Limiter, Priority
from naftiko_writer.llm.protocol import ChatRequest, ChatResult, LLMClient
from naftiko_writer.options import DraftOptions, RecordMode
from naftiko_writer.report.model import Report, SectionResult, SectionSource
from naftiko_writer.report.plan import ReportPlan, SectionSpec
from naftiko_writer.report.sections import OUTPUT_MODELS, Input, Output, strict_schema
from naftiko_writer.scoring.signal_files import lookalike_warnings


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


def _ignore(_: DraftEvent) -> None:
    return None


@dataclass
class SectionDrafter:
    """Drafts the sections of a plan: dependencies first, the rest concurrently, each checked before it is kept."""

    plan: ReportPlan
    vocabulary: Vocabulary
    prompts: PromptSet
    client: LLMClient | None
    options: DraftOptions
    model: str
    on_event: EventHandler = _ignore
    previous: Mapping[str, SectionResult] = field(default_factory=dict)
    pinned: frozenset[str] = frozenset()
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    budget: Budget = field(default_factory=Budget)
    checkpoint: Checkpoint | None = None
    finished: dict[str, SectionResult] = field(default_factory=dict)
    _outputs: dict[str, Output] = field(default_factory=dict)

    async def draft_all(self, limit: Limiter | None = None, place: Priority = ()) -> dict[str, SectionResult]:
        """Draft every section; dependencies first, the rest concurrently (under `limit` if shared).

        Each request waits for the limit at `place` (a fleet's company order) then its section's priority.
        """
        self.on_event(DraftEvent(EventKind.PLANNED, total=len(self.plan.sections)))
        limit = limit or Limiter(self.options.concurrency)
        priorities = section_priorities(self.plan)
        tasks: dict[str, asyncio.Task[SectionResult]] = {}
        # Started by need: a free slot goes to the first task that asks, before any queue forms.
        independent = sorted(
            (spec for spec in self.plan.sections if not spec.depends_on), key=lambda s: priorities[s.id]
        )
        for spec in [*independent, *(spec for spec in self.plan.sections if spec.depends_on)]:
            dependencies = [tasks[d] for d in spec.depends_on]
            priority = (*place, *priorities[spec.id])
            tasks[spec.id] = asyncio.create_task(self._draft_after(spec, dependencies, limit, priority), name=spec.id)
        try:
            results = await asyncio.gather(*tasks.values())
        except BaseException:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            raise
        return {result.id: result for result in results}

    async def _draft_after(
        self,
        spec: SectionSpec,
        dependencies: list[asyncio.Task[SectionResult]],
        limit: Limiter,
        priority: Priority,
    ) -> SectionResult:
        for dependency in dependencies:
            await dependency
        data = self.plan.input_for(spec, self._outputs)
        earlier = self._earlier(spec, data)
        if earlier is not None:
            result = earlier
        elif self.client is None:
            output = draft_from_template(spec.kind, data)
            result = self._result(spec, data, output, SectionSource.TEMPLATE)
        else:
            result = await self._draft_with_model(self.client, spec, data, limit, priority)
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
        if (
            earlier.input_hash == current
            and earlier.source is not SectionSource.PENDING
            and not check_grounding(earlier.output, data, self.vocabulary)  # a checkpoint line can be edited or forged
        ):
            self.outcomes[spec.id] = Outcome.REUSED
            return earlier
        return None

    def _result(
        self, spec: SectionSpec, data: Input, output: Output, source: SectionSource, **counts: object
    ) -> SectionResult:
        return section_result(spec, data, output, source, self.prompts.template_hash(spec.kind), **counts)

    def question(self, spec: SectionSpec, data: Input) -> Question[Output]:
        """What to ask the model for one section, and how its answers are read: schema, then grounding."""
        model_type = OUTPUT_MODELS[spec.kind]

        def read(answer: ChatResult) -> tuple[Output | None, list[str]]:
            output, problems = parse_output(answer.content, answer.finish_reason, model_type)
            if output is not None:
                problems = check_grounding(output, data, self.vocabulary)
            return output, problems

        request = ChatRequest(
            section_id=spec.id,
            template_hash=self.prompts.template_hash(spec.kind),
            model=self.model,
            messages=render_messages(self.prompts, spec.kind, spec.title, data),
            schema_name=spec.kind.value,
            schema=strict_schema(model_type),
            max_tokens=self.options.output_cap(),
        )
        return Question(request, read, self.prompts.repair_message)

    async def _draft_with_model(
        self, client: LLMClient, spec: SectionSpec, data: Input, limit: Limiter, priority: Priority
    ) -> SectionResult:
        asked = await ask(
            client,
            self.question(spec, data),
            max_repairs=self.options.max_repairs,
            limit=limit,
            priority=priority,
            budget=self.budget,
            on_answer=self._spent,
            on_repair=lambda: self.on_event(DraftEvent(EventKind.REPAIR, spec.id)),
        )
        extra: dict[str, object] = {"recording": asked.recording, **asked.counts()}
        if asked.value is not None:
            return self._result(spec, data, asked.value, SectionSource.MODEL, **extra)
        source = SectionSource.PENDING if asked.unsent else SectionSource.FALLBACK
        # Not sent (the budget could not hold it: the section waits for a resume), or no answer passed.
        return self._result(spec, data, draft_from_template(spec.kind, data), source, problems=asked.problems, **extra)

    def _spent(self, answer: ChatResult, cost: float) -> None:
        if self.checkpoint is not None:
            self.checkpoint.spend(answer.prompt_tokens, answer.completion_tokens, cost)


def section_priorities(plan: ReportPlan) -> dict[str, Priority]:
    """Each section's place in the queue for the limit (smallest first; see the module docstring).

    A synthesis section (one with dependencies) is only ever queued once its inputs are done, and then goes
    first; of the others, those on the longest chain to a synthesis go first, then plan order.
    """
    height: dict[str, int] = {}
    for spec in reversed(plan.sections):  # dependants come after their dependencies
        for dependency in spec.depends_on:
            height[dependency] = max(height.get(dependency, 0), height.get(spec.id, 0) + 1)
    return {
        spec.id: (0 if spec.depends_on else 1, -height.get(spec.id, 0), index)
        for index, spec in enumerate(plan.sections)
    }


def draft_company(run: DraftRun, on_event: EventHandler = _ignore, clients: ClientFactory = open_client) -> Report:
    """Load, score and draft one company, in memory (the use cases in use_case.py and update.py write files)."""
    return draft_report(run, prepare_company(run.company, run.sources), on_event, clients=clients)


def draft_report(
    run: DraftRun,
    prepared: Prepared,
    on_event: EventHandler = _ignore,
    previous: Mapping[str, SectionResult] | None = None,
    pinned: frozenset[str] = frozenset(),
    clients: ClientFactory = open_client,
) -> Report:
    """Draft the report of a prepared company, with a client from `clients` (closed when done).

    `previous` holds the sections of an earlier draft: those whose inputs are
    unchanged are reused without a call; those in `pinned` (edited by the
    analyst) are kept whatever their inputs.
    """

    async def drafted() -> Report:
        client = open_run_client(run, prepared, on_event, clients)
        try:
            return await draft_report_async(run, prepared, client, on_event, previous, pinned)
        finally:
            if client is not None:
                await client.close()

    return event_loop.run(drafted())


def open_run_client(
    run: DraftRun, prepared: Prepared, on_event: EventHandler, clients: ClientFactory = open_client
) -> LLMClient | None:
    """The model client of a run (None for the template engine): retries reported as progress events."""
    endpoint = run.model_endpoint
    if endpoint is None:
        return None
    return clients(
        endpoint,
        prepared.card.company.slug,
        offline_hint="draft offline with --mode replay or --engine template",
        on_retry=lambda section_id: on_event(DraftEvent(EventKind.RETRY, section_id)),
    )


async def draft_report_async(
    run: DraftRun,
    prepared: Prepared,
    client: LLMClient | None,
    on_event: EventHandler = _ignore,
    previous: Mapping[str, SectionResult] | None = None,
    pinned: frozenset[str] = frozenset(),
    limit: Limiter | None = None,
    place: Priority = (),
) -> Report:
    """Draft a prepared company's report with `client` (None: the template engine) inside a running loop.

    `limit` bounds requests shared with other companies, `place` is this company's among them (smaller
    first). The caller owns the client (and closes it).
    """
    card = prepared.card
    options = run.options
    endpoint = run.model_endpoint
    client = client if endpoint is not None else None
    model = endpoint.model if endpoint is not None else ""
    price = run.prices.price_of(model) if run.prices is not None and client is not None else None
    if options.max_cost is not None and client is not None and price is None:
        raise ConfigError(
            f"--max-cost needs a price for model {model!r}; add it to the price table or use --max-tokens-per-report"
        )
    paid = endpoint is not None and client is not None and endpoint.mode is not RecordMode.REPLAY
    # No model, no checkpoint: the template engine's sections cost nothing to write again.
    checkpoint = (
        Checkpoint(run.checkpoint_path, run_key(run, prepared), durable=paid)
        if run.checkpoint_path is not None and client is not None
        else None
    )
    resumed = checkpoint.load() if checkpoint is not None else Resumed()
    if resumed.stale is not None:
        on_event(DraftEvent(EventKind.WARNING, message=resumed.stale))
    for warning in lookalike_warnings(prepared.company_signals):
        on_event(DraftEvent(EventKind.WARNING, message=warning))
    # An interrupted run's sections are newer than the previous draft's; the analyst's edits (pinned) win over both.
    previous = previous or {}
    earlier = {**previous, **resumed.sections}
    earlier.update({section_id: previous[section_id] for section_id in pinned if section_id in previous})
    planned = plan_company_report(run, prepared)
    plan = planned.plan
    drafter = SectionDrafter(
        plan,
        prepared.vocabulary if client is not None else Vocabulary({}, {}),  # no answers to check: none built
        prepared.prompts,
        client,
        options,
        model,
        on_event,
        previous=earlier,
        pinned=pinned,
        budget=Budget(
            options.max_tokens_per_report,
            options.max_cost,
            price,
            earlier_tokens=resumed.prompt_tokens + resumed.completion_tokens,
            earlier_cost=resumed.cost,
        ),
        checkpoint=checkpoint,
    )
    results = await drafter.draft_all(limit, place)
    replayed = endpoint is not None and endpoint.mode is RecordMode.REPLAY and not previous
    unused = len(client.unused_recordings()) if client is not None and replayed else 0
    recordings = sorted({r.recording for r in results.values() if r.recording})
    ordered = {section_id: results[section_id] for section_id in plan.ids()}
    summary = summarise(ordered, unused, drafter.outcomes).model_copy(
        update={
            "mode": run.mode,
            "dialect": client.dialect if client is not None else None,
            "stopped": drafter.budget.stopped(),
        }
    )
    if run.prices is not None and client is not None:
        summary.cost = run.prices.cost(model, summary.prompt_tokens, summary.completion_tokens)
    return Report(
        scorecard=card,
        sections=ordered,
        provenance=build_provenance(run, prepared, recordings),
        summary=summary,
        cohort=planned.ledger(card),
    )
