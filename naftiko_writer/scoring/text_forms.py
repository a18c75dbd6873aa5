"""Text as a reader sees it: one normalisation of names where they enter, one form that grounding compares.

Names arrive from scraped lists, files and models holding what no reader sees: control characters,
zero-width spaces, bidirectional overrides, soft hyphens, word joiners, variation selectors and
Unicode tag characters (which can carry a whole hidden instruction). `clean_name` is the one step
every name and company name goes through when a file is read (scoring/models): compatibility forms
are composed (NFKC: full-width `ＡＷＳ` is `AWS`, `ﬁ` is `fi`), separators such as controls,
zero-width spaces and bidi overrides become a space, characters that join or style letters (soft
hyphens, word joiners, zero-width joiners, variation selectors, tags) are removed, and spacing is
collapsed. Scoring, prompts, drafts and HTML all see the cleaned name.

Look-alike letters are a second matter: `Аmazon` with a Cyrillic `А` reads as Amazon. `fold_lookalikes`
maps the Cyrillic and Greek letters that look like Latin ones to those (name keys and grounding
compare through it), and `mixed_script` says when one word mixes Latin with Cyrillic or Greek
letters, which real names do not (a warning, not an error: the name is kept as written).

`comparable` is the form grounding reads a model's text in: NFKC (superscript and full-width digits
become digits), invisible characters removed, look-alikes folded and Roman-numeral characters (`Ⅻ`)
written as digits. `spelled_numbers` finds the numbers a text writes in words ("ninety-nine") or
as ASCII Roman numerals after a figure word ("scores XCIX"). All of this is pure, and free for
ASCII text, which is most of it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_SEPARATORS = "\x00-\x1f\x7f-\x9f\u200b\u2028\u2029\u202a-\u202e"
"""Controls, the zero-width space and direction overrides: read as a space between words."""
_JOINERS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200c-\u200f\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
"""Soft hyphen, joiners, direction marks and isolates, invisible operators, fillers, variation selectors, BOM
and tags: removed outright."""
_SEPARATOR = re.compile(f"[{_SEPARATORS}]")
_JOINER = re.compile(f"[{_JOINERS}]")
_INVISIBLE = re.compile(f"[{_SEPARATORS}{_JOINERS}]")

_LOOKALIKES = str.maketrans(
    # Cyrillic
    "АВЕКМНОРСТХІЈЅҮԁаеорсухіјѕһԛԝүѵ"
    # Greek
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχϲ",
    "ABEKMHOPCTXIJSYdaeopcyxijshqwyvABEZHIKMNOPTYXaiknoptuxc",
)
"""Cyrillic and Greek letters drawn like Latin ones, mapped to those."""
_FOREIGN_LETTER = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_LATIN_LETTER = re.compile("[A-Za-z]")

_ROMAN_CHARACTERS = re.compile("[\u2160-\u2188]+")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def clean_name(value: str) -> str:
    """A name as read from a file: NFKC, invisible characters out, spacing collapsed (see the module docstring)."""
    if value.isascii() and value.isprintable():
        return " ".join(value.split())
    text = _JOINER.sub("", unicodedata.normalize("NFKC", value))
    return " ".join(_SEPARATOR.sub(" ", text).split())


def fold_lookalikes(text: str) -> str:
    """`text` with Cyrillic and Greek look-alikes of Latin letters written as those Latin letters."""
    return text if text.isascii() else text.translate(_LOOKALIKES)


def mixed_script(name: str) -> str | None:
    """The word of `name` that mixes Latin with Cyrillic or Greek letters (a look-alike), else None."""
    if name.isascii():
        return None
    for word in name.split():
        if _FOREIGN_LETTER.search(word) and _LATIN_LETTER.search(word):
            return word
    return None


def comparable(text: str) -> str:
    """`text` in the form grounding compares: NFKC, invisible characters out, look-alikes folded, Ⅻ as 12."""
    if text.isascii():
        return text
    text = _ROMAN_CHARACTERS.sub(lambda found: f" {_unicode_roman(found.group())} ", text)
    return fold_lookalikes(_INVISIBLE.sub("", unicodedata.normalize("NFKC", text)))


def _unicode_roman(characters: str) -> int:
    """The value of a run of Unicode Roman-numeral characters (`ⅩⅡ` or `Ⅻ`)."""
    letters = unicodedata.normalize("NFKC", characters).upper()
    value = roman_value(letters)
    return value if value is not None else sum(int(unicodedata.numeric(ch, 0)) for ch in characters)


def roman_value(letters: str) -> int | None:
    """The value of a well-formed Roman numeral in capitals (`XCIX` -> 99), else None."""
    if not letters or any(ch not in _ROMAN_VALUES for ch in letters):
        return None
    total = 0
    for index, ch in enumerate(letters):
        value = _ROMAN_VALUES[ch]
        following = _ROMAN_VALUES[letters[index + 1]] if index + 1 < len(letters) else 0
        total += -value if value < following else value
    return total if 0 < total < 4000 and _roman(total) == letters else None


def _roman(number: int) -> str:
    parts = []
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                           (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while number >= value:
            parts.append(letters)
            number -= value
    return "".join(parts)


# --- numbers in words ----------------------------------------------------------------------------------

_UNITS = {
    word: value
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    word: 10 * (index + 2)
    for index, word in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_FIGURE_WORDS = frozenset({"score", "scores", "scored", "scoring", "rated", "ranked", "rank", "tier", "level"})
"""Words after which a small number in words, or a Roman numeral, states a figure ("scores nine", "scores XCIX")."""
_WORDS = re.compile(r"[A-Za-z]+|\d+")
"""Words, and the digits between them (so that "scores 7, one of" does not read "one" as a score)."""
SMALL_WORDS = 10
"""Numbers up to ten in words are ordinary prose ("one of the", "three layers") unless a figure word precedes them."""


_MAYBE_SPELLED = re.compile(
    r"(?i)\b(?:" + "|".join(sorted({*_UNITS, *_TENS, *_SCALES}, key=len, reverse=True)) + r")\b"
    r"|\b(?:" + "|".join(sorted(_FIGURE_WORDS, key=len, reverse=True)) + r")\W+[IVXLCDM]{2,}\b"
)
"""A number word, or a figure word then a Roman-looking word: a quick test (one search, in C) before the scan."""


@cache
def _number_words() -> frozenset[str]:
    return frozenset({*_UNITS, *_TENS, *_SCALES, "and"})


def spelled_numbers(text: str) -> list[str]:
    """Numbers `text` writes in words or Roman numerals, as digits: "ninety-nine" -> "99".

    A number above ten in words always counts; one from one to ten, and an ASCII Roman numeral, only right
    after a figure word ("scores nine", "scored XCIX": `CI/CD`, "one of" and "scores zero", which says
    nothing scores, are not numbers).
    """
    if not _MAYBE_SPELLED.search(text):  # most texts hold no number word and no figure word: one search decides
        return []
    words = [(found.group(), found.group().lower()) for found in _WORDS.finditer(text)]
    if not words:
        return []
    known = _number_words()
    found: list[str] = []
    index = 0
    while index < len(words):
        written, word = words[index]
        after_figure_word = index > 0 and words[index - 1][1] in _FIGURE_WORDS
        if word in known and word != "and":
            value, index = _read_number(words, index)
            if value is not None and (value > SMALL_WORDS or (after_figure_word and value > 0)):
                found.append(str(value))
            continue
        if after_figure_word and len(written) > 1:
            roman = roman_value(written)
            if roman is not None:
                found.append(str(roman))
        index += 1
    return found


def _read_number(words: list[tuple[str, str]], index: int) -> tuple[int | None, int]:
    """The number spelled from words[index] on ("one hundred and five"), and the index after it.

    Words join only as numbers are written ("ninety nine", "two hundred and six"): "seven eight" is two.
    """
    total, current, last = 0, 0, ""
    while index < len(words):
        word = words[index][1]
        if word in _UNITS and (last in ("", "scale", "and") or (last == "ten" and _UNITS[word] < 10)):
            current, last = current + _UNITS[word], "unit"
        elif word in _TENS and last in ("", "scale", "and"):
            current, last = current + _TENS[word], "ten"
        elif word in _SCALES and last in ("unit", "ten"):
            if _SCALES[word] == 100:
                current *= 100
            else:
                total, current = total + current * _SCALES[word], 0
            last = "scale"
        elif word == "and" and last == "scale" and index + 1 < len(words) and words[index + 1][1] in _SMALL_OR_TENS:
            last = "and"
        else:
            break
        index += 1
    return (total + current if last else None), index


_SMALL_OR_TENS = frozenset({*_UNITS, *_TENS})
