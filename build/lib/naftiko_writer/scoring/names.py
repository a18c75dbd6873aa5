"""Signal-name normalisation: the one definition of when two names are the same.

"AWS", "aws" and "A.W.S." share a key; so do "Amazon Web Services" and
"amazon-web-services". Case, punctuation and spacing never matter, except that
`+` and `#` are kept as words so that C, C++ and C# stay distinct.
"""

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
"""A token: a run of letters and digits (underscores and punctuation separate tokens)."""


def name_tokens(name: str) -> tuple[str, ...]:
    """Split a name into lower-case word tokens, ignoring punctuation."""
    text = name.lower() if name.isascii() else unicodedata.normalize("NFKC", name).casefold()
    if "+" in text or "#" in text:
        text = text.replace("+", " plus ").replace("#", " sharp ")
    return tuple(_WORD.findall(text))


def name_key(name: str) -> str:
    """Return the comparison key of a name (tokens joined without separators)."""
    return "".join(name_tokens(name))
