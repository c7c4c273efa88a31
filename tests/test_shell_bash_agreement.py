"""What the shell parser calls a syntax error, bash calls one too.

shell-syntax-error (DF412) tells the user the build will fail at a RUN. Its
parser reads scripts as bash does, the most permissive shell a build runs, so
a script it rejects must be one ``bash -n`` rejects. The scripts are the RUN
scripts of the rule cases, mangled with shell tokens; ``bash -n`` is the
oracle. A differential fuzz of this kind found four false reports (a ``{``
inside ``${...}``, ``case`` as an argument inside ``$(...)``, reserved words
after an assignment or redirection).

Left out, as ``bash -n`` cannot judge them: scripts handed to another shell
(``sh -c '...'``, ``sh -c }``, ``eval``, backticks), which bash parses only
when it runs them, and what DF412 skips (``select`` loops, array values of
``declare``...). The examples are fixed; ``DFLINT_FUZZ_EXAMPLES=N`` runs a
longer, random hunt.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dflint.api import parse
from dflint.shell import parse_shell
from dflint.testing import load_cases

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")

CASES = Path(__file__).parent / "rules" / "cases"
EXTRA = int(os.environ.get("DFLINT_FUZZ_EXAMPLES", "0"))
TOKENS = ["&&", "||", "|", ";", ";;", "&", "(", ")", "{ ", " }", "{", "}", '"', "'", "$(", "${", "$((", "))", "\n",
          " ", "if", "then", "fi", "else", "elif", "do", "done", "for x in a;", "while", "case", "esac", "in",
          "<<EOF\n", "\nEOF\n", "<", ">", ">>", "2>&1", "#", "\\", "=", "x=(a b)", "f()", "<(", "$'", "&>", "|&",
          "\t", "{a,b}", "~", "A=1 "]
# Scripts that bash -n cannot judge (another shell's script in a string), arithmetic `for` loops (bash -n
# passes headers no grammar describes, `for (((i=0; i<3; i++))` or `for ((i=0; i<3);`, and bash then runs
# nothing of the script, the commands after it included, and exits 0) or that DF412 does not report.
_NOT_JUDGED = re.compile(r"`|\beval\b|-[^\s'\"]*c\s*['\"]|\b(?:ba|da|a|z|k)?sh\s+-[^\s'\"]*c\s|\bselect\b|=\(|\[\["
                         r"|(?:^|[;&|(]\s*)!|\bfor\s*\(\(")


def _run_scripts() -> list[str]:
    found = set()
    for path in sorted(CASES.glob("*.yaml")):
        for case in load_cases(path):
            for node in parse(case.dockerfile).instructions:
                text = getattr(node.effective, "shell_text", None)
                if node.effective.name == "RUN" and text is not None and text.value.strip():
                    found.add(text.value)
    return sorted(found)


SCRIPTS = _run_scripts()


@st.composite
def mangled_scripts(draw) -> str:
    script = draw(st.sampled_from(SCRIPTS))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(script)))
        if draw(st.booleans()):
            script = script[:at] + draw(st.sampled_from(TOKENS)) + script[at:]
        else:
            script = script[:at] + script[at + draw(st.integers(1, 6)):]
    return script


@settings(max_examples=EXTRA or 300, derandomize=not EXTRA, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(mangled_scripts())
@example("echo ${PREFIX:-{}")  # the four false reports the fuzz found
@example("echo ${CFG:-{a,b} x} > /tmp/cfg")
@example("count=$(grep -c case /etc/app.conf)")
@example("if true; then OPTS=- elif true; fi && CC=gcc done || 2>/dev/null fi")
def test_a_script_the_parser_rejects_is_one_bash_rejects(script):
    errors = parse_shell(script).errors
    if not errors or _NOT_JUDGED.search(script) or "\x00" in script:
        return
    checked = subprocess.run([BASH, "-n", "-c", script], capture_output=True, check=False)
    assert checked.returncode != 0, f"bash -n accepts what dflint calls {errors[0].message!r}: {script!r}"
