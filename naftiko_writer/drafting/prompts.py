"""Prompt templates: load prompts/ and render a section's chat messages.

Every text the model reads lives in prompts/: `system.md` is the shared
house-style system prompt; `<kind>.md` is one template per section kind, with
`{{placeholders}}` for the section title, its score (dimensions) and its input
data as JSON. Text from the company's data (its name included) reaches the
model only inside the `<data>` block, as JSON with `<` and `>` escaped; a
template that still uses `{{company}}` gets the name as a JSON string escaped
the same way, never as bare instruction text. `repair.md` asks the model to fix an answer, with
`{{problems}}` listing what was wrong. A section template's hash goes into the
request fingerprint, so editing one template invalidates exactly the
recordings of that section kind; the repair text is part of the messages of a
repair request, so it is in that request's fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.errors import PromptError
from naftiko_writer.report.sections import DimensionInput, Input, SectionKind

SYSTEM_FILE = "system.md"
REPAIR_FILE = "repair.md"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

Message = dict[str, str]


@dataclass(frozen=True)
class PromptTemplate:
    """One section kind's template and its hash."""

    kind: SectionKind
    path: Path
    text: str
    hash: str


@dataclass(frozen=True)
class PromptSet:
    """The system prompt, every section template and the repair message."""

    system: str
    system_hash: str
    templates: dict[SectionKind, PromptTemplate]
    repair: str

    def template_hash(self, kind: SectionKind) -> str:
        """Hash of the template used for `kind` (part of every request fingerprint)."""
        return self.templates[kind].hash

    def hashes(self, kinds: Iterable[SectionKind] | None = None) -> dict[str, str]:
        """The system prompt's and the templates' hashes by file name, for provenance: of `kinds` (default all)."""
        wanted = set(self.templates if kinds is None else kinds)
        templates = {t.path.name: t.hash for kind, t in self.templates.items() if kind in wanted}
        return {SYSTEM_FILE: self.system_hash} | templates

    def repair_message(self, problems: list[str]) -> Message:
        """The user message that asks the model to fix its previous answer (prompts/repair.md)."""
        return repair_message(self.repair, problems)


def repair_message(template: str, problems: list[str]) -> Message:
    """A repair template (prompts/repair.md) with `{{problems}}` filled in, one problem a line, as a user message."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    return {"role": "user", "content": fill_placeholders(template, {"problems": listed})}


def fill_placeholders(template: str, values: dict[str, str], path: Path | None = None) -> str:
    """`template` with each `{{name}}` replaced by `values[name]`, stripped; an unknown name is a PromptError."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            where = f"{path}: " if path is not None else ""
            raise PromptError(f"{where}unknown placeholder {{{{{name}}}}}; available: {', '.join(sorted(values))}")
        return values[name]

    return _PLACEHOLDER.sub(substitute, template).strip()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_prompt(path: Path) -> str:
    """One prompt file's text; missing, unreadable or empty is a PromptError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"{path}: prompt template is missing; restore it from version control") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
    if not text.strip():
        raise PromptError(f"{path}: prompt template is empty")
    return text


def load_prompts(prompts_dir: Path) -> PromptSet:
    """Read every template; a missing or unreadable one is a PromptError naming the file."""
    if not prompts_dir.is_dir():
        raise PromptError(
            f"{prompts_dir}: prompts folder does not exist; set NAFTIKO_WRITER_PROMPTS_DIR or restore prompts/"
        )
    system = read_prompt(prompts_dir / SYSTEM_FILE)
    templates = {}
    for kind in SectionKind:
        path = prompts_dir / f"{kind.value}.md"
        text = read_prompt(path)
        templates[kind] = PromptTemplate(kind=kind, path=path, text=text, hash=_digest(text))
    repair = read_prompt(prompts_dir / REPAIR_FILE)
    if [match.group(1) for match in _PLACEHOLDER.finditer(repair)] != ["problems"]:
        raise PromptError(f"{prompts_dir / REPAIR_FILE}: needs exactly one placeholder, {{{{problems}}}}")
    return PromptSet(system=system, system_hash=_digest(system), templates=templates, repair=repair)


def inert_json(text: str) -> str:
    """JSON with `<` and `>` escaped (still valid JSON), so no name in it can open or close a <data> block."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def render_messages(prompts: PromptSet, kind: SectionKind, title: str, section_input: Input) -> list[Message]:
    """The system and user messages for one section (pure)."""
    template = prompts.templates[kind]
    values = {
        "company": inert_json(json.dumps(section_input.company, ensure_ascii=False)),
        "title": title,
        "data": inert_json(section_input.model_dump_json(indent=2)),
    }
    if isinstance(section_input, DimensionInput):
        values["score"] = str(section_input.score)
    return [
        {"role": "system", "content": prompts.system.strip()},
        {"role": "user", "content": fill_placeholders(template.text, values, template.path)},
    ]
