"""Loading company signal files: valid formats and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naftiko_writer.errors import InputError
from naftiko_writer.scoring.models import SignalKind
from naftiko_writer.scoring.signal_files import load_signals
from tests.conftest import VALID_SIGNALS, write


def test_yaml_file_loads_with_defaults(tmp_path: Path) -> None:
    data = load_signals(write(tmp_path / "acme.yaml", VALID_SIGNALS))
    assert data.company.slug == "acme"
    assert [(s.kind, s.name, s.evidence) for s in data.signals] == [
        (SignalKind.SERVICE, "Amazon Web Services", 1),
        (SignalKind.TOOL, "Terraform", 3),
        (SignalKind.CONCEPT, "machine learning", 1),
    ]


def test_json_file_is_equivalent_to_yaml(tmp_path: Path) -> None:
    from_yaml = load_signals(write(tmp_path / "acme.yaml", VALID_SIGNALS))
    payload = json.loads(from_yaml.model_dump_json())
    from_json = load_signals(write(tmp_path / "acme.json", json.dumps(payload)))
    assert from_json == from_yaml


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "company:\n  name: Acme\n signals: [\n")
    with pytest.raises(InputError) as caught:
        load_signals(path)
    assert str(caught.value).startswith(f"{path}: line ")
    assert "invalid YAML" in str(caught.value)


def test_malformed_json_names_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.json", '{"company": {"name": "Acme",\n "slug": }}')
    with pytest.raises(InputError, match=r"bad\.json: line 2: invalid JSON"):
        load_signals(path)


def test_unknown_kind_names_line_and_allowed_values(tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS.replace("kind: tool", "kind: plugin"))
    with pytest.raises(InputError) as caught:
        load_signals(path)
    assert str(caught.value) == (
        f"{path}: line 7: signals[1].kind: unknown value 'plugin'; "
        "expected one of 'service', 'tool', 'concept', 'standard' or 'language'"
    )


def test_duplicate_signal_names_both_lines(tmp_path: Path) -> None:
    text = VALID_SIGNALS + "  - {kind: tool, name: terraform}\n"
    path = write(tmp_path / "acme.yaml", text)
    with pytest.raises(InputError) as caught:
        load_signals(path)
    assert str(caught.value) == (
        f"{path}: line 9: signals[3]: duplicate tool 'terraform' (same signal as 'Terraform' at line 7); "
        "list it once and add up its evidence, or run `naftiko-writer import` on the raw lists to merge them"
    )


def test_same_name_of_different_kinds_is_not_a_duplicate(tmp_path: Path) -> None:
    text = VALID_SIGNALS + "  - {kind: language, name: Terraform}\n"
    assert len(load_signals(write(tmp_path / "acme.yaml", text)).signals) == 4


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = VALID_SIGNALS.replace("kind: tool", "kind: plugin").replace("evidence: 3", "evidence: 0")
    text = text.replace("slug: acme", "slug: Not A Slug") + "  - {kind: concept, name: ML, colour: red}\n"
    path = write(tmp_path / "acme.yaml", text)
    with pytest.raises(InputError) as caught:
        load_signals(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path} has 4 problems:"
    assert lines[1].startswith("  line 3: company.slug: String should match pattern")
    assert "line 7: signals[1].kind: unknown value 'plugin'" in lines[2]
    assert "line 7: signals[1].evidence: Input should be greater than or equal to 1" in lines[3]
    assert lines[4] == "  line 9: signals[3].colour: unknown field (check its spelling)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("   \n\n", "file is empty"),
        ("# only a comment\n", "file holds no data (only comments?)"),
        ("- just\n- a list\n", "expected a mapping with `company:` and `signals:` at the top level"),
    ],
)
def test_empty_or_shapeless_files(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "acme.yaml", text)
    with pytest.raises(InputError) as caught:
        load_signals(path)
    assert str(caught.value) == f"{path}: {message}"


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS.replace("  slug: acme\n", "  slug: acme\n  slug: other\n"))
    with pytest.raises(InputError, match="line 4: key 'slug' appears twice in one mapping"):
        load_signals(path)


def test_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file does not exist"):
        load_signals(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match=r"unsupported file type '\.txt'; use \.yaml, \.yml or \.json"):
        load_signals(write(tmp_path / "acme.txt", VALID_SIGNALS))


def test_blank_name_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "acme.yaml", VALID_SIGNALS.replace("name: machine learning", "name: '   '"))
    with pytest.raises(InputError, match=r"line 8: signals\[2\]\.name: Value error, name is blank"):
        load_signals(path)
