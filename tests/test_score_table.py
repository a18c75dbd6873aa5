"""`score`'s table: each dimension's top evidence names a signal once, however many lists hold it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from naftiko_writer.cli import app
from tests.conftest import write

TWICE = """\
company: {name: Acme, slug: acme}
signals:
  - {kind: service, name: Amazon EC2, evidence: 5}
  - {kind: tool, name: Amazon EC2, evidence: 5}
  - {kind: concept, name: serverless, evidence: 2}
  - {kind: tool, name: Terraform}
"""


def test_a_name_in_two_lists_is_one_top_evidence_entry(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(write(tmp_path / "acme.yaml", TWICE))])
    assert result.exit_code == 0, result.stderr
    cloud = next(line for line in result.stdout.splitlines() if line.startswith("│ Cloud"))
    assert cloud.count("Amazon EC2") == 1 and "serverless" in cloud
