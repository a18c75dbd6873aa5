"""Batch API drafting: request files for many companies, results collected into drafts (offline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.testing import completion, invent_number, template_content
from tests.conftest import VALID_SIGNALS, write
from tests.fake_server import FakeOpenAIServer, ScriptedResponder


def answer_round(requests_file: Path, out: Path, skip: int = 0, invent: int = 0) -> Path:
    """The Batch API output file a provider returns for these requests (answers by the template engine).

    The first `skip` requests get no answer; the next `invent` get an answer with an invented number.
    """
    lines = []
    for number, line in enumerate(requests_file.read_text().splitlines(), start=1):
        if number <= skip:
            continue
        request = json.loads(line)
        content = template_content(request["body"])
        body = completion(request["body"], invent_number(content) if number <= skip + invent else content)
        lines.append(
            json.dumps(
                {
                    "id": f"batch_req_{number}",
                    "custom_id": request["custom_id"],
                    "response": {"status_code": 200, "request_id": f"req_{number}", "body": body},
                    "error": None,
                }
            )
        )
    return write(out, "\n".join(lines) + "\n")


def invoke_json(runner: CliRunner, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_batch_for_two_companies_builds_valid_requests_and_collects_into_two_drafts(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    acme = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    folder = tmp_path / "batch"
    built = invoke_json(runner, "batch", "build", "spotify", str(acme), "--out", str(folder))
    assert built["round"] == 1 and built["requests"] == 2 * 59
    requests = [json.loads(line) for line in (folder / "round-1.jsonl").read_text().splitlines()]
    assert len({r["custom_id"] for r in requests}) == len(requests)
    for request in requests:
        assert request["method"] == "POST" and request["url"] == "/v1/chat/completions"
        assert request["body"]["model"] == "gpt-4o-mini"
        assert request["body"]["response_format"]["json_schema"]["strict"] is True
        assert [m["role"] for m in request["body"]["messages"]] == ["system", "user"]

    rounds = [built]
    while not rounds[-1].get("drafts"):
        number = rounds[-1]["round"]
        results = answer_round(folder / f"round-{number}.jsonl", tmp_path / f"results-{number}.jsonl")
        rounds.append(invoke_json(runner, "batch", "collect", str(folder), "--results", str(results)))
    assert [r["requests"] for r in rounds[:-1]] == [118, 2, 2]  # sections, then strategic, then executive summaries
    drafts = [Path(path) for path in rounds[-1]["drafts"]]
    assert [path.parent.name for path in drafts] == ["spotify", "acme"]
    for draft in drafts:
        sidecar = json.loads(draft.with_suffix(".json").read_text())
        assert sidecar["provenance"]["recording_sources"] == ["batch"]
        assert all(section["source"] == "model" for section in sidecar["sections"].values())
        assert sidecar["summary"]["mode"] == "batch" and sidecar["summary"]["cost"] > 0
        assert (
            runner.invoke(app, ["check", str(draft), "--company", sidecar["provenance"]["signals_file"]]).exit_code == 0
        )


def test_failed_answers_are_repaired_in_the_next_round_then_fall_back(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder), "--max-repairs", "1")
    results = answer_round(folder / "round-1.jsonl", tmp_path / "r.jsonl", skip=3, invent=2)
    collected = invoke_json(runner, "batch", "collect", str(folder), "--results", str(results))
    assert (collected["collected"], collected["missing"], collected["repairs"]) == (59, 3, 5)
    wrong = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results)])  # round 1's file again
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("Error: the results answer none of round 2's requests;")
    # Round 2 asks those five (layer introductions) again, the two invented numbers with their repair message,
    # plus the strategic assessment, whose tables are done; the executive summary waits for the layers.
    round_one = [json.loads(line)["custom_id"] for line in (folder / "round-1.jsonl").read_text().splitlines()]
    round_two = [json.loads(line) for line in (folder / "round-2.jsonl").read_text().splitlines()]
    first_five = [custom.replace("|r1", "|r2") for custom in round_one[:5]]
    assert [r["custom_id"] for r in round_two] == [*first_five, "spotify|strategic-assessment|r2"]
    repairs = [r for r in round_two if len(r["body"]["messages"]) == 4]
    assert [r["custom_id"] for r in repairs] == first_five[3:5]
    assert "states the number" in repairs[0]["body"]["messages"][3]["content"]
    # Round 2: every answer still invents a number, so after one repair those sections fall back.
    bad = answer_round(folder / "round-2.jsonl", tmp_path / "r2.jsonl", invent=5)
    collected = invoke_json(runner, "batch", "collect", str(folder), "--results", str(bad))
    assert (collected["collected"], collected["repairs"], collected["fallbacks"]) == (6, 0, 5)
    rounds = collected
    while not rounds.get("drafts"):
        number = rounds["round"]
        rounds = invoke_json(
            runner, "batch", "collect", str(folder), "--results",
            str(answer_round(folder / f"round-{number}.jsonl", tmp_path / f"r{number}.jsonl")),
        )  # fmt: skip
    sidecar = json.loads(Path(rounds["drafts"][0]).with_suffix(".json").read_text())
    fallen = [s for s in sidecar["sections"].values() if s["source"] == "fallback"]
    assert len(fallen) == 5 and all(s["attempts"] == 2 and s["problems"] for s in fallen)
    again = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results)])
    assert again.exit_code == 1
    assert again.stderr.startswith(f"Error: {folder}: round 3 is already collected; the drafts were written")


def test_a_damaged_results_file_names_the_line(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder))
    results = write(tmp_path / "r.jsonl", '{"custom_id": "spotify|methodology"}\nnot json\n')
    result = runner.invoke(app, ["batch", "collect", str(folder), "--results", str(results)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: results line 2: not a Batch API output line")
    assert json.loads((folder / "state.json").read_text())["collected"] == 0  # nothing taken in


def test_building_into_an_existing_batch_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder))
    result = runner.invoke(app, ["batch", "build", "spotify", "--out", str(folder)])
    assert result.exit_code == 1 and "already holds a batch" in result.stderr


def test_submitting_without_a_key_names_the_endpoint_and_the_offline_way(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder))
    result = runner.invoke(app, ["batch", "submit", str(folder), "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: OPENAI_API_KEY is not set; submitting a batch calls http://127.0.0.1:9/v1. Set it (any value for a "
        f"local server), or collect an output file you have with `batch collect {folder} --results FILE`\n"
    )
    assert not list(folder.glob("*.batch-id"))


def test_collecting_without_a_key_or_a_submitted_round_says_what_to_do(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder))
    unsubmitted = runner.invoke(app, ["batch", "collect", str(folder)])
    assert (unsubmitted.exit_code, unsubmitted.stderr) == (
        1,
        f"Error: {folder}: give --results FILE, or submit the round and set OPENAI_API_KEY\n",
    )
    (folder / "round-1.batch-id").write_text("batch_123\n")
    keyless = runner.invoke(app, ["batch", "collect", str(folder), "--base-url", "http://127.0.0.1:9/v1"])
    assert keyless.exit_code == 1
    assert keyless.stderr == (
        "Error: OPENAI_API_KEY is not set; fetching a batch calls http://127.0.0.1:9/v1. Set it (any value for a "
        f"local server), or collect an output file you have with `batch collect {folder} --results FILE`\n"
    )


@pytest.mark.parametrize("proxied", [False, True], ids=["no-proxy", "dead-proxy-in-the-environment"])
def test_submit_and_collect_through_the_batch_api_of_a_local_server(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxied: bool
) -> None:
    if proxied:  # live drafting connects straight to --base-url; the Batch API must too (its key never to a proxy)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch")
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder = tmp_path / "batch"
    invoke_json(runner, "batch", "build", "spotify", "--out", str(folder))
    with FakeOpenAIServer(ScriptedResponder()) as server:
        for _ in range(3):
            submitted = runner.invoke(app, ["batch", "submit", str(folder), "--base-url", server.base_url])
            assert submitted.exit_code == 0, submitted.stderr
            collected = invoke_json(runner, "batch", "collect", str(folder), "--base-url", server.base_url)
        assert len(server.batches) == 3
    assert collected["fallbacks"] == 0 and len(collected["drafts"]) == 1
