"""DF708 exec-form-single-string: an exec-form command whose first element is a whole command line."""

from __future__ import annotations

import json
import posixpath
import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.pipefail import shell_name
from dflint.shell.set_options import LETTERS

#: What ends a command name in a shell: blanks (not Unicode spaces: no shell splits on them) and operators.
_SEPARATOR = re.compile(r"[ \t\r\n\f\v;|&<>]")
_BLANKS = re.compile(r"[ \t\r\n\f\v]+")
#: A plausible command: a bare name, an assignment (`FOO=1 cmd`) or a POSIX path (`./run.sh`, `/usr/bin/x`).
_COMMAND = re.compile(r"(?:[\w][\w.+@%-]*|[A-Za-z_]\w*=[^ \t]*|\.{0,2}/[\w.+@%/-]*)\Z")
#: Words the shell keeps as they are (no quotes, `$`, globs, `~`, `#`, backslashes, operators).
_PLAIN = re.compile(r"[\w@%+=:,./ \t\r\n\f\v-]*\Z")
_WORD = re.compile(r"[^ \t\r\n\f\v]+")
#: One word in single quotes, or in double quotes with nothing a shell expands or escapes there.
_SIMPLY_QUOTED = re.compile(r"'([^']*)'\Z|\"([^\"$`\\]*)\"\Z")
#: The letters a shell's command line takes (bash, dash, ash: `set`'s letters and `-c`, `-i`, `-l`, `-r`).
_OPTION_LETTERS = frozenset(LETTERS) | set("cilroO")
#: bash's long options read with certainty, and those taking the next word as their value.
_LONG_WITH_VALUE = frozenset({"--rcfile", "--init-file"})
_LONG_OPTIONS = _LONG_WITH_VALUE | {"--login", "--noprofile", "--norc", "--posix", "--restricted", "--verbose",
                                    "--noediting"}
#: Programs whose option takes a script as one word (`python -c`, `node -e`, `su -c`).
_INTERPRETER = re.compile(r"(?:python[\d.]*|pypy[\d.]*|node|nodejs|perl|ruby|php[\d.]*|lua[\d.]*|su|runuser)\Z")
_SCRIPT_OPTION = re.compile(r"-[a-z]*[ce]\Z|--(?:command|eval)\Z")
_WINDOWS_PROGRAM = re.compile(r"\.(?:exe|bat|cmd|com)\Z", re.I)
_WHAT_FAILS = {
    "RUN": "the build fails with `executable file not found`",
    "CMD": "the container fails to start with `executable file not found`",
    "ENTRYPOINT": "the container fails to start with `executable file not found`",
    "HEALTHCHECK": "the health check never succeeds and the container is always unhealthy",
    "SHELL": "every shell-form instruction after it fails with `executable file not found`",
}


class ExecFormSingleString(Rule):
    r"""An exec-form command whose first element is a whole command line (`CMD ["npm start"]`).

    ## What it does
    Reports an exec-form (JSON) `RUN`, `CMD`, `ENTRYPOINT`,
    `HEALTHCHECK CMD` or `SHELL` (`SHELL ["bash -c"]`: every shell-form
    instruction after it then fails), ONBUILD triggers included, whose first
    element holds
    a command line rather than a program: `["npm start"]`,
    `["python app.py"]`, `["./start.sh --prod"]`, `["make&&make install"]`.
    The finding points at that element. Only the first element matters:
    `["sh", "-c", "npm start"]` is right.

    The part before the first blank (or `;`, `|`, `&`, `<`, `>`) must look
    like a command: a plain name, a `NAME=value` assignment or a POSIX path.
    A path with a blank in it is not reported: `"C:\\Program Files\\app.exe"`
    (a backslash), `"/opt/my app/run"` (the word after the blank goes on
    with the path), and in Windows stages `"My Tool.exe"`. A path relative
    to the working directory with a blank before its first slash
    (`"my app/run"`) cannot be told apart from `"python app/main.py"` and
    is reported. An element with `$` in its first word (exec form does not
    expand variables either) and an empty first element are left to other
    checks.

    A `CMD` is not reported when an `ENTRYPOINT` is set in its stage or a
    stage it is built `FROM`: its elements are then the entrypoint's
    arguments, which may hold blanks (`ENTRYPOINT ["sh", "-c"]` with
    `CMD ["npm start"]` works). An `ENTRYPOINT` of the base image cannot
    be seen, so a `CMD` on an external image is reported.

    hadolint and BuildKit have no such check.

    ## Why is this bad?
    The exec form runs its first element as the program, without a shell:
    nothing splits it at blanks. `ENTRYPOINT ["npm start"]` looks for an
    executable literally named `npm start`, which does not exist: the
    container fails to start with `exec: "npm start": executable file not
    found in $PATH`, a RUN fails the build, and a `HEALTHCHECK CMD` never
    succeeds, so the container is reported unhealthy forever. The severity
    is error: such an instruction cannot work.

    ## Example
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    ENTRYPOINT ["npm start"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    ENTRYPOINT ["npm", "start"]
    ```

    ## Fix safety
    When the element holds only plain words (letters, digits and
    `@%+=:,./_-`: no quotes, `$`, globs, `~`, `#`, backslashes or
    operators) and its first word is not an assignment, the fix splits it
    into one element per word and keeps the other elements after them:
    `["npm start", "--", "-p"]` becomes `["npm", "start", "--", "-p"]`.
    A shell written into the element with `-c` among its options becomes
    `["sh", "-c", "npm start"]`: the shell and each option get an element,
    and everything after the options (the script) stays one element,
    wherever `-c` stands among the options (`["sh -e -c npm start"]`,
    `["bash -lc ..."]`, `["bash --login -c ..."]`,
    `["bash -o pipefail -c ..."]`). A script written in shell quotes as
    one word loses them, as a shell would remove them:
    `["sh -c 'npm start'"]` becomes `["sh", "-c", "npm start"]` (the
    quotes kept, the shell would look for a command named `npm start`);
    double quotes only when they hold no `$`, backquote or backslash.
    Any other quote or backslash in the script gives no fix
    (`["sh -c 'a' b"]`, `["sh -c \"echo $HOME\""]`,
    `["sh -c echo\\ a"]`): the words a shell would make of it are not
    one script written plainly. When the
    script is in a later element, the fix splits only the first one
    (`["sh -c", "npm start"]`), and gives no fix when more elements follow
    the script (`["sh -c", "npm", "start"]` would run `npm` alone, with
    `$0=start`: `"npm start"` was likely meant). There is no fix either
    when the shell has an option dflint does not know (it might take the
    next word as its value), when a shell is run behind a wrapper
    (`["env bash -c npm start"]`, `["gosu app sh -c ..."]`), or when an
    interpreter's script option has more than one word after it
    (`["python3 -c import app"]`, `["su app -c npm start"]`): splitting
    would cut the script in pieces. Otherwise, with other than plain
    words, there is no fix: use the shell form, or `["sh", "-c", "..."]`.

    The fix is unsafe: it makes a command run that never ran (a RUN now
    does whatever it does, for the first time), and for a `CMD` on an
    external image, an `ENTRYPOINT` of that image that expects the whole
    command line as one argument (`["sh", "-c"]`) would now get separate
    words.
    """

    code = "DF708"
    name = "exec-form-single-string"
    summary = "Exec-form command whose first element is a whole command line (`[\"npm start\"]`)"
    severity = Severity.ERROR
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for node in ctx.file.walk():
            first = _first_element(node)
            stage = model.stage_of(node) if first is not None else None
            if first is None or stage is None:
                continue
            windows = model.is_windows(stage)
            if not _command_line(first.value, windows):
                continue
            if isinstance(node, ast.CmdInstruction) and _entrypoint_set(model, stage):
                continue
            fix = _fix(ctx, node, first)
            advice = f"write it as {_array(node, fix)}" if fix else \
                'use the shell form, or ["cmd", "/S", "/C", "..."]' if windows else \
                'use the shell form, or ["sh", "-c", "..."]'
            what = f"{node.name} CMD" if isinstance(node, ast.HealthcheckInstruction) else node.name
            yield ctx.finding(
                first, f"{what} in exec form runs a program named {json.dumps(first.value, ensure_ascii=False)} "
                f"(no shell splits the words), which does not exist: {_WHAT_FAILS[node.name]}; {advice}", fix)


def _first_element(node: ast.Instruction) -> Optional[ast.Argument]:
    """The element an exec-form RUN, CMD, ENTRYPOINT or HEALTHCHECK CMD runs as the program."""
    if not node.exec_form:
        return None
    if isinstance(node, (ast.RunInstruction, ast.CmdInstruction, ast.EntrypointInstruction)) \
            or node.name == "SHELL":  # SHELL has only the exec form
        return node.args[0] if node.args else None
    if isinstance(node, ast.HealthcheckInstruction) and node.kind is not None \
            and node.kind.value.upper() == "CMD" and node.command_args:
        return node.command_args[0]
    return None


def _command_line(value: str, windows: bool) -> bool:
    """``value`` is a command line (a command, then blanks or operators), not the path of a program."""
    stripped = value.strip(" \t\r\n\f\v")
    found = _SEPARATOR.search(stripped)
    if found is None:  # `"npm "`: a blank around a single command is just as fatal
        return bool(stripped) and stripped != value and bool(_COMMAND.match(stripped))
    word = stripped[:found.start()]
    if not word or not _COMMAND.match(word):
        return False
    following = _BLANKS.split(stripped[found.end():].lstrip(" \t\r\n\f\v"), 1)[0]
    if "\\" in following:
        return False  # `Program Files\app.exe`: a Windows path with a blank
    if "/" in word and "/" in following and not following.startswith(("/", "./", "../", "-")):
        return False  # `/opt/my app/run`: the path goes on after the blank
    return not (windows and _WINDOWS_PROGRAM.search(stripped) and not _WINDOWS_PROGRAM.search(word))


def _entrypoint_set(model, stage) -> bool:
    """An ENTRYPOINT is in effect for ``stage`` (its own or an ancestor's, the last one wins):
    a CMD is then its arguments."""
    last = None
    for member in model.lineage(stage):
        for node in member.instructions:
            if isinstance(node, ast.EntrypointInstruction):
                last = node
    return last is not None and bool(last.args)


def _fix(ctx: RuleContext, node: ast.Instruction, first: ast.Argument) -> Optional[Fix]:
    value = first.value.strip(" \t\r\n\f\v")
    tokens = list(_WORD.finditer(value))
    words = [token.group() for token in tokens]
    others = [element.value for element in _elements(node)[1:]]
    script = _command_string(words[1:] + others) if len(words) > 1 and shell_name([words[0]]) else None
    if script is None:  # no shell with -c: every word is an argument of its own
        if not _PLAIN.match(value) or "=" in words[0] or _runs_script(words):
            return None
    elif script < 0 or not _PLAIN.match(" ".join(words[:script + 1])):
        return None  # options not read with certainty, or not plain
    elif script + 1 < len(words):  # the command string starts in the element: the rest of it is the script
        if others:
            return None  # `["sh -c npm", "start"]`: which words were meant for the script is a guess
        body = _script_text(value[tokens[script + 1].start():])
        if body is None:
            return None  # `["sh -c 'a' b"]`, `["sh -c echo \\$x"]`: quotes no shell will remove
        words = words[:script + 1] + [body]
    elif script + 1 < len(words) + len(others) - 1:
        return None  # `["sh -c", "npm", "start"]`: the script is `npm` alone, `npm start` was likely meant
    content = ", ".join(json.dumps(word, ensure_ascii=False) for word in words)
    return ctx.fix(f"Split into {content}", ctx.edit(first.span.start.offset, first.span.end.offset, content),
                   applicability=Applicability.UNSAFE)


def _script_text(text: str) -> Optional[str]:
    """The script a shell gets from ``text``, the rest of a command line after ``sh -c``: ``text``
    itself without quotes or backslashes, the inside of one simply quoted word (`'npm start'`, or
    `"npm start"` holding no `$`, backquote or backslash); None for any other quoting, which no shell
    removes once the words are elements of their own (`'npm start'` would be a command of that name)."""
    if not any(char in text for char in "'\"\\"):
        return text
    quoted = _SIMPLY_QUOTED.match(text)
    if quoted is None:
        return None
    return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)


def _command_string(args: list[str]) -> Optional[int]:
    """For the words after a shell's name, the index of the command string of
    ``sh [options] -c script`` (options may stand before and after ``-c``: ``-e -c``,
    ``-lc``, ``--login -c``, ``-o pipefail -c``), ``len(args)`` when the options run to
    the end (`SHELL ["bash -c"]`); None without ``-c``; -1 when an option is not one read
    with certainty (an unknown letter or long option, two ``o`` in one word)."""
    seen_c = False
    i = 0
    while i < len(args):
        word = args[i]
        if word in ("--", "-"):
            i += 1
            break
        if word.startswith("--"):
            if word not in _LONG_OPTIONS:
                return -1
            i += 1 + (word in _LONG_WITH_VALUE)
            continue
        if len(word) < 2 or word[0] not in "-+":
            break  # the command string (or a script's path)
        letters = word[1:]
        if not set(letters) <= _OPTION_LETTERS or letters.count("o") + letters.count("O") > 1:
            return -1
        seen_c = seen_c or (word[0] == "-" and "c" in letters)
        i += 1 + ("o" in letters or "O" in letters)
    if not seen_c:
        return None
    return i if i <= len(args) else -1


def _runs_script(words: list[str]) -> bool:
    """Splitting ``words`` would cut a script in pieces: a shell behind a wrapper (`env bash -c`,
    `gosu app sh -c`), or an interpreter's script option with more than one word after it
    (`python -c import app`, `su app -c npm start`)."""
    if any(shell_name([word]) for word in words[1:]):
        return True
    if not _INTERPRETER.match(posixpath.basename(words[0])):
        return False
    return any(_SCRIPT_OPTION.match(word) and len(words) - k > 2 for k, word in enumerate(words))


def _array(node: ast.Instruction, fix: Fix) -> str:
    """The whole array once ``fix`` is applied, for the message."""
    rest = [json.dumps(element.value, ensure_ascii=False) for element in _elements(node)[1:]]
    return "[" + ", ".join([fix.edits[0].content, *rest]) + "]"


def _elements(node: ast.Instruction) -> tuple[ast.Argument, ...]:
    return node.command_args if isinstance(node, ast.HealthcheckInstruction) else node.args
