"""Pydantic shapes: company signal files, the taxonomy, and the ScoreCard.

Models read from files forbid unknown keys so a typo is an error, not a
silently ignored setting. Field descriptions document the formats (docs/signals.md).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from naftiko_writer.errors import InputError
from naftiko_writer.formats import SCORECARD_FORMAT, check_format_version
from naftiko_writer.scoring.text_forms import clean_name

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
DIMENSION_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class FileModel(BaseModel):
    """Base for models read from files: unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False
    )  # NaN or infinity: never a number of a file


class SignalKind(StrEnum):
    """The five kinds of signal; values are the spelling used in files and on the CLI."""

    SERVICE = "service"
    TOOL = "tool"
    CONCEPT = "concept"
    STANDARD = "standard"
    LANGUAGE = "language"


KIND_ORDER: tuple[SignalKind, ...] = tuple(SignalKind)


# --- company signal files ----------------------------------------------------------


MAX_EVIDENCE = 1_000_000
"""The most observations one signal may claim; more is a data error that would dwarf every other signal."""


def _clean_name(value: str) -> str:
    """A name as every reader of it sees it (scoring/text_forms.clean_name); blank is an error."""
    cleaned = clean_name(value)
    if not cleaned:
        raise ValueError("name is blank")
    return cleaned


class Company(FileModel):
    """Who the signals describe."""

    name: str = Field(min_length=1, max_length=200, description="Company name as printed in the report.")
    slug: str = Field(pattern=SLUG_PATTERN, description="Lower-case id used on the command line, e.g. `spotify`.")
    as_of: dt.date | None = Field(
        default=None, description="Date the signal data describes (YYYY-MM-DD); absent when the source gives none."
    )
    industry: str | None = Field(
        default=None, min_length=1, max_length=100, description="The company's industry, e.g. `Financial`."
    )
    description: str | None = Field(
        default=None,
        min_length=1,
        max_length=400,
        description="One or two sentences on what the company is: the only source of a draft's company context.",
    )

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        return _clean_name(value)

    @field_validator("industry", "description")
    @classmethod
    def _strip_profile(cls, value: str | None) -> str | None:
        return None if value is None else _clean_name(value)


class Signal(FileModel):
    """One technology signal observed for the company."""

    kind: SignalKind = Field(description="service, tool, concept, standard or language.")
    name: str = Field(min_length=1, max_length=300, description="Name as observed, e.g. `Amazon Web Services`.")
    evidence: int = Field(
        default=1, ge=1, description="How many independent observations support it (default 1, at most 1,000,000)."
    )
    sources: list[str] = Field(default_factory=list, description="Optional references (URLs, document ids).")

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        return _clean_name(value)

    @field_validator("evidence", mode="before")
    @classmethod
    def _no_boolean(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("must be a whole number of observations, not true or false")
        return value

    @field_validator("evidence")
    @classmethod
    def _at_most(cls, value: int) -> int:
        if value > MAX_EVIDENCE:
            raise ValueError(f"at most {MAX_EVIDENCE:,} observations; check the count")
        return value


class CompanySignals(FileModel):
    """A company signal file: who, as of when, and the signals."""

    company: Company
    signals: list[Signal] = Field(description="The observed signals; names must be unique within a kind.")


# --- taxonomy --------------------------------------------------------------------------


class TierRule(FileModel):
    """A score tier and the lowest score that reaches it."""

    name: str = Field(min_length=1)
    min_score: int = Field(ge=0)


class ScoringRules(FileModel):
    """Weights and thresholds of the scoring formula (see docs/scoring.md)."""

    kind_weights: dict[SignalKind, float]
    diversity_bonus: float = Field(ge=0)
    saturation: float | None = Field(
        default=None,
        gt=0,
        description="S in score = S·ln(1 + value/S): scores grow ever slower with more signals; None keeps them linear.",
    )
    linear_dimensions: list[str] = Field(
        default_factory=list, description="Dimensions exempt from saturation (breadth counts such as Services)."
    )
    dimension_saturation: dict[str, float] = Field(
        default_factory=dict, description="A dimension's own S where it differs from `saturation`."
    )
    tiers: list[TierRule] = Field(min_length=1)
    top_dimensions: int = Field(ge=1)
    strength_candidates: int = Field(ge=1)
    growth_candidates: int = Field(ge=1)

    @model_validator(mode="after")
    def _check(self) -> ScoringRules:
        missing = [kind.value for kind in SignalKind if kind not in self.kind_weights]
        if missing:
            raise ValueError(f"kind_weights lacks {', '.join(missing)}")
        if any(weight <= 0 for weight in self.kind_weights.values()):
            raise ValueError("kind_weights must all be positive")
        floors = [tier.min_score for tier in self.tiers]
        if floors != sorted(floors, reverse=True) or len(set(floors)) != len(floors):
            raise ValueError("tiers must be listed from highest min_score to lowest, without repeats")
        if floors[-1] != 0:
            raise ValueError("the last tier must have min_score 0")
        if any(value <= 0 for value in self.dimension_saturation.values()):
            raise ValueError("dimension_saturation values must all be positive")
        overlap = sorted(set(self.dimension_saturation) & set(self.linear_dimensions))
        if overlap:
            raise ValueError(f"{', '.join(overlap)} cannot be both linear and saturated")
        return self

    def tier_of(self, score: int) -> str:
        """Return the name of the tier a score falls in."""
        for tier in self.tiers:
            if score >= tier.min_score:
                return tier.name
        return self.tiers[-1].name


class Layer(FileModel):
    """One of the report's layers."""

    id: str = Field(pattern=DIMENSION_ID_PATTERN)
    title: str = Field(min_length=1)
    purpose: str = Field(min_length=1)
    dimensions: list[str] = Field(min_length=1)
    waves: list[str] = Field(default_factory=list)


class Dimension(FileModel):
    """A scored dimension; one score even when several layers show it."""

    id: str = Field(pattern=DIMENSION_ID_PATTERN)
    name: str = Field(min_length=1)
    short_name: str | None = None
    description: str = Field(min_length=1)


class TaxonomyFile(FileModel):
    """The shape of taxonomy/taxonomy.yaml."""

    version: str = Field(min_length=1)
    kinds: dict[SignalKind, str]
    scoring: ScoringRules
    layers: list[Layer] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)


class CatalogEntry(FileModel):
    """A known signal: its canonical name, aliases and the dimensions it counts for."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    kinds: list[SignalKind] | None = Field(
        default=None, description="Only signals of these kinds match; any if absent."
    )
    is_: SignalKind | None = Field(
        default=None,
        alias="is",
        description="What the name is, whatever list it came in (Python filed as a tool is a language).",
    )
    dimensions: list[str] = Field(default_factory=list)
    generic: bool = Field(
        default=False,
        description="A practice, method or category written as a proper name (Agile, ETL, MLOps): "
        "not a product or vendor, so drafts do not lead a dimension with it.",
    )

    @model_validator(mode="after")
    def _counts_somewhere(self) -> CatalogEntry:
        if not self.dimensions and self.is_ is None:
            raise ValueError("an entry needs `dimensions`, `is`, or both")
        return self


class PrefixRule(FileModel):
    """Vendor family: every signal whose name starts with these words counts for these dimensions."""

    prefix: str = Field(min_length=1)
    dimensions: list[str] = Field(min_length=1)


class KeywordRule(FileModel):
    """Every signal whose name holds one of these whole words or phrases counts for these dimensions."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    words: list[str] = Field(min_length=1, description='Words or phrases, matched as whole words ("event driven").')
    kinds: list[SignalKind] | None = Field(
        default=None, description="Only signals of these kinds match; any if absent."
    )
    is_: SignalKind | None = Field(
        default=None, alias="is", description="What a matching name is (ISO ... is a standard)."
    )
    dimensions: list[str] = Field(min_length=1)


class SignalCatalog(FileModel):
    """The shape of taxonomy/signals.yaml and of every taxonomy/catalogue/*.yaml file."""

    kind_rules: dict[SignalKind, list[str]] = Field(default_factory=dict)
    prefix_rules: list[PrefixRule] = Field(default_factory=list)
    keyword_rules: list[KeywordRule] = Field(default_factory=list)
    signals: list[CatalogEntry] = Field(default_factory=list)


class Taxonomy(FileModel):
    """A validated taxonomy: structure, scoring rules and signal catalogue."""

    version: str
    digest: str = Field(description="sha256 of the taxonomy files, for provenance.")
    kinds: dict[SignalKind, str]
    scoring: ScoringRules
    layers: list[Layer]
    dimensions: list[Dimension]
    catalog: SignalCatalog

    def dimension(self, dimension_id: str) -> Dimension:
        """Return a dimension by id (KeyError if absent)."""
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)


# --- the ScoreCard --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One signal behind a dimension score and the points it contributed.

    A plain dataclass (validated and serialised by pydantic as a field) because
    the scorer makes one per matched signal and shares identical ones between
    companies: fleets of companies would otherwise make millions.
    """

    name: str
    kind: SignalKind
    count: int
    points: float


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """A dimension's score, tier and the evidence behind it."""

    id: str
    name: str
    score: int
    tier: str
    rank: int  # company-wide rank by score; ties share a rank (1, 2, 2, 4)
    layers: tuple[str, ...]  # ids of the layers that show this dimension (shared between cards)
    density: float  # sum of the evidence points
    diversity: int  # number of distinct signal kinds in the evidence
    signal_count: int
    evidence: dict[SignalKind, list[Evidence]]  # grouped by kind, strongest first

    def evidence_names(self) -> list[str]:
        """All evidence names, kind by kind, strongest first."""
        return [item.name for items in self.evidence.values() for item in items]


@dataclass(frozen=True, slots=True)
class LayerScore:
    """A layer's dimensions ranked by score and its leading dimension."""

    id: str
    number: int
    title: str
    purpose: str
    waves: list[str]
    dimensions: list[str]  # dimension ids, highest score first
    leading_dimension: str | None  # highest-scoring dimension; None when all are zero
    mean_score: float
    tier: str  # tier of the leading dimension's score
    rank: int  # rank among layers by mean score; ties share a rank


@dataclass(frozen=True, slots=True)
class Candidate:
    """A dimension proposed as a strength or a growth opportunity, and why."""

    dimension: str
    name: str
    score: int
    tier: str
    reason: str


@dataclass(slots=True)
class UnmatchedSignal:
    """A signal that counted for no dimension.

    Not frozen: a frozen dataclass's __init__ costs a third of matching an unknown name,
    and scoring makes one per distinct unknown name (the scorer shares them, never mutates them).
    """

    name: str
    kind: SignalKind


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many of a company's signals the taxonomy recognises.

    `counted`: signals that count for a dimension other than their kind's catch-all
    (every service counts for Services, every language for Languages); `uncounted`: the rest.
    """

    signals: int
    counted: int
    uncounted: int


class ScoreCard(BaseModel):
    """Everything the scorer derives from one company's signals.

    Its records (dimensions, layers, candidates, evidence) are frozen slotted
    dataclasses rather than models: the scorer makes dozens per company, and a
    fleet makes them by the million. Pydantic validates and serialises them all
    the same as fields of this model.
    """

    format_version: int = Field(
        default=SCORECARD_FORMAT, description="The ScoreCard's JSON format (naftiko_writer.formats)."
    )
    company: Company
    taxonomy_version: str
    taxonomy_digest: str
    signals_digest: str
    signal_count: int
    dimensions: list[DimensionScore] = Field(description="In taxonomy order.")
    layers: list[LayerScore] = Field(description="In report order.")
    top_dimensions: list[str]
    strengths: list[Candidate]
    growth_opportunities: list[Candidate]
    unmatched_signals: list[UnmatchedSignal]
    coverage: Coverage = Field(default_factory=lambda: Coverage(signals=0, counted=0, uncounted=0))
    uncounted_signals: list[UnmatchedSignal] = Field(
        default_factory=list, description="Signals that count for no dimension beyond their kind's catch-all."
    )

    def dimension(self, dimension_id: str) -> DimensionScore:
        """Return a dimension's score by id (KeyError if absent)."""
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)


def to_json(value: BaseModel | DimensionScore | LayerScore | Candidate) -> str:
    """Serialise a model or a ScoreCard record as indented JSON; a record carries the ScoreCard's format_version."""
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=2)
    record = TypeAdapter(type(value)).dump_python(value, mode="json")
    return json.dumps({"format_version": SCORECARD_FORMAT, **record}, indent=2, ensure_ascii=False)


def parse_scorecard(text: str, where: str) -> ScoreCard:
    """A ScoreCard from the JSON `score --json` printed (or a store kept); InputError naming `where` if it is not one.

    A ScoreCard of a newer format is refused in one line (see naftiko_writer.formats).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: line {exc.lineno}: not JSON ({exc.msg}); give the output of `score --json`"
        ) from exc
    check_format_version(data, SCORECARD_FORMAT, "ScoreCard", where)
    try:
        return ScoreCard.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise InputError(
            f"{where}: not a ScoreCard ({location}: {first['msg']}); give the output of `score --json`"
        ) from exc
