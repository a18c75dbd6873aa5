"""How long one model call may take: a deadline derived from the size of the answer asked for.

A structured answer of a few hundred tokens needs the endpoint's time to the first token plus the
tokens at a slow generation speed; waiting 60 s for every call (the SDK's habit) lets a hung call
hold its share of the limit for a minute. `call_timeout` is `--timeout` when it is given, else
`FIRST_TOKEN_SECONDS + tokens / MIN_TOKENS_PER_SECOND` with `tokens` the call's `max_tokens` (or
`TYPICAL_ANSWER_TOKENS` when uncapped): 24 s for an uncapped section, well under a minute, and
more for a call allowed a long answer. A call that goes unanswered much longer than its peers is
hedged before that (drafting/ask.py, llm/limiter.py).
"""

from __future__ import annotations

FIRST_TOKEN_SECONDS = 8.0
"""Allowance for queueing at the endpoint and reading the prompt."""
MIN_TOKENS_PER_SECOND = 32.0
"""A slow generation speed (a small local model on two cores writes about 13-22 tokens/s: give --timeout)."""
TYPICAL_ANSWER_TOKENS = 512
"""An uncapped section's answer is planned at this size (the longest sections write about 400)."""
MAX_DERIVED_SECONDS = 120.0


def call_timeout(configured: float | None, max_tokens: int | None) -> float:
    """Seconds one call may take: `configured` (--timeout) when set, else derived from the answer's size."""
    if configured is not None:
        return configured
    tokens = max_tokens or TYPICAL_ANSWER_TOKENS
    return min(MAX_DERIVED_SECONDS, FIRST_TOKEN_SECONDS + tokens / MIN_TOKENS_PER_SECOND)
