"""Evidence that matters first: a dimension's signals as ranked, merged mentions. Pure.

The scorer keeps a dimension's evidence grouped by kind, strongest first, and a
name filed under several kinds appears once per kind. A reader wants the
opposite: one mention per name, the names that define the dimension first.
This module turns a ScoreCard's evidence into that, deterministically:

- **one mention per name**: items whose name keys agree (case, punctuation and
  spacing ignored) merge; their kinds are listed, their observations and points
  added up;
- **named or not is data**: a mention *names a product or vendor* when the
  taxonomy recognises it by a catalogue entry whose canonical spelling is a
  proper name (the catalogue's convention: generic vocabulary is written in
  lower case), that is not a concept and not marked `generic` (Agile, ETL,
  MLOps), or by a vendor family (prefix rule).
  Keyword and phrase matches ("cloud native", "Cloud Infrastructure") are not;
- **ranked by specificity to the dimension**: products and vendors (named services
  and tools), then named standards and languages, then phrases; within each,
  those whose catalogue entry lists the dimension first (its *focus*) before
  those that only touch it; names counting for a few dimensions before those
  counting for many (`BROAD`); then evidence weight (points); then, among
  equals, the wider platform before its parts; then name.

For the service kind's catch-all dimension (every service counts for Services)
no entry lists it, so focus there is the mention's own primary dimension: mentions are grouped by it (cloud providers, data platforms,
...), the groups ordered by that dimension's score for the company, those of the
catch-all's own layer last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from naftiko_writer.scoring.models import KIND_ORDER, DimensionScore, ScoreCard, SignalKind, Taxonomy
from naftiko_writer.scoring.names import name_key, name_tokens

BROAD = 4
"""A name counting for more topical dimensions than this is broad (office suites, hyperscalers' umbrella names)."""


@dataclass(frozen=True, slots=True)
class Mention:
    """One name behind a dimension, every kind it was filed under merged."""

    name: str
    kinds: tuple[SignalKind, ...]
    observations: int
    points: float
    named: bool
    """A product or vendor (a proper-named catalogue entry or a vendor family), not a phrase."""
    focus: str | None
    """The dimension id the name is mainly about (its entry's first dimension), when known."""
    breadth: int
    """How many topical dimensions (kind catch-alls excluded) the name counts for at this company."""

    @property
    def product(self) -> bool:
        """A named service or tool: a product or vendor (a named standard or language is specific, but no product)."""
        return self.named and self.kinds[0] in (SignalKind.SERVICE, SignalKind.TOOL)


@dataclass(frozen=True, slots=True)
class MentionGroup:
    """Named mentions of a catch-all dimension that share a primary dimension."""

    dimension: str
    """The primary dimension's name."""
    score: int
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RankedEvidence:
    """A dimension's evidence, ranked, with the exact counts prose may state."""

    mentions: tuple[Mention, ...]
    """Every mention, most specific first."""
    groups: tuple[MentionGroup, ...] = ()
    """For a kind's catch-all dimension: its named mentions by primary dimension, highest score first."""

    @property
    def named(self) -> list[Mention]:
        """Products and vendors, most specific first."""
        return [mention for mention in self.mentions if mention.named]

    @property
    def unnamed(self) -> list[Mention]:
        """Phrases and keyword matches, strongest first."""
        return [mention for mention in self.mentions if not mention.named]

    def named_by_kind(self) -> dict[SignalKind, int]:
        """How many named mentions there are per kind (a mention counts under its first kind)."""
        return _by_kind(self.named)

    def unnamed_by_kind(self) -> dict[SignalKind, int]:
        """How many unnamed mentions there are per kind (a mention counts under its first kind)."""
        return _by_kind(self.unnamed)


def _by_kind(mentions: Sequence[Mention]) -> dict[SignalKind, int]:
    counts: dict[SignalKind, int] = {}
    for mention in mentions:
        counts[mention.kinds[0]] = counts.get(mention.kinds[0], 0) + 1
    return {kind: counts[kind] for kind in KIND_ORDER if kind in counts}


@dataclass(frozen=True)
class ProductIndex:
    """What the taxonomy says about names: which are products or vendors, and what each is mainly about."""

    entries: dict[str, tuple[bool, str | None]]
    """Name key of every entry's canonical name -> (named, first dimension)."""
    families: tuple[tuple[tuple[str, ...], str], ...]
    """Vendor-family prefixes (as tokens) and their first dimension, longest first."""
    catch_alls: frozenset[str]
    """Dimensions a kind rule fills (Services, Languages)."""
    service_catch_alls: frozenset[str] = frozenset()
    """Those filled by the service kind (Services): their products are grouped by what they are for."""

    _described: dict[str, tuple[bool, str | None]] = field(default_factory=dict, compare=False, repr=False)
    """Names described so far: a fleet meets the same names in many companies, and an unknown name is tried
    against every vendor family (a tenth of a template fleet's time)."""

    def describe(self, name: str) -> tuple[bool, str | None]:
        """(named, focus) of a name as the scorer spells it (an entry's canonical name, or the signal's own)."""
        described = self._described.get(name)
        if described is not None:
            return described
        described = self.entries.get(name_key(name)) or self._by_family(name)
        if len(self._described) >= 200_000:
            self._described.clear()
        self._described[name] = described
        return described

    def _by_family(self, name: str) -> tuple[bool, str | None]:
        tokens = name_tokens(name)
        for prefix, first in self.families:
            if tokens[: len(prefix)] == prefix:
                return True, first
        return False, None


_INDEXES: dict[str, ProductIndex] = {}


def product_index(taxonomy: Taxonomy) -> ProductIndex:
    """The taxonomy's product index (built once per taxonomy digest)."""
    known = _INDEXES.get(taxonomy.digest)
    if known is not None:
        return known
    entries: dict[str, tuple[bool, str | None]] = {}
    for entry in taxonomy.catalog.signals:
        concept = entry.is_ is SignalKind.CONCEPT or (
            entry.kinds is not None and set(entry.kinds) == {SignalKind.CONCEPT}
        )
        named = any(ch.isupper() or ch.isdigit() for ch in entry.name) and not (concept or entry.generic)
        entries.setdefault(name_key(entry.name), (named, entry.dimensions[0] if entry.dimensions else None))
    families = sorted(
        ((name_tokens(rule.prefix), rule.dimensions[0]) for rule in taxonomy.catalog.prefix_rules),
        key=lambda family: -len(family[0]),
    )
    catch_alls = frozenset(d for dimensions in taxonomy.catalog.kind_rules.values() for d in dimensions)
    services = frozenset(taxonomy.catalog.kind_rules.get(SignalKind.SERVICE, ()))
    index = ProductIndex(entries, tuple(families), catch_alls, services)
    if len(_INDEXES) > 8:
        _INDEXES.clear()
    _INDEXES[taxonomy.digest] = index
    return index


def name_breadth(card: ScoreCard, catch_alls: frozenset[str]) -> dict[str, int]:
    """Name key -> how many topical dimensions count it at this company."""
    breadth: dict[str, int] = {}
    for dimension in card.dimensions:
        if dimension.id in catch_alls:
            continue
        for key in {name_key(item.name) for items in dimension.evidence.values() for item in items}:
            breadth[key] = breadth.get(key, 0) + 1
    return breadth


@dataclass
class _Merging:
    name: str
    kinds: list[SignalKind]
    observations: int
    points: float


def merge_mentions(dimension: DimensionScore, index: ProductIndex, breadth: dict[str, int]) -> list[Mention]:
    """The dimension's evidence as one mention per name (kinds in kind order), unranked."""
    merged: dict[str, _Merging] = {}
    for kind in KIND_ORDER:
        for item in dimension.evidence.get(kind, ()):
            key = name_key(item.name)
            held = merged.get(key)
            if held is None:
                merged[key] = _Merging(item.name, [kind], item.count, item.points)
            else:
                if kind not in held.kinds:
                    held.kinds.append(kind)
                held.observations += item.count
                held.points += item.points
    mentions = []
    for key, held in merged.items():
        named, focus = index.describe(held.name)
        mentions.append(
            Mention(
                name=held.name,
                kinds=tuple(held.kinds),
                observations=held.observations,
                points=round(held.points, 6),
                named=named,
                focus=focus,
                breadth=breadth.get(key, 0),
            )
        )
    return mentions


def _standing(mention: Mention) -> int:
    """0 for a product or vendor, 1 for a named standard or language, 2 for a phrase."""
    return 0 if mention.product else 1 if mention.named else 2


def specificity_key(mention: Mention, dimension_id: str) -> tuple[int, int, int, float, int, str]:
    """Sort key: products, then named standards and languages, then phrases; then focus, breadth, points, name.

    Among equals, a name counting for more (but not too many) dimensions comes first: the platform
    (Amazon Web Services) before its parts (Amazon S3).
    """
    return (
        _standing(mention),
        0 if mention.focus == dimension_id else 1,
        0 if mention.breadth <= BROAD else 1,
        -mention.points,
        -mention.breadth,
        name_key(mention.name),
    )


def rank_evidence(card: ScoreCard, taxonomy: Taxonomy) -> dict[str, RankedEvidence]:
    """Every dimension's evidence, merged and ranked (see the module docstring)."""
    index = product_index(taxonomy)
    breadth = name_breadth(card, index.catch_alls)
    scores = {dimension.id: dimension for dimension in card.dimensions}
    ranked: dict[str, RankedEvidence] = {}
    for dimension in card.dimensions:
        mentions = merge_mentions(dimension, index, breadth)
        if dimension.id in index.service_catch_alls:
            siblings = {d for layer in card.layers if dimension.id in layer.dimensions for d in layer.dimensions}
            ranked[dimension.id] = _catch_all(mentions, scores, frozenset(siblings))
        else:
            mentions.sort(key=lambda mention: specificity_key(mention, dimension.id))
            ranked[dimension.id] = RankedEvidence(tuple(mentions))
    return ranked


def _catch_all(
    mentions: Sequence[Mention], scores: dict[str, DimensionScore], siblings: frozenset[str]
) -> RankedEvidence:
    """A catch-all's mentions: named ones grouped by primary dimension, highest-scoring group first.

    Groups about a dimension of the catch-all's own layer come last: they restate the layer
    (office suites are Software As A Service beside Services) rather than say what the services are for.
    """

    def group_score(mention: Mention) -> int:
        held = scores.get(mention.focus) if mention.focus else None
        return held.score if held is not None else -1

    def key(mention: Mention) -> tuple[int, int, int, str, int, float, str]:
        return (
            _standing(mention),
            1 if mention.focus in siblings else 0,
            -group_score(mention),
            mention.focus or "",
            0 if mention.breadth <= BROAD else 1,
            -mention.points,
            name_key(mention.name),
        )

    ordered = sorted(mentions, key=key)
    groups: list[MentionGroup] = []
    for mention in ordered:
        if not mention.product or mention.focus is None or mention.focus not in scores:
            continue
        focus = scores[mention.focus]
        if groups and groups[-1].dimension == focus.name:
            last = groups[-1]
            groups[-1] = MentionGroup(last.dimension, last.score, (*last.names, mention.name))
        else:
            groups.append(MentionGroup(focus.name, focus.score, (mention.name,)))
    return RankedEvidence(tuple(ordered), tuple(groups))


DOMINANT_SHARE = 0.25
"""A product dominates a dimension when its points are at least this share of the dimension's."""
DOMINANT_OBSERVATIONS = 3
"""... and it is seen at least this many times (one sighting dominates nothing)."""


def dominant_mention(evidence: RankedEvidence) -> Mention | None:
    """The product that outweighs the rest of the dimension's evidence, if one does."""
    total = sum(mention.points for mention in evidence.mentions)
    heaviest = max(
        (mention for mention in evidence.mentions if mention.product),
        key=lambda mention: (mention.points, -len(mention.name)),
        default=None,
    )
    if (
        heaviest is None
        or len(evidence.mentions) < 3
        or heaviest.observations < DOMINANT_OBSERVATIONS
        or heaviest.points < DOMINANT_SHARE * total
    ):
        return None
    return heaviest


_LAST: list[tuple[ScoreCard, str, dict[str, RankedEvidence]]] = []


def evidence_of(card: ScoreCard, taxonomy: Taxonomy) -> dict[str, RankedEvidence]:
    """`rank_evidence`, remembered for the last card (a report asks for it once per section)."""
    if _LAST and _LAST[0][0] is card and _LAST[0][1] == taxonomy.digest:
        return _LAST[0][2]
    ranked = rank_evidence(card, taxonomy)
    _LAST[:] = [(card, taxonomy.digest, ranked)]
    return ranked


def leading_names(card: ScoreCard, taxonomy: Taxonomy, dimension_id: str, limit: int) -> tuple[list[str], list[str]]:
    """The dimension's first `limit` names, most specific first, and those of them that are products."""
    mentions = evidence_of(card, taxonomy)[dimension_id].mentions[:limit]
    return [mention.name for mention in mentions], [mention.name for mention in mentions if mention.product]
