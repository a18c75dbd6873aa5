"""Signal-name normalisation: the one definition of when two names are the same.

"AWS", "aws" and "A.W.S." share a key; so do "Amazon Web Services",
"amazon-web-services" and "Аmazon Web Services" written with a Cyrillic А (look-alike letters are
folded: scoring/text_forms). Case, punctuation and spacing never matter, except that
`+` and `#` are kept as words so that C, C++ and C# stay distinct. Chinese and
Japanese characters are words of their own (those scripts put no spaces between
words), so a keyword such as "自动化" (automation) is found inside "自动化管线".

Two looser comparisons serve the catalogue's rules: `singular` lets a keyword
match either number of a word, and `spelled_out` gives the other spelling of a
name written with its abbreviation in brackets.
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

from naftiko_writer.scoring.text_forms import fold_lookalikes

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Japanese kana and Chinese (Han) characters: scripts written without spaces between words."""
_WORD = f"[{_CJK}]|[^\\W_{_CJK}]+"
"""A token: one Chinese or Japanese character, or a run of other letters and digits (underscores and punctuation separate tokens).

Compiled on first use by a name that is not ASCII (compiling it takes milliseconds: Unicode classes)."""
_ASCII_WORD = re.compile("[a-z0-9]+")
"""The same tokens in lower-case ASCII text, where a letter or digit is [a-z0-9]."""
_BRACKETED = re.compile(r"(?P<outside>[^()]*[^\s()])\s*\((?P<inside>[^()]*)\)\s*")
"""A name ending in one bracketed part: "Infrastructure as Code (IaC)"."""
_ES_PLURALS = ("sses", "xes", "shes", "tches", "nches", "rches", "oaches")
"""Endings whose plural adds "es" (processes, taxes, meshes, switches, branches, searches, approaches)."""
_NOT_PLURALS = frozenset({"securities"})
"""Plural-looking words that are not the plural of the singular the rules would make: financial securities are not security."""


_NAMES_REMEMBERED = 1 << 16
"""Names whose tokens and key are kept once computed: the same names recur across a company's kinds, its
sections, its checks and a fleet's companies (a draft of a large company asks for hundreds of thousands of keys)."""


@lru_cache(maxsize=_NAMES_REMEMBERED)
def name_tokens(name: str) -> tuple[str, ...]:
    """Split a name into lower-case word tokens, ignoring punctuation."""
    if name.isascii():
        text, words = name.lower(), _ASCII_WORD
    else:
        text, words = fold_lookalikes(unicodedata.normalize("NFKC", name).casefold()), _unicode_words()
    if "+" in text or "#" in text:
        text = text.replace("+", " plus ").replace("#", " sharp ")
    return tuple(words.findall(text))


@cache
def _unicode_words() -> re.Pattern[str]:
    return re.compile(_WORD)


@lru_cache(maxsize=_NAMES_REMEMBERED)
def name_key(name: str) -> str:
    """Return the comparison key of a name (tokens joined without separators)."""
    return "".join(name_tokens(name))


def distinct_names(names: Iterable[str], limit: int | None = None) -> list[str]:
    """Names in order, each name key once (a signal seen as a service and a tool is listed once); at most `limit`."""
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        if limit is not None and len(kept) >= limit:
            break
        key = name_key(name)
        if key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


def singular(token: str) -> str:
    """A word token in the singular, as the catalogue's rules compare words: either number matches.

    A trailing "s" goes (databases -> database), "-ies" and "-ie" become "-y" (technologies and the
    French technologie -> technology, cookies and cookie -> cooky), and "es" goes after a sibilant
    (processes -> process, switches -> switch). Words of three letters or fewer stay as they are
    (AWS, iOS), and so do words ending in "ss" (access). Both sides of a comparison go through this,
    so a made-up singular such as "cooky" is harmless.
    """
    if len(token) <= 3 or token in _NOT_PLURALS:
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("ie"):
        return token[:-2] + "y"
    if token.endswith(_ES_PLURALS):
        return token[:-2]
    return token[:-1] if token.endswith("s") and not token.endswith("ss") else token


def spelled_out(name: str) -> tuple[str, ...]:
    """The other spellings of a name written with a bracketed part, to look up when the whole is unknown.

    "Infrastructure as Code (IaC)" -> ("Infrastructure as Code",); "Rpa (Robotic Process Automation)"
    -> ("Rpa", "Robotic Process Automation"). The bracketed part is only tried when it spells out a
    one-word abbreviation outside: a bracketed abbreviation is ambiguous on its own ("Vendor Management
    System (VMS)" is not virtual machines), and a bracketed remark ("Java (Web)") is not a name.
    """
    found = _BRACKETED.fullmatch(name)
    if found is None:
        return ()
    outside, inside = found["outside"], found["inside"]
    if len(name_tokens(outside)) == 1 and len(name_tokens(inside)) > 1:
        return (outside, inside)
    return (outside,)
