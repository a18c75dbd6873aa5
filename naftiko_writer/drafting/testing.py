"""An in-process OpenAI-compatible model for tests: no socket, no key, no provider.

`FakeModelTransport` is an httpx2 transport (as httpx's `MockTransport` is)
that answers `POST .../chat/completions` the way an OpenAI-compatible server
does. By default every answer is written by the template engine from the
`<data>` block of the prompt, so it parses, fits its schema and is grounded.
Draft through it with a run in `live` (or `record`) mode and a client factory that sends to it:

    transport = FakeModelTransport()
    report = draft_company(run, clients=client_factory(transport))  # llm/factory.py

To script faults, give it a responder: `(body, headers) -> Reply`, where
`body` is the parsed request and `headers` the request headers (lower case;
`x-naftiko-section` names the section). `fault_reply(name, body)` builds the
usual faults: `429` (with retry-after-ms), `500`, `timeout` (the transport
raises httpx2.ReadTimeout at once, as the client's timeout would after a
wait), `drop` (the connection closes unanswered), `malformed` JSON, `schema`
(valid JSON with the wrong fields) and `invented` (a number no data holds).
Below the HTTP layer, `FunctionClient(template_answer)` (llm/function_client.py) gives the same
answers to the drafter directly. This module loads httpx2 and is meant for tests only; the CLI
never imports it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from naftiko_writer.drafting.template_engine import draft_from_template
from naftiko_writer.llm.protocol import ChatRequest
from naftiko_writer.report.sections import INPUT_MODELS, OUTPUT_MODELS, SectionKind, strict_schema

FAULTS = ("ok", "429", "500", "timeout", "malformed", "schema", "invented", "drop")
"""The fault names `fault_reply` knows."""

_DATA_BLOCK = re.compile(r"<data>\s*(\{.*\})\s*</data>", re.S)


@dataclass
class Reply:
    """What the fake model answers to one request."""

    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (latency)."""
    timeout: bool = False
    """No answer in time: the transport raises httpx2.ReadTimeout; a loopback server holds the request."""
    drop: bool = False
    """The connection closes without an answer."""


Responder = Callable[[dict[str, Any], Mapping[str, str]], Reply]


def section_of(body: dict[str, Any]) -> tuple[SectionKind, dict[str, Any]]:
    """The section kind (from the response schema) and input data (from the prompt) of a request."""
    response_format = body["response_format"]
    if response_format["type"] == "json_schema":
        kind = SectionKind(response_format["json_schema"]["name"])
    else:  # llama.cpp's dialect: {"type": "json_object", "schema": {...}}
        wanted = _without_lengths(response_format["schema"])
        kind = next(k for k, model in OUTPUT_MODELS.items() if _without_lengths(strict_schema(model)) == wanted)
    first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    match = _DATA_BLOCK.search(first_user)
    if match is None:
        raise ValueError("no <data> block in the prompt")
    return kind, json.loads(match.group(1))


def _without_lengths(schema: Any) -> Any:
    """A schema without maxLength bounds (which clients may tighten), for matching."""
    if isinstance(schema, dict):
        return {key: _without_lengths(value) for key, value in schema.items() if key != "maxLength"}
    if isinstance(schema, list):
        return [_without_lengths(item) for item in schema]
    return schema


def template_content(body: dict[str, Any]) -> str:
    """A grounded answer to the request (the message content), written by the template engine."""
    kind, data = section_of(body)
    return draft_from_template(kind, INPUT_MODELS[kind].model_validate(data)).model_dump_json()


def template_answer(request: ChatRequest) -> str:
    """`template_content` for a request below the HTTP layer: the answer function of a FunctionClient."""
    response_format = {"type": "json_schema", "json_schema": {"name": request.schema_name}}
    return template_content({"messages": request.messages, "response_format": response_format})


def completion(body: dict[str, Any], content: str, finish_reason: str = "stop") -> dict[str, Any]:
    """A chat.completion object as a live server returns it (token counts estimated at 4 characters each)."""
    prompt_tokens = max(1, sum(len(m.get("content") or "") for m in body.get("messages", [])) // 4)
    completion_tokens = max(1, len(content) // 4)
    message = {"role": "assistant", "content": content, "refusal": None}
    return {
        "id": "chatcmpl-naftiko-local",
        "object": "chat.completion",
        "created": 1767225600,
        "model": body.get("model", "unknown"),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def invent_number(content: str) -> str:
    """Corrupt a valid answer: its first string gains a number no data holds (97)."""

    def corrupt(node: Any) -> tuple[Any, bool]:
        if isinstance(node, str):
            return node.rstrip(".") + ", with a score of 97.", True
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, item in items:
            new, done = corrupt(item)
            if done:
                node[key] = new
                return node, True
        return node, False

    return json.dumps(corrupt(json.loads(content))[0])


def fault_reply(
    fault: str, body: dict[str, Any], answer: Callable[[dict[str, Any]], str] = template_content, delay: float = 0.0
) -> Reply:
    """The reply for one of FAULTS (`ok` is a good answer, written by `answer`)."""
    if fault == "429":
        error = {"error": {"message": "Rate limit reached", "type": "requests"}}
        return Reply(429, error, {"retry-after-ms": "20"}, delay)
    if fault == "500":
        return Reply(500, {"error": {"message": "The server had an error", "type": "server_error"}}, delay=delay)
    if fault in ("timeout", "drop"):
        return Reply(timeout=fault == "timeout", drop=fault == "drop")
    if fault == "malformed":
        return Reply(200, completion(body, '{"paragraph": "unterminated'), delay=delay)
    if fault == "schema":
        return Reply(200, completion(body, json.dumps({"text": "not the schema"})), delay=delay)
    if fault not in ("ok", "invented"):
        raise ValueError(f"unknown fault {fault!r}; expected one of {', '.join(FAULTS)}")
    content = answer(body)
    return Reply(200, completion(body, invent_number(content) if fault == "invented" else content), delay=delay)


def answer_with_template(body: dict[str, Any], headers: Mapping[str, str]) -> Reply:
    """The default responder: a valid, grounded answer to every request."""
    return fault_reply("ok", body)


class FakeModelTransport(httpx2.AsyncBaseTransport):
    """Answers chat completions in process with a responder; keeps every request it saw."""

    def __init__(self, responder: Responder = answer_with_template) -> None:
        """`responder` writes each reply (default: the template engine's grounded answers)."""
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        """Each request seen: `{"path": ..., "headers": {...}, "body": {...}}`."""
        self.in_flight = 0
        self.peak_in_flight = 0
        """The most requests this transport was answering at once (replies with a delay overlap)."""

    def sections_requested(self) -> list[str]:
        """The `x-naftiko-section` of each request, in order."""
        return [request["headers"].get("x-naftiko-section", "unknown") for request in self.requests]

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one request as the responder says (404 for anything but chat completions)."""
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return _response(Reply(404, {"error": {"message": f"no route {request.url.path}"}}), request)
        body = json.loads(await request.aread())
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.requests.append({"path": request.url.path, "headers": headers, "body": body})
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            try:
                reply = self.responder(body, headers)
            except Exception as exc:  # a broken responder is a 500, as a real server would answer
                reply = Reply(500, {"error": {"message": f"responder failed: {exc}"}})
            if reply.delay:
                await asyncio.sleep(reply.delay)
        finally:
            self.in_flight -= 1
        if reply.timeout:
            raise httpx2.ReadTimeout("the fake model did not answer in time", request=request)
        if reply.drop:
            raise httpx2.RemoteProtocolError("the fake model closed the connection unanswered", request=request)
        return _response(reply, request)


def _response(reply: Reply, request: httpx2.Request) -> httpx2.Response:
    headers = {"content-type": "application/json", "x-request-id": "req-naftiko-local", **reply.headers}
    return httpx2.Response(reply.status, headers=headers, content=json.dumps(reply.body).encode(), request=request)
