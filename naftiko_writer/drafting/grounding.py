"""Grounding checks: every number and technology name in a section must come from its input.

The rule is uniform: a section may only state numbers and name technologies
that appear in the JSON input it was given. Technology names are recognised
from a vocabulary (the taxonomy's proper-noun names and aliases plus the
company's non-concept signals), on word boundaries, as written or, for
distinctive names, in any case; an alias of a name in the input counts as
that name. Texts are compared in one form (drafting/grounding_text: width,
invisible characters and look-alike letters do not hide a name; numbers in
words or Roman numerals count as numbers; links must come from the data), and
digits inside a signal's name are never a figure the data allows.

A dimension paragraph may name what its input lists (its full evidence); the
report-level sections (summary, layer introductions, strengths, growth, wave
alignment, assessment) any name in the company's data. A number must be in the
data or approximate one ("over 130" for 132, "about 40" for 41); a list's
remainder ("and 9 more") must make the list add up instead. What a text claims
with them (counts, tier words, comparisons, company context) is checked by
claims.py; growth rows must be candidates. No rule makes a paragraph restate its
score: the heading states it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel

from naftiko_writer.drafting.claims import claim_problems
from naftiko_writer.drafting.cohort_grounding import cohort_problems
from naftiko_writer.drafting.grounding_text import (
    compared,
    data_strings,
    loosely_cased,
    spelled_figures,
    states_a_figure,
    urls_in,
)
from naftiko_writer.report.sections import (
    CandidatesInput,
    DimensionInput,
    ExecutiveInput,
    GrowthOpportunities,
    Input,
    LayerInput,
    Output,
    StrategicInput,
    WaveInput,
    score_label,
)
from naftiko_writer.scoring.models import CompanySignals, SignalKind, Taxonomy
from naftiko_writer.scoring.names import name_key

GENERIC_TERMS = frozenset({"AI", "ML", "API", "APIs"})
"""Capitalised catalogue spellings that are ordinary report vocabulary, not product names."""
REPORT_LABELS = frozenset({"Score", "Scores", "Rank", "Tier", "Layer"})
"""The report's own labels ("Score: 0", "Rank 3", "Layer 1"): a signal of that name is not named by them."""

_NUMBER = re.compile(r"(?<![A-Za-z\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")


_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD_CHARACTER = re.compile(r"\w")


@dataclass(frozen=True)
class Mention:
    """One technology name found in a text."""

    text: str
    start: int
    end: int
    spelling: str = ""
    """The vocabulary's spelling it was found as (the text may differ in case)."""

    def group(self, _: int = 0) -> str:
        """The name as written (re.Match-style)."""
        return self.text


@dataclass(frozen=True)
class Vocabulary:
    """Technology names the checker recognises, each mapped to a canonical key.

    Names are indexed by their first token, so finding them costs a dictionary
    lookup per word of text however many names there are (a company may bring
    100,000 signals; one regular expression over all of them takes seconds to build).
    """

    canonical: dict[str, str]
    by_head: dict[str, tuple[str, ...]]
    by_lower_head: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The loosely cased spellings (grounding_text.loosely_cased) by their first token in lower case."""
    by_any_head: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = field(
        init=False, default_factory=dict, compare=False, repr=False
    )
    """Every spelling by its head in lower case: (as written, longest first), (any case: (spelling, lower case))."""
    named_figures: tuple[str, ...] = ()
    """Every company signal name holding a digit (any kind): its digits are never a figure its data allows."""
    company_only: frozenset[str] = frozenset()
    """Spellings only the company's data brings: digits inside them, named in a text, still count as figures."""
    company_keys: frozenset[str] = frozenset()
    """Canonical keys of every name in the company's data: what the report-level sections may name."""
    tiers: tuple[tuple[str, int], ...] = ()
    """The tier table, highest first (name, lowest score): tier words are checked against it."""
    allowed: dict[str, Allowed] = field(default_factory=dict, compare=False, repr=False)
    """What each section data already scanned allows (see `allowed_values`): a section's data is checked again
    on every repair, and by `check` and `update`; scanning a dimension's evidence costs about a millisecond."""

    def __post_init__(self) -> None:
        """Index every spelling by its head in lower case, as written ones first (set once: frozen)."""
        heads: dict[str, tuple[list[str], list[str]]] = {}
        for head, spellings in self.by_head.items():
            heads.setdefault(head.lower(), ([], []))[0].extend(spellings)
        for head, spellings in self.by_lower_head.items():
            heads.setdefault(head, ([], []))[1].extend(spellings)
        index = {
            head: (tuple(sorted(exact, key=_spelling_order)), tuple((s, s.lower()) for s in loose))
            for head, (exact, loose) in heads.items()
        }
        object.__setattr__(self, "by_any_head", index)

    def mentions(self, text: str) -> Iterator[Mention]:
        """Every technology name in `text`, left to right, the longest spelling at each place, on word boundaries.

        At each place a spelling written as the vocabulary writes it wins; else a loosely cased one in any case.
        The text is scanned once, lower-cased, with one lookup per word (unless lower-casing changes its
        length, as for a few letters: then it is scanned as written, for exact spellings only).
        """
        resume = 0
        lowered = text.lower()
        if len(lowered) != len(text):
            yield from self._exact_mentions(text)
            return
        index = self.by_any_head
        length = len(text)
        for token in _TOKEN.finditer(lowered):
            candidates = index.get(token.group())
            if candidates is None:  # most words start no name: one lookup decides
                continue
            start = token.start()
            if start < resume or (start > 0 and _WORD_CHARACTER.match(text[start - 1])):
                continue
            found = None
            exact, loose = candidates
            for spelling in exact:
                stop = start + len(spelling)
                if text.startswith(spelling, start) and (stop == length or not _WORD_CHARACTER.match(text[stop])):
                    found = Mention(spelling, start, stop, spelling)
                    break
            if found is None:
                for spelling, lower in loose:
                    stop = start + len(spelling)
                    if lowered.startswith(lower, start) and (stop == length or not _WORD_CHARACTER.match(text[stop])):
                        found = Mention(text[start:stop], start, stop, spelling)
                        break
            if found is not None:
                yield found
                resume = found.end

    def _exact_mentions(self, text: str) -> Iterator[Mention]:
        """The names written exactly as the vocabulary writes them (a text whose lower case is longer)."""
        resume = 0
        for token in _TOKEN.finditer(text):
            spellings = self.by_head.get(token.group())
            if spellings is None:
                continue
            start = token.start()
            if start < resume or (start > 0 and _WORD_CHARACTER.match(text[start - 1])):
                continue
            for spelling in spellings:
                end = start + len(spelling)
                if text.startswith(spelling, start) and (end == len(text) or not _WORD_CHARACTER.match(text[end])):
                    yield Mention(spelling, start, end, spelling)
                    resume = end
                    break

    def separate(self, text: str, figures_in_names: bool = False) -> tuple[list[Mention], str]:
        """The names in `text`, and the text with each name blanked out, from one scan.

        The blanked text is where numbers are read, so that digits inside names are not taken as numbers;
        with `figures_in_names` (a model's text), a name only the company's data brings keeps its digits
        (a signal named "Cloud scores 99" cannot state 99).
        """
        mentions = list(self.mentions(text))
        parts, last = [], 0
        for mention in mentions:
            kept = " "
            if figures_in_names and mention.spelling in self.company_only:
                kept = f" {' '.join(numbers_in(mention.text))} "
            parts += [text[last : mention.start], kept]
            last = mention.end
        return mentions, "".join([*parts, text[last:]])

    def without_named_figures(
        self, text: str, found: set[str] | None = None, names: Iterable[str] | None = None
    ) -> str:
        """`text` with every company signal name (of `names`, default all) that holds a figure blanked out.

        The names blanked are added to `found`. The same object comes back when nothing was blanked.
        """
        for name in self.named_figures if names is None else names:
            if name in text:
                # not where it is part of a longer name ("RDF4J" inside "Eclipse RDF4J", the entry it aliases)
                longer = [(m.start, m.end) for m in self.mentions(text) if len(m.text) > len(name) and name in m.text]
                parts, last = [], 0
                for at in (match.start() for match in re.finditer(re.escape(name), text)):
                    if at < last or any(start <= at < end for start, end in longer):
                        continue
                    parts += [text[last:at], " "]
                    last = at + len(name)
                if parts:
                    text = "".join([*parts, text[last:]])
                    if found is not None:
                        found.add(name)
        return text


def report_terms(taxonomy: Taxonomy) -> frozenset[str]:
    """The report's own words, never technology names: dimension and layer names, waves, kind and table labels.

    Real data holds signals literally named "Services", "Tools", "Data", "Platform", even "Score"
    or "Layer 1"; the report's headings and labels use the same words, so they cannot count as
    naming a technology.
    """
    terms = set(GENERIC_TERMS | REPORT_LABELS)
    terms.update(f"Layer {number}" for number in range(1, len(taxonomy.layers) + 1))
    for dimension in taxonomy.dimensions:
        terms.update(filter(None, (dimension.name, dimension.short_name)))
    for layer in taxonomy.layers:
        terms.add(layer.title)
        terms.update(layer.waves)
    for kind in SignalKind:
        label = kind.value.capitalize()
        terms.update((label, label + "s", kind.value, kind.value + "s"))
    return frozenset(terms)


def build_vocabulary(taxonomy: Taxonomy, company_signals: CompanySignals | None = None) -> Vocabulary:
    """Vocabulary of a taxonomy plus one company's own (non-concept) signal names, minus the report's own words.

    The taxonomy's half is built once per taxonomy (`_taxonomy_names`, by digest) and the company's names
    are merged into it: a fleet no longer rebuilds the catalogue's spellings for every company. Spellings
    are kept in the compared form (drafting/grounding_text), as texts are read.
    """
    base, excluded, entry_keys = _taxonomy_names(taxonomy)
    tiers = tuple((tier.name, tier.min_score) for tier in taxonomy.scoring.tiers)
    if company_signals is None:
        return Vocabulary(base.canonical, base.by_head, base.by_lower_head, tiers=tiers)
    company_keys = {entry_keys.get(key, key) for key in (name_key(signal.name) for signal in company_signals.signals)}
    canonical = dict(base.canonical)
    added: list[str] = []
    for signal in company_signals.signals:
        name = compared(signal.name)
        if (
            signal.kind is not SignalKind.CONCEPT
            and name not in canonical
            and name not in excluded
            and _looks_like_a_name(name)
        ):
            canonical[name] = name_key(signal.name)
            added.append(name)
    names = {compared(signal.name) for signal in company_signals.signals}
    named_figures = tuple(
        sorted((n for n in names if any(ch.isdigit() for ch in n) or spelled_figures(n)), key=len, reverse=True)
    )
    company_only = frozenset(names - base.canonical.keys())
    by_head, by_lower_head = dict(base.by_head), dict(base.by_lower_head)
    for index, loose in ((by_head, False), (by_lower_head, True)):
        grown: dict[str, list[str]] = {}
        for spelling in added:
            found = _TOKEN.match(spelling)
            if found is None or (loose and not loosely_cased(spelling, curated=False)):
                continue
            head = found.group().lower() if loose else found.group()
            grown.setdefault(head, list(index.get(head, ()))).append(spelling)
        for head, spellings in grown.items():
            index[head] = tuple(sorted(spellings, key=_spelling_order))  # at each place the longest name wins
    return Vocabulary(
        canonical,
        by_head,
        by_lower_head,
        named_figures,
        company_only,
        company_keys=frozenset(company_keys),
        tiers=tiers,
    )


def _spelling_order(spelling: str) -> tuple[int, str]:
    return -len(spelling), spelling


_TAXONOMY_NAMES: dict[str, tuple[Vocabulary, frozenset[str], dict[str, str], object]] = {}


def _taxonomy_names(taxonomy: Taxonomy) -> tuple[Vocabulary, frozenset[str], dict[str, str]]:
    """The catalogue's spellings (a Vocabulary), the report's words and spelling key -> entry key, per taxonomy."""
    cached = _TAXONOMY_NAMES.get(taxonomy.digest) if taxonomy.digest else None
    if cached is not None and cached[3] is taxonomy.catalog:
        return cached[0], cached[1], cached[2]
    canonical: dict[str, str] = {}
    excluded = report_terms(taxonomy)
    entry_keys: dict[str, str] = {}
    for entry in taxonomy.catalog.signals:
        concept_only = entry.kinds is not None and set(entry.kinds) == {SignalKind.CONCEPT}
        for spelling in (entry.name, *entry.aliases):
            entry_keys.setdefault(name_key(spelling), name_key(entry.name))
            if concept_only or spelling in excluded or not _looks_like_a_name(spelling):
                continue
            canonical.setdefault(compared(spelling), name_key(entry.name))
    by_head: dict[str, list[str]] = {}
    by_lower_head: dict[str, list[str]] = {}
    for spelling in sorted(canonical, key=_spelling_order):
        head = _TOKEN.match(spelling)
        if head is not None:
            by_head.setdefault(head.group(), []).append(spelling)
            if loosely_cased(spelling, curated=True):
                by_lower_head.setdefault(head.group().lower(), []).append(spelling)
    vocabulary = Vocabulary(
        canonical,
        {head: tuple(spellings) for head, spellings in by_head.items()},
        {head: tuple(spellings) for head, spellings in by_lower_head.items()},
    )
    if len(_TAXONOMY_NAMES) >= 4:  # a process uses one or two taxonomies; tests use a few
        _TAXONOMY_NAMES.clear()
    _TAXONOMY_NAMES[taxonomy.digest] = (vocabulary, excluded, entry_keys, taxonomy.catalog)  # same catalogue
    return vocabulary, excluded, entry_keys


def _looks_like_a_name(spelling: str) -> bool:
    """Proper nouns and product names: some capital letter or digit, and at least one letter."""
    return any(ch.isupper() or ch.isdigit() for ch in spelling) and any(ch.isalpha() for ch in spelling)


def output_texts(value: object) -> Iterator[str]:
    """Every string inside an output model (depth-first)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for field in type(value).model_fields:
            yield from output_texts(getattr(value, field))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from output_texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from output_texts(item)


def numbers_in(text: str) -> list[str]:
    """Numbers in text, normalised (`1,000` -> `1000`, `33.0` -> `33`)."""
    return [_normalise(match.group(1)) for match in _NUMBER.finditer(text)]


def _normalise(number: str) -> str:
    value = float(number.replace(",", ""))
    return str(int(value)) if value.is_integer() else repr(value)


def check_grounding(output: Output, section_input: Input, vocabulary: Vocabulary) -> list[str]:
    """Problems that make `output` ungrounded in `section_input`; empty when it is grounded."""
    texts = list(output_texts(output))
    problems = [problem.message for problem in ungrounded_values(texts, section_input, vocabulary)]
    problems.extend(problem.message for problem in unheld_claims(texts, section_input, vocabulary))
    problems.extend(_kind_rules(output, section_input))
    problems.extend(cohort_problems(texts, section_input))
    return problems


REPORT_LEVEL = (ExecutiveInput, LayerInput, CandidatesInput, WaveInput, StrategicInput)
"""Inputs of sections about the whole company (or a whole layer): any name in its data may be named."""


def unheld_claims(texts: Iterable[str], section_input: Input, vocabulary: Vocabulary) -> list[Ungrounded]:
    """Counts, tier words, comparisons and company context in `texts` that the data does not hold (claims.py)."""

    def mask(text: str) -> str:
        parts, last = [], 0
        for mention in vocabulary.mentions(text):
            parts += [text[last : mention.start], re.sub(r"\d", "#", text[mention.start : mention.end])]
            last = mention.end
        return "".join([*parts, text[last:]])

    found = claim_problems(
        [compared(text) for text in texts], section_input, vocabulary.tiers, frozenset(vocabulary.canonical), mask
    )
    return [Ungrounded(value, kind, message) for kind, value, message in found]


_REMAINDER = re.compile(r"\band (\d+) more\b")
_APPROXIMATE = re.compile(
    r"\b(over|more than|above|upwards of|at least|nearly|almost|close to|just under|under|fewer than|less than|"
    r"about|around|roughly|approximately|some)\s+$",
    re.IGNORECASE,
)


def approximates(word: str, stated: float, actual: float) -> bool:
    """Whether `<word> <stated>` is a fair way to say `actual` ("over 130" for 132, "nearly 50" for 48)."""
    word = word.lower()
    if word in {"over", "more than", "above", "upwards of"}:
        return stated < actual <= stated * 1.2 + 1
    if word == "at least":
        return stated <= actual <= stated * 1.2 + 1
    if word in {"nearly", "almost", "close to", "just under", "under", "fewer than", "less than"}:
        return stated * 0.8 <= actual < stated
    return abs(actual - stated) <= max(1.0, stated * 0.1)


def _excused(stripped: str, number: str, allowed_numbers: frozenset[str], lists: bool) -> str | None:
    """None when `number` may stand in `stripped` although the data lacks it, else the problem's message.

    A list's remainder (`and 9 more`) is checked by whether the list adds up (claims.py); an
    approximation must be fair to some figure of the data.
    """
    for match in _NUMBER.finditer(stripped):
        if _normalise(match.group(1)) != number:
            continue
        if lists and _REMAINDER.match(stripped, max(0, match.start() - 4)):
            return None
        approximation = _APPROXIMATE.search(stripped[: match.start()])
        if approximation is not None:
            stated = float(number)
            fair = [value for value in allowed_numbers if re.fullmatch(r"\d+(?:\.\d+)?", value)]
            if any(approximates(approximation.group(1), stated, float(value)) for value in fair):
                return None
            return (
                f"says {approximation.group(1)} {number}, which approximates no figure in this section's data; "
                "round a given number"
            )
    return f"states the number {number}, which is not in this section's data; use only given numbers"


@dataclass(frozen=True)
class Ungrounded:
    """A number or name in some text that its data does not back."""

    value: str
    kind: str  # "number", "name", "link", or a claim: "count", "tier", "comparison", "context"
    message: str


ALLOWED_REMEMBERED = 256
"""Section data whose allowed values a vocabulary (one company's) keeps: a report has 61 sections."""


@dataclass(frozen=True)
class Allowed:
    """What a text drafted from some section data may state."""

    names: frozenset[str]
    """Canonical keys of the technology names in the data."""
    figures: frozenset[str]
    """Normalised numbers (never digits inside a signal's name) and links in the data."""
    named_figures: tuple[str, ...]
    """Company signal names holding a figure that the data lists and that read as names ("Layer 1", "ISO 27001"):
    written out in a text, their digits are no claim. A name that states a figure ("Cloud scores 99") is not
    among them: written out, its figure is checked like any other."""


def allowed_values(data: str, vocabulary: Vocabulary) -> Allowed:
    """The canonical names, normalised numbers and links that a text drafted from `data` may state.

    Each string of the data is read as written (not as JSON escapes it), in the compared form; digits
    (and numbers in words) inside a company signal's name are blanked first, so they are never an allowed figure.
    """
    known = vocabulary.allowed.get(data)
    if known is not None:
        return known
    listed: set[str] = set()
    # One scan of the data's strings joined by line breaks (no name, number or link spans one).
    text = "\n".join(compared(string) for string in data_strings(data))
    mentions, rest = vocabulary.separate(text)
    names = {vocabulary.canonical[mention.spelling] for mention in mentions}
    blanked = vocabulary.without_named_figures(text, listed)
    if blanked is not text:
        rest = vocabulary.separate(blanked)[1]
    figures = {*numbers_in(rest), *spelled_figures(rest), *urls_in(text)}
    quotable = tuple(name for name in vocabulary.named_figures if name in listed and not states_a_figure(name))
    allowed = Allowed(frozenset(names), frozenset(figures), quotable)
    if len(vocabulary.allowed) >= ALLOWED_REMEMBERED:
        vocabulary.allowed.clear()
    vocabulary.allowed[data] = allowed
    return allowed


def ungrounded_values(texts: Iterable[str], section_input: Input | str, vocabulary: Vocabulary) -> list[Ungrounded]:
    """Every number and technology name in `texts` that is not in `section_input` (each reported once)."""
    data = section_input if isinstance(section_input, str) else section_input.model_dump_json()
    allowed = allowed_values(data, vocabulary)
    allowed_names, allowed_numbers = allowed.names, allowed.figures
    if isinstance(section_input, REPORT_LEVEL):
        allowed_names = allowed_names | vocabulary.company_keys
    lists = isinstance(section_input, DimensionInput)
    found: list[Ungrounded] = []
    seen: set[str] = set()
    for text in texts:
        text = compared(text)
        if allowed.named_figures:  # a listed signal's name, written out, states no figure
            text = vocabulary.without_named_figures(text, names=allowed.named_figures)
        mentions, stripped = vocabulary.separate(text, figures_in_names=True)
        for mention in mentions:
            name = mention.text
            if vocabulary.canonical[mention.spelling] not in allowed_names and name not in seen:
                seen.add(name)
                found.append(
                    Ungrounded(
                        name,
                        "name",
                        f"names {name!r}, which is not in this section's data; mention only listed signals",
                    )
                )
        for number in [*numbers_in(stripped), *spelled_figures(stripped)]:
            if number not in allowed_numbers and number not in seen:
                problem = _excused(stripped, number, allowed_numbers, lists)
                if problem is None:
                    continue
                seen.add(number)
                found.append(Ungrounded(number, "number", problem))
        for url in urls_in(stripped):
            if url not in allowed_numbers and url not in seen:
                seen.add(url)
                found.append(
                    Ungrounded(url, "link", f"links {url}, which is not in this section's data; give no links")
                )
    return found


def _kind_rules(output: Output, section_input: Input) -> Iterable[str]:
    if isinstance(output, GrowthOpportunities) and isinstance(section_input, CandidatesInput):
        scores = {candidate.name: candidate.score for candidate in section_input.candidates}
        for row in output.rows:
            if row.area not in scores:
                yield f"growth row {row.area!r} is not one of the candidate dimensions ({', '.join(scores)})"
            elif row.current_state != score_label(scores[row.area]):
                yield f"growth row {row.area!r} must have current_state '{score_label(scores[row.area])}'"
