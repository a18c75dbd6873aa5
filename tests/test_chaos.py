"""30% of calls failing at random: every draft still completes, every section valid and grounded.

The full run (20 consecutive drafts) is `python benchmarks/bench_chaos.py`; this test runs three.
"""

from __future__ import annotations

from pathlib import Path

from naftiko_writer.config import RecordMode
from naftiko_writer.drafting.grounding import check_grounding
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.run import prepare_company
from naftiko_writer.drafting.testing import FakeModelTransport
from naftiko_writer.llm.factory import client_factory
from naftiko_writer.llm.protocol import RetryPolicy
from naftiko_writer.report.model import SectionSource
from naftiko_writer.report.plan import plan_inputs
from tests.conftest import make_run
from tests.fake_server import FakeOpenAIServer, ScriptedResponder


def test_three_drafts_survive_thirty_percent_random_faults(tmp_path: Path) -> None:
    responder = ScriptedResponder(chaos=0.3, seed=7)
    retry = RetryPolicy(attempts=4, base_seconds=0, max_seconds=0.01)
    with FakeOpenAIServer(responder, timeout_delay=0.6) as server:  # a held request outlives the client's 0.3 s
        job = make_run(tmp_path, base_url=server.base_url, mode=RecordMode.LIVE, timeout_seconds=0.3, retry=retry)
        prepared = prepare_company(job.company, job.sources)
        reports = [draft_report(job, prepared)]
    # Two more drafts in process: the same faults, timeouts raised at once instead of waited for.
    in_process = client_factory(FakeModelTransport(responder))
    reports += [draft_report(job, prepared, clients=in_process) for _ in range(2)]
    assert sum(count for fault, count in responder.faults.items() if fault != "ok") > 40
    assert set(responder.faults) >= {"429", "500", "timeout", "malformed", "schema", "invented"}
    for report in reports:
        assert len(report.sections) == 61
        outputs = {i: r.output for i, r in report.sections.items()}
        inputs = plan_inputs(report.scorecard, prepared.taxonomy, outputs)
        for section_id, output in outputs.items():
            assert check_grounding(output, inputs[section_id], prepared.vocabulary) == [], section_id
        assert report.summary.retries > 0 and report.summary.repairs > 0
        assert all(r.source in (SectionSource.MODEL, SectionSource.FALLBACK) for r in report.sections.values())
