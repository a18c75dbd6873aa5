"""What the drafting pipeline needs from a model, without the SDK: requests, answers, retry policy.

Importing this module loads neither openai nor httpx, so model-free commands stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from naftiko_writer.config import DEFAULT_BASE_URL, RecordMode
from naftiko_writer.errors import ConfigError
from naftiko_writer.llm.redact import redact_url

REPLAY_API_KEY = "replay-mode-needs-no-key"
"""What the SDK is given in replay mode, where no request leaves the process."""


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


def resolve_api_key(mode: RecordMode, api_key: str | None, base_url: str | None, offline_hint: str) -> str:
    """The key for a client: any placeholder when replaying; otherwise the configured key, or a ConfigError."""
    if mode is RecordMode.REPLAY:
        return api_key or REPLAY_API_KEY
    return require_api_key(api_key, base_url, f"{mode.value} mode calls", offline_hint)


def require_api_key(api_key: str | None, base_url: str | None, action: str, alternative: str) -> str:
    """The configured key, or a ConfigError saying what needed it, which endpoint, and what to do instead."""
    if not api_key:
        raise ConfigError(
            f"OPENAI_API_KEY is not set; {action} {redact_url(base_url or DEFAULT_BASE_URL)}. "
            f"Set it (any value for a local server), or {alternative}"
        )
    return api_key
