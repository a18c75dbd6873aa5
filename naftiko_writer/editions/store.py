"""Open the edition store: one SQLite file in WAL mode, many readers and one writer at a time.

A writer holds an exclusive lock on `<store>.lock` (flock, released by the system when the process ends,
however it ends) for as long as its command runs, so a second writer gets one line naming the first one's
process instead of interleaving with it. Readers take no lock: in WAL mode they read the last committed
state while a writer writes. Every SQLite or file-system failure becomes a one-line StoreError saying what
happened to which file and what to do (`store_errors`): a file that is not a store, a damaged one, one made
by a newer tool, a full disk, a read-only folder. Writes happen in transactions (`transaction`), so a
failure or a kill leaves the last committed state, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from naftiko_writer.editions.schema import APPLICATION_ID, SCHEMA_VERSION, create_schema, migrate
from naftiko_writer.errors import StoreError

BUSY_TIMEOUT_MS = 10_000
"""How long a statement waits for SQLite's own lock (a checkpoint, another writer's commit) before failing."""
LOCK_SUFFIX = ".lock"
WHERE_HINT = "pass --store FILE or set NAFTIKO_WRITER_STORE"


@dataclass
class Store:
    """An open store: its path, its connection and, for a writer, the lock it holds."""

    path: Path
    connection: sqlite3.Connection
    writable: bool
    version: int = SCHEMA_VERSION
    _lock: IO[bytes] | None = field(default=None, repr=False)

    def close(self) -> None:
        """Close the connection and release the writer's lock."""
        with contextlib.suppress(sqlite3.Error):
            self.connection.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Store:
        """Use the store in a `with` block; closed at its end."""
        return self

    def __exit__(self, *_: object) -> None:
        """Close the store."""
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed at the end of the block, rolled back if the block raises."""
        connection = self.connection
        with store_errors(self.path):
            connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(describe_sqlite_error(self.path, exc)) from None
            raise
        with store_errors(self.path):
            connection.execute("COMMIT")


def open_store(path: Path, *, write: bool) -> Store:
    """Open the store for reading (it must exist) or writing (created if absent, migrated if older)."""
    if write:
        return _open_writer(path)
    if not path.exists():
        raise StoreError(
            f"{path}: no edition store here; add an edition first (`naftiko-writer edition add EDITION SOURCE`), "
            f"or {WHERE_HINT}"
        )
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not an edition store; {WHERE_HINT}")
    store = _open_reader(path)
    if store.version < SCHEMA_VERSION:  # an older store: upgrade it once (as a writer would), then read it
        store.close()
        _open_writer(path).close()
        store = _open_reader(path)
    return store


def _open_reader(path: Path) -> Store:
    """A read-only connection; in a folder nobody can write (so nobody is writing), the file is read as is.

    A reader of a WAL database needs its shared-memory file, which SQLite cannot create in a read-only
    folder; there, `immutable=1` reads the database file without it.
    """
    uri = path.resolve().as_uri()
    try:
        return _connect_reader(path, f"{uri}?mode=ro")
    except StoreError:
        if os.access(path.parent, os.W_OK):
            raise
    return _connect_reader(path, f"{uri}?mode=ro&immutable=1")


def _connect_reader(path: Path, uri: str) -> Store:
    with store_errors(path):
        connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    store = Store(path, connection, writable=False)
    try:
        with store_errors(path):
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            store.version = _check_identity(path, connection, allow_empty=False)
    except BaseException:
        store.close()
        raise
    return store


def _open_writer(path: Path) -> Store:
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not an edition store; {WHERE_HINT}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot create the store's folder ({_reason(exc)}); {WHERE_HINT}") from None
    lock = _take_lock(path)
    try:
        with store_errors(path):
            connection = sqlite3.connect(path, isolation_level=None)
        store = Store(path, connection, writable=True, _lock=lock)
    except BaseException:
        lock.close()
        raise
    try:
        with store_errors(path):
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            version = _check_identity(path, connection, allow_empty=True)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"{path}: cannot switch the store to WAL mode (got {mode}); check the file system")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            if version == 0:
                create_schema(connection)
            elif version < SCHEMA_VERSION:
                migrate(connection, version)
            store.version = SCHEMA_VERSION
    except BaseException:
        store.close()
        raise
    return store


def _check_identity(path: Path, connection: sqlite3.Connection, *, allow_empty: bool) -> int:
    """The store's schema version; 0 for an empty database a writer may initialise. Refuses foreign or newer files."""
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if application_id != APPLICATION_ID:
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if application_id == 0 and version == 0 and tables == 0 and allow_empty:
            return 0
        raise StoreError(f"{path}: is a SQLite database but not an edition store; {WHERE_HINT} to use another file")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer naftiko-writer (store schema {version}; this one reads up to "
            f"{SCHEMA_VERSION}); upgrade naftiko-writer to use it"
        )
    return version


def _take_lock(path: Path) -> IO[bytes]:
    """Hold `<store>.lock` exclusively, or fail at once naming the process that holds it."""
    lock_path = path.with_name(path.name + LOCK_SUFFIX)
    try:
        handle = open(lock_path, "a+b")  # noqa: SIM115 (held open for the writer's lifetime)
    except OSError as exc:
        raise StoreError(f"{lock_path}: cannot create the writer's lock ({_reason(exc)}); {_fix(exc)}") from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read(20).decode("ascii", "replace").strip()
        handle.close()
        who = f" (process {holder})" if holder.isdigit() else ""
        raise StoreError(
            f"{path}: another naftiko-writer command{who} is writing to this store; "
            "wait for it to finish, then run this one again"
        ) from None
    except OSError as exc:
        handle.close()
        raise StoreError(f"{lock_path}: cannot lock it ({_reason(exc)}); {_fix(exc)}") from None
    with contextlib.suppress(OSError):  # the pid is only for the message above
        handle.truncate(0)
        handle.write(str(os.getpid()).encode())
        handle.flush()
    return handle


@contextlib.contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Translate SQLite failures anywhere in a block (queries included) into one-line StoreErrors about `path`."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(describe_sqlite_error(path, exc)) from None


@contextlib.contextmanager
def store_errors(path: Path) -> Iterator[None]:
    """Translate SQLite and file-system failures into one-line StoreErrors about `path`."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(describe_sqlite_error(path, exc)) from None
    except OSError as exc:
        raise StoreError(f"{path}: {_reason(exc)}; {_fix(exc)}") from None


def describe_sqlite_error(path: Path, exc: sqlite3.Error) -> str:
    """What a SQLite error means for the user of the store, and what to do, on one line."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    message = " ".join(str(exc).split()) or name
    if name == "SQLITE_NOTADB":
        return f"{path}: not an edition store (not a SQLite database, or its header is damaged); {WHERE_HINT}"
    if name.startswith("SQLITE_CORRUPT"):
        return (
            f"{path}: the store is damaged ({message}); restore it from a backup "
            f"(`sqlite3 {path} .recover` can save what is readable)"
        )
    if name == "SQLITE_FULL":
        return f"{path}: the disk is full; free some space and run the command again (what was added is kept)"
    if name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN") or name == "SQLITE_PERM":
        return (
            f"{path}: cannot open or write the store ({message}); make the file and its folder writable, "
            f"or {WHERE_HINT}"
        )
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED"):
        return f"{path}: the store is busy ({message}); try again in a moment"
    if name.startswith("SQLITE_IOERR"):
        return f"{path}: input/output error ({message}); check the disk, then run the command again"
    return f"{path}: {message}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fix(exc: OSError) -> str:
    if isinstance(exc, PermissionError) or exc.errno == 30:  # EROFS: a read-only file system
        return f"make the folder writable, or {WHERE_HINT}"
    if exc.errno == 28:  # ENOSPC
        return "free some space and run the command again"
    return WHERE_HINT
