"""The model client: the only module that imports openai and tenacity.

The pipeline depends on the small `LLMClient` protocol. `OpenAIChatClient`
implements it with the real `openai` SDK against any OpenAI-compatible base
URL, asking for strict structured output (`response_format` json_schema).
The SDK's own retries are off; tenacity retries rate limits (honouring
`retry-after-ms` / `Retry-After`), timeouts, connection errors and 5xx with
exponential backoff and jitter, and never retries other 4xx answers.

Some OpenAI-compatible servers (llama-cpp-python's) reject `json_schema` and
accept their own dialect, `{"type": "json_object", "schema": {...}}`. When
the first structured request is refused (400/422/500, naming `json_schema` or
`response_format`) before any `json_schema` request has succeeded, the client probes that dialect once and, if the
server accepts it, uses it for the rest of the run (`dialect` says which).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx2
import openai
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_random_exponential

from naftiko_writer.errors import ConfigError, LLMError, NaftikoWriterError
from naftiko_writer.llm.protocol import ChatRequest, ChatResult, RetryPolicy
from naftiko_writer.llm.replay import SECTION_HEADER, SOURCE_HEADER, TEMPLATE_HEADER

MAX_RETRY_AFTER_SECONDS = 60.0
JSON_SCHEMA = "json_schema"
JSON_OBJECT = "json_object"
_REJECTION_STATUSES = (400, 422, 500)
JSON_OBJECT_MAX_LENGTH = 1000
"""llama.cpp turns maxLength into a grammar and refuses (its server crashes) above about 1,000 repetitions."""


class _DialectRejectedError(Exception):
    """The server refused the json_schema response format (internal signal)."""


@dataclass
class OpenAIChatClient:
    """LLMClient over the openai SDK; `transport` lets replay.py serve or record the HTTP traffic."""

    base_url: str
    api_key: str
    timeout_seconds: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transport: httpx2.AsyncBaseTransport | None = None
    on_retry: Callable[[str], None] | None = None
    dialect: str = JSON_SCHEMA
    _schema_confirmed: bool = False
    _client: openai.AsyncOpenAI | None = None
    _dialect_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _sdk(self) -> openai.AsyncOpenAI:
        if self._client is None:
            http_client = (
                httpx2.AsyncClient(transport=self.transport, timeout=self.timeout_seconds) if self.transport else None
            )
            self._client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self.api_key,
                max_retries=0,
                timeout=self.timeout_seconds,
                http_client=http_client,
            )
        return self._client

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.close()

    async def complete(self, request: ChatRequest) -> ChatResult:
        """Send one request, retrying transient failures; map the rest to naftiko-writer errors."""
        try:
            return await self._complete(request, self.dialect)
        except _DialectRejectedError:
            async with self._dialect_lock:
                if self.dialect == JSON_SCHEMA and not self._schema_confirmed:
                    result = await self._complete(request, JSON_OBJECT)  # the probe: raises if refused too
                    self.dialect = JSON_OBJECT
                    return result
            return await self._complete(request, self.dialect)

    def _is_dialect_rejection(self, exc: BaseException, dialect: str) -> bool:
        return (
            dialect == JSON_SCHEMA
            and not self._schema_confirmed
            and isinstance(exc, openai.APIStatusError)
            and exc.status_code in _REJECTION_STATUSES
            and any(word in str(exc.message) for word in ("json_schema", "response_format"))
        )

    async def _complete(self, request: ChatRequest, dialect: str) -> ChatResult:
        retries = 0

        def count_retry(_: RetryCallState) -> None:
            nonlocal retries
            retries += 1
            if self.on_retry is not None:
                self.on_retry(request.section_id)

        def worth_retrying(exc: BaseException) -> bool:
            return is_transient(exc) and not self._is_dialect_rejection(exc, dialect)

        response_format: dict[str, Any]
        if dialect == JSON_SCHEMA:
            response_format = {
                "type": JSON_SCHEMA,
                "json_schema": {"name": request.schema_name, "strict": True, "schema": request.schema},
            }
        else:
            response_format = {"type": JSON_OBJECT, "schema": clamp_string_lengths(request.schema)}
        retrying = AsyncRetrying(
            retry=retry_if_exception(worth_retrying),
            wait=_wait_for(self.retry),
            stop=stop_after_attempt(self.retry.attempts),
            before_sleep=count_retry,
            reraise=True,
        )
        extra: dict[str, Any] = {} if request.max_tokens is None else {"max_tokens": request.max_tokens}
        try:
            async for attempt in retrying:
                with attempt:
                    raw = await self._sdk().chat.completions.with_raw_response.create(
                        model=request.model,
                        messages=cast(list[ChatCompletionMessageParam], request.messages),
                        response_format=cast(ResponseFormatJSONSchema, response_format),
                        extra_headers={SECTION_HEADER: request.section_id, TEMPLATE_HEADER: request.template_hash},
                        **extra,
                    )
        except openai.APIError as exc:
            if self._is_dialect_rejection(exc, dialect):
                raise _DialectRejectedError from exc
            raise self._translate(exc, request, retries) from None
        if dialect == JSON_SCHEMA:
            self._schema_confirmed = True
        completion = raw.parse()
        choice = completion.choices[0] if completion.choices else None
        usage = completion.usage
        return ChatResult(
            content=(choice.message.content or "") if choice else "",
            finish_reason=choice.finish_reason if choice else None,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            retries=retries,
            recording=raw.headers.get(SOURCE_HEADER),
        )

    def _translate(self, exc: openai.APIError, request: ChatRequest, retries: int) -> NaftikoWriterError:
        cause = exc.__cause__
        if isinstance(cause, NaftikoWriterError):  # raised by the replay transport
            return cause
        where = f"the endpoint at {self.base_url}"
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ConfigError(f"{where} rejected the API key ({exc.status_code}); check OPENAI_API_KEY")
        if isinstance(exc, openai.NotFoundError):
            return ConfigError(f"{where} does not serve model {request.model!r} (404); check --model and --base-url")
        status = f"HTTP {exc.status_code}" if isinstance(exc, openai.APIStatusError) else type(exc).__name__
        attempts = retries + 1
        return LLMError(f"section {request.section_id}: {where} failed after {attempts} attempt(s): {status}")


def clamp_string_lengths(schema: Any, limit: int = JSON_OBJECT_MAX_LENGTH) -> Any:
    """The schema with every string's maxLength at most `limit` (only ever tighter than our own bounds)."""
    if isinstance(schema, dict):
        clamped = {key: clamp_string_lengths(value, limit) for key, value in schema.items()}
        if isinstance(clamped.get("maxLength"), int):
            clamped["maxLength"] = min(clamped["maxLength"], limit)
        return clamped
    if isinstance(schema, list):
        return [clamp_string_lengths(item, limit) for item in schema]
    return schema


def is_transient(exc: BaseException) -> bool:
    """Rate limits, timeouts, connection errors and 5xx are worth retrying; other 4xx are not."""
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return not isinstance(exc.__cause__, NaftikoWriterError)
    if isinstance(exc, openai.RateLimitError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500 or exc.status_code == 408
    return False


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's requested wait, from `retry-after-ms` or `Retry-After` (seconds)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return min(max(float(value) * scale, 0.0), MAX_RETRY_AFTER_SECONDS)
        except ValueError:
            continue
    return None


def _wait_for(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_random_exponential(multiplier=policy.base_seconds, max=policy.max_seconds)

    def wait(state: RetryCallState) -> float:
        exception = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(exception)
        return hinted if hinted is not None else float(backoff(state))

    return wait


def submit_batch(base_url: str, api_key: str, requests_path: Path) -> str:
    """Upload a Batch API request file and start the batch; its id."""
    client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
    try:
        with requests_path.open("rb") as stream:
            uploaded = client.files.create(file=stream, purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    except openai.APIError as exc:
        raise LLMError(
            f"the endpoint at {base_url} refused the batch ({_describe(exc)}); check the key and URL"
        ) from None
    finally:
        client.close()
    return batch.id


def fetch_batch_results(base_url: str, api_key: str, batch_id: str) -> tuple[str, str | None]:
    """A batch's status, and its output file's text once it is completed."""
    client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
    try:
        batch = client.batches.retrieve(batch_id)
        if batch.status != "completed" or not batch.output_file_id:
            return batch.status, None
        return batch.status, client.files.content(batch.output_file_id).text
    except openai.APIError as exc:
        raise LLMError(f"cannot fetch batch {batch_id} from {base_url} ({_describe(exc)})") from None
    finally:
        client.close()


def _describe(exc: openai.APIError) -> str:
    return f"HTTP {exc.status_code}" if isinstance(exc, openai.APIStatusError) else type(exc).__name__
