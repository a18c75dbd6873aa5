"""Taxonomy coverage: how much of real signal data the taxonomy recognises, and what to curate next. Pure.

A signal is *counted* when a catalogue entry, a vendor-family rule or a keyword rule
recognises it (it then counts for a dimension beyond its kind's catch-all: every service
counts for Services and every language for Languages whatever else happens). The most
frequent uncounted names across companies are what an analyst should curate first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from naftiko_writer.scoring.models import KIND_ORDER, CompanySignals, ScoreCard, SignalKind
from naftiko_writer.scoring.names import name_key


@dataclass(frozen=True)
class KindCoverage:
    """Signals of one kind (as listed in the data) and how many the taxonomy counted."""

    kind: SignalKind
    signals: int
    counted: int

    @property
    def share(self) -> float:
        """Counted over listed (1.0 when none are listed)."""
        return self.counted / self.signals if self.signals else 1.0


@dataclass(frozen=True)
class CompanyCoverage:
    """One company's coverage."""

    slug: str
    signals: int
    counted: int
    by_kind: list[KindCoverage]

    @property
    def share(self) -> float:
        """Counted over all signals (1.0 for a company with none)."""
        return self.counted / self.signals if self.signals else 1.0


@dataclass
class CoverageReport:
    """Coverage over several companies, with the names most worth curating."""

    companies: list[CompanyCoverage] = field(default_factory=list)
    by_kind: list[KindCoverage] = field(default_factory=list)
    top_uncounted: list[tuple[str, SignalKind, int]] = field(default_factory=list)

    @property
    def signals(self) -> int:
        """All signals of all companies."""
        return sum(company.signals for company in self.companies)

    @property
    def counted(self) -> int:
        """All counted signals of all companies."""
        return sum(company.counted for company in self.companies)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        return {
            "signals": self.signals,
            "counted": self.counted,
            "share": round(self.counted / self.signals, 4) if self.signals else 1.0,
            "by_kind": [_kind_dict(kind) for kind in self.by_kind],
            "companies": [
                {
                    "slug": company.slug,
                    "signals": company.signals,
                    "counted": company.counted,
                    "share": round(company.share, 4),
                    "by_kind": [_kind_dict(kind) for kind in company.by_kind],
                }
                for company in self.companies
            ],
            "top_uncounted": [
                {"name": name, "kind": kind.value, "companies": companies}
                for name, kind, companies in self.top_uncounted
            ],
        }


def _kind_dict(kind: KindCoverage) -> dict[str, Any]:
    return {"kind": kind.kind.value, "signals": kind.signals, "counted": kind.counted, "share": round(kind.share, 4)}


def company_coverage(company_signals: CompanySignals, card: ScoreCard) -> CompanyCoverage:
    """Coverage of one scored company, by the kind each signal was listed as."""
    listed = Counter(signal.kind for signal in company_signals.signals)
    uncounted = Counter(signal.kind for signal in card.uncounted_signals)
    by_kind = [KindCoverage(kind, listed[kind], listed[kind] - uncounted[kind]) for kind in KIND_ORDER if listed[kind]]
    return CompanyCoverage(
        slug=card.company.slug, signals=card.coverage.signals, counted=card.coverage.counted, by_kind=by_kind
    )


def coverage_report(scored: list[tuple[CompanySignals, ScoreCard]], top: int = 30) -> CoverageReport:
    """Coverage across companies; the uncounted names found at the most companies come first."""
    companies = [company_coverage(signals, card) for signals, card in scored]
    totals: dict[SignalKind, list[int]] = {}
    for company in companies:
        for kind in company.by_kind:
            pair = totals.setdefault(kind.kind, [0, 0])
            pair[0] += kind.signals
            pair[1] += kind.counted
    by_kind = [KindCoverage(kind, *totals[kind]) for kind in KIND_ORDER if kind in totals]
    spread: Counter[tuple[str, SignalKind]] = Counter()
    spelling: dict[tuple[str, SignalKind], Counter[str]] = {}
    for _, card in scored:
        seen: set[tuple[str, SignalKind]] = set()
        for signal in card.uncounted_signals:
            key = (name_key(signal.name), signal.kind)
            spelling.setdefault(key, Counter())[signal.name] += 1
            if key not in seen:
                seen.add(key)
                spread[key] += 1
    ranked = sorted(spread.items(), key=lambda item: (-item[1], item[0][1].value, item[0][0]))[:top]
    top_uncounted = [(spelling[key].most_common(1)[0][0], key[1], count) for key, count in ranked]
    return CoverageReport(companies=companies, by_kind=by_kind, top_uncounted=top_uncounted)
