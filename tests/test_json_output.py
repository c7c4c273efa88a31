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
