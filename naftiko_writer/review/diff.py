"""`diff`: two drafts aligned section by section (by marker), with score changes. Pure.

Two drafts of one company are compared section by section: each section is
unchanged, changed (with a word-level diff), added or removed, and a section
whose inputs changed is flagged even when its text did not. Two drafts of
different companies are compared by their scores, side by side. The result
renders as Markdown, HTML or JSON; console.py draws it in a terminal.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from naftiko_writer.document.draft_format import DraftDocument, dimension_scores, readable_parts
from naftiko_writer.document.industry_format import TABLE, industry_provenance, written_blocks
from naftiko_writer.document.industry_html import dimension_totals


class Status(StrEnum):
    """How a section differs between the two drafts."""

    CHANGED = "changed"
    INPUTS_CHANGED = "inputs-changed"  # same text, but drafted from different data
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class Segment:
    """A run of words: kept (=), only in A (-) or only in B (+)."""

    op: str
    text: str


@dataclass(frozen=True)
class SectionDiff:
    """One section that differs."""

    id: str
    status: Status
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class ScoreChange:
    """A dimension's score in A and in B (None where the draft lacks it)."""

    dimension: str
    name: str
    a: int | None
    b: int | None

    @property
    def delta(self) -> int | None:
        """B minus A."""
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True)
class DraftDiff:
    """Everything that differs between two drafts."""

    a: str
    b: str
    company_a: str
    company_b: str
    scores: list[ScoreChange]
    sections: list[SectionDiff]
    unchanged: int
    provenance: dict[str, tuple[str, str]]

    @property
    def same_company(self) -> bool:
        """Both drafts are of one company."""
        return self.company_a == self.company_b

    @property
    def identical(self) -> bool:
        """No score and no section differs."""
        return not self.sections and not any(change.a != change.b for change in self.scores)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready data."""
        return {
            "a": self.a,
            "b": self.b,
            "company_a": self.company_a,
            "company_b": self.company_b,
            "identical": self.identical,
            "scores": [{**asdict(change), "delta": change.delta} for change in self.scores],
            "sections": [asdict(section) for section in self.sections],
            "unchanged_sections": self.unchanged,
            "provenance": {key: list(values) for key, values in self.provenance.items()},
        }


PROVENANCE_FIELDS = ("signals_digest", "taxonomy_version", "engine", "model", "recording_sources", "tool_version")
INDUSTRY_PROVENANCE_FIELDS = ("edition", "taxonomy_version", "engine", "model", "recording_sources", "tool_version")


@dataclass(frozen=True)
class Side:
    """One draft as `diff` compares it: what it is of, its blocks, its figures per dimension, its provenance."""

    source: str
    subject: str
    """The company's slug, or the industry (an industry post of another edition is the same subject)."""
    blocks: list[tuple[str, str, str]]
    """(id, body, input hash) of each marked block, in order."""
    scores: dict[str, tuple[str, int]]
    """Dimension key -> (name, figure): a company's scores, an industry's totals."""
    provenance: dict[str, str]


def company_side(document: DraftDocument) -> Side:
    """A company draft as `diff` compares it."""
    provenance = {name: str(getattr(document.provenance, name)) for name in PROVENANCE_FIELDS}
    blocks = [(block.id, block.body, block.input_hash) for block in document.blocks]
    return Side(document.source, document.provenance.company, blocks, dimension_scores(document), provenance)


def industry_side(text: str, source: str) -> Side:
    """An industry draft as `diff` compares it: its sections, and the dimensions table's industry totals."""
    data = industry_provenance(text)
    blocks = [(block.id, block.body, block.input_hash) for block in written_blocks(text)]
    table = next((body for block_id, body, _ in blocks if block_id == TABLE), "")
    scores = {name: (name, total) for name, total in dimension_totals(table)}
    provenance = {name: str(data.get(name)) for name in INDUSTRY_PROVENANCE_FIELDS}
    return Side(source, str(data.get("industry", "")), blocks, scores, provenance)


def diff_drafts(a: DraftDocument, b: DraftDocument) -> DraftDiff:
    """Compare two parsed company drafts."""
    return diff_sides(company_side(a), company_side(b))


def diff_sides(a: Side, b: Side) -> DraftDiff:
    """Compare two drafts of one kind: section by section when they are of one subject, else by figures."""
    scores_a, scores_b = a.scores, b.scores
    same_subject = a.subject == b.subject
    scores = [
        ScoreChange(
            dimension,
            (scores_b.get(dimension) or scores_a[dimension])[0],
            _score(scores_a, dimension),
            _score(scores_b, dimension),
        )
        for dimension in [*scores_a, *(d for d in scores_b if d not in scores_a)]
    ]
    if same_subject:
        scores = [change for change in scores if change.a != change.b]
    sections: list[SectionDiff] = []
    unchanged = 0
    if same_subject:
        blocks_b = {block_id: (body, inputs) for block_id, body, inputs in b.blocks}
        ids_a = {block_id for block_id, _, _ in a.blocks}
        for block_id, body, inputs in a.blocks:
            other = blocks_b.get(block_id)
            if other is None:
                sections.append(SectionDiff(block_id, Status.REMOVED, [Segment("-", _words(body))]))
            elif _words(body) != _words(other[0]):
                sections.append(SectionDiff(block_id, Status.CHANGED, word_diff(body, other[0])))
            elif inputs != other[1]:
                sections.append(SectionDiff(block_id, Status.INPUTS_CHANGED))
            else:
                unchanged += 1
        sections.extend(
            SectionDiff(block_id, Status.ADDED, [Segment("+", _words(body))])
            for block_id, body, _ in b.blocks
            if block_id not in ids_a
        )
    provenance = {
        name: (a.provenance[name], b.provenance.get(name, ""))
        for name in a.provenance
        if a.provenance[name] != b.provenance.get(name, "")
    }
    return DraftDiff(a.source, b.source, a.subject, b.subject, scores, sections, unchanged, provenance)


def _score(scores: dict[str, tuple[str, int]], dimension: str) -> int | None:
    found = scores.get(dimension)
    return found[1] if found else None


def _words(body: str) -> str:
    headings, texts = readable_parts(body)
    return " ".join(" ".join([*(heading.lstrip("#") for heading in headings), *texts]).split())


def trim_context(segments: list[Segment], context: int = 8) -> list[Segment]:
    """Shorten long unchanged runs to `context` words either side of a change."""
    trimmed: list[Segment] = []
    for index, segment in enumerate(segments):
        words = segment.text.split(" ")
        if segment.op != "=" or len(words) <= 2 * context + 1:
            trimmed.append(segment)
            continue
        head = words[:context] if index > 0 else []
        tail = words[-context:] if index < len(segments) - 1 else []
        trimmed.append(Segment("=", " ".join([*head, "…", *tail])))
    return trimmed


def word_diff(a_body: str, b_body: str) -> list[Segment]:
    """A word-level diff of what a reader sees in two versions of a block."""
    a_words, b_words = _words(a_body).split(" "), _words(b_body).split(" ")
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, a_words, b_words, autojunk=False)
    for op, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if op in ("replace", "delete"):
            segments.append(Segment("-", " ".join(a_words[a_start:a_end])))
        if op in ("replace", "insert"):
            segments.append(Segment("+", " ".join(b_words[b_start:b_end])))
        if op == "equal":
            segments.append(Segment("=", " ".join(a_words[a_start:a_end])))
    return segments


def _delta(change: ScoreChange) -> str:
    return "" if change.delta is None else f"{change.delta:+d}"


def render_diff_markdown(diff: DraftDiff) -> str:
    """The diff as Markdown for sharing: scores table, then each differing section."""
    lines = [f"# Draft comparison: {diff.company_a} → {diff.company_b}", "", f"- A: `{diff.a}`", f"- B: `{diff.b}`", ""]
    if diff.identical:
        lines += ["No differences: every section and score is the same.", ""]
    for name, (value_a, value_b) in diff.provenance.items():
        lines.append(f"- {name}: `{value_a}` → `{value_b}`")
    if diff.provenance:
        lines.append("")
    if diff.scores:
        lines += [
            "## Scores" if not diff.same_company else "## Score changes",
            "",
            "| Dimension | A | B | Change |",
            "|---|---|---|---|",
        ]
        lines += [f"| {c.name} | {_cell(c.a)} | {_cell(c.b)} | {_delta(c)} |" for c in diff.scores]
        lines.append("")
    if diff.sections:
        lines += [f"## Sections ({len(diff.sections)} differ, {diff.unchanged} unchanged)", ""]
    for section in diff.sections:
        lines += [f"### `{section.id}`: {section.status.value}", ""]
        if section.status is Status.CHANGED:
            lines += [" ".join(_markdown_segment(segment) for segment in trim_context(section.segments)), ""]
    return "\n".join(lines).rstrip() + "\n"


def _cell(value: int | None) -> str:
    return "–" if value is None else str(value)


def _markdown_segment(segment: Segment) -> str:
    text = html.escape(segment.text, quote=False).replace("~", "\\~").replace("*", "\\*")
    if segment.op == "-":
        return f"~~{text}~~"
    if segment.op == "+":
        return f"**{text}**"
    return text


def render_diff_html(diff: DraftDiff) -> str:
    """The diff as a standalone HTML page."""
    e = html.escape
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Draft comparison: {e(diff.company_a)} → {e(diff.company_b)}</title>",
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}"
        "del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}"
        "code{background:#f4f4f4;padding:0 .2rem}</style></head><body>",
        f"<h1>Draft comparison: {e(diff.company_a)} → {e(diff.company_b)}</h1>",
        f"<p>A: <code>{e(diff.a)}</code><br>B: <code>{e(diff.b)}</code></p>",
    ]
    if diff.identical:
        parts.append("<p>No differences: every section and score is the same.</p>")
    if diff.scores:
        parts.append("<h2>Scores</h2><table><tr><th>Dimension</th><th>A</th><th>B</th><th>Change</th></tr>")
        parts += [
            f"<tr><td>{e(c.name)}</td><td>{_cell(c.a)}</td><td>{_cell(c.b)}</td><td>{_delta(c)}</td></tr>"
            for c in diff.scores
        ]
        parts.append("</table>")
    if diff.sections:
        parts.append(f"<h2>Sections ({len(diff.sections)} differ, {diff.unchanged} unchanged)</h2>")
    for section in diff.sections:
        parts.append(f"<h3><code>{e(section.id)}</code>: {e(section.status.value)}</h3>")
        if section.status is Status.CHANGED:
            tags = {"-": "del", "+": "ins"}
            parts.append(
                "<p>"
                + " ".join(
                    f"<{tags[s.op]}>{e(s.text)}</{tags[s.op]}>" if s.op in tags else e(s.text) for s in section.segments
                )
                + "</p>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
