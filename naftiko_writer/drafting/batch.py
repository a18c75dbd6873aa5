"""Batch drafting: the sections of many companies as OpenAI Batch API request files, and back to drafts.

A batch lives in a folder: `state.json` (the companies, the model, every
section collected so far) and one `round-N.jsonl` of requests per round.
Round 1 holds every section that depends on no other; once its results are
collected, round 2 holds the synthesis sections that needed them, and so on
(three rounds for this report). Collected answers go through the same
schema and grounding checks as interactive drafting; an answer that fails
them goes into the next round as a repair request (the answer and the exact
problems, as interactive drafting does), up to `max_repairs` times, and is
then written by the template engine and marked for the analyst; a missing or
failed request is simply asked again. A section being repaired holds back
the sections that depend on it. When every section of every company is in,
the drafts are written. A company that cannot be loaded (a bad signals
file) is left out of the batch and reported, as a fleet does. Each step loads
the companies one at a time (`_Loader`) and keeps none, so a batch of a thousand
companies is never in memory at once. Pure except for the files of the batch
folder and the drafts it writes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from naftiko_writer.config import DEFAULT_BATCH_MAX_REPAIRS
from naftiko_writer.document.draft_files import DraftFiles
from naftiko_writer.drafting.answers import parse_output, section_result, summarise
from naftiko_writer.drafting.grounding import check_grounding
from naftiko_writer.drafting.prompts import render_messages
from naftiko_writer.drafting.run import (
    DraftRun,
    Prepared,
    RunInputs,
    build_provenance,
    load_run_inputs,
    prepare_company,
)
from naftiko_writer.drafting.template_engine import draft_from_template
from naftiko_writer.drafting.use_case import DraftTarget, write_report
from naftiko_writer.errors import ConfigError, InputError, NaftikoWriterError
from naftiko_writer.files import LockHeldError, hold_lock, read_text_bounded, write_text_atomically
from naftiko_writer.formats import BATCH_FORMAT, check_format_version
from naftiko_writer.llm.answer_shape import MalformedAnswerError, parse_answer_json, read_chat_answer
from naftiko_writer.llm.protocol import require_api_key
from naftiko_writer.report.model import Report, SectionResult, SectionSource
from naftiko_writer.report.plan import SectionSpec, plan_sections, section_input
from naftiko_writer.report.sections import OUTPUT_MODELS, Output, strict_schema

STATE_FILE = "state.json"
MAX_STATE_BYTES = 4 * 2**30
"""The largest state file a batch folder holds (about 400 MB for 1,000 companies)."""
ENDPOINT = "/v1/chat/completions"
MAX_REQUESTS_PER_FILE = 50_000
"""OpenAI's documented limit on the requests of one batch input file."""
MAX_BYTES_PER_FILE = 200_000_000
"""OpenAI's documented limit on the size of one batch input file (200 MB)."""


class BatchRetry(BaseModel):
    """A section whose answer failed: what to send next, and what it has cost so far."""

    model_config = ConfigDict(extra="forbid")

    messages: list[dict[str, str]]
    attempts: int
    problems: list[str]
    prompt_tokens: int = 0
    completion_tokens: int = 0


class BatchCompany(BaseModel):
    """One company of a batch and the sections collected for it."""

    model_config = ConfigDict(extra="forbid")

    company: str = Field(description="The slug or signals file the batch was built from.")
    slug: str
    sections: dict[str, SectionResult] = Field(default_factory=dict)
    retrying: dict[str, BatchRetry] = Field(default_factory=dict)


class BatchState(BaseModel):
    """state.json of a batch folder."""

    model_config = ConfigDict(extra="forbid")

    format_version: int = Field(
        default=BATCH_FORMAT,
        validation_alias=AliasChoices("format_version", "version"),  # `version` in older state files
        description="The state file's format (naftiko_writer.formats).",
    )
    model: str
    collected: int = Field(default=0, description="The last round whose results were collected.")
    created: str
    max_output_tokens: int | None = None
    max_repairs: int = Field(
        default=DEFAULT_BATCH_MAX_REPAIRS, ge=0, le=5, description="Repair rounds per section before it falls back."
    )
    round: int = 0
    max_requests_per_file: int = Field(
        default=MAX_REQUESTS_PER_FILE, ge=1, description="Requests one round file (one provider batch) may hold."
    )
    max_bytes_per_file: int = Field(
        default=MAX_BYTES_PER_FILE, ge=1024, description="Bytes one round file (one provider batch) may hold."
    )
    companies: list[BatchCompany]


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


def custom_id(slug: str, section_id: str, round_number: int) -> str:
    """The Batch API id of one section's request in one round (so results of another round never match)."""
    return f"{slug}|{section_id}|r{round_number}"


def build_batch(
    base: DraftRun,
    companies: list[str],
    folder: Path,
    max_requests_per_file: int = MAX_REQUESTS_PER_FILE,
    max_bytes_per_file: int = MAX_BYTES_PER_FILE,
) -> BatchProgress:
    """Start a batch in `folder` (which must not hold one yet): state plus the round-1 request files.

    Each round is written in as many files as the limits per file need (see `split_round`).
    """
    if (folder / STATE_FILE).exists():
        raise InputError(f"{folder}: already holds a batch ({STATE_FILE}); collect it, or build into a new folder")
    entries = []
    failed: list[tuple[str, str]] = []
    inputs = load_run_inputs(base.sources)
    for company in companies:  # each company is loaded to check it and learn its slug, then dropped
        try:
            prepared = prepare_company(company, base.sources, inputs)
        except NaftikoWriterError as exc:  # one bad company is reported; the others are batched
            failed.append((company, str(exc).splitlines()[0]))
            continue
        entries.append(BatchCompany(company=company, slug=prepared.card.company.slug))
    if not entries:
        raise InputError("no company could be batched:\n  " + "\n  ".join(f"{c}: {e}" for c, e in failed))
    slugs = [entry.slug for entry in entries]
    if len(set(slugs)) != len(slugs):
        raise InputError(f"two of the companies share a slug ({', '.join(slugs)}); a batch needs distinct companies")
    state = BatchState(
        model=_model_of(base),
        created=base.created,
        max_output_tokens=base.options.max_output_tokens,
        max_repairs=base.options.max_repairs,
        max_requests_per_file=max_requests_per_file,
        max_bytes_per_file=max_bytes_per_file,
        companies=entries,
    )
    return _next_round(base, state, folder, _Loader(base, inputs), BatchProgress(round=0, failed=failed))


COLLECT_LOCK = ".collect.lock"


def collect_batch(base: DraftRun, folder: Path, results_text: str, drafts_dir: Path, stamp: str) -> BatchProgress:
    """Take one round's results into the batch; write the next round, or the drafts when all is in.

    A collect holds `<folder>/.collect.lock`: a second collect of the same batch at the same time stops at once.
    """
    lock = folder / COLLECT_LOCK
    try:
        with hold_lock(lock):
            return _collect_batch(base, folder, results_text, drafts_dir, stamp)
    except LockHeldError:
        raise InputError(
            f"{folder}: another `batch collect` is collecting this batch (it holds {lock}); wait for it to finish"
        ) from None


def _collect_batch(base: DraftRun, folder: Path, results_text: str, drafts_dir: Path, stamp: str) -> BatchProgress:
    state = load_state(folder)
    if state.collected >= state.round:
        raise InputError(f"{folder}: round {state.round} is already collected; the drafts were written")
    state.collected = state.round
    requested = set().union(*(_requested_ids(path) for path in round_files(folder, state.round)))
    results = parse_results(results_text, folder)
    if not requested & set(results):
        raise InputError(
            f"the results answer none of round {state.round}'s requests; give the output of "
            f"{', '.join(str(path) for path in round_files(folder, state.round))}"
        )
    progress = BatchProgress(round=state.round)
    loaded = _Loader(base, load_run_inputs(base.sources))
    for entry in state.companies:
        prepared = loaded[entry]
        outputs = _outputs(entry)
        for spec in plan_sections(prepared.card):
            key = custom_id(entry.slug, spec.id, state.round)
            if key not in requested:
                continue
            data = section_input(spec, prepared.card, prepared.taxonomy, outputs)
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
    return _next_round(base, state, folder, loaded, progress, drafts_dir, stamp)


def load_state(folder: Path) -> BatchState:
    """Read a batch folder's state."""
    path = folder / STATE_FILE
    try:
        data = json.loads(read_text_bounded(path, MAX_STATE_BYTES, "the batch state"))
        check_format_version(data, BATCH_FORMAT, "batch state", str(path))
        return BatchState.model_validate(data)
    except FileNotFoundError:
        raise InputError(f"{folder}: no {STATE_FILE}; build a batch first (naftiko-writer batch build)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as exc:
        raise InputError(f"{path}: the batch state is damaged ({type(exc).__name__}); rebuild the batch") from exc


def split_round(lines: list[str], max_requests: int, max_bytes: int) -> list[list[str]]:
    """A round's request lines in files within the provider's limits, in order.

    Each file holds at most `max_requests` lines and `max_bytes` bytes (newlines counted); a line larger
    than `max_bytes` on its own is an error.
    """
    parts: list[list[str]] = [[]]
    size = 0
    for line in lines:
        length = len(line.encode()) + 1
        if length > max_bytes:
            raise InputError(
                f"one request is {length:,} bytes, over the {max_bytes:,} bytes a batch file may hold; "
                "raise --max-bytes-per-file"
            )
        if parts[-1] and (len(parts[-1]) >= max_requests or size + length > max_bytes):
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += length
    return parts


def round_path(folder: Path, round_number: int, part: int, parts: int) -> Path:
    """`round-N.jsonl` for a round in one file; `round-N.K.jsonl` for part K of a split round."""
    return folder / (f"round-{round_number}.jsonl" if parts == 1 else f"round-{round_number}.{part}.jsonl")


def round_files(folder: Path, round_number: int) -> list[Path]:
    """A round's request files, in part order (one, unless the round was split)."""
    single = folder / f"round-{round_number}.jsonl"
    if single.exists():
        return [single]
    parts = []
    for path in folder.glob(f"round-{round_number}.*.jsonl"):
        number = path.name.removeprefix(f"round-{round_number}.").removesuffix(".jsonl")
        if number.isdigit():
            parts.append((int(number), path))
    return [path for _, path in sorted(parts)] or [single]


def _ids_path(folder: Path, round_number: int) -> Path:
    return folder / f"round-{round_number}.batch-id"


def submit_round(folder: Path, base_url: str, api_key: str | None) -> tuple[list[Path], list[str]]:
    """Upload the batch's latest round and start it at the provider, one provider batch per request file.

    The ids are saved beside the round (`round-N.batch-id`, one line per file) as each batch starts, so a
    submit stopped half-way submits only the files that have no batch yet when run again.
    """
    state = load_state(folder)
    key = require_api_key(api_key, base_url, "submitting a batch calls", _collect_from_file(folder))
    from naftiko_writer.llm.client import submit_batch  # the SDK loads only when a batch is sent

    paths = round_files(folder, state.round)
    ids = submitted_batch_ids(folder)[: len(paths)]
    for path in paths[len(ids) :]:
        ids.append(submit_batch(base_url, key, path))
        write_text_atomically(_ids_path(folder, state.round), "".join(f"{batch_id}\n" for batch_id in ids))
    return paths, ids


def submitted_batch_ids(folder: Path) -> list[str]:
    """The provider's ids of the batch's latest round (one per request file submitted so far)."""
    id_path = _ids_path(folder, load_state(folder).round)
    if not id_path.exists():
        return []
    try:
        return [line.strip() for line in id_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{id_path}: cannot read the batch ids ({exc}); submit the round again") from exc


def submitted_batch_id(folder: Path) -> str | None:
    """The provider's id of the batch's latest round (its first file's), once it was submitted."""
    ids = submitted_batch_ids(folder)
    return ids[0] if ids else None


def fetch_round_results(folder: Path, base_url: str, api_key: str | None) -> tuple[str, str | None]:
    """The submitted round's status at the provider, and its output once the provider has finished every file.

    A split round is one round: it is collected when all of its provider batches are completed, their output
    files taken together; until then the status is the first unfinished batch's.
    """
    ids = submitted_batch_ids(folder)
    if not ids:
        raise ConfigError(f"{folder}: give --results FILE, or submit the round and set OPENAI_API_KEY")
    if len(ids) < len(round_files(folder, load_state(folder).round)):
        raise ConfigError(f"{folder}: only {len(ids)} of the round's files were submitted; run `batch submit` again")
    key = require_api_key(api_key, base_url, "fetching a batch calls", _collect_from_file(folder))
    from naftiko_writer.llm.client import fetch_batch_results  # the SDK loads only when a batch is fetched

    texts = []
    for batch_id in ids:
        status, text = fetch_batch_results(base_url, key, batch_id)
        if text is None:
            return status, None
        texts.append(text if text.endswith("\n") else text + "\n")
    return "completed", "".join(texts)


def _collect_from_file(folder: Path) -> str:
    """What to do without a key: collect the results another way."""
    return f"collect an output file you have with `batch collect {folder} --results FILE`"


def parse_results(text: str, folder: Path) -> dict[str, dict[str, Any]]:
    """Batch API output lines by custom_id; a line that is not one (tampered, foreign) is an error naming its number.

    Each line is read as any answer is (llm/answer_shape: size, nesting and digits bounded) and must be an
    object with a string custom_id and, if present, an object response; its answer is checked when collected.
    """
    results: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = parse_answer_json(line)
            problem = _result_line_problem(entry)
        except MalformedAnswerError as exc:
            problem = str(exc)
        if problem is not None:
            raise InputError(
                f"results line {number}: not a Batch API output line ({problem}); "
                f"give the output file of the batch built in {folder}"
            )
        results[entry["custom_id"]] = entry
    return results


def _result_line_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return f"a JSON {type(entry).__name__}, not an object"
    if not isinstance(entry.get("custom_id"), str):
        return "no custom_id"
    response = entry.get("response")
    if response is not None and not isinstance(response, dict):
        return "a response that is not an object"
    if isinstance(response, dict) and response.get("body") is not None and not isinstance(response["body"], dict):
        return "a response body that is not an object"
    return None


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


def _outputs(entry: BatchCompany) -> dict[str, Output]:
    return {section_id: result.output for section_id, result in entry.sections.items()}


def _requested_ids(path: Path) -> set[str]:
    try:
        return {json.loads(line)["custom_id"] for line in path.read_text(encoding="utf-8").splitlines() if line}
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        raise InputError(f"{path}: cannot read the round's requests ({type(exc).__name__}); rebuild the batch") from exc


def _next_round(
    base: DraftRun,
    state: BatchState,
    folder: Path,
    loaded: _Loader,
    progress: BatchProgress,
    drafts_dir: Path | None = None,
    stamp: str = "",
) -> BatchProgress:
    """Write the next round's requests (or, when every section is in, the drafts) and save the state.

    Each request line goes to its round file as it is made (`_RoundWriter`), so a round is never held whole.
    """
    writer = _RoundWriter(folder, state.round + 1, state.max_requests_per_file, state.max_bytes_per_file)
    try:
        for entry in state.companies:
            prepared = loaded[entry]
            outputs = _outputs(entry)
            plan = plan_sections(prepared.card)
            ready = [
                spec
                for spec in plan
                if spec.id not in entry.sections and all(dependency in entry.sections for dependency in spec.depends_on)
            ]
            for spec in ready:
                retry = entry.retrying.get(spec.id)
                data = section_input(spec, prepared.card, prepared.taxonomy, outputs)
                body: dict[str, Any] = {
                    "model": state.model,
                    "messages": retry.messages
                    if retry
                    else render_messages(prepared.prompts, spec.kind, spec.title, data),
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
                request = {
                    "custom_id": custom_id(entry.slug, spec.id, state.round + 1),
                    "method": "POST",
                    "url": ENDPOINT,
                    "body": body,
                }
                writer.add(json.dumps(request, ensure_ascii=False))
    except BaseException:
        writer.discard()
        raise
    lines = writer.count
    if lines:
        state.round += 1
        progress.round = state.round
        progress.requests = lines
        progress.round_files = writer.finish()
        progress.round_file = progress.round_files[0]
    else:
        writer.discard()
    write_text_atomically(folder / STATE_FILE, state.model_dump_json(indent=2) + "\n")
    if not lines and drafts_dir is not None:
        for entry in state.companies:  # each company loaded again, its draft written, then dropped
            run = replace(base, company=entry.company, created=state.created)
            files = write_report(_report(run, state.model, loaded[entry], entry), DraftTarget(drafts_dir, stamp))
            progress.drafts.append(files)
    return progress


class _RoundWriter:
    """A round's request files written line by line, split by the same rule as `split_round`.

    Parts are written to temporaries and renamed into place by `finish` (`round-N.jsonl`, or
    `round-N.K.jsonl` when the round needs several files), so a crash leaves no half round.
    """

    def __init__(self, folder: Path, round_number: int, max_requests: int, max_bytes: int) -> None:
        self.folder, self.round_number = folder, round_number
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.count = 0
        self._parts: list[tuple[Path, int, int]] = []  # temporary, lines, bytes
        self._stream: Any = None

    def add(self, line: str) -> None:
        """Append one request line, starting a new file when the current one is full."""
        length = len(line.encode()) + 1
        if length > self.max_bytes:
            raise InputError(
                f"one request is {length:,} bytes, over the {self.max_bytes:,} bytes a batch file may hold; "
                "raise --max-bytes-per-file"
            )
        if not self._parts or self._parts[-1][1] >= self.max_requests or self._parts[-1][2] + length > self.max_bytes:
            self._open_part()
        temporary, lines, size = self._parts[-1]
        self._stream.write(line + "\n")
        self._parts[-1] = (temporary, lines + 1, size + length)
        self.count += 1

    def _open_part(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".round-{self.round_number}.{len(self._parts) + 1}.jsonl.tmp"
        self._stream = temporary.open("w", encoding="utf-8")
        self._parts.append((temporary, 0, 0))

    def finish(self) -> list[Path]:
        """Sync and rename every part into place; the round's files, in order."""
        if self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            self._stream = None
        paths = [
            round_path(self.folder, self.round_number, n, len(self._parts)) for n in range(1, len(self._parts) + 1)
        ]
        for (temporary, _, _), path in zip(self._parts, paths, strict=True):
            os.replace(temporary, path)
        return paths

    def discard(self) -> None:
        """Remove what was written (no request, or an error)."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        for temporary, _, _ in self._parts:
            temporary.unlink(missing_ok=True)


class _Loader:
    """A batch's companies, loaded one at a time as a step reaches them: only the last one is kept.

    A batch of a thousand companies loaded at once held every ScoreCard to the end (gigabytes); each step
    goes through the companies in order, so keeping the last one loads each company once per step.
    """

    def __init__(self, base: DraftRun, inputs: RunInputs) -> None:
        self.base = base
        self.inputs = inputs
        self._last: tuple[str, Prepared] | None = None

    def __getitem__(self, entry: BatchCompany) -> Prepared:
        if self._last is None or self._last[0] != entry.slug:
            self._last = (entry.slug, prepare_company(entry.company, self.base.sources, self.inputs))
        return self._last[1]


def _report(run: DraftRun, model: str, prepared: Prepared, entry: BatchCompany) -> Report:
    ordered = {spec.id: entry.sections[spec.id] for spec in plan_sections(prepared.card)}
    summary = summarise(ordered).model_copy(update={"mode": "batch"})
    if run.prices is not None:
        summary.cost = run.prices.cost(model, summary.prompt_tokens, summary.completion_tokens, batch=True)
    provenance = build_provenance(run, prepared, ["batch"]).model_copy(update={"model": model})
    return Report(scorecard=prepared.card, sections=ordered, provenance=provenance, summary=summary)


def _model_of(run: DraftRun) -> str:
    """The model a batch asks (its requests name it)."""
    if run.model is None:
        raise ConfigError("a batch is drafted by a model: give the run an endpoint with a model (--model)")
    return run.model
