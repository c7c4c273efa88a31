"""An exec-form RUN's shell script is read as its shell-form twin, with spans through the JSON escapes.

``RUN ["sh", "-c", "<script>"]`` with the script JSON-encoded in any spelling
(escaped or raw non-ASCII, ``\\/``, line continuations inside the string) must
give the commands ``RUN <script>`` gives, and each word's span, cut from the
file and JSON-decoded, must be the word as written in the script; and every
rule must find in the exec-form twin of a rule case what it finds in the case.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dflint import ast
from dflint.config import default_config
from dflint.linter import Linter
from dflint.registry import installed
from dflint.shell import parse_shell, scripts_for
from dflint.syntax import parse_syntax
from dflint.testing import load_cases

CASES = Path(__file__).parent / "rules" / "cases"

PIECES = ["apt-get", "install", "-y", "curl", "https://example.com/a/b", '"two words"', "'single $X'", "$HOME",
          "${X:-y}", "$(date +%s)", "café", "\U0001F600", "a\\ b", '"a\\"b"', "x=1", ">", "/tmp/out", "2>&1"]
SEPARATORS = [" ", "  ", "\t", " && ", " | ", "; ", "\n", " \\\n  "]


@st.composite
def scripts(draw) -> str:
    count = draw(st.integers(1, 8))
    parts = [draw(st.sampled_from([p for p in PIECES if p[0] not in "->"]))]  # sh -c -y: an option, no script
    for _ in range(count - 1):
        parts += [draw(st.sampled_from(SEPARATORS)), draw(st.sampled_from(PIECES))]
    return "".join(parts)


@st.composite
def json_spellings(draw, text: str) -> str:
    """``text`` as a JSON string, each character written plainly or as an escape, at random."""
    out = []
    for char in text:
        plain = json.dumps(char, ensure_ascii=False)[1:-1]
        escaped = json.dumps(char, ensure_ascii=True)[1:-1]
        if char == "/":
            escaped = "\\/"
        elif escaped == plain and char.isascii() and char.isalnum():
            escaped = f"\\u{ord(char):04x}"
        out.append(draw(st.sampled_from([plain, escaped])))
        if not out[-1].endswith("\\") and draw(st.integers(0, 30)) == 0:
            # A Dockerfile line continuation inside the string, removed before JSON (not after a
            # backslash: BuildKit then ends the instruction there).
            out.append("\\\n")
    return '"' + "".join(out) + '"'


def words(script):
    return [(w.value, w.raw) for c in script.commands for w in c.argv] + [
        (r.target.value, r.target.raw) for c in script.commands for r in c.redirects if r.target is not None]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_exec_form_script_reads_as_shell_form_with_exact_spans(data):
    script_text = data.draw(scripts())
    spelled = data.draw(json_spellings(script_text))
    text = f'FROM a\nRUN ["/bin/sh", "-c", {spelled}]\n'
    (run,) = [i for i in parse_syntax(text).instructions if isinstance(i, ast.RunInstruction)]
    (script,) = scripts_for(run)
    assert script.text == script_text
    twin = parse_shell(script_text)
    assert words(script) == words(twin) and [e.message for e in script.errors] == [e.message for e in twin.errors]
    for command in script.commands:
        for word in command.argv:
            written = text[word.span.start.offset:word.span.end.offset].replace("\\\n", "")
            assert json.loads(f'"{written}"') == word.raw, (written, word.raw)


_SHELL_FORM_RUN = re.compile(r"^((?:ONBUILD )?RUN )(?!\[|<<|--)(.+)$", re.MULTILINE)
#: Read differently on purpose: consecutive-run merges shell-form RUNs only; pipefail's shell is the
#: one the exec form names, not the SHELL, and its advice says so.
_DIFFERENT_BY_DESIGN = {"DF006", "DF404"}


def _twins(make_twin):
    """(case, its Dockerfile, ``make_twin`` of it) for every rule case the twin changes; not those with
    a SHELL or a Windows base image (whose shell form runs cmd, while the twin names /bin/sh),
    continuations or heredocs."""
    for path in sorted(CASES.glob("*.yaml")):
        for case in load_cases(path):
            text = case.dockerfile
            if any(mark in text for mark in ("\\\n", "<<", "escape", "`", "SHELL", "mcr.microsoft.com/windows")):
                continue
            twin = make_twin(text)
            if twin != text:
                yield f"{path.stem}: {case.name}", text, twin


def _differences(twins, key, by_design=frozenset()):
    """For each twin that the rules read differently: (case, findings only in the case, only in the
    twin), each finding as ``key`` gives it; rules in ``by_design`` left out too."""
    rules = installed()[0]
    linter, config = Linter(rules), default_config(rules)
    left_out = _DIFFERENT_BY_DESIGN | by_design

    def findings(text):
        _, diagnostics = linter.check(text, "Dockerfile", config)
        return Counter(key(d) for d in diagnostics if d.code not in left_out)

    differ = [(name, findings(text) - findings(twin), findings(twin) - findings(text)) for name, text, twin in twins]
    return [d for d in differ if d[1] or d[2]]


def _script_in_exec_form(text: str) -> str:
    """Each one-line shell-form RUN as ``RUN ["/bin/sh", "-c", "<its command line>"]``."""
    return _SHELL_FORM_RUN.sub(lambda m: f'{m.group(1)}["/bin/sh", "-c", {json.dumps(m.group(2))}]', text)


def test_every_rule_reads_an_exec_form_script_as_its_shell_form_twin():
    twins = list(_twins(_script_in_exec_form))
    assert len(twins) > 400  # the cases' RUNs are mostly one-line shell form
    assert _differences(twins, lambda d: (d.code, d.message)) == []


#: A one-line shell-form RUN that is one simple command of plain words (no quotes, variables or
#: operators), whose program is not a builtin or an assignment: the same RUN in exec form runs the
#: same program with the same arguments.
_ONE_PLAIN_COMMAND = re.compile(r"^((?:ONBUILD )?RUN )(?![\[<-])([A-Za-z0-9_./:@+,%][A-Za-z0-9_./:=@+,% -]*)$",
                                re.MULTILINE)
_BUILTINS = {"cd", "eval", "exec", "export", "set", "source", ".", "true", "false", "umask", "ulimit"}


def _command_in_exec_form(text: str) -> str:
    """Each one-line, one-command RUN as an exec-form RUN with no shell (``RUN ["pip", "install", "x"]``)."""
    def exec_form(match: re.Match) -> str:
        argv = match.group(2).split()
        if argv[0] in _BUILTINS or "=" in argv[0]:
            return match.group(0)
        return match.group(1) + json.dumps(argv)

    return _ONE_PLAIN_COMMAND.sub(exec_form, text)


def test_every_rule_reads_an_exec_form_run_with_no_shell_as_its_shell_form_twin():
    # RUN ["pip", "install", "flask"] runs what RUN pip install flask runs. Where a message quotes
    # the command it quotes the JSON strings, so findings are compared by rule and line.
    twins = list(_twins(_command_in_exec_form))
    assert len(twins) > 300
    # shell-not-in-image: with no shell in between, an image without /bin/sh can still run the program.
    assert _differences(twins, lambda d: (d.code, d.line), by_design={"DF414"}) == []
