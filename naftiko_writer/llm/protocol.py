"""What the drafting pipeline needs from a model, without the SDK: requests, answers, retry policy.

Importing this module loads neither openai nor httpx, so model-free commands stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from naftiko_writer.errors import ConfigError
from naftiko_writer.llm.redact import redact_url
from naftiko_writer.options import DEFAULT_BASE_URL, RecordMode, RetryPolicy

__all__ = ["ChatRequest", "ChatResult", "LLMClient", "RetryPolicy", "require_api_key", "resolve_api_key"]

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
    """What the pipeline needs from a model: answers, and, once a run is over, what it left unused.

    `llm/factory.py` builds the real ones (SDK, recordings); `llm/function_client.py` is a double
    whose answers come from a function. Whoever opens a client closes it.
    """

    @property
    def dialect(self) -> str | None:
        """The structured-output dialect the endpoint speaks (`json_schema`, `json_object`), None when not HTTP."""
        ...

    async def complete(self, request: ChatRequest) -> ChatResult:
        """Send one request and return the answer (after transient-failure retries)."""
        ...

    def unused_recordings(self) -> list[Path]:
        """Recordings that no request of this client asked for (replay); [] where nothing is replayed."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


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
