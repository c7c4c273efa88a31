"""DF511 install-as-non-root: a system package manager run after USER switched to a non-root user."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import program_text, run_steps
from dflint.model.users import UserSetting, effective_user, is_root, windows_stage
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import Invocation

_MANAGERS = frozenset({"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "dnf5", "microdnf", "tdnf", "zypper",
                       "pacman"})
# Operations that change the system's package database. Not queries (`apt-cache`, `apk info`, `yum list`),
# downloads (`apt-get download`, `apk fetch`), nor what yum and dnf do in a user's own cache (clean, makecache).
_WRITES = frozenset({"install", "reinstall", "update", "upgrade", "dist-upgrade", "full-upgrade", "distro-sync",
                     "remove", "purge", "autoremove", "erase", "add", "del", "fix", "-S", "-R", "-U"})
# A package manager working on another root (a chroot being built) or in user mode needs no root.
_ELSEWHERE = ("--root", "--installroot", "--usermode", "--instroot", "-p")


class InstallAsNonRoot(Rule):
    r"""A package manager run as a non-root user: the RUN fails with "Permission denied".

    ## What it does
    Reports a RUN (each RUN once) that installs, updates or removes system
    packages with `apt-get`, `apt`, `aptitude`, `apk`, `yum`, `dnf`,
    `microdnf`, `tdnf`, `zypper` or `pacman` while the `USER` in effect is
    not root. The USER in effect is the last one before the RUN, in its
    stage or a stage it is built `FROM`, with its ARG and ENV variables
    expanded. The finding points at the command and names the USER.

    Not reported: a RUN before any USER of the Dockerfile (the base image's
    user cannot be seen here), a USER whose value depends on a variable
    known only at build time, commands run through `sudo` or `doas`, a
    package manager working on another root (`--root`, `--installroot`,
    `apk -p`, `--usermode`) or under `chroot`, queries (`apt-cache`,
    `apk info`, `yum list`), Windows stages and ONBUILD triggers.

    hadolint and BuildKit have no such check.

    ## Why is this bad?
    System package managers write to `/var/lib/dpkg`, `/lib/apk/db`,
    `/var/lib/rpm` and to the system's directories, which only root may
    change: as another user the command stops with "Permission denied" /
    "You need to be root", and the build fails at this step. Usually the
    USER line was moved up for safety, or a line was appended to a
    Dockerfile that already ends with `USER app`.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN useradd --create-home app
    USER app
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    RUN useradd --create-home app
    USER app
    ```

    ## Fix safety
    There is no fix: the RUN can move above the USER, or be wrapped in
    `USER root` ... `USER app`; which suits the Dockerfile is for you to
    choose.
    """

    code = "DF511"
    name = "install-as-non-root"
    summary = "A system package manager run after USER switched to a non-root user"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage in model.stages:
            if windows_stage(model, stage):
                continue
            parent = model.stages[stage.parent] if stage.parent is not None else None
            user: Optional[UserSetting] = effective_user(model, parent) if parent is not None else None
            for node in stage.instructions:
                if isinstance(node, ast.UserInstruction) and node.value is not None:
                    user = UserSetting(node, stage, model.expand(node, node.value.value))
                    continue
                if not isinstance(node, ast.RunInstruction) or user is None or not user.user or is_root(user):
                    continue
                for step in run_steps(ctx.analysis, node):
                    if _changes_packages(step.invocation) and "chroot" not in step.contexts:
                        shown = f"{program_text(step.invocation)} {step.invocation.subcommand}"
                        yield ctx.finding(
                            step.command,
                            f"`{shown}` runs as {user.user} (the USER on line {user.node.line}{_resolved(user)}): "
                            "changing the system's packages needs root, so this RUN fails with "
                            "\"Permission denied\"; run it before that USER, or between `USER root` and "
                            f"`USER {user.written}`",
                            related=[("the USER in effect", user.node)])
                        break


def _changes_packages(invocation: Optional[Invocation]) -> bool:
    if invocation is None or invocation.program not in _MANAGERS or invocation.subcommand not in _WRITES:
        return False
    if {"sudo", "doas"}.intersection(invocation.via) or invocation.root is not None:
        return False
    return not invocation.has(*_ELSEWHERE) and not any(value.startswith("Dir") for value in invocation.values("-o"))


def _resolved(user: UserSetting) -> str:
    """``: $U resolves to 1001`` when the USER's value came from variables."""
    return f": {user.written} resolves to {user.value}" if user.value != user.written else ""
