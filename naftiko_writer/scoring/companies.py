"""Find and load companies: by slug under the companies folder, or by path, in any format of `sources.py`.

`load_company` is the one entry point that turns a reference into CompanySignals, whatever the
format (a signals file, or raw lists imported on the fly). A reference with a data-file suffix is a
path; anything else must be a slug
(lower-case letters, digits, hyphens), so `../../etc` can never escape the
companies folder, and a fixture that is a link to a file outside that folder
is refused rather than read. A missing or unreadable folder is an error that
names it, never an empty list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from naftiko_writer.data_files import DocumentError, load_document
from naftiko_writer.errors import InputError, NaftikoWriterError
from naftiko_writer.scoring.importing import import_signals
from naftiko_writer.scoring.models import SLUG_PATTERN, CompanySignals
from naftiko_writer.scoring.signal_files import load_signals
from naftiko_writer.scoring.sources import COMPANY_FILE_SUFFIXES, CSV_ROWS, LIST_FOLDER, SIGNAL_SUFFIXES, is_raw_company

SIGNAL_FILE_STEM = "signals"


@dataclass(frozen=True)
class CompanyFile:
    """A company's slug and the signal file that holds its data."""

    slug: str
    path: Path


def refuse_undecodable(reference: str) -> None:
    """InputError for a file name that is not UTF-8 (read from the system as lone surrogates).

    Drafts, sidecars and batch files record where the signals came from as UTF-8 JSON, which cannot hold it.
    """
    try:
        reference.encode("utf-8")
    except UnicodeEncodeError:
        shown = reference.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
        raise InputError(f"{shown}: the file name is not UTF-8 text; rename it (drafts record it)") from None


def resolve_company(reference: str, companies_dir: Path) -> CompanyFile:
    """Turn a slug or a signals-file path into the file to load."""
    refuse_undecodable(reference)
    if Path(reference).suffix.lower() in SIGNAL_SUFFIXES:
        path = Path(reference)
        if not _is_file(path):
            raise InputError(f"{path}: file does not exist; check the path or pass a company slug")
        return CompanyFile(slug=path.parent.name if path.stem == SIGNAL_FILE_STEM else path.stem, path=path)
    if not re.fullmatch(SLUG_PATTERN, reference):
        raise InputError(
            f"{reference!r} is neither a company slug (lower-case letters, digits and hyphens) "
            f"nor a signals file ({', '.join(SIGNAL_SUFFIXES)}); run `naftiko-writer companies` to list slugs"
        )
    for suffix in SIGNAL_SUFFIXES:
        path = companies_dir / reference / f"{SIGNAL_FILE_STEM}{suffix}"
        if _is_file(path):
            refuse_outside(path, companies_dir)
            return CompanyFile(slug=reference, path=path)
    known = ", ".join(company.slug for company in list_companies(companies_dir)) or "none"
    raise InputError(
        f"unknown company {reference!r} in {companies_dir} (known: {known}); "
        "run `naftiko-writer companies` or pass a path to a signals file"
    )


def list_companies(companies_dir: Path) -> list[CompanyFile]:
    """Every company folder under `companies_dir` that holds a signals file, by slug."""
    try:
        if not companies_dir.is_dir():
            raise InputError(
                f"{companies_dir}: the companies folder does not exist; "
                "pass --companies-dir or set NAFTIKO_WRITER_COMPANIES_DIR"
            )
        folders = sorted(companies_dir.iterdir())
    except PermissionError:
        raise InputError(f"{companies_dir}: permission denied; make the companies folder readable") from None
    found = []
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            paths = [folder / f"{SIGNAL_FILE_STEM}{suffix}" for suffix in SIGNAL_SUFFIXES]
            path = next((path for path in paths if path.is_file()), None)
        except PermissionError:
            path = paths[0]  # listed, so that loading it reports the permission problem
        if path is not None:
            found.append(CompanyFile(slug=folder.name, path=path))
    return found


@dataclass(frozen=True)
class CompanyListing:
    """One company fixture as `naftiko-writer companies` lists it; a fixture that does not load has a problem."""

    slug: str
    name: str
    as_of: str
    signals: int | None
    path: str
    problem: str | None = None


def survey_companies(companies_dir: Path) -> list[CompanyListing]:
    """Every fixture in the folder, loaded: its name, date and size, or the first line of what is wrong with it."""
    listings = []
    for company_file in list_companies(companies_dir):
        try:
            data = load_company(company_file.slug, companies_dir)
        except NaftikoWriterError as exc:
            problem = str(exc).splitlines()[0]
            listings.append(CompanyListing(company_file.slug, "", "", None, str(company_file.path), problem))
            continue
        listings.append(
            CompanyListing(
                slug=company_file.slug,
                name=data.company.name,
                as_of=data.company.as_of.isoformat() if data.company.as_of else "",
                signals=len(data.signals),
                path=str(company_file.path),
            )
        )
    return listings


def refuse_outside(path: Path, companies_dir: Path) -> None:
    """Refuse a fixture that is (or lies under) a link resolving outside the companies folder."""
    try:
        inside = path.resolve().is_relative_to(companies_dir.resolve())
    except (OSError, RuntimeError):  # a link loop, or a folder that cannot be read
        inside = False
    if not inside:
        raise InputError(
            f"{path}: is a link to a file outside {companies_dir}; copy the signals file into the company's folder"
        )


def _is_file(path: Path) -> bool:
    """`path.is_file()`, with a folder that cannot be read reported instead of raised as PermissionError."""
    try:
        return path.is_file()
    except PermissionError:
        raise InputError(f"{path}: permission denied; make the file and its folders readable") from None


def is_raw_source(reference: str) -> bool:
    """A path (not a slug) to raw lists that `import` reads: a folder of name lists, or a CSV file."""
    path = Path(reference)
    looks_like_path = CSV_ROWS.matches(path) or "/" in reference or reference.startswith(".")
    try:
        return looks_like_path and is_raw_company(path)
    except PermissionError:
        if path.suffix.lower() in SIGNAL_SUFFIXES:
            return False  # a signals file: loading it reports the problem
        raise InputError(f"{path}: permission denied; make the file and its folders readable") from None


def signals_reference(reference: str) -> str:
    """How a draft names its signals: a slug as given, a path made absolute (so `check` works from any folder)."""
    if re.fullmatch(SLUG_PATTERN, reference) and not is_raw_source(reference):
        return reference
    return str(Path(reference).resolve())


def company_input_files(reference: str, companies_dir: Path) -> list[Path]:
    """The files a company's data is read from: its signals file, or a raw source's CSV or list files."""
    path = Path(reference)
    if is_raw_source(reference):
        return sorted(child for child in path.iterdir() if child.is_file()) if path.is_dir() else [path]
    return [resolve_company(reference, companies_dir).path]


def load_company(reference: str, companies_dir: Path) -> CompanySignals:
    """Resolve a slug or path and load its signals; a fixture's declared slug must match its folder.

    A folder of raw name lists or a CSV file is imported on the fly (see `naftiko-writer import`).
    """
    refuse_undecodable(reference)
    if is_raw_source(reference):
        return import_signals(Path(reference)).company_signals
    company_file = resolve_company(reference, companies_dir)
    company_signals = load_signals(company_file.path)
    declared = company_signals.company.slug
    if company_file.path.parent.parent == companies_dir and declared != company_file.slug:
        raise InputError(
            f"{company_file.path}: declares slug {declared!r} but lives in folder {company_file.slug!r}; "
            "make the two agree"
        )
    return company_signals


def collect_sources(path: Path) -> list[str]:
    """The companies a path holds, as references `load_company` takes.

    A signals file, a CSV or a folder of name lists is one company; any other folder holds one
    company per entry (signals files, CSVs, folders of name lists, or fixture folders). A companion
    file in such a folder, a companies list (`slug: {name, industry}`, the `--industries` file), is
    not a company and is left out.
    """
    if path.is_file() or is_raw_company(path):
        return [str(path)]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    found: list[str] = []
    for entry in sorted(path.iterdir()):
        is_file_source = entry.is_file() and entry.suffix.lower() in COMPANY_FILE_SUFFIXES
        if is_file_source and is_companies_list(entry):
            continue
        if is_file_source or LIST_FOLDER.matches(entry):
            found.append(str(entry))
        elif entry.is_dir():
            found.extend(
                str(candidate)
                for suffix in SIGNAL_SUFFIXES
                if (candidate := entry / f"{SIGNAL_FILE_STEM}{suffix}").is_file()
            )
    if not found:
        raise InputError(f"{path}: holds no signals files, CSV files or folders of name lists")
    return found


COMPANION_BYTES = 2**20
"""Files larger than this in a folder of companies are never taken for a companies list."""


def is_companies_list(path: Path) -> bool:
    """Whether a YAML or JSON file is a companies list (a mapping without `company` or `signals`), not a company.

    A file that cannot be read or parsed counts as a company, so that reading it reports its problem.
    """
    if path.suffix.lower() not in SIGNAL_SUFFIXES or path.stat().st_size > COMPANION_BYTES:
        return False
    try:
        data = load_document(path).data
    except DocumentError:
        return False
    return isinstance(data, dict) and bool(data) and not {"company", "signals"} & set(data)
