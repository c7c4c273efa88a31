"""No rule crashes, and no fix breaks the file, on mangled versions of the rule cases.

The rule cases are the richest Dockerfiles the project has: every package
manager, cache, download and permission pattern a rule knows. Mangled the way
edits and typos mangle files (a line dropped, doubled or moved, a token
inserted, a few characters cut, a piece of another case spliced in), they
reach corners no case was written for: a mutation fuzz of them found two
rules that raised (late-cleanup on a cache moved by an unset variable,
copy-then-chmod on a symbolic ``--chmod``). Every rule runs, with every fix,
on each case as written too.

The examples are fixed (derandomized) so the suite is repeatable; for a
longer hunt set ``DFLINT_FUZZ_EXAMPLES`` (e.g. 20000), which also draws new
examples on each run.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dflint.config import Overrides, default_config
from dflint.linter import Linter
from dflint.registry import installed
from dflint.testing import load_cases

CASES = Path(__file__).parent / "rules" / "cases"
SOURCES = sorted({case.dockerfile for path in sorted(CASES.glob("*.yaml")) for case in load_cases(path)})

TOKENS = ["&&", "||", "|", ";", "\\\n", "\\", '"', "'", "$(", ")", "${", "}", "`", "<<EOF\n", "\nEOF\n",
          "--mount=type=cache,target=/root/.cache ", "--from=0 ", "--chown=1:1 ", "--chmod=+x ", "ARG X\n",
          "FROM scratch\n", "FROM ${X}\n", "ONBUILD ", "# dflint: ignore=DF003\n", "# escape=`\n", "`\n",
          '["sh", "-c", "', '"]', "[", "]", "$NPM_DIR", '"$D"', "=", "#", "\r\n", "\t", " ", "\n", "é", "\x00",
          "apt-get install -y x", "rm -rf /var/lib/apt/lists/*", "pip install x", "npm ci", "COPY . .\n",
          "RUN ", "chmod -R 777 /app", "curl -fsSL http://x | sh", "if true; then", "fi", "case x in", "esac",
          'SHELL ["powershell", "-Command"]\n', "USER root\n", "WORKDIR app\n", "$((1+", '["pip", "install", "',
          '", "', 'RUN ["apk", "add", "curl"]\n', 'RUN ["chmod", "+x", "/app/run.sh"]\n']

EXTRA = int(os.environ.get("DFLINT_FUZZ_EXAMPLES", "0"))
RULES, _ = installed()
CONFIG = default_config(RULES).merged_with(Overrides(select=["ALL"]), RULES)
LINTER = Linter(RULES)


def _mutate(text: str, op: int, at: float, length: int, token: str, other: str) -> str:
    lines = text.split("\n")
    line = min(len(lines) - 1, int(at * len(lines)))
    place = min(len(text), int(at * (len(text) + 1)))
    if op == 0 and len(lines) > 1:
        del lines[line]
    elif op == 1:
        lines.insert(line, lines[(line + length) % len(lines)])
    elif op == 2:
        lines[line], lines[-1 - line] = lines[-1 - line], lines[line]
    elif op == 3:
        return text[:place] + token + text[place:]
    elif op == 4:
        return text[:place] + text[place + length:]
    else:
        start = int(at * len(other))
        return text + other[start:start + 20 * length]
    return "\n".join(lines)


@st.composite
def mangled_cases(draw) -> str:
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        text = _mutate(text, draw(st.integers(0, 5)), draw(st.floats(0, 1)), draw(st.integers(1, 8)),
                       draw(st.sampled_from(TOKENS)), draw(st.sampled_from(SOURCES)))
    return text


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _lint_with_every_fix(text: str):
    """The result of linting ``text`` with every rule and every fix, and the warnings logged."""
    warnings = _Warnings()
    logger = logging.getLogger("dflint")
    logger.addHandler(warnings)
    try:
        return LINTER.lint_text(text, "Dockerfile", CONFIG, fix=True, unsafe_fixes=True), warnings.messages
    finally:
        logger.removeHandler(warnings)


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda path: path.stem)
def test_every_rule_case_with_every_rule_and_every_fix(path):
    """A rule case checks one rule; the others, and their fixes, must cope with it as well."""
    for case in load_cases(path):
        result, warnings = _lint_with_every_fix(case.dockerfile)
        crashes = [d.message for d in result.diagnostics if d.name == "internal-error"]
        assert not crashes and not warnings, (case.name, crashes, warnings)


@settings(max_examples=EXTRA or 300, derandomize=not EXTRA, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mangled_cases())
def test_no_rule_crashes_and_no_fix_breaks_the_syntax(text):
    result, warnings = _lint_with_every_fix(text)
    crashes = [d.message for d in result.diagnostics if d.name == "internal-error"]
    assert not crashes, crashes
    assert not warnings, warnings  # "fixes would break the syntax; not applied"
