"""DF511 install-as-non-root: a system package manager run after USER switched to a non-root user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import program_text, run_steps
from dflint.model.users import UserSetting, effective_user, is_root, nonroot_base, windows_stage
from dflint.rule import Finding, Option, Rule, RuleContext
from dflint.shell.tools import Invocation

if TYPE_CHECKING:  # pragma: no cover
    from dflint.model.build import Stage

_MANAGERS = frozenset({"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "dnf5", "microdnf", "tdnf", "zypper",
                       "pacman"})
# Operations that change the system's package database. Not queries (`apt-cache`, `apk info`, `yum list`),
# downloads (`apt-get download`, `apk fetch`), nor what yum and dnf do in a user's own cache (clean, makecache).
_WRITES = frozenset({"install", "reinstall", "update", "upgrade", "dist-upgrade", "full-upgrade", "distro-sync",
                     "remove", "purge", "autoremove", "erase", "add", "del", "fix", "-S", "-R", "-U"})
# A package manager working on another root (a chroot being built) or in user mode needs no root.
_ELSEWHERE = ("--root", "--installroot", "--usermode", "--instroot", "-p")
#: Simulations, which need no root: apt-get and apt turn locking off and only print what they would do
#: ("NOTE: This is only a simulation!"; --print-uris only prints the URIs), aptitude's -s "does not require
#: root privileges" (its manual), apk -s opens its database read-only. Not dnf/yum --assumeno nor apt's
#: --assume-no/--trivial-only: they check for root (or take the lock) before answering; nor zypper's
#: --dry-run: its install/remove/update commands carry a NeedsRootCondition, checked before they run.
_APT_SIMULATIONS = ("-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act", "--print-uris")
_SIMULATIONS = {"apt-get": _APT_SIMULATIONS, "apt": _APT_SIMULATIONS, "aptitude": ("-s", "--simulate"),
                "apk": ("-s", "--simulate")}
#: Base images that ship a package manager and end with a non-root USER (globs on ``registry/repository:tag``
#: and on the reference as written), each with the USER that switches back to their user. Narrower than
#: users.NONROOT_IMAGES: distroless and chiseled images have no package manager (a RUN there fails for
#: another reason), and some Chainguard images (wolfi-base, chainguard-base) run as root.
_STACKS = [f"{registry}/jupyter/{name}{tag}" for registry in ("docker.io", "quay.io")
           for name in ("*-notebook", "docker-stacks-foundation") for tag in ("", ":*")]
BASE_USERS = {**{pattern: "${NB_UID}" for pattern in _STACKS},  # Jupyter's docker-stacks: USER ${NB_UID}
              "*/mambaorg/micromamba": "$MAMBA_USER", "*/mambaorg/micromamba:*": "$MAMBA_USER",
              "*/nginx-unprivileged": "101", "*/nginx-unprivileged:*": "101"}
#: Who the USER values above are in the images that set them.
_WHO = {"${NB_UID}": "jovyan (uid 1000)", "$MAMBA_USER": "mambauser (uid 57439)", "101": "nginx (uid 101)"}


class InstallAsNonRoot(Rule):
    r"""A package manager run as a non-root user: the RUN fails with "Permission denied".

    ## What it does
    Reports a RUN (each RUN once) that installs, updates or removes system
    packages with `apt-get`, `apt`, `aptitude`, `apk`, `yum`, `dnf`,
    `microdnf`, `tdnf`, `zypper` or `pacman` while the `USER` in effect is
    not root. The USER in effect is the last one before the RUN, in its
    stage or a stage it is built `FROM`, with its ARG and ENV variables
    expanded. The finding points at the command and names the USER.

    Before any USER of its lineage, a RUN runs as the base image's user,
    which the Dockerfile does not show: it is reported only when the
    image the stage is ultimately built on is one known to end with a
    non-root USER and to ship a package manager (the `base-images`
    option): Jupyter's docker-stacks images (`quay.io/jupyter/*-notebook`,
    `docker.io/jupyter/*-notebook`, `docker-stacks-foundation`; user
    jovyan, `USER ${NB_UID}`), `mambaorg/micromamba` (mambauser,
    `USER $MAMBA_USER`) and `nginx-unprivileged` (nginx, uid 101). The
    message then asks for `USER root` before the RUN and that USER after
    it. Other bases stay silent, even the non-root ones `no-user` knows:
    distroless `:nonroot` and .NET chiseled images have no shell nor
    package manager (the RUN fails for another reason), and Chainguard's
    images do not all run as non-root (one whose apko `run-as` is unset,
    such as `wolfi-base`, runs as root). An image that runs as non-root
    but lets its user `sudo` is no exception: `sudo` is never reported.

    Not reported: a USER whose value depends on a variable
    known only at build time, commands run through `sudo` or `doas`, a
    package manager working on another root (`--root`, `--installroot`,
    `apk -p`, `--usermode`) or under `chroot`, queries (`apt-cache`,
    `apk info`, `yum list`), simulations, which any user may run
    (`apt-get`/`apt` with `-s`, `--simulate`, `--dry-run`, `--just-print`,
    `--recon`, `--no-act`, `--print-uris` or `-o APT::Get::Simulate=true`;
    `aptitude -s`/`--simulate`, which its manual says needs no root;
    `apk -s`/`--simulate`), Windows stages and ONBUILD triggers.
    `apt-get --assume-no` and `dnf`/`yum --assumeno` are still reported:
    apt takes its lock, and dnf checks for root, before any question is
    answered. So is `zypper --dry-run` (`-D`): it simulates, but zypper's
    install, remove and update commands refuse a non-root user ("Root
    privileges are required to run this command") before the dry run
    begins; only `--root` (another root) lifts that check.

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
    options = (Option("base-images", dict, dict(BASE_USERS),
                      "Glob patterns of base images (matched against `registry/repository:tag` and the reference "
                      "as written) that end with a non-root USER and ship a package manager -> the USER value "
                      "that switches back to that user (empty when not known)"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage in model.stages:
            if windows_stage(model, stage):
                continue
            parent = model.stages[stage.parent] if stage.parent is not None else None
            user: Optional[UserSetting] = effective_user(model, parent) if parent is not None else None
            # Before any USER of its lineage, the stage runs as its base image's user.
            base = _base_user(ctx, stage) if user is None else None
            for node in stage.instructions:
                if isinstance(node, ast.UserInstruction) and node.value is not None:
                    user, base = UserSetting(node, stage, model.expand(node, node.value.value)), None
                    continue
                if not isinstance(node, ast.RunInstruction):
                    continue
                if base is None and (user is None or not user.user or is_root(user)):
                    continue
                for step in run_steps(ctx.analysis, node):
                    if _changes_packages(step.invocation) and "chroot" not in step.contexts:
                        shown = f"{program_text(step.invocation)} {step.invocation.subcommand}"
                        if user is not None:
                            yield ctx.finding(
                                step.command,
                                f"`{shown}` runs as {user.user} (the USER on line {user.node.line}"
                                f"{_resolved(user)}): changing the system's packages needs root, so this RUN "
                                "fails with \"Permission denied\"; run it before that USER, or between "
                                f"`USER root` and `USER {user.written}`",
                                related=[("the USER in effect", user.node)])
                        else:
                            assert base is not None
                            image, back = base
                            who = _WHO.get(back, "the image's user") if back else "the image's user"
                            after = f"`USER {back}`" if back else "a USER back to the image's user"
                            yield ctx.finding(
                                step.command,
                                f"`{shown}` runs as {who}, the user {image} ends with (no USER before this RUN "
                                "changes it): changing the system's packages needs root, so this RUN fails with "
                                f"\"Permission denied\"; put `USER root` before it and {after} after it",
                                related=[("the base image", stage.from_instruction)])
                        break


def _base_user(ctx: RuleContext, stage: "Stage") -> Optional[tuple[str, str]]:
    """The image ``stage`` is ultimately built on and the USER value switching back to its user, when
    it is one of the ``base-images`` (an image known to run as a non-root user)."""
    patterns: dict[str, str] = ctx.options["base-images"]
    for pattern, back in patterns.items():
        if nonroot_base(ctx.model, stage, (pattern,)) is not None:
            _, expansion = ctx.model.pulled_base(ctx.model.lineage(stage)[0])
            assert expansion is not None  # nonroot_base matched the image it names
            return expansion.value, back
    return None


def _changes_packages(invocation: Optional[Invocation]) -> bool:
    if invocation is None or invocation.program not in _MANAGERS or invocation.subcommand not in _WRITES:
        return False
    if {"sudo", "doas"}.intersection(invocation.via) or invocation.root is not None:
        return False
    if invocation.has(*_SIMULATIONS.get(invocation.program, ())) or (
            invocation.program in ("apt-get", "apt") and any(
                value.lower() in ("apt::get::simulate=true", "apt::get::simulate=1", "apt::get::simulate=yes",
                                  "apt::get::simulate=on")
                for value in invocation.values("-o", "--option"))):
        return False  # a simulation: prints what it would do, as any user
    return not invocation.has(*_ELSEWHERE) and not any(value.startswith("Dir") for value in invocation.values("-o"))


def _resolved(user: UserSetting) -> str:
    """``: $U resolves to 1001`` when the USER's value came from variables."""
    return f": {user.written} resolves to {user.value}" if user.value != user.written else ""
