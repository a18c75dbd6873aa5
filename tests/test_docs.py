"""The reference pages in docs/: linked from the README, and every command they show exists with its options."""

from __future__ import annotations

import re
import shlex
from typing import Any

import typer.main

from naftiko_writer.cli import app
from tests.conftest import ROOT

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def _commands(text: str) -> list[str]:
    """Every `naftiko-writer ...` line in the text's bash and console blocks, without comments or prompts."""
    lines = []
    for block in re.findall(r"```(?:bash|console)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.removeprefix("$ ").strip()
            if line.startswith("naftiko-writer"):
                lines.append(line.split(" #")[0].strip())
    return lines


def _problems(command: str, root: Any) -> list[str]:
    """What in `command` the CLI lacks: a command name, or an option of the command it names."""
    words = shlex.split(command)[1:]
    current, problems = root, []
    for word in words:
        if hasattr(current, "list_commands") and not word.startswith("-"):  # a group (typer vendors click)
            sub = current.get_command(current.make_context(current.name, [], resilient_parsing=True), word)
            if sub is None:
                return [f"{command}: no command {word!r}"]
            current = sub
        elif word.startswith("--"):
            option = word.split("=")[0]
            known = {name for param in current.params for name in getattr(param, "opts", [])} | {"--help"}
            if option not in known:
                problems.append(f"{command}: {current.name} has no option {option}")
    return problems


def test_the_readme_links_every_docs_page_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    assert linked == {f"docs/{page.name}" for page in PAGES}
    for page in PAGES:
        for target in re.findall(r"\]\(([a-z-]+\.md)", page.read_text(encoding="utf-8")):
            assert (DOCS / target).is_file(), (page.name, target)


def test_the_readme_names_every_part_of_the_package() -> None:
    """Each subpackage and top-level module has its line in the README's table (none is left out as it grows)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| folder | one job |", 1)[1].split("\n\n", 1)[0]
    package = ROOT / "naftiko_writer"
    parts = {f"{path.name}/" for path in package.iterdir() if (path / "__init__.py").is_file()}
    parts |= {path.name for path in package.glob("*.py") if path.stem not in ("__init__", "__main__")}
    assert sorted(part for part in parts if f"`{part}`" not in table) == []


def test_the_readme_stays_a_five_minute_read() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 400


def test_every_command_in_the_readme_and_docs_exists_with_its_options() -> None:
    root = typer.main.get_command(app)
    commands = [line for path in [ROOT / "README.md", *PAGES] for line in _commands(path.read_text(encoding="utf-8"))]
    assert len(commands) > 30  # the tour, the sources, the taxonomy, batches...
    problems = [problem for command in commands for problem in _problems(command, root)]
    assert problems == []
