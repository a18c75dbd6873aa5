"""Section results: parsing a model answer, the record of a drafted section, budgets, run totals. Pure.

What the drafting engines (pipeline.py interactively, batch.py through the
Batch API) share: an answer parsed into its schema with readable problems,
the SectionResult that records a section and what it was drafted from, the
token and cost budget of a report, and the totals of a run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from naftiko_writer.drafting.cost import ModelPrice
from naftiko_writer.report.model import DraftSummary, SectionResult, SectionSource
from naftiko_writer.report.plan import SectionSpec
from naftiko_writer.report.sections import Input, Output


class Outcome(StrEnum):
    """What a run did with a section."""

    DRAFTED = "drafted"  # written now (model or template)
    REUSED = "reused"  # taken from the previous draft or checkpoint: same inputs, nothing to redo
    KEPT = "kept"  # edited by the analyst: kept verbatim
    KEPT_STALE = "kept-stale"  # edited by the analyst and kept, but its inputs changed underneath


@dataclass
class Budget:
    """Token and cost limits of one report, and what has been spent."""

    max_tokens: int | None = None
    max_cost: float | None = None
    price: ModelPrice | None = None
    tokens: int = 0
    cost: float = 0.0

    def charge(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Count one answer."""
        self.tokens += prompt_tokens + completion_tokens
        if self.price is not None:
            self.cost += (
                prompt_tokens * self.price.input_per_million + completion_tokens * self.price.output_per_million
            ) / 1_000_000

    def exhausted(self) -> str | None:
        """Why no further call may be made, or None."""
        if self.max_tokens is not None and self.tokens >= self.max_tokens:
            return f"the token budget of {self.max_tokens:,} per report is spent ({self.tokens:,} tokens)"
        if self.max_cost is not None and self.cost >= self.max_cost:
            return f"the cost budget of ${self.max_cost:.4f} is spent (${self.cost:.4f})"
        return None


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
