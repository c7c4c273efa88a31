"""DF413 heredoc-without-errexit: a RUN <<EOF script whose earlier commands can fail unnoticed."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.model import Command, Script
from dflint.shell.builder import POSIX_SHELLS
from dflint.shell.scripts import interpreter, is_posix_shell
from dflint.shell.set_options import LASTPIPE_SHELLS, forked, read_options, shell_options

#: Commands whose status is 0 whatever happens (``export A=$(false)`` too): nothing to lose.
_CANNOT_FAIL = frozenset({"echo", "printf", "true", ":", "set", "export", "readonly", "local", "declare",
                          "typeset", "unset", "shopt", "umask", "alias", "trap",
                          "select", "coproc"})  # compound commands the parser may give as commands
#: Operators that end an and-or list (a statement) at the top of a script.
_STATEMENT_ENDS = frozenset({"\n", ";"})
_LINKS = frozenset({"&&", "||", "|", "|&"})
#: Contexts whose shell options do not reach the rest of the script.
_ISOLATED = frozenset({"subshell", "substitution"})
#: A function definition: `name() {`, `name () (`, `function name {`, `function name() {`.
#: An ``exit`` command in a trap's action.
_EXIT = re.compile(r"(?:^|(?<=[\s;&|(){}]))exit(?=$|[\s;&|(){}])")
_DEFINITION = re.compile(r"(?:^|(?<=[\s;&|(){}]))(?:function\s+([A-Za-z_][\w.:-]*)(?:\s*\(\s*\))?"
                         r"|([A-Za-z_][\w.:-]*)\s*\(\s*\))\s*[{(]", re.M)


class HeredocWithoutErrexit(Rule):
    """A `RUN <<EOF` script runs without `set -e`: only its last command's failure fails the build.

    ## What it does
    Reports a `RUN <<EOF` heredoc script (the RUN's command line is the
    heredoc marker alone) that runs several statements, one after another
    on separate lines or after `;`, while errexit is off: no `set -e`
    (`set -eux`, `set -o errexit`...) before them at the top of the
    script, no `-e` in the stage's `SHELL` (`SHELL ["/bin/bash", "-e",
    "-c"]`, `-eo pipefail`, `-o errexit`, inherited from the stage it is
    built `FROM`), and no `-e` on the script's shebang (`#!/bin/bash -e`,
    `#!/usr/bin/env -S bash -e`). ONBUILD RUN triggers are read too.
    The SHELL's and the shebang's options are read as bash and dash read
    them: after long options (`--login`, `--norc`, `--rcfile FILE`...),
    after `-O extglob`, and after `-c`, which does not end the options
    (`SHELL ["/bin/bash", "-c", "-e"]` runs with errexit).

    The finding points at the first command whose failure a later
    statement hides and `set -e` would catch: the last command of its
    `&&`/`||` list and of its pipeline (for `apt-get update && apt-get
    install -y curl`, the install). A failing `apt-get update` there stops
    nothing even under `set -e`, which by POSIX ignores the failure of every
    command of such a list but the last, nor does a failing `curl` in `curl
    URL | tar -x` (that is pipefail's business, DF404).

    Not reported: a single command, or one chain joined by `&&`; statements
    whose failure cannot go unnoticed: ending in `|| true` (or another
    command that cannot fail: `echo`, `export`, `set -x`..., or an
    assignment whose command substitutions run only such commands, `x=$(echo
    1)`), ending in `|| exit 1`, negated with `!`; under bash (the SHELL or
    the shebang), what follows a `trap ACTION ERR` whose action exits, calls
    a function of the script or is a variable: bash runs it where errexit
    would stop the script (dash has no ERR trap and fails on one, so there
    it counts for nothing; nor does one in a subshell); heredocs that are the
    input of a command (`RUN cat <<EOF > /etc/app.conf`, `RUN bash <<EOF`:
    the line is not the marker alone); scripts whose shebang names another
    interpreter (`#!/usr/bin/env python3`); Windows stages and stages whose
    SHELL is not a POSIX shell. Only commands at the top of the script are
    considered: a failure hidden inside an `if`, a loop or a subshell is
    not reported. Nothing is reported after a `set +e` (or `set +o
    errexit`, or an ERR trap running `exit 0`): the author wants the
    failures from there ignored or has decided what they do; nor
    after a `set` that may or may not change errexit in the script's shell
    (in an `if`, a loop, a `case` branch, a `{ ...; }` group, an `eval`
    string, a function once it is called, or `set $OPTIONS`).

    Only a `set` that the script's own shell runs counts. One in another
    shell changes nothing for the script, which is still reported: in `(
    ... )`, `$( ... )` or backticks, in the string of `sh -c '...'`,
    `bash -c "..."` or `su -c`, in a pipeline of several commands (dash
    and bash run each member in a subshell; the last member counts under
    zsh and ksh, and once a script mentions `lastpipe`), in the
    background (`set -e &`), and in a function body until the function
    is called (`strict() { set -e; }` counts from the first `strict`, or
    the first call of a function that calls it). A compound command in a
    pipeline (`{ set -e; } | cat`) is not told apart from one that is not:
    a `set` in it is taken as the script's own, and nothing is reported
    after it.

    ## Why is this bad?
    BuildKit runs a `RUN <<EOF` body without a shebang as one script of the
    stage's shell (`/bin/sh -c '<body>'`), and a body with a shebang as an
    executable file. Either way the shell does not stop at a failing
    command: it goes on with the next line, and the RUN's status is the
    last command's. A failed `apt-get update` or `apt-get install` still
    gives a "successful" step when `rm -rf /var/lib/apt/lists/*` follows,
    and the image ships without the package. With `set -e` the script stops
    at the first failure and the build fails there.

    ## Example
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM debian:bookworm-slim
    RUN <<EOF
    apt-get update
    apt-get install -y --no-install-recommends curl
    rm -rf /var/lib/apt/lists/*
    EOF
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM debian:bookworm-slim
    RUN <<EOF
    set -eux
    apt-get update
    apt-get install -y --no-install-recommends curl
    rm -rf /var/lib/apt/lists/*
    EOF
    ```

    ## Fix safety
    The fix inserts `set -e` as the first line of the script (after its
    shebang, if any). It is unsafe: a script that relied on going on after
    a failing command (a `grep` that finds nothing, a `test` used as a
    statement) now fails the build there. A reported command always
    comes before any `set -e` or `set +e` the script's own shell runs, so
    the inserted line never repeats or overrides one the author wrote
    before it.
    """

    code = "DF413"
    name = "heredoc-without-errexit"
    summary = "RUN <<EOF script whose earlier commands can fail unnoticed (no set -e)"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for anchor in ctx.instructions:
            run = anchor.effective
            if not isinstance(run, ast.RunInstruction) or run.exec_form or not run.heredocs:
                continue
            text, heredoc = run.shell_text, run.heredocs[0]
            if text is None or heredoc.marker.origin != text.origin or heredoc.marker.value != text.value:
                continue  # RUN cat <<EOF > file, RUN bash <<EOF: the body is input, not the script
            stage = ctx.model.stage_of(anchor)
            if stage is None or ctx.model.is_windows(stage):
                continue
            body = heredoc.body
            shebang = body[2:].split("\n", 1)[0].split() if body.startswith("#!") else None
            shell = shebang if shebang is not None else list(ctx.analysis.shell_for(anchor))
            if not is_posix_shell(shell) or shell_options(shell).get("errexit", False):
                continue
            script = next((s for s in ctx.commands(anchor) if s.origin is heredoc), None)
            culprit = _first_unnoticed(script, interpreter(shell) or "") if script is not None else None
            if culprit is not None:
                yield ctx.finding(culprit, f"`{_shown(culprit)}` can fail unnoticed: without errexit the RUN "
                                           f"<<{heredoc.name} script goes on after a failing command, and only its "
                                           "last command's status fails the RUN; start the script with `set -e` "
                                           "(or `set -eux`)",
                                  fix=_insert_set_e(ctx, heredoc, shebang is not None))


def _shown(command: Command) -> str:
    """The command's first two words: `apt-get update`, `apt-get install ...`, `VERSION=...`."""
    words = [w.raw for w in command.argv] or [a.name + "=..." for a in command.assignments]
    return " ".join(words[:2]) + (" ..." if len(words) > 2 else "")


def _first_unnoticed(script: Script, shell: str) -> Optional[Command]:
    """The first top-level command whose failure a later statement of ``script`` hides, before any
    ``set`` that turns errexit on or off in the script's own shell; None when there is none.

    After a ``set -e`` errexit is on, and after a ``set +e`` the author wants failures ignored: either
    way nothing is reported past it. A ``set`` that may touch errexit where it cannot be told whether
    it runs (in an ``if``, a loop, an ``eval``, a function when it is called, or with an expanded
    argument) ends the search the same way. A ``set`` in another shell (``( ... )``, ``$( ... )``,
    ``sh -c '...'``, a pipeline's member, a background job) or in a function not yet called does
    not: errexit stays off in the script's shell."""
    lastpipe = shell in LASTPIPE_SHELLS or "lastpipe" in script.text
    bash = shell == "bash"
    setters = _errexit_functions(script, lastpipe, bash)
    last_start = max((c.start for c in script.commands), default=-1)
    group: list[Command] = []
    for command in script.commands:
        if _sets_errexit(script, command, bash) or command.name in setters:
            if "function" not in command.contexts and _own_shell(script, command, lastpipe):
                return None
        if command.contexts:
            continue
        group.append(command)
        if command.next_operator in _LINKS:
            continue  # the list goes on (or into a compound command: left alone below)
        statement, group = group, []
        if command.next_operator not in _STATEMENT_ENDS:
            continue  # `&` in the background, or the end of the script
        if last_start < command.end:
            continue  # nothing runs after it: its status is the script's
        if not _linked(statement):
            continue
        culprit = _can_fail_unnoticed(script, statement)
        if culprit is not None:
            return culprit
    return None


def _sets_errexit(script: Script, command: Command, bash: bool) -> bool:
    """``command`` turns errexit on or off, or may: a ``set`` (:func:`_touches_errexit`), or under
    bash a ``trap ACTION ERR`` whose action may exit (:func:`_exiting_err_trap`)."""
    if command.name == "set":
        return _touches_errexit(command)
    return bash and command.name == "trap" and _exiting_err_trap(script, command)


def _exiting_err_trap(script: Script, command: Command) -> bool:
    """A bash ``trap ACTION ERR`` (``err`` too, among other signals) whose action may end the script:
    it runs ``exit``, calls a function of the script, or is only known at run time.
    Bash then runs it wherever errexit would stop the script (the same exemptions: conditions,
    ``&&`` lists but their last command, ``!``), so a failure at the top of the script is not lost.
    dash has no ERR trap (``trap: ERR: bad trap``) and ash, zsh and ksh are not read: only bash counts."""
    words = list(command.args)
    if words and words[0].value == "--":
        words = words[1:]
    if len(words) < 2 or words[0].value.startswith("-") and words[0].value != "-" and not words[0].has_expansion:
        return False  # `trap -p`, `trap -l`, `trap ERR` (a reset)
    if not any(w.value.upper() == "ERR" for w in words[1:]):
        return False
    action = words[0]
    text = action.raw.strip("'\"") if action.has_expansion else action.value
    if text.lstrip("\"'").startswith("$"):
        return True  # `trap "$ON_ERROR" ERR`: only the build knows
    if _EXIT.search(text):
        return True  # `exit 0` too: like `set +e`, the author decided what a failure does
    first = text.split(None, 1)[0] if text.strip() else ""
    return first in {m.group(1) or m.group(2) for m in _DEFINITION.finditer(script.text)}


def _touches_errexit(command: Command) -> bool:
    """A ``set`` whose words turn errexit on or off, or may (``set $FLAGS``)."""
    args = list(command.args)
    return any(w.has_expansion for w in args) or "errexit" in read_options([w.value for w in args])


def _own_shell(script: Script, command: Command, lastpipe: bool) -> bool:
    """``command`` may run in the script's own shell: at the top, in an ``if``, a loop, a ``case``, a
    ``{ ...; }`` group, a function body (when called) or an ``eval`` string, not in a subshell, a
    command substitution, the string of ``sh -c``/``su -c``, a pipeline of several commands or the
    background. A compound command in a pipeline (``{ set -e; } | cat``) is not told apart from one
    that is not: a ``set`` in it is taken as the shell's own."""
    if forked(command, lastpipe) or _ISOLATED.intersection(command.contexts):
        return False
    if "shell" not in command.contexts:
        return True
    outers = [c for c in script.commands if c.start < command.start and c is not command
              and any(w.start <= command.start and command.end <= w.end for w in c.argv[1:])]
    return all(c.program == "eval" and _own_shell(script, c, lastpipe) for c in outers)


def _errexit_functions(script: Script, lastpipe: bool, bash: bool = False) -> frozenset[str]:
    """The names of the script's functions whose call may turn errexit on or off in the caller's
    shell: a ``set -e`` (or ``set +e``...) in the body, or a call of such a function. A function is
    named by the last definition (``name() {``, ``function name {``) before its body's command; a
    ``set`` whose function cannot be named so makes every call of a function the script defines count."""
    if "(" not in script.text and "function" not in script.text:
        return frozenset()
    definitions = [(m.start(), m.group(1) or m.group(2)) for m in _DEFINITION.finditer(script.text)]
    if not definitions:
        return frozenset()
    names = frozenset(name for _, name in definitions)
    setters: set[str] = set()
    changed = True
    while changed:
        changed = False
        for command in script.commands:
            if "function" not in command.contexts:
                continue
            if not (_sets_errexit(script, command, bash) or command.name in setters):
                continue
            if not _own_shell(script, command, lastpipe):
                continue
            owner = next((name for start, name in reversed(definitions) if start < command.start), None)
            found = {owner} if owner is not None else set(names)
            if not found <= setters:
                setters |= found
                changed = True
    return frozenset(setters)


def _linked(statement: list[Command]) -> bool:
    """The commands form one and-or list of simple commands (not one cut by a compound command)."""
    return all(c.operator in _LINKS for c in statement[1:]) and statement[-1].next_operator in _STATEMENT_ENDS


def _can_fail_unnoticed(script: Script, statement: list[Command]) -> Optional[Command]:
    """The command of an and-or list whose failure errexit would catch: the last one (POSIX exempts the
    others of `a && b`); None when it cannot fail (`... || true`), ends the script (`... || exit 1`)
    or is negated (`! grep ...`, whose status errexit ignores)."""
    last = statement[-1]
    if last.negated or last.name == "exit" or _cannot_fail(script, last):
        return None
    return last


def _cannot_fail(script: Script, command: Command) -> bool:
    if command.name is None:  # assignments only: the status of their last command substitution
        if not any("$(" in a.value.raw or "`" in a.value.raw for a in command.assignments):
            return True
        # `x=$(echo 1)`: every command its substitutions run directly cannot fail (a substitution's
        # status is its last command's; one nested deeper, `$(echo $(cat f))`, decides nothing)
        inner_contexts = command.contexts + ("substitution",)
        return all(_cannot_fail(script, c) for c in script.commands
                   if command.start < c.start and c.end <= command.end and c.contexts == inner_contexts)
    if command.program in _CANNOT_FAIL:
        return True
    if command.program not in POSIX_SHELLS and command.program != "eval":
        return False
    # `sh -c 'set -e; echo setup'`: a shell whose string runs only commands that cannot fail
    inner = [c for c in script.commands if command.start < c.start and c.end <= command.end
             and "shell" in c.contexts]
    return bool(inner) and all(_cannot_fail(script, c) for c in inner)


def _insert_set_e(ctx: RuleContext, heredoc: ast.Heredoc, shebang: bool) -> Optional[Fix]:
    """Put ``set -e`` on a line of its own at the top of the body (after the shebang), indented like
    the body's first line."""
    text = ctx.file.text
    start = heredoc.body_span.start.offset
    if shebang:
        end_of_line = text.find("\n", start)
        if end_of_line < 0 or end_of_line >= heredoc.body_span.end.offset:
            return None
        start = end_of_line + 1
    line = text[start:text.find("\n", start) if "\n" in text[start:] else len(text)]
    indent = line[:len(line) - len(line.lstrip(" \t"))]
    if heredoc.chomp:
        indent = indent[:len(indent) - len(indent.lstrip("\t"))]  # <<- strips tabs only
    newline = "\r\n" if line.endswith("\r") else "\n"
    return ctx.fix("start the script with `set -e`", ctx.edit(start, start, f"{indent}set -e{newline}"),
                   applicability=Applicability.UNSAFE)
