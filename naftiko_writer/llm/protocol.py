"""What the drafting pipeline needs from a model, without the SDK: requests, answers, retry policy.

Importing this module loads neither openai nor httpx, so model-free commands stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ChatRequest:
    """One structured-output chat request."""

    section_id: str
    template_hash: str
    model: str
    messages: list[dict[str, str]]
    schema_name: str
    schema: dict[str, Any]
    max_tokens: int | None = None


@dataclass(frozen=True)
class ChatResult:
    """The model's answer and what it cost."""

    content: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    retries: int
    recording: str | None


class LLMClient(Protocol):
    """What the pipeline needs from a model."""

    async def complete(self, request: ChatRequest) -> ChatResult:
        """Send one request and return the answer (after transient-failure retries)."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried."""

    attempts: int = 5
    base_seconds: float = 0.5
    max_seconds: float = 20.0
