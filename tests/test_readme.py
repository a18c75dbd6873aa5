"""The README's set-up commands are the ones CI runs, its tour commands work, and so does the offline-testing
example of docs/drafting.md."""

from __future__ import annotations

import re
import shlex

from typer.testing import CliRunner

from naftiko_writer.cli import app
from tests.conftest import ROOT


def _setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Set-up: two commands\n\n```bash\n(.*?)```", readme, re.S)
    assert block, "README needs a 'Set-up: two commands' bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


CI_PREPARATION = ("#", "set ", "cd ", ".ci/", "CI_TMP=", "mkdir ", "export NO_PROXY=", "unset NO_PROXY")
"""Lines of .ci/run that prepare the machine rather than run the project: comments, shell options, system
packages (.ci/ steps), a temporary folder, the install's direct way to the registry."""


def test_readme_has_two_setup_commands_and_ci_runs_exactly_them() -> None:
    commands = _setup_commands()
    assert len(commands) == 2
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line]
    steps = [line for line in lines if not line.startswith(CI_PREPARATION)]
    # A fresh virtual environment, made and entered before anything is installed: the two commands resolve
    # every dependency as on a new user's machine (not from the packages of whoever runs CI).
    assert steps[:2] == ['python -m venv "$CI_TMP/venv"', 'source "$CI_TMP/venv/bin/activate"']
    assert steps[2:4] == commands
    # Then the README's draft and the suite again (installed now), in the shell many users and CI services
    # have: neither may depend on it.
    odd = steps[4]
    assert odd.startswith("export ") and all(
        setting in odd.split()
        for setting in (
            "FORCE_COLOR=1",
            "NAFTIKO_WRITER_MODEL=gpt-4.1",
            "HTTPS_PROXY=http://127.0.0.1:9",
            "NAFTIKO_TEST_NO_SPEEDUPS=1",  # the second run is also the suite without tests/speedups.py
        )
    )
    assert 'TMPDIR="$CI_TMP/with space"' in odd and 'mkdir -p "$CI_TMP/with space"' in lines
    install, draft = commands[0].split(" && ")
    assert install == "python -m pip install -e '.[dev]'"
    assert steps[5:] == [draft, commands[1]]


def test_tour_commands_run(runner: CliRunner, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # drafts land in tmp_path/drafts
    readme = (ROOT / "README.md").read_text()
    tour = re.search(r"## A short tour\n\n```bash\n(.*?)```", readme, re.S)
    assert tour
    for line in tour.group(1).splitlines():
        command = line.split("#")[0].strip()
        args = shlex.split(command)[1:]
        if not args or any(arg.startswith("path/") for arg in args):
            continue
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (command, result.stderr)


def test_the_offline_testing_example_runs(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = (ROOT / "docs" / "drafting.md").read_text()
    example = re.search(r"## Testing your own pipeline offline\n.*?```python\n(.*?)```", page, re.S)
    assert example, "docs/drafting.md needs the 'Testing your own pipeline offline' example"
    monkeypatch.chdir(ROOT)  # the example's paths are relative to the repository
    namespace: dict[str, object] = {}
    exec(compile(example.group(1), "docs/drafting.md", "exec"), namespace)  # its asserts are the test
    assert len(namespace["transport"].requests) == 122  # type: ignore[attr-defined]
