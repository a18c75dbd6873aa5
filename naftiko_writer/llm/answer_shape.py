"""One validation of every model answer before anything uses it, wherever the answer comes from.

An endpoint, a recording, a checkpoint or a Batch API results file can hand back anything: an empty
body, an HTML error page, JSON that is not a chat completion, a null message, usage as a string, a
number of 5,000 digits, JSON nested thousands deep, negative or absurd token counts. `parse_answer_json`
reads the text within limits (size, nesting depth, digits, no NaN or infinity) and `read_chat_answer`
checks the shape of a chat completion and returns only what the pipeline uses; token counts go
through `token_count` (a whole number from 0 to MAX_TOKENS), so no answer can lift a budget. Every
failure is a MalformedAnswerError (an LLMError: the client retries it, then the section falls back to
the template engine). Pure; no SDK.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from naftiko_writer.errors import LLMError

MAX_ANSWER_BYTES = 8 * 2**20
"""The largest answer body read (a section's answer is a few KB; a Batch API line holds one)."""
MAX_DEPTH = 32
"""Deepest nesting of lists and objects in an answer (a chat completion uses 5)."""
MAX_DIGITS = 30
"""The most digits a number in an answer may have."""
MAX_TOKENS = 10_000_000
"""The most tokens one call may report, prompt or completion (a context window is at most a few hundred thousand)."""


class MalformedAnswerError(LLMError):
    """An answer that is not a usable chat completion; the message says what is wrong with it."""


@dataclass(frozen=True)
class ChatAnswer:
    """What the pipeline uses of a chat completion, checked."""

    content: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int


def parse_answer_json(data: bytes | str) -> Any:
    """The JSON value of an answer body, within MAX_ANSWER_BYTES, MAX_DEPTH and MAX_DIGITS."""
    if len(data) > MAX_ANSWER_BYTES:
        raise MalformedAnswerError(f"an answer of {len(data):,} bytes (at most {MAX_ANSWER_BYTES:,})")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedAnswerError("an answer that is not UTF-8 text") from None
    if not data.strip():
        raise MalformedAnswerError("an empty answer")
    try:
        value = json.loads(data)  # the C scanner; numbers and depth are checked in one walk after
    except RecursionError:
        raise MalformedAnswerError(f"JSON nested more than {MAX_DEPTH} deep") from None
    except json.JSONDecodeError:
        start = data.lstrip()[:1]
        what = "an HTML page" if start == "<" else "text that is not JSON"
        raise MalformedAnswerError(what) from None
    except ValueError:  # an integer over Python's 4,300-digit conversion limit
        raise MalformedAnswerError("a number of more than 4,300 digits") from None
    _check_walk(value)
    return value


_LARGEST = 10**MAX_DIGITS


def _check_walk(value: Any) -> None:
    """Nesting depth of lists and objects, the size of whole numbers and finiteness of others, without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is dict or kind is list:
            if depth > MAX_DEPTH:
                raise MalformedAnswerError(f"JSON nested more than {MAX_DEPTH} deep")
            children = item.values() if kind is dict else item
            stack.extend((child, depth + 1) for child in children if type(child) in _WALKED)
        elif kind is int:
            if not -_LARGEST < item < _LARGEST:
                raise MalformedAnswerError(f"a number of more than {MAX_DIGITS} digits")
        elif kind is float and not math.isfinite(item):
            raise MalformedAnswerError(f"{item} is not a number JSON allows")


_WALKED = frozenset({dict, list, int, float})


def token_count(value: object, what: str) -> int:
    """A reported token count: a whole number from 0 to MAX_TOKENS (absent is 0)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TOKENS:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:39] + "…"
        raise MalformedAnswerError(f"{what} {shown} is not a token count from 0 to {MAX_TOKENS:,}")
    return value


def read_chat_answer(body: object) -> ChatAnswer:
    """The content, finish reason and token counts of a chat completion, after checking its shape."""
    if not isinstance(body, dict):
        raise MalformedAnswerError(f"a JSON {type(body).__name__} where a chat completion object belongs")
    choices = body.get("choices")
    usage = body.get("usage")
    if usage is not None and not isinstance(usage, dict):
        raise MalformedAnswerError("usage that is not an object")
    usage = usage or {}
    prompt_tokens = token_count(usage.get("prompt_tokens"), "prompt_tokens")
    completion_tokens = token_count(usage.get("completion_tokens"), "completion_tokens")
    if not isinstance(choices, list) or not choices:
        raise MalformedAnswerError("no choices")
    choice = choices[0]
    if not isinstance(choice, dict):
        raise MalformedAnswerError("a choice that is not an object")
    message = choice.get("message")
    if not isinstance(message, dict):
        raise MalformedAnswerError("a choice without a message")
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise MalformedAnswerError("message content that is not text")
    finish_reason = choice.get("finish_reason")
    if finish_reason is not None and not isinstance(finish_reason, str):
        raise MalformedAnswerError("a finish_reason that is not text")
    return ChatAnswer(content or "", finish_reason, prompt_tokens, completion_tokens)
