"""`dflint ast` through the real command, and its JSON Schema."""

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "Dockerfile"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(resources.files("dflint").joinpath("schemas/ast.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def dflint(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "dflint", *args], input=stdin, capture_output=True, timeout=60
    )


def test_ast_of_the_example_validates_against_the_schema(validator):
    result = dflint("ast", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    validator.validate(data)
    assert data["ok"] and data["path"] == str(EXAMPLE)
    stages = data["model"]["stages"]
    assert [s["name"] for s in stages] == ["build", None]
    assert stages[0]["base"]["image"]["tag"] == "3.12-slim"
    assert stages[1]["base"]["image"]["tag"] == "latest"


def test_ast_reads_stdin_with_a_display_name(validator):
    result = dflint("ast", "-", "--stdin-filename", "svc/Dockerfile", stdin=b"FROM alpine:3.20\nRUN true\n")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    validator.validate(data)
    assert data["path"] == "svc/Dockerfile"
    assert [i["kind"] for i in data["instructions"]] == ["FROM", "RUN"]


def test_syntax_errors_give_position_and_exit_1(validator):
    result = dflint("ast", "-", "--stdin-filename", "bad/Dockerfile", stdin=b"FROM a\nRUN <<EOF\nnever closed\n")
    assert result.returncode == 1
    validator.validate(json.loads(result.stdout))
    assert b"bad/Dockerfile:2:1: error: unterminated heredoc" in result.stderr
    assert b"Traceback" not in result.stderr


def test_unreadable_file_is_exit_2_without_traceback():
    result = dflint("ast", "does/not/exist/Dockerfile")
    assert result.returncode == 2
    assert b"dflint: error: cannot read does/not/exist/Dockerfile" in result.stderr
    assert b"Traceback" not in result.stderr


def test_onbuild_nested_too_deep_for_json_is_exit_2_without_traceback():
    # BuildKit parses thousands of nested ONBUILD keywords; the JSON tree nests each trigger in its parent
    source = b"FROM alpine:3.20\n" + b"ONBUILD " * 3000 + b"RUN true\n"
    result = dflint("ast", "-", "--stdin-filename", "deep/Dockerfile", stdin=source)
    assert result.returncode == 2
    assert b"deep/Dockerfile:2:1: error: ONBUILD triggers nested 3000 deep" in result.stderr
    assert b"Traceback" not in result.stderr
    shallow = dflint("ast", "-", stdin=b"FROM alpine:3.20\n" + b"ONBUILD " * 20 + b"RUN true\n")
    assert shallow.returncode == 1  # printed, with BuildKit's error for chained ONBUILD
    assert json.loads(shallow.stdout)["instructions"][1]["trigger"]["kind"] == "ONBUILD"


def test_invalid_utf8_is_escaped_in_json(validator):
    result = dflint("ast", "-", stdin=b"FROM alpine\nLABEL x=\xff\xfe\n")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    validator.validate(data)
    assert data["instructions"][1]["pairs"][0]["value"]["value"] == "\udcff\udcfe"


def test_usage_error_is_exit_2():
    assert dflint("ast").returncode == 2


def fixture_files():
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and "Dockerfile" in p.name)


def test_every_fixture_serializes_to_schema_valid_json(validator):
    from dflint import api
    from dflint.ast_json import file_json

    files = fixture_files()
    if not files:
        pytest.skip("no fixtures")
    for path in files:
        file = api.parse_file(path)
        validator.validate(file_json(file, api.build_model(file)))
