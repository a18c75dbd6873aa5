"""Where drafts live, and how they are written and read back.

`drafts/<company>/<timestamp>.md` by default, or `--out PATH`; the sidecar is
the same path with `.json`. Both are written to temporary files and renamed,
so an interrupted run never leaves half a draft; `--update` first copies the
previous draft to a timestamped `.bak` file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from naftiko_writer.document.draft_format import DraftDocument, parse_draft, render_markdown
from naftiko_writer.errors import DraftError, InputError
from naftiko_writer.files import write_text_atomically
from naftiko_writer.report.model import Report


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
    """Write the Markdown draft (rendered from the report unless given) and its JSON sidecar.

    Once a complete draft is written, its run's `checkpoint` has served and is removed; a draft
    stopped early keeps it, so that the same command resumes.
    """
    try:
        write_text_atomically(files.markdown, render_markdown(report) if markdown is None else markdown)
        write_text_atomically(files.sidecar, report.model_dump_json(indent=2) + "\n")
        if checkpoint is not None and report.summary.stopped is None:
            checkpoint.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(
            f"{files.markdown}: cannot write the draft ({exc.strerror}); check the folder and permissions"
        ) from exc


def load_draft(path: Path) -> DraftDocument:
    """Read and parse a draft file."""
    if path.is_dir():
        raise DraftError(f"{path}: is a directory; give the path of a draft .md file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DraftError(f"{path}: no such draft; check the path (drafts are under drafts/<company>/)") from None
    except UnicodeDecodeError:
        raise DraftError(f"{path}: is not UTF-8 text; it is not a naftiko-writer draft") from None
    except OSError as exc:
        raise DraftError(f"{path}: cannot read the draft ({exc.strerror})") from exc
    return parse_draft(text, str(path))


def sidecar_path(markdown: Path) -> Path:
    """The JSON sidecar of a draft."""
    return markdown.with_suffix(".json")


def load_sidecar(markdown: Path, document: DraftDocument) -> Report | None:
    """The sidecar of a draft, or None when it is absent, damaged or belongs to another version of the draft."""
    path = sidecar_path(markdown)
    try:
        report = Report.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValidationError):
        return None
    return report if report.provenance == document.provenance else None


def backup_draft(markdown: Path, stamp: str) -> Path:
    """Copy a draft (and its sidecar) to `<name>.<stamp>.bak.md` before it is rewritten."""
    backup = markdown.with_name(f"{markdown.stem}.{stamp}.bak.md")
    try:
        shutil.copy2(markdown, backup)
        if sidecar_path(markdown).exists():
            shutil.copy2(sidecar_path(markdown), sidecar_path(backup))
    except OSError as exc:
        raise DraftError(f"{markdown}: cannot back up the draft before updating it ({exc.strerror})") from exc
    return backup


def write_output(path: Path, text: str) -> None:
    """Write a derived file (a diff, an HTML report) atomically, with a clear error when it cannot be written."""
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give --out a file path")
    try:
        write_text_atomically(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror}); check the folder and permissions") from exc
