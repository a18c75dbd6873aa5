"""taxonomy suggest -> proposal -> accept: against the local test server (record then replay), and offline
from the shipped, authored recordings for fixtures/real/eventbrite."""

from __future__ import annotations

import json
import math
import shutil
import socket
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from naftiko_writer.config import RecordMode
from naftiko_writer.curation.proposal import Suggestion, bump_version, render_proposal
from naftiko_writer.curation.suggest import SuggestJob, accept_proposal, suggest, uncounted_names, validate_answer
from naftiko_writer.errors import TaxonomyError
from naftiko_writer.llm.protocol import RetryPolicy
from naftiko_writer.options import Endpoint, Sources
from naftiko_writer.scoring.companies import load_company
from naftiko_writer.scoring.models import SignalCatalog, SignalKind
from naftiko_writer.scoring.names import name_key
from naftiko_writer.scoring.scorer import Scorer
from naftiko_writer.scoring.taxonomy import load_taxonomy
from tests.conftest import COMPANIES_DIR, PROMPTS_DIR, ROOT, TAXONOMY_DIR, write
from tests.fake_server import FakeOpenAIServer, Reply, completion

# Names no rule of any curated catalogue would count.
FOLDERS = Sources(COMPANIES_DIR, TAXONOMY_DIR, PROMPTS_DIR)
CONCEPTS = "- Frobnication Practice\n- Glarbscript\n- Quuxware Suite\n"
TECHNOLOGIES = "- Glarbscript\n"


def _answers(names: list[str], round_: int) -> dict[str, Any]:
    suggestions = []
    for name in names:
        if name == "Frobnication Practice":
            # The first answer invents an id; the repaired one still does: it is dropped.
            suggestions.append(
                {
                    "name": name,
                    "kind": "concept",
                    "dimensions": ["automation", "frobnication"],
                    "reason": "A process-automation practice.",
                }
            )
        elif name == "Glarbscript":
            suggestions.append(
                {"name": name, "kind": "language", "dimensions": ["code"], "reason": "A scripting language."}
            )
        elif round_ > 0:  # the first answer forgets the suite; the repair adds it
            suggestions.append({"name": name, "kind": "concept", "dimensions": [], "reason": "Too generic to place."})
    return {"suggestions": suggestions}


class CurationModel:
    """Answers suggest requests like a model would, counting requests and repairs."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, body: dict[str, Any], headers: Mapping[str, str]) -> Reply:
        self.bodies.append(body)
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        data = json.loads(user.split("<data>", 1)[1].split("</data>", 1)[0])
        round_ = sum(1 for m in body["messages"] if m["role"] == "assistant")
        content = json.dumps(_answers([n["name"] for n in data["names"]], round_))
        return Reply(200, completion(body, content))


@pytest.fixture
def company(tmp_path: Path) -> Path:
    folder = tmp_path / "initech"
    write(folder / "concepts.yml", CONCEPTS)
    write(folder / "technologies.yml", TECHNOLOGIES)
    return folder


def _job(tmp_path: Path, company: Path, **overrides: Any) -> SuggestJob:
    endpoint: dict[str, Any] = {
        "recordings_dir": tmp_path / "recordings",
        "api_key": "sk-test-not-a-real-key",
        "retry": RetryPolicy(attempts=2, base_seconds=0.0, max_seconds=0.0),
        "timeout_seconds": 5.0,
    }
    endpoint.update(overrides)
    return SuggestJob([str(company)], FOLDERS, Endpoint(**endpoint))


def test_suggest_repairs_then_drops_unknown_ids_and_replays_offline(tmp_path: Path, company: Path) -> None:
    model = CurationModel()
    with FakeOpenAIServer(model) as server:
        recorded = suggest(_job(tmp_path, company, mode=RecordMode.RECORD, base_url=server.base_url))
    # Glarbscript is listed as a concept and as a tool: one name, sent once.
    assert (recorded.names, recorded.batches, recorded.calls, recorded.repairs) == (3, 1, 2, 1)
    assert recorded.dropped_ids == [("Frobnication Practice", "frobnication")]
    assert recorded.missing == []
    # The closed list of ids is in the schema the server saw, and the repair listed the problems.
    schema = model.bodies[0]["response_format"]["json_schema"]["schema"]
    ids = schema["properties"]["suggestions"]["items"]["properties"]["dimensions"]["items"]["enum"]
    assert len(ids) == 44 and "automation" in ids
    repair = model.bodies[1]["messages"][-1]["content"]
    assert "these dimension ids do not exist: frobnication" in repair and "no suggestion for: Quuxware Suite" in repair

    replayed = suggest(_job(tmp_path, company, mode=RecordMode.REPLAY, api_key=None))
    assert replayed.suggestions == recorded.suggestions
    by_name = {(s.name, s.listed_kind): s for s in replayed.suggestions}
    assert by_name[("Frobnication Practice", SignalKind.CONCEPT)].dimensions == ("automation",)
    assert by_name[("Glarbscript", SignalKind.CONCEPT)].kind is SignalKind.LANGUAGE
    assert replayed.answer_sources == {"recorded": 2} and recorded.answer_sources == {"recorded": 2}


def test_cli_suggest_then_accept_round_trip(tmp_path: Path, company: Path, runner: Any) -> None:
    from naftiko_writer.cli import app

    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, taxonomy)
    proposal = tmp_path / "proposal.yaml"
    with FakeOpenAIServer(CurationModel()) as server:
        result = runner.invoke(
            app,
            ["taxonomy", "suggest", str(company), "--out", str(proposal), "--mode", "live", "--base-url", server.base_url,
             "--taxonomy", str(taxonomy), "--json"],
            env={"OPENAI_API_KEY": "sk-test-not-a-real-key"},
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["suggested"] == 2 and summary["no_dimension"] == 1 and summary["repairs"] == 1
    text = proposal.read_text(encoding="utf-8")
    assert "# Glarbscript (concept, 1 company): A scripting language." in text
    assert text.count('- {name: "Glarbscript", is: language, dimensions: [code]}') == 1
    assert "#   Quuxware Suite (concept): Too generic to place." in text

    before = load_taxonomy(taxonomy)
    card_before = Scorer(before).score(load_company(str(company), COMPANIES_DIR))
    accepted = runner.invoke(app, ["taxonomy", "accept", str(proposal), "--taxonomy", str(taxonomy), "--json"])
    assert accepted.exit_code == 0, accepted.output
    report = json.loads(accepted.stdout)
    assert report["entries"] == 2 and report["new_version"] != report["old_version"]
    after = load_taxonomy(taxonomy)
    assert after.version == report["new_version"]
    card_after = Scorer(after).score(load_company(str(company), COMPANIES_DIR))
    # One Glarbscript entry counts both of its listings (concept and tool), as a language.
    assert card_after.coverage.counted == card_before.coverage.counted + 3
    assert card_after.dimension("languages").score > 0


def test_accept_refuses_a_bad_proposal_and_changes_nothing(tmp_path: Path) -> None:
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, taxonomy)
    structure = (taxonomy / "taxonomy.yaml").read_text(encoding="utf-8")
    unknown = write(tmp_path / "p.yaml", "signals:\n  - {name: Zed Editor, dimensions: [quantum]}\n")
    with pytest.raises(
        TaxonomyError, match=r"not accepted, the taxonomy would not load: .*unknown dimension 'quantum'"
    ):
        accept_proposal(unknown, taxonomy)
    claimed = write(tmp_path / "q.yaml", "signals:\n  - {name: Terraform, dimensions: [cloud]}\n")
    with pytest.raises(TaxonomyError, match=r"'Terraform' .* is already claimed"):
        accept_proposal(claimed, taxonomy)
    assert (taxonomy / "taxonomy.yaml").read_text(encoding="utf-8") == structure
    assert not (taxonomy / "catalogue" / "accepted.yaml").exists() or "Zed" not in (
        taxonomy / "catalogue" / "accepted.yaml"
    ).read_text(encoding="utf-8")
    rules = write(tmp_path / "r.yaml", "keyword_rules:\n  - {words: [zed], dimensions: [code]}\n")
    with pytest.raises(TaxonomyError, match="no entries to accept"):
        accept_proposal(rules, taxonomy)


def test_validate_answer_keeps_only_the_batchs_names() -> None:
    from naftiko_writer.curation.suggest import UncountedName

    batch = [UncountedName("Glarb", SignalKind.CONCEPT, 2)]
    content = json.dumps(
        {"suggestions": [{"name": "glarb", "kind": "concept", "dimensions": ["code"], "reason": "x"},
                         {"name": "Injected", "kind": "tool", "dimensions": ["cloud"], "reason": "y"}]}
    )  # fmt: skip
    suggestions, problems, unknown = validate_answer(content, batch, {"code", "cloud"})
    assert [(s.name, s.dimensions, s.companies) for s in suggestions] == [("Glarb", ("code",), 2)]
    assert problems == [] and unknown == []
    assert validate_answer("not json", batch, {"code"})[1][0].startswith("the answer is not the JSON object")


def test_bump_version_keeps_the_rest_of_the_file() -> None:
    text = '# comment\nversion: "2026.11.1"\nkinds: {}\n'
    assert bump_version(text) == ('# comment\nversion: "2026.11.2"\nkinds: {}\n', "2026.11.1", "2026.11.2")


def test_render_proposal_lists_names_without_dimensions_apart() -> None:
    suggestions = [
        Suggestion("App", SignalKind.TOOL, SignalKind.CONCEPT, (), "An ordinary word."),  # kind changed, no ids
        Suggestion("Sql", SignalKind.TOOL, SignalKind.LANGUAGE, (), "A query language."),  # `is:` alone counts it
    ]
    text = render_proposal(suggestions, ["header"])
    assert SignalCatalog.model_validate(yaml.safe_load(text)).signals[0].name == "Sql"
    assert '"App"' not in text and "#   App (tool): An ordinary word." in text


# The shipped recordings: `taxonomy suggest fixtures/real/eventbrite` offline, answers authored by hand.
SHIPPED = ROOT / "fixtures" / "real" / "eventbrite"
AUTHORED = ROOT / "fixtures" / "authored" / "suggest-eventbrite.yaml"
REAUTHOR = "python scripts/author_suggest_recordings.py"
STALE = (
    f"The shipped suggest recordings no longer match the uncounted names of {SHIPPED.relative_to(ROOT)} (the "
    f"catalogue, taxonomy.yaml or prompts/taxonomy_suggest.md changed): re-run `{REAUTHOR}`"
)


def _refuse_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an offline run tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_shipped_recordings_suggest_offline_then_accept(
    tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from naftiko_writer.cli import app

    _refuse_connections(monkeypatch)  # and the autouse fixture removed every OPENAI_* variable: no key
    answers = {name_key(str(name)): answer for name, answer in yaml.safe_load(AUTHORED.read_text())["answers"].items()}
    job = SuggestJob([str(SHIPPED)], FOLDERS, Endpoint(recordings_dir=tmp_path))
    names = uncounted_names(job, load_taxonomy(TAXONOMY_DIR))
    unanswered = [item.name for item in names if name_key(item.name) not in answers]
    assert not unanswered, f"{STALE}, after adding answers for {unanswered} to {AUTHORED.relative_to(ROOT)}"
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, taxonomy)
    proposal = tmp_path / "proposal.yaml"
    args = ["taxonomy", "suggest", str(SHIPPED), "--out", str(proposal), "--taxonomy", str(taxonomy), "--json"]
    result = runner.invoke(app, args)
    if result.exit_code != 0 and "no recorded answer" in result.output:
        pytest.fail(f"{STALE}.\n{result.output}")
    assert result.exit_code == 0, result.output

    summary = json.loads(result.stdout)
    placed = {item.name for item in names if answers[name_key(item.name)]["dimensions"]}
    assert summary["names"] == len(names) > 40 and summary["batches"] == summary["calls"] == math.ceil(len(names) / 40)
    assert summary["repairs"] == 0 and summary["unanswered"] == [] and summary["dropped_unknown_ids"] == []
    assert summary["suggested"] == len(placed) and summary["no_dimension"] == len(names) - len(placed)
    text = proposal.read_text(encoding="utf-8")
    assert "answers replayed are authored recordings: hand-written, not a model's" in text
    entries = SignalCatalog.model_validate(yaml.safe_load(text)).signals
    proposed = {entry.name: entry.dimensions for entry in entries}
    assert proposed == {name: answers[name_key(name)]["dimensions"] for name in placed}, STALE

    accepted = runner.invoke(app, ["taxonomy", "accept", str(proposal), "--taxonomy", str(taxonomy), "--json"])
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["entries"] == len(placed)
    # Every placed name now counts; only the names the answers left without a dimension stay uncounted.
    after = uncounted_names(replace(job, folders=replace(FOLDERS, taxonomy_dir=taxonomy)), load_taxonomy(taxonomy))
    assert sorted(item.name for item in after) == sorted(item.name for item in names if item.name not in placed)


def test_suggest_replay_miss_says_what_changed_and_how_to_re_record(tmp_path: Path, runner: Any) -> None:
    from naftiko_writer.cli import app

    out = tmp_path / "p.yaml"
    # Other batches than the shipped ones: the recordings folder exists but holds other requests.
    changed = runner.invoke(app, ["taxonomy", "suggest", str(SHIPPED), "--out", str(out), "--limit", "5"])
    assert changed.exit_code == 1
    message = " ".join(changed.output.split())
    assert "no recorded answer for suggest batch 1" in message and "_taxonomy-suggest/eventbrite" in message
    assert "the recordings there are for different requests" in message
    assert "`naftiko-writer taxonomy suggest SOURCE --out FILE --mode record`" in message
    company = tmp_path / "initech"
    write(company / "concepts.yml", CONCEPTS)
    unknown = runner.invoke(app, ["taxonomy", "suggest", str(company), "--out", str(out)])
    assert unknown.exit_code == 1 and "there are no recordings for these sources" in " ".join(unknown.output.split())
    assert not out.exists()
