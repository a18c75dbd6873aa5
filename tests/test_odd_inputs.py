"""Odd inputs and files: bad URLs and keys, BOMs, devices and FIFOs, NaN weights, broken CSV quotes, odd file names,
negative edited scores, private and symlinked drafts, a backup that cannot be finished."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.document import draft_files
from naftiko_writer.document.chart import ChartLayer, render_score_chart
from tests.conftest import ROOT, TAXONOMY_DIR, VALID_SIGNALS, write


@pytest.mark.parametrize(
    ("base_url", "key", "expected"),
    [
        ("http://[::1/v1", "sk-test", "Error: the base URL 'http://[::1/v1' is not a valid URL (Invalid IPv6 URL)"),
        ("http://127.0.0.1:99999/v1", "sk-test", "Error: the base URL 'http://127.0.0.1:99999/v1' is not a valid URL"),
        ("http://127.0.0.1:9/v1", "sk-clé-ünï", "Error: the API key holds characters outside ASCII"),
    ],
    ids=["unclosed-ipv6", "port-99999", "non-ascii-key"],
)
def test_an_endpoint_no_request_can_reach_is_one_line_before_anything_is_sent(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_url: str, key: str, expected: str
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", key)
    result = runner.invoke(
        app, ["draft", "spotify", "--mode", "live", "--base-url", base_url, "--out", str(tmp_path / "s.md"), "-q"]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(expected) and len(result.stderr.splitlines()) == 1


def test_a_json_signals_file_with_a_bom_reads_like_yaml_with_one(runner: CliRunner, tmp_path: Path) -> None:
    data = json.dumps(yaml.safe_load(VALID_SIGNALS), default=str)
    plain = write(tmp_path / "plain.json", data)
    bom = tmp_path / "bom.json"
    bom.write_text(data, encoding="utf-8-sig")
    scores = [runner.invoke(app, ["score", str(path), "--json"]) for path in (plain, bom)]
    assert [result.exit_code for result in scores] == [0, 0], scores[1].stderr
    assert json.loads(scores[0].stdout)["dimensions"] == json.loads(scores[1].stdout)["dimensions"]


def test_a_catalogue_linked_to_a_device_is_refused_not_read_without_end(runner: CliRunner, tmp_path: Path) -> None:
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, taxonomy)
    catalogue = sorted((taxonomy / "catalogue").glob("*.yaml"))[0]
    catalogue.unlink()
    catalogue.symlink_to("/dev/zero")
    result = runner.invoke(app, ["score", "spotify", "--taxonomy", str(taxonomy)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {catalogue}: is not a regular file (a pipe or a device?); give a data file\n"


def test_a_fifo_sidecar_does_not_make_check_wait(runner: CliRunner, tmp_path: Path) -> None:
    draft = tmp_path / "s.md"
    drafted = runner.invoke(app, ["draft", "spotify", "--engine", "template", "--out", str(draft), "-q"])
    assert drafted.exit_code == 0, drafted.stderr
    # The check runs in a process of its own, with a timeout: a check that waited on the FIFO would never end.
    draft.with_suffix(".json").unlink()
    os.mkfifo(draft.with_suffix(".json"))  # nobody will ever write to it
    checked = subprocess.run(
        [sys.executable, "-m", "naftiko_writer", "check", str(draft)], cwd=ROOT, capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "OK: 79 sections checked against spotify" in checked.stdout


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_or_infinite_taxonomy_weights_are_one_error_line(runner: CliRunner, tmp_path: Path, value: str) -> None:
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, taxonomy)
    main = taxonomy / "taxonomy.yaml"
    main.write_text(main.read_text().replace("    service: 1.0\n", f"    service: {value}\n", 1))
    result = runner.invoke(app, ["score", "spotify", "--taxonomy", str(taxonomy)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {main}: line ") and "Input should be a finite number" in result.stderr


def test_an_unterminated_csv_quote_is_dropped_and_said_so_not_a_swallowed_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "globex.csv",
        'kind,name\ntool,Terraform\ntool,"Unterminated\nservice,Amazon Web Services\nservice,Snowflake\n',
    )
    out = tmp_path / "globex.yaml"
    result = runner.invoke(app, ["import", str(source), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.stderr
    names = [signal["name"] for signal in yaml.safe_load(out.read_text())["signals"]]
    assert names == ["Terraform", "Amazon Web Services", "Snowflake"]
    dropped = json.loads(result.stdout)["dropped"]
    assert any("a quote that is never closed" in json.dumps(entry) for entry in dropped)


def test_a_file_name_that_is_not_utf8_is_one_error_line(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/caf\xe9.yaml"
    with open(name, "wb") as stream:
        stream.write(VALID_SIGNALS.encode())
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"naftiko_writer", b"draft", name, b"--engine", b"template", b"-q",
         b"--out", os.fsencode(tmp_path / "caf.md")],
        cwd=ROOT, capture_output=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert stderr.endswith("the file name is not UTF-8 text; rename it (drafts record it)\n")
    assert len(stderr.splitlines()) == 1


def test_a_negative_edited_score_draws_no_negative_bar() -> None:
    svg = render_score_chart([ChartLayer("Layer", [("Edited", -3), ("Huge", 10**6), ("Fine", 5)])], [("early", 1)])
    widths = [
        float(rect.attrib["width"]) for rect in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}rect")
    ]
    assert widths and all(width >= 0 for width in widths)


def test_update_keeps_a_private_drafts_mode_and_a_symlinked_draft_a_link(runner: CliRunner, tmp_path: Path) -> None:
    real = tmp_path / "real" / "spotify.md"
    real.parent.mkdir()
    assert runner.invoke(app, ["draft", "spotify", "--engine", "template", "--out", str(real), "-q"]).exit_code == 0
    real.chmod(0o600)
    link = tmp_path / "spotify.md"
    link.symlink_to(real)
    (tmp_path / "spotify.json").symlink_to(real.with_suffix(".json"))
    before = real.read_text()
    result = runner.invoke(app, ["draft", "spotify", "--engine", "template", "--update", str(link), "-q"])
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    # Nothing but the provenance's time changed (an update is stamped when it runs), written through the link.
    assert real.read_text().split("\n", 1)[1] == before.split("\n", 1)[1]


def test_a_backup_that_cannot_be_finished_leaves_no_truncated_copy(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = tmp_path / "spotify.md"
    assert runner.invoke(app, ["draft", "spotify", "--engine", "template", "--out", str(draft), "-q"]).exit_code == 0
    before = draft.read_bytes()

    def half_then_full(source, target, *args):  # type: ignore[no-untyped-def]
        target.write(source.read(100))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(draft_files.shutil, "copyfileobj", half_then_full)
    result = runner.invoke(app, ["draft", "spotify", "--engine", "template", "--update", str(draft), "-q"])
    assert result.exit_code == 1
    assert "cannot back up the draft before updating it (No space left on device); nothing was changed" in result.stderr
    assert list(tmp_path.glob("*.bak.md")) == [] and draft.read_bytes() == before
