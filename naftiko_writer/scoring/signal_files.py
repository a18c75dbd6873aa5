"""Load a company signal file (YAML or JSON) and report every problem at once.

Problems carry the file, the line (YAML) or location (JSON), and what is wrong.
Two signals of one kind whose names normalise to the same key ("Qlik Sense",
"QlikSense") are duplicates: the file must list each signal once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from naftiko_writer.data_files import Document, DocumentError, load_document, validation_problems
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.models import CompanySignals, SignalKind
from naftiko_writer.scoring.names import name_key
from naftiko_writer.scoring.sources import SIGNAL_SUFFIXES
from naftiko_writer.scoring.text_forms import fold_lookalikes, mixed_script

MAX_LISTED = 20
"""Problems listed one per line; beyond that, a count (a scraped file can have thousands)."""
_KIND_TEXT = {kind: kind.value for kind in SignalKind}


def load_signals(path: Path) -> CompanySignals:
    """Read and validate a company signal file."""
    if path.suffix.lower() not in SIGNAL_SUFFIXES:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; use {', '.join(SIGNAL_SUFFIXES[:-1])} "
            f"or {SIGNAL_SUFFIXES[-1]}"
        )
    try:
        document = load_document(path)
    except DocumentError as exc:
        raise InputError(summarise_problems(path, exc.problems)) from exc
    if not isinstance(document.data, dict):
        raise InputError(f"{path}: expected a mapping with `company:` and `signals:` at the top level")
    try:
        company_signals = CompanySignals.model_validate(document.data)
    except ValidationError as exc:
        raise InputError(summarise_problems(path, validation_problems(document, exc))) from exc
    duplicates = _duplicate_problems(document, company_signals)
    if duplicates:
        raise InputError(summarise_problems(path, duplicates))
    return company_signals


def summarise_problems(path: Path, problems: list[str]) -> str:
    """One line for one problem; a count line and one indented line each for several (the first MAX_LISTED)."""
    if len(problems) == 1:
        return f"{path}: {problems[0]}"
    listed = problems[:MAX_LISTED]
    if len(problems) > MAX_LISTED:
        listed.append(f"... and {len(problems) - MAX_LISTED:,} more; fix these and run again")
    return f"{path} has {len(problems):,} problems:\n  " + "\n  ".join(listed)


def _duplicate_problems(document: Document, company_signals: CompanySignals) -> list[str]:
    first_seen: dict[tuple[SignalKind, str], int] = {}
    problems = []
    for index, signal in enumerate(company_signals.signals):
        key = (signal.kind, name_key(signal.name))
        if not key[1]:
            line = document.line_of(("signals", index))
            where = f"line {line}: " if line is not None else ""
            problems.append(f"{where}signals[{index}].name: has no letters or digits; correct or remove it")
            continue
        if key in first_seen:
            earlier = first_seen[key]
            line = document.line_of(("signals", index))
            earlier_line = document.line_of(("signals", earlier))
            where = f"line {line}: " if line is not None else ""
            also = f"line {earlier_line}" if earlier_line is not None else f"signals[{earlier}]"
            problems.append(
                f"{where}signals[{index}]: duplicate {signal.kind.value} {signal.name!r} "
                f"(same signal as {company_signals.signals[earlier].name!r} at {also}); "
                "list it once and add up its evidence, or run `naftiko-writer import` on the raw lists to merge them"
            )
        else:
            first_seen[key] = index
    return problems


def lookalike_warnings(company_signals: CompanySignals) -> list[str]:
    """One line per name with a word mixing Latin and Cyrillic or Greek letters (a look-alike of another name).

    Such a name is scored as the name it looks like (name keys fold look-alikes), so the warning says so.
    """
    names = [("company name", company_signals.company.name)]
    names += [(f"signals[{index}]", signal.name) for index, signal in enumerate(company_signals.signals)]
    warnings = []
    for where, name in names:
        word = mixed_script(name)
        if word is not None:
            warnings.append(
                f"{where} {name!r}: the word {word!r} mixes Latin with Cyrillic or Greek letters (a look-alike of "
                f"{fold_lookalikes(name)!r}, and read as it); check the source"
            )
    return warnings


def signals_digest(company_signals: CompanySignals) -> str:
    """sha256 of the validated content, not the file bytes: reformatting a file keeps its digest.

    The hashed text is one tab-separated line for the company and one per signal
    (kind, name, evidence, sources): cheap enough to compute for every score.
    """
    company = company_signals.company
    as_of = company.as_of.isoformat() if company.as_of else ""
    lines = [f"{company.name}\t{company.slug}\t{as_of}"]
    if company.industry or company.description:  # a profile changes the drafts, not the scores
        lines[0] += f"\t{company.industry or ''}\t{company.description or ''}"
    lines += [
        f"{_KIND_TEXT[s.kind]}\t{s.name}\t{s.evidence}\t{'|'.join(s.sources) if s.sources else ''}"
        for s in company_signals.signals
    ]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
