"""The drafted report as data: sections with their sources, provenance and run summary.

This is the JSON sidecar written next to every Markdown draft, and what
document/draft_format.py turns into Markdown. A section's output stays typed:
it is the output model of the section's kind from the model's answer (or the
template engine) to the Markdown, and is written to and read from the sidecar
as that model's JSON.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from naftiko_writer.formats import SIDECAR_FORMAT
from naftiko_writer.report.cohort import Standing
from naftiko_writer.report.sections import OUTPUT_MODELS, SectionKind, SectionOutput, WithoutEmptyCohort
from naftiko_writer.scoring.models import ScoreCard


class SectionSource(StrEnum):
    """Where a section's text came from."""

    MODEL = "model"  # a model answer that passed schema and grounding checks
    TEMPLATE = "template"  # the template engine, by choice (--engine template)
    FALLBACK = "fallback"  # the template engine, because the model's answers failed: review it
    PENDING = "pending"  # not drafted yet: the run stopped at its budget; template text stands in


class SectionResult(BaseModel):
    """One drafted section."""

    id: str
    kind: SectionKind
    title: str
    source: SectionSource
    output: SectionOutput = Field(description="The validated section output, the model of its kind.")
    input_hash: str = Field(description="sha256 of the section's input and template: what it was drafted from.")
    recording: str | None = Field(default=None, description="authored / recorded when replayed, live when not.")
    attempts: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = Field(default=0.0, description="Wall time spent waiting for this section's answers.")
    problems: list[str] = Field(default_factory=list, description="Why the model's answers were rejected.")

    @model_validator(mode="before")
    @classmethod
    def _output_of_its_kind(cls, data: Any) -> Any:
        """Read an output given as JSON data (a sidecar, a checkpoint) into the model of the section's kind.

        Several kinds share a shape (paragraphs only), so the kind, not the shape, picks the model.
        """
        if isinstance(data, dict) and isinstance(data.get("output"), dict) and data.get("kind") in set(SectionKind):
            data = {**data, "output": OUTPUT_MODELS[SectionKind(data["kind"])].model_validate(data["output"])}
        return data

    @model_validator(mode="after")
    def _output_matches_kind(self) -> SectionResult:
        expected = OUTPUT_MODELS[self.kind]
        if type(self.output) is not expected:
            raise ValueError(f"section {self.id} is a {self.kind.value} but holds a {type(self.output).__name__}")
        return self


class Provenance(BaseModel):
    """What a draft was made from."""

    tool_version: str
    created: str
    company: str
    signals_file: str
    signals_digest: str
    taxonomy_version: str
    taxonomy_digest: str
    prompt_hashes: dict[str, str]
    engine: str
    model: str | None
    recording_sources: list[str]


class DraftSummary(BaseModel):
    """Counts for the end-of-run summary."""

    sections: int = 0
    drafted: int = Field(default=0, description="Sections written in this run (the rest were reused or kept).")
    reused: list[str] = Field(default_factory=list, description="Sections reused: same inputs as the previous draft.")
    kept: list[str] = Field(default_factory=list, description="Sections the analyst edited, kept verbatim.")
    kept_stale: list[str] = Field(default_factory=list, description="Kept sections whose inputs changed.")
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    repairs: int = 0
    fallbacks: int = 0
    unused_recordings: int = 0
    cost: float | None = Field(default=None, description="Estimated cost of this run's calls (None: unknown price).")
    stopped: str | None = Field(default=None, description="Why the run stopped early (a budget), if it did.")
    mode: str = "none"
    dialect: str | None = Field(
        default=None,
        description="Structured-output dialect used: json_schema, or json_object when the server refused it.",
    )
    wall_seconds: float = 0.0


def summary_lines(summary: DraftSummary, markdown_path: str) -> list[tuple[str, bool]]:
    """The end-of-run summary as lines of text, each with whether it is a warning."""
    cost = "unknown" if summary.cost is None else f"${summary.cost:.4f}"
    lines = [
        (f"Draft written to {markdown_path} (sidecar: {markdown_path[:-3]}.json)", False),
        (
            f"sections {summary.sections} · calls {summary.calls} · tokens {summary.prompt_tokens:,} prompt + "
            f"{summary.completion_tokens:,} completion · retries {summary.retries} · repairs {summary.repairs} · "
            f"fallbacks {summary.fallbacks} · cost {cost} · wall {summary.wall_seconds:.2f} s",
            False,
        ),
    ]
    if summary.fallbacks:
        lines.append(
            (
                f"{summary.fallbacks} section(s) fell back to the template engine; they are marked "
                "'Analyst review' in the draft.",
                True,
            )
        )
    if summary.reused and not summary.kept:
        lines.append((f"reused {len(summary.reused)} finished section(s) (checkpoint or previous draft)", False))
    if summary.dialect and summary.dialect != "json_schema":
        lines.append(
            (f"structured output: the server refused json_schema, so the {summary.dialect} dialect was used", True)
        )
    if summary.unused_recordings:
        lines.append((f"{summary.unused_recordings} recording(s) were not used by this run.", False))
    return lines


class CohortLedger(BaseModel):
    """Which cohort facts of which edition each section was given: what `check` re-verifies against the store."""

    edition: str
    sections: dict[str, list[Standing]] = Field(description="Section id -> the standings its claims may use.")


class Report(WithoutEmptyCohort):
    """A complete draft."""

    format_version: int = Field(default=SIDECAR_FORMAT, description="The sidecar's format (naftiko_writer.formats).")
    scorecard: ScoreCard
    sections: dict[str, SectionResult]
    provenance: Provenance
    summary: DraftSummary
    cohort: CohortLedger | None = Field(default=None, description="Set when drafted with --edition.")
