"""The house voice of template drafts, measured: repetition, lists, counts, leading names, the summary.

Usage:
    python benchmarks/bench_voice.py [DATA_DIR] [--companies FILE] [--random N] [--seed S] [--json]

Drafts, with the template engine, the companies of DATA_DIR (default ../shared/data/naftiko-signals-dev,
one folder of raw lists each; FILE, default DATA_DIR/industries.yaml when it exists, gives their names
and industries), N random companies (default 200) drawn from the union of their lists (5 to 2,000
signals each, log-uniform), the Spotify fixture and a company with no signals, and prints each
acceptance figure of issue 18:

- within a draft, the share of prose sentences whose pattern (company, numbers, evidence names,
  dimension, layer and wave names normalised, lists collapsed) recurs three or more times
  (target <= 25%);
- across the DATA_DIR companies, the share of sentences whose pattern every one of their drafts
  uses, boilerplate aside (layer scope lines and the methodology; target <= 20%);
- `and N more`: the most in one dimension paragraph (target <= 1) and how often N exceeds the
  names shown; `Kind: a, b and c.` sentences outside tables (target 0);
- grounding and claim problems over every section (counts, tiers, comparisons: target 0);
- the leading name of Data, Cloud, Artificial Intelligence and Services: a product or vendor
  whenever the dimension has one, and not Microsoft Excel or Office unless nothing more specific;
- the executive summary: highest area first, at least two named vendors, the strongest layers
  (and how many distinct pairs the companies get), the profile's context sentence when a profile exists;
- Spotify against the seed: rank correlation, the seed's top five in our top seven, the seed's zeros.

Prose is what a reader reads outside tables: the strengths and growth rows are table cells.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from naftiko_writer.drafting.grounding import build_vocabulary, check_grounding  # noqa: E402
from naftiko_writer.drafting.template_engine import draft_from_template  # noqa: E402
from naftiko_writer.report.plan import plan_sections, section_input  # noqa: E402
from naftiko_writer.report.sections import (  # noqa: E402
    DimensionNarrative,
    ExecutiveSummary,
    GrowthOpportunities,
    LayerIntroduction,
    Methodology,
    Output,
    StrategicAssessment,
    Strengths,
    WaveAlignment,
)
from naftiko_writer.scoring.importing import import_signals  # noqa: E402
from naftiko_writer.scoring.models import Company, CompanySignals, ScoreCard, Signal, SignalKind, Taxonomy  # noqa: E402
from naftiko_writer.scoring.names import name_key, name_tokens  # noqa: E402
from naftiko_writer.scoring.scorer import Scorer  # noqa: E402
from naftiko_writer.scoring.signal_files import load_signals  # noqa: E402
from naftiko_writer.scoring.taxonomy import load_taxonomy  # noqa: E402
from tests.stats import spearman  # noqa: E402

AS_OF = dt.date(2026, 3, 1)
"""The date of the synthetic companies (an older tree requires one)."""
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "naftiko-signals-dev"
LEADING = ("data", "cloud", "artificial-intelligence", "services")
COMMODITY = {"microsoftexcel", "microsoftoffice"}
KIND_LIST = re.compile(r"^(?:Services|Tools|Concepts|Standards|Languages|Products)\s*:\s")
MORE = re.compile(r"\band (\d+) more\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--companies", type=Path, default=None)
    parser.add_argument("--random", type=int, default=200)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    taxonomy = load_taxonomy(ROOT / "taxonomy")
    scorer = Scorer(taxonomy)
    profiles = _profiles(args.companies or args.data_dir / "industries.yaml")
    shared = [
        _import(folder, profiles)
        for folder in sorted(args.data_dir.iterdir())
        if folder.is_dir() and (folder / "services.yml").exists()
    ]
    randoms = _random_companies(shared, args.random, args.seed)
    spotify = load_signals(ROOT / "fixtures" / "companies" / "spotify" / "signals.yaml")
    empty = CompanySignals(company=Company(name="Nullco", slug="nullco", as_of=AS_OF), signals=[])
    drafts: dict[str, dict[str, Any]] = {}
    for group, companies in (("shared", shared), ("random", randoms), ("spotify", [spotify]), ("zero", [empty])):
        for signals in companies:
            drafts[signals.company.slug] = {"group": group, **_draft(signals, scorer, taxonomy)}
    figures = _figures(drafts, taxonomy)
    figures["spotify_fidelity"] = _fidelity(drafts["spotify"]["card"])
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0


def _profiles(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(slug): dict(entry) for slug, entry in data.items() if isinstance(entry, dict)}


def _import(folder: Path, profiles: dict[str, dict[str, str]]) -> CompanySignals:
    try:  # the profile as import --companies reads it (scoring/profiles.py), when this tree has one
        from naftiko_writer.scoring.profiles import CompanyProfile

        known = {slug: CompanyProfile.model_validate(entry) for slug, entry in profiles.items()}
        return import_signals(folder, profiles=known).company_signals
    except ImportError:  # an older tree: the name only
        return import_signals(folder, name=profiles.get(folder.name, {}).get("name")).company_signals


def _random_companies(shared: list[CompanySignals], count: int, seed: int) -> list[CompanySignals]:
    pool = sorted(
        {(s.kind, s.name) for company in shared for s in company.signals}, key=lambda item: (item[1], item[0].value)
    )
    rng = random.Random(seed)
    companies = []
    for index in range(count):
        size = int(math.exp(rng.uniform(math.log(5), math.log(2000))))
        chosen: dict[tuple[SignalKind, str], Signal] = {}
        for kind, name in rng.sample(pool, min(size, len(pool))):
            chosen.setdefault((kind, name_key(name)), Signal(kind=kind, name=name, evidence=rng.choice([1, 1, 2, 3])))
        letters = "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
        slug = f"random-{index}"
        company = Company(name=letters.capitalize() + " Group", slug=slug, as_of=AS_OF)
        companies.append(CompanySignals(company=company, signals=list(chosen.values())))
    return companies


def _draft(signals: CompanySignals, scorer: Scorer, taxonomy: Taxonomy) -> dict[str, Any]:
    card = scorer.score(signals)
    vocabulary = build_vocabulary(taxonomy, signals)
    outputs: dict[str, Output] = {}
    inputs = {}
    problems: list[str] = []
    for spec in plan_sections(card):
        data = section_input(spec, card, taxonomy, outputs)
        output = draft_from_template(spec.kind, data)
        problems += [f"{signals.company.slug} {spec.id}: {p}" for p in check_grounding(output, data, vocabulary)]
        outputs[spec.id], inputs[spec.id] = output, data
    return {"card": card, "outputs": outputs, "inputs": inputs, "problems": problems, "signals": signals}


def prose(outputs: dict[str, Output]) -> list[tuple[str, str]]:
    """(section id, text) of every prose text of a draft; table cells are left out."""
    texts: list[tuple[str, str]] = []
    for section_id, output in outputs.items():
        if isinstance(output, ExecutiveSummary | WaveAlignment | Methodology):
            texts += [(section_id, paragraph) for paragraph in output.paragraphs]
        elif isinstance(output, LayerIntroduction):
            texts += [(section_id + "#scope", output.scope), (section_id, output.summary)]
        elif isinstance(output, DimensionNarrative):
            texts.append((section_id, output.paragraph))
            if output.key_takeaway:
                texts.append((section_id, "Key Takeaway: " + output.key_takeaway))
        elif isinstance(output, Strengths | GrowthOpportunities):
            texts += [(section_id, output.introduction), (section_id, output.closing)]
        elif isinstance(output, StrategicAssessment):
            texts.append((section_id, output.overview))
    return texts


def _replacer(card: ScoreCard, taxonomy: Taxonomy) -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = {item.name for d in card.dimensions for items in d.evidence.values() for item in items}
    terms = {d.name for d in taxonomy.dimensions} | {layer.title for layer in taxonomy.layers}
    terms |= {wave for layer in taxonomy.layers for wave in layer.waves}
    names -= terms

    def pattern(words: set[str]) -> re.Pattern[str]:
        ordered = sorted((w for w in words if w.strip()), key=len, reverse=True)
        return (
            re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in ordered) + r")(?![\w])")
            if ordered
            else re.compile(r"$^")
        )

    return pattern(names), pattern(terms)


def sentence_pattern(sentence: str, company: str, names: re.Pattern[str], terms: re.Pattern[str]) -> str:
    """A sentence with its data normalised: company C, names X, dimension/layer/wave names D, numbers N."""
    text = sentence.replace(company, "C")
    text = terms.sub("D", text)
    text = names.sub("X", text)
    text = re.sub(r"\d[\d,.]*", "N", text)
    for _ in range(4):  # lists of the same item collapse into one
        text = re.sub(
            r"\b((?:[XDN]|[XDN] \(N\)|[XDN] at N|N [a-z]+)(?: \([^()]*\))?)(?:(?:,|;)? (?:and )?\1)+", r"\1", text
        )
    return text


def _figures(drafts: dict[str, dict[str, Any]], taxonomy: Taxonomy) -> dict[str, Any]:
    products = _product_keys(taxonomy)
    recurring: dict[str, float] = {}
    shared_patterns: list[set[str]] = []
    shared_sentences: list[list[tuple[str, str]]] = []
    more_max, more_over, kind_lists = 0, 0, 0
    problems: list[str] = []
    leading: list[str] = []
    summary: dict[str, list[Any]] = {"highest_first": [], "vendors": [], "layers": [], "context": []}
    for slug, draft in drafts.items():
        card, outputs = draft["card"], draft["outputs"]
        company = card.company.name
        names, terms = _replacer(card, taxonomy)
        patterns: list[tuple[str, str]] = []
        for section_id, text in prose(outputs):
            for sentence in SENTENCE.split(text):
                if sentence.strip():
                    patterns.append((section_id, sentence_pattern(sentence, company, names, terms)))
                    kind_lists += bool(KIND_LIST.match(sentence))
            if section_id.startswith("dimension:"):
                found = MORE.findall(text)
                more_max = max(more_max, len(found))
                more_over += sum(1 for n in found if int(n) > _shown_before(text, card, section_id))
        counts = Counter(pattern for _, pattern in patterns)
        recurring[slug] = sum(1 for _, p in patterns if counts[p] >= 3) / max(1, len(patterns))
        problems += draft["problems"]
        if draft["group"] == "shared":
            shared_patterns.append(set(counts))
            shared_sentences.append(patterns)
            leading += _leading(card, outputs, products)
            _summary(card, outputs, draft["signals"], products, taxonomy, summary)
    universal = set.intersection(*shared_patterns) if shared_patterns else set()
    prose_only = [(s, p) for draft in shared_sentences for s, p in draft if not _boilerplate(s)]
    everything = [(s, p) for draft in shared_sentences for s, p in draft]
    groups = Counter(d["group"] for d in drafts.values())
    by_group = {g: [recurring[s] for s, d in drafts.items() if d["group"] == g] for g in groups}
    return {
        "drafts": dict(groups),
        "recurring_share": {g: {"mean": _mean(v), "max": max(v)} for g, v in by_group.items()},
        "universal_share": sum(1 for _, p in prose_only if p in universal) / max(1, len(prose_only)),
        "universal_share_with_boilerplate": sum(1 for _, p in everything if p in universal) / max(1, len(everything)),
        "and_n_more_max_per_paragraph": more_max,
        "and_n_more_above_shown": more_over,
        "kind_list_sentences": kind_lists,
        "grounding_and_claim_problems": len(problems),
        "problems": problems[:20],
        "leading_not_product": [item for item in leading if not item.endswith(": ok")],
        "leading_checked": len(leading),
        "summary": {
            "highest_first": f"{sum(summary['highest_first'])}/{len(summary['highest_first'])}",
            "two_vendors": f"{sum(v >= 2 for v in summary['vendors'])}/{len(summary['vendors'])}",
            "distinct_strongest_layer_pairs": len(set(summary["layers"])),
            "context_when_profiled": f"{sum(summary['context'])}/{len(summary['context'])}",
        },
    }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _boilerplate(section_id: str) -> bool:
    return section_id.endswith("#scope") or section_id == "methodology"


def _product_keys(taxonomy: Taxonomy) -> set[str]:
    """Catalogue entries that name a product or vendor (a proper spelling, not a concept, not generic)."""
    keys = set()
    for entry in taxonomy.catalog.signals:
        concept = entry.is_ is SignalKind.CONCEPT or (
            entry.kinds is not None and set(entry.kinds) == {SignalKind.CONCEPT}
        )
        standard = entry.is_ in (SignalKind.STANDARD, SignalKind.LANGUAGE)
        proper = any(ch.isupper() or ch.isdigit() for ch in entry.name)
        if proper and not concept and not standard and not getattr(entry, "generic", False):
            keys.add(name_key(entry.name))
    return keys


def _is_product(name: str, products: set[str], taxonomy: Taxonomy) -> bool:
    if name_key(name) in products:
        return True
    tokens = name_tokens(name)
    return any(tokens[: len(p)] == p for p in (name_tokens(r.prefix) for r in taxonomy.catalog.prefix_rules))


def _names_in_order(text: str, names: set[str]) -> list[str]:
    found = []
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(r"(?<![\w])" + re.escape(name) + r"(?![\w])", text):
            if not any(start <= match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), name))
    return [name for _, _, name in sorted(found)]


def _shown_before(text: str, card: ScoreCard, section_id: str) -> int:
    dimension = card.dimension(section_id.split(":", 1)[1])
    names = {item.name for items in dimension.evidence.values() for item in items}
    shown = 0
    for sentence in SENTENCE.split(text):
        match = MORE.search(sentence)
        if match:
            shown = len(_names_in_order(sentence[: match.start()], names))
    return shown


def _leading(card: ScoreCard, outputs: dict[str, Output], products: set[str]) -> list[str]:
    from naftiko_writer.scoring.taxonomy import load_taxonomy as _load

    taxonomy = _load(ROOT / "taxonomy")
    results = []
    for dimension_id in LEADING:
        dimension = card.dimension(dimension_id)
        names = {item.name for items in dimension.evidence.values() for item in items}
        names -= {d.name for d in taxonomy.dimensions} | {card.company.name}  # "Data" the signal, not the heading
        output = outputs[f"dimension:{dimension_id}"]
        assert isinstance(output, DimensionNarrative)
        mentioned = _names_in_order(output.paragraph, names)
        has_product = [n for n in names if _is_product(n, products, taxonomy)]
        lead = mentioned[0] if mentioned else "(none)"
        good = not has_product or (
            _is_product(lead, products, taxonomy)
            and (name_key(lead) not in COMMODITY or all(name_key(n) in COMMODITY for n in has_product))
        )
        results.append(f"{card.company.slug} {dimension_id}: {lead}: {'ok' if good else 'not a product'}")
    return results


def _summary(
    card: ScoreCard,
    outputs: dict[str, Output],
    signals: CompanySignals,
    products: set[str],
    taxonomy: Taxonomy,
    summary: dict[str, list[Any]],
) -> None:
    output = outputs["executive-summary"]
    assert isinstance(output, ExecutiveSummary)
    text = " ".join(output.paragraphs[1:])
    top = max(card.dimensions, key=lambda d: d.score)
    dimension_names = {d.name for d in card.dimensions}
    mentioned = _names_in_order(text, dimension_names)
    summary["highest_first"].append(bool(mentioned) and mentioned[0] == top.name)
    names = {item.name for d in card.dimensions for items in d.evidence.values() for item in items}
    vendors = {n for n in _names_in_order(text, names) if _is_product(n, products, taxonomy)}
    summary["vendors"].append(len(vendors))
    layers = tuple(sorted(layer.title for layer in card.layers if layer.title in text))
    summary["layers"].append(layers)
    profile = signals.company.model_dump()
    if profile.get("description") or profile.get("industry"):
        wanted = profile.get("description") or profile.get("industry")
        summary["context"].append(bool(wanted) and str(wanted) in " ".join(output.paragraphs))


def _fidelity(card: ScoreCard) -> dict[str, Any]:
    expected = yaml.safe_load((ROOT / "fixtures" / "companies" / "spotify" / "expected.yaml").read_text())
    seed = expected["seed_scores"]
    ours = [d.id for d in sorted(card.dimensions, key=lambda d: -d.score)][:7]
    return {
        "spearman": round(spearman([card.dimension(d).score for d in seed], list(seed.values())), 3),
        "seed_top5_in_our_top7": set(expected["seed_top_five"]) <= set(ours),
        "seed_zeros_hold": all(card.dimension(d).score == 0 for d in expected["seed_zero"]),
    }


def _print(figures: dict[str, Any]) -> None:
    print(f"drafts: {figures['drafts']}")
    for group, value in figures["recurring_share"].items():
        print(f"recurring sentence patterns within a draft [{group}]: mean {value['mean']:.1%}, max {value['max']:.1%}")
    print(f"patterns every shared draft uses, boilerplate aside: {figures['universal_share']:.1%}")
    print(f"  (with layer scope lines and methodology: {figures['universal_share_with_boilerplate']:.1%})")
    print(f"'and N more' per dimension paragraph, at most: {figures['and_n_more_max_per_paragraph']}")
    print(f"'and N more' with N above the names shown: {figures['and_n_more_above_shown']}")
    print(f"'Kind: a, b and c.' sentences outside tables: {figures['kind_list_sentences']}")
    print(
        f"grounding and claim problems (counts, tiers, comparisons) over every section: "
        f"{figures['grounding_and_claim_problems']}"
    )
    for problem in figures["problems"]:
        print(f"  {problem}")
    bad = figures["leading_not_product"]
    print(
        f"leading name of Data, Cloud, AI, Services a product when one exists: "
        f"{figures['leading_checked'] - len(bad)}/{figures['leading_checked']}"
    )
    for item in bad:
        print(f"  {item}")
    s = figures["summary"]
    print(
        f"executive summary: highest area first {s['highest_first']}, two or more vendors {s['two_vendors']}, "
        f"distinct strongest-layer pairs {s['distinct_strongest_layer_pairs']}, "
        f"profile context {s['context_when_profiled']}"
    )
    f = figures["spotify_fidelity"]
    print(
        f"Spotify: Spearman {f['spearman']}, seed top 5 in our top 7 {f['seed_top5_in_our_top7']}, "
        f"seed zeros {f['seed_zeros_hold']}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
