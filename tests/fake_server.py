"""A small OpenAI-compatible server on 127.0.0.1, for the end-to-end tests and benchmarks.

It serves, over a real socket, what `naftiko_writer.drafting.testing` serves in
process: `POST /v1/chat/completions` answered by a responder (the same
`Reply`, `fault_reply` and template-engine answers), plus the Batch API's file
upload, batch create/retrieve and file content. `ScriptedResponder` scripts
faults per section (or at random, seeded), for either transport;
`authored_answer` answers with text written by hand (the shipped Spotify
recordings). It never sees a real key and never leaves loopback.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from naftiko_writer.drafting.testing import (
    FAULTS,
    Reply,
    Responder,
    completion,
    fault_reply,
    invent_number,
    section_of,
    template_content,
)
from naftiko_writer.report.sections import SectionKind

__all__ = [
    "CHAOS_FAULTS",
    "FAULTS",
    "FakeOpenAIServer",
    "Reply",
    "Responder",
    "ScriptedResponder",
    "authored_answer",
    "completion",
    "invent_number",
    "section_of",
    "template_content",
]

CHAOS_FAULTS = ("429", "500", "timeout", "malformed", "schema", "invented")
"""What `chaos` draws from: every transient and every content fault."""


@dataclass
class ScriptedResponder:
    """Answers with the template engine, after the faults scripted for each section.

    `script` maps a section id (or `*` for every section) to the faults its
    successive requests meet: `["429", "ok"]` fails the first request with a
    rate limit and answers the second. `always` fails every request of every
    section with one fault. `chaos` fails that fraction of the remaining
    requests with a fault drawn at random (seeded) from `chaos_faults`.
    `answer` overrides how a good answer is written.
    """

    script: dict[str, list[str]] = field(default_factory=dict)
    always: str | None = None
    latency: float = 0.0
    answer: Callable[[dict[str, Any]], str] = template_content
    reject_json_schema: bool = False
    chaos: float = 0.0
    seed: int = 0
    chaos_faults: tuple[str, ...] = CHAOS_FAULTS
    """What `chaos` draws from (the benchmarks' transient-only runs: 429, 500, timeout)."""
    calls: list[str] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        """Seed the chaos generator so a run's faults are reproducible."""
        self._random = random.Random(self.seed)

    def __call__(self, body: dict[str, Any], headers: Mapping[str, str]) -> Reply:
        """Serve one request."""
        section = headers.get("x-naftiko-section", "unknown")
        with self._lock:
            self.calls.append(section)
            queue = self.script.get(section) or self.script.get("*") or []
            fault = self.always or (queue.pop(0) if queue else "ok")
            if fault == "ok" and self.chaos and self._random.random() < self.chaos:
                fault = self._random.choice(self.chaos_faults)
            self.faults[fault] = self.faults.get(fault, 0) + 1
        if self.reject_json_schema and body.get("response_format", {}).get("type") == "json_schema":
            return Reply(  # as llama-cpp-python's server answers
                500,
                {
                    "error": {
                        "message": "Input should be 'text' or 'json_object' (body.response_format.type: json_schema)",
                        "type": "internal_server_error",
                    }
                },
            )
        return self.reply(fault, body)

    def reply(self, fault: str, body: dict[str, Any]) -> Reply:
        """The reply for one fault kind (see naftiko_writer.drafting.testing.fault_reply)."""
        return fault_reply(fault, body, self.answer, self.latency)


def authored_answer(outputs: Mapping[str, Mapping[str, Any]]) -> Callable[[dict[str, Any]], str]:
    """Answer each section with hand-written output, looked up by the section in the prompt."""

    def answer(body: dict[str, Any]) -> str:
        key = _section_key(body)
        if key not in outputs:
            raise KeyError(f"no authored answer for {key}")
        return json.dumps(outputs[key], ensure_ascii=False)

    return answer


def _section_key(body: dict[str, Any]) -> str:
    kind, data = section_of(body)
    if kind is SectionKind.DIMENSION_NARRATIVE:
        return f"dimension:{data['dimension']}"
    if kind is SectionKind.LAYER_INTRODUCTION:
        return f"layer:{data['layer_number']}"
    return kind.value


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default of 5 drops connections when a draft opens dozens at once
    daemon_threads = True


class FakeOpenAIServer:
    """A threaded HTTP server answering chat completions with a responder."""

    def __init__(self, responder: Responder, timeout_delay: float = 2.0) -> None:
        """Bind to a free port on 127.0.0.1 (not yet serving); a `timeout` reply is held `timeout_delay` seconds."""
        self.responder = responder
        self.timeout_delay = timeout_delay
        self.requests: list[dict[str, Any]] = []
        self.connections: set[tuple[str, int]] = set()
        """The client address of every connection that sent a request (how many a client opened)."""
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        handler = self._handler()
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # how long `shutdown` can wait (the default 0.5 s, on every exit)
            name="fake-openai",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (`http://127.0.0.1:PORT/v1`)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()

    def store_file(self, raw: bytes, content_type: str) -> dict[str, Any]:
        """Keep an uploaded file (multipart form field `file`); its file object."""
        boundary = content_type.split("boundary=", 1)[-1].strip('"').encode()
        content, filename = b"", "upload.jsonl"
        for part in raw.split(b"--" + boundary):
            head, _, data = part.partition(b"\r\n\r\n")
            if b'name="file"' in head:
                content = data.removesuffix(b"\r\n")
                found = re.search(rb'filename="([^"]*)"', head)
                filename = found.group(1).decode() if found else filename
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = content
        return {"id": file_id, "object": "file", "bytes": len(content), "created_at": 1767225600,
                "filename": filename, "purpose": "batch", "status": "processed"}  # fmt: skip

    def run_batch(self, body: dict[str, Any]) -> Reply:
        """Answer every request of an uploaded batch file at once, as a completed Batch API job."""
        source = self.files.get(str(body.get("input_file_id")))
        if source is None:
            return Reply(404, {"error": {"message": "no such input file"}})
        lines = []
        for number, line in enumerate(source.decode().splitlines(), start=1):
            request = json.loads(line)
            section = str(request["custom_id"]).split("|")[1]  # naftiko custom ids: company|section|round
            reply = self.responder(request["body"], {"x-naftiko-section": section})
            lines.append(
                json.dumps(
                    {
                        "id": f"batch_req_{number}",
                        "custom_id": request["custom_id"],
                        "response": {"status_code": reply.status, "request_id": f"req-{number}", "body": reply.body},
                        "error": None,
                    }
                )
            )
        output_id = f"file-{len(self.files) + 1}"
        self.files[output_id] = ("\n".join(lines) + "\n").encode()
        batch_id = f"batch_{len(self.batches) + 1}"
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": body.get("endpoint"), "status": "completed",
            "input_file_id": body["input_file_id"], "output_file_id": output_id, "error_file_id": None,
            "completion_window": body.get("completion_window", "24h"), "created_at": 1767225600,
            "request_counts": {"total": len(lines), "completed": len(lines), "failed": 0},
        }  # fmt: skip
        return Reply(200, self.batches[batch_id])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall per reply

            def log_message(self, *_: object) -> None:
                return None

            def do_GET(self) -> None:
                batch = re.fullmatch(r"/v1/batches/([\w-]+)", self.path)
                content = re.fullmatch(r"/v1/files/([\w-]+)/content", self.path)
                if batch and batch.group(1) in server.batches:
                    self._send(Reply(200, server.batches[batch.group(1)]))
                elif content and content.group(1) in server.files:
                    self._send_bytes(server.files[content.group(1)])
                else:
                    self._send(Reply(404, {"error": {"message": f"no route {self.path}"}}))

            def do_POST(self) -> None:
                server.connections.add(self.client_address[:2])
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                if self.path.endswith("/files"):
                    self._send(Reply(200, server.store_file(raw, headers.get("content-type", ""))))
                    return
                body = json.loads(raw or b"{}")
                server.requests.append({"path": self.path, "headers": headers, "body": body})
                if self.path.endswith("/batches"):
                    self._send(server.run_batch(body))
                    return
                if not self.path.endswith("/chat/completions"):
                    self._send(Reply(404, {"error": {"message": f"no route {self.path}"}}))
                    return
                try:
                    reply = server.responder(body, headers)
                except Exception as exc:  # a broken responder is a 500, as a real server would answer
                    reply = Reply(500, {"error": {"message": f"responder failed: {exc}"}})
                if reply.timeout:  # hold the request past the client's timeout, then answer as a slow server would
                    time.sleep(server.timeout_delay)
                    reply = fault_reply("ok", body)
                elif reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                self._send(reply)

            def _send_bytes(self, payload: bytes) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/octet-stream")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _send(self, reply: Reply) -> None:
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.send_header("x-request-id", "req-naftiko-local")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    return

        return Handler
