#!/usr/bin/env python3
"""Build fixtures/recordings/<company>/ from the hand-written answers in fixtures/authored/<company>.yaml.

No model is reachable where this project is built, so the shipped recordings
are authored: this script drafts the company in `record` mode through the real
openai client against a local OpenAI-compatible server (tests.fake_server)
that answers each section with its authored text, and so writes recordings in
exactly the wire format a live server returns, marked "source": "authored".
Every authored answer must pass the schema and grounding checks; if any does
not, nothing is replaced and the problems are printed.

Usage: python scripts/author_recordings.py [COMPANY]   (default: spotify)
Run it after editing a prompt template or the authored text.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test server lives in tests/, next to the package

from naftiko_writer.config import RecordMode, Settings  # noqa: E402
from naftiko_writer.drafting.pipeline import draft_company  # noqa: E402
from naftiko_writer.drafting.run import DraftRun  # noqa: E402
from naftiko_writer.report.model import SectionSource  # noqa: E402
from tests.fake_server import FakeOpenAIServer, ScriptedResponder, authored_answer  # noqa: E402


def main(company: str) -> int:
    settings = Settings()
    outputs = yaml.safe_load((ROOT / "fixtures" / "authored" / f"{company}.yaml").read_text(encoding="utf-8"))
    target = settings.resolved_recordings_dir() / company
    with (
        tempfile.TemporaryDirectory() as scratch,
        FakeOpenAIServer(ScriptedResponder(answer=authored_answer(outputs))) as server,
    ):
        endpoint = settings.endpoint(RecordMode.RECORD, base_url=server.base_url)
        run = DraftRun(
            company=company,
            created="authoring",
            sources=settings.sources(),
            options=settings.draft_options(max_repairs=0),
            endpoint=replace(
                endpoint,
                recordings_dir=Path(scratch),
                api_key="authoring-against-a-local-server",
                recording_source="authored",
            ),
        )
        report = draft_company(run)
        failed = {sid: r.problems for sid, r in report.sections.items() if r.source is not SectionSource.MODEL}
        if failed:
            for section_id, problems in failed.items():
                print(f"{section_id}: {'; '.join(problems)}", file=sys.stderr)
            print(f"{len(failed)} authored answer(s) failed; recordings left unchanged", file=sys.stderr)
            return 1
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(scratch) / company, target)
    print(f"wrote {len(list(target.glob('*.json')))} recordings to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "spotify"))
