"""The edition store: adding and re-adding, closing and restating, tie-aware ranks, exact change attribution."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.editions import records
from naftiko_writer.editions.changes import company_changes, edition_changes, missing_cross_scorings
from naftiko_writer.editions.queries import rank_edition, show_edition
from naftiko_writer.editions.records import StoredTaxonomy
from naftiko_writer.editions.store import open_store
from naftiko_writer.editions.writing import (
    Details,
    EditionWriter,
    ScoringWriter,
    Status,
    close_edition,
    restate_edition,
    taxonomy_files,
)
from naftiko_writer.errors import EditionError
from naftiko_writer.scoring.models import Company, CompanySignals, Signal, SignalKind, Taxonomy
from naftiko_writer.scoring.scorer import score_company
from naftiko_writer.scoring.taxonomy import load_taxonomy, read_taxonomy_files
from tests.conftest import ROOT, TAXONOMY_DIR

REAL = ROOT / "fixtures" / "real"
NOW = "2026-04-01T00:00:00+00:00"
UNCOUNTED = "Zzyzx Frobnicator"
"""A name no shipped taxonomy rule recognises; the bumped test taxonomy counts it for Cloud."""


def stored(taxonomy_dir: Path) -> StoredTaxonomy:
    return StoredTaxonomy(load_taxonomy(taxonomy_dir), taxonomy_files(taxonomy_dir, read_taxonomy_files(taxonomy_dir)))


def company(slug: str, *signals: tuple[str, str] | tuple[str, str, int]) -> CompanySignals:
    return CompanySignals(
        company=Company(name=slug.title(), slug=slug, as_of=dt.date(2026, 3, 1)),
        signals=[Signal(kind=SignalKind(s[0]), name=s[1], evidence=s[2] if len(s) == 3 else 1) for s in signals],  # type: ignore[misc]
    )


def add(store_path: Path, edition: str, taxonomy: StoredTaxonomy, *companies: CompanySignals) -> list[Status]:
    with open_store(store_path, write=True) as store:
        writer = EditionWriter(store, edition, taxonomy, now=NOW, tool_version="test")
        return [writer.add(c, Details(c.company.name, None, c.company.slug)).status for c in companies]


@pytest.fixture(scope="module")
def base() -> StoredTaxonomy:
    return stored(TAXONOMY_DIR)


@pytest.fixture(scope="module")
def bumped(tmp_path_factory: pytest.TempPathFactory) -> StoredTaxonomy:
    """The shipped taxonomy with a new version that also counts UNCOUNTED for Cloud."""
    folder = tmp_path_factory.mktemp("taxonomy") / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, folder)
    structure = folder / "taxonomy.yaml"
    text = structure.read_text()
    version = next(line for line in text.splitlines() if line.startswith("version:"))
    structure.write_text(text.replace(version, "version: 2099.1.1", 1))
    (folder / "catalogue" / "zz-test.yaml").write_text(f"signals:\n  - {{name: {UNCOUNTED}, dimensions: [cloud]}}\n")
    return stored(folder)


ACME_A = company("acme", ("service", "Amazon Web Services"), ("tool", "Terraform"), ("concept", UNCOUNTED))
ACME_B = company(
    "acme", ("service", "Amazon Web Services"), ("tool", "Terraform", 4), ("tool", "Kubernetes"), ("concept", UNCOUNTED)
)
BETA = company("beta", ("service", "Amazon Web Services"), ("tool", "Terraform"), ("concept", UNCOUNTED))
GAMMA_A = company("gamma", ("service", "Salesforce"))
GAMMA_B = company("gamma", ("service", "Salesforce"), ("service", "Google Cloud Platform"), ("tool", "Kubernetes", 8))


def scores(card_of: CompanySignals, taxonomy: Taxonomy) -> dict[str, int]:
    card = score_company(card_of, taxonomy)
    return {**{d.id: d.score for d in card.dimensions}, "total": sum(d.score for d in card.dimensions)}


# --- adding ------------------------------------------------------------------------------------------------------


def test_add_then_re_add_is_a_no_op_and_changed_signals_replace(tmp_path: Path, base: StoredTaxonomy) -> None:
    store_path = tmp_path / "s.sqlite"
    assert add(store_path, "2026-Q1", base, ACME_A, BETA) == [Status.ADDED, Status.ADDED]
    assert add(store_path, "2026-Q1", base, ACME_A, BETA) == [Status.UNCHANGED, Status.UNCHANGED]
    reordered = CompanySignals(company=ACME_A.company, signals=list(reversed(ACME_A.signals)))
    assert add(store_path, "2026-Q1", base, reordered) == [Status.UNCHANGED]  # same signals, another order
    with open_store(store_path, write=True) as store:
        writer = EditionWriter(store, "2026-Q1", base, now=NOW, tool_version="test")
        outcome = writer.add(ACME_B, Details("Acme", None, "acme-b.yaml"))
    assert outcome.status is Status.REPLACED
    assert outcome.detail == "1 signal added, 0 removed, 1 with other evidence"
    with open_store(store_path, write=False) as store:
        member = records.find_member(store.connection, "2026-Q1", "acme")
        assert member is not None and member.source == "acme-b.yaml"
        assert records.scores_of(store.connection, member.scoring_id) == {
            k: v for k, v in scores(ACME_B, base.taxonomy).items() if k != "total"
        }
        # The replaced set is gone; the edition holds exactly two companies, each set once.
        assert store.connection.execute("SELECT count(*) FROM signal_sets").fetchone()[0] == 2
        assert records.get_edition(store.connection, "2026-Q1").companies == 2


def test_a_changed_industry_updates_the_company_without_rescoring(tmp_path: Path, base: StoredTaxonomy) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "E", base, ACME_A)
    with open_store(store_path, write=True) as store:
        writer = EditionWriter(store, "E", base, now=NOW, tool_version="test")
        outcome = writer.add(ACME_A, Details("Acme", "Financial", "acme"))
        scorings = store.connection.execute("SELECT count(*) FROM scorings").fetchone()[0]
    assert (outcome.status, outcome.detail) == (Status.UPDATED, "industry unknown -> Financial")
    assert scorings == 1


def test_the_cli_adds_the_shared_companies_with_industries_and_reports_a_bad_source(
    runner: CliRunner, tmp_path: Path
) -> None:
    industries = tmp_path / "industries.yaml"
    industries.write_text('adp: {name: "ADP", industry: "Human Resources"}\naccord: Sales\n')
    bad = tmp_path / "broken.yaml"
    bad.write_text("company: {name: X}\n")
    store = str(tmp_path / "e.sqlite")
    args = ["edition", "add", "2026-Q1", str(REAL / "adp"), str(bad), str(REAL / "accord"), "--store", store]
    result = runner.invoke(app, [*args, "--industries", str(industries), "--json"])
    assert result.exit_code == 1  # the bad source fails the run, after the others are added
    report = json.loads(result.stdout)
    assert report["format_version"] == 1
    assert report["counts"] == {"added": 2, "replaced": 0, "updated": 0, "unchanged": 0, "failed": 1}
    assert [o["status"] for o in report["outcomes"]] == ["added", "failed", "added"]
    detail = report["outcomes"][1]["detail"]
    assert detail.startswith(f"{bad} has 2 problems: ") and "\n" not in detail  # slug and signals (as_of is optional)
    assert f"Error: {detail}\n" in result.stderr
    ranked = runner.invoke(app, ["edition", "rank", "2026-Q1", "total", "--store", store, "--json"])
    assert ranked.exit_code == 0, ranked.stderr
    rows = json.loads(ranked.stdout)["rows"]
    assert [(row["slug"], row["name"], row["industry"]) for row in rows] == [
        ("adp", "ADP", "Human Resources"),
        ("accord", "Accord", "Sales"),
    ]
    again = runner.invoke(app, [*args[:4], str(REAL / "accord"), "--store", store, "--industries", str(industries)])
    assert again.exit_code == 0
    assert "2026-Q1: 0 added, 0 replaced, 0 updated, 2 unchanged, 0 failed" in again.stderr


def test_industries_from_a_csv_file_and_errors_in_one(runner: CliRunner, tmp_path: Path) -> None:
    table = tmp_path / "industries.csv"
    table.write_text("slug,industry\naccord,Sales\n")
    store = str(tmp_path / "e.sqlite")
    result = runner.invoke(
        app, ["edition", "add", "E", str(REAL / "accord"), "--store", store, "--industries", str(table)]
    )
    assert result.exit_code == 0, result.stderr
    shown = json.loads(runner.invoke(app, ["edition", "show", "E", "--store", store, "--json"]).stdout)
    assert shown["industries"] == {"Sales": 1}
    table.write_text("Not A Slug,Sales\n")
    result = runner.invoke(
        app, ["edition", "add", "E", str(REAL / "accord"), "--store", store, "--industries", str(table)]
    )
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: {table}: 'Not A Slug' is not a company slug (lower-case letters, digits, hyphens)\n"
    )


# --- closing and restating ------------------------------------------------------------------------------------------


def test_a_closed_edition_never_changes_and_restating_makes_a_new_one(
    tmp_path: Path, base: StoredTaxonomy, bumped: StoredTaxonomy
) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "2026-Q1", base, ACME_A, GAMMA_A)
    with open_store(store_path, write=True) as store:
        assert close_edition(store, "2026-Q1", NOW) is True
        assert close_edition(store, "2026-Q1", NOW) is False
        with pytest.raises(EditionError, match=r"edition 2026-Q1 is closed \(since .*\) and never changes"):
            EditionWriter(store, "2026-Q1", base, now=NOW, tool_version="test")
        name, count = restate_edition(
            store, "2026-Q1", bumped, now=NOW, tool_version="test", on_company=lambda *_: None
        )
        assert (name, count) == ("2026-Q1r1", 2)
        with pytest.raises(EditionError, match=r"already scored under taxonomy 2099\.1\.1; nothing to restate"):
            restate_edition(store, "2026-Q1r1", bumped, now=NOW, tool_version="test", on_company=lambda *_: None)
        connection = store.connection
        original = records.get_edition(connection, "2026-Q1")
        restated = records.get_edition(connection, "2026-Q1r1")
        assert (original.taxonomy_version, original.closed) == (base.taxonomy.version, True)
        assert (restated.taxonomy_version, restated.restated_from, restated.closed) == ("2099.1.1", "2026-Q1", False)
        old = records.find_member(connection, "2026-Q1", "acme")
        new = records.find_member(connection, "2026-Q1r1", "acme")
        assert old is not None and new is not None and old.set_id == new.set_id  # the same signals, stored once
        assert records.scores_of(connection, old.scoring_id)["cloud"] == scores(ACME_A, base.taxonomy)["cloud"]
        assert records.scores_of(connection, new.scoring_id)["cloud"] == scores(ACME_A, bumped.taxonomy)["cloud"]
        assert scores(ACME_A, bumped.taxonomy)["cloud"] > scores(ACME_A, base.taxonomy)["cloud"]


def test_adding_under_another_taxonomy_is_refused(tmp_path: Path, base: StoredTaxonomy, bumped: StoredTaxonomy) -> None:
    add(tmp_path / "s.sqlite", "E", base, ACME_A)
    with pytest.raises(EditionError, match=r"edition E is scored under taxonomy .* not 2099\.1\.1 .*edition restate E"):
        add(tmp_path / "s.sqlite", "E", bumped, BETA)


def test_restating_resumes_an_unfinished_restatement(
    tmp_path: Path, base: StoredTaxonomy, bumped: StoredTaxonomy
) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "Q1", base, ACME_A, BETA, GAMMA_A)
    with open_store(store_path, write=True) as store:

        def stop_after_one(_slug: str, done: int) -> None:
            if done == 1:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            restate_edition(store, "Q1", bumped, now=NOW, tool_version="test", on_company=stop_after_one)
        assert restate_edition(store, "Q1", bumped, now=NOW, tool_version="test", on_company=lambda *_: None) == (
            "Q1r1",
            2,
        )
        assert [e.name for e in records.list_editions(store.connection)] == ["Q1", "Q1r1"]
        assert records.get_edition(store.connection, "Q1r1").companies == 3


# --- queries ------------------------------------------------------------------------------------------------------


def test_ranks_are_tie_aware(tmp_path: Path, base: StoredTaxonomy) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "E", base, ACME_B, ACME_A.model_copy(update={"company": BETA.company}), GAMMA_B, GAMMA_A.model_copy(
        update={"company": Company(name="Delta", slug="delta", as_of=dt.date(2026, 3, 1))}
    ))  # fmt: skip
    expected = {
        "acme": scores(ACME_B, base.taxonomy)["cloud"],
        "beta": scores(ACME_A, base.taxonomy)["cloud"],
        "gamma": scores(GAMMA_B, base.taxonomy)["cloud"],
        "delta": scores(GAMMA_A, base.taxonomy)["cloud"],
    }
    with open_store(store_path, write=False) as store:
        ranking = rank_edition(store.connection, "E", "Cloud")
        rows = {row.slug: (row.rank, row.joint, row.score) for row in ranking.rows}
        assert {slug: score for slug, (_, _, score) in rows.items()} == expected
        for rank, joint, score in rows.values():
            higher = sum(1 for other in expected.values() if other > score)
            assert rank == 1 + higher
            assert joint == (sum(1 for other in expected.values() if other == score) > 1)


def test_equal_scores_share_a_rank_and_the_next_rank_skips(tmp_path: Path, base: StoredTaxonomy) -> None:
    same = [company(slug, ("service", "Amazon Web Services")) for slug in ("a-co", "b-co", "c-co")]
    best = company("d-co", ("service", "Amazon Web Services"), ("service", "Salesforce"))
    add(tmp_path / "s.sqlite", "E", base, *same, best)
    with open_store(tmp_path / "s.sqlite", write=False) as store:
        ranking = rank_edition(store.connection, "E", "services")
        top = rank_edition(store.connection, "E", "services", top=2)
    assert [(row.slug, row.rank, row.joint) for row in ranking.rows] == [
        ("d-co", 1, False),
        ("a-co", 2, True),
        ("b-co", 2, True),
        ("c-co", 2, True),
    ]
    assert [row.slug for row in top.rows] == ["d-co", "a-co", "b-co", "c-co"]  # everyone tied at rank 2


def test_show_sums_medians_maxima_and_every_tied_leader(tmp_path: Path, base: StoredTaxonomy) -> None:
    add(tmp_path / "s.sqlite", "E", base, ACME_A, BETA, GAMMA_B)
    with open_store(tmp_path / "s.sqlite", write=False) as store:
        summary = show_edition(store.connection, "E")
    cards = [scores(c, base.taxonomy) for c in (ACME_A, BETA, GAMMA_B)]
    cloud = next(d for d in summary.dimensions if d.id == "cloud")
    values = sorted(card["cloud"] for card in cards)
    assert (cloud.total, cloud.median, cloud.maximum) == (sum(values), float(values[1]), values[2])
    terraform = next(d for d in summary.dimensions if d.id == "services")
    assert terraform.leaders == sorted(
        slug
        for slug, card in zip(("acme", "beta", "gamma"), cards, strict=True)
        if card["services"] == terraform.maximum
    )
    assert summary.total == sum(card["total"] for card in cards)
    assert summary.industries == {"unknown": 3}


def test_company_is_the_stored_scorecard(runner: CliRunner, tmp_path: Path) -> None:
    store = str(tmp_path / "e.sqlite")
    assert runner.invoke(app, ["edition", "add", "E", str(REAL / "accord"), "--store", store]).exit_code == 0
    result = runner.invoke(app, ["edition", "company", "E", "accord", "--store", store, "--json"])
    scored = runner.invoke(app, ["score", str(REAL / "accord"), "--json"])
    data = json.loads(result.stdout)
    assert data["differing_from_stored"] == [] and data["format_version"] == 1
    assert data["scorecard"] == json.loads(scored.stdout)
    table = runner.invoke(app, ["edition", "company", "E", "accord", "--store", store])
    assert "Accord — " in table.stdout and "Layer 1: " in table.stdout


# --- changes --------------------------------------------------------------------------------------------------------


def test_changes_when_only_the_signals_changed(tmp_path: Path, base: StoredTaxonomy) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "A", base, ACME_A, BETA)
    add(store_path, "B", base, ACME_B, BETA)
    with open_store(store_path, write=False) as store:
        changes = company_changes(store.connection, store_path, "acme", "A", "B")
    before, after = scores(ACME_A, base.taxonomy), scores(ACME_B, base.taxonomy)
    assert (changes.signals_added, changes.signals_removed, changes.evidence_changed) == (1, 0, 1)
    for d in changes.dimensions:
        assert (d.delta, d.signals, d.taxonomy) == (after[d.id] - before[d.id], after[d.id] - before[d.id], 0)
        assert d.now_counted == d.no_longer_counted == []
    containers = next(d for d in changes.dimensions if d.id == "containers")
    assert containers.delta and containers.delta > 0 and containers.added == ["Kubernetes"]
    assert containers.percent is None if before["containers"] == 0 else containers.percent is not None


def test_changes_when_only_the_taxonomy_changed(tmp_path: Path, base: StoredTaxonomy, bumped: StoredTaxonomy) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "A", base, ACME_A, GAMMA_A)
    add(store_path, "B", bumped, ACME_A, GAMMA_A)
    with open_store(store_path, write=False) as store:
        changes = company_changes(store.connection, store_path, "acme", "A", "B")
    before, after = scores(ACME_A, base.taxonomy), scores(ACME_A, bumped.taxonomy)
    assert (changes.signals_added, changes.signals_removed, changes.evidence_changed) == (0, 0, 0)
    for d in changes.dimensions:
        assert (d.delta, d.signals, d.taxonomy) == (after[d.id] - before[d.id], 0, after[d.id] - before[d.id])
    cloud = next(d for d in changes.dimensions if d.id == "cloud")
    assert cloud.taxonomy and cloud.taxonomy > 0 and cloud.now_counted == [UNCOUNTED]
    assert (changes.taxonomy_before, changes.taxonomy_after) == (base.taxonomy.version, "2099.1.1")


def test_changes_when_only_the_peers_changed(tmp_path: Path, base: StoredTaxonomy) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "A", base, BETA, GAMMA_A)
    add(store_path, "B", base, BETA, GAMMA_B)  # gamma overtakes beta on Cloud; beta's data is the same
    with open_store(store_path, write=False) as store:
        changes = company_changes(store.connection, store_path, "beta", "A", "B")
    cloud = next(d for d in changes.dimensions if d.id == "cloud")
    assert scores(GAMMA_A, base.taxonomy)["cloud"] < scores(BETA, base.taxonomy)["cloud"]
    assert scores(GAMMA_B, base.taxonomy)["cloud"] > scores(BETA, base.taxonomy)["cloud"]
    assert (cloud.delta, cloud.signals, cloud.taxonomy) == (0, 0, 0)
    assert (cloud.rank_before, cloud.rank_after, cloud.move, cloud.own, cloud.peers) == (1, 2, -1, 0, -1)
    assert changes.status == "changed"


def test_changes_when_signals_and_taxonomy_and_peers_all_changed(
    tmp_path: Path, base: StoredTaxonomy, bumped: StoredTaxonomy
) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "A", base, ACME_A, GAMMA_A, BETA)
    add(store_path, "B", bumped, ACME_B, GAMMA_B)
    with open_store(store_path, write=False) as store:
        changes = company_changes(store.connection, store_path, "acme", "A", "B")
        gone = company_changes(store.connection, store_path, "beta", "A", "B")
    s_aa, s_bb = scores(ACME_A, base.taxonomy), scores(ACME_B, bumped.taxonomy)
    s_ab = scores(ACME_A, bumped.taxonomy)
    for d in changes.dimensions:
        assert (d.signals, d.taxonomy, d.delta) == (
            s_bb[d.id] - s_ab[d.id],
            s_ab[d.id] - s_aa[d.id],
            s_bb[d.id] - s_aa[d.id],
        )
        assert d.move == d.own + d.peers  # type: ignore[operator]
    assert gone.status == "gone" and all(d.delta is None and d.percent is None for d in gone.dimensions)


def test_edition_movers_split_and_name_new_and_gone_companies(
    tmp_path: Path, base: StoredTaxonomy, bumped: StoredTaxonomy
) -> None:
    store_path = tmp_path / "s.sqlite"
    add(store_path, "A", base, ACME_A, GAMMA_A, BETA)
    newcomer = company("zeta", ("service", "Workday"))
    add(store_path, "B", bumped, ACME_B, GAMMA_B, newcomer)
    with open_store(store_path, write=True) as store:
        missing = missing_cross_scorings(store.connection, "A", "B")
        assert [member.slug for member in missing] == ["acme", "gamma"]
        writer = ScoringWriter(store, records.load_stored_taxonomy(store.connection, 2, store_path), now=NOW)
        for member in missing:
            writer.store_scoring(member.set_id, records.member_signals(store.connection, member))
        assert missing_cross_scorings(store.connection, "A", "B") == []
        movers = edition_changes(store.connection, "A", "B", "total")
    assert (movers.new, movers.gone, movers.common) == (["zeta"], ["beta"], 2)
    by_slug = {mover.slug: mover for mover in movers.movers}
    for slug, (a, b) in {"acme": (ACME_A, ACME_B), "gamma": (GAMMA_A, GAMMA_B)}.items():
        mover = by_slug[slug]
        s_aa, s_ab, s_bb = (
            scores(a, base.taxonomy)["total"],
            scores(a, bumped.taxonomy)["total"],
            scores(b, bumped.taxonomy)["total"],
        )
        assert (mover.before, mover.after, mover.signals, mover.taxonomy) == (s_aa, s_bb, s_bb - s_ab, s_ab - s_aa)
        assert mover.move == mover.own + mover.peers
    assert movers.delta == movers.signals + movers.taxonomy
    assert movers.new_total == scores(newcomer, bumped.taxonomy)["total"]


def test_changes_cli_json_and_a_company_new_in_b(runner: CliRunner, tmp_path: Path) -> None:
    store = str(tmp_path / "e.sqlite")
    runner.invoke(app, ["edition", "add", "A", str(REAL / "accord"), "--store", store])
    runner.invoke(app, ["edition", "add", "B", str(REAL / "accord"), str(REAL / "lego"), "--store", store])
    result = runner.invoke(app, ["edition", "changes", "lego", "--from", "A", "--to", "B", "--store", store, "--json"])
    data = json.loads(result.stdout)
    assert (result.exit_code, data["status"], data["format_version"]) == (0, "new", 1)
    assert all(d["percent"] is None and d["before"] is None for d in data["dimensions"])
    text = runner.invoke(app, ["edition", "changes", "lego", "--from", "A", "--to", "B", "--store", store])
    assert "Lego (lego) from A to B: new (only in B); nothing to compare" in text.stdout
    movers = runner.invoke(app, ["edition", "changes", "--from", "A", "--to", "B", "--store", store, "--json"])
    assert json.loads(movers.stdout)["new"] == ["lego"]
    same = runner.invoke(app, ["edition", "changes", "accord", "--from", "A", "--to", "A", "--store", store])
    assert same.exit_code == 1 and same.stderr == "Error: --from and --to are both A; compare two editions\n"


# --- export and the SQL a user sees ----------------------------------------------------------------------------


def test_export_csv_and_jsonl(runner: CliRunner, tmp_path: Path, taxonomy: Taxonomy) -> None:
    store = str(tmp_path / "e.sqlite")
    runner.invoke(app, ["edition", "add", "E", str(REAL / "accord"), str(REAL / "lego"), "--store", store])
    result = runner.invoke(app, ["edition", "export", "E", "--format", "csv", "--store", store])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2 * len(taxonomy.dimensions)
    assert {row["slug"] for row in rows} == {"accord", "lego"}
    out = tmp_path / "signals.jsonl"
    result = runner.invoke(
        app, ["edition", "export", "E", "--format", "jsonl", "--table", "signals", "--out", str(out), "--store", store]
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    with sqlite3.connect(store) as connection:  # plain SQL a user could run
        signals = connection.execute("SELECT sum(signal_count) FROM signal_sets").fetchone()[0]
        view = connection.execute("SELECT count(*) FROM edition_scores WHERE edition = 'E'").fetchone()[0]
    assert len(lines) == signals and result.stderr == f"{signals:,} rows written to {out}\n"
    assert view == 2 * len(taxonomy.dimensions)
    assert {"format_version", "slug", "kind", "name", "evidence", "dimensions", "counted"} <= set(lines[0])
    bad = runner.invoke(app, ["edition", "export", "E", "--format", "parquet", "--store", store])
    assert bad.exit_code == 1 and bad.stderr == "Error: --format 'parquet' is not one of csv, jsonl\n"


def test_unknown_names_are_one_line_each(runner: CliRunner, tmp_path: Path) -> None:
    store = str(tmp_path / "e.sqlite")
    missing = runner.invoke(app, ["edition", "list", "--store", store])
    assert missing.exit_code == 1
    assert missing.stderr.startswith(f"Error: {store}: no edition store here; add an edition first")
    runner.invoke(app, ["edition", "add", "E", str(REAL / "accord"), "--store", store])
    cases = {
        ("rank", "F", "cloud"): "Error: no edition 'F' in the store (editions: E); `edition list` shows them\n",
        ("rank", "E", "clowd"): "Error: no dimension 'clowd'; use `total` or one of: ",
        ("rank", "E", "cloud", "--industry", "Toys"): "Error: no company of E is in industry 'Toys' (industries: none",
        ("company", "E", "nope"): "Error: no company 'nope' in edition E; `edition rank E total` lists them\n",
        ("add", "bad name!", str(REAL / "accord")): "Error: 'bad name!' is not an edition name; use letters",
    }
    for args, message in cases.items():
        result = runner.invoke(app, ["edition", *args, "--store", store])
        assert result.exit_code == 1 and result.stderr.startswith(message), (args, result.stderr)
        assert len(result.stderr.splitlines()) == 1


def test_the_store_location_is_flag_then_environment_then_default(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["edition", "add", "E", str(REAL / "accord")])
    assert (tmp_path / "editions.sqlite").is_file()
    monkeypatch.setenv("NAFTIKO_WRITER_STORE", str(tmp_path / "env.sqlite"))
    runner.invoke(app, ["edition", "add", "F", str(REAL / "accord")])
    runner.invoke(app, ["edition", "add", "G", str(REAL / "accord"), "--store", str(tmp_path / "flag.sqlite")])
    listed = {
        name: [
            e["name"]
            for e in json.loads(runner.invoke(app, ["edition", "list", "--json", "--store", name]).stdout)["editions"]
        ]
        for name in ("editions.sqlite", "env.sqlite", "flag.sqlite")
    }
    assert listed == {"editions.sqlite": ["E"], "env.sqlite": ["F"], "flag.sqlite": ["G"]}


def test_two_sources_of_one_slug_in_one_run(runner: CliRunner, tmp_path: Path) -> None:
    first, same, other = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.yaml"
    body = "company: {name: Acme, slug: acme, as_of: 2026-03-01}\nsignals:\n  - {kind: tool, name: Terraform}\n"
    first.write_text(body)
    same.write_text(body.replace("2026-03-01", "2026-03-02"))  # another date, the same signals
    other.write_text(body.replace("Terraform", "Kubernetes"))
    store = str(tmp_path / "e.sqlite")
    result = runner.invoke(app, ["edition", "add", "E", str(first), str(same), str(other), "--store", store, "--json"])
    outcomes = json.loads(result.stdout)["outcomes"]
    assert result.exit_code == 1
    assert [(o["status"], o["detail"]) for o in outcomes] == [
        ("added", ""),
        ("unchanged", f"same signals as {first}"),
        ("failed", f"has the slug 'acme' like {first}, but other signals; give one of them another slug"),
    ]
    assert f"Error: {other}: has the slug 'acme' like {first}" in result.stderr


def test_the_tables_show_joint_ranks_totals_and_why_a_score_changed(runner: CliRunner, tmp_path: Path) -> None:
    def signals_file(name: str, slug: str, *lines: str) -> str:
        path = tmp_path / name / f"{slug}.yaml"
        path.parent.mkdir(exist_ok=True)
        body = "".join(f"  - {line}\n" for line in lines)
        path.write_text(f"company: {{name: {slug.title()}, slug: {slug}, as_of: 2026-03-01}}\nsignals:\n{body}")
        return str(path)

    aws, tf, k8s = (
        "{kind: service, name: Amazon Web Services}",
        "{kind: tool, name: Terraform}",
        "{kind: tool, name: Kubernetes}",
    )
    store = str(tmp_path / "e.sqlite")
    q1 = [signals_file("q1", "acme", aws, tf), signals_file("q1", "beta", aws, tf), signals_file("q1", "gamma", aws)]
    q2 = [signals_file("q2", "acme", aws, tf, k8s), *q1[1:]]
    assert runner.invoke(app, ["edition", "add", "Q1", *q1, "--store", store]).exit_code == 0
    assert runner.invoke(app, ["edition", "add", "Q2", *q2, "--store", store]).exit_code == 0
    ranked = runner.invoke(app, ["edition", "rank", "Q1", "cloud", "--store", store]).stdout
    assert ranked.count("│ =1 ") == 2 and "│ 3 " in ranked and "=N: joint rank (tied scores)" in ranked
    shown = runner.invoke(app, ["edition", "show", "Q1", "--store", store]).stdout
    assert "Q1: 3 companies, total signal score " in shown and "Industries: unknown 3" in shown
    changed = runner.invoke(app, ["edition", "changes", "acme", "--from", "Q1", "--to", "Q2", "--store", store]).stdout
    assert "Acme (acme) from Q1 to Q2: 1 signals added, 0 removed, 0 with other evidence; same taxonomy" in changed
    assert "Score changes: signals changed + taxonomy changed" in changed and "Containers: added: Kubernetes" in changed
    movers = runner.invoke(app, ["edition", "changes", "--from", "Q1", "--to", "Q2", "--store", store]).stdout
    assert "3 in both, 1 unchanged" in movers and "│ acme " in movers  # beta: same score, overtaken by acme
    data = json.loads(
        runner.invoke(app, ["edition", "changes", "--from", "Q1", "--to", "Q2", "--store", store, "--json"]).stdout
    )
    beta = next(mover for mover in data["movers"] if mover["slug"] == "beta")
    assert (beta["delta"], beta["rank_before"], beta["rank_after"], beta["own"], beta["peers"]) == (0, 1, 2, 0, -1)


def test_industries_come_from_the_profile_unless_the_file_overrides_them(runner: CliRunner, tmp_path: Path) -> None:
    acme, beta = tmp_path / "acme.yaml", tmp_path / "beta.yaml"
    acme.write_text(
        "company: {name: Acme, slug: acme, as_of: 2026-03-01, industry: Financial}\n"
        "signals:\n  - {kind: tool, name: Terraform}\n"
    )
    beta.write_text("company: {name: Beta, slug: beta, industry: Toys}\nsignals:\n  - {kind: tool, name: Terraform}\n")
    store = str(tmp_path / "e.sqlite")
    assert runner.invoke(app, ["edition", "add", "E", str(acme), str(beta), "--store", store]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["edition", "show", "E", "--store", store, "--json"]).stdout)
    assert shown["industries"] == {"Financial": 1, "Toys": 1}
    override = tmp_path / "industries.yaml"
    override.write_text("beta: {industry: Games, name: Beta Inc}\n")
    again = runner.invoke(
        app, ["edition", "add", "E", str(acme), str(beta), "--store", store, "--industries", str(override)]
    )
    assert "beta: updated (name 'Beta' -> 'Beta Inc'; industry Toys -> Games)" in again.stderr
    card = json.loads(runner.invoke(app, ["edition", "company", "E", "beta", "--store", store, "--json"]).stdout)
    assert (card["industry"], card["scorecard"]["company"]["as_of"]) == ("Games", None)  # no date in the file: none
