#!/usr/bin/env python3
"""Build fixtures/recordings/_industry/<edition>-<industry>/ from fixtures/authored/industry-<...>.yaml.

As scripts/author_recordings.py does for a company: the shipped edition (the 18 companies of fixtures/real
with fixtures/real-industries.yaml, as 2026-Q1) is added to a scratch store, and the industry report is
drafted in `record` mode through the real openai client against a local OpenAI-compatible server
(tests.fake_server) that answers each section with its authored text, so the recordings are in exactly the
wire format a live server returns, marked "source": "authored". Every authored answer must pass the schema
and grounding checks; if any does not, nothing is replaced and the problems are printed.

Usage: python scripts/author_industry_recordings.py [INDUSTRY]   (default: Financial)
Run it after editing an industry prompt, the taxonomy, or the authored text.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test server lives in tests/, next to the package

from naftiko_writer.config import RecordMode, Settings  # noqa: E402
from naftiko_writer.drafting.industry_draft import IndustryRun, draft_industry, recordings_subject  # noqa: E402
from naftiko_writer.drafting.prompts import load_prompts  # noqa: E402
from naftiko_writer.editions.cohort import edition_taxonomy, load_cohort  # noqa: E402
from naftiko_writer.editions.store import open_store  # noqa: E402
from naftiko_writer.options import Endpoint  # noqa: E402
from naftiko_writer.report.model import SectionSource  # noqa: E402
from tests.fake_server import FakeOpenAIServer, ScriptedResponder, authored_answer  # noqa: E402

EDITION = "2026-Q1"


def main(industry: str) -> int:
    settings = Settings()
    subject = recordings_subject(EDITION, industry)
    authored = ROOT / "fixtures" / "authored" / f"industry-{subject.split('/', 1)[1]}.yaml"
    outputs = yaml.safe_load(authored.read_text(encoding="utf-8"))
    target = settings.resolved_recordings_dir() / subject
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "editions.sqlite"
        industries = str(ROOT / "fixtures" / "real-industries.yaml")
        add = ["edition", "add", EDITION, str(ROOT / "fixtures" / "real"), "--store", str(store), "--quiet"]
        added = subprocess.run(
            [sys.executable, "-m", "naftiko_writer", *add, "--industries", industries], cwd=ROOT, check=False
        )
        if added.returncode != 0:
            return 1
        with open_store(store, write=False) as opened:
            cohort = load_cohort(opened.connection, EDITION)
            taxonomy = edition_taxonomy(opened.connection, EDITION, store)
        with FakeOpenAIServer(ScriptedResponder(answer=authored_answer(outputs))) as server:
            endpoint = Endpoint(
                Path(scratch) / "recordings",
                mode=RecordMode.RECORD,
                base_url=server.base_url,
                api_key="authoring-against-a-local-server",
                recording_source="authored",
            )
            run = IndustryRun(industry, "authoring", settings.draft_options(max_repairs=0), endpoint)
            report = draft_industry(run, cohort, taxonomy, load_prompts(settings.resolved_prompts_dir()))
        failed = {sid: r.problems for sid, r in report.sections.items() if r.source is not SectionSource.MODEL}
        if failed:
            for section_id, problems in failed.items():
                print(f"{section_id}: {'; '.join(problems)}", file=sys.stderr)
            print(f"{len(failed)} authored answer(s) failed; recordings left unchanged", file=sys.stderr)
            return 1
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(scratch) / "recordings" / subject, target)
    print(f"wrote {len(list(target.glob('*.json')))} recordings to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Financial"))
