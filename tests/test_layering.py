"""The module layering of STYLE.md, checked by parsing imports."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "naftiko_writer"

# Lower layers may not import higher ones. Modules not listed sit in the layer named.
LAYERS: dict[str, int] = {
    "errors": 0,
    "names": 0,
    "models": 1,
    "config": 1,
    "documents": 1,
    "pricing": 2,
    "checkpoint": 3,
    "markers": 1,
    "sections": 1,
    "taxonomy": 2,
    "signals": 2,
    "prompts": 2,
    "report": 2,
    "companies": 3,
    "scoring": 3,
    "plan": 3,
    "grounding": 3,
    "results": 3,
    "template_engine": 3,
    "draft_document": 3,
    "render": 4,
    "replay": 4,
    "llm": 4,
    "fake_server": 4,
    "pipeline": 5,
    "drafts": 5,
    "checking": 5,
    "review": 6,
    "live_check": 7,
    "fleet": 7,
    "batch": 7,
    "diffing": 4,
    "chart": 0,
    "publish": 4,
    "console": 8,
    "cli": 9,
    "__main__": 10,
    "__init__": 0,
}
HOMES = {"openai": {"llm"}, "tenacity": {"llm"}, "rich": {"console"}, "typer": {"cli"}}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_every_module_has_a_layer_and_a_docstring() -> None:
    for path in PACKAGE.glob("*.py"):
        assert path.stem in LAYERS, f"add {path.stem} to LAYERS"
        assert ast.get_docstring(ast.parse(path.read_text())), f"{path.name} needs a module docstring"


def test_imports_respect_layers_and_homes() -> None:
    problems = []
    for path in PACKAGE.glob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in HOMES and path.stem not in HOMES[top]:
                problems.append(f"{path.stem} imports {top}; only {HOMES[top]} may")
            if name.startswith("naftiko_writer."):
                target = name.split(".")[1]
                if LAYERS[target] > LAYERS[path.stem]:
                    problems.append(
                        f"{path.stem} (layer {LAYERS[path.stem]}) imports {target} (layer {LAYERS[target]})"
                    )
    assert problems == []
