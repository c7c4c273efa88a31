"""The wheel ships dflint (rules as dflint.rules, schemas, grammars) and no top-level `rules`."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Build from a copy of the tracked files so the checkout gets no build/ or egg-info.
    source = tmp_path_factory.mktemp("src")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((ROOT / name).read_bytes())
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=600)
    return next(out.glob("dflint-*.whl"))


@pytest.mark.slow
def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith(("rules/", "tests/", "bench/", "examples/"))]
    rules = [n for n in names if n.startswith("dflint/rules/")]
    assert "dflint/rules/__init__.py" in rules and "dflint/rules/untagged_image.py" in rules
    for data in ("dflint/py.typed", "dflint/schemas/ast.schema.json", "dflint/schemas/lint.schema.json",
                 "dflint/syntax/dockerfile.lark"):
        assert data in names
    for module in ("dflint/syntax/parser.py", "dflint/model/build.py", "dflint/reporters/sarif.py",
                   "dflint/plugins/hookspecs.py", "dflint/testing.py", "dflint/lsp/server.py",
                   "dflint/startup_cache.py"):
        assert module in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[dflint.rules]\ndflint = dflint.rules" in text
    assert "[console_scripts]\ndflint = dflint.cli:run" in text
    top_level = {n.split("/")[0] for n in names}
    assert top_level == {"dflint", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}
