"""A batch folder's state: `state.json` (the companies, the model, the rounds) and a file a company.

`state.json` stays small whatever the size of the batch: it names the companies, and what has been
collected for each (its sections and the repairs it waits for) lives in `collected-N/<slug>.json`,
written by the collect of round N. A collect reads the previous round's folder one company at a time
and writes a new one; the state's `collected` is raised only once that folder is complete and synced,
so a collect stopped half-way leaves the batch as it was (the half-written folder is started again).
A state of format 1 held every company's sections inline, and still reads: its first collect writes
the new layout.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from naftiko_writer.config import DEFAULT_BATCH_MAX_REPAIRS
from naftiko_writer.errors import InputError
from naftiko_writer.files import read_text_bounded, write_text_atomically
from naftiko_writer.formats import BATCH_FORMAT, check_format_version
from naftiko_writer.report.model import SectionResult
from naftiko_writer.report.sections import Output

STATE_FILE = "state.json"
MAX_STATE_BYTES = 4 * 2**30
"""The largest state file read (a format-1 state held every section: about 400 MB for 1,000 companies)."""
MAX_COMPANY_BYTES = 256 * 2**20
"""The largest file of one company's collected sections read (a real one is well under 1 MB)."""
MAX_REQUESTS_PER_FILE = 50_000
"""OpenAI's documented limit on the requests of one batch input file."""
MAX_BYTES_PER_FILE = 200_000_000
"""OpenAI's documented limit on the size of one batch input file (200 MB)."""
_INLINE_FORMAT = 1
"""The last format whose state held every company's sections itself."""


class BatchRetry(BaseModel):
    """A section whose answer failed: what to send next, and what it has cost so far."""

    model_config = ConfigDict(extra="forbid")

    messages: list[dict[str, str]]
    attempts: int
    problems: list[str]
    prompt_tokens: int = 0
    completion_tokens: int = 0


class BatchCompany(BaseModel):
    """One company of a batch and the sections collected for it (in its own file; inline in a format-1 state)."""

    model_config = ConfigDict(extra="forbid")

    company: str = Field(description="The slug or signals file the batch was built from.")
    slug: str
    sections: dict[str, SectionResult] = Field(default_factory=dict)
    retrying: dict[str, BatchRetry] = Field(default_factory=dict)

    def outputs(self) -> dict[str, Output]:
        """The outputs collected so far, by section id (what later sections are written from)."""
        return {section_id: result.output for section_id, result in self.sections.items()}


class BatchState(BaseModel):
    """state.json of a batch folder."""

    model_config = ConfigDict(extra="forbid")

    format_version: int = Field(
        default=BATCH_FORMAT,
        validation_alias=AliasChoices("format_version", "version"),  # `version` in older state files
        description="The state file's format (naftiko_writer.formats).",
    )
    model: str
    collected: int = Field(default=0, description="The last round whose results were collected.")
    created: str
    max_output_tokens: int | None = None
    max_repairs: int = Field(
        default=DEFAULT_BATCH_MAX_REPAIRS, ge=0, le=5, description="Repair rounds per section before it falls back."
    )
    round: int = 0
    max_requests_per_file: int = Field(
        default=MAX_REQUESTS_PER_FILE, ge=1, description="Requests one round file (one provider batch) may hold."
    )
    max_bytes_per_file: int = Field(
        default=MAX_BYTES_PER_FILE, ge=1024, description="Bytes one round file (one provider batch) may hold."
    )
    edition: str | None = Field(
        default=None, description="The stored edition the companies are drafted among (`batch build --edition`)."
    )
    store: str | None = Field(default=None, description="The edition store `edition` is read from (a path).")
    companies: list[BatchCompany] = Field(
        description="The companies, in order; their sections are in collected-N/ (inline in format 1)."
    )


def load_state(folder: Path) -> BatchState:
    """Read a batch folder's state."""
    path = folder / STATE_FILE
    try:
        data = json.loads(read_text_bounded(path, MAX_STATE_BYTES, "the batch state"))
        check_format_version(data, BATCH_FORMAT, "batch state", str(path))
        return BatchState.model_validate(data)
    except FileNotFoundError:
        raise InputError(f"{folder}: no {STATE_FILE}; build a batch first (naftiko-writer batch build)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as exc:
        raise InputError(f"{path}: the batch state is damaged ({type(exc).__name__}); rebuild the batch") from exc


def save_state(folder: Path, state: BatchState) -> None:
    """Write `state.json` (atomically) in the current format: the companies without their sections."""
    state.format_version = BATCH_FORMAT
    text = state.model_dump_json(indent=2, exclude={"companies": {"__all__": {"sections", "retrying"}}})
    write_text_atomically(folder / STATE_FILE, text + "\n")


def collected_dir(folder: Path, round_number: int) -> Path:
    """The folder of every company's sections as the collect of round `round_number` left them."""
    return folder / f"collected-{round_number}"


class CompanyFiles:
    """Each company's collected sections, read from the current round's folder and written to the next one's.

    `read` gives a company as the last collect left it; `write` puts it, updated, in the folder of the
    round being collected, which `finish` syncs before the state is saved. `prune` then removes the older
    folders; `discard` the new one, when the collect stops.
    """

    def __init__(self, folder: Path, collected: int, inline: bool = False) -> None:
        """The companies as the collect of round `collected` left them (0: as built; `inline`: in a format-1 state)."""
        self.folder = folder
        self._inline = inline
        self._current = collected_dir(folder, collected) if collected else None
        self._next: Path | None = None

    @classmethod
    def of(cls, folder: Path, state: BatchState) -> CompanyFiles:
        """The companies of a batch as its state names them."""
        return cls(folder, state.collected, inline=state.format_version <= _INLINE_FORMAT)

    def read(self, member: BatchCompany) -> BatchCompany:
        """The company with everything collected for it so far (nothing, before the first collect)."""
        if self._inline or self._current is None:
            return member.model_copy(deep=True)
        path = self._current / f"{member.slug}.json"
        try:
            entry = BatchCompany.model_validate_json(read_text_bounded(path, MAX_COMPANY_BYTES, "a company's sections"))
        except FileNotFoundError:
            raise InputError(f"{path}: missing; the batch folder is incomplete, rebuild the batch") from None
        except (OSError, ValueError) as exc:  # ValidationError is a ValueError
            raise InputError(
                f"{path}: a company's sections are damaged ({type(exc).__name__}); rebuild the batch"
            ) from exc
        if entry.slug != member.slug:
            raise InputError(f"{path}: holds {entry.slug!r}, not {member.slug!r}; rebuild the batch")
        return entry

    def begin(self, round_number: int) -> None:
        """Start the folder of the round being collected (empty: a stopped collect's half is removed)."""
        self._next = collected_dir(self.folder, round_number)
        shutil.rmtree(self._next, ignore_errors=True)
        self._next.mkdir(parents=True)

    def write(self, entry: BatchCompany) -> None:
        """Write one company, updated, into the folder begun (synced to disk before `finish` returns)."""
        if self._next is None:
            raise RuntimeError("CompanyFiles.write before begin")
        with (self._next / f"{entry.slug}.json").open("w", encoding="utf-8") as stream:
            stream.write(entry.model_dump_json())
            stream.flush()
            os.fsync(stream.fileno())

    def finish(self) -> None:
        """Sync the new folder's entries, so the state may name it."""
        if self._next is not None:
            handle = os.open(self._next, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)

    def prune(self) -> None:
        """Remove every folder but the one just written (the state names it now)."""
        for path in self.folder.glob("collected-*"):
            if path != self._next and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    def discard(self) -> None:
        """Remove the folder begun (the collect stopped; the state still names the previous one)."""
        if self._next is not None:
            shutil.rmtree(self._next, ignore_errors=True)
            self._next = None
