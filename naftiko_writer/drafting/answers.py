"""Section results: parsing a model answer, the record of a drafted section, budgets, run totals. Pure.

What the drafting engines (pipeline.py interactively, batch.py through the
Batch API) share: an answer parsed into its schema with readable problems,
the SectionResult that records a section and what it was drafted from, the
token and cost budget of a report, and the totals of a run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import ValidationError

from naftiko_writer.drafting.cost import ModelPrice
from naftiko_writer.errors import BudgetExceededError
from naftiko_writer.report.model import DraftSummary, SectionResult, SectionSource
from naftiko_writer.report.plan import SectionSpec
from naftiko_writer.report.sections import Input, Output


class Outcome(StrEnum):
    """What a run did with a section."""

    DRAFTED = "drafted"  # written now (model or template)
    REUSED = "reused"  # taken from the previous draft or checkpoint: same inputs, nothing to redo
    KEPT = "kept"  # edited by the analyst: kept verbatim
    KEPT_STALE = "kept-stale"  # edited by the analyst and kept, but its inputs changed underneath


@dataclass(frozen=True)
class Reservation:
    """What one call may spend at most, held against the budget while it is in flight."""

    tokens: int
    cost: float


@dataclass
class Budget:
    """Token and cost limits of one report: a hard cap, across resumes.

    Before a call is sent, its estimated prompt plus its maximum output is
    reserved. A call that does not fit waits while other calls are in flight
    (their answers usually cost less than they reserved); when it does not fit
    even with nothing in flight, it is not sent, and from then on no call is
    (the run stops). When an answer comes back its reservation is replaced by
    what the call really spent. `earlier_*` is what earlier runs of the same
    checkpoint spent; `tokens` and `cost` are this run's.
    """

    max_tokens: int | None = None
    max_cost: float | None = None
    price: ModelPrice | None = None
    earlier_tokens: int = 0
    earlier_cost: float = 0.0
    tokens: int = 0
    cost: float = 0.0
    reserved_tokens: int = 0
    reserved_cost: float = 0.0
    in_flight: int = 0
    refused: Reservation | None = field(default=None, init=False)
    """The first call that did not fit (None: none was refused)."""
    _settled: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    @property
    def limited(self) -> bool:
        """Whether the report has a budget at all."""
        return self.max_tokens is not None or self.max_cost is not None

    async def reserve(self, prompt_tokens: int, max_output_tokens: int) -> Reservation:
        """Hold the most a call can spend (waiting for calls in flight), or raise BudgetExceededError."""
        wanted = Reservation(prompt_tokens + max_output_tokens, self.price_of(prompt_tokens, max_output_tokens))
        while self.refused is None:
            if self._fits(wanted):
                self.reserved_tokens += wanted.tokens
                self.reserved_cost += wanted.cost
                self.in_flight += 1
                return wanted
            if not self.in_flight:
                self.refused = wanted
                self._wake()
                break
            settled = self._settled
            await settled.wait()
        raise BudgetExceededError("the budget is spent")

    def release(self, reservation: Reservation) -> None:
        """A call came back (or failed): its reservation no longer holds (charge what it spent first)."""
        self.reserved_tokens -= reservation.tokens
        self.reserved_cost -= reservation.cost
        self.in_flight -= 1
        self._wake()

    def charge(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Count one answer; its cost (0 without a price). A negative count (any client's) counts as none."""
        prompt_tokens, completion_tokens = max(0, prompt_tokens), max(0, completion_tokens)
        cost = self.price_of(prompt_tokens, completion_tokens)
        self.tokens += prompt_tokens + completion_tokens
        self.cost += cost
        return cost

    def price_of(self, prompt_tokens: int, completion_tokens: int) -> float:
        """What so many tokens cost at the model's price (0 without one)."""
        if self.price is None:
            return 0.0
        return (
            prompt_tokens * self.price.input_per_million + completion_tokens * self.price.output_per_million
        ) / 1_000_000

    def stopped(self) -> str | None:
        """Why the run stopped early (from the final totals, so it agrees with the summary), or None."""
        if self.refused is None:
            return None
        if self.max_tokens is not None and self.earlier_tokens + self.tokens + self.refused.tokens > self.max_tokens:
            spent = f"{self.earlier_tokens + self.tokens:,} tokens"
            this_run = f"{self.tokens:,} tokens"
            what = f"token budget of {self.max_tokens:,} per report"
            need = f"{self.refused.tokens:,} tokens"
        else:
            spent = f"${self.earlier_cost + self.cost:.4f}"
            this_run = f"${self.cost:.4f}"
            what = f"cost budget of ${self.max_cost or 0:.4f}"
            need = f"${self.refused.cost:.4f}"
        earlier = f" ({this_run} in this run, the rest in earlier runs)" if self.earlier_tokens else ""
        return (
            f"the {what} is spent: {spent} used{earlier}, and the next call could take up to {need} "
            "(its prompt and its output cap)"
        )

    def _fits(self, wanted: Reservation) -> bool:
        tokens = self.earlier_tokens + self.tokens + self.reserved_tokens + wanted.tokens
        cost = self.earlier_cost + self.cost + self.reserved_cost + wanted.cost
        return (self.max_tokens is None or tokens <= self.max_tokens) and (
            self.max_cost is None or cost <= self.max_cost
        )

    def _wake(self) -> None:
        """Let the calls waiting for room look again."""
        self._settled.set()
        self._settled = asyncio.Event()


def estimate_prompt_tokens(messages: Sequence[Mapping[str, object]], schema: Mapping[str, object]) -> int:
    """A generous estimate of a request's prompt tokens: its text and schema at three characters a token.

    Tokenizers average about four characters a token on English prose and JSON; three, plus a few
    tokens per message, errs on the side of reserving too much.
    """
    characters = sum(len(str(message.get("content") or "")) for message in messages)
    characters += len(json.dumps(schema, separators=(",", ":")))
    return characters // 3 + 8 * len(messages) + 8


def section_result(
    spec: SectionSpec, data: Input, output: Output, source: SectionSource, template_hash: str, **counts: object
) -> SectionResult:
    """The record of one drafted section."""
    return SectionResult.model_validate(
        {
            "id": spec.id,
            "kind": spec.kind,
            "title": spec.title,
            "source": source,
            "output": output,
            "input_hash": input_hash(data, template_hash),
            **counts,
        }
    )


def parse_output(content: str, finish_reason: str | None, model_type: type[Output]) -> tuple[Output | None, list[str]]:
    """Parse a model answer into its schema; the problems, one line each, when it does not fit."""
    if finish_reason == "length":
        return None, ["the answer was cut off at the token limit; answer more briefly"]
    try:
        value = json.loads(content)
    except json.JSONDecodeError as exc:
        return None, [f"the answer is not valid JSON ({exc.msg} at character {exc.pos}); return one JSON object"]
    try:
        return model_type.model_validate(value), []
    except ValidationError as exc:
        return None, [
            f"{'.'.join(str(part) for part in error['loc']) or 'the object'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]


def input_hash(data: Input, template_hash: str) -> str:
    """What a section was drafted from: its input and its prompt template."""
    return hashlib.sha256((data.model_dump_json() + template_hash).encode()).hexdigest()[:16]


def summarise(
    results: dict[str, SectionResult], unused_recordings: int = 0, outcomes: Mapping[str, Outcome] | None = None
) -> DraftSummary:
    """Totals over the sections drafted in this run (reused and kept ones are counted, not summed)."""
    outcomes = outcomes or {}
    carried = {section_id for section_id, outcome in outcomes.items() if outcome is not Outcome.DRAFTED}
    values = [result for section_id, result in results.items() if section_id not in carried]
    return DraftSummary(
        sections=len(results),
        drafted=len(values),
        reused=sorted(i for i, outcome in outcomes.items() if outcome is Outcome.REUSED),
        kept=sorted(i for i, outcome in outcomes.items() if outcome in (Outcome.KEPT, Outcome.KEPT_STALE)),
        kept_stale=sorted(i for i, outcome in outcomes.items() if outcome is Outcome.KEPT_STALE),
        calls=sum(r.attempts for r in values),
        prompt_tokens=sum(r.prompt_tokens for r in values),
        completion_tokens=sum(r.completion_tokens for r in values),
        retries=sum(r.retries for r in values),
        repairs=sum(max(r.attempts - 1, 0) for r in values),
        fallbacks=sum(1 for r in values if r.source is SectionSource.FALLBACK),
        unused_recordings=unused_recordings,
    )
