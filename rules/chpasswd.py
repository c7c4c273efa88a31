"""DF507 chpasswd: an account password set (or removed) in a RUN."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.credentials import PasswordChange, password_changes
from dflint.rule import Finding, Rule, RuleContext


class Chpasswd(Rule):
    """A password set in a RUN is in the image history, and the image then accepts password logins.

    ## What it does
    Reports commands that set an account password during the build:
    `chpasswd` (`echo "root:secret" | chpasswd`, `chpasswd < file`,
    `chpasswd -e` with a hash), `passwd --stdin` or `passwd` fed by a pipe,
    `useradd`/`usermod`/`adduser` `-p`/`--password` with a hash or an
    empty value; and `passwd -d`, which removes the password altogether.
    Locking values (`usermod -p '!'`, `'*'`) are not reported.

    A password read from a build secret is not reported: a
    `--mount=type=secret` `env=` variable, or a file under the mount's
    target or `/run/secrets` (`chpasswd < /run/secrets/passwords`). A
    password from an ARG, an ENV or the RUN's own text is. Every stage is
    checked, `ONBUILD RUN` triggers too.

    Checkov's CKV2_DOCKER_17 reports any `chpasswd`; dflint finds the
    command inside pipelines, behind wrappers, in heredocs and in the
    scripts of `sh -c`, `su -c` and `eval`, and does not report it
    when the input is a build secret.

    ## Why is this bad?
    `docker history` shows each RUN's text and the build arguments it saw,
    so the password (or its hash, which can be cracked offline) ships with
    the image to everyone who pulls it. A container rarely needs password
    logins at all: run the process as a non-root user, reach it with
    `docker exec`, and give secrets at run time.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN useradd -m deploy && echo "deploy:deploy" | chpasswd
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    RUN useradd -m deploy
    USER deploy
    ```

    ## Fix safety
    There is no fix: removing the password changes who can log in.
    """

    code = "DF507"
    name = "chpasswd"
    summary = "Account password set in RUN"
    severity = Severity.WARNING
    security_severity = 6.0
    partial_aliases = ("CKV2_DOCKER_17",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            run = node.effective
            if not isinstance(run, ast.RunInstruction):
                continue
            for change in password_changes(ctx.analysis, node):
                related = [(f"{change.source.kind.upper()} {change.source.name} is defined here", change.source.node)] \
                    if change.source is not None and change.source.node is not None else []
                yield ctx.finding(change.span, _message(change), related=related,
                                  alias="CKV2_DOCKER_17" if change.tool == "chpasswd" else None)


def _message(change: PasswordChange) -> str:
    if change.what in ("deletes the password", "sets an empty password"):
        return (f"`{change.tool}` {change.what}: the account then logs in without one; lock it instead "
                "(`passwd -l`, `usermod -p '!'`) or leave it alone")
    where = f" ({change.source.describe()})" if change.source is not None else ""
    return (f"`{change.tool}` {change.what}{where}: it stays in the image history; don't set passwords in "
            f"an image, or read the password from a build secret (`RUN --mount=type=secret,id=…`)")
