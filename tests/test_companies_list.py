"""One companies list for `import --companies` and `edition add --industries`: YAML, JSON or CSV profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.profiles import CompanyProfile, load_company_profiles
from tests.conftest import REAL_DIR, write


def test_a_yaml_list_takes_profiles_or_an_industry_alone_and_reads_runs_of_spaces_as_one(tmp_path: Path) -> None:
    listed = write(tmp_path / "companies.yaml", "adp: {name: ADP, industry: Human  Resources}\nlego: Toys\nnone-yet:\n")
    assert load_company_profiles(listed) == {
        "adp": CompanyProfile(name="ADP", industry="Human Resources"),
        "lego": CompanyProfile(industry="Toys"),
        "none-yet": CompanyProfile(),
    }


def test_a_csv_list_has_an_optional_header_and_up_to_four_columns(tmp_path: Path) -> None:
    table = write(tmp_path / "c.csv", 'slug,industry,name,description\nadp,HR,ADP,"Payroll, at scale."\nlego,Toys\n')
    assert load_company_profiles(table) == {
        "adp": CompanyProfile(name="ADP", industry="HR", description="Payroll, at scale."),
        "lego": CompanyProfile(industry="Toys"),
    }
    assert load_company_profiles(write(tmp_path / "bare.csv", "lego,Toys\n")) == {
        "lego": CompanyProfile(industry="Toys")
    }


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("one.csv", "lego\n", "row 1: write `slug,industry[,name[,description]]`"),
        ("long.csv", "lego," + "x" * 101 + "\n", "row 1: industry: String should have at most 100 characters"),
        ("slug.yaml", "Not A Slug: Toys\n", "'Not A Slug' is not a company slug (lower-case letters, digits, hyphens)"),
        ("list.yaml", "- lego\n", "expected a mapping from company slug to {name, industry, description}"),
    ],
)
def test_a_bad_list_is_one_error_naming_the_file_and_the_entry(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(InputError) as raised:
        load_company_profiles(path)
    assert str(raised.value) == f"{path}: {message}"


def test_edition_add_takes_the_lists_name_industry_and_description(runner: CliRunner, tmp_path: Path) -> None:
    listed = write(tmp_path / "c.csv", "accord,Sales,Accord Inc,Accord sells things.\n")
    store = str(tmp_path / "e.sqlite")
    args = ["edition", "add", "E", str(REAL_DIR / "accord"), "--industries", str(listed), "--store", store]
    assert runner.invoke(app, args).exit_code == 0
    card = json.loads(runner.invoke(app, ["edition", "company", "E", "accord", "--store", store, "--json"]).stdout)
    company = card["scorecard"]["company"]
    assert (card["industry"], company["name"], company["description"]) == (
        "Sales",
        "Accord Inc",
        "Accord sells things.",
    )


def test_import_reads_a_csv_companies_list(runner: CliRunner, tmp_path: Path) -> None:
    listed = write(tmp_path / "c.csv", "slug,industry,name\nadp,Human Resources,ADP\n")
    out = tmp_path / "adp.yaml"
    result = runner.invoke(app, ["import", str(REAL_DIR / "adp"), "--out", str(out), "--companies", str(listed)])
    assert result.exit_code == 0, result.stderr
    assert "industry: Human Resources" in out.read_text().split("signals:")[0]
