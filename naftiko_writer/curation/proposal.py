"""Curation proposals: suggestions -> a reviewable catalogue file, and accepting one into the taxonomy. Pure.

A proposal is a catalogue file (the shape of `taxonomy/catalogue/*.yaml`) whose entries carry
the model's reason as a comment above them, so a reviewer edits or deletes entries in place.
Accepting appends its entries to `catalogue/accepted.yaml` and bumps the taxonomy's version;
the I/O and validation around it live with the command (`accept_proposal` in `suggest`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from naftiko_writer.scoring.models import SignalKind

ACCEPTED_FILE = "accepted.yaml"
_SIGNALS_LINE = re.compile(r"^signals:[ \t]*$", re.MULTILINE)
_COUNTED_KINDS = (SignalKind.LANGUAGE, SignalKind.STANDARD)
"""Kinds a proposal reclassifies names as (`is:`): raw lists never say language or standard."""
_VERSION_LINE = re.compile(r'^(version:\s*)(["\']?)([^"\'\s#]+)(["\']?)', re.MULTILINE)


@dataclass(frozen=True)
class Suggestion:
    """What the model says one uncounted name is evidence of."""

    name: str
    listed_kind: SignalKind
    kind: SignalKind
    dimensions: tuple[str, ...]
    reason: str
    companies: int = 1


def render_proposal(suggestions: list[Suggestion], header: list[str]) -> str:
    """The proposal file: header comments, then one entry per suggestion with dimensions, reasons as comments."""
    lines = [f"# {line}" for line in header]
    lines.append("signals:")
    unplaced = []
    for suggestion in suggestions:
        # `is:` only where it changes what counts: a language or standard filed as something else.
        reclassified = suggestion.kind is not suggestion.listed_kind and suggestion.kind in _COUNTED_KINDS
        if not suggestion.dimensions and not reclassified:
            unplaced.append(suggestion)  # an entry would claim the name and count nothing
            continue
        seen = f"{suggestion.companies} compan{'y' if suggestion.companies == 1 else 'ies'}"
        lines.append(
            f"  # {_comment(suggestion.name)} ({suggestion.listed_kind.value}, {seen}): {_comment(suggestion.reason)}"
        )
        fields = [f"name: {_scalar(suggestion.name)}"]
        if reclassified:
            fields.append(f"is: {suggestion.kind.value}")
        if suggestion.dimensions:
            fields.append(f"dimensions: [{', '.join(suggestion.dimensions)}]")
        lines.append("  - {" + ", ".join(fields) + "}")
    if unplaced:
        lines.append("")
        lines.append("# No dimension suggested (left uncounted; add an entry by hand if you disagree):")
        lines.extend(f"#   {_comment(s.name)} ({s.listed_kind.value}): {_comment(s.reason)}" for s in unplaced)
    return "\n".join(lines) + "\n"


def append_entries(accepted_text: str | None, proposal_text: str, source: str) -> str:
    """The accepted catalogue file with a proposal's entries (and their comments) appended."""
    found = _SIGNALS_LINE.search(proposal_text)
    entries = proposal_text[found.end() :] if found else ""
    body = "\n".join(line for line in entries.splitlines() if line.strip() and not line.startswith("#"))
    if accepted_text is None or not accepted_text.strip():
        accepted_text = (
            "# Catalogue entries accepted from reviewed `naftiko-writer taxonomy suggest` proposals.\n"
            "# Each block says which proposal it came from; edit entries here like any catalogue file.\n"
            "signals:\n"
        )
    return accepted_text.rstrip("\n") + f"\n  # --- accepted from {_comment(source)}\n" + body + "\n"


def bump_version(structure_text: str) -> tuple[str, str, str]:
    """taxonomy.yaml with its version's last number raised by one: (text, old version, new version)."""
    match = _VERSION_LINE.search(structure_text)
    if match is None:
        raise ValueError("taxonomy.yaml has no `version:` line")
    old = match.group(3)
    parts = old.split(".")
    if parts[-1].isdigit():
        parts[-1] = str(int(parts[-1]) + 1)
    else:
        parts.append("1")
    new = ".".join(parts)
    text = structure_text[: match.start(3)] + new + structure_text[match.end(3) :]
    return text, old, new


def _scalar(value: str) -> str:
    """A YAML flow scalar: JSON quoting is valid YAML and safe for any text."""
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())[:200]
