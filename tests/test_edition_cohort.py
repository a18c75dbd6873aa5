"""An edition read back as a cohort (editions/cohort.py) equals one recomputed from the companies' own data."""

from __future__ import annotations

from pathlib import Path

import pytest

from naftiko_writer.editions.cohort import edition_taxonomy, load_cohort
from naftiko_writer.editions.store import open_store
from naftiko_writer.errors import NaftikoWriterError
from naftiko_writer.report.cohort import Cohort
from naftiko_writer.scoring.models import Taxonomy
from naftiko_writer.scoring.names import name_key
from tests.conftest import REAL_EDITION


def test_the_stored_edition_is_the_cohort_the_scorer_computes(
    real_store: Path, real_cohort: Cohort, taxonomy: Taxonomy
) -> None:
    with open_store(real_store, write=False) as store:
        stored = load_cohort(store.connection, REAL_EDITION)
        assert edition_taxonomy(store.connection, REAL_EDITION, real_store).digest == taxonomy.digest
    assert stored.edition == REAL_EDITION
    by_slug = {member.slug: member for member in stored.members}
    assert set(by_slug) == {member.slug for member in real_cohort.members}
    for expected in real_cohort.members:
        got = by_slug[expected.slug]
        assert (got.name, got.industry) == (expected.name, expected.industry)
        assert dict(got.scores) == dict(expected.scores), expected.slug
        assert dict(got.layer_scores) == pytest.approx(dict(expected.layer_scores)), expected.slug
        assert {name_key(n) for n in got.signals} == {name_key(n) for n in expected.signals}, expected.slug


def test_an_unknown_edition_is_one_line_naming_those_there_are(real_store: Path) -> None:
    with open_store(real_store, write=False) as store, pytest.raises(NaftikoWriterError) as raised:
        load_cohort(store.connection, "2031-Q4")
    assert "no edition '2031-Q4'" in str(raised.value) and REAL_EDITION in str(raised.value)
