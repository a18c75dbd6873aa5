"""Claims about peers, checked against the cohort facts a section was given. Pure.

A sentence compares the company with other companies when it speaks of peers, the cohort, competitors,
other or most companies, percentiles, deciles or an industry median, of the highest scores "observed",
or ranks it ("2nd of 6"). Such a
claim stands only on the section's cohort facts (`draft --edition`):
- without cohort facts, any such claim is a problem (the model's memory is not a cohort);
- a rank ("2nd of 6", "joint 2nd of 6") must be one of the section's standings, and a tied standing
  must be written as joint;
- "highest", "lowest", "leads" or "best" said of the company among peers needs a standing that allows a
  superlative (first alone in a group of at least ten).
Used by grounding (model answers) and by `check` (edited drafts) alike; one line per problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from naftiko_writer.report.cohort import Standing
from naftiko_writer.report.sections import CohortClaims, EditionChangesInput, IndustryInput, Input

_PEERS = re.compile(
    r"\b(peers?|cohort|competitors?|rivals?|other companies|most companies|percentile|decile|industry median)\b"
    r"|\b(?:highest|lowest|strongest|weakest|largest)\b[^.]{0,60}\bobserved\b",  # 'among the highest ... observed'
    re.IGNORECASE,
)
_RANK = re.compile(r"\b(joint\s+)?(\d+)(?:st|nd|rd|th)\b(?:\s*\(with \d+ others?\))?\s+of\s+(?:the\s+)?(\d+)\b", re.I)
_SUPERLATIVE = re.compile(r"\b(highest|lowest|leads|leading|best)\b", re.IGNORECASE)
_GROUP_WORDS = re.compile(r"\b(peers?|cohort|companies|industry|sector|group|edition)\b", re.IGNORECASE)
_GROUP_SIZE = re.compile(r"\bof (?:the )?(\d+)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def cohort_problems(texts: Iterable[str], data: Input | CohortClaims | None) -> list[str]:
    """The problems of the peer claims in `texts` against a section's cohort facts (empty when they hold).

    An industry section ranks the group's own companies and a changes section its rank moves: their data
    holds the comparisons they make, so only numbers and names are checked there (by grounding).
    """
    if isinstance(data, IndustryInput | EditionChangesInput):
        return []
    claims = data.cohort if isinstance(data, Input) else data
    standings = claims.standings if claims is not None else []
    problems: list[str] = []
    for text in texts:
        for sentence in _SENTENCE.split(text):
            peer = _PEERS.search(sentence)
            ranks = list(_RANK.finditer(sentence))
            if not standings:
                claim = peer.group(0) if peer else ranks[0].group(0) if ranks else None
                if claim is not None:
                    problems.append(
                        f"compares the company with other companies ({claim!r}), but this section has no cohort "
                        "data; leave the comparison out (or draft with --edition)"
                    )
                continue
            for rank in ranks:
                problems.extend(_rank_problems(rank, standings))
            superlative = _SUPERLATIVE.search(sentence)
            sizes = {int(size) for size in _GROUP_SIZE.findall(sentence)}  # 'of the 4 Financial companies'
            allowed = [s for s in standings if s.superlative and (not sizes or s.group_size in sizes)]
            if superlative and _GROUP_WORDS.search(sentence) and not allowed:
                problems.append(
                    f"says {superlative.group(0)!r} of the company among others, but no group of its cohort data "
                    "allows a superlative (first alone among at least 10); use the rank with the group named"
                )
    return list(dict.fromkeys(problems))


def _rank_problems(rank: re.Match[str], standings: list[Standing]) -> list[str]:
    joint, place, size = bool(rank.group(1)), int(rank.group(2)), int(rank.group(3))
    matching = [s for s in standings if s.rank == place and s.group_size == size]
    if not matching:
        known = "; ".join(s.phrase for s in standings)
        return [f"claims {rank.group(0)!r}, which is no standing in this section's cohort data ({known})"]
    if not joint and all(s.tied for s in matching):
        return [f"claims {rank.group(0)!r}, but that rank is shared: write it as joint ({matching[0].phrase})"]
    return []
