"""Checkpoints: every finished section of a run, appended as it finishes, so a run can resume.

One JSON line per section (its SectionResult, the engine and the model), in
`<draft>.checkpoint.jsonl` next to the draft (`drafts/<company>/.checkpoint.jsonl`
for timestamped drafts). A run that is interrupted (Ctrl-C, a crash, a model
outage, a budget) leaves it behind; the same command then reuses every
section whose inputs are unchanged and drafts only the rest. A finished
draft removes it. Template fallbacks are not kept: a resumed run asks again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from naftiko_writer.errors import DraftError
from naftiko_writer.report.model import SectionResult, SectionSource


def checkpoint_path(markdown: Path, timestamped: bool) -> Path:
    """Where a draft's checkpoint lives: stable across re-runs of the same command."""
    if timestamped:
        return markdown.parent / ".checkpoint.jsonl"
    return markdown.with_name(markdown.stem + ".checkpoint.jsonl")


class Checkpoint:
    """An append-only file of finished sections."""

    def __init__(self, path: Path, engine: str, model: str | None) -> None:
        """Open (lazily) the checkpoint at `path` for runs with this engine and model."""
        self.path = path
        self.engine = engine
        self.model = model

    def load(self) -> dict[str, SectionResult]:
        """Sections finished by earlier runs of the same engine and model (damaged lines are skipped)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise DraftError(f"{self.path}: cannot read the checkpoint ({exc}); delete it to start afresh") from exc
        sections: dict[str, SectionResult] = {}
        for line in lines:
            try:
                entry = json.loads(line)
                if entry.get("engine") != self.engine or entry.get("model") != self.model:
                    continue
                result = SectionResult.model_validate(entry["section"])
            except (json.JSONDecodeError, ValidationError, KeyError, TypeError, AttributeError):
                continue  # a line cut short by a crash
            sections[result.id] = result
        return sections

    def append(self, result: SectionResult) -> None:
        """Record one finished section (durably: flushed and synced)."""
        if result.source is SectionSource.FALLBACK:
            return
        line = json.dumps(
            {"engine": self.engine, "model": self.model, "section": result.model_dump(mode="json")},
            ensure_ascii=False,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(line + "\n")
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as exc:
            raise DraftError(f"{self.path}: cannot write the checkpoint ({exc.strerror})") from exc
