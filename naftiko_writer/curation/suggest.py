"""`taxonomy suggest` and `taxonomy accept`: model-assisted catalogue curation, and merging a reviewed proposal.

Suggest collects the names the taxonomy does not count (most widespread first), sends them in
batches with the dimension ids and descriptions (prompts/taxonomy_suggest.md), and validates every
answer against a strict schema whose dimension ids are a closed list: names must be the batch's
own, ids must exist. An answer with unknown ids or missing names gets a bounded repair round
(prompts/repair.md, listing the problems); what is still unknown after it is dropped and counted.
Calls go through the same record/replay transport as drafts, recordings in
`<recordings>/_taxonomy-suggest/<source>/` (the company folder or file, or the folder holding
many), so a recorded curation run replays offline; the shipped ones for `fixtures/real/eventbrite`
are authored (scripts/author_suggest_recordings.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from naftiko_writer import event_loop
from naftiko_writer.curation.proposal import ACCEPTED_FILE, Suggestion, append_entries, bump_version
from naftiko_writer.drafting.ask import Question, ask
from naftiko_writer.drafting.prompts import fill_placeholders, inert_json, read_prompt, repair_message
from naftiko_writer.errors import InputError, ReplayMissError, TaxonomyError
from naftiko_writer.files import write_text_atomically
from naftiko_writer.llm.factory import ClientFactory, open_client
from naftiko_writer.llm.limiter import Limiter
from naftiko_writer.llm.protocol import ChatRequest, ChatResult
from naftiko_writer.options import Endpoint, Sources
from naftiko_writer.scoring.companies import SIGNAL_FILE_STEM, load_company
from naftiko_writer.scoring.coverage import coverage_report
from naftiko_writer.scoring.models import SignalCatalog, SignalKind, Taxonomy
from naftiko_writer.scoring.names import name_key
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.taxonomy import CATALOGUE_DIR, STRUCTURE_FILE, load_taxonomy

TEMPLATE_FILE = "taxonomy_suggest.md"
SYSTEM_FILE = "system.md"
REPAIR_FILE = "repair.md"
RECORDINGS_FOLDER = "_taxonomy-suggest"
SCHEMA_NAME = "taxonomy_suggestions"


@dataclass(frozen=True)
class UncountedName:
    """A name no rule counts, how it was listed, and at how many companies (its most widespread listing)."""

    name: str
    kind: SignalKind
    companies: int


@dataclass(frozen=True)
class SuggestJob:
    """One `taxonomy suggest` run: the sources whose uncounted names are asked about, and how."""

    sources: list[str]
    folders: Sources
    endpoint: Endpoint
    batch_size: int = 40
    limit: int = 200
    max_repairs: int = 1
    concurrency: int = 4


@dataclass
class SuggestResult:
    """The suggestions of a run and what it cost."""

    suggestions: list[Suggestion]
    names: int
    batches: int
    calls: int = 0
    repairs: int = 0
    dropped_ids: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    answer_sources: dict[str, int] = field(default_factory=dict)
    """Where the answers came from, counted: `live`, `recorded` or `authored` (replayed recordings)."""


def uncounted_names(job: SuggestJob, taxonomy: Taxonomy) -> list[UncountedName]:
    """The uncounted names of every source, the most widespread first (at most `job.limit`).

    A name listed under several kinds (`Scanning Systems` as a concept and as a tool) is sent
    once, as its most widespread listing: a catalogue entry is per name, so one answer covers all.
    """
    scorer = Scorer(taxonomy)
    scored = []
    for reference in job.sources:
        company_signals = load_company(reference, job.folders.companies_dir)
        scored.append((company_signals, scorer.score(company_signals)))
    report = coverage_report(scored, top=job.limit * len(SignalKind))  # a name has at most one listing per kind
    names: dict[str, UncountedName] = {}
    for name, kind, companies in report.top_uncounted:
        names.setdefault(name_key(name), UncountedName(name, kind, companies))
    return list(names.values())[: job.limit]


def recordings_folder(job: SuggestJob) -> Path:
    """Where a job's calls are recorded: `<recordings>/_taxonomy-suggest/<source>/`.

    `<source>` is the company folder or file's name (`eventbrite` for fixtures/real/eventbrite,
    `acme` for acme.csv, the folder's for a signals.yaml), or the name of the folder holding
    several sources.
    """
    return job.endpoint.recordings_dir / recordings_subject(job)


def recordings_subject(job: SuggestJob) -> str:
    """A job's recordings folder, relative to the recordings root: `_taxonomy-suggest/<source>`."""
    paths = [Path(source).resolve() for source in job.sources]
    if len(paths) == 1:
        label = paths[0].parent.name if paths[0].stem == SIGNAL_FILE_STEM else paths[0].stem
    else:
        try:
            label = Path(os.path.commonpath(paths)).name
        except ValueError:  # pragma: no cover - resolved paths on different drives (Windows)
            label = ""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in label).strip("._")
    return f"{RECORDINGS_FOLDER}/{safe or 'companies'}"


def answer_schema(dimension_ids: list[str]) -> dict[str, Any]:
    """The strict JSON schema of one batch's answer: dimension ids and kinds are closed lists."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["suggestions"],
        "properties": {
            "suggestions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "kind", "dimensions", "reason"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 300, "description": "The name exactly as given."},
                        "kind": {"type": "string", "enum": [kind.value for kind in SignalKind]},
                        "dimensions": {
                            "type": "array",
                            "items": {"type": "string", "enum": dimension_ids},
                            "maxItems": 6,
                            "description": "Dimension ids the name is evidence of; empty if none applies.",
                        },
                        "reason": {"type": "string", "maxLength": 200, "description": "One line a reviewer can check."},
                    },
                },
            }
        },
    }


def batch_messages(system: str, template: str, taxonomy: Taxonomy, batch: list[UncountedName]) -> list[dict[str, str]]:
    """The chat messages for one batch (pure): dimensions and names as JSON inside <data>."""
    data = {
        "dimensions": [{"id": d.id, "name": d.name, "description": d.description} for d in taxonomy.dimensions],
        "names": [{"name": item.name, "listed_as": item.kind.value, "companies": item.companies} for item in batch],
    }
    text = inert_json(json.dumps(data, indent=1, ensure_ascii=False))
    return [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": fill_placeholders(template, {"data": text})},
    ]


def validate_answer(
    content: str, batch: list[UncountedName], known_ids: set[str]
) -> tuple[list[Suggestion], list[str], list[tuple[str, str]]]:
    """Suggestions an answer makes for the batch's names, the problems to repair, and unknown (name, id) pairs."""
    try:
        data = json.loads(content)
        items = data["suggestions"]
        if not isinstance(items, list):
            raise TypeError("suggestions is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        return [], [f"the answer is not the JSON object the schema asks for ({exc})"], []
    wanted = {(name_key(item.name)): item for item in batch}
    suggestions: dict[str, Suggestion] = {}
    problems: list[str] = []
    unknown: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name", ""))
        listed = wanted.get(name_key(name))
        if listed is None or name_key(name) in suggestions:
            continue  # a name that is not the batch's own, or a repeat: ignored
        try:
            kind = SignalKind(str(item.get("kind", listed.kind.value)))
        except ValueError:
            kind = listed.kind
        raw_ids = item.get("dimensions") or []
        ids = tuple(dict.fromkeys(str(i) for i in raw_ids if str(i) in known_ids)) if isinstance(raw_ids, list) else ()
        bad = [str(i) for i in raw_ids if str(i) not in known_ids] if isinstance(raw_ids, list) else []
        unknown.extend((listed.name, bad_id) for bad_id in bad)
        reason = " ".join(str(item.get("reason", "")).split())[:200] or "no reason given"
        suggestions[name_key(name)] = Suggestion(listed.name, listed.kind, kind, ids, reason, listed.companies)
    if unknown:
        listed_ids = ", ".join(sorted({bad_id for _, bad_id in unknown}))
        problems.append(f"these dimension ids do not exist: {listed_ids}; use only the ids listed in the data")
    missing = [item.name for item in batch if name_key(item.name) not in suggestions]
    if missing:
        problems.append(f"no suggestion for: {', '.join(missing[:20])}; give one for every name, spelled as given")
    ordered = [suggestions[name_key(item.name)] for item in batch if name_key(item.name) in suggestions]
    return ordered, problems, unknown


def suggest(
    job: SuggestJob, on_batch: Callable[[int, int], None] | None = None, clients: ClientFactory = open_client
) -> SuggestResult:
    """Run a suggest job to the end (blocking); `on_batch(done, total)` after each batch is answered."""
    return event_loop.run(suggest_async(job, on_batch, clients))


async def suggest_async(
    job: SuggestJob, on_batch: Callable[[int, int], None] | None = None, clients: ClientFactory = open_client
) -> SuggestResult:
    """Suggest dimensions for the uncounted names of the job's sources, batch by batch, concurrently."""
    taxonomy = load_taxonomy(job.folders.taxonomy_dir)
    prompts_dir = job.folders.prompts_dir
    system, template = read_prompt(prompts_dir / SYSTEM_FILE), read_prompt(prompts_dir / TEMPLATE_FILE)
    repair = read_prompt(prompts_dir / REPAIR_FILE)
    template_hash = hashlib.sha256((system + "\0" + template).encode()).hexdigest()[:16]
    names = uncounted_names(job, taxonomy)
    batches = [names[start : start + job.batch_size] for start in range(0, len(names), job.batch_size)]
    result = SuggestResult(suggestions=[], names=len(names), batches=len(batches))
    if not batches:
        return result
    folder = recordings_folder(job)
    client = clients(job.endpoint, recordings_subject(job), offline_hint="use --mode replay")
    known_ids = [d.id for d in taxonomy.dimensions]
    schema = answer_schema(known_ids)
    limit = Limiter(job.concurrency)

    def counted(answer: ChatResult, _: float) -> None:
        result.calls += 1
        source = answer.recording or "live"
        result.answer_sources[source] = result.answer_sources.get(source, 0) + 1
        result.prompt_tokens += answer.prompt_tokens
        result.completion_tokens += answer.completion_tokens

    async def run(index: int, batch: list[UncountedName]) -> list[Suggestion]:
        unknown: list[tuple[str, str]] = []

        def read(answer: ChatResult) -> tuple[list[Suggestion], list[str]]:
            suggestions, problems, unknown[:] = validate_answer(answer.content, batch, set(known_ids))
            return suggestions, problems

        request = ChatRequest(
            section_id=f"suggest-batch-{index + 1}",
            template_hash=template_hash,
            model=job.endpoint.model,
            messages=batch_messages(system, template, taxonomy, batch),
            schema_name=SCHEMA_NAME,
            schema=schema,
        )
        try:
            asked = await ask(
                client,
                Question(request, read, lambda problems: repair_message(repair, problems)),
                max_repairs=job.max_repairs,
                limit=limit,
                on_answer=counted,
            )
        except ReplayMissError as exc:
            raise ReplayMissError(_miss_message(folder, index + 1)) from exc
        if asked.error is not None:
            raise asked.error
        result.repairs += asked.repairs
        suggestions = asked.value if asked.value is not None else (asked.last_value or [])
        result.dropped_ids.extend(unknown)
        answered = {name_key(s.name) for s in suggestions}
        result.missing.extend(item.name for item in batch if name_key(item.name) not in answered)
        if on_batch is not None:
            on_batch(index + 1, len(batches))
        return suggestions

    try:
        answers = await asyncio.gather(*(run(index, batch) for index, batch in enumerate(batches)))
    finally:
        await client.close()
    result.suggestions = [suggestion for batch_answer in answers for suggestion in batch_answer]
    return result


@dataclass(frozen=True)
class Accepted:
    """What accepting a proposal changed."""

    entries: int
    accepted_file: Path
    old_version: str
    new_version: str


def accept_proposal(proposal_path: Path, taxonomy_dir: Path) -> Accepted:
    """Validate a reviewed proposal, append it to catalogue/accepted.yaml and bump the version.

    The merged taxonomy is loaded before anything is written; if it does not load (an unknown
    id, a name another entry already claims), nothing changes and the error names the problem.
    """
    try:
        proposal_text = proposal_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{proposal_path}: cannot read the proposal ({exc.strerror or exc})") from exc
    from naftiko_writer.data_files import DocumentError, load_document  # the line-tracking loader, for errors

    try:
        document = load_document(proposal_path)
        proposal = SignalCatalog.model_validate(document.data)
    except (DocumentError, ValueError) as exc:
        raise TaxonomyError(f"{proposal_path}: not a catalogue file: {exc}") from exc
    if not proposal.signals:
        raise TaxonomyError(f"{proposal_path}: the proposal has no entries to accept")
    if proposal.kind_rules or proposal.prefix_rules or proposal.keyword_rules:
        raise TaxonomyError(f"{proposal_path}: a proposal may only hold `signals:` entries; move rules by hand")
    structure_path = taxonomy_dir / STRUCTURE_FILE
    accepted_path = taxonomy_dir / CATALOGUE_DIR / ACCEPTED_FILE
    structure_text = structure_path.read_text(encoding="utf-8")
    accepted_before = accepted_path.read_text(encoding="utf-8") if accepted_path.is_file() else None
    new_structure, old_version, new_version = bump_version(structure_text)
    merged = append_entries(accepted_before, proposal_text, proposal_path.name)
    write_text_atomically(accepted_path, merged)
    write_text_atomically(structure_path, new_structure)
    try:
        load_taxonomy(taxonomy_dir)
    except TaxonomyError as exc:
        if accepted_before is None:
            accepted_path.unlink(missing_ok=True)
        else:
            write_text_atomically(accepted_path, accepted_before)
        write_text_atomically(structure_path, structure_text)
        raise TaxonomyError(f"{proposal_path}: not accepted, the taxonomy would not load: {exc}") from exc
    return Accepted(len(proposal.signals), accepted_path, old_version, new_version)


def proposal_header(job: SuggestJob, result: SuggestResult, created: dt.datetime) -> list[str]:
    """The comment lines that open a proposal file."""
    lines = [
        f"Proposal from `naftiko-writer taxonomy suggest` ({created.date().isoformat()}, model {job.endpoint.model}, "
        f"mode {job.endpoint.mode.value}): {result.names} uncounted names in {result.batches} batches.",
        "Review every entry: correct or delete it; reasons are the model's, above each entry.",
        "Then: naftiko-writer taxonomy accept THIS_FILE (appends to taxonomy/catalogue/accepted.yaml, bumps the version).",
    ]
    authored = result.answer_sources.get("authored", 0)
    if authored:
        lines.insert(
            1,
            f"{authored} of the {result.calls} answers replayed are authored recordings: hand-written, not a model's.",
        )
    return lines


def _miss_message(folder: Path, batch: int) -> str:
    """A replay miss, said for suggest: what changed and the command that re-records."""
    shipped = folder.is_dir() and any(folder.glob("*.json"))
    why = (
        "the recordings there are for different requests (the uncounted names, the taxonomy, the prompt or the "
        "model changed since they were recorded)"
        if shipped
        else "there are no recordings for these sources"
    )
    return (
        f"no recorded answer for suggest batch {batch} in {folder}: {why}; re-record with "
        "`naftiko-writer taxonomy suggest SOURCE --out FILE --mode record` against a reachable endpoint"
    )
