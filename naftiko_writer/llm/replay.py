"""Record and replay model calls at the HTTP level.

An httpx2 transport under the real openai client (record and live modes; replay
under the SDK where a test injects HTTP faults; plain replay, the default, is
llm/recordings.py's ReplayClient, which reads the same files without the SDK).
In `replay` mode it answers from `fixtures/recordings/<company>/` and never touches
the network; in `record` mode it forwards each request and writes the
server's answer; in `live` mode it only forwards. A recording is one readable
JSON file per request, keyed by a fingerprint of model + messages + response
schema + prompt-template hash. Only a whitelist of response headers is kept,
so no key, cookie or auth header is ever written.

A server that refuses the `json_schema` response format (llama.cpp's) makes
the client switch dialects (llm.py). Record mode keeps that refusal in
`_refused-json-schema.json` (only the error's message and type, cut short: a
server's error body may echo what it was sent), and replay answers any
json_schema request that has no recording with it, so a run recorded against
such a server replays offline along the same path.

A fleet's companies each have their own recording transport (their recordings are their own), over
one `SharedPool`: a pooled transport sized to the fleet's limit (each slot may carry a call and its
hedge, so twice the limit at most, half of them kept alive) that closing a company's client leaves
open; the fleet closes it (`aclose_pool`) once every draft is written. One pool per company used to
mean a TLS handshake per connection per company, kept until its draft was written.
"""

from __future__ import annotations

import json
import ssl
from functools import cache
from pathlib import Path
from typing import Any

import httpx2

from naftiko_writer.config import RecordMode
from naftiko_writer.errors import InputError, ReplayMissError
from naftiko_writer.files import write_text_atomically
from naftiko_writer.llm.answer_shape import MAX_ANSWER_BYTES, MalformedAnswerError, parse_answer_json
from naftiko_writer.llm.recordings import (
    REFUSAL_FILE,
    SECTION_HEADER,
    SOURCE_HEADER,
    TEMPLATE_HEADER,
    fingerprint,
    miss_message,
    recording_file_name,
    unused_recordings,
)
from naftiko_writer.llm.redact import error_summary, hide_secrets, request_secrets

KEPT_RESPONSE_HEADERS = ("content-type", "openai-model", "openai-processing-ms", "x-request-id")


@cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings (httpx's defaults) every connection of this process verifies model servers with.

    Loading the system's certificates takes about 40 ms, and a fleet makes a client per company.
    """
    return httpx2.create_ssl_context()


Transport = httpx2.AsyncBaseTransport
"""What answers HTTP in place of the network below the recording layer (tests' in-process servers)."""


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Serves chat completions from recordings, records them, or passes them through."""

    def __init__(
        self,
        mode: RecordMode,
        recordings_dir: Path,
        company: str,
        inner: httpx2.AsyncBaseTransport | None = None,
        source: str = "recorded",
    ) -> None:
        """`source` labels new recordings (`recorded`, or `authored` for hand-written fixtures)."""
        self.mode = mode
        self.recordings_dir = recordings_dir
        self.company = company
        self.inner = inner
        self.source = source
        self.used: set[Path] = set()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one HTTP request according to the mode."""
        if self.mode is RecordMode.LIVE:
            response = await self._forward(request)
            response.headers[SOURCE_HEADER] = "live"
            return response
        body = json.loads(await request.aread())
        section = request.headers.get(SECTION_HEADER, "unknown")
        request_fingerprint = fingerprint(body, request.headers.get(TEMPLATE_HEADER, ""))
        path = self.recordings_dir / recording_file_name(section, request_fingerprint)
        if self.mode is RecordMode.REPLAY:
            return self._replay(request, path, section, body)
        response = await self._forward(request)
        content = await response.aread()
        secrets = request_secrets(request.headers)
        if any(secret.encode() in content for secret in secrets):  # a server echoing the key: hidden from here on
            content = hide_secrets(content.decode("utf-8", "replace"), secrets).encode()
        if 200 <= response.status_code < 300:
            answer = _answer_or_none(content)
            if answer is not None:  # a garbled answer is not kept (the client rejects it and asks again)
                self._write(path, section, request_fingerprint, request, body, response, answer)
                self.used.add(path)
        elif _is_schema_refusal(body, response.status_code, content):
            refusal = {"status": response.status_code, "body": error_summary(_json_or_text(content))}
            self._store(self.recordings_dir / REFUSAL_FILE, json.dumps(refusal, indent=2) + "\n", secrets)
        return httpx2.Response(
            response.status_code,
            headers=[*response.headers.multi_items(), (SOURCE_HEADER, self.source)],
            content=content,
            request=request,
        )

    async def aclose(self) -> None:
        """Close the forwarding transport's connections."""
        if self.inner is not None:
            await self.inner.aclose()

    async def _forward(self, request: httpx2.Request) -> httpx2.Response:
        if self.inner is None:
            self.inner = httpx2.AsyncHTTPTransport(verify=tls_context())
        return await self.inner.handle_async_request(request)

    def _replay(self, request: httpx2.Request, path: Path, section: str, body: dict[str, Any]) -> httpx2.Response:
        refusal_path = self.recordings_dir / REFUSAL_FILE
        if not path.is_file() and _format_type(body) == "json_schema" and refusal_path.is_file():
            refusal = json.loads(refusal_path.read_text(encoding="utf-8"))
            self.used.add(refusal_path)
            return httpx2.Response(
                int(refusal["status"]),
                headers={"content-type": "application/json", SOURCE_HEADER: "recorded"},
                content=json.dumps(refusal["body"]).encode(),
                request=request,
            )
        if not path.is_file():
            raise ReplayMissError(miss_message(self.recordings_dir, self.company, path, section, body.get("model")))
        try:
            with path.open("rb") as handle:
                recording = parse_answer_json(handle.read(MAX_ANSWER_BYTES + 1))
            response = recording["response"]
            headers = {str(name): str(value) for name, value in dict(response.get("headers", {})).items()}
            headers[SOURCE_HEADER] = str(recording.get("source", "recorded"))
            status = response["status"]
            if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
                raise TypeError("status")
            content = json.dumps(response["body"]).encode()
        except (OSError, KeyError, TypeError, ValueError, AttributeError, MalformedAnswerError) as exc:
            raise ReplayMissError(f"{path}: not a usable recording ({exc}); re-record it") from None
        self.used.add(path)
        return httpx2.Response(status, headers=headers, content=content, request=request)

    def _write(
        self,
        path: Path,
        section: str,
        request_fingerprint: str,
        request: httpx2.Request,
        body: dict[str, Any],
        response: httpx2.Response,
        content: object,
    ) -> None:
        recording = {
            "source": self.source,
            "section": section,
            "fingerprint": request_fingerprint,
            "template_hash": request.headers.get(TEMPLATE_HEADER, ""),
            "request": {"method": request.method, "path": request.url.path, "body": body},
            "response": {
                "status": response.status_code,
                "headers": {name: response.headers[name] for name in KEPT_RESPONSE_HEADERS if name in response.headers},
                "body": content,
            },
        }
        text = json.dumps(recording, indent=2, ensure_ascii=False) + "\n"
        self._store(path, text, request_secrets(request.headers))  # the key hidden from headers a server echoed

    def _store(self, path: Path, text: str, secrets: list[str]) -> None:
        """Write a recording, the key hidden; a full disk or a read-only folder stops the run with one line."""
        try:
            write_text_atomically(path, hide_secrets(text, secrets))
        except OSError as exc:
            raise InputError(
                f"{path}: cannot write the recording ({exc.strerror}); free some space or check the folder, "
                "then run the same command again (finished sections are kept in the checkpoint)"
            ) from None

    def unused(self) -> list[Path]:
        """Recordings of this company that no request of this run used."""
        return unused_recordings(self.recordings_dir, self.used)


def _format_type(body: dict[str, Any]) -> object:
    response_format = body.get("response_format")
    return response_format.get("type") if isinstance(response_format, dict) else None


def _answer_or_none(content: bytes) -> object:
    """An answer body as JSON within llm/answer_shape's limits, or None when it is not one."""
    try:
        return parse_answer_json(content)
    except MalformedAnswerError:
        return None


def _json_or_text(content: bytes) -> object:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")


def _is_schema_refusal(body: dict[str, Any], status: int, content: bytes) -> bool:
    """A server's refusal of the json_schema response format (what makes the client switch dialects)."""
    return (
        _format_type(body) == "json_schema"
        and status in (400, 422, 500)
        and (b"json_schema" in content or b"response_format" in content)
    )


class SharedPool(httpx2.AsyncBaseTransport):
    """A pooled transport that its users' `aclose` leaves open; its owner calls `aclose_pool`."""

    def __init__(self, limit: int, inner: httpx2.AsyncBaseTransport | None = None) -> None:
        """Connections for `limit` requests in flight (and their hedges); `inner`: a transport to share instead."""
        self.inner = inner or httpx2.AsyncHTTPTransport(
            verify=tls_context(),
            limits=httpx2.Limits(max_connections=2 * limit, max_keepalive_connections=limit),
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send through the shared connections."""
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Nothing: a company's client is done, the fleet's pool is not."""

    async def aclose_pool(self) -> None:
        """Close the connections (the fleet is done)."""
        await self.inner.aclose()
