"""One check that a run's outputs never land on its inputs, or on one another.

Every command that writes files (a draft and its sidecar, checkpoint, lock and backup; an imported
signals file; a batch's files; an HTML page or a diff) names what it will write and what it reads,
and calls `refuse_overlaps` before it writes anything: `draft acme.json --out acme.md` would
otherwise write the sidecar `acme.json` over the signals it was drafted from.

Files are compared by what they are, not by how they are spelled: an existing file by its device
and inode (so a symlink or a hard link to an input is caught), a file not yet written by its
resolved path (so two outputs spelled differently that would be one file are caught). A file that
does not exist yet cannot be an input, so the check costs one `stat` per path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from naftiko_writer.errors import InputError

Named = tuple[str, Path]
"""A file and what it is to the run, in words ("the sidecar", "the signals file")."""


def _identity(path: Path) -> tuple[object, ...]:
    try:
        stat = os.stat(path)
    except (OSError, ValueError):  # not there yet (or not a path the system can hold)
        return ("path", os.path.realpath(path))
    return ("file", stat.st_dev, stat.st_ino)


def refuse_overlaps(outputs: Iterable[Named], inputs: Iterable[Named]) -> None:
    """Raise InputError, before anything is written, if an output is an input or two outputs are one file."""
    written: dict[tuple[object, ...], Named] = {}
    for name, path in outputs:
        key = _identity(path)
        if key in written:
            other_name, other = written[key]
            raise InputError(
                f"{path}: {name} and {other_name} ({other}) would be the same file; give --out another path"
            )
        written[key] = (name, path)
    for input_name, input_path in inputs:
        clash = written.get(_identity(input_path))
        if clash is not None:
            name, path = clash
            raise InputError(
                f"{path}: {name} would be written over {input_name} ({input_path}), which this run reads; "
                "nothing was written; give --out another path"
            )
