"""The package layering of STYLE.md, checked by parsing imports: subpackages in pipeline order."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "naftiko_writer"

# A part may import its own modules and any part of a lower rank, never a higher one.
RANKS: dict[str, int] = {
    "errors": 0,
    "config": 0,
    "data_files": 0,
    "files": 0,
    "__init__": 0,
    "scoring": 1,
    "report": 2,
    "llm": 2,
    "document": 3,
    "drafting": 4,
    "curation": 5,
    "review": 5,
    "console": 6,
    "cli": 7,
    "__main__": 8,
}
SUBPACKAGES = {"scoring", "report", "llm", "document", "drafting", "curation", "review"}
# Each heavy dependency has one home (module paths relative to the package, without .py).
HOMES = {
    "openai": {"llm/client"},
    "tenacity": {"llm/client"},
    "httpx2": {"llm/client", "llm/replay", "drafting/testing"},  # testing: the in-process fake model
    "httpx": {"llm/client", "llm/replay"},
    "rich": {"console"},
    "typer": {"cli"},
}
# llm modules that load the SDK: below llm, only imported inside functions (never at module level).
SDK_MODULES = {"naftiko_writer.llm.client", "naftiko_writer.llm.replay"}
MODEL_FREE_COMMANDS = [
    ["--help"],
    ["companies"],
    ["score", "spotify", "--json"],
]


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _module_path(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").as_posix()


def _imports(path: Path, top_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_is_grouped_in_subpackages_with_docstrings() -> None:
    found = {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").is_file()}
    assert found == SUBPACKAGES
    for path in _modules():
        assert _part(path) in RANKS, f"{path}: add its part to RANKS"
        assert ast.get_docstring(ast.parse(path.read_text())), f"{path} needs a module docstring"


def test_imports_respect_ranks_and_homes() -> None:
    problems = []
    for path in _modules():
        part, module = _part(path), _module_path(path)
        for name in _imports(path):
            top = name.split(".")[0]
            if top in HOMES and module not in HOMES[top]:
                problems.append(f"{module} imports {top}; only {sorted(HOMES[top])} may")
            if name.startswith("naftiko_writer."):
                target = name.split(".")[1]
                if target != part and RANKS[target] > RANKS[part]:
                    problems.append(f"{module} (rank {RANKS[part]}) imports {name} (rank {RANKS[target]})")
    assert problems == []


def test_the_sdk_loads_only_inside_functions_that_call_a_model() -> None:
    problems = []
    for path in _modules():
        if _part(path) in {"llm"}:
            continue
        for name in _imports(path, top_level_only=True) & SDK_MODULES:
            problems.append(f"{_module_path(path)} imports {name} at module level")
    assert problems == []


@pytest.mark.parametrize("args", MODEL_FREE_COMMANDS, ids=lambda args: " ".join(args))
def test_model_free_commands_import_no_model_sdk(args: list[str]) -> None:
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['naftiko-writer', *{args!r}]\n"
        "try:\n"
        "    runpy.run_module('naftiko_writer', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "loaded = sorted(m for m in ('openai', 'httpx', 'httpx2', 'tenacity') if m in sys.modules)\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("LOADED="), result.stderr[-300:]
