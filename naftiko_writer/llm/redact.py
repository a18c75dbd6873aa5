"""Secrets out of what is printed or saved: endpoint URLs and server error bodies. Pure; no SDK.

A base URL may carry credentials (`http://user:secret@host/v1`) or a key in
its query string (`?api-key=...`); messages, sidecars, checkpoints and
recordings show it with those parts replaced by `***`. A server's error body
may echo anything it was sent; only its error message and type are kept,
cut short. The API key itself is hidden from everything stored or printed that a
server could have echoed it into (`hide_secrets`): recordings, their headers and
bodies, the recorded refusal, and the server messages quoted in errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

HIDDEN = "***"
MAX_ERROR_MESSAGE = 300
_QUERY_VALUE = re.compile(r"=[^&;]*")
_USERINFO = re.compile(r"//[^/@?#]*@")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def redact_url(url: str) -> str:
    """The URL with any user:password and every query-string value replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not even a URL: hide what could be credentials by shape
        return _USERINFO.sub(f"//{HIDDEN}@", url.split("?", 1)[0])
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{HIDDEN}@{netloc.rsplit('@', 1)[1]}"
    query = _QUERY_VALUE.sub(f"={HIDDEN}", parts.query)
    fragment = HIDDEN if parts.fragment else ""
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, fragment))


def scrub(text: str, url: str) -> str:
    """`text` (a server's message, which may echo the request) without the URL's user, password or query values."""
    try:
        parts = urlsplit(url)
        secrets = [parts.username, parts.password, *(v.partition("=")[2] for v in re.split(r"[&;]", parts.query))]
    except ValueError:
        return text
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):  # shorter: noise
        text = text.replace(secret, HIDDEN)
    return text


MIN_SECRET = 8
"""Shorter values are not hidden (they would mangle ordinary text; no real key is that short)."""


def request_secrets(headers: Mapping[str, str]) -> list[str]:
    """The credentials a request carries (the bearer token, an api-key header), to hide from what is stored."""
    found = []
    for name, value in headers.items():
        lowered = name.lower()
        if lowered == "authorization":
            found.append(value.split(" ", 1)[1] if " " in value else value)
        elif lowered in ("api-key", "x-api-key"):
            found.append(value)
    return [secret for secret in found if len(secret) >= MIN_SECRET]


def hide_secrets(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret (as written, and as JSON escapes it) replaced by `***`."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True):
        escaped = json.dumps(secret)[1:-1]
        for form in {secret, escaped}:
            if form in text:
                text = text.replace(form, HIDDEN)
    return text


def one_line(text: str, limit: int = MAX_ERROR_MESSAGE) -> str:
    """Text on one line, without control characters, at most `limit` characters."""
    flat = _CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_summary(body: Any) -> dict[str, Any]:
    """A server's error body reduced to `{"error": {"message": ..., "type": ...}}` (message cut short)."""
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        message, kind = error.get("message"), error.get("type")
    else:
        message, kind = error, None
    summary: dict[str, Any] = {"message": one_line(str(message if message is not None else ""))}
    if isinstance(kind, str):
        summary["type"] = one_line(kind, 60)
    return {"error": summary}
