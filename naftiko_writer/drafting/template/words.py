"""Wording helpers of the template engine: lists, plurals, fitting text to bounds, choosing a phrasing.

Pure and deterministic. `choose` picks one of several phrasings from a stable
hash of the keys it is given (company, section), so two companies' drafts read
differently while one company's draft is the same bytes every time.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TypeVar

PARAGRAPH_LIMIT = 1200
SENTENCE_LIMIT = 400
LIST_CAP = 5
"""Names listed inside one clause; more are counted, not named."""
KIND_PHRASES = {
    "service": "services",
    "tool": "tools",
    "concept": "concepts",
    "standard": "standards",
    "language": "languages",
}
KIND_SINGULAR = {kind: phrase[:-1] for kind, phrase in KIND_PHRASES.items()}

T = TypeVar("T")


def choose(options: Sequence[T], *keys: object, spread: int | None = None) -> T:
    """One of `options`, picked by a stable hash of `keys`.

    With `spread` (a section's place: a dimension's rank, a layer's number), consecutive places take
    consecutive options from a per-company starting point, so one draft uses each option about
    equally often instead of by chance.
    """
    digest = zlib.crc32("\x1f".join(str(key) for key in keys).encode("utf-8"))
    return options[(digest + (spread or 0)) % len(options)]


def join_names(names: Sequence[str]) -> str:
    """`A`, `A and B`, `A, B and C`."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def listing(names: Sequence[str], total: int, cap: int = LIST_CAP) -> str:
    """Up to `cap` names, then `and N more` when the rest is no larger than what is shown.

    `total` is how many names the list stands for (at least `len(names)`); a remainder larger
    than the names shown is left to the sentence to count ("among its 43 products"), so a list
    never ends "and 574 more".
    """
    shown = list(names[:cap])
    remainder = total - len(shown)
    if remainder <= 0:
        return join_names(shown)
    if remainder <= len(shown):
        return f"{', '.join(shown)} and {remainder} more"
    return join_names(shown)


def lists_all(names: Sequence[str], total: int, cap: int = LIST_CAP) -> bool:
    """Whether `listing(names, total, cap)` accounts for all `total` names (named or counted)."""
    shown = min(len(names), cap)
    return total - shown <= shown


def fit(text: str, limit: int) -> str:
    """Cut text at the last sentence or clause that fits `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for stop in (". ", "; ", ", "):
        position = cut.rfind(stop)
        if position > 0:
            return cut[:position].rstrip(",;") + "."
    return cut.rstrip() + "…"


def sentences(parts: Sequence[str], limit: int = PARAGRAPH_LIMIT) -> str:
    """Join sentences while they fit, so no sentence is cut in half."""
    text = ""
    for part in parts:
        if not part:
            continue
        candidate = f"{text} {part}".strip()
        if len(candidate) > limit:
            break
        text = candidate
    return text or fit(next((part for part in parts if part), ""), limit)


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 signal`, `3 signals` (`many` for an irregular plural)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def kinds_phrase(kinds: Sequence[str]) -> str:
    """`services, tools and concepts` (kind values in the order given)."""
    return join_names([KIND_PHRASES.get(kind, kind) for kind in kinds])


def layer_name(title: str) -> str:
    """`Retrieval & Grounding layer`, `Foundational Layer` (a title that already says so)."""
    return title if title.lower().endswith("layer") else f"{title} layer"


def number(value: float) -> str:
    """`27.4`, `30` (a whole float without its `.0`)."""
    return str(int(value)) if float(value).is_integer() else str(value)


def lower_first(text: str) -> str:
    """`Models, ML frameworks` -> `models, ML frameworks` (an acronym keeps its capitals)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def possessive(name: str) -> str:
    """`Spotify's`, `Goldman Sachs'`."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"
