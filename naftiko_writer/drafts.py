"""Where drafts go and how they are written: Markdown plus a JSON sidecar, atomically.

`drafts/<company>/<timestamp>.md` by default, or `--out PATH`; the sidecar is
the same path with `.json`. Both are written to temporary files and renamed,
so an interrupted run never leaves half a draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.errors import InputError
from naftiko_writer.render import render_markdown
from naftiko_writer.replay import write_text_atomically
from naftiko_writer.report import Report


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


def write_draft(report: Report, files: DraftFiles) -> None:
    """Write the Markdown draft and its JSON sidecar."""
    try:
        write_text_atomically(files.markdown, render_markdown(report))
        write_text_atomically(files.sidecar, report.model_dump_json(indent=2) + "\n")
    except OSError as exc:
        raise InputError(
            f"{files.markdown}: cannot write the draft ({exc.strerror}); check the folder and permissions"
        ) from exc
