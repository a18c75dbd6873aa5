"""Company reports drafted among an edition (`draft --edition`): cohort claims written, checked and re-checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from naftiko_writer.cli import app
from naftiko_writer.drafting.cohort_grounding import cohort_problems
from naftiko_writer.drafting.pipeline import draft_report
from naftiko_writer.drafting.run import Prepared, prepare_company
from naftiko_writer.drafting.testing import template_answer
from naftiko_writer.editions.cohort import StoreReader, read_cohort
from naftiko_writer.editions.queries import rank_edition
from naftiko_writer.editions.store import open_store
from naftiko_writer.errors import InputError
from naftiko_writer.llm.function_client import FunctionClient
from naftiko_writer.llm.protocol import ChatRequest
from naftiko_writer.options import Engine, RecordMode
from naftiko_writer.report.cohort import Cohort
from naftiko_writer.report.model import SectionSource
from naftiko_writer.report.sections import CohortClaims
from naftiko_writer.review.update import check_file
from tests.conftest import FAKE_BASE_URL, REAL_DIR, REAL_EDITION, built_once_per_run, make_run, write

GOLDMAN = str(REAL_DIR / "goldman-sachs")


@pytest.fixture(scope="module")
def goldman(real_cohort: Cohort) -> Prepared:
    run = make_run(Path("/nonexistent"), company=GOLDMAN)
    return prepare_company(run.company, run.sources)


@pytest.fixture(scope="module")
def goldman_q1(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Goldman Sachs drafted among 2026-Q1 with the template engine by the CLI, once a run: tests take a copy."""

    def draft(folder: Path) -> None:
        args = ["draft", GOLDMAN, "--engine", "template", "--edition", REAL_EDITION, "--store", str(real_store)]
        drafted = CliRunner().invoke(app, [*args, "--out", str(folder / "goldman.md"), "--quiet"])
        assert drafted.exit_code == 0, drafted.stderr

    return built_once_per_run(tmp_path_factory, "goldman-q1", draft) / "goldman.md"


def copy_of(draft: Path, target: Path) -> Path:
    """A private copy of a draft and its sidecar at `target`."""
    shutil.copy(draft, target)
    shutil.copy(draft.with_suffix(".json"), target.with_suffix(".json"))
    return target


def test_a_template_draft_among_the_edition_states_each_standing_with_its_group(
    tmp_path: Path, goldman: Prepared, real_cohort: Cohort
) -> None:
    run = make_run(tmp_path, company=GOLDMAN, engine=Engine.TEMPLATE, cohort=real_cohort)
    report = draft_report(run, goldman)
    assert report.cohort is not None and report.cohort.edition == REAL_EDITION
    cloud = report.sections["dimension:cloud"].output.paragraph  # type: ignore[union-attr]
    assert "Among its peers, that score is 1st of 4 Financial companies in 2026-Q1" in cloud
    assert "the highest of the 18 companies in 2026-Q1" in cloud  # first alone among 18: a superlative holds
    services = report.sections["dimension:services"].output.paragraph  # type: ignore[union-attr]
    assert "joint 2nd (with 1 other) of 18 companies in 2026-Q1" in services  # a tie says so
    ledger = report.cohort.sections["dimension:cloud"]
    assert [(s.group, s.rank, s.group_size) for s in ledger] == [("Financial companies", 1, 4), ("companies", 1, 18)]
    assert "waves:" not in report.cohort.sections and "methodology" not in report.cohort.sections


def test_every_cohort_number_of_every_shared_company_equals_the_stores_own_ranking(
    tmp_path: Path, real_store: Path, real_cohort: Cohort
) -> None:
    stored = read_cohort(real_store, REAL_EDITION)
    with open_store(real_store, write=False) as store:
        for member in real_cohort.members:
            run = make_run(tmp_path, company=str(REAL_DIR / member.slug), engine=Engine.TEMPLATE, cohort=stored)
            report = draft_report(run, prepare_company(run.company, run.sources))
            assert report.cohort is not None
            for section_id, standings in report.cohort.sections.items():
                if not section_id.startswith("dimension:"):
                    continue
                dimension = section_id.split(":", 1)[1]
                for standing in standings:
                    industry = member.industry if standing.group != "companies" else None
                    ranking = rank_edition(store.connection, REAL_EDITION, dimension, industry)
                    row = next(row for row in ranking.rows if row.slug == member.slug)
                    assert (standing.rank, standing.group_size) == (row.rank, ranking.companies), section_id
                    assert (standing.tied > 0) == row.joint, section_id
                    assert standing.value == row.score


def test_the_company_must_be_in_the_edition_with_the_scores_its_data_gives(
    tmp_path: Path, spotify_prepared: Prepared, goldman: Prepared, real_cohort: Cohort
) -> None:
    with pytest.raises(InputError, match=r"^spotify is not in edition 2026-Q1; add it"):
        draft_report(make_run(tmp_path, engine=Engine.TEMPLATE, cohort=real_cohort), spotify_prepared)
    changed = Cohort(
        REAL_EDITION,
        tuple(
            m if m.slug != "goldman-sachs" else type(m)(m.slug, m.name, m.industry, {**m.scores, "cloud": 1})
            for m in real_cohort.members
        ),
    )
    with pytest.raises(InputError, match=r"scores in 2026-Q1 differ from what its data gives now \(cloud\)"):
        draft_report(make_run(tmp_path, company=GOLDMAN, engine=Engine.TEMPLATE, cohort=changed), goldman)


def claim_in_cloud(claim: str):  # type: ignore[no-untyped-def]
    def answer(request: ChatRequest) -> str:
        content = template_answer(request)
        if request.section_id != "dimension:cloud":
            return content
        data = json.loads(content)
        data["paragraph"] += " " + claim
        return json.dumps(data)

    return answer


@pytest.mark.parametrize(
    ("claim", "with_cohort", "problem"),
    [
        ("That is among the highest cloud scores observed.", False, "no cohort data"),
        ("It outpaces its peers.", False, "no cohort data"),
        ("It is 3rd of 4 Financial companies in 2026-Q1.", True, "no standing"),
        ("It is the highest of the 4 Financial companies in 2026-Q1.", True, "allows a superlative"),
    ],
)
def test_model_claims_about_peers_stand_only_on_the_sections_cohort_facts(
    tmp_path: Path, goldman: Prepared, real_cohort: Cohort, claim: str, with_cohort: bool, problem: str
) -> None:
    client = FunctionClient(claim_in_cloud(claim))
    run = make_run(
        tmp_path,
        company=GOLDMAN,
        mode=RecordMode.LIVE,
        base_url=FAKE_BASE_URL,
        max_repairs=0,
        cohort=real_cohort if with_cohort else None,
    )
    report = draft_report(run, goldman, clients=lambda *args, **kwargs: client)
    cloud = report.sections["dimension:cloud"]
    assert cloud.source is SectionSource.FALLBACK
    assert any(problem in line for line in cloud.problems), cloud.problems
    assert report.sections["dimension:data"].source is SectionSource.MODEL


def test_a_tied_rank_written_without_joint_is_refused() -> None:
    from naftiko_writer.report.cohort import standing

    tied = standing("Services", 226, [274, 226, 226, 100], "companies", "2026-Q1")
    claims = CohortClaims(edition="2026-Q1", standings=[tied])
    assert cohort_problems(["Services is 2nd of 4 companies in 2026-Q1."], claims) == [
        "claims '2nd of 4', but that rank is shared: write it as joint (joint 2nd (with 1 other) of 4 companies in "
        "2026-Q1)"
    ]
    assert cohort_problems(["Services is joint 2nd of 4 companies in 2026-Q1."], claims) == []


def test_check_lists_a_claim_the_cohort_no_longer_holds_and_an_edited_wrong_rank(
    runner: CliRunner, tmp_path: Path, real_store: Path, goldman_q1: Path
) -> None:
    store = tmp_path / "editions.sqlite"
    shutil.copy(real_store, store)
    draft = copy_of(goldman_q1, tmp_path / "goldman.md")
    clean = runner.invoke(app, ["check", str(draft), "--store", str(store)])
    assert clean.exit_code == 0, clean.stdout
    # A Financial company added late, with more Cloud signals than Goldman Sachs has.
    cloud = "\n".join(f"  - {{kind: service, name: {name}}}" for name in CLOUDS)
    late = write(
        tmp_path / "late" / "signals.yaml",
        f"company: {{name: Late Bank, slug: late-bank, as_of: 2026-03-01}}\nsignals:\n{cloud}\n",
    )
    industries = write(tmp_path / "industries.yaml", "late-bank: Financial\n")
    added = runner.invoke(
        app, ["edition", "add", REAL_EDITION, str(late), "--industries", str(industries), "--store", str(store)]
    )
    assert added.exit_code == 0, added.stderr
    stale = runner.invoke(app, ["check", str(draft), "--store", str(store), "--json"])
    assert stale.exit_code == 1
    findings = [f for f in json.loads(stale.stdout)["findings"] if f["kind"] == "cohort"]
    cloud_finding = next(f for f in findings if f["section"] == "dimension:cloud" and "no longer" in f["message"])
    assert (
        "the claim '1st of 4 Financial companies in 2026-Q1' on Cloud no longer holds in 2026-Q1: now "
        in (cloud_finding["message"])
    )
    assert "of 5 Financial companies in 2026-Q1" in cloud_finding["message"]
    # An analyst's edit that claims a rank the store does not hold is named too.
    text = draft.read_text().replace(
        "1st of 4 Financial companies in 2026-Q1, against", "3rd of 4 Financial companies in 2026-Q1, against", 1
    )
    draft.write_text(text)
    shutil.copy(real_store, store)  # the cohort as it was drafted: only the edit is wrong now
    edited = check_file(draft, make_run(tmp_path).sources, editions=StoreReader(store))
    assert any(f.kind == "cohort" and "'3rd of 4'" in f.message for f in edited.findings)


CLOUDS = [
    "Amazon Web Services", "Google Cloud Platform", "Microsoft Azure", "Amazon EC2", "Amazon S3", "AWS Lambda",
    "Amazon DynamoDB", "CloudFormation", "Azure Functions", "Google Kubernetes Engine", "Amazon EKS", "Amazon RDS",
    "Terraform", "Kubernetes", "Oracle Cloud", "IBM Cloud", "Alibaba Cloud", "DigitalOcean", "Heroku", "Cloudflare",
    "Amazon CloudWatch", "Azure DevOps", "Google BigQuery", "Snowflake", "Databricks", "OpenShift", "Pulumi",
    "Amazon ECS", "Azure Kubernetes Service", "Google Cloud Storage", "Amazon SQS", "Amazon SNS", "AWS Fargate",
]  # fmt: skip


def test_a_draft_among_a_later_edition_says_what_moved_and_why(
    runner: CliRunner, tmp_path: Path, real_store: Path
) -> None:
    store = tmp_path / "editions.sqlite"
    shutil.copy(real_store, store)
    goldman = tmp_path / "q2" / "goldman-sachs"
    shutil.copytree(REAL_DIR / "goldman-sachs", goldman)
    with (goldman / "services.yml").open("a", encoding="utf-8") as services:
        services.write("".join(f"- {name}\n" for name in ("Pulumi", "Alibaba Cloud", "DigitalOcean")))
    industries = write(tmp_path / "industries.yaml", "goldman-sachs: {name: Goldman Sachs, industry: Financial}\n")
    added = runner.invoke(
        app, ["edition", "add", "2026-Q2", str(goldman), "--industries", str(industries), "--store", str(store)]
    )
    assert added.exit_code == 0, added.stderr
    out = tmp_path / "q2.md"
    args = ["draft", str(goldman), "--engine", "template", "--edition", "2026-Q2", "--store", str(store)]
    drafted = runner.invoke(app, [*args, "--out", str(out), "--quiet"])
    assert drafted.exit_code == 0, drafted.stderr
    text = out.read_text()
    section = text.split("## Since the Last Edition", 1)[1].split("<!--", 1)[0]
    assert "Since 2026-Q1, Goldman Sachs's data gained 3 signals and lost 0." in section
    assert "The biggest moves in 2026-Q2: Services rose from 226 to 229 (+3 from its own signals)" in section
    assert "Alibaba Cloud, DigitalOcean, Pulumi new" in section
    # Goldman Sachs is alone in 2026-Q2: the rank it gains is its peers' doing (the others are not there), not its own.
    assert "Services gained 1 place of rank, +0 from its own change and +1 from its peers'." in section
    assert runner.invoke(app, ["check", str(out), "--store", str(store)]).exit_code == 0
    first = tmp_path / "q1.md"
    args = ["draft", GOLDMAN, "--engine", "template", "--edition", REAL_EDITION, "--store", str(store)]
    assert runner.invoke(app, [*args, "--out", str(first), "--quiet"]).exit_code == 0
    assert "2026-Q1 is the first edition holding Goldman Sachs: there is nothing to compare yet." in first.read_text()


def test_an_update_into_the_next_edition_keeps_edits_flags_stale_ones_and_resets_on_request(
    runner: CliRunner, tmp_path: Path, real_store: Path, goldman_q1: Path
) -> None:
    from tests.conftest import REAL_INDUSTRIES

    store = tmp_path / "editions.sqlite"
    shutil.copy(real_store, store)
    draft = copy_of(goldman_q1, tmp_path / "goldman.md")
    among = ["--engine", "template", "--store", str(store)]
    text = draft.read_text()
    for heading in ("### Security – Score: ", "## Wave Alignment"):
        start = text.index(heading)
        paragraph_end = text.index("\n\n", text.index("\n\n", start) + 2)
        text = text[:paragraph_end] + " ANALYST EDIT." + text[paragraph_end:]
    draft.write_text(text)
    # 2026-Q2: the same 18 companies, ADP with three more services; Goldman Sachs's own data is unchanged.
    q2 = ["edition", "add", "2026-Q2", "--industries", str(REAL_INDUSTRIES), "--store", str(store)]
    assert runner.invoke(app, [*q2[:3], str(REAL_DIR), *q2[3:]]).exit_code == 0
    adp = tmp_path / "q2" / "adp"
    shutil.copytree(REAL_DIR / "adp", adp)
    with (adp / "services.yml").open("a", encoding="utf-8") as services:
        services.write("- Pulumi\n- Alibaba Cloud\n- DigitalOcean\n")
    assert runner.invoke(app, [*q2[:3], str(adp), *q2[3:]]).exit_code == 0
    update = ["draft", GOLDMAN, "--edition", "2026-Q2", *among, "--update", str(draft), "--json", "--quiet"]
    result = runner.invoke(app, update)
    assert result.exit_code == 0, result.stderr
    done = json.loads(result.stdout)["update"]
    # Wave Alignment makes no claim about peers and its data did not change: the edit is kept as it is.
    assert "wave-alignment" in done["kept"] and "wave-alignment" not in done["kept_stale"]
    # The Security paragraph's cohort facts now name 2026-Q2: the edit is kept, and flagged in the draft.
    assert "dimension:security" in done["kept_stale"]
    updated = draft.read_text()
    waves = updated.split("## Wave Alignment", 1)[1].split("<!--", 1)[0]
    security = updated.split("### Security – Score: ", 1)[1].split("<!--", 1)[0]
    assert "ANALYST EDIT." in waves and "Analyst review" not in waves
    assert "ANALYST EDIT." in security and "`--reset dimension:security`" in security
    assert "## Since the Last Edition" in updated and "Nothing moved for Goldman Sachs" in updated
    reset = runner.invoke(app, [*update, "--reset", "dimension:security"])
    assert reset.exit_code == 0, reset.stderr
    assert json.loads(reset.stdout)["update"]["reset"] == ["dimension:security"]
    after = draft.read_text()
    security = after.split("### Security – Score: ", 1)[1].split("<!--", 1)[0]
    assert "ANALYST EDIT." not in security and "in 2026-Q2" in security  # redrafted among the new edition
    assert "ANALYST EDIT." in after.split("## Wave Alignment", 1)[1].split("<!--", 1)[0]
    unknown = runner.invoke(app, [*update, "--reset", "dimension:nowhere"])
    assert unknown.exit_code == 1 and "--reset dimension:nowhere: " in unknown.stderr


def test_a_fleet_drafts_every_company_among_the_edition(runner: CliRunner, tmp_path: Path, real_store: Path) -> None:
    companies = [str(REAL_DIR / "goldman-sachs"), str(REAL_DIR / "allianz")]
    args = ["draft", *companies, "--engine", "template", "--edition", REAL_EDITION, "--store", str(real_store)]
    result = runner.invoke(app, [*args, "--json", "--quiet"], env={"NAFTIKO_WRITER_DRAFTS_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.stderr
    written = [Path(row["markdown"]) for row in json.loads(result.stdout)]
    assert len(written) == 2
    for markdown in written:
        assert "of 4 Financial companies in 2026-Q1" in markdown.read_text()


def test_a_restated_edition_is_drafted_among_and_the_original_draft_still_checks_against_its_own(
    runner: CliRunner, tmp_path: Path, real_store: Path, goldman_q1: Path
) -> None:
    from tests.conftest import TAXONOMY_DIR

    store = tmp_path / "editions.sqlite"
    shutil.copy(real_store, store)
    first = copy_of(goldman_q1, tmp_path / "q1.md")
    among = ["--engine", "template", "--store", str(store)]
    taxonomy = tmp_path / "taxonomy"
    shutil.copytree(TAXONOMY_DIR, taxonomy)
    structure = taxonomy / "taxonomy.yaml"
    text = structure.read_text()
    version = next(line for line in text.splitlines() if line.startswith("version:"))
    structure.write_text(text.replace(version, "version: 2099.1.1", 1))
    # The restatement counts three more of Goldman Sachs's names for Mergers & Acquisitions, so that score moves.
    names = ("Algo Engines", "Algorithmic Trading", "Account Analysis")
    entries = "".join(f"  - {{name: {name}, dimensions: [mergers-acquisitions]}}\n" for name in names)
    (taxonomy / "catalogue" / "zz-restated.yaml").write_text("signals:\n" + entries)
    assert runner.invoke(app, ["edition", "close", REAL_EDITION, "--store", str(store)]).exit_code == 0
    restate = ["edition", "restate", REAL_EDITION, "--store", str(store), "--taxonomy", str(taxonomy), "--quiet"]
    assert runner.invoke(app, restate).exit_code == 0, "restated into 2026-Q1r1"
    # The closed edition never changed: the first draft's claims still hold against it.
    assert runner.invoke(app, ["check", str(first), "--store", str(store)]).exit_code == 0
    restated = tmp_path / "q1r1.md"
    args = ["draft", GOLDMAN, "--edition", "2026-Q1r1", *among, "--taxonomy", str(taxonomy), "--out", str(restated)]
    drafted = runner.invoke(app, args)
    assert drafted.exit_code == 0, drafted.stderr
    assert "in 2026-Q1r1" in restated.read_text()
    check = ["check", str(restated), "--store", str(store), "--taxonomy", str(taxonomy)]
    assert runner.invoke(app, check).exit_code == 0
    # Drafted under the shipped taxonomy instead, the company's scores differ from the restatement's: one line.
    mismatch = runner.invoke(app, ["draft", GOLDMAN, "--edition", "2026-Q1r1", *among, "--out", str(tmp_path / "x.md")])
    assert mismatch.exit_code == 1 and "scores in 2026-Q1r1 differ from what its data gives now" in mismatch.stderr
