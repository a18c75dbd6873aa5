"""Claims a section may only make when its data holds them: counts, tiers, comparisons, company context.

Grounding (grounding.py) checks that every number and name of a text is in its
section's data; these rules check what the text *says* with them. Each rule is
a pure function of the text, the section's input and the tier table, and
returns one problem per violation, worded for the model's repair prompt and
for `check` alike:

- **counts**: `N <noun>` (signals, products, names, services, ...) must be a
  count the data gives for that noun, and a list ending `and N more` must add
  up: the names shown (the evidence names in the sentence before it) plus N is
  one of the data's totals;
- **tiers**: a tier word (`early`, `developing`, `mature`) beside a score (the
  first number after it, else the last before it, in its sentence) must be that
  score's tier in the tier table, and without one it must be a tier the data states;
- **comparisons**: claims about other companies ("more than most", "among the
  leaders", "industry-leading") need cohort facts (`draft --edition`; peers,
  cohorts and ranks among them are cohort_grounding.py's); a dimension paragraph
  may call its dimension the highest (second-highest, ...) only at that rank;
- **company context**: a sentence saying what the company is ("As a global
  streaming platform ...", "<Company> is a ...") must come from the company
  profile, which only the summary sections are given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from naftiko_writer.report.sections import (
    DimensionInput,
    ExecutiveInput,
    IndustryInput,
    Input,
    MethodologyInput,
    StrategicInput,
)

TIER_WORDS = ("early", "developing", "mature")
"""Tier names a text may use as judgements (the table's `none` is ordinary English)."""

_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_COUNT_NOUNS = {
    "signal": "signals",
    "signals": "signals",
    "product": "named",
    "products": "named",
    "vendor": "named",
    "vendors": "named",
    "platform": "named",
    "platforms": "named",
    "name": "names",
    "names": "names",
    "term": "unnamed",
    "terms": "unnamed",
    "phrase": "unnamed",
    "phrases": "unnamed",
    "service": "service",
    "services": "service",
    "tool": "tool",
    "tools": "tool",
    "concept": "concept",
    "concepts": "concept",
    "standard": "standard",
    "standards": "standard",
    "language": "language",
    "languages": "language",
    "dimension": "dimensions",
    "dimensions": "dimensions",
    "kind": "kinds",
    "kinds": "kinds",
}
_COUNT = re.compile(
    rf"(?<![\w.,]){_NUMBER}\s+(?:(?:more|other|further|distinct|named|unnamed|commercial|separate)\s+)?"
    rf"({'|'.join(sorted(_COUNT_NOUNS, key=len, reverse=True))})\b",
    re.IGNORECASE,
)
_APPROXIMATION = re.compile(
    r"\b(?:over|more than|above|upwards of|at least|nearly|almost|close to|just under|under|fewer than|less than|"
    r"about|around|roughly|approximately|some)\s+$",
    re.IGNORECASE,
)
_MORE = re.compile(rf"\band {_NUMBER} more\b")
_LIST_START = re.compile(
    r"(?:^|[.:;(\u2013\u2014]|\b(?:with|such as|including|like|from|spans?|across|among|through|are|is|by|of|on)\b)",
)
_CROSS_COMPANY = re.compile(
    r"\b(?:(?:more|fewer|less|higher|lower|stronger|weaker) than most|"
    r"among the (?:highest|lowest|leaders|strongest|weakest|top|best|most)|peer group|industry averages?|"
    r"sector averages?|best[- ]in[- ]class|(?:above|below)[- ]average|top quartile|market[- ]leading|"
    r"industry[- ]leading|ahead of (?:the )?(?:industry|market|competition))\b",
    re.IGNORECASE,
)
"""Comparisons with other companies beyond those cohort_grounding.py reads (peers, cohort, ranks among them)."""
_AMONG_OTHERS = re.compile(r"\b(?:companies|peers?|cohort|edition|industry|sector|group)\b", re.IGNORECASE)
_ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5}
_HIGHEST = re.compile(r"\b(?:(second|third|fourth|fifth)[- ])?(?:highest|top[- ](?:scoring|ranked))\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "for",
        "to",
        "with",
        "by",
        "as",
        "at",
        "its",
        "it",
        "is",
        "are",
        "was",
        "be",
        "been",
        "from",
        "that",
        "this",
        "which",
        "who",
        "whose",
        "into",
        "across",
        "through",
        "over",
        "under",
        "one",
        "their",
        "them",
        "they",
        "has",
        "have",
        "had",
        "company",
        "companies",
        "firm",
        "business",
    ]
)


def sentences(text: str) -> Iterator[str]:
    """The sentences of a text (split at . ! ? followed by a space, so `ASP.NET` stays whole)."""
    for sentence in _SENTENCE_END.split(text):
        if sentence.strip():
            yield sentence.strip()


def claim_problems(
    texts: Iterable[str],
    data: Input,
    tiers: Sequence[tuple[str, int]],
    vocabulary_names: frozenset[str],
    mask: Callable[[str], str] | None = None,
) -> list[tuple[str, str, str]]:
    """(kind, value, message) for every claim in `texts` that `data` does not hold.

    `tiers` is the tier table, highest first (name, lowest score); `vocabulary_names` are the
    spellings grounding recognises as names (they do not count as context words); `mask` returns a
    text with the digits inside names hidden, at the same length ("Microsoft 365" holds no score).
    """
    if isinstance(data, IndustryInput):
        return []  # an industry section's data is a cohort: its comparisons have their own rules (report/cohort.py)
    problems: list[tuple[str, str, str]] = []
    for text in texts:
        text = text.replace(data.company, "the company") if data.company else text  # "7-Eleven" holds no count
        masked = mask(text) if mask is not None else text
        for sentence, hidden in zip(sentences(text), sentences(masked), strict=False):
            problems.extend(_count_problems(sentence, data))
            problems.extend(_tier_problems(hidden, data, tiers))
            problems.extend(_comparison_problems(sentence, data))
            problems.extend(_context_problems(sentence, data, vocabulary_names))
    return list(dict.fromkeys(problems))  # each problem once, in order


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def _counts(data: Input) -> dict[str, set[int]]:
    """What each count noun may be, for the inputs whose counts are checked."""
    if isinstance(data, DimensionInput):
        named = {len(data.named), *(group.count for group in data.groups)}
        kinds = {
            kind: {count, data.unnamed_by_kind.get(kind, 0), data.named_by_kind.get(kind, 0)}
            for kind, count in data.kind_counts.items()
        }
        counts: dict[str, set[int]] = {
            "signals": {data.signal_count, *data.kind_counts.values()},
            "named": named,
            "names": {data.name_count, len(data.named), data.unnamed_count},
            "unnamed": {data.unnamed_count, *data.unnamed_by_kind.values()},
            "dimensions": {data.dimension_count},
            "kinds": {data.kinds_count},
        }
        for kind in ("service", "tool", "concept", "standard", "language"):
            counts[kind] = kinds.get(kind, set()) | named | {0}
        return counts
    if isinstance(data, MethodologyInput):
        return {
            "signals": {
                data.signal_count,
                data.counted_signals,
                data.uncounted_signals,
                *data.signals_by_kind.values(),
            },
            "dimensions": {data.dimension_count},
            "names": {data.distinct_names},
            **{kind: {count} for kind, count in data.signals_by_kind.items()},
        }
    return {}


def totals(data: Input) -> set[int]:
    """The totals a list ending `and N more` may add up to."""
    if not isinstance(data, DimensionInput):
        return set()
    return {
        data.name_count,
        len(data.named),
        data.unnamed_count,
        *data.unnamed_by_kind.values(),
        *data.kind_counts.values(),
        *(group.count for group in data.groups),
    }


def _count_problems(sentence: str, data: Input) -> Iterator[tuple[str, str, str]]:
    counts = _counts(data)
    if not counts:
        return
    for match in _COUNT.finditer(sentence):
        if _APPROXIMATION.search(sentence[: match.start()]):
            continue  # "over 130 platforms": grounding checks that it approximates a figure
        noun = _COUNT_NOUNS[match.group(2).lower()]
        if match.group(0).lower().split()[1] in {"more", "further"} or noun not in counts:
            continue  # a remainder is checked with its list below
        stated = _value(match.group(1))
        if stated not in counts[noun]:
            allowed = ", ".join(str(value) for value in sorted(counts[noun]))
            yield (
                "count",
                match.group(1),
                f"counts {match.group(1)} {match.group(2)}, but the data gives {allowed} for {match.group(2)}",
            )
    allowed_totals = totals(data)
    for match in _MORE.finditer(sentence):
        shown = names_before(sentence, match.start(), data) or listed_before(sentence, match.start())
        remainder = int(_value(match.group(1)))
        if shown + remainder not in allowed_totals:
            yield (
                "count",
                match.group(1),
                f"lists {shown} names and {remainder} more, {shown + remainder} in all, which is no total in the "
                f"data ({', '.join(str(value) for value in sorted(allowed_totals))}); the remainder must make the "
                "list add up",
            )


def names_before(sentence: str, end: int, data: Input) -> int:
    """How many of the dimension's evidence names the sentence shows before `end` (0: none recognised)."""
    if not isinstance(data, DimensionInput):
        return 0
    head = sentence[:end]
    # the dimension's own name is no evidence, nor a name inside it ("SaaS" in "Software As A Service (SaaS)")
    own = [(m.start(), m.end()) for m in re.finditer(rf"(?<![\w]){re.escape(data.dimension)}(?![\w])", head)]
    found: list[tuple[int, int]] = []
    for name in sorted({*data.named, *data.unnamed}, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", head):
            inside_own = any(start <= match.start() and match.end() <= stop for start, stop in own)
            if not inside_own and not any(start <= match.start() < stop for start, stop in found):
                found.append((match.start(), match.end()))
    return len(found)


def listed_before(sentence: str, end: int) -> int:
    """How many comma-separated items precede `end` in the list it closes."""
    head = sentence[:end]
    starts = [match.end() for match in _LIST_START.finditer(head)]
    start = starts[-1] if starts else 0
    items = [item for item in re.split(r",\s*", head[start:]) if item.strip()]
    return len(items)


def _tier_of(score: float, tiers: Sequence[tuple[str, int]]) -> str:
    for name, floor in tiers:
        if score >= floor:
            return name
    return tiers[-1][0] if tiers else ""


def _tier_problems(sentence: str, data: Input, tiers: Sequence[tuple[str, int]]) -> Iterator[tuple[str, str, str]]:
    if not tiers:
        return
    stated_tiers = set(re.findall(r'"tier":"([^"]+)"', data.model_dump_json()))
    numbers = [
        (match.start(), _value(match.group(1)))
        for match in re.finditer(rf"(?<![\w.,]){_NUMBER}(?![\d])", sentence)
        if not _COUNT.match(sentence, match.start()) and not _is_rank(sentence, match.start())
    ]
    for match in re.finditer(rf"\b({'|'.join(TIER_WORDS)})\b", sentence, re.IGNORECASE):
        word = match.group(1).lower()
        after = [value for position, value in numbers if match.end() <= position <= match.end() + 80]
        before = [value for position, value in numbers if match.start() - 80 <= position < match.start()]
        near = after[:1] or before[-1:]
        if near:
            value = near[0]
            actual = _tier_of(value, tiers)
            if actual != word:
                shown = int(value) if value.is_integer() else value
                yield ("tier", word, f"calls it {word!r} beside {shown}, which the tier table puts at {actual!r}")
        elif word not in stated_tiers and not (word == "early" and re.search(r"\bearly (?:stage|days)", sentence)):
            yield ("tier", word, f"calls it {word!r}, a tier no score in this section's data is at")


def _is_rank(sentence: str, position: int) -> bool:
    before = sentence[max(0, position - 16) : position].lower()
    return bool(re.search(r"(?:\brank(?:s|ed)?|\btop|\blayer|#|\d\s+of)\s*$", before))  # rank 3, 3 of 44


def _comparison_problems(sentence: str, data: Input) -> Iterator[tuple[str, str, str]]:
    for match in _CROSS_COMPANY.finditer(sentence) if data.cohort is None else ():
        yield (
            "comparison",
            match.group(0),
            f"compares with other companies ({match.group(0)!r}), which no section's data holds; compare only "
            "within this company's scores",
        )
    if isinstance(data, DimensionInput) and not _AMONG_OTHERS.search(sentence):  # a peer claim: cohort_grounding's
        for match in _HIGHEST.finditer(sentence):
            if data.dimension.lower() not in sentence.lower() and not re.search(r"\b(?:it|its)\b", sentence):
                continue
            wanted = _ORDINALS.get((match.group(1) or "").lower(), 1)
            if data.rank != wanted:
                yield (
                    "comparison",
                    match.group(0),
                    f"calls {data.dimension} {match.group(0)!r}, but it ranks {data.rank} of {data.dimension_count}",
                )


def _context_problems(sentence: str, data: Input, vocabulary_names: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    company = data.company
    pattern = (
        rf"^\s*(?:As|For) (?:a|an|one of)\b|\b(?:{re.escape(company)}|[Tt]he company)(?:'s|’s)?\s+"
        r"(?:is|was|remains|operates as|has long been)\s+(?:a|an|one of)\b|\b(?:hundreds|thousands|millions|"
        r"billions) of (?:users|customers|listeners|subscribers|members|players|guests|stores|employees|clients)\b"
    )
    found = re.search(pattern, sentence)
    if not found:
        return
    clause = re.split(r"[,;:.]", sentence[found.start() :], maxsplit=1)[0]  # what the company is said to be
    profile = ""
    if isinstance(data, (ExecutiveInput, StrategicInput)):
        profile = f"{data.industry or ''} {data.description or ''}".lower()
    if not profile.strip():
        yield (
            "context",
            sentence[:60],
            "says what the company is, but this section has no company profile; state only what the data shows",
        )
        return
    words = [word.lower() for word in _WORD.findall(clause) if word not in vocabulary_names]
    content = [word for word in words if word not in _STOP and word != company.lower() and len(word) > 3]
    missing = [word for word in content if word not in profile]
    if content and len(missing) > len(content) // 2:
        yield (
            "context",
            sentence[:60],
            f"describes the company beyond its profile ({', '.join(missing[:4])}); use the profile's own words",
        )
