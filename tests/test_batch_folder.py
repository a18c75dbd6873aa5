"""The batch folder: a small state, a file a company, results read by custom_id, and collects that stop cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.batch import results as results_module
from naftiko_writer.drafting.batch.results import ResultsFile
from naftiko_writer.errors import InputError
from naftiko_writer.llm import answer_shape
from tests.conftest import REAL_DIR, REAL_EDITION, VALID_SIGNALS, write
from tests.fake_server import FakeOpenAIServer, ScriptedResponder
from tests.test_batch import answer_round, invoke_json


def collect(runner: CliRunner, folder: Path, results: Path) -> dict:  # type: ignore[type-arg]
    return invoke_json(runner, "batch", "collect", str(folder), "--results", str(results))


def build_two(runner: CliRunner, tmp_path: Path) -> tuple[Path, Path]:
    """A batch of spotify and a company of its own signals file; the folder and that file."""
    acme = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", str(acme), "--out", str(folder))
    return folder, acme


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_state_names_the_companies_and_each_company_has_a_file_of_its_sections(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder, _ = build_two(runner, tmp_path)
    collect(runner, folder, answer_round(folder / "round-1.jsonl", tmp_path / "r1.jsonl"))
    state = json.loads((folder / "state.json").read_text())
    assert state["format_version"] == 2 and state["collected"] == 1
    assert state["companies"] == [
        {"company": "spotify", "slug": "spotify"},
        {"company": str(tmp_path / "acme.yaml"), "slug": "acme"},
    ]
    assert sorted(path.name for path in (folder / "collected-1").iterdir()) == ["acme.json", "spotify.json"]
    spotify = json.loads((folder / "collected-1" / "spotify.json").read_text())
    assert len(spotify["sections"]) == 59 and spotify["retrying"] == {}
    collect(runner, folder, answer_round(folder / "round-2.jsonl", tmp_path / "r2.jsonl"))
    assert not (folder / "collected-1").exists()  # the state names collected-2 now
    assert len(json.loads((folder / "collected-2" / "acme.json").read_text())["sections"]) == 60


def test_a_collect_that_stops_half_way_leaves_the_batch_as_it_was_and_runs_again(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder, acme = build_two(runner, tmp_path)
    results = answer_round(folder / "round-1.jsonl", tmp_path / "r1.jsonl")
    before = snapshot(folder)
    acme.write_text("company: [", encoding="utf-8")  # the second company no longer loads: spotify was taken in
    stopped = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results), "--quiet"])
    assert stopped.exit_code == 1 and stopped.stderr.startswith(f"Error: {acme}")
    assert len(stopped.stderr.splitlines()) == 1
    assert snapshot(folder) == before  # no collected-1/, no round 2, the same state
    acme.write_text(VALID_SIGNALS, encoding="utf-8")
    assert collect(runner, folder, results)["requests"] == 2


def test_a_last_collect_whose_drafts_cannot_be_written_can_be_run_again(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = write(tmp_path / "blocked", "a file where the drafts folder should be\n")
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder, _ = build_two(runner, tmp_path)
    for number in (1, 2):
        collect(runner, folder, answer_round(folder / f"round-{number}.jsonl", tmp_path / f"r{number}.jsonl"))
    last = answer_round(folder / "round-3.jsonl", tmp_path / "r3.jsonl")
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(blocked))
    failed = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(last), "--quiet"])
    assert failed.exit_code == 1 and failed.stderr.startswith("Error: ") and len(failed.stderr.splitlines()) == 1
    assert json.loads((folder / "state.json").read_text())["collected"] == 2  # not taken in: the drafts are not out
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    assert [Path(path).parent.name for path in collect(runner, folder, last)["drafts"]] == ["spotify", "acme"]


def test_a_format_1_state_holding_every_section_still_collects_into_the_same_drafts(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drafts = {}
    for layout in ("current", "format-1"):
        monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / layout / "drafts"))
        folder, _ = build_two(runner, tmp_path / layout)
        collect(runner, folder, answer_round(folder / "round-1.jsonl", tmp_path / layout / "r1.jsonl"))
        if layout == "format-1":  # what an older naftiko-writer left after round 1: sections inline, no files
            state = json.loads((folder / "state.json").read_text())
            state["format_version"] = 1
            state["companies"] = [
                json.loads((folder / "collected-1" / f"{c['slug']}.json").read_text()) for c in state["companies"]
            ]
            (folder / "state.json").write_text(json.dumps(state))
            for path in (folder / "collected-1").iterdir():
                path.unlink()
            (folder / "collected-1").rmdir()
        rounds = {"drafts": []}
        for number in (2, 3):
            rounds = collect(
                runner, folder, answer_round(folder / f"round-{number}.jsonl", tmp_path / layout / f"r{number}.jsonl")
            )
        assert json.loads((folder / "state.json").read_text())["format_version"] == 2
        drafts[layout] = [
            json.loads(Path(path).with_suffix(".json").read_text())["sections"] for path in rounds["drafts"]
        ]
    assert drafts["format-1"] == drafts["current"] and len(drafts["current"]) == 2


def test_the_results_file_is_read_by_custom_id_past_a_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"custom_id": f"a|s{n}|r1", "response": {"status_code": 200, "body": {"n": n}}}) for n in range(3)
    ]
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n\n".join(lines).encode() + b"\r\n")
    with ResultsFile(path, tmp_path) as results:
        assert results.ids == {"a|s0|r1", "a|s1|r1", "a|s2|r1"}
        assert [results.get(f"a|s{n}|r1")["response"]["body"]["n"] for n in (2, 0, 1)] == [2, 0, 1]  # type: ignore[index]
        assert results.get("a|s9|r1") is None and "a|s9|r1" not in results


def test_a_results_line_longer_than_any_answer_is_one_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results_module, "MAX_ANSWER_BYTES", 100)
    monkeypatch.setattr(answer_shape, "MAX_ANSWER_BYTES", 100)
    good = json.dumps({"custom_id": "a|s|r1"})
    path = write(tmp_path / "r.jsonl", f"{good}\n{json.dumps({'custom_id': 'b|s|r1', 'pad': 'x' * 500})}\n")
    with pytest.raises(InputError, match=r"^results line 2: not a Batch API output line \(an answer of 102 bytes"):
        ResultsFile(path, tmp_path)


def test_a_fetched_round_is_kept_in_the_folder_until_it_is_collected(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch")
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder, acme = build_two(runner, tmp_path)
    with FakeOpenAIServer(ScriptedResponder()) as server:
        assert runner.invoke(app, ["batch", "submit", str(folder), "--base-url", server.base_url]).exit_code == 0
        acme.write_text("company: [", encoding="utf-8")
        stopped = runner.invoke(app, ["batch", "collect", str(folder), "--base-url", server.base_url])
        assert stopped.exit_code == 1
    assert (folder / "round-1.results.jsonl").is_file()  # the provider's output, fetched once
    acme.write_text(VALID_SIGNALS, encoding="utf-8")
    monkeypatch.delenv("OPENAI_API_KEY")  # the server is gone and no key is set: the kept output is collected
    collected = invoke_json(runner, "batch", "collect", str(folder), "--base-url", server.base_url)
    assert collected["collected"] == 118 and collected["missing"] == 0
    assert not (folder / "round-1.results.jsonl").exists()


def test_a_batch_among_an_edition_drafts_every_company_with_its_standing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_store: Path
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder = tmp_path / "batch"
    companies = [str(REAL_DIR / "goldman-sachs"), str(REAL_DIR / "allianz")]
    args = ["batch", "build", *companies, "--out", str(folder), "--edition", REAL_EDITION, "--store", str(real_store)]
    progress = invoke_json(runner, *args)
    state = json.loads((folder / "state.json").read_text())
    assert (state["edition"], state["store"]) == (REAL_EDITION, str(real_store.resolve()))
    cloud = next(
        json.loads(line)
        for line in (folder / "round-1.jsonl").read_text().splitlines()
        if json.loads(line)["custom_id"] == "goldman-sachs|dimension:cloud|r1"
    )
    assert "Financial companies" in cloud["body"]["messages"][1]["content"]  # the standing the section may claim
    while not progress.get("drafts"):
        number = progress["round"]
        progress = collect(
            runner, folder, answer_round(folder / f"round-{number}.jsonl", tmp_path / f"r{number}.jsonl")
        )
    assert progress["fallbacks"] == 0
    for markdown in map(Path, progress["drafts"]):
        assert "of 4 Financial companies in 2026-Q1" in markdown.read_text()
        assert json.loads(markdown.with_suffix(".json").read_text())["cohort"]["edition"] == REAL_EDITION
        checked = runner.invoke(app, ["check", str(markdown), "--store", str(real_store)])
        assert checked.exit_code == 0, checked.stdout + checked.stderr


def test_a_batch_among_an_edition_leaves_out_a_company_it_does_not_hold(
    runner: CliRunner, tmp_path: Path, real_store: Path
) -> None:
    acme = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    args = ["batch", "build", str(REAL_DIR / "allianz"), str(acme), "--out", str(tmp_path / "batch")]
    result = runner.invoke(app, [*args, "--edition", REAL_EDITION, "--store", str(real_store), "--json"])
    assert result.exit_code == 1
    assert [row["company"] for row in json.loads(result.stdout)["failed"]] == [str(acme)]
    assert f"{acme}: acme is not in edition {REAL_EDITION}; add it" in result.stderr
    alone = runner.invoke(app, ["batch", "build", "spotify", "--out", str(tmp_path / "b2"), "--store", str(real_store)])
    assert (alone.exit_code, alone.stderr) == (
        1,
        "Error: --store is the edition store: give --edition EDITION with it\n",
    )


def test_build_and_collect_show_a_bar_per_phase_unless_quiet(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    acme = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    folder = tmp_path / "batch"
    built = runner.invoke(app, ["batch", "build", "spotify", str(acme), "--out", str(folder)])
    assert built.exit_code == 0 and "Building round 1" in built.stderr and "2/2" in built.stderr
    for number in (1, 2, 3):
        results = answer_round(folder / f"round-{number}.jsonl", tmp_path / f"r{number}.jsonl")
        quiet = ["--quiet"] if number == 2 else []
        collected = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results), *quiet])
        assert collected.exit_code == 0, collected.stderr
        assert ("Collecting" in collected.stderr) is not bool(quiet)
        assert ("Writing drafts" in collected.stderr) is (number == 3)


def test_status_says_where_the_batch_stands_and_what_to_run_next(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder, _ = build_two(runner, tmp_path)
    built = invoke_json(runner, "batch", "status", str(folder))
    assert (built["round"], built["requests"], built["submitted"], built["sections"], built["done"]) == (
        1,
        118,
        0,
        0,
        False,
    )
    assert built["next"].startswith(f"naftiko-writer batch submit {folder}")
    results = answer_round(folder / "round-1.jsonl", tmp_path / "r1.jsonl", skip=1)
    collect(runner, folder, results)
    (folder / "round-2.batch-id").write_text("batch_1\n")
    halfway = invoke_json(runner, "batch", "status", str(folder))
    assert (halfway["collected"], halfway["sections"], halfway["retrying"], halfway["submitted"]) == (1, 117, 1, 1)
    assert halfway["next"].startswith(f"naftiko-writer batch collect {folder}")
    text = runner.invoke(app, ["batch", "status", str(folder)])
    assert text.exit_code == 0 and "waiting for a repair: 1" in text.stdout
    missing = runner.invoke(app, ["batch", "status", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no state.json; build a batch first" in missing.stderr
