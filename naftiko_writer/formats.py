"""The format versions of what scripts and stores read back: `score --json`, draft sidecars, batch state.

Each output carries `format_version`, a whole number raised whenever a field is
renamed, removed or changes meaning (adding a field does not raise it: readers
ignore fields they do not know). A reader meeting a higher number than it knows
stops with one line naming the file, the version and the fix, instead of
misreading the file or calling it damaged. An output without the field predates
versioning and reads as version 1.

A draft sidecar holds a ScoreCard, so a new ScoreCard format is a new sidecar
format too: raise both.
"""

from __future__ import annotations

from typing import Any

from naftiko_writer.errors import InputError

SCORECARD_FORMAT = 1
"""`score --json` (a ScoreCard, or one dimension's record with `--explain`), and a ScoreCard anywhere it is stored."""
SIDECAR_FORMAT = 1
"""The JSON sidecar of a draft (the whole report: ScoreCard, sections, provenance, summary)."""
INDUSTRY_FORMAT = 1
"""The JSON sidecar of an industry draft (its facts, sections, provenance, summary)."""
BATCH_FORMAT = 2
"""A batch folder's `state.json` and its `collected-N/` files (its `round-N.jsonl` files are the provider's request
format, read with it). 2: each company's sections moved from the state to a file of their own; 1 still reads."""
EDITION_FORMAT = 1
"""The JSON of every `edition` command and each line of `edition export --format jsonl` (the store's own schema
version is SQLite's user_version, migrated by naftiko_writer.editions.schema)."""


def check_format_version(data: Any, known: int, what: str, where: str) -> None:
    """Raise InputError when `data` (parsed JSON) declares a format newer than `known`.

    `what` names the output (`draft sidecar`), `where` the file. Anything else about the data is
    left to its model's validation.
    """
    version = data.get("format_version", 1) if isinstance(data, dict) else 1
    if isinstance(version, int) and not isinstance(version, bool) and version > known:
        raise InputError(
            f"{where}: {what} format_version {version} is newer than this naftiko-writer reads "
            f"(up to {known}); upgrade naftiko-writer to read it"
        )
