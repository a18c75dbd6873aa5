"""Interrupted runs, budgets, overwrites and locking: nothing lost, nothing wrong.

Stale checkpoints are set aside, a resumed --update repeats no finished call,
budgets are hard caps that hold across resumes, --update with another engine
keeps unchanged sections, outputs never replace drafts or sidecars, a draft and
its sidecar are replaced together, a draft being updated is locked, and Ctrl-C
says how to resume.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.config import Engine, RecordMode
from naftiko_writer.document.draft_files import DraftFiles, backup_draft, load_draft, load_sidecar, write_draft
from naftiko_writer.drafting.checkpoint import checkpoint_path
from naftiko_writer.drafting.cost import load_prices
from naftiko_writer.drafting.pipeline import DraftEvent, EventKind, draft_company
from naftiko_writer.drafting.testing import FakeModelTransport, Reply, completion, fault_reply, template_content
from naftiko_writer.llm.factory import client_factory
from naftiko_writer.report.model import Report, SectionSource
from naftiko_writer.review.update import update_draft
from tests.conftest import ROOT, SPOTIFY_DIR, make_run
from tests.fake_server import FakeOpenAIServer, ScriptedResponder

BASE_URL = "http://model.test/v1"
PRICES = load_prices(ROOT / "pricing" / "prices.yaml")
GPT_4O_MINI = PRICES.models["gpt-4o-mini"]


@dataclass
class MeteredModel:
    """A model that honours max_tokens (cutting the answer, as servers do) and meters what it served."""

    latency: float = 0.02
    bad_first_answer: frozenset[str] = frozenset()
    """Sections whose first answer does not fit the schema (so they need a repair call)."""
    tokens: int = 0
    cost: float = 0.0
    seen: set[str] = field(default_factory=set)

    def __call__(self, body: dict[str, Any], headers: Mapping[str, str]) -> Reply:
        section = headers.get("x-naftiko-section", "")
        if section in self.bad_first_answer and section not in self.seen:
            reply = fault_reply("schema", body, delay=self.latency)
        else:
            content, finish = template_content(body), "stop"
            limit = body.get("max_tokens")
            if limit is not None and len(content) // 4 > limit:
                content, finish = content[: limit * 4], "length"
            reply = Reply(200, completion(body, content, finish), delay=self.latency)
        self.seen.add(section)
        usage = reply.body["usage"]  # type: ignore[index]
        self.tokens += usage["total_tokens"]
        self.cost += (
            usage["prompt_tokens"] * GPT_4O_MINI.input_per_million
            + usage["completion_tokens"] * GPT_4O_MINI.output_per_million
        ) / 1_000_000
        return reply


def live_job(tmp_path: Path, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {"mode": RecordMode.LIVE, "base_url": BASE_URL}
    values.update(overrides)
    return make_run(tmp_path, **values)


def spent(report: Report) -> int:
    return report.summary.prompt_tokens + report.summary.completion_tokens


def checkpoint_sections(path: Path) -> list[str]:
    ids = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError, KeyError, TypeError):
            ids.append(json.loads(line)["section"]["id"])
    return ids


def pending(report: Report) -> list[str]:
    return [i for i, section in report.sections.items() if section.source is SectionSource.PENDING]


# 7. Budgets are hard caps at any concurrency, agree with the summary, and hold across resumes.

EVERY_THIRD_DIMENSION = frozenset(
    f"dimension:{d}" for d in ("cloud", "data", "services", "security", "operations", "automation", "languages")
)


def test_a_token_budget_is_a_hard_cap_at_concurrency_64_and_holds_across_resumes(tmp_path: Path) -> None:
    model = MeteredModel(bad_first_answer=EVERY_THIRD_DIMENSION)
    transport = FakeModelTransport(model)
    checkpoint = tmp_path / "r.checkpoint.jsonl"
    job = live_job(tmp_path, concurrency=64, max_tokens_per_report=20_000, checkpoint_path=checkpoint, prices=PRICES)
    report = draft_company(job, clients=client_factory(transport))
    assert model.tokens <= 20_000  # everything the model was asked for, answered or not
    assert spent(report) == model.tokens  # and all of it is in the summary
    assert report.summary.calls == len(transport.requests)
    assert pending(report)
    assert report.summary.stopped is not None
    assert report.summary.stopped.startswith("the token budget of 20,000 per report is spent: ")
    assert f"{model.tokens:,} tokens used" in report.summary.stopped  # the message and the summary agree

    first_run = model.tokens
    again = draft_company(job, clients=client_factory(FakeModelTransport(model)))
    assert model.tokens == first_run  # the same budget is still spent: no call at all
    assert again.summary.stopped is not None and f"{first_run:,} tokens used" in again.summary.stopped

    larger = replace(job, options=replace(job.options, max_tokens_per_report=80_000))
    resumed = draft_company(larger, clients=client_factory(FakeModelTransport(model)))
    assert resumed.summary.stopped is None and not pending(resumed)
    assert model.tokens <= 80_000  # the cap counts the first run's tokens too (inputs carry full evidence)


def test_a_cost_budget_is_a_hard_cap_at_concurrency_64(tmp_path: Path) -> None:
    model = MeteredModel(bad_first_answer=EVERY_THIRD_DIMENSION)
    job = live_job(tmp_path, concurrency=64, max_cost=0.003, prices=PRICES)
    report = draft_company(job, clients=client_factory(FakeModelTransport(model)))
    assert model.cost <= 0.003
    assert report.summary.cost == pytest.approx(model.cost)
    assert report.summary.stopped is not None
    assert report.summary.stopped.startswith(f"the cost budget of $0.0030 is spent: ${model.cost:.4f} used")
    assert pending(report)


def test_the_cli_stop_message_and_summary_agree(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-budget")
    out = str(tmp_path / "r.md")
    fake_model.responder = ScriptedResponder(latency=0.02)
    budget = ["--concurrency", "64", "--max-tokens-per-report", "12000", "--json"]
    result = runner.invoke(app, ["draft", "spotify", "--mode", "live", "--base-url", BASE_URL, "--out", out, *budget])
    assert result.exit_code == 3, result.stderr
    summary = json.loads(result.stdout)["summary"]
    total = summary["prompt_tokens"] + summary["completion_tokens"]
    assert 0 < total <= 12_000
    assert f"is spent: {total:,} tokens used" in result.stderr


# 5. A checkpoint of another run is not used, and is reported with its path.


def test_an_offline_draft_sets_aside_the_checkpoint_of_an_interrupted_live_run(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drafts = tmp_path / "drafts"
    checkpoint = drafts / "spotify" / ".checkpoint.jsonl"
    draft_company(
        make_run(tmp_path, mode=RecordMode.RECORD, base_url=BASE_URL), clients=client_factory(FakeModelTransport())
    )
    monkeypatch.setenv("NAFTIKO_WRITER_RECORDINGS_DIR", str(tmp_path / "recordings"))  # what the offline run replays
    stopped = draft_company(
        live_job(tmp_path, max_tokens_per_report=15_000, checkpoint_path=checkpoint),
        clients=client_factory(FakeModelTransport(MeteredModel())),
    )
    assert stopped.summary.stopped is not None and checkpoint_sections(checkpoint)  # what an interrupted run leaves

    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(drafts))
    result = runner.invoke(app, ["draft", "spotify", "--quiet", "--json"])
    assert result.exit_code == 0, result.stderr
    stale = drafts / "spotify" / ".checkpoint.stale.jsonl"
    assert result.stderr.startswith(f"Warning: {checkpoint}: not resumed: it is the checkpoint of another run (")
    assert f"moved to {stale}" in result.stderr
    assert json.loads(result.stdout)["summary"]["reused"] == []
    assert stale.exists() and not checkpoint.exists()  # set aside, not lost; the finished offline run left none


# 6. Resuming an interrupted --update repeats no finished call.


def edited_prompts(tmp_path: Path) -> Path:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    return prompts


def first_draft(tmp_path: Path, prompts: Path) -> tuple[DraftFiles, Report]:
    files = DraftFiles(tmp_path / "r.md", tmp_path / "r.json")
    report = draft_company(live_job(tmp_path, prompts_dir=prompts), clients=client_factory(FakeModelTransport()))
    write_draft(report, files)
    return files, report


def test_a_resumed_update_does_not_repeat_the_calls_the_interrupted_one_finished(tmp_path: Path) -> None:
    prompts = edited_prompts(tmp_path)
    files, _ = first_draft(tmp_path, prompts)
    template = prompts / "dimension_narrative.md"
    template.write_text(template.read_text() + "\nKeep every sentence short.\n")  # 44 sections change
    document = load_draft(files.markdown)
    sidecar = load_sidecar(files.markdown, document)
    checkpoint = checkpoint_path(files.markdown, timestamped=False)

    interrupted = FakeModelTransport()
    done: list[str] = []

    def interrupt(event: DraftEvent) -> None:
        if event.kind is EventKind.FINISHED and event.section_id in interrupted.sections_requested():
            done.append(event.section_id)  # a section drafted by this run (checkpointed before the event)
        if len(done) >= 10:
            raise KeyboardInterrupt

    job = live_job(tmp_path, prompts_dir=prompts, checkpoint_path=checkpoint)
    with pytest.raises(KeyboardInterrupt):
        update_draft(document, sidecar, job, on_event=interrupt, clients=client_factory(interrupted))
    finished = set(checkpoint_sections(checkpoint))
    assert set(done) <= finished and len(finished) >= 10

    resumed = FakeModelTransport()
    updated = update_draft(
        document,
        sidecar,
        live_job(tmp_path, prompts_dir=prompts, checkpoint_path=checkpoint),
        clients=client_factory(resumed),
    )
    asked = resumed.sections_requested()
    assert finished.isdisjoint(asked)
    assert len(asked) + len(finished) == len(updated.regenerated)
    assert finished <= set(updated.regenerated)  # regenerated by the interrupted run, not reused from the old draft


# 8. --update with another engine re-drafts nothing whose inputs are unchanged.


def test_update_with_the_template_engine_keeps_unchanged_model_sections(tmp_path: Path) -> None:
    files, before = first_draft(tmp_path, ROOT / "prompts")
    document = load_draft(files.markdown)
    updated = update_draft(document, load_sidecar(files.markdown, document), make_run(tmp_path, engine=Engine.TEMPLATE))
    assert updated.regenerated == []
    assert len(updated.reused) == 61
    assert all(section.source is SectionSource.MODEL for section in updated.report.sections.values())
    assert updated.report.sections == before.sections


# 9. Outputs never replace a draft or a sidecar; a fleet never writes two inputs to one draft.


@pytest.fixture
def drafted(runner: CliRunner, tmp_path: Path) -> Path:
    draft = tmp_path / "r.md"
    result = runner.invoke(app, ["draft", "spotify", "--engine", "template", "--out", str(draft), "--quiet"])
    assert result.exit_code == 0, result.stderr
    return draft


def test_export_and_diff_refuse_to_overwrite_a_sidecar(runner: CliRunner, drafted: Path) -> None:
    sidecar = drafted.with_suffix(".json")
    before = sidecar.read_bytes()
    expected = (
        f"Error: {sidecar}: is the JSON sidecar of the draft {drafted}, which this would overwrite; "
        "give --out another path\n"
    )
    exported = runner.invoke(app, ["export", str(drafted), "--out", str(sidecar)])
    diffed = runner.invoke(app, ["diff", str(drafted), str(drafted), "--format", "json", "--out", str(sidecar)])
    for result in (exported, diffed):
        assert result.exit_code == 1
        assert result.stderr == expected
    assert sidecar.read_bytes() == before


def test_export_refuses_to_overwrite_another_draft(runner: CliRunner, drafted: Path) -> None:
    other = drafted.with_name("other.md")
    shutil.copy(drafted, other)
    result = runner.invoke(app, ["export", str(drafted), "--out", str(other)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {other}: is a naftiko-writer draft, which this would overwrite; give --out another path\n"
    )
    assert other.read_bytes() == drafted.read_bytes()


def test_a_fleet_refuses_two_inputs_with_one_slug_and_drafts_one_input_given_twice_once(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drafts = tmp_path / "drafts"
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(drafts))
    twice = runner.invoke(
        app, ["draft", "spotify", str(SPOTIFY_DIR / "signals.yaml"), "--engine", "template", "--quiet", "--json"]
    )
    assert twice.exit_code == 0, twice.stderr
    assert [row["company"] for row in json.loads(twice.stdout)] == ["spotify"]
    shutil.rmtree(drafts)

    other = tmp_path / "other.yaml"
    other.write_text((SPOTIFY_DIR / "signals.yaml").read_text() + "  - {kind: tool, name: Fortran Forge}\n")
    clash = runner.invoke(app, ["draft", "spotify", str(other), "--engine", "template", "--quiet"])
    assert clash.exit_code == 1
    assert f"Error: spotify: {other}: has the slug 'spotify' like spotify, but other data;" in clash.stderr
    assert len(list((drafts / "spotify").glob("*.md"))) == 1


# 10. The draft and its sidecar are replaced together or not at all.


def test_a_sidecar_that_cannot_be_replaced_leaves_the_previous_draft_intact(runner: CliRunner, drafted: Path) -> None:
    before = drafted.read_bytes()
    sidecar = drafted.with_suffix(".json")
    sidecar.unlink()
    sidecar.mkdir()
    result = runner.invoke(app, ["draft", "spotify", "--engine", "template", "--out", str(drafted), "--quiet"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {drafted}: cannot write the draft and its sidecar (Is a directory: ")
    assert "the previous files are unchanged" in result.stderr
    assert drafted.read_bytes() == before
    assert sorted(path.name for path in drafted.parent.iterdir() if path.name.startswith(".")) == []


def test_a_draft_that_cannot_be_replaced_puts_the_previous_sidecar_back(drafted: Path) -> None:
    report = Report.model_validate_json(drafted.with_suffix(".json").read_text())
    sidecar = drafted.with_name("pair.json")
    sidecar.write_text("the previous sidecar")
    folder = drafted.with_name("pair.md")
    folder.mkdir()  # the Markdown cannot be replaced: the sidecar, renamed first, must be rolled back
    with pytest.raises(Exception, match="cannot write the draft and its sidecar"):
        write_draft(report, DraftFiles(folder, sidecar))
    assert sidecar.read_text() == "the previous sidecar"


# 11. An update holds a lock, keeps every backup, and never overwrites an edit saved meanwhile.


def test_a_second_run_on_a_locked_draft_fails_at_once(runner: CliRunner, drafted: Path) -> None:
    lock = drafted.with_name(drafted.name + ".lock")
    before = drafted.read_bytes()
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds it
        result = runner.invoke(app, ["draft", "spotify", "--update", str(drafted), "--engine", "template", "--quiet"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {drafted}: another naftiko-writer run is writing this draft (it holds {lock}); "
        "wait for it to finish, then run again\n"
    )
    assert drafted.read_bytes() == before


def test_backups_made_in_the_same_second_do_not_replace_each_other(drafted: Path) -> None:
    original = drafted.read_text()
    first = backup_draft(drafted, "20261124T000000Z")
    drafted.write_text(original + "\nsecond version\n")
    second = backup_draft(drafted, "20261124T000000Z")
    assert first != second
    assert first.read_text() == original
    assert second.read_text() == original + "\nsecond version\n"
    assert first.with_suffix(".json").exists() and second.with_suffix(".json").exists()


def test_an_edit_saved_while_an_update_runs_is_kept_and_the_update_refused(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_model: FakeModelTransport
) -> None:
    draft = tmp_path / "r.md"
    note = "\nAn analyst's note, saved while the update runs.\n"
    answers = ScriptedResponder()
    saving: list[bool] = []

    def model_while_the_analyst_saves(body: dict[str, Any], headers: Mapping[str, str]) -> Any:
        if saving and not saving[0]:
            saving[0] = True
            draft.write_text(draft.read_text() + note)  # the analyst saves while the update waits for the model
        return answers(body, headers)

    prompts = edited_prompts(tmp_path)
    monkeypatch.setenv("NAFTIKO_WRITER_PROMPTS_DIR", str(prompts))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-edit")
    fake_model.responder = model_while_the_analyst_saves
    live = ["draft", "spotify", "--mode", "live", "--base-url", BASE_URL, "--quiet"]
    assert runner.invoke(app, [*live, "--out", str(draft)]).exit_code == 0
    template = prompts / "dimension_narrative.md"
    template.write_text(template.read_text() + "\nKeep every sentence short.\n")  # the update needs calls
    sidecar = draft.with_suffix(".json").read_bytes()
    edited = draft.read_text() + note
    saving.append(False)
    result = runner.invoke(app, [*live, "--update", str(draft)])
    assert saving == [True]
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {draft}: changed while it was being updated (an edit saved meanwhile); nothing was written, "
        "so the edit is safe. Run the update again to include it"
    )
    assert draft.read_text() == edited
    assert draft.with_suffix(".json").read_bytes() == sidecar
    assert list(tmp_path.glob("*.bak.md")) == []


# 16 (part). Ctrl-C says where the checkpoint is and how to resume; export refuses a truncated draft.


def test_ctrl_c_names_the_checkpoint_and_the_command_that_resumes(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    checkpoint = tmp_path / "r.checkpoint.jsonl"
    env = dict(os.environ)  # cleaned by conftest
    env["OPENAI_API_KEY"] = "sk-test-interrupt"
    with FakeOpenAIServer(ScriptedResponder(latency=0.05)) as server:
        arguments = ["draft", "spotify", "--mode", "live", "--base-url", server.base_url, "--out", str(out),
                     "--concurrency", "2", "--quiet"]  # fmt: skip
        run = subprocess.Popen(
            [sys.executable, "-m", "naftiko_writer", *arguments],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not checkpoint.exists() or len(checkpoint_sections(checkpoint)) < 5):
            time.sleep(0.02)
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130
    assert stderr.strip().splitlines()[-1] == (
        f"Error: interrupted; the sections finished so far are kept in {checkpoint}; "
        f"to resume, run the same command again: naftiko-writer {shlex.join(arguments)}"
    )
    assert checkpoint_sections(checkpoint) and not out.exists()


def test_export_refuses_a_truncated_draft(runner: CliRunner, drafted: Path) -> None:
    text = drafted.read_text()
    drafted.write_text(text[: text.index("<!-- naftiko:section id=closing ")])
    result = runner.invoke(app, ["export", str(drafted)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {drafted}: looks truncated (it ends after ")
    assert "nothing was published" in result.stderr
    assert not drafted.with_suffix(".html").exists()
