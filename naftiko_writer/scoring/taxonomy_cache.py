"""Load a taxonomy through a per-user cache of its validated form and its compiled catalogue.

Loading the shipped taxonomy parses some 200 KB of YAML, validates and cross-checks it,
and compiling its catalogue for matching indexes every name: about 0.15 s, on every
command. Hashing the same files takes a fraction of a millisecond, so the cache is keyed
by what it caches: the bytes of every taxonomy file (with their names), the format of
this cache, the tool's version, the source of the modules that shape the cached objects
(so an edited checkout never reads an object of an older shape), and the Python and
pydantic versions. An entry can therefore never be stale: editing a taxonomy file, or
the code, changes the key.

An entry is one file, `<cache>/taxonomy/<key>.pickle`: a header holding the key, then
the pickled (Taxonomy, CompiledCatalog). It is written atomically, readable by its owner
only, and checked when read (header, types, and the taxonomy's digest against the files
hashed); anything wrong (a truncated, corrupt or foreign file) is a miss, and the entry
is written again. A cache folder that cannot be created or written is no error either:
the taxonomy is loaded as without a cache. Only a taxonomy that loads without problems
is cached, so its errors are reported on every run. Pickle runs code when it loads, so
the folder must be the user's own, as for Python's own bytecode cache.

Within one process, taxonomies loaded here are also kept in memory by key, so a fleet
of companies loads and compiles the taxonomy once, and a taxonomy rebuilt from an edition
store's copy of its files (`parse_cached_taxonomy`) is the one already loaded from its folder.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from pathlib import Path

import pydantic

from naftiko_writer import __version__, data_files
from naftiko_writer.files import write_cache_file
from naftiko_writer.scoring import models, names, scorer, taxonomy
from naftiko_writer.scoring.models import Taxonomy
from naftiko_writer.scoring.scorer import CompiledCatalog, compiled_catalog, remember_compiled

CACHE_FORMAT = 1
"""Raise when the layout of a cache file changes."""
CACHE_SUBDIR = "taxonomy"
_HEADER = b"naftiko-writer taxonomy cache\n"
_KEPT_ENTRIES = 8
"""Entries kept in the cache folder; older ones (of taxonomies since edited) are removed when one is written."""
_KEPT_IN_MEMORY = 4
_SHAPING_MODULES = (data_files, models, names, scorer, taxonomy, sys.modules[__name__])
"""The modules whose source decides what a cached object holds: their bytes are part of the key."""
_loaded: dict[str, Taxonomy] = {}


def load_cached_taxonomy(taxonomy_dir: Path, cache_dir: Path | None) -> Taxonomy:
    """`load_taxonomy`, answered from `cache_dir` when it holds this taxonomy (None: no cache on disk)."""
    contents = taxonomy.read_taxonomy_files(taxonomy_dir)  # each file read once, for the key and, on a miss, to parse
    return parse_cached_taxonomy(contents, cache_dir)


def parse_cached_taxonomy(contents: list[tuple[Path, bytes]], cache_dir: Path | None) -> Taxonomy:
    """`parse_taxonomy` of these files' bytes, answered from memory or `cache_dir` when either holds them.

    The key is of the files' names and bytes, not of their folder: the files of a taxonomy stored with an
    edition are the same taxonomy as the folder they were read from.
    """
    key = cache_key(contents)
    loaded = _loaded.get(key)
    if loaded is not None:
        return loaded
    digest = taxonomy.taxonomy_digest(data for _, data in contents)
    entry = cache_dir / CACHE_SUBDIR / f"{key}.pickle" if cache_dir is not None else None
    cached = _read_entry(entry, key, digest) if entry is not None else None
    if cached is not None:
        loaded, compiled = cached
        remember_compiled(loaded, compiled)
    else:
        loaded = taxonomy.parse_taxonomy(contents)
        if entry is not None:
            _write_entry(entry, key, loaded, compiled_catalog(loaded))
    _loaded[key] = loaded
    while len(_loaded) > _KEPT_IN_MEMORY:
        del _loaded[next(iter(_loaded))]
    return loaded


def cache_key(contents: list[tuple[Path, bytes]]) -> str:
    """sha256 of the cache format, versions, shaping modules' source and every file's name, size and bytes."""
    key = hashlib.sha256()
    versions = f"{CACHE_FORMAT}\0{__version__}\0{sys.version}\0{pydantic.VERSION}\0"
    key.update(versions.encode())
    for module in _SHAPING_MODULES:
        key.update(_source_digest(module.__file__))
    for path, data in contents:
        key.update(f"{path.name}\0{len(data)}\0".encode())
        key.update(data)
    return key.hexdigest()


_source_digests: dict[str | None, bytes] = {}


def _source_digest(file: str | None) -> bytes:
    """sha256 of a module's file (read once per process); nothing if it has none."""
    digest = _source_digests.get(file)
    if digest is None:
        try:
            digest = hashlib.sha256(Path(file).read_bytes()).digest() if file else b""
        except OSError:
            digest = b""
        _source_digests[file] = digest
    return digest


def _read_entry(entry: Path, key: str, digest: str) -> tuple[Taxonomy, CompiledCatalog] | None:
    """The cached pair, or None when the entry is missing, unreadable, corrupt or not this taxonomy's."""
    header = _HEADER + key.encode() + b"\n"
    try:
        data = entry.read_bytes()
        if not data.startswith(header):
            return None
        loaded = pickle.loads(data[len(header) :])
    except Exception:  # a damaged or foreign cache file is a miss, whatever unpickling it raises
        return None
    if not (isinstance(loaded, tuple) and len(loaded) == 2):
        return None
    cached_taxonomy, compiled = loaded
    if not (isinstance(cached_taxonomy, Taxonomy) and isinstance(compiled, CompiledCatalog)):
        return None
    if cached_taxonomy.digest != digest:
        return None
    return cached_taxonomy, compiled


def _write_entry(entry: Path, key: str, loaded: Taxonomy, compiled: CompiledCatalog) -> None:
    """Write an entry atomically (owner-only); give up silently when the folder cannot be written."""
    data = _HEADER + key.encode() + b"\n" + pickle.dumps((loaded, compiled), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        write_cache_file(entry, data)
    except OSError:
        return
    _remove_old_entries(entry.parent)


def _remove_old_entries(folder: Path) -> None:
    """Keep the most recently written entries; others belong to taxonomies or code since changed."""
    try:
        entries = sorted(folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime, reverse=True)
        for old in entries[_KEPT_ENTRIES:]:
            old.unlink(missing_ok=True)
    except OSError:
        return
