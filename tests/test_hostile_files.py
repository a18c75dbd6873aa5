"""Hostile and malformed files never crash, stall or leak: each is one `Error: ...` line and exit 1.

The small hostile signal files live in tests/hostile/; the big ones (deep nesting, long numbers,
thousands of signals) are generated here. Through the command line the alias bomb runs in a child
process with a memory and time limit, so a regression fails the test instead of exhausting the
machine; read directly, the reader is checked to stop at the bomb's first alias. How fast files load
is measured by benchmarks/bench_load.py, not asserted here.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from naftiko_writer import data_files
from naftiko_writer.cli import app
from naftiko_writer.data_files import DocumentError, load_document
from naftiko_writer.errors import InputError
from naftiko_writer.scoring.signal_files import load_signals
from tests.conftest import COMPANIES_DIR, ROOT, VALID_SIGNALS, write

HOSTILE = Path(__file__).resolve().parent / "hostile"

# file -> the exact problem after `Error: <file>: `
CRASHED_BEFORE = {
    "impossible-date.yaml": "line 4: '2026-02-30' is not a valid date (day is out of range for month); correct it",
    "int-tag.yaml": "line 7: 'abc' is not a valid whole number; correct it",
    "list-key.yaml": "line 5: a mapping key must be a plain value, not a list",
    "self-alias.yaml": "line 5: YAML alias *a is not allowed; write the value out",
}
BOMB = "line 3: YAML alias *a is not allowed; write the value out"
"""tests/hostile/alias-bomb.yaml: read by the commands only in child processes with a memory limit (before the fix:
10-24 GB); in this process only its events are read, and no alias is ever followed."""
ALSO_REFUSED = {
    "duplicate-key.json": "line 5: key 'name' appears twice in one object",
    "evidence-true.yaml": (
        "line 7: signals[1].evidence: Value error, must be a whole number of observations, not true or false"
    ),
    "evidence-huge.yaml": "line 7: signals[1].evidence: Value error, at most 1,000,000 observations; check the count",
}


def error_of(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> str:
    """Run a command that must fail cleanly; return its stderr (a traceback would be result.exception)."""
    result = runner.invoke(app, list(args), env=env)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    return result.stderr


def succeeds(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, (result.exception, result.stderr)
    return result.stdout


def deep(opening: str, closing: str, depth: int) -> str:
    return f'{{"company": {{"name": "Acme", "slug": "acme", "as_of": "2026-03-01"}}, "signals": {opening * depth}{closing * depth}}}'


def companies_folder(tmp_path: Path, *bad: str) -> Path:
    """A companies folder: `acme` (valid) plus one company per hostile fixture, named after it."""
    folder = tmp_path / "companies"
    write(folder / "acme" / "signals.yaml", VALID_SIGNALS)
    for name in bad:
        source = HOSTILE / name
        write(folder / Path(name).stem / f"signals{source.suffix}", source.read_text())
    return folder


# --- item 1: valid-looking files that crashed ---------------------------------------------------


@pytest.mark.parametrize("name", sorted({**CRASHED_BEFORE, **ALSO_REFUSED}))
def test_hostile_file_is_one_error_line(runner: CliRunner, name: str) -> None:
    path = HOSTILE / name
    problem = {**CRASHED_BEFORE, **ALSO_REFUSED}[name]
    assert error_of(runner, "score", str(path)) == f"Error: {path}: {problem}\n"


@pytest.mark.parametrize(
    ("suffix", "text", "problem"),
    [
        (".yaml", deep("[", "]", 5_000), "line 1: lists and mappings are nested more than 64 deep; data files are shallow"),
        (".yaml", deep("[", "]", 100_000), "line 1: lists and mappings are nested more than 64 deep; data files are shallow"),
        (".json", deep("[", "]", 100_000), "lists and objects are nested too deeply; data files are shallow"),
        (".json", deep('{"a": ', "}", 100_000), "lists and objects are nested too deeply; data files are shallow"),
        (
            ".yaml",
            VALID_SIGNALS.replace("evidence: 3", "evidence: " + "7" * 5_000),
            "line 7: '77777777777777777777777777777777777777… is not a valid whole number (too many digits); correct it",
        ),
        (
            ".json",
            '{"company": {"name": "A", "slug": "a", "as_of": "2026-03-01"}, "signals": [{"evidence": ' + "7" * 5_000 + "}]}",
            "a number has too many digits (over 4,300); correct it",
        ),
        (".yaml", VALID_SIGNALS + "---\n" + VALID_SIGNALS, "line 9: holds more than one YAML document (a second `---`); keep one"),
        (".yaml", VALID_SIGNALS + "extra: !!python/object:os.system x\n", "line 9: unsupported tag !!python/object:os.system; remove it"),
        (".yaml", VALID_SIGNALS + "<<: {extra: 1}\n", "line 9: merge keys (<<) are not supported; write the keys out"),
    ],
    ids=["yaml-5000", "yaml-100000", "json-100000-lists", "json-100000-objects", "yaml-long-int", "json-long-int",
         "two-documents", "python-tag", "merge-key"],
)  # fmt: skip
def test_deep_long_and_tagged_input_is_one_error_line(
    runner: CliRunner, tmp_path: Path, suffix: str, text: str, problem: str
) -> None:
    path = write(tmp_path / f"acme{suffix}", text)
    assert error_of(runner, "score", str(path)) == f"Error: {path}: {problem}\n"


def test_a_fleet_drafts_the_good_companies_and_lists_each_bad_one(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAFTIKO_WRITER_DRAFTS_DIR", str(tmp_path / "drafts"))
    folder = companies_folder(tmp_path, *CRASHED_BEFORE)
    stderr = error_of(runner, "draft", "--all", "--engine", "template", "-q", "--companies-dir", str(folder))
    assert len(list((tmp_path / "drafts" / "acme").glob("*.md"))) == 1
    for name, problem in CRASHED_BEFORE.items():
        slug = Path(name).stem
        assert f"Error: {slug}: {folder / slug / 'signals.yaml'}: {problem}\n" in stderr
    # The same with files named on the command line, and through --json.
    files = [str(folder / "acme" / "signals.yaml"), str(HOSTILE / "impossible-date.yaml")]
    result = runner.invoke(app, ["draft", *files, "--engine", "template", "--json"])
    assert result.exit_code == 1
    rows = {row["company"]: row for row in json.loads(result.stdout)}
    assert rows["acme"]["error"] is None and rows["acme"]["markdown"]
    assert rows[files[1]]["error"] == f"{files[1]}: {CRASHED_BEFORE['impossible-date.yaml']}"


def test_batch_build_batches_the_good_companies_and_lists_each_bad_one(runner: CliRunner, tmp_path: Path) -> None:
    good = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    bad = HOSTILE / "list-key.yaml"
    out = tmp_path / "batch"
    result = runner.invoke(app, ["batch", "build", "--out", str(out), str(good), str(bad), "--json"])
    assert result.exit_code == 1, result.exception
    assert result.stderr == f"Error: {bad}: {bad}: {CRASHED_BEFORE['list-key.yaml']}\n"
    assert json.loads(result.stdout)["failed"] == [
        {"company": str(bad), "error": f"{bad}: {CRASHED_BEFORE['list-key.yaml']}"}
    ]
    assert [entry["slug"] for entry in json.loads((out / "state.json").read_text())["companies"]] == ["acme"]
    assert (out / "round-1.jsonl").read_text().count('"custom_id": "acme|') > 40
    only_bad = error_of(runner, "batch", "build", "--out", str(tmp_path / "none"), str(bad))
    assert only_bad == f"Error: no company could be batched:\n  {bad}: {bad}: {CRASHED_BEFORE['list-key.yaml']}\n"


# --- item 2: the alias bomb -----------------------------------------------------------------------


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


def run_limited(*args: str, drafts: Path) -> subprocess.CompletedProcess[str]:
    """A child process limited to 2 GiB of memory and 60 s, so a bomb that goes off fails the test only."""
    env = dict(os.environ)  # cleaned by conftest
    env["NAFTIKO_WRITER_DRAFTS_DIR"] = str(drafts)
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, preexec_fn=_limit_child, env=env, cwd=ROOT
    )


COMMANDS_IN_ONE_CHILD = """\
import contextlib, io, json, sys
from naftiko_writer.cli import run
runs = []
for args in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
        code = run(args)
    runs.append({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(runs))
"""
"""Runs each command (a JSON list of argument lists) through the CLI's `run` (what the console script's `main`
runs before it exits), in turn, in one child; prints each one's exit code, stdout and stderr. One interpreter
start-up instead of one per command."""


def test_alias_bomb_is_refused_at_once_by_score_companies_and_draft_all(tmp_path: Path) -> None:
    """Before the fix, this one 389-byte file took minutes and gigabytes (113 s and 9.8 GB reported)."""
    folder = companies_folder(tmp_path, "alias-bomb.yaml")
    bomb = folder / "alias-bomb" / "signals.yaml"
    drafts = tmp_path / "drafts"
    commands = [
        ["score", str(HOSTILE / "alias-bomb.yaml")],
        ["companies", "--json", "--companies-dir", str(folder)],
        ["draft", "--all", "--engine", "template", "-q", "--companies-dir", str(folder)],
    ]
    child = run_limited("-c", COMMANDS_IN_ONE_CHILD, json.dumps(commands), drafts=drafts)
    assert child.returncode == 0, child.stderr[-2000:]
    scored, listed, fleet = json.loads(child.stdout)
    assert (scored["code"], scored["stderr"]) == (1, f"Error: {HOSTILE / 'alias-bomb.yaml'}: {BOMB}\n")
    assert listed["code"] == 0, listed["stderr"]
    rows = {row["slug"]: row for row in json.loads(listed["stdout"])}
    assert rows["alias-bomb"]["problem"] == f"{bomb}: {BOMB}"
    assert rows["acme"]["signals"] == 3
    assert fleet["code"] == 1
    assert f"Error: alias-bomb: {bomb}: {BOMB}\n" in fleet["stderr"]
    assert len(list((drafts / "acme").glob("*.md"))) == 1


class CountingLoader(data_files._Loader):  # type: ignore[misc]
    """The reader's YAML parser, counting the events it is asked for."""

    asked = 0

    def get_event(self) -> Any:
        CountingLoader.asked += 1
        return super().get_event()


def test_alias_bomb_is_refused_at_its_first_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    """No event past the first alias is read, so nothing of the bomb is expanded (its size costs nothing)."""
    text = (HOSTILE / "alias-bomb.yaml").read_text(encoding="utf-8")
    events = list(yaml.parse(text, Loader=yaml.SafeLoader))  # events only: an alias is a reference, not a copy
    first_alias = next(index for index, event in enumerate(events) if isinstance(event, yaml.AliasEvent))
    monkeypatch.setattr(data_files, "_Loader", CountingLoader)
    CountingLoader.asked = 0
    with pytest.raises(DocumentError) as refused:
        load_document(HOSTILE / "alias-bomb.yaml")
    assert refused.value.problems == [BOMB]
    assert CountingLoader.asked == first_alias + 1 < len(events)


# --- item 3: settings, unreadable folders, huge heading scores -----------------------------------


@pytest.mark.parametrize("value", ["abc", "0", "-5", "257", "1e3", ""])
def test_bad_concurrency_setting_is_one_line_and_only_for_drafting(
    runner: CliRunner, tmp_path: Path, value: str
) -> None:
    env = {"NAFTIKO_WRITER_CONCURRENCY": value}
    assert json.loads(succeeds(runner, "score", "spotify", "--json", env=env))["company"]["slug"] == "spotify"
    succeeds(runner, "companies", env=env)
    out = str(tmp_path / "d.md")
    if not value:  # an empty variable means the default
        succeeds(runner, "draft", "spotify", "--engine", "template", "-q", "--out", out, env=env)
        return
    assert error_of(runner, "draft", "spotify", "--engine", "template", "-q", "--out", out, env=env) == (
        f"Error: NAFTIKO_WRITER_CONCURRENCY={value!r} is not a whole number from 1 to 256; "
        "fix it, unset it, or pass --concurrency\n"
    )
    succeeds(runner, "draft", "spotify", "--engine", "template", "-q", "--out", out, "--concurrency", "2", env=env)


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder treated as chmod 000 (tests run as root, who reads everything): its entries cannot be seen."""
    folder = tmp_path / "companies" / "locked"
    write(folder / "signals.yaml", VALID_SIGNALS.replace("acme", "locked"))
    write(tmp_path / "companies" / "acme" / "signals.yaml", VALID_SIGNALS)
    real_stat, real_open, real_iterdir = Path.stat, Path.open, Path.iterdir

    def refuse(path: Path) -> None:
        if folder in path.parents:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def stat(self: Path, **kwargs: Any) -> os.stat_result:
        refuse(self)
        return real_stat(self, **kwargs)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        refuse(self)
        return real_open(self, *args, **kwargs)

    def iterdir(self: Path) -> Iterator[Path]:
        refuse(self / "x")
        return real_iterdir(self)

    monkeypatch.setattr(Path, "stat", stat)
    monkeypatch.setattr(Path, "open", open_)
    monkeypatch.setattr(Path, "iterdir", iterdir)
    return folder


def test_signals_file_in_an_unreadable_folder_is_one_error_line(runner: CliRunner, locked: Path) -> None:
    path = locked / "signals.yaml"
    expected = f"Error: {path}: permission denied; make the file and its folders readable\n"
    assert error_of(runner, "score", str(path)) == expected
    assert error_of(runner, "score", "locked", "--companies-dir", str(locked.parent)) == expected
    rows = json.loads(succeeds(runner, "companies", "--json", "--companies-dir", str(locked.parent)))
    assert [(row["slug"], row["problem"]) for row in rows] == [("acme", None), ("locked", expected[7:-1])]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder; the monkeypatched test covers it")
def test_signals_file_in_a_chmod_000_folder(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "locked" / "acme.yaml", VALID_SIGNALS)
    path.parent.chmod(0)
    try:
        assert error_of(runner, "score", str(path)).endswith("make the file and its folders readable\n")
    finally:
        path.parent.chmod(0o755)


def test_dimension_heading_with_a_5000_digit_score_is_no_traceback(runner: CliRunner, tmp_path: Path) -> None:
    before = tmp_path / "before.md"
    succeeds(runner, "draft", "spotify", "--engine", "template", "-q", "--out", str(before))
    text = before.read_text()
    heading = next(line for line in text.splitlines() if line.startswith("### Cloud – Score: "))
    after = write(tmp_path / "after.md", text.replace(heading, "### Cloud – Score: " + "9" * 5_000))
    diff = json.loads(succeeds(runner, "diff", str(before), str(after), "--format", "json"))
    assert "dimension:cloud" in json.dumps(diff)
    succeeds(runner, "diff", str(before), str(after))
    result = runner.invoke(app, ["export", str(after), "--out", str(tmp_path / "after.html")])
    assert result.exit_code == 0, result.exception
    assert "9" * 5_000 in (tmp_path / "after.html").read_text()  # shown as written, not charted


# --- item 15: links out of the companies folder, file contents in errors --------------------------


def test_fixture_linked_outside_the_companies_folder_is_refused_without_echo(runner: CliRunner, tmp_path: Path) -> None:
    secret = write(
        tmp_path / "outside" / "passwd.yaml", "".join(f"user{i}: x:0:0:secret-{i}:/root\n" for i in range(24))
    )
    folder = companies_folder(tmp_path)
    link = folder / "evil" / "signals.yaml"
    link.parent.mkdir()
    link.symlink_to(secret)
    expected = f"Error: {link}: is a link to a file outside {folder}; copy the signals file into the company's folder\n"
    assert error_of(runner, "score", "evil", "--companies-dir", str(folder)) == expected
    rows = json.loads(succeeds(runner, "companies", "--json", "--companies-dir", str(folder)))
    assert [row["problem"] for row in rows if row["slug"] == "evil"] == [expected[7:-1]]
    stderr = error_of(runner, "draft", "--all", "--engine", "template", "-q", "--companies-dir", str(folder),
                      env={"NAFTIKO_WRITER_DRAFTS_DIR": str(tmp_path / "drafts")})  # fmt: skip
    assert "secret-" not in stderr and expected in stderr.replace("Error: evil: ", "Error: ")
    # A link that stays inside the folder is fine.
    inside = folder / "alias" / "signals.yaml"
    inside.parent.mkdir()
    inside.symlink_to(folder / "acme" / "signals.yaml")
    assert error_of(runner, "score", "alias", "--companies-dir", str(folder)).endswith(
        "declares slug 'acme' but lives in folder 'alias'; make the two agree\n"
    )


def test_unknown_fields_quote_only_the_key_cut_short_and_at_most_20_problems(runner: CliRunner, tmp_path: Path) -> None:
    long_key = "secret-" + "k" * 500
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS + f"{long_key}: the rest of the line\n")
    assert error_of(runner, "score", str(path)) == (
        f"Error: {path}: line 9: {long_key[:39]}…: unknown field (check its spelling)\n"
    )
    many = write(tmp_path / "many.yaml", VALID_SIGNALS + "".join(f"line{i}: root:x:{i}\n" for i in range(25)))
    lines = error_of(runner, "score", str(many)).splitlines()
    assert lines[0] == f"Error: {many} has 25 problems:"
    assert len(lines) == 22 and lines[-1] == "  ... and 5 more; fix these and run again"
    assert not any("root:x" in line for line in lines)


# --- item 16: JSON duplicates, booleans, caps, missing folders, company names ---------------------


def test_companies_with_a_missing_folder_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    expected = (
        f"Error: {missing}: the companies folder does not exist; pass --companies-dir or set "
        "NAFTIKO_WRITER_COMPANIES_DIR\n"
    )
    assert error_of(runner, "companies", "--companies-dir", str(missing)) == expected
    assert error_of(runner, "draft", "--all", "--companies-dir", str(missing)) == expected


def test_json_duplicate_keys_are_refused_at_any_depth(tmp_path: Path) -> None:
    top = write(tmp_path / "top.json", '{"company": {}, "company": {}, "signals": []}')
    with pytest.raises(Exception, match=r"top\.json: line 1: key 'company' appears twice in one object"):
        load_signals(top)


def test_evidence_at_the_cap_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS.replace("evidence: 3", "evidence: 1000000"))
    assert load_signals(path).signals[1].evidence == 1_000_000


def test_company_name_is_cleaned_like_signal_names(runner: CliRunner, tmp_path: Path) -> None:
    dirty = "Evil\u202eCorp\x07 \u200bLtd\u2066"
    path = write(tmp_path / "acme.json", json.dumps({"company": {"name": dirty, "slug": "acme", "as_of": "2026-03-01"},
                                                     "signals": [{"kind": "tool", "name": "Terraform"}]}))  # fmt: skip
    assert load_signals(path).company.name == "Evil Corp Ltd"
    out = tmp_path / "acme-report.md"  # acme.md's sidecar would be the signals file, which is refused
    succeeds(runner, "draft", str(path), "--engine", "template", "-q", "--out", str(out), "--html")
    for page in (out, out.with_suffix(".html")):
        text = page.read_text()
        assert "Evil Corp Ltd" in text
        assert not any(character in text for character in "\u202e\x07\u200b\u2066")
    blank = write(tmp_path / "blank.yaml", VALID_SIGNALS.replace("name: Acme", 'name: "\\u202e\\u200b"'))
    assert (
        error_of(runner, "score", str(blank)) == f"Error: {blank}: line 2: company.name: Value error, name is blank\n"
    )


# --- item 17: speed; lines only on the error path ---------------------------------------------------


def test_windows_line_endings_read_alike_and_errors_name_the_same_lines(tmp_path: Path) -> None:
    unix = write(tmp_path / "unix.yaml", VALID_SIGNALS)
    windows = tmp_path / "windows.yaml"
    windows.write_bytes(VALID_SIGNALS.replace("\n", "\r\n").encode())
    assert load_document(windows).data == load_document(unix).data
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(VALID_SIGNALS.replace("evidence: 3", "evidence: true").replace("\n", "\r\n").encode())
    with pytest.raises(InputError) as refused:
        load_signals(broken)
    assert str(refused.value) == f"{broken}: {ALSO_REFUSED['evidence-true.yaml']}"


def test_valid_yaml_is_read_without_line_tracking_and_errors_still_name_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS)
    document = load_document(path)
    assert document._lines is None  # the fast path kept no lines
    assert document.line_of(("signals", 1, "evidence")) == 7  # found by re-reading, on demand
    assert load_document(COMPANIES_DIR / "spotify" / "signals.yaml")._lines is None


def test_thousands_of_yaml_signals_are_parsed_once_by_libyaml_without_line_tracking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the line-tracking pure-Python loader took about 12 s of CPU for 20,000 signals.

    Its time now is a benchmark's business (benchmarks/bench_load.py); this checks what makes it fast.
    """
    kinds = ["service", "tool", "concept", "standard", "language"]
    lines = [f"  - {{kind: {kinds[i % 5]}, name: Technology {i}, evidence: {i % 5 + 1}}}" for i in range(5_000)]
    path = write(tmp_path / "big.yaml", VALID_SIGNALS.split("signals:")[0] + "signals:\n" + "\n".join(lines) + "\n")
    parses: list[bool] = []
    real_parse = data_files.parse_yaml

    def parse_yaml(path: Path, text: str, track_lines: bool, **options: Any) -> Any:
        parses.append(track_lines)
        return real_parse(path, text, track_lines, **options)

    monkeypatch.setattr(data_files, "parse_yaml", parse_yaml)
    signals = load_signals(path).signals
    assert len(signals) == 5_000
    assert (signals[-1].kind.value, signals[-1].name, signals[-1].evidence) == ("language", "Technology 4999", 5)
    assert parses == [False]  # read once, keeping no lines
    assert data_files._Loader is getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where PyYAML has it
