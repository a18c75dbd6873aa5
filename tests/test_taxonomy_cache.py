"""The per-user taxonomy cache: used when it matches, never stale, never an error.

The cache's mechanics are tested on a small taxonomy folder (the shipped taxonomy.yaml and a catalogue of a few
signals; loading the shipped catalogue of some 1,000 entries is most of a load's time, and the mechanics do not
depend on its size); one test checks that the shipped taxonomy scores alike with and without the cache.
"""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.config import Settings
from naftiko_writer.errors import TaxonomyError
from naftiko_writer.scoring import scorer, taxonomy, taxonomy_cache
from naftiko_writer.scoring.companies import load_company
from naftiko_writer.scoring.models import Taxonomy, to_json
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.taxonomy import load_taxonomy, parse_taxonomy
from naftiko_writer.scoring.taxonomy_cache import load_cached_taxonomy
from tests.conftest import COMPANIES_DIR, TAXONOMY_DIR

Loader = Callable[[Path], Taxonomy]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the real loader parsed, with nothing kept in memory between loads (each is a new process)."""
    parsed: list[Path] = []

    def counting_parse(contents: list[tuple[Path, bytes]]) -> Taxonomy:
        parsed.append(contents[0][0].parent)
        return parse_taxonomy(contents)  # this module's reference: the real parser, not the suite's reuse

    monkeypatch.setattr(taxonomy, "parse_taxonomy", counting_parse)
    monkeypatch.setattr(taxonomy_cache, "_loaded", {})
    monkeypatch.setattr(scorer, "_COMPILED", {})
    return parsed


SMALL_CATALOGUE = """\
kind_rules:
  service: [services]
  language: [languages]
prefix_rules:
  - {prefix: Apache, dimensions: [apache, open-source]}
signals:
  - {name: Amazon Web Services, aliases: [AWS], dimensions: [cloud, services]}
  - {name: Terraform, dimensions: [automation, platform]}
  - {name: machine learning, aliases: [ML], dimensions: [artificial-intelligence]}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A writable taxonomy folder: the shipped taxonomy.yaml and a three-entry signals.yaml (no catalogue/)."""
    folder = tmp_path / "small-taxonomy"
    folder.mkdir()
    (folder / "taxonomy.yaml").write_bytes((TAXONOMY_DIR / "taxonomy.yaml").read_bytes())
    (folder / "signals.yaml").write_text(SMALL_CATALOGUE, encoding="utf-8")
    return folder


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process loaded and compiled, as a new command would start."""
    monkeypatch.setattr(taxonomy_cache, "_loaded", {})
    monkeypatch.setattr(scorer, "_COMPILED", {})


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / taxonomy_cache.CACHE_SUBDIR).glob("*.pickle"))


def test_a_second_load_is_answered_by_the_cache(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    cache_dir = tmp_path / "cache"
    first = load_cached_taxonomy(small, cache_dir)
    assert parses == [small]
    assert len(entries(cache_dir)) == 1
    assert entries(cache_dir)[0].stat().st_mode & 0o777 == 0o600

    new_process(monkeypatch)

    def no_compiling(_: Taxonomy) -> None:
        raise AssertionError("the compiled catalogue should come from the cache")

    monkeypatch.setattr(scorer, "compile_catalog", no_compiling)
    second = load_cached_taxonomy(small, cache_dir)
    assert parses == [small]  # not parsed again
    assert second == first and second is not first
    Scorer(second)  # its matcher takes the cached compiled catalogue


def test_same_score_cards_with_and_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    """The shipped taxonomy, Spotify's signals (every kind, exact entries, keyword and prefix rules)."""
    spotify = load_company("spotify", COMPANIES_DIR)
    expected = to_json(Scorer(load_taxonomy(TAXONOMY_DIR)).score(spotify))
    load_cached_taxonomy(TAXONOMY_DIR, tmp_path)
    assert parses == [TAXONOMY_DIR, TAXONOMY_DIR]  # the direct load, then the cache's first
    new_process(monkeypatch)
    cached = Scorer(load_cached_taxonomy(TAXONOMY_DIR, tmp_path))
    assert parses == [TAXONOMY_DIR, TAXONOMY_DIR]  # the second came from the cache
    assert to_json(cached.score(spotify)) == expected


def test_editing_a_taxonomy_file_misses_the_cache(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    before = load_cached_taxonomy(small, tmp_path)
    structure = small / "taxonomy.yaml"
    structure.write_text(structure.read_text().replace('version: "', 'version: "edited-', 1))
    new_process(monkeypatch)
    after = load_cached_taxonomy(small, tmp_path)
    assert len(parses) == 2
    assert after.version == f"edited-{before.version}" and after.digest != before.digest
    assert len(entries(tmp_path)) == 2


def test_a_new_catalogue_file_misses_the_cache(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    load_cached_taxonomy(small, tmp_path)
    (small / "catalogue").mkdir()
    (small / "catalogue" / "zz-extra.yaml").write_text("signals:\n  - {name: Zebra Widgets, dimensions: [cloud]}\n")
    new_process(monkeypatch)
    after = load_cached_taxonomy(small, tmp_path)
    assert len(parses) == 2
    assert after.catalog.signals[-1].name == "Zebra Widgets"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"\x80\x05garbage" + data[100:], id="no-header"),
        pytest.param(lambda data: data[: data.index(b"\n", 40) + 1] + b"\xff" * 64, id="corrupt-pickle"),
        pytest.param(lambda data: data[: data.index(b"\n", 40) + 1] + pickle.dumps(("a", "b")), id="foreign"),
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path], damage: Callable[[bytes], bytes]
) -> None:
    expected = load_cached_taxonomy(small, tmp_path)
    (entry,) = entries(tmp_path)
    entry.write_bytes(damage(entry.read_bytes()))
    new_process(monkeypatch)
    assert load_cached_taxonomy(small, tmp_path) == expected
    assert len(parses) == 2  # parsed again
    new_process(monkeypatch)
    assert load_cached_taxonomy(small, tmp_path) == expected
    assert len(parses) == 2  # and the entry was written again


def test_an_entry_of_another_taxonomy_under_this_name_is_ignored(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    load_cached_taxonomy(small, tmp_path)
    (shipped,) = entries(tmp_path)
    other_dir = shutil.copytree(small, tmp_path / "other-taxonomy")
    structure = other_dir / "taxonomy.yaml"
    structure.write_text(structure.read_text().replace('version: "', 'version: "other-', 1))
    other = load_cached_taxonomy(other_dir, tmp_path)
    (other_entry,) = [entry for entry in entries(tmp_path) if entry != shipped]
    shipped.write_bytes(other_entry.read_bytes())  # a valid entry, of the other taxonomy
    new_process(monkeypatch)
    assert load_cached_taxonomy(small, tmp_path).version != other.version


def test_an_unwritable_cache_folder_is_no_error(tmp_path: Path, small: Path, parses: list[Path]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    loaded = load_cached_taxonomy(small, blocker / "cache")
    assert loaded.digest == load_taxonomy(small).digest
    assert not list(tmp_path.glob(".*.tmp")) and blocker.read_text() == "not a folder"


def test_no_cache_folder_still_loads_once_per_process(small: Path, parses: list[Path]) -> None:
    first = load_cached_taxonomy(small, None)
    assert load_cached_taxonomy(small, None) is first
    assert parses == [small]


def test_a_taxonomy_rebuilt_from_an_edition_store_is_the_one_loaded_from_its_folder(
    tmp_path: Path, small: Path, parses: list[Path]
) -> None:
    from naftiko_writer.editions import records
    from naftiko_writer.editions.store import open_store
    from naftiko_writer.editions.writing import Details, EditionWriter, taxonomy_files

    loaded = load_cached_taxonomy(small, None)
    stored = records.StoredTaxonomy(loaded, taxonomy_files(small, taxonomy.read_taxonomy_files(small)))
    store_path = tmp_path / "editions.sqlite"
    acme = load_company("spotify", COMPANIES_DIR)
    with open_store(store_path, write=True) as store:
        writer = EditionWriter(store, "2026-Q1", stored, now="2026-04-01T00:00:00+00:00", tool_version="test")
        writer.add(acme, Details("Spotify", None, "spotify"))
    with open_store(store_path, write=False) as store:
        taxonomy_id = records.get_edition(store.connection, "2026-Q1").taxonomy_id
        assert records.load_stored_taxonomy(store.connection, taxonomy_id, store_path).taxonomy is loaded
        assert parses == [small]  # the stored files are the folder's: parsed once, in the folder
        taxonomy_cache._loaded.clear()  # a process that never loaded the folder parses the stored files, once
        again = records.load_stored_taxonomy(store.connection, taxonomy_id, store_path).taxonomy
        assert again is not loaded and again.digest == loaded.digest
        assert records.load_stored_taxonomy(store.connection, taxonomy_id, store_path).taxonomy is again
        assert parses == [small, store_path]


def test_a_broken_taxonomy_is_never_cached(tmp_path: Path, small: Path, parses: list[Path]) -> None:
    structure = small / "taxonomy.yaml"
    structure.write_text(structure.read_text().replace("linear_dimensions: [services]", "linear_dimensions: [nope]"))
    for _ in range(2):
        with pytest.raises(TaxonomyError, match="unknown dimension 'nope'"):
            load_cached_taxonomy(small, tmp_path)
    assert len(parses) == 2 and not entries(tmp_path)


def test_each_file_is_read_once_and_the_digest_is_of_the_bytes_parsed(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    real_read = taxonomy.read_bytes
    reads: list[Path] = []

    def counting_read(path: Path) -> bytes:
        reads.append(path)
        return real_read(path)

    monkeypatch.setattr(taxonomy, "read_bytes", counting_read)
    files = taxonomy.taxonomy_files(small)
    loaded = load_cached_taxonomy(small, tmp_path)  # a miss: the bytes read for the key are the bytes parsed
    assert reads == files and parses == [small]
    assert loaded.digest == taxonomy.taxonomy_digest(path.read_bytes() for path in files)
    reads.clear()
    assert load_taxonomy(small).digest == loaded.digest
    assert reads == files


def test_a_file_missing_from_the_folder_is_named(tmp_path: Path, small: Path) -> None:
    (small / "signals.yaml").unlink()
    with pytest.raises(TaxonomyError, match=r"signals\.yaml: file does not exist"):
        load_cached_taxonomy(small, tmp_path / "cache")


def test_a_missing_folder_is_the_loaders_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="taxonomy folder does not exist"):
        load_cached_taxonomy(tmp_path / "nowhere", tmp_path / "cache")


def test_old_entries_are_removed(tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(taxonomy_cache, "_KEPT_ENTRIES", 2)
    structure = small / "taxonomy.yaml"
    text = structure.read_text()
    for number in range(4):
        structure.write_text(text.replace('version: "', f'version: "v{number}-', 1))
        load_cached_taxonomy(small, tmp_path)
    assert len(entries(tmp_path)) == 2


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"NAFTIKO_WRITER_CACHE": "/somewhere/cache", "XDG_CACHE_HOME": "/xdg"}, "/somewhere/cache"),
        ({"NAFTIKO_WRITER_CACHE": "off", "XDG_CACHE_HOME": "/xdg"}, None),
        ({"NAFTIKO_WRITER_CACHE": "", "XDG_CACHE_HOME": "/xdg"}, "/xdg/naftiko-writer"),
        ({"XDG_CACHE_HOME": "relative/cache", "HOME": "/home/analyst"}, "/home/analyst/.cache/naftiko-writer"),
        ({"HOME": "/home/analyst"}, "/home/analyst/.cache/naftiko-writer"),
    ],
)
def test_where_the_cache_is(monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str | None) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    found = Settings().resolved_cache_dir()
    assert (str(found) if found is not None else None) == expected


def test_score_writes_and_reads_the_cache(
    runner: CliRunner, tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = ["score", "spotify", "--json", "--taxonomy", str(small)]
    monkeypatch.setenv("NAFTIKO_WRITER_CACHE", "off")
    uncached = runner.invoke(app, command)
    monkeypatch.setenv("NAFTIKO_WRITER_CACHE", str(tmp_path))
    new_process(monkeypatch)
    written = runner.invoke(app, command)
    assert len(entries(tmp_path)) == 1
    new_process(monkeypatch)
    read = runner.invoke(app, command)
    assert uncached.exit_code == written.exit_code == read.exit_code == 0
    assert uncached.stdout == written.stdout == read.stdout


def test_a_change_to_the_code_misses_the_cache(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    load_cached_taxonomy(small, tmp_path)
    new_process(monkeypatch)
    monkeypatch.setattr(taxonomy_cache, "_source_digests", {scorer.__file__: b"an edited scorer"})
    load_cached_taxonomy(small, tmp_path)
    assert len(parses) == 2 and len(entries(tmp_path)) == 2
