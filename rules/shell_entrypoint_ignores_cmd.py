"""DF709 shell-entrypoint-ignores-cmd: a CMD that never runs, because the ENTRYPOINT is in shell form."""

from __future__ import annotations

import re
from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.history import image_commands
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.pipefail import shell_name
from dflint.shell.scripts import exec_form_shell

# The script reads its positional parameters: the CMD reaches it as $0, $1...
_POSITIONAL = re.compile(r"\$(?:[@*#0-9]|\{[#!]?[@*#0-9])")


class ShellEntrypointIgnoresCmd(Rule):
    r"""A shell-form ENTRYPOINT ignores the CMD: the CMD never runs.

    ## What it does
    Reports a `CMD` that is part of an image whose `ENTRYPOINT` is in shell
    form (`ENTRYPOINT ./start.sh`), or is an exec-form shell given a
    script of its own (`ENTRYPOINT ["/bin/sh", "-c", "./start.sh"]`, the
    same thing written out). The image's configuration is followed
    as BuildKit builds it: through the stages a stage is built `FROM`, and
    with its rule that an `ENTRYPOINT` clears a CMD set in an earlier stage
    (or the base image) but not one set in its own stage. The finding
    points at the CMD and names the ENTRYPOINT.

    Not reported:
    - an ENTRYPOINT script that reads its positional parameters
      (`$@`, `$*`, `$1`, `$#`...): it was written to receive arguments
      (`["/bin/sh", "-c", "exec app \"$@\"", "--"]`);
    - an exec-form `["/bin/sh", "-c"]` with no script: the CMD is the
      script;
    - an empty exec-form CMD (`CMD []`);
    - a SHELL that is not a POSIX shell (PowerShell and cmd append the
      arguments to the command line they run), and Windows stages;
    - ONBUILD triggers, which run in another build.

    An ENTRYPOINT of the base image cannot be seen here; the rule only
    judges what this file sets. hadolint and BuildKit have no such check;
    DF401 (json-args-recommended) reports the shell-form ENTRYPOINT itself,
    for the signals it does not pass on, and is often ignored in a project
    that uses the shell form on purpose, which hides this bug.

    ## Why is this bad?
    In shell form the entrypoint runs as `/bin/sh -c "<entrypoint>"`, and
    the CMD is appended after that script: the shell makes the CMD's words
    the script's `$0`, `$1`..., which the script never reads. An exec-form
    `["/bin/sh", "-c", "<script>"]` does exactly the same (with words
    after the script, `["/bin/sh", "-c", "<script>", "app"]`, those come
    first: `app` is `$0` and the CMD starts at `$1`). The CMD, and
    every argument given to `docker run image ...`, is silently dropped:
    the container always runs the same command, whatever it is asked to do.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY . /app
    ENTRYPOINT python /app/manage.py
    CMD ["runserver", "0.0.0.0:8000"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY . /app
    ENTRYPOINT ["python", "/app/manage.py"]
    CMD ["runserver", "0.0.0.0:8000"]
    ```

    ## Fix safety
    There is no fix: either the ENTRYPOINT goes to the exec form (DF401
    offers it when the command is simple), which changes what runs as
    PID 1, or the CMD is deleted; which one was meant only you know.
    """

    code = "DF709"
    name = "shell-entrypoint-ignores-cmd"
    summary = "A CMD that never runs: the ENTRYPOINT is in shell form"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage, entrypoint, cmd in image_commands(model):
            if entrypoint is None or cmd is None or not cmd.args or model.is_windows(stage):
                continue
            if entrypoint.exec_form:
                found = exec_form_shell(entrypoint)  # ["/bin/sh", "-c", "app"]: the CMD follows the script
                if found is None or _POSITIONAL.search(found[1].value):
                    continue
                after = len(entrypoint.args) - 1 - next(i for i, arg in enumerate(entrypoint.args) if arg is found[1])
                if after:  # ["sh", "-c", "script", "app"]: `app` is $0, the CMD starts at $1
                    words = f"`${after}`, `${after + 1}`..." if after < 9 else "positional parameters"
                    add = f" (`{entrypoint.args[-after].value}` after it is already its `$0`)"
                else:
                    words, add = "`$0`, `$1`...", " and add `\"--\"` after it (it becomes `$0`)"
                yield ctx.finding(
                    cmd.keyword,
                    f"this CMD never runs: the ENTRYPOINT on line {entrypoint.line} runs "
                    f"`{' '.join(found[0])}` with a script of its own, which takes the CMD's words as its "
                    f"unused {words}; to pass the CMD on, make the ENTRYPOINT the program itself, or end "
                    f"the script with `exec program \"$@\"`{add}; or drop the CMD",
                    related=[("the ENTRYPOINT's script", found[1])])
                continue
            script = entrypoint.shell_text
            if script is None or _POSITIONAL.search(script.value):
                continue
            shell = ctx.analysis.shell_for(entrypoint)
            if not shell or shell_name(shell[:1]) is None:
                continue
            yield ctx.finding(
                cmd.keyword,
                f"this CMD never runs: the ENTRYPOINT on line {entrypoint.line} is in shell form, "
                f"and `{shell[0]} -c` takes the CMD's words as the script's unused `$0`, `$1`...; "
                "write the ENTRYPOINT in exec form (a JSON array), or drop the CMD",
                related=[("the shell-form ENTRYPOINT", entrypoint)])

