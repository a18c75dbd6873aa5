"""Read YAML and JSON data files safely and fast, with the line of every value when an error needs it.

`load_document` parses a file into plain Python data. YAML is read from the
events of libyaml's C parser (the pure-Python parser when libyaml is absent)
by one flat loop with an explicit stack, so hostile files cannot crash or
stall it: aliases are refused where they appear (no alias bomb is ever
expanded, no self-reference built), nesting deeper than `MAX_DEPTH` is
refused as soon as it is reached, a mapping key must be a plain value and
appear once, and a value that cannot be read (`2026-02-30`, `!!int abc`, a
5,000-digit number) is a problem on its line rather than an exception.
JSON gets the same rules: duplicate keys are refused, deep nesting and
over-long numbers are problems.

Line numbers cost time and memory for every value, so the fast path keeps
none: `Document.line_of` re-reads a YAML file with line tracking the first
time an error message needs a line (validation failed), and JSON documents
carry no lines (a duplicate key is located on the error path only).
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

Location = tuple[str | int, ...]

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings a data file may use (signal files use 4)."""
MAX_QUOTED = 40
MAX_FILE_BYTES = 512 * 2**20
"""The largest data file read (the largest real signals lists are a few MB)."""
"""Characters of a key or value from the file quoted in an error message; the rest is cut."""

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's C parser when PyYAML was built with it, else the pure-Python one (same events)."""


class DocumentError(Exception):
    """A file could not be read or parsed; `problems` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        """Keep the path and the problems, one readable line each."""
        super().__init__(f"{path}: {'; '.join(problems)}")
        self.path = path
        self.problems = problems


@dataclass
class Document:
    """Parsed file content; the line of each value is found on demand (YAML only)."""

    path: Path
    data: Any
    _lines: dict[Location, int] | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[Location, int]:
        """Location -> 1-based line, from a line-tracking re-read of the file (empty for JSON)."""
        if self._lines is None:
            self._lines = _located_lines(self.path)
        return self._lines

    def line_of(self, location: Location) -> int | None:
        """Return the line of `location`, or of its nearest located parent."""
        lines = self.lines
        for end in range(len(location), -1, -1):
            line = lines.get(location[:end])
            if line is not None:
                return line
        return None

    def where(self, location: Location) -> str:
        """Describe a location as `file:line` (YAML) or `file` (JSON, no lines)."""
        line = self.line_of(location)
        return f"{self.path}:{line}" if line is not None else str(self.path)


def load_document(path: Path) -> Document:
    """Read and parse a YAML or JSON file; raise DocumentError on any problem."""
    return parse_document(path, decode_text(path, read_bytes(path)))


def parse_document(path: Path, text: str) -> Document:
    """Parse the text of a YAML or JSON file (JSON by the path's suffix); raise DocumentError on any problem."""
    if path.suffix.lower() in JSON_SUFFIXES:
        return Document(path, parse_json(path, text), {})
    data, _ = parse_yaml(path, text, track_lines=False)
    return Document(path, data)


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A data file's bytes; DocumentError when it is missing, a folder, not a regular file, too large or unreadable.

    A FIFO would block the read and a device (a link to /dev/zero) never end it, so only regular files are
    read, and at most `limit` bytes of them.
    """
    try:
        if not path.exists():
            raise DocumentError(path, ["file does not exist"])
        if path.is_dir():
            raise DocumentError(path, ["is a directory, not a data file"])
        if not path.is_file():
            raise DocumentError(path, ["is not a regular file (a pipe or a device?); give a data file"])
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise DocumentError(path, [f"is larger than the {limit:,}-byte limit; a data file is smaller"])
        return data
    except PermissionError as exc:
        raise DocumentError(path, ["permission denied; make the file and its folders readable"]) from exc
    except OSError as exc:
        raise DocumentError(path, [f"cannot be read ({exc.strerror or exc})"]) from exc


def decode_text(path: Path, data: bytes) -> str:
    """A data file's bytes as text: UTF-8, not blank; DocumentError otherwise."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # a BOM (a Windows editor's) is read past, JSON or YAML
    except UnicodeDecodeError as exc:
        raise DocumentError(path, [f"cannot be read as UTF-8 text ({exc})"]) from exc
    if not text.strip():
        raise DocumentError(path, ["file is empty"])
    return text


def _located_lines(path: Path) -> dict[Location, int]:
    """Re-read a YAML file with line tracking; nothing for JSON or if the file is gone or changed."""
    if path.suffix.lower() in JSON_SUFFIXES:
        return {}
    try:
        return parse_yaml(path, decode_text(path, read_bytes(path)), track_lines=True)[1]
    except DocumentError:
        return {}


def quote(value: object) -> str:
    """`repr` of a value from a file, cut to MAX_QUOTED characters so an error never echoes a whole file."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


# --- YAML ------------------------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
_SCALAR_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp", "binary")}
_COLLECTION_TAGS = {None, "!", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}
_RESOLVERS: dict[str | None, list[tuple[str, Any]]] = yaml.resolver.Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TAG_WORDS = {
    "null": "null",
    "bool": "true/false value",
    "int": "whole number",
    "float": "number",
    "timestamp": "date",
    "binary": "base64 value",
}
_CACHE_LIMIT = 4096
_NO_KEY = object()


class _FatalProblem(Exception):
    """A problem after which reading the file any further is pointless or unsafe."""


class _BadKey:
    """Stands in for a key that was a list or mapping (already reported), so reading can go on."""


@dataclass
class _Frame:
    """An open list or mapping: where it is, and for a mapping the key waiting for its value."""

    container: Any
    location: Location
    key: Any = _NO_KEY


class _YamlBuilder:
    """Build plain data from parser events; collect problems; optionally note each value's line."""

    def __init__(self, track_lines: bool) -> None:
        self.track_lines = track_lines
        self.lines: dict[Location, int] = {}
        self.problems: list[str] = []
        self.stack: list[_Frame] = []
        self.root: Any = _NO_KEY
        self.documents = 0
        self.plain: dict[str, Any] = {}

    def build(self, events: Iterator[Any]) -> Any:
        """Consume every event (stopping early on a fatal problem); return the root value.

        The loop is the cost of reading a large file, so the common steps are written out in it: a
        plain or quoted scalar is read through the `plain` cache, and a value goes straight into the
        open list or mapping unless lines are tracked (then `attach` notes each value's line).
        """
        scalar, seq_start, map_start = yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent
        ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
        stack, attach, read, plain = self.stack, self.attach, self.scalar, self.plain
        inline = not self.track_lines
        frame: _Frame | None = None  # the open list or mapping (the top of the stack)
        in_list = False
        for event in events:
            kind = type(event)
            if kind is scalar:
                tag = event.tag
                if (tag is None or tag == "!") and event.implicit[0]:
                    value = plain.get(event.value, _NO_KEY)
                    if value is _NO_KEY:
                        value = read(event)
                elif tag is None or tag == "!":
                    value = event.value  # quoted: always a string
                else:
                    value = read(event)
                if frame is None or not inline:
                    attach(value, event)
                elif in_list:
                    frame.container.append(value)
                elif frame.key is _NO_KEY:
                    mapping = frame.container
                    frame.key = (
                        value if type(value) is str and value not in mapping else self.key(value, event, mapping)
                    )
                else:
                    frame.container[frame.key] = value
                    frame.key = _NO_KEY
            elif kind is map_start or kind is seq_start:
                if len(stack) >= MAX_DEPTH:
                    self.fatal(
                        event, f"lists and mappings are nested more than {MAX_DEPTH} deep; data files are shallow"
                    )
                if event.tag not in _COLLECTION_TAGS:
                    self.problems.append(f"line {_line(event)}: unsupported tag {_tag(event.tag)}; remove it")
                container: Any = {} if kind is map_start else []
                location = attach(container, event)
                frame = _Frame(container, location)
                stack.append(frame)
                in_list = kind is seq_start
            elif kind in ends:
                stack.pop()
                frame = stack[-1] if stack else None
                in_list = frame is not None and type(frame.container) is list
            elif kind is yaml.AliasEvent:
                self.fatal(event, f"YAML alias *{str(event.anchor)[:MAX_QUOTED]} is not allowed; write the value out")
            elif kind is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    self.fatal(event, "holds more than one YAML document (a second `---`); keep one")
        return self.root

    def fatal(self, event: Any, problem: str) -> NoReturn:
        self.problems.append(f"line {_line(event)}: {problem}")
        raise _FatalProblem

    def attach(self, value: Any, event: Any) -> Location:
        """Put a value where it belongs: the root, a list item, a mapping key, or a key's value."""
        if not self.stack:
            self.root = value
            location: Location = ()
        else:
            frame = self.stack[-1]
            container = frame.container
            if type(container) is list:
                container.append(value)
                if not self.track_lines:
                    return ()
                location = (*frame.location, len(container) - 1)
            elif frame.key is _NO_KEY:
                frame.key = self.key(value, event, container)
                return ()
            else:
                key, frame.key = frame.key, _NO_KEY
                container[key] = value
                if not self.track_lines:
                    return ()
                location = (*frame.location, str(key))
        if self.track_lines:
            self.lines[location] = _line(event)
        return location

    def key(self, value: Any, event: Any, mapping: dict[Any, Any]) -> Any:
        if isinstance(value, (list, dict)):
            what = "list" if isinstance(value, list) else "mapping"
            self.problems.append(f"line {_line(event)}: a mapping key must be a plain value, not a {what}")
            return _BadKey()
        if value in mapping:
            self.problems.append(f"line {_line(event)}: key {quote(value)} appears twice in one mapping")
        return value

    def scalar(self, event: Any) -> Any:
        """The value of a scalar: a plain one resolved as YAML 1.1 does (numbers, dates, booleans, null)."""
        value: str = event.value
        tag = event.tag
        if tag is not None and tag != "!":
            return self.typed(tag, value, event)
        if not event.implicit[0]:
            return value  # quoted: always a string
        known = self.plain.get(value, _NO_KEY)
        if known is not _NO_KEY:
            return known  # keys, kinds and small numbers repeat on every signal
        resolvers = _RESOLVERS.get(value[:1])
        if resolvers is None:
            return value  # its first character starts no number, date, boolean or null
        problems = len(self.problems)
        result = self.typed(_resolve_plain(value, resolvers), value, event)
        if len(self.problems) == problems and len(self.plain) < _CACHE_LIMIT:
            self.plain[value] = result  # only immutable values: str, int, float, bool, None, dates
        return result

    def typed(self, tag: str, value: str, event: Any) -> Any:
        """A scalar of a known tag constructed as PyYAML's safe loader does; anything else is a problem."""
        if tag in (_STR, _VALUE):
            return value
        if tag == _MERGE:
            self.problems.append(f"line {_line(event)}: merge keys (<<) are not supported; write the keys out")
            return _BadKey()
        if tag not in _SCALAR_TAGS:
            self.problems.append(f"line {_line(event)}: unsupported tag {_tag(tag)}; remove it")
            return None
        node = yaml.ScalarNode(tag, value, style=event.style)
        try:
            return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:
            what = _TAG_WORDS[tag.rsplit(":", 1)[1]]
            self.problems.append(f"line {_line(event)}: {quote(value)} is not a valid {what}{_why(exc)}; correct it")
            return None


def _why(exc: Exception) -> str:
    """A short reason: Python's date messages are clear; its int and base64 messages repeat the value."""
    reason = str(exc)
    if "Exceeds the limit" in reason:
        return " (too many digits)"
    if "day is out of range" in reason or " must be in " in reason:
        return f" ({reason})"
    return ""


def _resolve_plain(value: str, resolvers: list[tuple[str, Any]]) -> str:
    """The implicit tag of a plain scalar, as PyYAML's resolver decides it from its first character's rules."""
    for tag, pattern in resolvers:
        if pattern.match(value):
            return tag
    return _STR


def _tag(tag: str) -> str:
    """`!!set` for `tag:yaml.org,2002:set`, cut short."""
    name = tag.replace("tag:yaml.org,2002:", "!!")
    return name if len(name) <= MAX_QUOTED else name[: MAX_QUOTED - 1] + "…"


def _line(event: Any) -> int:
    return int(event.start_mark.line) + 1


def parse_yaml(
    path: Path, text: str, track_lines: bool, *, allow_empty: bool = False
) -> tuple[Any, dict[Location, int]]:
    """YAML text -> (data, lines); lines map each value's location to its line when `track_lines`.

    The one guard for every YAML file the tool reads (data files here, raw lists in
    scoring/importing): aliases, deep nesting, odd tags and repeated keys are problems.
    A stream with no document (empty, or only comments) is a problem unless `allow_empty`,
    which reads it as None.
    """
    builder = _YamlBuilder(track_lines)
    parser = _Loader(text)
    try:
        root = builder.build(iter(parser.get_event, None))  # events, untyped: the C and Python parsers differ
    except _FatalProblem:
        raise DocumentError(path, builder.problems) from None
    except yaml.YAMLError as exc:
        _raise_own_problem(path, text, track_lines, exc)
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(path, [f"{where}invalid YAML: {problem}"]) from exc
    finally:
        parser.dispose()
    if builder.problems:
        raise DocumentError(path, builder.problems)
    if root is _NO_KEY:
        if allow_empty:
            return None, builder.lines
        raise DocumentError(path, ["file holds no data (only comments?)"])
    return root, builder.lines


def _raise_own_problem(path: Path, text: str, track_lines: bool, exc: yaml.YAMLError) -> None:
    """Raise the tool's own problem with `text` if it has one, whatever the C parser refused it for.

    libyaml has limits of its own, and their wording changes between releases (PyYAML 6.0.4's libyaml
    refuses deep nesting itself, before its first event, as "exceeded maximum nesting depth"). On that error
    path only, the text is read again by the pure-Python parser (no such limit) through the same rules, so a
    file nested past MAX_DEPTH, or holding an alias or a second document, gets this tool's message.
    """
    if _Loader is yaml.SafeLoader:
        return
    builder = _YamlBuilder(track_lines)
    parser = yaml.SafeLoader(text)
    try:
        builder.build(iter(parser.get_event, None))
    except _FatalProblem:
        raise DocumentError(path, builder.problems) from exc
    except (yaml.YAMLError, RecursionError):
        return
    finally:
        parser.dispose()


# --- JSON ------------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def parse_json(path: Path, text: str) -> Any:
    """Parse JSON text with the data-file rules (a key once per object, shallow); DocumentError names the line."""
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as exc:
        raise DocumentError(path, [f"line {exc.lineno}: invalid JSON: {exc.msg}"]) from exc
    except _DuplicateKey as exc:
        line = _duplicate_line(text)
        where = f"line {line}: " if line is not None else ""
        raise DocumentError(path, [f"{where}key {quote(exc.key)} appears twice in one object"]) from None
    except RecursionError:
        raise DocumentError(path, ["lists and objects are nested too deeply; data files are shallow"]) from None
    except ValueError:  # an integer over Python's 4,300-digit conversion limit
        raise DocumentError(path, ["a number has too many digits (over 4,300); correct it"]) from None


def _duplicate_line(text: str) -> int | None:
    """The line of the first object with a repeated key, found by the (slow) pure-Python decoder."""

    def parse_object(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> tuple[Any, int]:
        string, start = s_and_end
        result, end = json.decoder.JSONObject(s_and_end, *args, **kwargs)  # type: ignore[attr-defined]
        if isinstance(result, _Located):
            raise _DuplicateKey(result.key, string.count("\n", 0, start) + 1)
        return result, end

    decoder = json.JSONDecoder(object_pairs_hook=_locate_pairs)
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        decoder.decode(text)
    except _DuplicateKey as exc:
        return exc.line
    except (ValueError, RecursionError):
        return None
    return None


class _Located:
    """Returned by the locating decoder's pairs hook for an object whose key repeats."""

    def __init__(self, key: str) -> None:
        self.key = key


def _locate_pairs(pairs: list[tuple[str, Any]]) -> Any:
    try:
        return _unique_pairs(pairs)
    except _DuplicateKey as exc:
        return _Located(exc.key)


# --- validation errors -----------------------------------------------------------------------


def describe_location(location: Location) -> str:
    """Render `("signals", 3, "kind")` as `signals[3].kind` (keys cut short)."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if len(part) <= MAX_QUOTED else part[: MAX_QUOTED - 1] + "…"
            text += f".{name}" if text else name
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
            message = f"unknown value {quote(item['input'])}; expected one of {expected}"
        elif item["type"] == "extra_forbidden":
            message = "unknown field (check its spelling)"
        prefix = f"line {line}: " if line is not None else ""
        problems.append(f"{prefix}{describe_location(location)}: {message}")
    return problems
