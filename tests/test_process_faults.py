"""The process's own faults: stop signals, a full disk, a closed stdout, a terminal that cannot show a name."""

from __future__ import annotations

import errno
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer import files
from naftiko_writer.cli import app
from tests.conftest import ROOT, TAXONOMY_DIR, VALID_SIGNALS, write
from tests.fake_server import FakeOpenAIServer, ScriptedResponder


def _sections(checkpoint: Path) -> int:
    try:
        return sum(1 for line in checkpoint.read_text().splitlines() if '"section"' in line)
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize(
    ("stop", "status", "background"),
    [(signal.SIGTERM, 143, False), (signal.SIGHUP, 129, False), (signal.SIGTERM, 143, True)],
    ids=["SIGTERM", "SIGHUP", "SIGTERM-to-a-background-job"],  # a script's `cmd &` starts it with SIGINT ignored
)
def test_a_stop_signal_keeps_the_checkpoint_releases_the_lock_and_prints_the_resume_command(
    tmp_path: Path, stop: signal.Signals, status: int, background: bool
) -> None:
    out = tmp_path / "r.md"
    checkpoint = tmp_path / "r.checkpoint.jsonl"
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-stop-signal"}
    with FakeOpenAIServer(ScriptedResponder(latency=0.05)) as server:
        arguments = ["draft", "spotify", "--mode", "live", "--base-url", server.base_url, "--out", str(out),
                     "--concurrency", "2", "--quiet"]  # fmt: skip
        run = subprocess.Popen(
            [sys.executable, "-m", "naftiko_writer", *arguments], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if background else None,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _sections(checkpoint) < 4:
            time.sleep(0.02)
        run.send_signal(stop)
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == status
    assert stderr.strip().splitlines()[-1] == (
        f"Error: stopped by {stop.name}; the sections finished so far are kept in {checkpoint}; "
        f"to resume, run the same command again: naftiko-writer {shlex.join(arguments)}"
    )
    assert _sections(checkpoint) >= 4 and not out.exists()
    assert not out.with_name(out.name + ".lock").exists()


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file the tool writes fails as on a full disk (at the one place writes go through)."""

    def no_space(path: Path, text: str) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(files, "_write_temporary", no_space)


@pytest.mark.parametrize(
    "command",
    [
        ["import", "{real}/adp", "--out", "{tmp}/adp.yaml"],
        ["batch", "build", "spotify", "--out", "{tmp}/batch"],
        ["draft", "{signals}", "--engine", "template", "--out", "{tmp}/acme.md", "--quiet"],
        ["taxonomy", "accept", "{tmp}/proposal.yaml", "--taxonomy", "{tmp}/taxonomy"],
    ],
    ids=["import", "batch-build", "draft", "taxonomy-accept"],
)
def test_a_full_disk_is_one_error_line_naming_the_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    signals = write(tmp_path / "signals" / "acme.yaml", VALID_SIGNALS)
    shutil.copytree(TAXONOMY_DIR, tmp_path / "taxonomy")
    write(tmp_path / "proposal.yaml", "signals:\n  - name: Zzyzx Frobnicator\n    dimensions: [cloud]\n")
    before = {path: path.read_bytes() for path in (tmp_path / "taxonomy").rglob("*.yaml")}
    args = [a.format(real=ROOT / "fixtures" / "real", tmp=tmp_path, signals=signals) for a in command]
    _full_disk(monkeypatch)
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "No space left on device" in lines[0]
    assert not [path for path in tmp_path.rglob("*.tmp")]
    assert {path: path.read_bytes() for path in (tmp_path / "taxonomy").rglob("*.yaml")} == before


def test_a_closed_stdout_ends_quietly_and_a_full_one_is_one_error_line(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written (`| head` that has already exited)
    closed = subprocess.run(
        [sys.executable, "-m", "naftiko_writer", "score", "spotify", "--json"],
        cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60,
    )  # fmt: skip
    os.close(write_end)
    assert closed.returncode in (1, 141) and closed.stderr == ""  # click's own EPIPE handling exits 1, quietly
    with open("/dev/full", "w") as full:
        filled = subprocess.run(
            [sys.executable, "-m", "naftiko_writer", "score", "spotify"],
            cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    assert filled.returncode == 1
    assert filled.stderr == "Error: cannot write the output (No space left on device); check where stdout goes\n"


def test_a_terminal_that_cannot_show_a_name_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path / "cjk.yaml", VALID_SIGNALS.replace("name: Acme", "name: 数据平台"))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        [sys.executable, "-m", "naftiko_writer", "score", str(path), "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="ascii", errors="strict", timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["company"]["name"] == "数据平台"  # JSON escapes it; the terminal never has to
    table = subprocess.run(
        [sys.executable, "-m", "naftiko_writer", "score", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="ascii", errors="strict", timeout=60,
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "\\u6570" in table.stdout and "Traceback" not in table.stderr
