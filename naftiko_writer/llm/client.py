"""The model client: the only module that imports openai and tenacity.

The pipeline depends on the small `LLMClient` protocol. `OpenAIChatClient`
implements it with the real `openai` SDK against any OpenAI-compatible base
URL, asking for strict structured output (`response_format` json_schema).
The SDK's own retries are off; tenacity retries rate limits (honouring
`retry-after-ms` / `Retry-After`), timeouts, connection errors and 5xx with
exponential backoff and jitter, and never retries other 4xx answers. Given a `pacer` (the
run's shared limit, llm/limiter.py), the backoff is waited out through it, so a waiting call
holds no slot, and each 429 is reported to it (a storm lowers the limit). Each call's timeout
is `--timeout`, or derived from the size of the answer asked for (llm/deadline.py).

Failures no retry can fix stop the run at once, naming their cause: a URL
that is not http(s), a header the key makes illegal (a line break in it),
401/403 (the key), 404/405/501 (the URL or model). A refused connection or a
host that does not resolve gets one quick retry (a server restarting), then
stops the run too (EndpointError), whether at the first request or mid-run
when the server dies. URLs in messages are redacted (llm/redact.py).

Some OpenAI-compatible servers (llama-cpp-python's) reject `json_schema` and
accept their own dialect, `{"type": "json_object", "schema": {...}}`. When
the first structured request is refused (400/422/500, naming `json_schema` or
`response_format`) before any `json_schema` request has succeeded, the client probes that dialect once and, if the
server accepts it, uses it for the rest of the run (`dialect` says which).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

import httpx2
import openai
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_random_exponential

from naftiko_writer.errors import ConfigError, EndpointError, LLMError, NaftikoWriterError
from naftiko_writer.llm.answer_shape import MalformedAnswerError, parse_answer_json, read_chat_answer
from naftiko_writer.llm.deadline import call_timeout
from naftiko_writer.llm.protocol import ChatRequest, ChatResult, RetryPolicy
from naftiko_writer.llm.recordings import (
    JSON_OBJECT,
    JSON_SCHEMA,
    SECTION_HEADER,
    SOURCE_HEADER,
    TEMPLATE_HEADER,
    response_format,
)
from naftiko_writer.llm.redact import hide_secrets, one_line, redact_url, scrub
from naftiko_writer.llm.replay import RecordingTransport, tls_context

MAX_RETRY_AFTER_SECONDS = 60.0
_REJECTION_STATUSES = (400, 422, 500)
QUICK_RETRY_SECONDS = 0.5
"""The wait before the one retry of a refused connection (a server restarting)."""
_WRONG_URL_STATUSES = (404, 405, 501)
BATCH_TIMEOUT_SECONDS = 600.0
"""Per-request timeout of Batch API calls (the SDK's default: an upload or download can be large)."""


class Pacer(Protocol):
    """What the client tells a shared limit (llm/limiter.py's Limiter): waits and rate limits."""

    async def pause(self, seconds: float) -> None:
        """Wait out a backoff without holding a slot."""
        ...

    def rate_limited(self) -> None:
        """A 429 came back."""
        ...


class _DialectRejectedError(Exception):
    """The server refused the json_schema response format (internal signal)."""


class _DeadlineError(Exception):
    """One attempt outlived its whole-call deadline (an answer trickled in too slowly, say)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"{seconds:g} s")
        self.seconds = seconds


@dataclass
class OpenAIChatClient:
    """LLMClient over the openai SDK; `transport` lets replay.py serve or record the HTTP traffic."""

    base_url: str
    api_key: str
    timeout_seconds: float | None = None
    """Seconds a call may take; None: derived from the answer's size (llm/deadline.py)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transport: httpx2.AsyncBaseTransport | None = None
    on_retry: Callable[[str], None] | None = None
    pacer: Pacer | None = None
    """The shared limit the backoff is waited out through (no slot held while waiting); None: plain sleeps."""
    dialect: str = JSON_SCHEMA
    _schema_confirmed: bool = False
    _answered: bool = False
    _fatal: NaftikoWriterError | None = None
    """The first failure no retry can fix: every later request fails with it, unsent."""
    _client: openai.AsyncOpenAI | None = None
    _dialect_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def _sdk(self) -> openai.AsyncOpenAI:
        if self._client is None:
            check_endpoint(self.base_url, self.api_key)
            timeout = call_timeout(self.timeout_seconds, None)
            http_client = (
                httpx2.AsyncClient(transport=self.transport, timeout=timeout)
                if self.transport
                else openai.DefaultAsyncHttpxClient(verify=tls_context(), timeout=timeout)
            )
            self._client = openai.AsyncOpenAI(
                base_url=self.base_url,
                api_key=self.api_key,
                max_retries=0,
                timeout=timeout,
                http_client=http_client,
            )
        return self._client

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.close()

    def unused_recordings(self) -> list[Path]:
        """Recordings no request asked for, when the transport replays them; [] otherwise."""
        return self.transport.unused() if isinstance(self.transport, RecordingTransport) else []

    async def complete(self, request: ChatRequest) -> ChatResult:
        """Send one request, retrying transient failures; map the rest to naftiko-writer errors."""
        if self._fatal is not None:
            raise self._fatal
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

        def count_retry(state: RetryCallState) -> None:
            nonlocal retries
            retries += 1
            if self.pacer is not None and isinstance(_outcome_error(state), openai.RateLimitError):
                self.pacer.rate_limited()
            if self.on_retry is not None:
                self.on_retry(request.section_id)

        def worth_retrying(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome is not None else None
            if exc is None or self._is_dialect_rejection(exc, dialect):
                return False
            if isinstance(exc, MalformedAnswerError | _DeadlineError):
                return True  # a garbled or trickled answer may come right on the next try
            if unreachable_cause(exc) is not None:
                return state.attempt_number < 2  # one quick retry: a server may be restarting
            return is_transient(exc)

        retrying = AsyncRetrying(
            retry=worth_retrying,
            wait=_wait_for(self.retry),
            stop=stop_after_attempt(self.retry.attempts),
            before_sleep=count_retry,
            sleep=self.pacer.pause if self.pacer is not None else asyncio.sleep,
            reraise=True,
        )
        extra: dict[str, Any] = {} if request.max_tokens is None else {"max_tokens": request.max_tokens}
        deadline = call_timeout(self.timeout_seconds, request.max_tokens)
        try:
            async for attempt in retrying:
                with attempt:
                    try:
                        async with asyncio.timeout(deadline):  # the whole call, however slowly bytes trickle in
                            raw = await self._sdk().chat.completions.with_raw_response.create(
                                model=request.model,
                                messages=[],  # sent as is, in extra_body (below)
                                extra_headers={
                                    SECTION_HEADER: request.section_id,
                                    TEMPLATE_HEADER: request.template_hash,
                                },
                                # Sent as is: as typed parameters, the SDK would walk the whole JSON schema and
                                # every message on every request (about 1 ms of the loop's time a call, under the
                                # slot) to rename keys that neither ever holds. The SDK merges extra_body over
                                # its own body, so the request's JSON is the same, key for key.
                                extra_body={
                                    "messages": request.messages,
                                    "response_format": response_format(request, dialect),
                                },
                                timeout=deadline,
                                **extra,
                            )
                    except TimeoutError:
                        raise _DeadlineError(deadline) from None
                    answer = read_chat_answer(parse_answer_json(raw.http_response.content))
        except (MalformedAnswerError, _DeadlineError) as exc:
            where = f"section {request.section_id}: the endpoint at {redact_url(self.base_url)}"
            tries = f"{retries + 1} attempt(s)"
            if isinstance(exc, _DeadlineError):
                raise LLMError(
                    f"{where} took longer than {exc.seconds:g} s ({tries}); check it, or raise --timeout"
                ) from None
            raise LLMError(f"{where} gave no usable chat completion ({exc}; {tries})") from None
        except openai.APIError as exc:
            if self._is_dialect_rejection(exc, dialect):
                raise _DialectRejectedError from exc
            error = self._translate(exc, request, retries)
            if isinstance(error, ConfigError | EndpointError):
                self._fatal = self._fatal or error
            raise error from None
        if dialect == JSON_SCHEMA:
            self._schema_confirmed = True
        self._answered = True
        return ChatResult(
            content=answer.content,
            finish_reason=answer.finish_reason,
            prompt_tokens=answer.prompt_tokens,
            completion_tokens=answer.completion_tokens,
            retries=retries,
            recording=raw.headers.get(SOURCE_HEADER),
        )

    def _translate(self, exc: openai.APIError, request: ChatRequest, retries: int) -> NaftikoWriterError:
        cause = exc.__cause__
        if isinstance(cause, NaftikoWriterError):  # raised by the replay transport
            return cause
        url = redact_url(self.base_url)
        where = f"the endpoint at {url}"
        unreachable = unreachable_cause(exc)
        if unreachable is not None:
            if self._answered:
                return EndpointError(
                    f"{where} stopped answering mid-run ({unreachable}); the sections drafted so far are kept: "
                    "restart the server and run the same command again to resume"
                )
            return EndpointError(f"{where} cannot be reached ({unreachable}); is the server running? check --base-url")
        unsendable = unsendable_cause(exc)
        if unsendable is not None:
            return ConfigError(f"cannot send a request to {url}: {unsendable}")
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ConfigError(f"{where} rejected the API key ({exc.status_code}); check OPENAI_API_KEY")
        if isinstance(exc, openai.APIStatusError) and exc.status_code in _WRONG_URL_STATUSES:
            detail = scrub(server_message(exc, [self.api_key]), self.base_url)
            return ConfigError(
                f"{where} answered {exc.status_code} to {request.model!r} chat completions"
                f"{f' ({detail})' if detail else ''}; check --base-url (OpenAI-compatible endpoints usually "
                "end in /v1) and --model"
            )
        status = f"HTTP {exc.status_code}" if isinstance(exc, openai.APIStatusError) else type(exc).__name__
        attempts = retries + 1
        return LLMError(f"section {request.section_id}: {where} failed after {attempts} attempt(s): {status}")


def _outcome_error(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None


def is_transient(exc: BaseException) -> bool:
    """Rate limits, timeouts, dropped connections and 5xx are worth retrying; other 4xx and unsendable requests are not."""
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return not isinstance(exc.__cause__, NaftikoWriterError) and unsendable_cause(exc) is None
    if isinstance(exc, openai.RateLimitError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return (exc.status_code >= 500 or exc.status_code == 408) and exc.status_code not in _WRONG_URL_STATUSES
    return False


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and the chain of causes under it (the SDK wraps httpx, which wraps the OS)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def unreachable_cause(exc: BaseException) -> str | None:
    """'connection refused' or 'host name not found' when the server cannot be reached at all, else None."""
    if not isinstance(exc, openai.APIConnectionError) or isinstance(exc, openai.APITimeoutError):
        return None
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not found"
    return None


def unsendable_cause(exc: BaseException) -> str | None:
    """Why no request to this URL, with this key, can be sent (a retry would fail alike), else None."""
    if not isinstance(exc, openai.APIConnectionError):
        return None
    for cause in _causes(exc):
        if isinstance(cause, httpx2.UnsupportedProtocol):
            return "the URL is not http:// or https://; check --base-url or OPENAI_BASE_URL"
        if isinstance(cause, httpx2.InvalidURL):
            return "the URL is not valid; check --base-url or OPENAI_BASE_URL"
        if isinstance(cause, httpx2.LocalProtocolError):  # its message would echo the header, so not shown
            return "a header value is not allowed in HTTP (a line break in OPENAI_API_KEY?); check the key"
    return None


def server_message(exc: openai.APIStatusError, secrets: list[str] | None = None) -> str:
    """The server's own error message, `secrets` hidden, on one line and cut short ('' when it gave none)."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else body.get("message")
        return one_line(hide_secrets(str(message), secrets or []), 160) if message else ""
    return ""


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
        if exception is not None and unreachable_cause(exception) is not None:
            return min(QUICK_RETRY_SECONDS, policy.base_seconds)
        hinted = retry_after_seconds(exception)
        return hinted if hinted is not None else float(backoff(state))

    return wait


def check_endpoint(base_url: str, api_key: str) -> None:
    """Raise ConfigError, before anything is sent, for a URL no request can go to or a key no header can carry."""
    if not api_key.isprintable() or api_key != api_key.strip():
        raise ConfigError(
            "the API key contains a line break, a control character or surrounding spaces, which an HTTP "
            "header cannot carry; check OPENAI_API_KEY (a key read from a file often ends in a newline)"
        )
    if not api_key.isascii():
        raise ConfigError(
            "the API key holds characters outside ASCII (an accent, a typographic quote or dash), which an HTTP "
            "header cannot carry; check OPENAI_API_KEY (copy it again from the provider)"
        )
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018  (reading it checks it: a port past 65535 is a ValueError)
        httpx2.URL(base_url)
    except (ValueError, httpx2.InvalidURL) as exc:
        raise ConfigError(
            f"the base URL {redact_url(base_url)!r} is not a valid URL ({one_line(str(exc), 80)}); "
            "check --base-url or OPENAI_BASE_URL"
        ) from None


def _batch_client(base_url: str, api_key: str) -> openai.OpenAI:
    """A Batch API client connecting as live drafting does: straight to `base_url`, with the same TLS settings.

    Live drafting's connections never go through a proxy named in the environment (HTTPS_PROXY, ALL_PROXY):
    its transport is explicit. The Batch API's must not either, or a loopback server's requests, the key in
    their headers, would go to whatever proxy the shell names.
    """
    check_endpoint(base_url, api_key)
    http_client = httpx2.Client(verify=tls_context(), trust_env=False, timeout=BATCH_TIMEOUT_SECONDS)
    return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, http_client=http_client)


def submit_batch(base_url: str, api_key: str, requests_path: Path) -> str:
    """Upload a Batch API request file and start the batch; its id."""
    client = _batch_client(base_url, api_key)
    try:
        with requests_path.open("rb") as stream:
            uploaded = client.files.create(file=stream, purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    except openai.APIError as exc:
        raise LLMError(
            f"the endpoint at {redact_url(base_url)} refused the batch ({_describe(exc)}); check the key and URL"
        ) from None
    finally:
        client.close()
    return batch.id


def fetch_batch_results(base_url: str, api_key: str, batch_id: str, out: BinaryIO) -> tuple[str, bool]:
    """A batch's status, and whether its output file was written to `out` (streamed: it is completed)."""
    client = _batch_client(base_url, api_key)
    try:
        batch = client.batches.retrieve(batch_id)
        if batch.status != "completed" or not batch.output_file_id:
            return batch.status, False
        with client.files.with_streaming_response.content(batch.output_file_id) as response:
            for chunk in response.iter_bytes(2**20):
                out.write(chunk)
        return batch.status, True
    except openai.APIError as exc:
        raise LLMError(f"cannot fetch batch {batch_id} from {redact_url(base_url)} ({_describe(exc)})") from None
    finally:
        client.close()


def _describe(exc: openai.APIError) -> str:
    return f"HTTP {exc.status_code}" if isinstance(exc, openai.APIStatusError) else type(exc).__name__
