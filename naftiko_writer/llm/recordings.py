"""Recordings without the SDK: their names, their fingerprints, and replaying them offline.

A recording is one readable JSON file per request, keyed by a fingerprint of model +
messages + response schema + prompt-template hash (`fingerprint`, `recording_file_name`).
`replay.py` writes and serves them at the HTTP level under the real openai client (record
and live modes, and replay inside tests that inject HTTP faults); `ReplayClient` here
answers from the same files in plain replay, the default, without loading openai or httpx:
importing the SDK alone takes longer than drafting a whole report offline.

ReplayClient asks for exactly the request bodies OpenAIChatClient sends (the same
`response_format`, the same dialect switch after a recorded refusal of `json_schema`), so
both find the same recordings, miss with the same message and report the same unused ones.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from naftiko_writer.errors import LLMError, ReplayMissError
from naftiko_writer.llm.answer_shape import MAX_ANSWER_BYTES, MalformedAnswerError, parse_answer_json, read_chat_answer
from naftiko_writer.llm.protocol import ChatRequest, ChatResult
from naftiko_writer.llm.redact import redact_url

SECTION_HEADER = "x-naftiko-section"
TEMPLATE_HEADER = "x-naftiko-template"
SOURCE_HEADER = "x-naftiko-recording"
REFUSAL_FILE = "_refused-json-schema.json"
JSON_SCHEMA = "json_schema"
JSON_OBJECT = "json_object"
JSON_OBJECT_MAX_LENGTH = 1000
"""llama.cpp turns maxLength into a grammar and refuses (its server crashes) above about 1,000 repetitions."""
MAX_RECORDING_BYTES = MAX_ANSWER_BYTES
"""The most of a recording file read: the largest shipped one is some 20 KB."""


def fingerprint(body: dict[str, Any], template_hash: str) -> str:
    """sha256 of what determines an answer: model, messages, response schema, template hash."""
    key = {
        "model": body.get("model"),
        "messages": body.get("messages"),
        "response_format": body.get("response_format"),
        "template_hash": template_hash,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def recording_file_name(section_id: str, request_fingerprint: str) -> str:
    """`dimension_cloud--3fa2b1c4d5e6.json`: the section, then a fingerprint prefix."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in section_id)
    return f"{safe}--{request_fingerprint[:12]}.json"


def response_format(request: ChatRequest, dialect: str) -> dict[str, Any]:
    """The `response_format` a request is sent with in a dialect (`json_schema`, or llama-cpp's `json_object`)."""
    if dialect == JSON_SCHEMA:
        return {
            "type": JSON_SCHEMA,
            "json_schema": {"name": request.schema_name, "strict": True, "schema": request.schema},
        }
    return {"type": JSON_OBJECT, "schema": clamp_string_lengths(request.schema)}


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


def miss_message(recordings_dir: Path, company: str, path: Path, section: str, model: object = None) -> str:
    """What a replay miss says: the closest recording of the section, and how to re-record.

    When the closest recording was made with another model than `model` (the one asked for), it says so
    and names the `--model` that replays it.
    """
    prefix = path.name.split("--")[0]
    others = sorted(recordings_dir.glob(f"{prefix}--*.json")) if recordings_dir.is_dir() else []
    recorded_model = _recorded_model(others[0]) if others else None
    if others and model is not None and recorded_model is not None and recorded_model != model:
        closest = (
            f"the recording {others[0].name} was made with model {recorded_model!r}, not {model!r} "
            f"(replay it with `--model {recorded_model}`)"
        )
    elif others:
        closest = (
            f"the recording {others[0].name} is for a different request (the prompt template, the data or the "
            "model changed)"
        )
    else:
        closest = "there is no recording for this section at all"
    return (
        f"no recording for section {section!r} of {company!r} in {recordings_dir}: {closest}; "
        f"re-record with `naftiko-writer draft {company} --mode record` against a reachable endpoint, "
        "or draft without a model with `--engine template`"
    )


def _recorded_model(path: Path) -> str | None:
    """The model a recording's request named (None when the file cannot say): read on a miss only."""
    try:
        with path.open("rb") as handle:
            recording = json.loads(handle.read(MAX_RECORDING_BYTES))
        model = recording["request"]["body"]["model"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    return model[:80] if isinstance(model, str) else None


def unused_recordings(recordings_dir: Path, used: set[Path]) -> list[Path]:
    """Recordings in the folder that no request of this run used."""
    if not recordings_dir.is_dir():
        return []
    return sorted(path for path in recordings_dir.glob("*.json") if path not in used and path.name != REFUSAL_FILE)


class ReplayClient:
    """LLMClient that answers every request from the recordings, offline, without the SDK."""

    def __init__(self, recordings_dir: Path, company: str, base_url: str) -> None:
        """Serve the recordings of `company` in `recordings_dir`; `base_url` only names the endpoint in errors."""
        self.recordings_dir = recordings_dir
        self.company = company
        self.base_url = base_url
        self.dialect = JSON_SCHEMA
        self.used: set[Path] = set()
        self._schema_confirmed = False

    async def complete(self, request: ChatRequest) -> ChatResult:
        """The recorded answer; a recorded refusal of json_schema switches dialects as the SDK client does."""
        if self.dialect == JSON_SCHEMA:
            path = self._path(request, JSON_SCHEMA)
            if path.is_file() or not (self.recordings_dir / REFUSAL_FILE).is_file():
                result = self._answer(request, path)
                self._schema_confirmed = True
                return result
            self.used.add(self.recordings_dir / REFUSAL_FILE)
            if self._schema_confirmed:  # refused after json_schema was answered: an error, not a dialect
                raise LLMError(
                    f"section {request.section_id}: the endpoint at {redact_url(self.base_url)} failed after "
                    "1 attempt(s): HTTP 400"
                )
            result = self._answer(request, self._path(request, JSON_OBJECT))  # the probe of the other dialect
            self.dialect = JSON_OBJECT
            return result
        return self._answer(request, self._path(request, JSON_OBJECT))

    async def close(self) -> None:
        """Nothing to close (no connections)."""

    def unused_recordings(self) -> list[Path]:
        """Recordings of this company that no request of this run used."""
        return unused_recordings(self.recordings_dir, self.used)

    def _path(self, request: ChatRequest, dialect: str) -> Path:
        body = {
            "model": request.model,
            "messages": request.messages,
            "response_format": response_format(request, dialect),
        }
        return self.recordings_dir / recording_file_name(request.section_id, fingerprint(body, request.template_hash))

    def _answer(self, request: ChatRequest, path: Path) -> ChatResult:
        if not path.is_file():
            raise ReplayMissError(
                miss_message(self.recordings_dir, self.company, path, request.section_id, request.model)
            )
        try:
            with path.open("rb") as handle:
                recording = parse_answer_json(handle.read(MAX_RECORDING_BYTES + 1))
            answer = read_chat_answer(recording["response"]["body"])
        except (OSError, KeyError, TypeError) as exc:
            raise LLMError(f"{path}: not a readable recording ({type(exc).__name__}); re-record it") from None
        except MalformedAnswerError as exc:
            raise LLMError(f"{path}: not a usable recording ({exc}); re-record it") from None
        self.used.add(path)
        return ChatResult(
            content=answer.content,
            finish_reason=answer.finish_reason,
            prompt_tokens=answer.prompt_tokens,
            completion_tokens=answer.completion_tokens,
            retries=0,
            recording=str(recording.get("source", "recorded")),
        )
