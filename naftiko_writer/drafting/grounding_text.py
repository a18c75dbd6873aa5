r"""The text grounding compares: model answers and section data in one form, so spelling cannot hide a claim.

A model can state what its data lacks in ways a literal comparison misses: a product name in lower
case, split by a zero-width character or written with Cyrillic look-alike letters; a number as words
("ninety-nine"), superscripts or Roman numerals; a link. grounding.py reads every text through this
module: `compared` is the one form of a text (scoring/text_forms.comparable: NFKC, invisible
characters out, look-alikes folded, Roman-numeral characters as digits); `spelled_figures` finds
numbers written in words; `urls_in` finds links; `loosely_cased` says which technology names are
recognised in any case (the distinctive ones: a plain capitalised English word such as "Access" or
"Spring" is ordinary prose in lower case); `data_strings` reads a section's JSON data back into its
strings, so a name holding `"` or `\\` is compared as written, not as JSON escapes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from naftiko_writer.scoring.text_forms import comparable, spelled_numbers

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>()\[\]\"'`]+")
_URL_END = ".,;:!?"
MIN_LOOSE_WORD = 6
"""A plain capitalised name this long or longer is also recognised in lower case ("terraform")."""
ORDINARY_WORDS = frozenset(
    [
        "access",
        "acrobat",
        "airflow",
        "algorithm",
        "algorithms",
        "amplitude",
        "android",
        "angular",
        "assembler",
        "audits",
        "auditing",
        "azure",
        "babel",
        "backstage",
        "behave",
        "blender",
        "bootstrap",
        "capybara",
        "chromium",
        "clustering",
        "cohere",
        "concur",
        "confluence",
        "confluent",
        "consul",
        "copilot",
        "cucumber",
        "cypress",
        "eclipse",
        "eggplant",
        "elastic",
        "emails",
        "express",
        "flutter",
        "framer",
        "gemini",
        "groovy",
        "harness",
        "haystack",
        "hibernate",
        "homebrew",
        "iceberg",
        "indeed",
        "insomnia",
        "jaeger",
        "jasmine",
        "jersey",
        "karate",
        "lambda",
        "lighthouse",
        "locust",
        "localisation",
        "localization",
        "mercurial",
        "mistral",
        "mobile",
        "mocking",
        "modeling",
        "modelling",
        "newman",
        "notion",
        "office",
        "oracle",
        "outlook",
        "pandas",
        "parquet",
        "payroll",
        "perforce",
        "perplexity",
        "pinecone",
        "playwright",
        "postman",
        "prettier",
        "prophet",
        "puppet",
        "puppeteer",
        "pulsar",
        "quantization",
        "rancher",
        "redshift",
        "remedy",
        "renovate",
        "reporting",
        "runway",
        "segment",
        "segments",
        "segmentation",
        "segmentations",
        "seismic",
        "selenium",
        "sentry",
        "snowflake",
        "social",
        "solace",
        "solidity",
        "spring",
        "square",
        "stoplight",
        "storybook",
        "struts",
        "subversion",
        "superset",
        "swagger",
        "tableau",
        "tailwind",
        "tenable",
        "tomcat",
        "unleash",
        "unreal",
        "vagrant",
        "waterfall",
        "windsurf",
        "workday",
        "zephyr",
    ]
)
"""Names in the catalogue that are also ordinary English words: matched as written (capitalised), not in lower case."""


def compared(text: str) -> str:
    """The one form every text is compared in (see scoring/text_forms.comparable)."""
    return comparable(text)


def spelled_figures(text: str) -> list[str]:
    """Numbers written in words or Roman numerals, as digits (scoring/text_forms.spelled_numbers)."""
    return spelled_numbers(text)


def urls_in(text: str) -> list[str]:
    """Links in `text` (http, https, www.), without trailing punctuation, lower-cased for comparison."""
    if "://" not in text and "www." not in text.lower():
        return []
    return [found.group().rstrip(_URL_END).lower() for found in _URL.finditer(text)]


def loosely_cased(spelling: str, curated: bool) -> bool:
    """Whether a technology name is recognised in any case: whether its lower-case form is no ordinary word.

    A capital after the first letter or a digit always qualifies (GitHub, S3, gpt-4o). The catalogue's
    own (`curated`) names qualify too when they have several words or punctuation (Amazon Web Services,
    Node.js), or are plain capitalised words of MIN_LOOSE_WORD letters or more (Terraform, Kubernetes)
    that are not ORDINARY_WORDS; a company's own names of ordinary words ("Signals", "Content Platforms")
    do not. Short words (Go, Rust, Chef) and acronyms (AWS) are recognised only as written.
    """
    if len(spelling) < 4 or spelling.lower() == spelling or spelling.isupper():
        return False
    if any(ch.isdigit() for ch in spelling) or any(ch.isupper() for ch in spelling[1:] if ch.isalpha()):
        return not all(word[:1].isupper() and word[1:].islower() for word in spelling.split()) or curated
    if not curated:
        return False
    if " " in spelling or not spelling.isalpha():
        return True
    return len(spelling) >= MIN_LOOSE_WORD and spelling.lower() not in ORDINARY_WORDS


_STATED_FIGURE = re.compile(r"(?i)\b(?:scores?|scored|scoring|rank(?:ed)?|rated|rating)\b\W*(?:of\W+)?(?:\d|[a-z]+\b)")


def states_a_figure(name: str) -> bool:
    """Whether a name reads as a claim about a figure ("Cloud scores 99", "ranked ninety-nine"), not as a name."""
    for found in _STATED_FIGURE.finditer(name):
        tail = name[found.start() :]
        if any(ch.isdigit() for ch in tail[:40]) or spelled_numbers(tail):
            return True
    return False


def data_strings(data: str) -> Iterator[str]:
    """Every key, string and number of a section's JSON data, as text (numbers as JSON writes them)."""
    try:
        value: Any = json.loads(data)
    except ValueError:
        yield data  # not JSON: a plain text given by a caller
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from (str(key) for key in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            yield json.dumps(item)
