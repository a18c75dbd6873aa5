#!/usr/bin/env python3
"""Build the shipped `taxonomy suggest` recordings from hand-written answers, keyed by name.

No model is reachable where this project is built, so the recordings that let
`naftiko-writer taxonomy suggest fixtures/real/eventbrite` run offline are
authored: `fixtures/authored/suggest-<company>.yaml` holds one answer (kind,
dimension ids, reason) per uncounted name, and this script runs the real
suggest job in `record` mode, through the openai client and the recording
transport, against an in-process OpenAI-compatible model
(naftiko_writer.drafting.testing.FakeModelTransport) that answers each batch
with the authored answers for exactly the names in it. The recordings are therefore in
the wire format a live server returns, marked "source": "authored", and land
in `fixtures/recordings/_taxonomy-suggest/<company>/` (replacing it).

The batches depend on the catalogue (which names are uncounted), taxonomy.yaml
(the dimensions sent) and prompts/taxonomy_suggest.md: re-run this after any of
them changes. Nothing is replaced unless every authored answer is valid (known
kind, known dimension ids) and every uncounted name has one; otherwise the
problems are printed (the names to add, spelled as the data spells them).

Usage: python scripts/author_suggest_recordings.py [COMPANY]   (default: eventbrite)
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from naftiko_writer.config import DEFAULT_MODEL, RecordMode, Settings
from naftiko_writer.curation.suggest import SuggestJob, recordings_folder, suggest, uncounted_names
from naftiko_writer.drafting.testing import FakeModelTransport, Reply, completion
from naftiko_writer.llm.factory import client_factory
from naftiko_writer.llm.protocol import RetryPolicy
from naftiko_writer.options import Endpoint
from naftiko_writer.scoring.companies import collect_sources
from naftiko_writer.scoring.models import SignalKind
from naftiko_writer.scoring.names import name_key
from naftiko_writer.scoring.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent


def authored_file(company: str) -> Path:
    """Where a company's authored suggest answers live."""
    return ROOT / "fixtures" / "authored" / f"suggest-{company}.yaml"


def load_answers(path: Path, known_ids: set[str]) -> tuple[str, dict[str, dict[str, Any]], list[str]]:
    """The source folder, the answers by name key, and what is wrong with them."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    answers: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    kinds = {kind.value for kind in SignalKind}
    for name, answer in (document.get("answers") or {}).items():
        name = str(name)
        key = name_key(name)
        if key in answers:
            problems.append(f"{name!r}: answered twice (names are matched ignoring case and punctuation)")
        if answer.get("kind") not in kinds:
            problems.append(f"{name!r}: kind {answer.get('kind')!r} is not one of {', '.join(sorted(kinds))}")
        unknown = [i for i in answer.get("dimensions") or [] if i not in known_ids]
        if unknown:
            problems.append(f"{name!r}: unknown dimension ids {', '.join(unknown)}")
        if len(answer.get("dimensions") or []) > 6:
            problems.append(f"{name!r}: at most 6 dimensions")
        reason = str(answer.get("reason") or "").strip()
        if not reason or len(reason) > 200:
            problems.append(f"{name!r}: the reason must be one line of 1 to 200 characters")
        answers[key] = {
            "kind": answer.get("kind"),
            "dimensions": list(answer.get("dimensions") or []),
            "reason": reason,
        }
    return str(document["source"]), answers, problems


def responder(answers: Mapping[str, dict[str, Any]]) -> Any:
    """A fake-server responder answering each batch, in order, with the authored answers of its names."""

    def answer(body: dict[str, Any], headers: Mapping[str, str]) -> Reply:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        data = json.loads(user.split("<data>", 1)[1].split("</data>", 1)[0])
        suggestions = [{"name": item["name"], **answers[name_key(item["name"])]} for item in data["names"]]
        return Reply(200, completion(body, json.dumps({"suggestions": suggestions}, ensure_ascii=False)))

    return answer


def main(company: str) -> int:
    """Author the company's suggest recordings; 0 when they were written."""
    settings = Settings()
    taxonomy_dir = settings.resolved_taxonomy_dir()
    known_ids = {dimension.id for dimension in load_taxonomy(taxonomy_dir).dimensions}
    path = authored_file(company)
    source, answers, problems = load_answers(path, known_ids)
    job = SuggestJob(
        sources=collect_sources(ROOT / source),
        folders=settings.sources(),
        endpoint=Endpoint(
            recordings_dir=settings.resolved_recordings_dir(),
            mode=RecordMode.RECORD,
            model=DEFAULT_MODEL,  # what `taxonomy suggest` replays with when NAFTIKO_WRITER_MODEL is not set
            api_key="authoring-against-a-local-server",
            retry=RetryPolicy(attempts=1),
            recording_source="authored",
        ),
        max_repairs=0,
    )
    names = uncounted_names(job, load_taxonomy(taxonomy_dir))
    missing = [item for item in names if name_key(item.name) not in answers]
    for item in missing:
        problems.append(f"no answer for {item.name!r} (listed as {item.kind.value}); add it to {path.name}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problem(s) in {path}; recordings left unchanged", file=sys.stderr)
        return 1
    target = recordings_folder(job)
    with tempfile.TemporaryDirectory() as scratch:
        scratch_job = replace(job, endpoint=replace(job.endpoint, recordings_dir=Path(scratch)))
        result = suggest(scratch_job, clients=client_factory(FakeModelTransport(responder(answers))))
        if result.repairs or result.missing or result.dropped_ids:
            print(f"the run did not take every answer as authored: {result}", file=sys.stderr)
            return 1
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(recordings_folder(scratch_job), target)
    unused = len(answers) - len(names)
    print(
        f"wrote {len(list(target.glob('*.json')))} recordings ({len(names)} names in {result.batches} batches) "
        f"to {target.relative_to(ROOT)}; {unused} authored answers are for names no longer uncounted"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "eventbrite"))
