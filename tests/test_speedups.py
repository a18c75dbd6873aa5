"""The speed-up plugin is the one switch: on, the product functions it lists are replaced; off, none is."""

from __future__ import annotations

import gc
import os

import pytest

from naftiko_writer import data_files
from naftiko_writer.drafting import industry_draft, run
from naftiko_writer.scoring import companies, raw_lists, taxonomy
from tests import speedups


def test_the_switch_decides_whether_any_product_function_is_replaced(pytestconfig: pytest.Config) -> None:
    in_use = {
        "os.fsync": os.fsync,
        "data_files.parse_yaml": vars(data_files)["parse_yaml"],
        "raw_lists.parse_yaml": vars(raw_lists)["parse_yaml"],
        "taxonomy.parse_taxonomy": vars(taxonomy)["parse_taxonomy"],
        "run.build_vocabulary": vars(run)["build_vocabulary"],
        "industry_draft.build_vocabulary": vars(industry_draft)["build_vocabulary"],
        "companies.import_signals": vars(companies)["import_signals"],
        "run.score_with": vars(run)["score_with"],
        "companies.load_signals": vars(companies)["load_signals"],
    }
    replaced = {name: function.__module__ == speedups.__name__ for name, function in in_use.items()}
    assert replaced == dict.fromkeys(in_use, speedups.ENABLED)
    assert (gc.get_threshold() == speedups.GC_THRESHOLDS) == speedups.ENABLED
    assert pytestconfig.pluginmanager.has_plugin("naftiko-speedups") == speedups.ENABLED
