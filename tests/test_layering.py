"""The package layering of STYLE.md, checked by parsing imports: subpackages in pipeline order."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

from naftiko_writer.cli import COMMAND_MODULES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "naftiko_writer"

# A part may import its own modules and any part of a lower rank, never a higher one.
RANKS: dict[str, int] = {
    "errors": 0,
    "config": 0,
    "options": 0,
    "data_files": 0,
    "files": 0,
    "output_paths": 0,
    "event_loop": 0,
    "formats": 0,
    "stop_signals": 0,
    "__init__": 0,
    "scoring": 1,
    "report": 2,
    "editions": 3,
    "llm": 2,
    "document": 3,
    "drafting": 4,
    "curation": 5,
    "review": 5,
    "console": 6,
    "cli": 7,
    "__main__": 8,
}
SUBPACKAGES = {"scoring", "report", "llm", "document", "drafting", "curation", "review", "editions", "cli"}
# Each heavy dependency has one home (module paths relative to the package, without .py).
HOMES = {
    "openai": {"llm/client"},
    "tenacity": {"llm/client"},
    "httpx2": {"llm/client", "llm/replay", "drafting/testing"},  # testing: the in-process fake model
    "httpx": {"llm/client", "llm/replay"},
    "rich": {"console"},
    "typer": {
        "cli/__init__",
        "cli/root",
        "cli/score_commands",
        "cli/draft_command",
        "cli/review_commands",
        "cli/batch_commands",
        "cli/taxonomy_commands",
        "cli/edition_commands",
        "cli/industry_command",
    },
    "sqlite3": {
        f"editions/{name}"
        for name in ("store", "schema", "records", "writing", "queries", "changes", "export", "cohort")
    },
}
# llm modules that load the SDK: below llm, only imported inside functions (never at module level).
SDK_MODULES = {"naftiko_writer.llm.client", "naftiko_writer.llm.replay"}
MODEL_FREE_COMMANDS = [
    ["score", "spotify", "--json"],
    ["draft", "spotify", "--engine", "template", "--quiet", "--out", "{tmp}/spotify.md"],
    ["draft", "spotify", "--quiet", "--out", "{tmp}/replayed.md"],
    ["--help"],
    ["companies"],
    ["check", "{tmp}/spotify.md", "--json"],
    ["diff", "{tmp}/spotify.md", "{tmp}/spotify.md", "--json"],
    ["export", "{tmp}/spotify.md", "--out", "{tmp}/spotify.html"],
    ["import", "{real}/adp", "--out", "{tmp}/adp.yaml", "--json"],
    ["taxonomy", "coverage", "{real}/adp", "--json"],
    ["taxonomy", "accept", "{tmp}/proposal.yaml", "--taxonomy", "{tmp}/taxonomy", "--json"],
    ["edition", "add", "2026-Q1", "{real}/adp", "{real}/accord", "--store", "{tmp}/e.sqlite", "--json"],
    ["edition", "rank", "2026-Q1", "cloud", "--store", "{tmp}/e.sqlite", "--json"],
    ["edition", "add", "2026-Q2", "{real}/adp", "--store", "{tmp}/e.sqlite", "--quiet"],
    ["edition", "changes", "adp", "--from", "2026-Q1", "--to", "2026-Q2", "--store", "{tmp}/e.sqlite"],
]
"""Commands that load no model SDK, run in this order on shipped data: those that need no model (a
template draft, then its check, diff and export; fixtures/real/adp's raw lists; a proposal accepted
into a copy of the taxonomy; an edition of two raw companies, ranked), and the offline replay of the shipped Spotify
recordings."""
TERMINAL_FREE = 3
"""The first commands (JSON or --quiet output) load no terminal library either: rich costs ~50 ms a start."""
MODEL_MODULES = ("openai", "httpx", "httpx2", "tenacity")


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


CLIENT_CLASSES = {"OpenAIChatClient", "ReplayClient", "RecordingTransport"}
"""The model clients and the recording layer: built only by the composition root, llm/factory.py."""


def test_model_clients_are_built_only_by_the_composition_root() -> None:
    builders = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CLIENT_CLASSES:
                builders.add(str(path.relative_to(PACKAGE)))
    assert builders == {"llm/factory.py"}


def test_the_sdk_loads_only_inside_functions_that_call_a_model() -> None:
    problems = []
    for path in _modules():
        if _part(path) in {"llm"}:
            continue
        for name in _imports(path, top_level_only=True) & SDK_MODULES:
            problems.append(f"{_module_path(path)} imports {name} at module level")
    assert problems == []


def test_model_free_commands_import_no_model_sdk(tmp_path: Path) -> None:
    # One fresh interpreter runs every command in turn (as `naftiko-writer ...` would, each to its
    # exit) and reports the model modules loaded after each; a command that loads one is named.
    shutil.copytree(ROOT / "taxonomy", tmp_path / "taxonomy")
    (tmp_path / "proposal.yaml").write_text("signals:\n  - name: Zzyzx Frobnicator\n    dimensions: [cloud]\n")
    commands = [
        [arg.format(tmp=tmp_path, real=ROOT / "fixtures" / "real") for arg in args] for args in MODEL_FREE_COMMANDS
    ]
    probe = (
        "import contextlib, io, json, sys\n"
        "from naftiko_writer.cli import run\n"
        f"report = []\n"
        f"for args in {commands!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:\n"
        "        code = run(args)\n"
        f"    loaded = [m for m in {MODEL_MODULES!r} if m in sys.modules]\n"
        "    rich = 'rich' in sys.modules\n"
        "    cli = sorted(m for m in sys.modules if m.startswith('naftiko_writer.cli.') and 'command' in m)\n"
        "    report.append({'args': args, 'code': code, 'loaded': loaded, 'rich': rich, 'cli': cli,\n"
        "                   'stderr': err.getvalue()[-300:]})\n"
        "print(json.dumps(report))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert [(" ".join(run["args"][:2]), run["code"], run["stderr"]) for run in report if run["code"]] == []
    assert [(" ".join(run["args"][:2]), run["loaded"]) for run in report if run["loaded"]] == []
    assert len(report) == len(MODEL_FREE_COMMANDS)
    assert [run["rich"] for run in report[:TERMINAL_FREE]] == [False] * TERMINAL_FREE
    # A run imports the module of its own command only; `--help` lists every command, so it loads them all.
    assert report[0]["cli"] == ["naftiko_writer.cli.score_commands"]
    assert report[1]["cli"] == ["naftiko_writer.cli.draft_command", "naftiko_writer.cli.score_commands"]
    assert len(report[3]["cli"]) == len(set(COMMAND_MODULES.values())) == 7
    assert "replayed.md (sidecar: " in report[2]["stderr"] and " · calls 61 · " in report[2]["stderr"]  # plain summary
    assert (tmp_path / "spotify.html").is_file() and (tmp_path / "adp.yaml").is_file()
    replayed = json.loads((tmp_path / "replayed.json").read_text())["summary"]
    assert (replayed["mode"], replayed["calls"], replayed["fallbacks"]) == ("replay", 61, 0)
    assert "Zzyzx Frobnicator" in (tmp_path / "taxonomy" / "catalogue" / "accepted.yaml").read_text()
