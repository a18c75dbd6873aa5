"""Where drafts live, and how they are written and read back.

`drafts/<company>/<timestamp>.md` by default, or `--out PATH`; the sidecar is
the same path with `.json`. Both are written in full to temporary files before
either is renamed into place, and a failed rename puts the previous one back,
so the draft and its sidecar are replaced together or not at all. A run that
writes a draft holds a lock next to it (`<draft>.lock`), so two runs never
update one draft at once; `--update` first copies the previous draft to a
`.bak` file of its own. An output of another kind (an HTML page, a diff)
never replaces a draft or a sidecar.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from naftiko_writer.document.draft_format import CLOSING, DraftDocument, parse_draft, render_markdown
from naftiko_writer.document.industry_format import industry_provenance
from naftiko_writer.document.markers import PROVENANCE_MARKER
from naftiko_writer.errors import DraftError, InputError
from naftiko_writer.files import LockHeldError, hold_lock, replace_files_together, write_text_atomically
from naftiko_writer.formats import INDUSTRY_FORMAT, SIDECAR_FORMAT, check_format_version
from naftiko_writer.report.industry import IndustryReport
from naftiko_writer.report.model import Report

MAX_DRAFT_BYTES = 256 * 2**20
"""The most of a draft or sidecar read (a report's are some 100 KB)."""


@dataclass(frozen=True)
class DraftFiles:
    """The files of one draft."""

    markdown: Path
    sidecar: Path


def draft_files(drafts_dir: Path, company: str, stamp: str, out: Path | None = None) -> DraftFiles:
    """The Markdown and sidecar paths of a new draft."""
    markdown = out if out is not None else drafts_dir / company / f"{stamp}.md"
    if markdown.suffix.lower() != ".md":
        raise InputError(f"{markdown}: a draft is Markdown; give --out a path ending in .md")
    if markdown.is_dir():
        raise InputError(f"{markdown}: is a directory; give --out a file path ending in .md")
    return DraftFiles(markdown=markdown, sidecar=markdown.with_suffix(".json"))


def write_draft(report: Report, files: DraftFiles, markdown: str | None = None, checkpoint: Path | None = None) -> None:
    """Write the Markdown draft (rendered from the report unless given) and its JSON sidecar, together.

    Both are written to temporaries first, then the sidecar and the draft are renamed into place; if
    either cannot be, the previous pair is left as it was. Once a complete draft is written, its
    run's `checkpoint` has served and is removed; a draft stopped early keeps it, so that the same
    command resumes.
    """
    text = render_markdown(report) if markdown is None else markdown
    try:
        replace_files_together({files.sidecar: report.model_dump_json(indent=2) + "\n", files.markdown: text})
    except OSError as exc:
        where = exc.filename2 or exc.filename or files.markdown
        raise InputError(
            f"{files.markdown}: cannot write the draft and its sidecar ({exc.strerror}: {where}); "
            "the previous files are unchanged; check the folder, the free space and the permissions"
        ) from exc
    if checkpoint is not None and report.summary.stopped is None:
        checkpoint.unlink(missing_ok=True)


def lock_path(markdown: Path, timestamped: bool) -> Path:
    """The lock of a draft: `<draft>.lock`, or `drafts/<company>/.lock` for timestamped drafts (one checkpoint)."""
    return markdown.parent / ".lock" if timestamped else markdown.with_name(markdown.name + ".lock")


@contextmanager
def draft_lock(lock: Path, draft: Path) -> Iterator[None]:
    """Hold `lock` (files.hold_lock) while a run writes `draft`; a second run fails at once with a one-line error."""
    with ExitStack() as held:
        try:
            held.enter_context(hold_lock(lock))
        except LockHeldError:
            raise DraftError(
                f"{draft}: another naftiko-writer run is writing this draft (it holds {lock}); "
                "wait for it to finish, then run again"
            ) from None
        except OSError as exc:
            raise InputError(f"{lock}: cannot create the lock of {draft} ({exc.strerror}); check the folder") from exc
        yield


def draft_digest(path: Path) -> str | None:
    """sha256 of a file's bytes (None when it does not exist), to notice a file changed under a run."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DraftError(f"{path}: cannot read the draft ({exc.strerror})") from exc


def truncation(document: DraftDocument) -> str | None:
    """Why a draft looks cut short (no closing block), or None when it is whole."""
    if CLOSING in document.ids:
        return None
    last = document.blocks[-1].id if document.blocks else "the title"
    return f"it ends after {last}, without the closing block"


def load_draft(path: Path) -> DraftDocument:
    """Read and parse a draft file."""
    return parse_draft(read_draft_text(path), str(path))


def read_draft_text(path: Path) -> str:
    """A draft file's text; a folder, a missing file or one that is not UTF-8 text is a one-line DraftError."""
    if path.is_dir():
        raise DraftError(f"{path}: is a directory; give the path of a draft .md file")
    if path.exists() and not path.is_file():
        raise DraftError(f"{path}: is not a regular file (a pipe or a device?); give the path of a draft .md file")
    try:
        with path.open("rb") as stream:
            text = stream.read(MAX_DRAFT_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise DraftError(f"{path}: no such draft; check the path (drafts are under drafts/<company>/)") from None
    except UnicodeDecodeError:
        raise DraftError(f"{path}: is not UTF-8 text; it is not a naftiko-writer draft") from None
    except OSError as exc:
        raise DraftError(f"{path}: cannot read the draft ({exc.strerror})") from exc
    return text


def sidecar_path(markdown: Path) -> Path:
    """The JSON sidecar of a draft."""
    return markdown.with_suffix(".json")


def load_sidecar(markdown: Path, document: DraftDocument) -> Report | None:
    """The sidecar of a draft, or None when it is absent, damaged or belongs to another version of the draft.

    A sidecar of a newer format than this version reads is an InputError, not a damaged sidecar.
    """
    data = _sidecar_data(markdown, SIDECAR_FORMAT, "draft sidecar")
    try:
        report = Report.model_validate(data) if data is not None else None
    except ValidationError:
        return None
    return report if report is not None and report.provenance == document.provenance else None


def load_industry_sidecar(markdown: Path, text: str) -> IndustryReport | None:
    """The sidecar of an industry draft (its text given), or None when absent, damaged or of another draft.

    As `load_sidecar` does: a sidecar of a newer format is an InputError, not a damaged one.
    """
    data = _sidecar_data(markdown, INDUSTRY_FORMAT, "industry sidecar")
    try:
        report = IndustryReport.model_validate(data) if data is not None else None
    except ValidationError:
        return None
    same = report is not None and industry_provenance(text) == report.provenance.model_dump(mode="json")
    return report if same else None


def _sidecar_data(markdown: Path, known: int, what: str) -> Any:
    """The parsed JSON of a draft's sidecar, None when it is absent or unreadable; InputError if of a newer format."""
    path = sidecar_path(markdown)
    try:
        if not path.is_file():  # absent, or a FIFO or device that would block or never end the read
            return None
        with path.open("rb") as stream:
            data = json.loads(stream.read(MAX_DRAFT_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    check_format_version(data, known, what, str(path))
    return data


def backup_draft(markdown: Path, stamp: str) -> Path:
    """Copy a draft (and its sidecar) to `<name>.<stamp>.bak.md` (`-2`, `-3`... if taken) before it is rewritten."""
    for number in range(1, 1000):
        suffix = "" if number == 1 else f"-{number}"
        backup = markdown.with_name(f"{markdown.stem}.{stamp}{suffix}.bak.md")
        if sidecar_path(backup).exists():
            continue
        created = False
        try:
            with markdown.open("rb") as source, backup.open("xb") as target:  # x: never replace another backup
                created = True
                shutil.copyfileobj(source, target)
                target.flush()
                os.fsync(target.fileno())
            shutil.copystat(markdown, backup)
            if sidecar_path(markdown).exists():
                shutil.copy2(sidecar_path(markdown), sidecar_path(backup))
        except FileExistsError:
            continue
        except OSError as exc:  # a full disk: no truncated copy is left to pass for a good backup
            if created:
                backup.unlink(missing_ok=True)
                sidecar_path(backup).unlink(missing_ok=True)
            raise DraftError(
                f"{markdown}: cannot back up the draft before updating it ({exc.strerror}); nothing was changed"
            ) from exc
        return backup
    raise DraftError(f"{markdown}: too many backups named {markdown.stem}.{stamp}*.bak.md; remove some")


def write_output(path: Path, text: str) -> None:
    """Write a derived file (a diff, an HTML report) atomically, with a clear error when it cannot be written.

    It never replaces a draft or a draft's sidecar: those are refused with a one-line error.
    """
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give --out a file path")
    refuse_replacing_draft(path)
    try:
        write_text_atomically(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror}); check the folder and permissions") from exc


def refuse_replacing_draft(path: Path) -> None:
    """Raise InputError when `path` holds a draft or a draft's sidecar (which an output of another kind must not replace)."""
    if not path.is_file():
        return
    if _is_draft(path):
        raise InputError(f"{path}: is a naftiko-writer draft, which this would overwrite; give --out another path")
    if path.suffix.lower() == ".json" and (_is_draft(path.with_suffix(".md")) or _is_sidecar(path)):
        raise InputError(
            f"{path}: is the JSON sidecar of the draft {path.with_suffix('.md')}, which this would overwrite; "
            "give --out another path"
        )


def _is_draft(path: Path) -> bool:
    """Whether a file opens like a naftiko-writer draft (its provenance marker in the first lines)."""
    opening = PROVENANCE_MARKER.split("{", 1)[0]
    try:
        with path.open("r", encoding="utf-8", errors="replace") as stream:
            head = stream.read(64 * 1024)
    except OSError:
        return False
    return opening in head


def _is_sidecar(path: Path) -> bool:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(value, dict) and {"scorecard", "sections", "provenance"} <= value.keys()
