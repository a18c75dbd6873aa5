"""Checkpoints: every finished section of a run, appended as it finishes, so a run can resume.

One JSON line per record, in `<draft>.checkpoint.jsonl` next to the draft
(`drafts/<company>/.checkpoint.jsonl` for timestamped drafts): first a header
holding the run's key, then each finished section (its SectionResult) and
what each model call spent (so a budget holds across resumes). The key is
everything that shapes an answer: engine, mode, endpoint (or recordings
folder), model, output cap, prompt templates, signals and taxonomy. A run
whose key differs does not use the file: it is set aside as
`<name>.stale.jsonl` (then `.stale-2.jsonl`, ...: an earlier one is never replaced, so nothing is lost)
and reported. A run that is interrupted
(Ctrl-C, a crash, a model outage, a budget) leaves its checkpoint behind; the
same command then reuses every section whose inputs are unchanged and drafts
only the rest. A finished draft removes it. Template fallbacks and sections
not drafted are not kept: a resumed run asks again.
"""

from __future__ import annotations

import errno
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from naftiko_writer.errors import DraftError
from naftiko_writer.llm.answer_shape import MalformedAnswerError, parse_answer_json, token_count
from naftiko_writer.report.model import SectionResult, SectionSource

FORMAT = 2
MAX_CHECKPOINT_BYTES = 64 * 2**20
"""The largest checkpoint read (a report's is some 200 KB): a file linked to /dev/zero is not read without end."""
"""The checkpoint format; files of another format (or none) are stale."""
SYNC_SECONDS = 1.0
"""A durable checkpoint syncs a line to disk when this long has passed since its last sync."""


def checkpoint_path(markdown: Path, timestamped: bool) -> Path:
    """Where a draft's checkpoint lives: stable across re-runs of the same command."""
    if timestamped:
        return markdown.parent / ".checkpoint.jsonl"
    return markdown.with_name(markdown.stem + ".checkpoint.jsonl")


MAX_SET_ASIDE = 1000
"""Set-aside checkpoints of one draft kept at most (`.stale.jsonl`, `.stale-2.jsonl`, ...)."""


def stale_path(path: Path, number: int = 1) -> Path:
    """The `number`th name a checkpoint of another run is set aside under.

    `x.checkpoint.jsonl` -> `x.checkpoint.stale.jsonl`, then `x.checkpoint.stale-2.jsonl`, and so on.
    """
    return path.with_suffix(".stale.jsonl" if number == 1 else f".stale-{number}.jsonl")


def set_aside(path: Path) -> Path:
    """Move `path` to the first free stale name, never replacing an earlier set-aside file; the new name.

    A hard link to the new name is made first (it fails if the name is taken, so two runs can never pick
    the same one), then the old name is removed; where links are not possible, an exclusive create and a
    copy do the same.
    """
    for number in range(1, MAX_SET_ASIDE + 1):
        target = stale_path(path, number)
        try:
            os.link(path, target)
        except FileExistsError:
            continue
        except OSError:
            try:
                with path.open("rb") as source, target.open("xb") as copy:
                    copy.write(source.read())
            except FileExistsError:
                continue
        path.unlink()
        return target
    raise OSError(errno.EEXIST, f"{MAX_SET_ASIDE} set-aside checkpoints already exist; remove some", str(path))


@dataclass
class Resumed:
    """What earlier runs with the same key left: finished sections and what their calls spent."""

    sections: dict[str, SectionResult] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    stale: str | None = None
    """A warning, when a checkpoint of another run was found and set aside."""


class Checkpoint:
    """An append-only file of finished sections and spending, for runs with one key."""

    def __init__(self, path: Path, key: dict[str, object], durable: bool = True) -> None:
        """Open (lazily) the checkpoint at `path` for runs with this key.

        Every line is flushed, which survives Ctrl-C and crashes of the process. `durable` also syncs
        to disk (a power cut keeps what was paid for), at most once every `SYNC_SECONDS`: a sync per
        line blocked a fleet's event loop some 5 ms a section (two lines each), a third of its time
        at 64 answers a second; runs that call no paid model (replay) only flush.
        """
        self.path = path
        self.key = key
        self.durable = durable
        self._started = False
        self._synced = float("-inf")

    def load(self) -> Resumed:
        """What earlier runs with the same key left (damaged lines are skipped); a stale file is set aside."""
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_CHECKPOINT_BYTES + 1)
            if len(data) > MAX_CHECKPOINT_BYTES:
                raise DraftError(
                    f"{self.path}: a checkpoint of more than {MAX_CHECKPOINT_BYTES // 2**20} MB is not one of this "
                    "tool's; delete it to start afresh"
                )
            lines = data.decode("utf-8").splitlines()
        except FileNotFoundError:
            return Resumed()
        except (OSError, UnicodeDecodeError) as exc:
            raise DraftError(f"{self.path}: cannot read the checkpoint ({exc}); delete it to start afresh") from exc
        header = _json(lines[0]) if lines else None
        if header is None or header.get("checkpoint") != FORMAT or header.get("key") != self.key:
            return Resumed(stale=self._set_aside(header))
        self._started = True
        resumed = Resumed()
        for line in lines[1:]:
            entry = _json(line)
            if entry is None:
                continue  # a line cut short by a crash
            try:
                if "spent" in entry:
                    spent = entry["spent"]
                    cost = spent["cost"]
                    if isinstance(cost, bool) or not isinstance(cost, int | float) or not 0 <= cost < math.inf:
                        raise ValueError(f"cost {cost!r}")
                    # What earlier runs spent counts against the budget: never negative, never absurd.
                    resumed.prompt_tokens += token_count(spent["prompt_tokens"], "prompt_tokens")
                    resumed.completion_tokens += token_count(spent["completion_tokens"], "completion_tokens")
                    resumed.cost += float(cost)
                else:
                    result = SectionResult.model_validate(entry["section"])
                    resumed.sections[result.id] = result
            except (ValidationError, KeyError, TypeError, ValueError, MalformedAnswerError):
                continue
        return resumed

    def append(self, result: SectionResult) -> None:
        """Record one finished section (flushed; synced when durable); fallbacks and pending ones are not kept."""
        if result.source in (SectionSource.FALLBACK, SectionSource.PENDING):
            return
        self._write({"section": result.model_dump(mode="json")})

    def spend(self, prompt_tokens: int, completion_tokens: int, cost: float) -> None:
        """Record what one model call spent, so that a resumed run's budget counts it."""
        self._write({"spent": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "cost": cost}})

    def _write(self, entry: dict[str, object]) -> None:
        lines = [] if self._started else [{"checkpoint": FORMAT, "key": self.key}]
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in [*lines, entry])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a" if self._started else "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                if self.durable and time.monotonic() - self._synced >= SYNC_SECONDS:
                    os.fsync(stream.fileno())
                    self._synced = time.monotonic()
        except OSError as exc:
            raise DraftError(f"{self.path}: cannot write the checkpoint ({exc.strerror})") from exc
        self._started = True

    def _set_aside(self, header: dict[str, object] | None) -> str:
        """Move another run's checkpoint out of the way; the warning that says so."""
        other = header.get("key") if header is not None else None
        if isinstance(other, dict):
            names = sorted(name for name in {*other, *self.key} if other.get(name) != self.key.get(name))
            why = f"its {', '.join(names)} differ from this run's" if names else "it is of another format"
            made = ", ".join(f"{name} {other.get(name)}" for name in ("mode", "model", "endpoint") if other.get(name))
            why += f" (it was made with {made})" if made else ""
        else:
            why = "it was written by an older version"
        try:
            target = set_aside(self.path)
        except OSError as exc:
            raise DraftError(
                f"{self.path}: a checkpoint of another run that cannot be set aside ({exc.strerror}); "
                "delete it to start afresh"
            ) from exc
        return (
            f"{self.path}: not resumed: it is the checkpoint of another run ({why}); moved to {target}. "
            f"To resume that run, move it back and run that run's command again"
        )


def _json(line: str) -> dict[str, Any] | None:
    """One checkpoint line, read as an answer is (size, nesting and digits bounded); None when it is not one."""
    try:
        value = parse_answer_json(line)
    except MalformedAnswerError:
        return None
    return value if isinstance(value, dict) else None
