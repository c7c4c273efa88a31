"""``dflint --format json`` read as an editor reads it: real files, every rule, odd line endings and characters.

The document must validate against the shipped schema, and every position
must mean what the schema says: ``offset`` counts code points of the file,
``line``/``column`` are the same point with lines ending at ``\\n`` only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"


def variants(text: str) -> dict[str, str]:
    lf = text.replace("\r\n", "\n")
    return {
        "as-is": text,
        "crlf": lf.replace("\n", "\r\n"),
        "lone-cr-and-astral": lf.replace("\n", " # 𝔘😀é\r# more\n").replace("RUN ", "RUN echo 😀 && "),
    }


@pytest.fixture(scope="module")
def linted(tmp_path_factory):
    """(the files written, the JSON document) for every real-world fixture in every variant."""
    root = tmp_path_factory.mktemp("json")
    texts = {}
    for fixture in sorted(REALWORLD.iterdir()):
        for name, text in variants(fixture.read_bytes().decode("utf-8", "surrogateescape")).items():
            path = root / name / fixture.name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
            texts[str(path)] = text
    run = subprocess.run([sys.executable, "-m", "dflint", "--format", "json", "--extend-select", "ALL", *texts],
                         capture_output=True, timeout=600)
    return texts, json.loads(run.stdout)


def test_real_output_validates_against_the_shipped_schema(linted):
    _, document = linted
    schema = json.loads(resources.files("dflint").joinpath("schemas/lint.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["summary"]["problems"] > 1000


def test_offsets_columns_and_lines_are_one_point(linted):
    texts, document = linted
    checked = 0
    for entry in document["files"]:
        text = texts[entry["path"]]
        starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        for diagnostic in entry["diagnostics"]:
            points = [diagnostic["start"], diagnostic["end"]]
            for edit in (diagnostic["fix"] or {}).get("edits", []):
                points += [edit["start"], edit["end"]]
            for related in diagnostic.get("related", []):
                points += [related["start"], related["end"]]
            for point in points:
                assert starts[point["line"] - 1] + point["column"] - 1 == point["offset"] <= len(text), (
                    entry["path"], diagnostic["code"], point)
                checked += 1
    assert checked > 1000


ONE_PASS_CASES = {
    "merge and a flag in the second RUN": (
        "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"),
    "three RUNs, a flag and a pin in each": (
        "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y make\nRUN apt-get install -y gcc\n"),
    "merge with a comment between and && at line ends": (
        "FROM ubuntu:24.04\nRUN apt-get update && \\\n  apt-get install -y make\nRUN make -C /src\n# then the compiler\n"
        "RUN apt-get install -y gcc\n"),
}


def _one_pass(text: str, diagnostics: list[dict]) -> tuple[str, int]:
    """Every applicable fix's edits in one pass, as an editor applies a JSON document: a fix that
    overlaps one taken earlier is left out, whole. Returns the text and how many were left out."""
    taken: list[tuple[int, int, str]] = []
    left_out = 0
    for diagnostic in diagnostics:
        fix = diagnostic["fix"]
        if not fix or fix["applicability"] == "display-only":
            continue
        edits = [(e["start"]["offset"], e["end"]["offset"], e["content"]) for e in fix["edits"]]
        if any(start < t_end and t_start < end or start == end == t_start == t_end
               for start, end, _ in edits for t_start, t_end, _ in taken):
            left_out += 1
            continue
        taken += edits
    for start, end, content in sorted(taken, reverse=True):
        text = text[:start] + content + text[end:]
    return text, left_out


@pytest.mark.parametrize("text", ONE_PASS_CASES.values(), ids=ONE_PASS_CASES)
def test_the_fixes_of_a_json_document_do_not_overlap_and_lead_where_fix_does(tmp_path, text):
    """consecutive-run's merge edits only the gap between the RUNs, so the edits other rules make
    inside the second RUN (a flag) do not overlap it: an editor applying the document in one pass
    loses none, and `--fix` goes on from there (the fixes the merge makes possible) to the file it
    writes from the original."""
    def lint_json(text: str) -> list[dict]:
        path.write_text(text)
        run = subprocess.run([sys.executable, "-m", "dflint", "--format", "json", str(path)],
                             capture_output=True, text=True, timeout=60)
        return json.loads(run.stdout)["files"][0]["diagnostics"]

    def fixed(text: str) -> str:
        path.write_text(text)
        run = subprocess.run([sys.executable, "-m", "dflint", "--fix", "--unsafe-fixes", str(path)],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode in (0, 1), run.stderr
        return path.read_text()

    path = tmp_path / "Dockerfile"
    diagnostics = lint_json(text)
    offered = [d for d in diagnostics if d["fix"] and d["fix"]["applicability"] != "display-only"]
    assert {"DF006", "DF202"} <= {d["code"] for d in offered}
    once, left_out = _one_pass(text, offered)
    assert left_out == 0
    assert not {"DF006", "DF202"} & {d["code"] for d in lint_json(once)}
    assert fixed(once) == fixed(text)
