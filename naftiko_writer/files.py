"""Files safely: writes never leave half a file, or half a pair of files, behind; reads are bounded.

`read_text_bounded` is the reader of the text files the tool opens outside the data-file loader (raw
signal lists, a batch's state and results): only a regular file (a FIFO would block, a link to /dev/zero
never end), at most a given number of bytes, UTF-8.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from naftiko_writer.data_files import DocumentError, read_bytes
from naftiko_writer.errors import InputError


def read_text_bounded(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of the regular file `path` (a BOM read past), at most `limit` bytes; one-line InputError else.

    The bounded read is the data-file loader's (data_files.read_bytes). `what` names the file in an encoding
    error ("the batch results"). A missing file raises FileNotFoundError, so a caller can say what to do.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    try:
        data = read_bytes(path, limit)
    except DocumentError as exc:
        raise InputError(str(exc)) from exc
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: {what} is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from exc


def write_text_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file."""
    replace_files_together({path: text})


def write_cache_file(path: Path, data: bytes) -> None:
    """Write a cache file atomically (temporary file, then rename), readable by its owner only.

    Not synced to disk: a cache's reader checks what it reads, so a file torn by a power cut
    is only a miss. Raises OSError when the folder cannot be created or written.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def replace_files_together(contents: Mapping[Path, str]) -> None:
    """Write several files so that either all of them are replaced or none is.

    Every file is first written in full to a temporary next to it (a full disk
    fails here, before anything is replaced); then each is renamed into place,
    in order. A file keeps its permissions, and a symlink stays a link: its
    target is what is rewritten. If one rename fails (the target is a folder, say), the files
    already replaced get their previous versions back, and the error is raised.
    """
    temporaries: dict[Path, Path] = {}
    try:
        for path, text in contents.items():
            target = _through_links(path)
            temporaries[target] = _write_temporary(target, text)
        _rename_all(temporaries)
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)


def _write_temporary(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(path))  # mkstemp makes 0600: the file's own mode, or the ordinary one
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc  # named by the file it was for
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _rename_all(temporaries: Mapping[Path, Path]) -> None:
    """Rename each temporary onto its target; on a failure, put back what was there before."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for path, temporary in temporaries.items():
            previous = _keep_previous(path)
            try:
                os.replace(temporary, path)
            except BaseException:
                if previous is not None:
                    previous.unlink(missing_ok=True)
                raise
            done.append((path, previous))
    except BaseException:
        for path, previous in reversed(done):
            if previous is not None:
                os.replace(previous, path)
            else:
                path.unlink(missing_ok=True)
        raise
    for _, previous in done:
        if previous is not None:
            previous.unlink(missing_ok=True)


def _keep_previous(path: Path) -> Path | None:
    """A second name for the file at `path` (a hard link, else a copy), to restore it; None if there is none."""
    if not path.is_file():
        return None
    previous = path.with_name(f".{path.name}.{secrets.token_hex(6)}.previous")
    try:
        os.link(path, previous)
    except OSError:
        shutil.copy2(path, previous)
    return previous


def _through_links(path: Path) -> Path:
    """Where writing `path` lands: a symlink's target (the link stays a link), else the path itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _mode_for(path: Path) -> int:
    """The permissions a rewritten file keeps (a private 0600 draft stays private); ordinary ones for a new file."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


class LockHeldError(OSError):
    """Another process holds the lock (the caller words the error)."""


@contextmanager
def hold_lock(lock: Path) -> Iterator[None]:
    """Hold `lock` (an flock on a file next to what it guards) for the block; LockHeldError at once if taken.

    The lock file is removed on the way out, while still held, so no other run holds a removed file.
    """
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held = os.fstat(handle).st_ino == os.stat(lock).st_ino  # not a lock file another run just removed
        except (BlockingIOError, FileNotFoundError):
            held = False
        if not held:
            raise LockHeldError(str(lock))
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
    finally:
        os.close(handle)
