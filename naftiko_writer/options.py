"""The option groups a run is made of: where data is (`Sources`), which model answers (`Endpoint`), how to draft.

Each group is small and frozen, and each command takes only the groups it uses: `check`, `score` and
`taxonomy coverage` take `Sources`; a draft takes all three. `Settings` (config.py) resolves them once
(flag > environment > default), so no default is re-applied further in: a group's fields are always set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256
DEFAULT_MAX_REPAIRS = 2
DEFAULT_BATCH_MAX_REPAIRS = 1
"""Repair rounds per failed answer in a Batch API batch (each round is a whole batch turnaround)."""
BATCH_MAX_REQUESTS_PER_FILE = 50_000
"""OpenAI's documented limit on the requests of one batch input file (`batch build --max-requests-per-file`)."""
BATCH_MAX_BYTES_PER_FILE = 200_000_000
"""OpenAI's documented limit on the size of one batch input file, 200 MB (`batch build --max-bytes-per-file`)."""
DEFAULT_TIMEOUT_SECONDS: float | None = None
"""None: each call's timeout is derived from the size of its answer (llm/deadline.py)."""
DEFAULT_BUDGET_OUTPUT_TOKENS = 2048
"""The output cap sent with each call of a run that has a budget but no --max-output-tokens."""


class Engine(StrEnum):
    """Who writes the prose."""

    LLM = "llm"
    TEMPLATE = "template"


class RecordMode(StrEnum):
    """How model calls are served."""

    REPLAY = "replay"
    RECORD = "record"
    LIVE = "live"


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried."""

    attempts: int = 5
    base_seconds: float = 0.5
    max_seconds: float = 20.0


@dataclass(frozen=True)
class Sources:
    """Where a run reads its data: the companies, the taxonomy (and its cache), the prompts."""

    companies_dir: Path
    taxonomy_dir: Path
    prompts_dir: Path
    taxonomy_cache_dir: Path | None = None
    """The per-user cache of loaded taxonomies (scoring/taxonomy_cache); None: parse the taxonomy every time."""


@dataclass(frozen=True)
class Endpoint:
    """Which model answers, and how: replayed from recordings, recorded, or live."""

    recordings_dir: Path
    mode: RecordMode = RecordMode.REPLAY
    base_url: str = DEFAULT_BASE_URL
    model: str = DEFAULT_MODEL
    api_key: str | None = field(default=None, repr=False)
    timeout_seconds: float | None = DEFAULT_TIMEOUT_SECONDS
    """Seconds one call may take; None: derived from the size of the answer asked for (llm/deadline.py)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    recording_source: str = "recorded"
    """How new recordings are labelled: `recorded` (a live server's answers) or `authored` (written by hand)."""


@dataclass(frozen=True)
class DraftOptions:
    """How sections are drafted: the engine, the load on the endpoint, repairs, output caps and the budget."""

    engine: Engine = Engine.LLM
    concurrency: int = DEFAULT_CONCURRENCY
    max_repairs: int = DEFAULT_MAX_REPAIRS
    max_output_tokens: int | None = None
    max_tokens_per_report: int | None = None
    max_cost: float | None = None

    @property
    def uses_model(self) -> bool:
        """Whether a model writes the prose (the template engine needs no endpoint)."""
        return self.engine is Engine.LLM

    @property
    def budgeted(self) -> bool:
        """Whether the report has a token or cost budget."""
        return self.max_tokens_per_report is not None or self.max_cost is not None

    def output_cap(self) -> int | None:
        """The max_tokens sent with each call: the flag, else a default cap when a budget must be reserved."""
        return self.max_output_tokens or (DEFAULT_BUDGET_OUTPUT_TOKENS if self.budgeted else None)
