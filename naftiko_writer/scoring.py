"""The deterministic scorer: company signals + taxonomy -> ScoreCard. No I/O.

For every dimension d (weights and thresholds come from taxonomy.yaml):

    points(s)   = kind_weight[kind(s)] * (1 + log2(evidence(s)))
    density(d)  = sum of points(s) over the signals s that count for d
    kinds(d)    = number of distinct kinds among those signals
    score(d)    = round_half_up(density(d) * (1 + diversity_bonus * (kinds(d) - 1)))

Density rewards many and well-evidenced signals; the diversity multiplier
rewards a dimension seen through services, tools, concepts and standards at
once. Sums use math.fsum, so the result does not depend on signal order, and
every list is sorted with explicit tie-breakers: same input, same bytes out.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from naftiko_writer.models import (
    KIND_ORDER,
    Candidate,
    CompanySignals,
    DimensionScore,
    Evidence,
    LayerScore,
    ScoreCard,
    SignalKind,
    Taxonomy,
    UnmatchedSignal,
)
from naftiko_writer.names import name_key, name_tokens
from naftiko_writer.signals import signals_digest

Match = tuple[str, tuple[int, ...]]
_Ranked = TypeVar("_Ranked", DimensionScore, LayerScore)


@dataclass(slots=True)
class _MergedSignal:
    """Input signals that resolve to one catalogue entry, merged (evidence added up)."""

    name: str
    count: int
    dimensions: tuple[int, ...]


@dataclass(frozen=True)
class _CatalogRule:
    kinds: frozenset[SignalKind] | None
    canonical: str
    dimensions: frozenset[int]


@dataclass
class SignalMatcher:
    """The signal catalogue compiled for fast lookup: name -> (canonical name, dimension indexes)."""

    taxonomy: Taxonomy
    _exact: dict[str, list[_CatalogRule]] = field(default_factory=dict)
    _by_kind: dict[SignalKind, frozenset[int]] = field(default_factory=dict)
    _prefixes: list[tuple[tuple[str, ...], frozenset[int]]] = field(default_factory=list)
    _memo: dict[tuple[SignalKind, str], Match] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Index the catalogue by name key."""
        index = {dimension.id: position for position, dimension in enumerate(self.taxonomy.dimensions)}
        catalog = self.taxonomy.catalog
        for entry in catalog.signals:
            rule = _CatalogRule(
                kinds=frozenset(entry.kinds) if entry.kinds else None,
                canonical=entry.name,
                dimensions=frozenset(index[d] for d in entry.dimensions),
            )
            for spelling in (entry.name, *entry.aliases):
                self._exact.setdefault(name_key(spelling), []).append(rule)
        self._by_kind = {kind: frozenset(index[d] for d in dims) for kind, dims in catalog.kind_rules.items()}
        self._prefixes = [
            (name_tokens(rule.prefix), frozenset(index[d] for d in rule.dimensions)) for rule in catalog.prefix_rules
        ]

    def match(self, kind: SignalKind, name: str) -> Match:
        """Return the canonical name of a signal and the sorted indexes of the dimensions it counts for."""
        memo_key = (kind, name)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached
        canonical = name
        dimensions: set[int] = set(self._by_kind.get(kind, ()))
        for rule in self._exact.get(name_key(name), ()):
            if rule.kinds is None or kind in rule.kinds:
                canonical = rule.canonical
                dimensions |= rule.dimensions
                break
        tokens = name_tokens(name)
        for prefix, prefix_dimensions in self._prefixes:
            if tokens[: len(prefix)] == prefix:
                dimensions |= prefix_dimensions
        result = (canonical, tuple(sorted(dimensions)))
        self._memo[memo_key] = result
        return result


class Scorer:
    """Scores companies against one taxonomy; reuse it to score many companies fast."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        """Compile the taxonomy's catalogue once."""
        self.taxonomy = taxonomy
        self.matcher = SignalMatcher(taxonomy)
        self._weights = {kind: taxonomy.scoring.kind_weights[kind] for kind in SignalKind}
        self._layers_of: dict[str, list[str]] = defaultdict(list)
        for layer in taxonomy.layers:
            for dimension_id in layer.dimensions:
                self._layers_of[dimension_id].append(layer.id)

    def score(self, company_signals: CompanySignals) -> ScoreCard:
        """Score one company."""
        taxonomy = self.taxonomy
        rules = taxonomy.scoring
        merged: dict[tuple[SignalKind, str], _MergedSignal] = {}
        unmatched: list[UnmatchedSignal] = []
        for signal in company_signals.signals:
            canonical, dimensions = self.matcher.match(signal.kind, signal.name)
            if not dimensions:
                unmatched.append(UnmatchedSignal.model_construct(name=signal.name, kind=signal.kind))
                continue
            key = (signal.kind, name_key(canonical))
            entry = merged.get(key)
            if entry is None:
                merged[key] = _MergedSignal(canonical, signal.evidence, dimensions)
            else:
                entry.count += signal.evidence

        per_dimension: list[list[Evidence]] = [[] for _ in taxonomy.dimensions]
        weights = self._weights
        for (kind, _), merged_signal in merged.items():
            points = weights[kind] * (1.0 + math.log2(merged_signal.count))
            item = Evidence.model_construct(
                name=merged_signal.name, kind=kind, count=merged_signal.count, points=round(points, 6)
            )
            for position in merged_signal.dimensions:
                per_dimension[position].append(item)

        scores = [self._dimension_score(position, items) for position, items in enumerate(per_dimension)]
        _assign_ranks(scores, lambda score: score.score)
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
            strengths=[_strength(s, len(scores)) for s in ordered if s.score > 0][: rules.strength_candidates],
            growth_opportunities=[_growth(s) for s in sorted(scores, key=lambda s: s.score)][: rules.growth_candidates],
            unmatched_signals=sorted(unmatched, key=lambda u: (KIND_ORDER.index(u.kind), name_key(u.name), u.name)),
        )

    def _dimension_score(self, position: int, items: list[Evidence]) -> DimensionScore:
        dimension = self.taxonomy.dimensions[position]
        rules = self.taxonomy.scoring
        grouped: dict[SignalKind, list[Evidence]] = {}
        for kind in KIND_ORDER:
            of_kind = [item for item in items if item.kind is kind]
            if of_kind:
                grouped[kind] = sorted(of_kind, key=lambda e: (-e.points, name_key(e.name), e.name))
        density = math.fsum(item.points for item in items)
        diversity = len(grouped)
        raw = density * (1.0 + rules.diversity_bonus * (diversity - 1)) if diversity else 0.0
        score = math.floor(raw + 0.5)
        return DimensionScore.model_construct(
            id=dimension.id,
            name=dimension.name,
            score=score,
            tier=rules.tier_of(score),
            rank=0,
            layers=list(self._layers_of[dimension.id]),
            density=round(density, 4),
            diversity=diversity,
            signal_count=len(items),
            evidence=grouped,
        )

    def _layer_scores(self, by_id: dict[str, DimensionScore]) -> list[LayerScore]:
        layers = []
        for number, layer in enumerate(self.taxonomy.layers, start=1):
            ranked = sorted(layer.dimensions, key=lambda d: -by_id[d].score)
            leading = ranked[0] if by_id[ranked[0]].score > 0 else None
            mean = math.fsum(by_id[d].score for d in layer.dimensions) / len(layer.dimensions)
            layers.append(
                LayerScore.model_construct(
                    id=layer.id,
                    number=number,
                    title=layer.title,
                    purpose=layer.purpose,
                    waves=list(layer.waves),
                    dimensions=ranked,
                    leading_dimension=leading,
                    mean_score=round(mean, 1),
                    tier=self.taxonomy.scoring.tier_of(by_id[ranked[0]].score),
                    rank=0,
                )
            )
        _assign_ranks(layers, lambda layer: layer.mean_score)
        return layers


def _assign_ranks(items: Sequence[_Ranked], value: Callable[[_Ranked], float]) -> None:
    """Competition ranking (1, 2, 2, 4) by descending value."""
    values = sorted((value(item) for item in items), reverse=True)
    for item in items:
        item.rank = values.index(value(item)) + 1


def _strength(score: DimensionScore, total: int) -> Candidate:
    names = ", ".join(score.evidence_names()[:5])
    kinds = ", ".join(kind.value for kind in score.evidence)
    reason = f"Rank {score.rank} of {total}; {score.signal_count} signals across {kinds}; strongest: {names}."
    return Candidate.model_construct(
        dimension=score.id, name=score.name, score=score.score, tier=score.tier, reason=reason
    )


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
    return Candidate.model_construct(
        dimension=score.id, name=score.name, score=score.score, tier=score.tier, reason=reason
    )


def score_company(company_signals: CompanySignals, taxonomy: Taxonomy) -> ScoreCard:
    """Score one company against a taxonomy (compiles the catalogue each call; use Scorer for many)."""
    return Scorer(taxonomy).score(company_signals)
