"""A draft run and its company: what a run is given (`DraftRun`), the company loaded (`Prepared`), provenance.

`DraftRun` is the run itself (which company, when, and the option groups resolved by `Settings`: where
the data is, which endpoint, how to draft, the price table, the checkpoint); `prepare_company` loads and
scores its company; `plan_company_report` plans its report (among the run's edition, when it has one);
`build_provenance` and `run_key` say what a draft and a checkpoint were made from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from naftiko_writer import __version__
from naftiko_writer.drafting.cohort_facts import cohort_ledger, company_standing_in
from naftiko_writer.drafting.cost import PriceTable
from naftiko_writer.drafting.grounding import Vocabulary, build_vocabulary
from naftiko_writer.drafting.prompts import PromptSet, load_prompts
from naftiko_writer.llm.redact import redact_url
from naftiko_writer.options import DraftOptions, Endpoint, Engine, RecordMode, Sources
from naftiko_writer.report.cohort import Cohort, CompanyStanding
from naftiko_writer.report.model import CohortLedger, Provenance
from naftiko_writer.report.plan import ReportPlan, company_input_kinds, company_plan
from naftiko_writer.report.sections import EditionChangesInput, SectionKind
from naftiko_writer.scoring.companies import load_company, signals_reference
from naftiko_writer.scoring.models import CompanySignals, ScoreCard, Taxonomy
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.signal_files import signals_digest
from naftiko_writer.scoring.taxonomy_cache import load_cached_taxonomy

ChangesSource = Callable[[str], EditionChangesInput]
"""A company's changes since the previous edition, by slug (editions/cohort.py reads them from the store)."""


@dataclass(frozen=True)
class DraftRun:
    """One draft run: its company (a slug or a path), when it was made, and how (the option groups)."""

    company: str
    created: str
    sources: Sources
    options: DraftOptions
    endpoint: Endpoint | None = None
    """Which model writes the prose; None for a run of the template engine (it needs none)."""
    prices: PriceTable | None = None
    checkpoint_path: Path | None = None
    cohort: Cohort | None = None
    """The edition the company is drafted among (`--edition`): sections may then claim its standing."""
    changes: ChangesSource | None = None
    """What changed for a company since the edition before `cohort`'s (read from the store, by slug)."""

    @classmethod
    def template(cls, company: str, created: str, sources: Sources) -> DraftRun:
        """A run of the template engine: no endpoint, no model, no budget."""
        return cls(company, created, sources, DraftOptions(engine=Engine.TEMPLATE))

    def for_company(self, company: str) -> DraftRun:
        """The same run for another company (a fleet's members)."""
        return replace(self, company=company)

    @property
    def model_endpoint(self) -> Endpoint | None:
        """The endpoint when a model writes the prose (the LLM engine with an endpoint), else None."""
        return self.endpoint if self.options.uses_model else None

    @property
    def model(self) -> str | None:
        """The model that writes the prose; None for the template engine."""
        endpoint = self.model_endpoint
        return endpoint.model if endpoint is not None else None

    @property
    def mode(self) -> str:
        """How the model is served (`replay`, `record`, `live`), or `none` for the template engine."""
        endpoint = self.model_endpoint
        return endpoint.mode.value if endpoint is not None else "none"


@dataclass(frozen=True)
class Prepared:
    """A company loaded and scored, with what its sections are drafted and checked against."""

    taxonomy: Taxonomy
    company_signals: CompanySignals
    card: ScoreCard
    prompts: PromptSet
    signals_digest: str
    """The company's signals digest, computed once (provenance, the run key and a fleet's slug check use it)."""

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The names grounding checks model answers against: built only when a model answers."""
        return build_vocabulary(self.taxonomy, self.company_signals)


@dataclass(frozen=True)
class RunInputs:
    """What every company of a run shares: the taxonomy, its compiled scorer and the prompts (a fleet loads them once)."""

    taxonomy: Taxonomy
    scorer: Scorer
    prompts: PromptSet


def load_run_inputs(sources: Sources) -> RunInputs:
    """Load the taxonomy (through its cache), compile its scorer, read the prompts."""
    taxonomy = load_cached_taxonomy(sources.taxonomy_dir, sources.taxonomy_cache_dir)
    return RunInputs(taxonomy, Scorer(taxonomy), load_prompts(sources.prompts_dir))


def score_with(inputs: RunInputs, company_signals: CompanySignals) -> ScoreCard:
    """Score a company with the run's compiled scorer."""
    return inputs.scorer.score(company_signals)


def prepare_company(company: str, sources: Sources, inputs: RunInputs | None = None) -> Prepared:
    """Load the company and score it, with `inputs` (loaded from `sources` when not given)."""
    inputs = inputs or load_run_inputs(sources)
    company_signals = load_company(company, sources.companies_dir)
    return Prepared(
        taxonomy=inputs.taxonomy,
        company_signals=company_signals,
        card=score_with(inputs, company_signals),
        prompts=inputs.prompts,
        signals_digest=signals_digest(company_signals),
    )


def build_provenance(run: DraftRun, prepared: Prepared, recordings: list[str]) -> Provenance:
    """What a draft was made from."""
    return Provenance(
        tool_version=__version__,
        created=run.created,
        company=prepared.card.company.slug,
        signals_file=signals_reference(run.company),
        signals_digest=prepared.signals_digest,
        taxonomy_version=prepared.taxonomy.version,
        taxonomy_digest=prepared.taxonomy.digest,
        prompt_hashes=prepared.prompts.hashes(report_kinds(run)),
        engine=run.options.engine.value,
        model=run.model,
        recording_sources=recordings,
    )


@dataclass(frozen=True)
class CompanyReport:
    """The plan of a run's company report, and the company's standing in the run's edition (if it has one)."""

    plan: ReportPlan
    standing: CompanyStanding | None = None
    edition: str = ""

    def ledger(self, card: ScoreCard) -> CohortLedger | None:
        """Which standings each section was given (None outside an edition), kept in the report for `check`."""
        if self.standing is None:
            return None
        return cohort_ledger(self.plan.sections, card, self.standing, self.edition)


def plan_company_report(run: DraftRun, prepared: Prepared) -> CompanyReport:
    """The sections of `prepared`'s report in this run: among the run's edition, with its standing and changes."""
    card = prepared.card
    if run.cohort is None:
        return CompanyReport(company_plan(card, prepared.taxonomy))
    standing = company_standing_in(run.cohort, card)
    changes = run.changes(card.company.slug) if run.changes is not None else None
    plan = company_plan(card, prepared.taxonomy, standing, run.cohort.edition, changes)
    return CompanyReport(plan, standing, run.cohort.edition)


def report_kinds(run: DraftRun) -> frozenset[SectionKind]:
    """The section kinds of the run's company report (the changes section only among an edition)."""
    kinds = company_input_kinds()
    return kinds if run.changes is not None else kinds - {SectionKind.EDITION_CHANGES}


def run_key(run: DraftRun, prepared: Prepared) -> dict[str, object]:
    """Everything that shapes a run's answers: a checkpoint is resumed only by a run with the same key."""
    endpoint = run.model_endpoint
    served_by = None
    if endpoint is not None:
        replayed = endpoint.mode is RecordMode.REPLAY
        served_by = str(endpoint.recordings_dir) if replayed else redact_url(endpoint.base_url)
    return {
        "company": prepared.card.company.slug,
        "engine": run.options.engine.value,
        "mode": endpoint.mode.value if endpoint is not None else None,
        "endpoint": served_by,
        "model": run.model,
        "max_output_tokens": run.options.max_output_tokens if endpoint is not None else None,
        "prompts": prepared.prompts.hashes(report_kinds(run)),
        "signals": prepared.signals_digest,
        "taxonomy": prepared.taxonomy.digest,
        **({"edition": run.cohort.edition} if run.cohort is not None else {}),
    }
