"""The edition store under faults: a writer killed mid-add, two writers, old and newer schemas, damaged files,
a read-only folder and a full disk. Each gives one line and loses nothing already stored."""

from __future__ import annotations

import os
import select
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.editions import records
from naftiko_writer.editions.schema import SCHEMA_1, SCHEMA_VERSION, create_schema
from naftiko_writer.editions.store import open_store
from naftiko_writer.editions.writing import Details, EditionWriter, add_sources
from naftiko_writer.errors import StoreError
from tests.conftest import ROOT
from tests.test_editions import NOW, stored

REAL = ROOT / "fixtures" / "real"
COMPANIES = 5
BLOCK_AT = 3
"""The child blocks inside the transaction of this company (1-based), after its scores are written."""

CHILD = textwrap.dedent(
    """
    import signal, sys
    from naftiko_writer.editions import writing

    real = writing.ScoringWriter._store_scoring
    scored = []

    def store_scoring(self, connection, set_id, card):
        result = real(self, connection, set_id, card)
        scored.append(card.company.slug)
        if len(scored) == {block_at}:
            with open(sys.argv[1], "w") as event:  # a FIFO: the test reads it, then kills this process
                event.write("inside " + card.company.slug)
            while True:
                signal.pause()
        return result

    writing.ScoringWriter._store_scoring = store_scoring
    from naftiko_writer.cli import run
    sys.exit(run(sys.argv[2:]))
    """
)


def signal_files(folder: Path, count: int = COMPANIES) -> list[Path]:
    """Small signals files, each with a signal of its own, so that every company has its own set."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"co-{index}.yaml"
        path.write_text(
            f"company: {{name: Co {index}, slug: co-{index}, as_of: 2026-03-01}}\n"
            f"signals:\n  - {{kind: service, name: Amazon Web Services}}\n"
            f"  - {{kind: tool, name: Terraform, evidence: {index + 1}}}\n  - {{kind: concept, name: Thing {index}}}\n"
        )
        paths.append(path)
    return paths


@contextmanager
def writer_blocked_mid_add(tmp_path: Path, store: Path, sources: list[Path]) -> Iterator[subprocess.Popen[bytes]]:
    """A real `edition add` process, stopped inside the transaction of company BLOCK_AT; killed with SIGKILL after."""
    fifo = tmp_path / "event"
    os.mkfifo(fifo)
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(block_at=BLOCK_AT))
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # open before the child, so that its open does not block
    args = [sys.executable, str(script), str(fifo), "edition", "add", "E", *map(str, sources), "--store", str(store)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        event = ""
        for _ in range(120):  # wait for the event; every second, check that the child is still alive
            ready, _, _ = select.select([reader], [], [], 1.0)
            if ready:
                event = os.read(reader, 100).decode()
                break
            if child.poll() is not None:
                break
        assert child.stderr is not None
        assert event == f"inside co-{BLOCK_AT - 1}", child.stderr.read().decode()[-2000:] if child.poll() else event
        yield child
    finally:
        os.close(reader)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.stderr is not None
        child.stderr.close()


def test_a_writer_killed_mid_add_leaves_whole_companies_and_a_rerun_finishes(tmp_path: Path, runner: CliRunner) -> None:
    store = tmp_path / "e.sqlite"
    sources = signal_files(tmp_path / "companies")
    with writer_blocked_mid_add(tmp_path, store, sources) as child:
        with open_store(store, write=False) as reader:  # readers read while the writer writes
            assert [m.slug for m in records.members(reader.connection, "E")] == ["co-0", "co-1"]
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    with open_store(store, write=False) as after:
        connection = after.connection
        assert [m.slug for m in records.members(connection, "E")] == ["co-0", "co-1"]
        # Nothing of the third company is left: no set, no scoring, no scores, no names of its own.
        assert connection.execute("SELECT count(*) FROM signal_sets").fetchone()[0] == 2
        assert connection.execute("SELECT count(*) FROM scorings").fetchone()[0] == 2
        assert connection.execute("SELECT count(*) FROM names WHERE name = 'Thing 2'").fetchone()[0] == 0
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    result = runner.invoke(app, ["edition", "add", "E", *map(str, sources), "--store", str(store)])
    assert result.exit_code == 0, result.stderr
    assert "E: 3 added, 0 replaced, 0 updated, 2 unchanged, 0 failed" in result.stderr
    with open_store(store, write=False) as done:
        assert [m.slug for m in records.members(done.connection, "E")] == [f"co-{i}" for i in range(COMPANIES)]


def test_a_second_writer_gets_one_line_and_the_first_is_not_disturbed(tmp_path: Path, runner: CliRunner) -> None:
    store = tmp_path / "e.sqlite"
    sources = signal_files(tmp_path / "companies")
    with writer_blocked_mid_add(tmp_path, store, sources) as child:
        second = runner.invoke(app, ["edition", "add", "F", str(sources[0]), "--store", str(store)])
        closing = runner.invoke(app, ["edition", "close", "E", "--store", str(store)])
        listed = runner.invoke(app, ["edition", "list", "--store", str(store), "--json"])
        assert child.poll() is None
    message = (
        f"Error: {store}: another naftiko-writer command (process {child.pid}) is writing to this store; "
        "wait for it to finish, then run this one again\n"
    )
    assert (second.exit_code, second.stderr) == (1, message)
    assert (closing.exit_code, closing.stderr) == (1, message)
    assert listed.exit_code == 0 and '"name": "E"' in listed.stdout and '"name": "F"' not in listed.stdout


def _copy_into_first_schema(current: Path, old: Path) -> None:
    """A store as the first version of the tool wrote it: schema 1, holding the rows of `current`."""
    connection = sqlite3.connect(old, isolation_level=None)
    create_schema(connection, version=1)
    connection.execute("ATTACH DATABASE ? AS current", (str(current),))
    connection.execute("BEGIN")
    for (table,) in connection.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'").fetchall():
        columns = [row[1] for row in connection.execute(f"PRAGMA main.table_info({table})")]
        listed = ", ".join(columns)
        connection.execute(f"INSERT INTO main.{table} ({listed}) SELECT {listed} FROM current.{table}")
    connection.execute("COMMIT")
    connection.execute("DETACH DATABASE current")
    connection.close()


def test_a_store_of_the_first_schema_is_migrated_and_reads_the_same(tmp_path: Path, runner: CliRunner) -> None:
    current, old = tmp_path / "current.sqlite", tmp_path / "old.sqlite"
    runner.invoke(app, ["edition", "add", "E", str(REAL / "accord"), str(REAL / "lego"), "--store", str(current)])
    _copy_into_first_schema(current, old)
    with sqlite3.connect(old) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "restated_from" not in SCHEMA_1 and "edition_scores" not in SCHEMA_1
    expected = runner.invoke(app, ["edition", "rank", "E", "cloud", "--store", str(current), "--json"]).stdout
    migrated = runner.invoke(app, ["edition", "rank", "E", "cloud", "--store", str(old), "--json"])
    assert migrated.exit_code == 0, migrated.stderr
    assert migrated.stdout == expected
    with sqlite3.connect(old) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("SELECT count(*) FROM edition_scores").fetchone()[0] > 0
        assert raw.execute("SELECT restated_from FROM editions").fetchall() == [(None,)]
    added = runner.invoke(app, ["edition", "add", "E", str(REAL / "accord"), "--store", str(old)])
    assert "0 added, 0 replaced, 0 updated, 1 unchanged" in added.stderr


def test_a_newer_schema_a_foreign_file_and_a_damaged_one_are_refused_in_one_line(
    tmp_path: Path, runner: CliRunner
) -> None:
    store = tmp_path / "e.sqlite"
    runner.invoke(app, ["edition", "add", "E", str(REAL / "accord"), str(REAL / "lego"), "--store", str(store)])
    newer, foreign, junk, damaged = (tmp_path / name for name in ("newer.db", "foreign.db", "junk.db", "damaged.db"))
    shutil.copy(store, newer)
    for path, statement in ((newer, "PRAGMA user_version = 99"), (foreign, "CREATE TABLE notes (text)")):
        with closing(sqlite3.connect(path)) as raw:  # closed here, so the file holds the change now
            raw.execute(statement)
            raw.commit()
    junk.write_bytes(bytes(range(256)) * 16)
    data = bytearray(store.read_bytes())
    data[4096 * 4 : 4096 * 30] = b"\x5a" * (4096 * 26)  # pages of the tables overwritten, the header intact
    damaged.write_bytes(bytes(data))
    expected = {
        newer: f"Error: {newer}: written by a newer naftiko-writer (store schema 99; this one reads up to "
        f"{SCHEMA_VERSION}); upgrade naftiko-writer to use it\n",
        foreign: f"Error: {foreign}: is a SQLite database but not an edition store; pass --store FILE or set "
        "NAFTIKO_WRITER_STORE to use another file\n",
        junk: f"Error: {junk}: not an edition store (not a SQLite database, or its header is damaged); pass --store "
        "FILE or set NAFTIKO_WRITER_STORE\n",
        damaged: f"Error: {damaged}: the store is damaged (database disk image is malformed); restore it from a "
        f"backup (`sqlite3 {damaged} .recover` can save what is readable)\n",
    }
    before = {path: path.read_bytes() for path in expected}
    for path, message in expected.items():
        for args in (["rank", "E", "total"], ["add", "E", str(REAL / "accord")]):
            result = runner.invoke(app, ["edition", *args, "--store", str(path)])
            assert (result.exit_code, result.stderr) == (1, message), (path, args)
    assert {path: path.read_bytes() for path in expected} == before  # none of them was written to


def test_a_full_disk_stops_the_run_in_one_line_and_keeps_what_was_added(tmp_path: Path) -> None:
    sources = [REAL / "accord", REAL / "lego", REAL / "adp"]
    taxonomy = stored(ROOT / "taxonomy")
    from naftiko_writer.scoring.companies import load_company

    with open_store(tmp_path / "e.sqlite", write=True) as store:
        writer = EditionWriter(store, "E", taxonomy, now=NOW, tool_version="test")
        used = store.connection.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own limit on the file's pages: past it, every write fails with SQLITE_FULL, as on a full disk.
        store.connection.execute(f"PRAGMA max_page_count = {used + 60}")

        def load(reference: str) -> tuple[object, Details]:
            company_signals = load_company(reference, ROOT / "fixtures" / "companies")
            return company_signals, Details(company_signals.company.name, None, reference)

        with pytest.raises(StoreError) as raised:
            add_sources(writer, [str(path) for path in sources], load, lambda _: None)  # type: ignore[arg-type]
    assert str(raised.value) == (
        f"{tmp_path / 'e.sqlite'}: the disk is full; free some space and run the command again (what was added is kept)"
    )
    with open_store(tmp_path / "e.sqlite", write=False) as after:
        slugs = [m.slug for m in records.members(after.connection, "E")]
        assert slugs and slugs == ["accord", "lego"][: len(slugs)]  # whole companies, in order, up to the full disk
        assert after.connection.execute("SELECT count(*) FROM signal_sets").fetchone()[0] == len(slugs)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-r", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    not _unshare_works(), reason="needs `unshare -r -m` (a private mount namespace) for a real full or read-only disk"
)


def _in_namespace(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        ["unshare", "-r", "-m", "sh", "-ec", script], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )


@needs_mounts
def test_the_cli_on_a_real_full_disk_and_a_read_only_folder(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    q = shlex.quote  # TMPDIR, and so every path here, may hold a space
    command = f"{q(sys.executable)} -m naftiko_writer edition"
    store_arg, out = q(f"{disk}/e.sqlite"), tmp_path
    script = f"""
        mount -t tmpfs -o size=600k tmpfs {q(str(disk))}
        {command} add E {q(str(REAL / "accord"))} --store {store_arg} -q || exit 11
        if {command} add E {q(str(REAL / "goldman-sachs"))} --store {store_arg} -q 2>{q(f"{out}/full.txt")}; then exit 12; fi
        {command} list --store {store_arg} --json >{q(f"{out}/after-full.json")}
        mount -o remount,ro {q(str(disk))}
        {command} rank E total --store {store_arg} --json >{q(f"{out}/read-only.json")}
        if {command} add E {q(str(REAL / "lego"))} --store {store_arg} 2>{q(f"{out}/ro.txt")}; then exit 13; fi
    """
    result = _in_namespace(textwrap.dedent(script), tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    store = f"{disk}/e.sqlite"
    assert (tmp_path / "full.txt").read_text().splitlines()[-1] == (
        f"Error: {store}: the disk is full; free some space and run the command again (what was added is kept)"
    )
    assert '"companies": 1' in (tmp_path / "after-full.json").read_text()  # accord kept, goldman-sachs absent
    assert '"slug": "accord"' in (tmp_path / "read-only.json").read_text()  # readers read a read-only folder
    assert (tmp_path / "ro.txt").read_text() == (
        f"Error: {store}.lock: cannot create the writer's lock (Read-only file system); make the folder writable, "
        "or pass --store FILE or set NAFTIKO_WRITER_STORE\n"
    )


def test_a_new_edition_nothing_went_into_is_not_created_and_an_old_one_is_kept(
    tmp_path: Path, runner: CliRunner
) -> None:
    store = tmp_path / "editions.sqlite"
    bad = tmp_path / "bad.yaml"
    bad.write_text("company: [", encoding="utf-8")
    failed = runner.invoke(app, ["edition", "add", "2026-Q1", str(bad), "--store", str(store), "--quiet"])
    assert failed.exit_code == 1
    assert failed.stderr.endswith(
        f"2026-Q1: 0 added, 0 replaced, 0 updated, 0 unchanged, 1 failed (store {store}); "
        "nothing went in, so the edition was not created\n"
    )
    listed = runner.invoke(app, ["edition", "list", "--store", str(store), "--json"])
    assert listed.exit_code == 0 and '"2026-Q1"' not in listed.stdout
    added = runner.invoke(app, ["edition", "add", "2026-Q1", str(REAL / "adp"), "--store", str(store), "--quiet"])
    assert added.exit_code == 0, added.stderr
    again = runner.invoke(app, ["edition", "add", "2026-Q1", str(bad), "--store", str(store), "--quiet"])
    assert again.exit_code == 1 and "not created" not in again.stderr
    assert '"2026-Q1"' in runner.invoke(app, ["edition", "list", "--store", str(store), "--json"]).stdout
