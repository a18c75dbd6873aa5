"""Signal-name normalisation: the one definition of when two names are the same.

"AWS", "aws" and "A.W.S." share a key; so do "Amazon Web Services" and
"amazon-web-services". Case, punctuation and spacing never matter, except that
`+` and `#` are kept as words so that C, C++ and C# stay distinct.
"""

import re
import unicodedata

_SIGNIFICANT = {"+": " plus ", "#": " sharp "}
_NON_WORD = re.compile(r"[^\w]+|_+")


def name_tokens(name: str) -> tuple[str, ...]:
    """Split a name into lower-case word tokens, ignoring punctuation."""
    text = name.lower() if name.isascii() else unicodedata.normalize("NFKC", name).casefold()
    for char, word in _SIGNIFICANT.items():
        text = text.replace(char, word)
    return tuple(token for token in _NON_WORD.split(text) if token)


def name_key(name: str) -> str:
    """Return the comparison key of a name (tokens joined without separators)."""
    return "".join(name_tokens(name))
