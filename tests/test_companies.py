"""Finding companies by slug or path, and refusing anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko_writer.errors import InputError
from naftiko_writer.scoring.companies import list_companies, load_company, resolve_company
from tests.conftest import COMPANIES_DIR, VALID_SIGNALS, write


def test_slug_resolves_under_companies_dir() -> None:
    found = resolve_company("spotify", COMPANIES_DIR)
    assert found.slug == "spotify"
    assert found.path == COMPANIES_DIR / "spotify" / "signals.yaml"


def test_path_resolves_directly(tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    assert load_company(str(path), COMPANIES_DIR).company.name == "Acme"


def test_unknown_slug_lists_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        resolve_company("spotfy", COMPANIES_DIR)
    assert str(caught.value) == (
        f"unknown company 'spotfy' in {COMPANIES_DIR} (known: spotify); "
        "run `naftiko-writer companies` or pass a path to a signals file"
    )


@pytest.mark.parametrize("reference", ["../../etc", "/etc/passwd", "Spotify", "a b", ""])
def test_non_slugs_never_touch_the_filesystem(reference: str) -> None:
    with pytest.raises(InputError, match="is neither a company slug"):
        resolve_company(reference, COMPANIES_DIR)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.yaml: file does not exist; check the path or pass a company slug"):
        resolve_company(str(tmp_path / "nope.yaml"), COMPANIES_DIR)


def test_declared_slug_must_match_folder(tmp_path: Path) -> None:
    write(tmp_path / "other" / "signals.yaml", VALID_SIGNALS)
    with pytest.raises(InputError, match="declares slug 'acme' but lives in folder 'other'"):
        load_company("other", tmp_path)


def test_list_companies_finds_fixture_folders(tmp_path: Path) -> None:
    write(tmp_path / "acme" / "signals.json", "{}")
    write(tmp_path / "beta" / "signals.yaml", VALID_SIGNALS)
    (tmp_path / "empty").mkdir()
    assert [c.slug for c in list_companies(tmp_path)] == ["acme", "beta"]
    assert [c.slug for c in list_companies(COMPANIES_DIR)] == ["spotify"]
