"""Against a real local model server (`live` marker, deselected by default).

    NAFTIKO_WRITER_LIVE_BASE_URL=http://127.0.0.1:8080/v1 python -m pytest -m live

runs the same verification as scripts/live-smoke against a server already
running (scripts/live-smoke starts one, drafts and verifies by itself).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import invoke_draft, make_run
from tests.live_check import verify_live_draft

BASE_URL = os.environ.get("NAFTIKO_WRITER_LIVE_BASE_URL")


@pytest.mark.live
@pytest.mark.skipif(not BASE_URL, reason="set NAFTIKO_WRITER_LIVE_BASE_URL to a running model server")
def test_live_draft_is_complete_valid_and_grounded(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BASE_URL is not None
    monkeypatch.setenv("OPENAI_API_KEY", "local-server")
    out = tmp_path / "live.md"
    model = os.environ.get("NAFTIKO_WRITER_LIVE_MODEL", "smollm2-135m")
    result = invoke_draft(
        runner, BASE_URL, "--model", model, "--out", str(out), "--quiet", "--concurrency", "2",
        "--max-repairs", "1", "--max-output-tokens", "768", "--timeout", "300",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    run = make_run(tmp_path)
    check = verify_live_draft(out, run.company, run.sources)
    assert check.sections == 61
    assert check.ok, check.problems
