"""Faults no retry can fix stop at once with their cause; secrets stay out of messages and files; hostile markers.

Endpoint faults are met for real: a closed port on 127.0.0.1, an `ftp://` URL,
a key with a newline sent to a loopback server, a server answering 401/403/404,
a server that stops mid-run. Nothing leaves loopback.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from naftiko_writer.cli import app
from tests.conftest import SPOTIFY_DIR, write

MARKER_TEXT = "naftiko:section id=x"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- item 4: text naming a marker is text ----------------------------------------------------


@pytest.fixture
def marker_named_company(tmp_path: Path) -> Path:
    """Spotify's signals, the company and one signal named like a section marker."""
    data = yaml.safe_load((SPOTIFY_DIR / "signals.yaml").read_text())
    data["company"]["name"] = MARKER_TEXT
    data["company"]["slug"] = "markers"
    data["signals"].append({"kind": "service", "name": f"{MARKER_TEXT} source=model", "evidence": 40})
    data["signals"].append({"kind": "service", "name": f"<!-- {MARKER_TEXT} -->", "evidence": 41})
    return write(tmp_path / "companies" / "markers.json", json.dumps(data, default=str))


def test_data_naming_a_marker_drafts_checks_clean_and_updates(
    runner: CliRunner, tmp_path: Path, marker_named_company: Path
) -> None:
    out = tmp_path / "markers.md"
    drafted = runner.invoke(app, ["draft", str(marker_named_company), "--engine", "template", "--out", str(out), "-q"])
    assert drafted.exit_code == 0, drafted.stderr
    text = out.read_text()
    assert text.count(MARKER_TEXT) > 3  # the names are in the report, as text
    checked = runner.invoke(app, ["check", str(out), "--company", str(marker_named_company)])
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    assert "damaged" not in checked.stdout + checked.stderr
    updated = runner.invoke(
        app, ["draft", str(marker_named_company), "--engine", "template", "--update", str(out), "-q"]
    )
    assert updated.exit_code == 0, updated.stderr


def test_a_damaged_real_marker_is_still_reported(runner: CliRunner, tmp_path: Path) -> None:
    from naftiko_writer.document.draft_format import parse_draft

    out = tmp_path / "spotify.md"
    assert runner.invoke(app, ["draft", "spotify", "--engine", "template", "--out", str(out), "-q"]).exit_code == 0
    lines = out.read_text().split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("<!-- naftiko:section id=dimension:cloud"))
    lines[index] = lines[index].replace(" hash=", " hsh=")  # a field damaged by hand
    lines.insert(index + 2, "Prose that names naftiko:section id=y is not a marker.")
    document = parse_draft("\n".join(lines), "spotify.md")
    assert [d.text[:40] for d in document.damaged] == [lines[index][:40]]
