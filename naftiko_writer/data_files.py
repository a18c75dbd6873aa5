"""Read YAML and JSON data files with the line of every value, for readable errors.

`load_document` parses a file into plain Python data plus a map from each
value's location (e.g. `("signals", 3, "kind")`) to its 1-based line, so a
pydantic validation error can be reported as `file:line: what is wrong`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

Location = tuple[str | int, ...]

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)


class DocumentError(Exception):
    """A file could not be read or parsed; `problems` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        """Keep the path and the problems, one readable line each."""
        super().__init__(f"{path}: {'; '.join(problems)}")
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class Document:
    """Parsed file content and where each value came from."""

    path: Path
    data: Any
    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Location) -> int | None:
        """Return the line of `location`, or of its nearest located parent."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(location[:end])
            if line is not None:
                return line
        return None

    def where(self, location: Location) -> str:
        """Describe a location as `file:line` (YAML) or `file` (JSON, no lines)."""
        line = self.line_of(location)
        return f"{self.path}:{line}" if line is not None else str(self.path)


def load_document(path: Path) -> Document:
    """Read and parse a YAML or JSON file; raise DocumentError on any problem."""
    if not path.exists():
        raise DocumentError(path, ["file does not exist"])
    if path.is_dir():
        raise DocumentError(path, ["is a directory, not a data file"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(path, [f"cannot be read as UTF-8 text ({exc})"]) from exc
    if not text.strip():
        raise DocumentError(path, ["file is empty"])
    if path.suffix.lower() in JSON_SUFFIXES:
        return _load_json(path, text)
    return _load_yaml(path, text)


def _load_json(path: Path, text: str) -> Document:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(path, [f"line {exc.lineno}: invalid JSON: {exc.msg}"]) from exc
    return Document(path, data)


def _load_yaml(path: Path, text: str) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(path, [f"{where}invalid YAML: {problem}"]) from exc
    if node is None:
        raise DocumentError(path, ["file holds no data (only comments?)"])
    lines: dict[Location, int] = {}
    problems: list[str] = []
    data = _construct(node, (), lines, problems)
    if problems:
        raise DocumentError(path, problems)
    return Document(path, data, lines)


_SCALARS = yaml.SafeLoader("")


def _construct(node: yaml.Node, location: Location, lines: dict[Location, int], problems: list[str]) -> Any:
    lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _SCALARS.construct_object(key_node, deep=True)
            if key in result:
                problems.append(f"line {key_node.start_mark.line + 1}: key {key!r} appears twice in one mapping")
                continue
            result[key] = _construct(value_node, (*location, str(key)), lines, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*location, index), lines, problems) for index, item in enumerate(node.value)]
    return _SCALARS.construct_object(node, deep=True)


def describe_location(location: Location) -> str:
    """Render `("signals", 3, "kind")` as `signals[3].kind`."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def validation_problems(document: Document, error: ValidationError) -> list[str]:
    """Turn a pydantic ValidationError into `line N: location: message` lines."""
    problems = []
    for item in error.errors(include_url=False):
        location: Location = tuple(part for part in item["loc"] if isinstance(part, (str, int)))
        line = document.line_of(location)
        message = item["msg"]
        if item["type"] == "enum":
            expected = item.get("ctx", {}).get("expected", "")
            message = f"unknown value {item['input']!r}; expected one of {expected}"
        elif item["type"] == "extra_forbidden":
            message = "unknown field (check its spelling)"
        prefix = f"line {line}: " if line is not None else ""
        problems.append(f"{prefix}{describe_location(location)}: {message}")
    return problems
