"""DF408 sudo: `sudo` in a RUN, where USER says who runs the commands."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.layers import Step, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.model import Word

_ROOT = re.compile(r"(?:root|0)(?::.*)?")


class Sudo(Rule):
    r"""`sudo` in a RUN hides which user runs what; USER says it plainly.

    ## What it does
    Reports each `sudo` that runs a command in a RUN (`ONBUILD RUN`
    included, inside heredoc scripts and the scripts of `sh -c`, `su -c` and
    `eval`, behind other wrappers such as `env`, `nice` or `gosu`, and an
    exec-form `RUN ["sudo", ...]`), at the `sudo` word. Installing
    the `sudo` package is not reported. PowerShell and `cmd` RUNs are not
    read.

    Differences from hadolint's DL3004: hadolint reports only a `sudo` that
    is the first word of a command (not `env sudo`, nor inside `sh -c` or
    heredoc scripts), also in PowerShell RUNs, and as an error; dflint
    reports it as a warning, since the build works.

    ## Why is this bad?
    A RUN runs as the current `USER` (root unless a USER instruction says
    otherwise). `sudo` needs its package and a sudoers entry, resets the
    environment (`PATH`, proxies and ARG values may vanish), and hides which
    user creates which file. When a step needs root, `USER root` before it
    (and `USER app` after) says so; at run time, a tool such as `gosu` or
    `su-exec` drops privileges without sudo's TTY and PID-1 quirks.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    USER root
    RUN sudo apt-get update && sudo apt-get install -y --no-install-recommends curl \
        && sudo rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    USER root
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    When the RUN already runs as root (the last USER before it, in the stage
    or the stages it is built FROM, is `root` or `0`) and `sudo` has no
    options, the fix removes `sudo`. It is unsafe: sudo's environment reset
    no longer happens, so the command sees variables (`ENV`, `ARG`, proxies)
    it did not see before. Otherwise (another user, or a user set by the base
    image that cannot be known here) there is no fix: the RUN needs
    `USER root` around it instead.
    """

    code = "DF408"
    name = "sudo"
    summary = "`sudo` in RUN: USER says which user runs the commands"
    severity = Severity.WARNING
    aliases = ("DL3004", "CKV2_DOCKER_1")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        users: Optional[dict[ast.Instruction, Optional[str]]] = None
        for node in ctx.instructions:
            run = node.effective
            if not isinstance(run, ast.RunInstruction):
                continue
            if isinstance(node, ast.OnbuildInstruction):
                root = None
            else:
                users = _users(ctx) if users is None else users
                root = _runs_as_root(ctx, node, users)
            steps = run_steps(ctx.analysis, node)
            if not steps and run.exec_form and run.args and posixpath.basename(run.args[0].value) == "sudo":
                # An exec-form RUN that is not read (a Windows stage): its program alone.
                yield ctx.finding(run.args[0], "`sudo` in a RUN needs a sudoers setup, resets the environment and "
                                  "hides which user runs the command; use `USER` for the step instead")
                continue
            for step in steps:
                word = _sudo_word(step)
                if word is None:
                    continue
                target = _target_user(step, word)
                fix = _fix(ctx, step, word) if root and target is None else None
                if target is not None and root:  # root needs no sudoers entry, but the image needs sudo installed
                    yield ctx.finding(word, f"`sudo -u {target}` in a RUN that runs as root: use `runuser -u "
                                      f"{target} --` (util-linux, in every Debian, Ubuntu and Fedora image) or "
                                      f"`su {target} -c`, or `USER {target}` around the step when nothing else "
                                      f"in the RUN needs root")
                    continue
                if target is not None:
                    advice = (f"run the step as that user with `USER {target}` around it instead, or, where the RUN "
                              f"runs as root, with `runuser -u {target} --`")
                elif root:
                    advice = "this RUN already runs as root: drop `sudo`"
                else:
                    advice = "if this step needs root, set `USER root` before it (and switch back after)"
                yield ctx.finding(word, f"`sudo` in a RUN needs a sudoers setup, resets the environment and hides "
                                  f"which user runs the command; {advice}", fix)


def _sudo_word(step: Step) -> Optional[Word]:
    """The ``sudo`` word of a command that runs through sudo (wrappers before it allowed)."""
    invocation = step.invocation
    argv = step.command.argv
    if invocation is None:
        return argv[0] if argv and posixpath.basename(argv[0].value) == "sudo" else None
    if invocation.program == "sudo":
        return argv[0] if posixpath.basename(argv[0].value) == "sudo" else None
    if "sudo" not in invocation.via:
        return None
    return next((w for w in argv if posixpath.basename(w.value) == "sudo"), None)


def _target_user(step: Step, word: Word) -> Optional[str]:
    """The user of ``sudo -u NAME`` (None for root or without ``-u``)."""
    argv = [w.value for w in step.command.argv]
    index = next(i for i, w in enumerate(step.command.argv) if w is word)
    for i in range(index + 1, len(argv)):
        value = argv[i]
        if not value.startswith("-"):
            break
        name = None
        if value in ("-u", "--user") and i + 1 < len(argv):
            name = argv[i + 1]
        elif value.startswith("--user="):
            name = value[len("--user="):]
        elif value.startswith("-u") and len(value) > 2:
            name = value[2:]
        if name is not None:
            return None if _ROOT.fullmatch(name.lstrip("#")) else name
    return None


def _runs_as_root(ctx: RuleContext, node: ast.Instruction, users: dict[ast.Instruction, Optional[str]]) -> bool:
    """The last USER before ``node`` (in its stage and the stages it is built FROM) is root."""
    if ctx.model.stage_of(node) is None:
        return False
    user = users.get(node)
    return user is not None and bool(_ROOT.fullmatch(user))


def _users(ctx: RuleContext) -> dict[ast.Instruction, Optional[str]]:
    """The user each instruction of a stage runs as: that of the last USER before it, in its stage
    or the stages it is built FROM ("" when it does not expand, None without one).

    One pass over the stages, each starting from where its FROM stage ended (always an earlier
    stage): walking each RUN's lineage again made a file of many RUNs quadratic.
    """
    model = ctx.model
    users: dict[ast.Instruction, Optional[str]] = {}
    final: list[Optional[str]] = []
    for stage in model.stages:
        user = final[stage.parent] if stage.parent is not None else None
        for item in stage.instructions:
            users.setdefault(item, user)
            if isinstance(item, ast.UserInstruction) and item.value is not None:
                expansion = model.expand(item, item.value.value)
                user = expansion.value if expansion.resolved else ""
        final.append(user)
    return users


def _fix(ctx: RuleContext, step: Step, word: Word) -> Optional[Fix]:
    argv = step.command.argv
    index = next(i for i, w in enumerate(argv) if w is word)
    if index + 1 >= len(argv) or argv[index + 1].value.startswith("-") or word.has_expansion \
            or posixpath.basename(word.value) != "sudo":  # /usr/bin/sudo too
        return None
    start, end = word.span.start.offset, argv[index + 1].span.start.offset
    if "\n" in ctx.file.text[start:end] or "\\" in ctx.file.text[start:end]:
        return None
    return ctx.fix("Remove `sudo`", ctx.edit(start, end, ""), applicability=Applicability.UNSAFE)
