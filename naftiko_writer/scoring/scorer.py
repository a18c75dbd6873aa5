"""The deterministic scorer: company signals + taxonomy -> ScoreCard. No I/O.

For every dimension d (weights and thresholds come from taxonomy.yaml):

    points(s)   = kind_weight[kind(s)] * (1 + log2(evidence(s)))
    density(d)  = sum of points(s) over the signals s that count for d
    kinds(d)    = number of distinct kinds among those signals
    value(d)    = density(d) * (1 + diversity_bonus * (kinds(d) - 1))
    score(d)    = round_half_up(S * ln(1 + value(d) / S))   with S = saturation
                  (round_half_up(value(d)) for linear dimensions, or without saturation)

Density rewards many and well-evidenced signals; the diversity multiplier
rewards a dimension seen through services, tools, concepts and standards at
once. Saturation makes each further signal add a little less, so a company
listing thousands of signals lands in the range published reports show while
a small one keeps nearly linear scores (for value << S, score ~ value); it is
monotonic, so it never reorders dimensions. Breadth counts such as Services
(every service adds one) stay linear. Sums use math.fsum, so the result does not depend on signal order, and
every list is sorted with explicit tie-breakers: same input, same bytes out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from naftiko_writer.scoring.models import (
    KIND_ORDER,
    Candidate,
    CompanySignals,
    Coverage,
    DimensionScore,
    Evidence,
    LayerScore,
    ScoreCard,
    SignalKind,
    Taxonomy,
    UnmatchedSignal,
)
from naftiko_writer.scoring.names import distinct_names, name_key, name_tokens, singular, spelled_out
from naftiko_writer.scoring.signal_files import signals_digest

_Unmatched = tuple[int, str, str, UnmatchedSignal]
"""(kind position, name key, name, record): the sort key and record of a signal that counts nowhere."""
Match = tuple[str, tuple[SignalKind, str], tuple[int, ...], _Unmatched | None, _Unmatched | None]
"""Canonical name, (effective kind, name key), sorted dimension indexes, the unmatched entry when
there are none, and the uncounted entry when only a kind catch-all counted it."""
_RankedEvidence = tuple[int, float, int, str, Evidence]
"""(kind position, -points, -dimensions counted for, name key, evidence).

Within a kind, stronger signals come first and, among equals, those that count
for more dimensions (the more central ones), then by name. (kind, key) is unique
per company, so sorting never compares the evidence itself.
"""
MEMO_LIMIT = 1_000_000
"""Entries kept in each lookup cache before it is cleared, bounding memory on huge inputs."""
_KIND_POSITION = {kind: position for position, kind in enumerate(KIND_ORDER)}


class _CatalogRule(NamedTuple):
    kinds: frozenset[SignalKind] | None
    canonical: str
    key: str
    recognised_as: SignalKind | None
    dimensions: frozenset[int]


class _KeywordRule(NamedTuple):
    order: int
    kinds: frozenset[SignalKind] | None
    recognised_as: SignalKind | None
    dimensions: frozenset[int]


_Prefix = tuple[tuple[str, ...], frozenset[int]]
_Phrase = tuple[tuple[str, ...], _KeywordRule]


class CompiledCatalog(NamedTuple):
    """A taxonomy's catalogue compiled for lookup: every table a SignalMatcher reads, and nothing else.

    Built once per taxonomy and shared by its matchers (`compiled_catalog`); plain
    dictionaries, tuples and frozen records (named tuples: cheaper to define at start-up and to
    unpickle than dataclasses), so scoring/taxonomy_cache can store it.
    Words and phrases of keyword rules are in the singular (`names.singular`).
    """

    exact: dict[str, tuple[_CatalogRule, ...]]
    """Name key of every entry name and alias -> its entries, in file order."""
    exact_singular: dict[str, tuple[_CatalogRule, ...]]
    """The same, keyed with every word in the singular."""
    by_kind: dict[SignalKind, frozenset[int]]
    """Kind rules: kind -> dimension indexes."""
    prefixes: dict[str, tuple[_Prefix, ...]]
    """Vendor-family rules by their first word (a name is compared only with the rules its first word starts)."""
    words: dict[str, tuple[_KeywordRule, ...]]
    """Keyword rules by each of their one-word keywords: one lookup per word of a name."""
    phrases: dict[tuple[str, str], tuple[_Phrase, ...]]
    """Keyword rules by the first two words of each of their phrases of several words."""
    first_words: frozenset[str]
    """Every key of `words` and `phrases`: a name sharing none of them matches no keyword rule."""


def compile_catalog(taxonomy: Taxonomy) -> CompiledCatalog:
    """Index the catalogue by name key, keyword rules by word and prefix rules by first word."""
    index = {dimension.id: position for position, dimension in enumerate(taxonomy.dimensions)}
    catalog = taxonomy.catalog
    exact: dict[str, list[_CatalogRule]] = {}
    exact_singular: dict[str, list[_CatalogRule]] = {}
    for entry in catalog.signals:
        rule = _CatalogRule(
            kinds=frozenset(entry.kinds) if entry.kinds else None,
            canonical=entry.name,
            key=name_key(entry.name),
            recognised_as=entry.is_,
            dimensions=frozenset(index[d] for d in entry.dimensions),
        )
        for spelling in (entry.name, *entry.aliases):
            tokens = name_tokens(spelling)
            exact.setdefault("".join(tokens), []).append(rule)
            exact_singular.setdefault(_singular_key(tokens), []).append(rule)
    prefixes: dict[str, list[_Prefix]] = {}
    for prefix_rule in catalog.prefix_rules:
        prefix = name_tokens(prefix_rule.prefix)  # never empty: the taxonomy check refuses such a prefix
        prefixes.setdefault(prefix[0], []).append((prefix, frozenset(index[d] for d in prefix_rule.dimensions)))
    words: dict[str, list[_KeywordRule]] = {}
    phrases: dict[tuple[str, str], list[_Phrase]] = {}
    for order, keyword_rule in enumerate(catalog.keyword_rules):
        compiled = _KeywordRule(
            order=order,
            kinds=frozenset(keyword_rule.kinds) if keyword_rule.kinds else None,
            recognised_as=keyword_rule.is_,
            dimensions=frozenset(index[d] for d in keyword_rule.dimensions),
        )
        for word in keyword_rule.words:
            phrase = tuple(singular(token) for token in name_tokens(word))
            if len(phrase) == 1:
                words.setdefault(phrase[0], []).append(compiled)
            else:
                phrases.setdefault((phrase[0], phrase[1]), []).append((phrase, compiled))
    return CompiledCatalog(
        exact={key: tuple(rules) for key, rules in exact.items()},
        exact_singular={key: tuple(rules) for key, rules in exact_singular.items()},
        by_kind={kind: frozenset(index[d] for d in dims) for kind, dims in catalog.kind_rules.items()},
        prefixes={word: tuple(rules) for word, rules in prefixes.items()},
        words={word: tuple(rules) for word, rules in words.items()},
        phrases={words_: tuple(rules) for words_, rules in phrases.items()},
        first_words=frozenset(words) | frozenset(first for first, _ in phrases),
    )


_COMPILED: dict[int, tuple[Taxonomy, CompiledCatalog]] = {}
"""id(taxonomy) -> (that taxonomy object, held so that the id stays its own; its compiled catalogue), for the
last few taxonomy objects used."""
_COMPILED_KEPT = 8


def compiled_catalog(taxonomy: Taxonomy) -> CompiledCatalog:
    """The taxonomy's compiled catalogue, compiled on first use and shared while that taxonomy object is in use.

    Found by identity, so a taxonomy built or copied with other content (a test's variant under the same
    digest) gets its own, and several taxonomy objects in use by turns are not compiled again at each turn.
    """
    held = _COMPILED.get(id(taxonomy))
    if held is not None:  # the entry holds its taxonomy, so no other object can have taken this id
        return held[1]
    compiled = compile_catalog(taxonomy)
    remember_compiled(taxonomy, compiled)
    return compiled


def remember_compiled(taxonomy: Taxonomy, compiled: CompiledCatalog) -> None:
    """Share a compiled catalogue with every matcher of this taxonomy object (the taxonomy cache supplies it)."""
    _COMPILED.pop(id(taxonomy), None)
    _COMPILED[id(taxonomy)] = (taxonomy, compiled)
    while len(_COMPILED) > _COMPILED_KEPT:
        del _COMPILED[next(iter(_COMPILED))]


def _singular_key(tokens: Sequence[str]) -> str:
    """A name's key with every word in the singular: "Hybrid Clouds" and "hybrid cloud" share one."""
    return "".join(singular(token) for token in tokens)


def _applicable(rules: Sequence[_CatalogRule], kind: SignalKind) -> _CatalogRule | None:
    """The first of a name's entries that applies to a signal of this kind."""
    return next((rule for rule in rules if rule.kinds is None or kind in rule.kinds), None)


@dataclass
class SignalMatcher:
    """The signal catalogue compiled for fast lookup: name -> (canonical name, dimension indexes).

    Precedence, for a signal of kind k named n:
    1. an exact catalogue entry (name or alias, case- and punctuation-insensitive) wins: its
       dimensions count, and keyword rules are not consulted. Failing the whole name, the entry of
       its spelled-out form counts ("Infrastructure as Code (IaC)" is "Infrastructure as Code"),
       then, for a name of several words, the entry of the same words in the other number
       ("Hybrid Clouds" is "hybrid cloud");
    2. otherwise every keyword rule holding a whole word or phrase of n adds its dimensions;
    3. vendor-family (prefix) rules add their dimensions in either case;
    4. what n *is* (an entry's `is`, else the first matching keyword rule's `is`, else k) is the
       signal's effective kind: it sets the kind weight and the kind rule that applies
       (every service counts for Services, every language for Languages).
    A signal is *counted* (coverage) when step 1, 2 or 3 recognised it.
    """

    taxonomy: Taxonomy
    _catalog: CompiledCatalog = field(init=False, repr=False)
    _memo: dict[tuple[SignalKind, str], Match] = field(default_factory=dict, repr=False)
    _singulars: dict[str, str] = field(default_factory=dict, repr=False)
    """Word -> its singular: words repeat across names far more than names do."""

    def __post_init__(self) -> None:
        """Take the taxonomy's compiled catalogue (compiled now unless already compiled or cached)."""
        self._catalog = compiled_catalog(self.taxonomy)

    def _folded(self, tokens: tuple[str, ...]) -> list[str]:
        """A name's words in the singular."""
        memo = self._singulars
        folded = []
        for token in tokens:
            word = memo.get(token)
            if word is None:
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                word = memo[token] = singular(token)
            folded.append(word)
        return folded

    def _keyword_rules(self, kind: SignalKind, folded: list[str]) -> list[_KeywordRule]:
        """The keyword rules whose word or phrase occurs in a name's words (in the singular), in file order."""
        catalog = self._catalog
        if catalog.first_words.isdisjoint(folded):
            return []
        found: dict[int, _KeywordRule] = {}
        words, phrases = catalog.words, catalog.phrases
        for position, token in enumerate(folded):
            for rule in words.get(token, ()):
                if rule.kinds is None or kind in rule.kinds:
                    found.setdefault(rule.order, rule)
            if position + 1 < len(folded):
                for phrase, rule in phrases.get((token, folded[position + 1]), ()):
                    if (rule.kinds is None or kind in rule.kinds) and (
                        len(phrase) == 2 or tuple(folded[position : position + len(phrase)]) == phrase
                    ):
                        found.setdefault(rule.order, rule)
        if len(found) < 2:
            return list(found.values())
        return [found[order] for order in sorted(found)]

    def match(self, kind: SignalKind, name: str) -> Match:
        """Resolve a signal to its canonical name, (effective kind, name key) and dimension indexes (memoised)."""
        memo_key = (kind, name)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        catalog = self._catalog
        tokens = name_tokens(name)
        key = "".join(tokens)
        canonical = name
        effective = kind
        dimensions: set[int] = set()
        rules = catalog.exact.get(key)
        exact = _applicable(rules, kind) if rules else None
        if exact is None and "(" in name:  # only a bracketed name has a spelled-out form
            for spelling in spelled_out(name):
                rules = catalog.exact.get(name_key(spelling))
                exact = _applicable(rules, kind) if rules else None
                if exact is not None:
                    break
        folded: list[str] | None = None
        if exact is None and len(tokens) > 1:
            folded = self._folded(tokens)
            rules = catalog.exact_singular.get("".join(folded))
            exact = _applicable(rules, kind) if rules else None
        if exact is not None:
            canonical, key = exact.canonical, exact.key
            dimensions.update(exact.dimensions)
            effective = exact.recognised_as or kind
        else:
            recognised: SignalKind | None = None
            for keyword_rule in self._keyword_rules(kind, folded if folded is not None else self._folded(tokens)):
                dimensions |= keyword_rule.dimensions
                recognised = recognised or keyword_rule.recognised_as
            effective = recognised or kind
        for prefix, prefix_dimensions in catalog.prefixes.get(tokens[0], ()) if tokens else ():
            if tokens[: len(prefix)] == prefix:
                dimensions |= prefix_dimensions
        counted = exact is not None or bool(dimensions)
        dimensions |= catalog.by_kind.get(effective, frozenset())
        unmatched = uncounted = None
        if not counted or not dimensions:
            record = (_KIND_POSITION[kind], key, name, UnmatchedSignal(name, kind))
            unmatched = None if dimensions else record
            uncounted = None if counted else record
        result = (canonical, (effective, key), tuple(sorted(dimensions)), unmatched, uncounted)
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        self._memo[memo_key] = result
        return result


class Scorer:
    """Scores companies against one taxonomy; reuse it to score many companies fast."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        """Compile the taxonomy's catalogue once."""
        self.taxonomy = taxonomy
        self.matcher = SignalMatcher(taxonomy)
        self._weights = {kind: taxonomy.scoring.kind_weights[kind] for kind in SignalKind}
        self._evidence_memo: dict[tuple[SignalKind, str, int], _RankedEvidence] = {}
        rules = taxonomy.scoring
        self._saturation: list[float | None] = [
            None
            if dimension.id in rules.linear_dimensions
            else rules.dimension_saturation.get(dimension.id, rules.saturation)
            for dimension in taxonomy.dimensions
        ]
        self._layers_of: dict[str, tuple[str, ...]] = {
            dimension.id: tuple(layer.id for layer in taxonomy.layers if dimension.id in layer.dimensions)
            for dimension in taxonomy.dimensions
        }

    def score_many(self, companies: Iterable[CompanySignals]) -> Iterator[ScoreCard]:
        """Score companies one after another, sharing this scorer's lookup caches.

        Scoring makes no reference cycles (reference counting frees everything, a test checks it), so
        a caller scoring thousands may tune or pause Python's cyclic collector around this: that policy
        belongs to the process (the CLI sets it in `cli.main`, the benchmark does as the CLI), not here.
        """
        for company_signals in companies:
            yield self.score(company_signals)

    def score(self, company_signals: CompanySignals) -> ScoreCard:
        """Score one company."""
        taxonomy = self.taxonomy
        rules = taxonomy.scoring
        counts: dict[tuple[SignalKind, str], int] = {}
        first_match: dict[tuple[SignalKind, str], Match] = {}
        unmatched: list[_Unmatched] = []
        uncounted: list[_Unmatched] = []
        memo_get, match = self.matcher._memo.get, self.matcher.match
        for signal in company_signals.signals:
            matched = memo_get((signal.kind, signal.name)) or match(signal.kind, signal.name)
            if matched[4] is not None:
                uncounted.append(matched[4])
            if matched[3] is not None:
                unmatched.append(matched[3])
                continue
            merged_key = matched[1]
            count = counts.get(merged_key)
            if count is None:
                counts[merged_key] = signal.evidence
                first_match[merged_key] = matched
            else:  # aliases of one signal: one signal, evidence added up
                counts[merged_key] = count + signal.evidence

        # Sort the merged signals once, by kind, then strongest first, then by name; distributing
        # them in this order leaves every dimension's evidence grouped and sorted, and every sum
        # independent of input order.
        ranked: list[tuple[_RankedEvidence, tuple[int, ...]]] = []
        evidence_get = self._evidence_memo.get
        for merged_key, count in counts.items():
            canonical, (_, key), dimensions, _, _ = first_match[merged_key]
            entry = evidence_get((merged_key[0], canonical, count)) or self._evidence(
                merged_key[0], canonical, key, count, len(dimensions)
            )
            ranked.append((entry, dimensions))
        ranked.sort()
        dimension_count = len(taxonomy.dimensions)
        per_dimension: list[list[_RankedEvidence]] = [[] for _ in range(dimension_count)]
        for entry, dimensions in ranked:
            for position in dimensions:
                per_dimension[position].append(entry)

        parts = [
            self._dimension_parts(entries, self._saturation[position]) for position, entries in enumerate(per_dimension)
        ]
        ranks = competition_ranks([score for score, _, _ in parts])
        scores = [
            self._dimension_score(
                position, *parts[position], rank=ranks[position], signal_count=len(per_dimension[position])
            )
            for position in range(dimension_count)
        ]
        by_id = {score.id: score for score in scores}
        ordered = sorted(scores, key=lambda s: -s.score)  # stable: ties keep taxonomy order
        top = [s.id for s in ordered if s.score > 0][: rules.top_dimensions]
        return ScoreCard.model_construct(
            company=company_signals.company,
            taxonomy_version=taxonomy.version,
            taxonomy_digest=taxonomy.digest,
            signals_digest=signals_digest(company_signals),
            signal_count=len(company_signals.signals),
            dimensions=scores,
            layers=self._layer_scores(by_id),
            top_dimensions=top,
            strengths=[_strength(s, len(scores)) for s in ordered[: rules.strength_candidates] if s.score > 0],
            growth_opportunities=[_growth(s) for s in sorted(scores, key=lambda s: s.score)[: rules.growth_candidates]],
            unmatched_signals=[entry[3] for entry in sorted(unmatched, key=_UNMATCHED_ORDER)],
            coverage=Coverage(
                signals=len(company_signals.signals),
                counted=len(company_signals.signals) - len(uncounted),
                uncounted=len(uncounted),
            ),
            uncounted_signals=[entry[3] for entry in sorted(uncounted, key=_UNMATCHED_ORDER)],
        )

    def _evidence(self, kind: SignalKind, canonical: str, key: str, count: int, breadth: int) -> _RankedEvidence:
        """The evidence item of a merged signal with its sort key; shared between companies."""
        memo_key = (kind, canonical, count)
        cached = self._evidence_memo.get(memo_key)
        if cached is None:
            if len(self._evidence_memo) >= MEMO_LIMIT:
                self._evidence_memo.clear()
            points = round(self._weights[kind] * (1.0 + math.log2(count)), 6)
            cached = (_KIND_POSITION[kind], -points, -breadth, key, Evidence(canonical, kind, count, points))
            self._evidence_memo[memo_key] = cached
        return cached

    def _dimension_parts(
        self, entries: list[_RankedEvidence], saturation: float | None
    ) -> tuple[int, float, dict[SignalKind, list[Evidence]]]:
        """Score, density and kind-grouped evidence of one dimension.

        value = density * (1 + diversity_bonus * (kinds - 1)); score = round_half_up(S * ln(1 + value / S)),
        or round_half_up(value) without saturation; 0 without evidence.
        """
        if not entries:
            return 0, 0.0, {}
        grouped = {
            KIND_ORDER[kind_position]: [entry[4] for entry in group]
            for kind_position, group in groupby(entries, key=itemgetter(0))
        }
        density = -math.fsum(map(_NEGATIVE_POINTS, entries))  # entries hold -points for sorting
        value = density * (1.0 + self.taxonomy.scoring.diversity_bonus * (len(grouped) - 1))
        if saturation is not None:
            value = saturation * math.log1p(value / saturation)
        return math.floor(value + 0.5), density, grouped

    def _dimension_score(
        self,
        position: int,
        score: int,
        density: float,
        grouped: dict[SignalKind, list[Evidence]],
        *,
        rank: int,
        signal_count: int,
    ) -> DimensionScore:
        dimension = self.taxonomy.dimensions[position]
        return DimensionScore(
            id=dimension.id,
            name=dimension.name,
            score=score,
            tier=self.taxonomy.scoring.tier_of(score),
            rank=rank,
            layers=self._layers_of[dimension.id],
            density=round(density, 4),
            diversity=len(grouped),
            signal_count=signal_count,
            evidence=grouped,
        )

    def _layer_scores(self, by_id: dict[str, DimensionScore]) -> list[LayerScore]:
        tier_of = self.taxonomy.scoring.tier_of
        means = [
            round(math.fsum(by_id[d].score for d in layer.dimensions) / len(layer.dimensions), 1)
            for layer in self.taxonomy.layers
        ]
        ranks = competition_ranks(means)
        layers = []
        for index, layer in enumerate(self.taxonomy.layers):
            ranked = sorted(layer.dimensions, key=lambda d: -by_id[d].score)
            leader = by_id[ranked[0]]
            layers.append(
                LayerScore(
                    id=layer.id,
                    number=index + 1,
                    title=layer.title,
                    purpose=layer.purpose,
                    waves=list(layer.waves),
                    dimensions=ranked,
                    leading_dimension=leader.id if leader.score > 0 else None,
                    mean_score=means[index],
                    tier=tier_of(leader.score),
                    rank=ranks[index],
                )
            )
        return layers


_UNMATCHED_ORDER = itemgetter(0, 1, 2)
"""Unmatched signals sort by kind, name key, name."""
_NEGATIVE_POINTS = itemgetter(1)


def competition_ranks(values: Sequence[float]) -> list[int]:
    """Rank values in descending order, ties sharing a rank: [5, 9, 9, 1] -> [3, 1, 1, 4]."""
    first_position: dict[float, int] = {}
    for position, value in enumerate(sorted(values, reverse=True), start=1):
        first_position.setdefault(value, position)
    return [first_position[value] for value in values]


def _strength(score: DimensionScore, total: int) -> Candidate:
    names = ", ".join(distinct_names((item.name for items in score.evidence.values() for item in items), limit=5))
    kinds = ", ".join(kind.value for kind in score.evidence)
    reason = f"Rank {score.rank} of {total}; {score.signal_count} signals across {kinds}; strongest: {names}."
    return Candidate(dimension=score.id, name=score.name, score=score.score, tier=score.tier, reason=reason)


def _growth(score: DimensionScore) -> Candidate:
    if score.score == 0:
        reason = "No signal in the data counts for this dimension."
    else:
        missing = [
            kind.value
            for kind in (SignalKind.SERVICE, SignalKind.TOOL, SignalKind.CONCEPT)
            if kind not in score.evidence
        ]
        gap = f" No {' or '.join(missing)} signals." if missing else ""
        reason = f"{score.signal_count} signal{'s' if score.signal_count != 1 else ''} only.{gap}"
    return Candidate(dimension=score.id, name=score.name, score=score.score, tier=score.tier, reason=reason)


def score_company(company_signals: CompanySignals, taxonomy: Taxonomy) -> ScoreCard:
    """Score one company against a taxonomy (compiles the catalogue each call; use Scorer for many)."""
    return Scorer(taxonomy).score(company_signals)
