"""The command line: output of score/companies, --json, --explain, --help, and every user error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.scoring.models import ScoreCard, Taxonomy
from tests.conftest import COMPANIES_DIR, ROOT, VALID_SIGNALS, write


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_score_prints_every_layer_and_dimension(runner: CliRunner, taxonomy: Taxonomy) -> None:
    code, out, err = run(runner, "score", "spotify")
    assert code == 0, err
    for number, layer in enumerate(taxonomy.layers, start=1):
        assert f"Layer {number}: {layer.title}" in out
        if layer.waves:
            assert f"Relevant Waves: {', '.join(layer.waves)}" in out
    for dimension in taxonomy.dimensions:
        assert dimension.name in out
    assert "Spotify — 218 signals as of 2026-03-01" in out
    assert err == ""


def test_score_json_is_the_full_scorecard(runner: CliRunner, spotify_card: ScoreCard) -> None:
    code, out, _ = run(runner, "score", "spotify", "--json")
    assert code == 0
    assert ScoreCard.model_validate_json(out) == ScoreCard.model_validate_json(spotify_card.model_dump_json())


def test_explain_lists_every_signal_behind_a_score(runner: CliRunner, spotify_card: ScoreCard) -> None:
    code, out, _ = run(runner, "score", "spotify", "--explain", "ROI & Business Metrics")
    assert code == 0
    roi = spotify_card.dimension("roi-business-metrics")
    assert f"ROI & Business Metrics – Score: {roi.score}" in out
    for name in roi.evidence_names():
        assert name in out
    assert f"→ {roi.score}" in out


def test_explain_json(runner: CliRunner, spotify_card: ScoreCard) -> None:
    code, out, _ = run(runner, "score", "spotify", "--explain", "cloud", "--json")
    assert code == 0
    assert json.loads(out)["score"] == spotify_card.dimension("cloud").score


def test_score_a_file_by_path(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    code, out, _ = run(runner, "score", str(path), "--json")
    assert code == 0
    assert json.loads(out)["company"]["slug"] == "acme"


def test_companies_lists_fixtures(runner: CliRunner) -> None:
    code, out, _ = run(runner, "companies")
    assert code == 0
    assert "spotify" in out and "Spotify" in out and "218" in out
    code, out, _ = run(runner, "companies", "--json")
    assert json.loads(out)[0] == {
        "slug": "spotify",
        "name": "Spotify",
        "as_of": "2026-03-01",
        "signals": 218,
        "path": str(COMPANIES_DIR / "spotify" / "signals.yaml"),
        "problem": None,
    }


def test_companies_shows_broken_fixture_without_failing(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "broken" / "signals.yaml", "")
    code, out, _ = run(runner, "companies", "--companies-dir", str(tmp_path), "--json")
    assert code == 0
    assert json.loads(out)[0]["problem"].endswith("file is empty")


def _every_command() -> list[list[str]]:
    """Every command and subcommand path of the app, read from the app itself."""
    import typer

    from naftiko_writer.cli import app

    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:  # a click command or group (typer vendors click)
        paths.append(path)
        if hasattr(command, "list_commands"):  # a group: its commands as click lists them (the root's are lazy)
            context = command.make_context(command.name, [], resilient_parsing=True)
            for name in command.list_commands(context):
                walk(command.get_command(context, name), [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_the_command_list_is_complete() -> None:
    names = {" ".join(path) for path in _every_command()}
    assert names >= {"score", "companies", "draft", "check", "diff", "export", "batch build", "batch collect"}


@pytest.mark.parametrize("command", _every_command(), ids=lambda path: " ".join(path) or "app")
def test_help_on_every_command(runner: CliRunner, command: list[str]) -> None:
    code, out, _ = run(runner, *command, "--help")
    assert code == 0
    assert "Usage:" in out
    assert len(out.splitlines()) > 3


def test_version(runner: CliRunner) -> None:
    from naftiko_writer import __version__

    assert run(runner, "--version")[1] == f"naftiko-writer {__version__}\n"


def _error(runner: CliRunner, *args: str) -> str:
    code, out, err = run(runner, *args)
    assert code == 1, (out, err)
    assert out == ""
    assert "Traceback" not in err
    return err


def test_error_malformed_yaml(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "company: [\n")
    assert _error(runner, "score", str(path)).startswith(f"Error: {path}: line 2: invalid YAML:")


def test_error_unknown_kind(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS.replace("kind: concept", "kind: idea"))
    assert _error(runner, "score", str(path)) == (
        f"Error: {path}: line 8: signals[2].kind: unknown value 'idea'; "
        "expected one of 'service', 'tool', 'concept', 'standard' or 'language'\n"
    )


def test_error_duplicate_signal(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS + "  - {kind: service, name: amazon web services}\n")
    assert _error(runner, "score", str(path)) == (
        f"Error: {path}: line 9: signals[3]: duplicate service 'amazon web services' "
        "(same signal as 'Amazon Web Services' at line 6); list it once and add up its evidence, "
        "or run `naftiko-writer import` on the raw lists to merge them\n"
    )


def test_error_empty_file(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", "")
    assert _error(runner, "score", str(path)) == f"Error: {path}: file is empty\n"


def test_error_path_does_not_exist(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    assert _error(runner, "score", str(path)) == (
        f"Error: {path}: file does not exist; check the path or pass a company slug\n"
    )


def test_error_unknown_slug(runner: CliRunner) -> None:
    assert _error(runner, "score", "netflix") == (
        f"Error: unknown company 'netflix' in {COMPANIES_DIR} (known: spotify); "
        "run `naftiko-writer companies` or pass a path to a signals file\n"
    )


def test_error_path_traversal_slug(runner: CliRunner) -> None:
    assert _error(runner, "score", "../../etc") == (
        "Error: '../../etc' is neither a company slug (lower-case letters, digits and hyphens) "
        "nor a signals file (.yaml, .yml, .json); run `naftiko-writer companies` to list slugs\n"
    )


def test_error_dangling_taxonomy_reference(runner: CliRunner, taxonomy_copy: Path) -> None:
    structure = taxonomy_copy / "taxonomy.yaml"
    structure.write_text(structure.read_text().replace("[saas, code, services]", "[saas, code, services, quantum]"))
    line = next(n for n, text in enumerate(structure.read_text().splitlines(), 1) if "quantum" in text)
    err = _error(runner, "score", "spotify", "--taxonomy", str(taxonomy_copy))
    assert err == (
        f"Error: {structure}:{line}: layer 'productivity' lists unknown dimension 'quantum'; "
        "define it under `dimensions:` or correct the id\n"
    )


def test_error_unknown_explain_dimension(runner: CliRunner) -> None:
    assert _error(runner, "score", "spotify", "--explain", "secrity").startswith(
        "Error: unknown dimension 'secrity'; did you mean security?"
    )


def test_usage_error_exits_2(runner: CliRunner) -> None:
    assert run(runner, "score")[0] == 2


def test_taxonomy_dir_from_environment(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_TAXONOMY_DIR", str(tmp_path / "none"))
    assert "taxonomy folder does not exist" in _error(runner, "score", "spotify")


def test_console_script_and_module_entry_points() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "naftiko_writer", "score", "spotify", "--explain", "data", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "data"


def test_the_entry_point_runs_exit_handlers_flushes_and_keeps_the_exit_status() -> None:
    """`main` exits as any Python program does: exit handlers run, output is flushed, the status is kept."""
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('exit handler ran\\n'))\n"
        "sys.stdout.write('buffered before the command\\n')\n"
        "sys.argv = ['naftiko-writer', *sys.argv[1:]]\n"
        "from naftiko_writer.cli import main\n"
        "main()\n"
    )
    for args, status in ((["score", "spotify", "--json"], 0), (["score", "no-such-company"], 1)):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT, check=False
        )
        assert result.returncode == status, (args, result.stderr)
        assert result.stdout.startswith("buffered before the command\n")
        assert result.stderr.endswith("exit handler ran\n")
        if status == 0:  # the whole ScoreCard, flushed
            assert json.loads(result.stdout.split("\n", 1)[1])["company"]["slug"] == "spotify"
        else:
            assert result.stderr.startswith("Error: ")
