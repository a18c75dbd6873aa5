"""Load and validate the taxonomy folder (taxonomy.yaml, signals.yaml and catalogue/*.yaml).

The catalogue is signals.yaml plus every `catalogue/*.yaml` file (same shape, read in
name order), merged into one SignalCatalog. Shape errors and cross-reference errors (a
layer, rule or signal naming a dimension that does not exist, a dimension in no layer,
two catalogue entries claiming one name, two files giving one kind rule) are all
collected and raised together as one TaxonomyError.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from naftiko_writer.data_files import (
    Document,
    DocumentError,
    Location,
    decode_text,
    parse_document,
    read_bytes,
    validation_problems,
)
from naftiko_writer.errors import TaxonomyError
from naftiko_writer.scoring.models import Dimension, SignalCatalog, SignalKind, Taxonomy, TaxonomyFile
from naftiko_writer.scoring.names import name_key

Where = Callable[[Location], str]
STRUCTURE_FILE = "taxonomy.yaml"
CATALOG_FILE = "signals.yaml"
CATALOGUE_DIR = "catalogue"

T = TypeVar("T", TaxonomyFile, SignalCatalog)


def load_taxonomy(taxonomy_dir: Path) -> Taxonomy:
    """Read, validate and cross-check a taxonomy folder."""
    return parse_taxonomy(read_taxonomy_files(taxonomy_dir))


def read_taxonomy_files(taxonomy_dir: Path) -> list[tuple[Path, bytes]]:
    """The bytes of every file of a taxonomy folder, in `taxonomy_files` order (each file read once)."""
    if not taxonomy_dir.is_dir():
        raise TaxonomyError(
            f"{taxonomy_dir}: taxonomy folder does not exist; pass --taxonomy DIR or set NAFTIKO_WRITER_TAXONOMY_DIR"
        )
    contents = []
    for path in taxonomy_files(taxonomy_dir):
        try:
            contents.append((path, read_bytes(path)))
        except DocumentError as exc:
            raise TaxonomyError(_summarise([f"{path}: {problem}" for problem in exc.problems])) from exc
    return contents


def parse_taxonomy(contents: list[tuple[Path, bytes]]) -> Taxonomy:
    """Validate and cross-check a taxonomy from its files' bytes; its digest is of exactly those bytes."""
    (structure_path, structure_bytes), *catalog_contents = contents
    structure_doc = _parse_document(structure_path, structure_bytes)
    structure = _parse(structure_doc, TaxonomyFile)
    catalog_docs = [_parse_document(path, data) for path, data in catalog_contents]
    catalogs = [_parse(document, SignalCatalog) for document in catalog_docs]
    problems = [*_check_structure(structure, structure_doc), *_check_catalogs(catalogs, catalog_docs, structure)]
    if problems:
        raise TaxonomyError(_summarise(problems))
    catalog = SignalCatalog(
        kind_rules={kind: dims for part in catalogs for kind, dims in part.kind_rules.items()},
        prefix_rules=[rule for part in catalogs for rule in part.prefix_rules],
        keyword_rules=[rule for part in catalogs for rule in part.keyword_rules],
        signals=[entry for part in catalogs for entry in part.signals],
    )
    return Taxonomy(
        version=structure.version,
        digest=taxonomy_digest(data for _, data in contents),
        kinds=structure.kinds,
        scoring=structure.scoring,
        layers=structure.layers,
        dimensions=structure.dimensions,
        catalog=catalog,
    )


def taxonomy_digest(contents: Iterable[bytes]) -> str:
    """sha256 of a taxonomy's files, their bytes in `taxonomy_files` order: the provenance drafts record."""
    digest = hashlib.sha256()
    for data in contents:
        digest.update(data)
    return digest.hexdigest()


def taxonomy_files(taxonomy_dir: Path) -> list[Path]:
    """Every file a taxonomy is loaded from, in the order its digest hashes them."""
    return [taxonomy_dir / STRUCTURE_FILE, *catalogue_files(taxonomy_dir)]


def catalogue_files(taxonomy_dir: Path) -> list[Path]:
    """signals.yaml, then catalogue/*.yaml in name order: the files the catalogue is merged from."""
    extra = taxonomy_dir / CATALOGUE_DIR
    files = sorted(extra.glob("*.yaml")) if extra.is_dir() else []
    return [taxonomy_dir / CATALOG_FILE, *files]


def _parse_document(path: Path, data: bytes) -> Document:
    try:
        return parse_document(path, decode_text(path, data))
    except DocumentError as exc:
        raise TaxonomyError(_summarise([f"{path}: {problem}" for problem in exc.problems])) from exc


def _parse(document: Document, model: type[T]) -> T:
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        problems = [f"{document.path}: {problem}" for problem in validation_problems(document, exc)]
        raise TaxonomyError(_summarise(problems)) from exc


def _summarise(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"taxonomy has {len(problems)} problems:\n  " + "\n  ".join(problems)


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _check_structure(structure: TaxonomyFile, document: Document) -> list[str]:
    problems: list[str] = []
    where = document.where
    known = {dimension.id for dimension in structure.dimensions}
    for dimension_id in _duplicates(dimension.id for dimension in structure.dimensions):
        problems.append(f"{where(('dimensions',))}: dimension id {dimension_id!r} is defined twice; ids must be unique")
    for layer_id in _duplicates(layer.id for layer in structure.layers):
        problems.append(f"{where(('layers',))}: layer id {layer_id!r} is defined twice; ids must be unique")
    in_layers: set[str] = set()
    for index, layer in enumerate(structure.layers):
        for position, dimension_id in enumerate(layer.dimensions):
            in_layers.add(dimension_id)
            if dimension_id not in known:
                problems.append(
                    f"{where(('layers', index, 'dimensions', position))}: layer {layer.id!r} lists unknown dimension "
                    f"{dimension_id!r}; define it under `dimensions:` or correct the id"
                )
    for index, dimension in enumerate(structure.dimensions):
        if dimension.id not in in_layers:
            problems.append(
                f"{where(('dimensions', index))}: dimension {dimension.id!r} belongs to no layer; "
                "add it to a layer's `dimensions:` or remove it"
            )
    for position, dimension_id in enumerate(structure.scoring.linear_dimensions):
        if dimension_id not in known:
            problems.append(
                f"{where(('scoring', 'linear_dimensions', position))}: linear_dimensions lists unknown dimension "
                f"{dimension_id!r}; define it under `dimensions:` or correct the id"
            )
    for dimension_id in structure.scoring.dimension_saturation:
        if dimension_id not in known:
            problems.append(
                f"{where(('scoring', 'dimension_saturation', dimension_id))}: dimension_saturation names unknown "
                f"dimension {dimension_id!r}; define it under `dimensions:` or correct the id"
            )
    missing_kinds = [kind.value for kind in SignalKind if kind not in structure.kinds]
    if missing_kinds:
        problems.append(f"{where(('kinds',))}: kinds lacks a description of {', '.join(missing_kinds)}")
    return problems


def _check_catalogs(catalogs: list[SignalCatalog], documents: list[Document], structure: TaxonomyFile) -> list[str]:
    known = {dimension.id for dimension in structure.dimensions}
    problems: list[str] = []
    claimed: dict[tuple[str, SignalKind], str] = {}
    kind_rule_owner: dict[SignalKind, Path] = {}
    every_kind = tuple(SignalKind)
    for catalog, document in zip(catalogs, documents, strict=True):
        where = document.where
        file_name = document.path.name

        def check_refs(location: Location, owner: str, dimension_ids: list[str], where: Where = where) -> None:
            for position, dimension_id in enumerate(dimension_ids):
                if dimension_id not in known:
                    problems.append(
                        f"{where((*location, position))}: {owner} refers to unknown dimension {dimension_id!r}; "
                        f"define it in {STRUCTURE_FILE} `dimensions:` or correct the id"
                    )

        for kind, dimension_ids in catalog.kind_rules.items():
            first = kind_rule_owner.setdefault(kind, document.path)
            if first != document.path:
                problems.append(
                    f"{where(('kind_rules', kind.value))}: kind rule {kind.value!r} is also given in {first}"
                )
            check_refs(("kind_rules", kind.value), f"kind rule {kind.value!r}", dimension_ids)
        for index, rule in enumerate(catalog.prefix_rules):
            check_refs(("prefix_rules", index, "dimensions"), f"prefix rule {rule.prefix!r}", rule.dimensions)
            if not name_key(rule.prefix):
                problems.append(f"{where(('prefix_rules', index))}: prefix {rule.prefix!r} has no letters or digits")
        for index, keyword_rule in enumerate(catalog.keyword_rules):
            label = f"keyword rule {keyword_rule.words[0]!r}"
            check_refs(("keyword_rules", index, "dimensions"), label, keyword_rule.dimensions)
            for word in keyword_rule.words:
                if not name_key(word):
                    problems.append(f"{where(('keyword_rules', index))}: keyword {word!r} has no letters or digits")
        for index, entry in enumerate(catalog.signals):
            check_refs(("signals", index, "dimensions"), f"signal {entry.name!r}", entry.dimensions)
            for spelling in (entry.name, *entry.aliases):
                key = name_key(spelling)
                if not key:
                    problems.append(f"{where(('signals', index))}: signal name {spelling!r} has no letters or digits")
                    continue
                mine = f"{entry.name!r} ({file_name})"
                for kind in entry.kinds or every_kind:
                    owner = claimed.setdefault((key, kind), mine)
                    if owner != mine:
                        problems.append(
                            f"{where(('signals', index))}: {spelling!r} ({kind.value}) is already claimed by signal "
                            f"{owner}; make it an alias of one entry only, or restrict `kinds`"
                        )
                        break
    return problems


def find_dimension(taxonomy: Taxonomy, query: str) -> Dimension:
    """Find a dimension by id, name or short name, ignoring case and punctuation."""
    key = name_key(query)
    for dimension in taxonomy.dimensions:
        if key in {name_key(dimension.id), name_key(dimension.name), name_key(dimension.short_name or dimension.id)}:
            return dimension
    close = difflib.get_close_matches(query.casefold(), [d.id for d in taxonomy.dimensions], n=3, cutoff=0.7)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise TaxonomyError(f"unknown dimension {query!r}; {hint}dimension ids are listed in taxonomy/{STRUCTURE_FILE}")
