"""DF713 shell-c-entrypoint-drops-arguments: a CMD of several words under an ENTRYPOINT of `sh -c` without a script."""

from __future__ import annotations

import json
import posixpath
import shlex
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.history import image_commands
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.builder import command_string
from dflint.shell.scripts import interpreter, is_posix_shell


class ShellCEntrypointDropsArguments(Rule):
    """`ENTRYPOINT ["sh", "-c"]` runs only the CMD's first element: the other elements are dropped.

    ## What it does
    Reports an exec-form `CMD` of two or more elements whose first element
    is a plain command word (`CMD ["python", "app.py", "--port", "80"]`)
    when the `ENTRYPOINT` in effect is an exec-form POSIX shell whose
    options end in `-c` with no script after them (`["sh", "-c"]`,
    `["/bin/bash", "-ec"]`, `["bash", "-o", "pipefail", "-c"]`,
    `["/usr/bin/env", "sh", "-c"]`). The image's configuration is followed
    as BuildKit builds it, through the stages a stage is built `FROM` (see
    DF709 for how an ENTRYPOINT clears an earlier stage's CMD). The finding
    points at the CMD's first element and names the ENTRYPOINT.

    Not reported:
    - a first element that is more than a plain word: a whole command line
      (`["python app.py", "worker"]` is a script and its `$0`, probably
      meant so), or a script reading its positional parameters
      (`"$0"`, `"$@"`, `"${1}"`...), or anything else a shell interprets
      (quotes, `$`, `;`, globs...);
    - a CMD of one element (`CMD ["python"]`: the whole script);
    - a CMD in shell form (it is already one string: `/bin/sh -c` runs it
      as the script of the ENTRYPOINT's shell, and DF709 covers shell-form
      entrypoints);
    - a first element that is the ENTRYPOINT's own shell
      (`CMD ["bash", "run.sh"]`): DF710 (cmd-repeats-entrypoint) reports it;
    - an ENTRYPOINT set by the base image, which cannot be seen here, and
      an ENTRYPOINT with a script of its own (DF709's business);
    - Windows stages, and ONBUILD triggers, which run in another build.

    hadolint and BuildKit have no such check.

    ## Why is this bad?
    The container runs the ENTRYPOINT followed by the CMD:
    `sh -c python app.py --port 80`. A shell given `-c` takes only the
    next argument as its script; the arguments after it become the
    script's `$0`, `$1`..., which a script that never reads them ignores.
    The container runs `python` alone, with no arguments (here an
    interactive interpreter that reads the empty standard input and exits
    0 at once), and `app.py --port 80` is silently lost. dash and bash
    behave the same.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py /app/
    WORKDIR /app
    ENTRYPOINT ["sh", "-c"]
    CMD ["python", "app.py", "--port", "80"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py /app/
    WORKDIR /app
    ENTRYPOINT ["sh", "-c"]
    CMD ["python app.py --port 80"]
    ```

    or drop the `sh -c` ENTRYPOINT and keep the CMD as it is.

    ## Fix safety
    When every element is a plain word that a shell reads as itself (no
    blank, quote, `$`, glob or other special character), the fix joins the
    elements into one string, the script the ENTRYPOINT expects. It is
    unsafe: the program now gets the arguments it never got, so the
    container does something else (what was meant, most likely); and
    `docker run image ...` arguments replace the CMD either way. Otherwise
    there is no fix: quoting the words for the shell is left to you.
    """

    code = "DF713"
    name = "shell-c-entrypoint-drops-arguments"
    summary = "An exec-form CMD of several words under a `sh -c` ENTRYPOINT: only the first word runs"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage, entrypoint, cmd in image_commands(model):
            if entrypoint is None or cmd is None or not cmd.exec_form or len(cmd.args) < 2:
                continue
            if not entrypoint.exec_form or model.is_windows(stage):
                continue
            shell = _shell_without_script(entrypoint)
            first = cmd.args[0]
            if shell is None or not _plain(first.value) or "=" in first.value or first.value.startswith("-"):
                continue
            if command_string([*entrypoint.args[shell + 1:], *cmd.args]) is not first:
                continue  # not the script after all (`["sh", "-o"]`, `["-x", ...]`)
            if posixpath.basename(first.value) == posixpath.basename(entrypoint.args[0].value):
                continue  # ["bash", "-c"] + ["bash", "run.sh"]: DF710
            rest = [arg.value for arg in cmd.args[1:]]
            joined = " ".join(arg.value for arg in cmd.args) if all(_plain(v) for v in rest) else None
            script = joined if joined is not None else shlex.join(arg.value for arg in cmd.args)
            names = ", ".join(f"`${i}`" for i in range(min(len(rest), 3))) + (", ..." if len(rest) > 3 else "")
            started = shlex.join([arg.value for arg in entrypoint.args + cmd.args])
            become = "become" if len(rest) > 1 else "becomes"
            yield ctx.finding(
                first,
                f"the ENTRYPOINT on line {entrypoint.line} is a shell with `-c` and no script, so the container "
                f"starts as `{started}`: the shell runs `{first.value}` alone as its script, and "
                f"{_quoted(rest)} {become} its unused {names}; give the CMD as one string, the script "
                f"(`CMD {json.dumps([script], ensure_ascii=False)}`), or drop the `sh -c` ENTRYPOINT",
                _fix(ctx, cmd, joined), related=[("the ENTRYPOINT", entrypoint)])


def _shell_without_script(entrypoint: ast.EntrypointInstruction) -> Optional[int]:
    """The index of the shell in an exec-form ENTRYPOINT that runs a POSIX shell (behind `env` or
    `busybox`), None for any other program."""
    values = [arg.value for arg in entrypoint.args]
    if not values or not is_posix_shell(values):
        return None
    index = next(i for i, value in enumerate(values) if is_posix_shell([value]))
    if interpreter([values[index]]) == "busybox" and index + 1 < len(values):
        index += 1  # busybox sh -c
    return index


def _plain(value: str) -> bool:
    """A word that a shell reads as itself: nothing to quote, expand or split."""
    return bool(value) and shlex.quote(value) == value


def _quoted(values: list[str]) -> str:
    shown = [f"`{value}`" for value in values[:3]] + (["..."] if len(values) > 3 else [])
    return ", ".join(shown)


def _fix(ctx: RuleContext, cmd: ast.CmdInstruction, joined: Optional[str]) -> Optional[Fix]:
    if joined is None:
        return None
    content = json.dumps(joined, ensure_ascii=False)
    return ctx.fix(f"Join the CMD into {content}",
                   ctx.edit(cmd.args[0].span.start.offset, cmd.args[-1].span.end.offset, content),
                   applicability=Applicability.UNSAFE)
