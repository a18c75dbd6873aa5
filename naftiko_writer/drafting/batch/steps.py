"""The two steps of a batch that draft: `build` (round 1) and `collect` (a round's answers in, the next round out).

Round 1 holds every section that depends on no other; once its results are collected, round 2 holds
the synthesis sections that needed them, and so on (three rounds for this report). Collected answers
go through the same schema and grounding checks as interactive drafting; an answer that fails them
goes into the next round as a repair request (the answer and the exact problems), up to `max_repairs`
times, and is then written by the template engine and marked for the analyst; a missing or failed
request is simply asked again. A section being repaired holds back the sections that depend on it.
When every section of every company is in, the drafts are written. A company that cannot be loaded
(a bad signals file) is left out of the batch and reported, as a fleet does.

Each step goes through the companies one at a time: a company is loaded, its answers taken from the
results file (read by custom_id, see `results`), its file of collected sections rewritten (`state`),
its next requests streamed to the round file (`rounds`), and it is dropped before the next; so memory
does not grow with the size of the batch. Pure except for the batch folder and the drafts it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from naftiko_writer.document.draft_files import DraftFiles
from naftiko_writer.drafting.answers import parse_output, section_result, summarise
from naftiko_writer.drafting.batch.provider import results_path
from naftiko_writer.drafting.batch.results import ResultsFile
from naftiko_writer.drafting.batch.rounds import RoundWriter, custom_id, request_line, requested_ids, round_files
from naftiko_writer.drafting.batch.state import (
    MAX_BYTES_PER_FILE,
    MAX_REQUESTS_PER_FILE,
    STATE_FILE,
    BatchCompany,
    BatchRetry,
    BatchState,
    CompanyFiles,
    load_state,
    save_state,
)
from naftiko_writer.drafting.grounding import check_grounding
from naftiko_writer.drafting.prompts import render_messages
from naftiko_writer.drafting.run import (
    DraftRun,
    Prepared,
    RunInputs,
    build_provenance,
    load_run_inputs,
    plan_company_report,
    prepare_company,
)
from naftiko_writer.drafting.template_engine import draft_from_template
from naftiko_writer.drafting.use_case import DraftTarget, write_report
from naftiko_writer.errors import ConfigError, InputError, NaftikoWriterError
from naftiko_writer.files import LockHeldError, hold_lock
from naftiko_writer.llm.answer_shape import MalformedAnswerError, read_chat_answer
from naftiko_writer.report.model import Report, SectionResult, SectionSource
from naftiko_writer.report.plan import ReportPlan, SectionSpec
from naftiko_writer.report.sections import OUTPUT_MODELS, strict_schema

COLLECT_LOCK = ".collect.lock"


class Phase(StrEnum):
    """What a step is doing with the company it reports (`on_company`)."""

    BUILD = "Building round 1"
    COLLECT = "Collecting"
    DRAFT = "Writing drafts"


@dataclass
class BatchProgress:
    """What `build` or `collect` did."""

    round: int
    requests: int = 0
    round_file: Path | None = None
    """The round's first request file (its only one unless the round was split)."""
    round_files: list[Path] = field(default_factory=list)
    """Every request file of the round: one provider batch each, within the limits per file."""
    collected: int = 0
    repairs: int = 0
    fallbacks: int = 0
    missing: int = 0
    drafts: list[DraftFiles] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    """`build`: companies left out (a bad signals file, ...), each with the first line of its error."""


def build_batch(
    base: DraftRun,
    companies: list[str],
    folder: Path,
    max_requests_per_file: int = MAX_REQUESTS_PER_FILE,
    max_bytes_per_file: int = MAX_BYTES_PER_FILE,
    store: Path | None = None,
    on_company: Callable[[Phase], None] = lambda _: None,
) -> BatchProgress:
    """Start a batch in `folder` (which must not hold one yet): state plus the round-1 request files.

    Each round is written in as many files as the limits per file need (see `rounds.split_round`). A `base`
    run among an edition (its cohort read from `store`) drafts every company among it, as `draft --edition`
    does; the state names the edition and the store, so each collect reads the same. `on_company` is told
    of each company done.
    """
    if (folder / STATE_FILE).exists():
        raise InputError(f"{folder}: already holds a batch ({STATE_FILE}); collect it, or build into a new folder")
    inputs = load_run_inputs(base.sources)
    progress = BatchProgress(round=0)
    members: list[BatchCompany] = []
    slugs: set[str] = set()
    writer = RoundWriter(folder, 1, max_requests_per_file, max_bytes_per_file)
    state = BatchState(
        model=_model_of(base),
        created=base.created,
        max_output_tokens=base.options.max_output_tokens,
        max_repairs=base.options.max_repairs,
        max_requests_per_file=max_requests_per_file,
        max_bytes_per_file=max_bytes_per_file,
        edition=base.cohort.edition if base.cohort is not None else None,
        store=str(store.resolve()) if base.cohort is not None and store is not None else None,
        companies=[],
    )
    with _discarding(writer):
        for company in companies:  # each company is loaded, its round-1 requests written, and dropped
            try:
                prepared = prepare_company(company, base.sources, inputs)
                plan = plan_company_report(base, prepared).plan  # among an edition: not in it, or changed since
            except NaftikoWriterError as exc:  # one bad company is reported; the others are batched
                progress.failed.append((company, str(exc).splitlines()[0]))
                on_company(Phase.BUILD)
                continue
            member = BatchCompany(company=company, slug=prepared.card.company.slug)
            if member.slug in slugs:
                raise InputError(f"two of the companies share a slug ({member.slug}); a batch needs distinct companies")
            slugs.add(member.slug)
            members.append(member)
            _request_ready(member, prepared, plan, state, writer)
            on_company(Phase.BUILD)
        if not members:
            raise InputError("no company could be batched:\n  " + "\n  ".join(f"{c}: {e}" for c, e in progress.failed))
    state.companies = members
    _start_round(state, writer, progress)
    save_state(folder, state)
    return progress


def collect_batch(
    base: DraftRun,
    folder: Path,
    results: Path,
    drafts_dir: Path,
    stamp: str,
    on_company: Callable[[Phase], None] = lambda _: None,
) -> BatchProgress:
    """Take one round's results (a Batch API output file) into the batch; write the next round, or the drafts.

    A collect holds `<folder>/.collect.lock`: a second collect of the same batch at the same time stops at once.
    `on_company` is told of each company collected, then (on the last round) of each draft written.
    """
    lock = folder / COLLECT_LOCK
    try:
        with hold_lock(lock):
            return _collect_batch(base, folder, results, drafts_dir, stamp, on_company)
    except LockHeldError:
        raise InputError(
            f"{folder}: another `batch collect` is collecting this batch (it holds {lock}); wait for it to finish"
        ) from None


def _collect_batch(
    base: DraftRun,
    folder: Path,
    results_file: Path,
    drafts_dir: Path,
    stamp: str,
    on_company: Callable[[Phase], None],
) -> BatchProgress:
    state = load_state(folder)
    if state.collected >= state.round:
        raise InputError(f"{folder}: round {state.round} is already collected; the drafts were written")
    requested = requested_ids(folder, state.round)
    with ResultsFile(results_file, folder) as results:
        if requested.isdisjoint(results.ids):
            raise InputError(
                f"the results answer none of round {state.round}'s requests; give the output of "
                f"{', '.join(str(path) for path in round_files(folder, state.round))}"
            )
        progress = BatchProgress(round=state.round)
        inputs = load_run_inputs(base.sources)
        files = CompanyFiles.of(folder, state)
        writer = RoundWriter(folder, state.round + 1, state.max_requests_per_file, state.max_bytes_per_file)
        files.begin(state.round)
        with _discarding(writer, files):
            for member in state.companies:  # one company at a time: its answers in, its next requests out
                prepared = prepare_company(member.company, base.sources, inputs)
                plan = plan_company_report(base, prepared).plan
                entry = files.read(member)
                _collect_company(entry, prepared, plan, requested, results, state, progress)
                _request_ready(entry, prepared, plan, state, writer)
                files.write(entry)
                on_company(Phase.COLLECT)
            files.finish()
            if not writer.count:  # every section is in: the drafts, before the state says so
                written = CompanyFiles(folder, state.round)
                _write_drafts(base, state, written, inputs, drafts_dir, stamp, progress, on_company)
    state.collected = state.round
    _start_round(state, writer, progress)
    save_state(folder, state)
    files.prune()
    results_path(folder, state.collected).unlink(missing_ok=True)  # a fetched output, taken in
    return progress


def _collect_company(
    entry: BatchCompany,
    prepared: Prepared,
    plan: ReportPlan,
    requested: set[str],
    results: ResultsFile,
    state: BatchState,
    progress: BatchProgress,
) -> None:
    """Take the answers of one company's sections that this round asked for."""
    outputs = entry.outputs()
    for spec in plan.sections:
        key = custom_id(entry.slug, spec.id, state.round)
        if key not in requested:
            continue
        data = plan.input_for(spec, outputs)
        earlier = entry.retrying.pop(spec.id, None)
        messages = earlier.messages if earlier else render_messages(prepared.prompts, spec.kind, spec.title, data)
        outcome = _collect_section(spec, data, prepared, results.get(key), messages, earlier, state.max_repairs)
        progress.collected += 1
        progress.missing += key not in results
        if isinstance(outcome, BatchRetry):
            entry.retrying[spec.id] = outcome
            progress.repairs += 1
            continue
        progress.fallbacks += outcome.source is SectionSource.FALLBACK
        entry.sections[spec.id] = outcome
        outputs[spec.id] = outcome.output


def _collect_section(
    spec: SectionSpec,
    data: Any,
    prepared: Prepared,
    entry: dict[str, Any] | None,
    messages: list[dict[str, str]],
    earlier: BatchRetry | None,
    max_repairs: int,
) -> SectionResult | BatchRetry:
    """The section's result, or the retry to send in the next round."""
    template_hash = prepared.prompts.template_hash(spec.kind)
    attempts = (earlier.attempts if earlier else 0) + 1
    tokens = [earlier.prompt_tokens, earlier.completion_tokens] if earlier else [0, 0]
    response = (entry or {}).get("response") or {}
    body = response.get("body") or {}
    next_messages = messages
    if entry is None:
        problems = ["the batch results hold no answer for this request"]
    elif entry.get("error") or response.get("status_code") != 200:
        problems = [f"the batch request failed: {entry.get('error') or response.get('status_code')}"]
    else:
        try:
            answer = read_chat_answer(body)
        except MalformedAnswerError as exc:
            answer, output, problems = None, None, [f"the batch answer is no usable chat completion ({exc})"]
        content = answer.content if answer is not None else ""
        if answer is not None:
            tokens = [tokens[0] + answer.prompt_tokens, tokens[1] + answer.completion_tokens]
            output, problems = parse_output(content, answer.finish_reason, OUTPUT_MODELS[spec.kind])
            if output is not None:
                problems = check_grounding(output, data, prepared.vocabulary)
        if output is not None and not problems:
            return section_result(
                spec, data, output, SectionSource.MODEL, template_hash,
                attempts=attempts, prompt_tokens=tokens[0], completion_tokens=tokens[1], recording="batch",
                problems=earlier.problems if earlier else [],
            )  # fmt: skip
        repair = prepared.prompts.repair_message(problems)
        next_messages = [*messages, {"role": "assistant", "content": content}, repair]
    history = [*(earlier.problems if earlier else []), *(f"attempt {attempts}: {p}" for p in problems)]
    if attempts <= max_repairs:
        return BatchRetry(
            messages=next_messages,
            attempts=attempts,
            problems=history,
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
        )
    fallback = draft_from_template(spec.kind, data)
    return section_result(
        spec, data, fallback, SectionSource.FALLBACK, template_hash,
        attempts=attempts, prompt_tokens=tokens[0], completion_tokens=tokens[1], problems=history,
    )  # fmt: skip


def _request_ready(
    entry: BatchCompany, prepared: Prepared, plan: ReportPlan, state: BatchState, writer: RoundWriter
) -> None:
    """Write the next round's requests of one company: the sections not in whose inputs all are."""
    outputs = entry.outputs()
    for spec in plan.sections:
        if spec.id in entry.sections or not all(dependency in entry.sections for dependency in spec.depends_on):
            continue
        retry = entry.retrying.get(spec.id)
        data = plan.input_for(spec, outputs)
        body: dict[str, Any] = {
            "model": state.model,
            "messages": retry.messages if retry else render_messages(prepared.prompts, spec.kind, spec.title, data),
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": spec.kind.value,
                    "strict": True,
                    "schema": strict_schema(OUTPUT_MODELS[spec.kind]),
                },
            },
        }
        if state.max_output_tokens:
            body["max_tokens"] = state.max_output_tokens
        writer.add(request_line(custom_id(entry.slug, spec.id, state.round + 1), body))


def _start_round(state: BatchState, writer: RoundWriter, progress: BatchProgress) -> None:
    """Put the round written into place and count it in the state (nothing, when no section is left)."""
    if not writer.count:
        writer.discard()
        return
    state.round += 1
    progress.round = state.round
    progress.requests = writer.count
    progress.round_files = writer.finish()
    progress.round_file = progress.round_files[0]


def _write_drafts(
    base: DraftRun,
    state: BatchState,
    files: CompanyFiles,
    inputs: RunInputs,
    drafts_dir: Path,
    stamp: str,
    progress: BatchProgress,
    on_company: Callable[[Phase], None],
) -> None:
    """Every section is in: each company loaded again, its draft written, then dropped."""
    for member in state.companies:
        prepared = prepare_company(member.company, base.sources, inputs)
        run = replace(base, company=member.company, created=state.created)
        report = _report(run, state.model, prepared, files.read(member))
        progress.drafts.append(write_report(report, DraftTarget(drafts_dir, stamp)))
        on_company(Phase.DRAFT)


@contextmanager
def _discarding(writer: RoundWriter, files: CompanyFiles | None = None) -> Iterator[None]:
    """Discard the round (and the folder of collected sections) being written when a step stops."""
    try:
        yield
    except BaseException:
        writer.discard()
        if files is not None:
            files.discard()
        raise


def _report(run: DraftRun, model: str, prepared: Prepared, entry: BatchCompany) -> Report:
    planned = plan_company_report(run, prepared)
    ordered = {spec.id: entry.sections[spec.id] for spec in planned.plan.sections}
    summary = summarise(ordered).model_copy(update={"mode": "batch"})
    if run.prices is not None:
        summary.cost = run.prices.cost(model, summary.prompt_tokens, summary.completion_tokens, batch=True)
    provenance = build_provenance(run, prepared, ["batch"]).model_copy(update={"model": model})
    return Report(
        scorecard=prepared.card,
        sections=ordered,
        provenance=provenance,
        summary=summary,
        cohort=planned.ledger(prepared.card),
    )


def _model_of(run: DraftRun) -> str:
    """The model a batch asks (its requests name it)."""
    if run.model is None:
        raise ConfigError("a batch is drafted by a model: give the run an endpoint with a model (--model)")
    return run.model
