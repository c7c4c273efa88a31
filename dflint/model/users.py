"""Who an image runs as: the USER in effect at the end of a stage, and what tells it is not root.

A stage built ``FROM`` an earlier stage inherits that stage's USER, so the
user an image runs as is the last ``USER`` of its lineage (ONBUILD triggers
left out: they run in a downstream build). Without any, the process runs as
the base image's user: root for most images, not for the few known to
default to a non-root user (distroless ``:nonroot`` tags, for example), which
:func:`nonroot_base` matches against glob patterns.

An entrypoint that drops privileges (``gosu app ...``, ``su-exec``,
``setpriv``...) also makes the main process non-root whatever USER says:
:func:`privilege_drop` finds it. :func:`account_ids` reads the ``useradd -u``
/ ``groupadd -g`` commands of a lineage, so a rule can propose the numeric
id of a user the Dockerfile creates.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional, Sequence

from .. import ast
from ..shell.tools import parse_command
from .variables import Expansion, Scope

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis
    from .build import BuildModel, Stage

__all__ = ["UserSetting", "user_settings", "effective_user", "is_root", "nonroot_base", "privilege_drop",
           "final_non_root_user", "AccountId", "account_ids", "accounts_created", "id_written_at", "windows_stage", "NONROOT_IMAGES", "DROPPING_IMAGES"]

#: Images that run as a non-root user unless told otherwise (globs on ``registry/repository:tag``
#: and on the reference as written).
NONROOT_IMAGES = (
    "*:nonroot", "*:nonroot-*", "*:*-nonroot", "*:*-nonroot-*",  # distroless and images that copy its tags
    "cgr.dev/chainguard/*",                                      # Chainguard images run as uid 65532
    "*/nginx-unprivileged", "*/nginx-unprivileged:*",            # nginxinc/nginx-unprivileged runs as uid 101
    "mcr.microsoft.com/dotnet/*:*chiseled*",                     # .NET chiseled images run as `app`
    "*/micromamba", "*/micromamba:*",                            # mambaorg/micromamba ends with USER $MAMBA_USER
    "docker.io/jupyter/*", "quay.io/jupyter/*",                  # Jupyter's docker-stacks end with USER $NB_UID
)
#: Official images whose own entrypoint drops root (``exec gosu postgres ...``): while the Dockerfile
#: keeps their ENTRYPOINT, the main process does not run as root.
DROPPING_IMAGES = tuple(f"docker.io/library/{name}" for name in (
    "postgres", "redis", "mysql", "mariadb", "mongo", "rabbitmq", "cassandra", "couchdb", "percona"))
#: Tags of Windows base images (``mcr.microsoft.com/dotnet/aspnet:8.0-nanoserver-ltsc2022``).
_WINDOWS_TAG = re.compile(r"(?i)nanoserver|servercore|windowsservercore|\bltsc20\d\d\b|\bwindows-")
#: Programs that run a command as another user: an ENTRYPOINT/CMD using one drops root.
_DROPPERS = frozenset(("gosu", "su-exec", "setpriv", "runuser", "s6-setuidgid", "setuidgid", "chpst"))
# The tool's name in a path, a download (gosu-amd64), a package pin (gosu=1.14-1+b6, 'su-exec>=0.2') or an
# image (tianon/gosu:1.17).
_DROPPER_WORD = re.compile(r"(?:^|/)(gosu|su-exec)(?:[-.=<>~@:][^/\s]*)?$")
_WINDOWS_ADMIN = "containeradministrator"


@dataclass(frozen=True, eq=False)
class UserSetting:
    """One ``USER`` instruction of a stage's lineage and what it resolves to.

    ``value`` is None when it depends on a variable only known at build time.
    """

    node: ast.UserInstruction
    stage: "Stage"
    expansion: Optional[Expansion]

    @property
    def written(self) -> str:
        return self.node.value.value if self.node.value is not None else ""

    @property
    def value(self) -> Optional[str]:
        if self.expansion is None or not self.expansion.resolved:
            return None
        return self.expansion.value

    @property
    def user(self) -> Optional[str]:
        """The user part (before ``:``), None when unknown."""
        return self.value.split(":", 1)[0] if self.value is not None else None

    @property
    def group(self) -> Optional[str]:
        value = self.value
        return value.split(":", 1)[1] if value is not None and ":" in value else None

    @property
    def via(self) -> str:
        """`` (${X} resolves to y)`` when variables were expanded, else empty."""
        value = self.value
        return f" ({self.written} resolves to {value})" if value is not None and value != self.written else ""


def user_settings(model: "BuildModel", stage: "Stage") -> list[UserSetting]:
    """Every USER of ``stage``'s lineage (the stages it is built FROM first), in build order."""
    found = []
    for member in model.lineage(stage):
        for node in member.instructions:
            if isinstance(node, ast.UserInstruction) and node.value is not None:
                found.append(UserSetting(node, member, model.expand(node, node.value.value)))
    return found


def effective_user(model: "BuildModel", stage: "Stage") -> Optional[UserSetting]:
    """The USER ``stage``'s image runs as; None when its lineage sets none."""
    settings = user_settings(model, stage)
    return settings[-1] if settings else None


def final_non_root_user(model: "BuildModel") -> Optional[UserSetting]:
    """The USER the image (the final stage, on Linux) runs as, when it is known and is not root."""
    final = model.final_stage
    if final is None or windows_stage(model, final):
        return None
    setting = effective_user(model, final)
    if setting is None or not setting.user or is_root(setting):
        return None
    return setting


def is_root(setting: UserSetting, windows: bool = False) -> bool:
    """The setting makes the process run as root (uid 0), or as ContainerAdministrator on Windows."""
    return setting.user is not None and root_name(setting.user, windows)


def root_name(user: str, windows: bool = False) -> bool:
    """``user`` (the part of a USER value before ``:``) is root, or ContainerAdministrator on Windows."""
    if windows:
        return user.lower() == _WINDOWS_ADMIN
    return user == "root" or (user.isdigit() and int(user) == 0)


def without_build_args(model: "BuildModel", setting: UserSetting) -> Optional[tuple[str, tuple[str, ...]]]:
    """What a USER only known at build time is when the build passes none of its ARGs
    (``USER ${UID:-0}`` with ``ARG UID``: ``0``), and those ARGs' names; None if still unknown."""
    scope = model.scope_at(setting.node)
    empty = {name: replace(variable, value="") for name, variable in scope.variables.items()
             if variable.value is None and variable.kind in ("arg", "global-arg")}
    if not empty:
        return None
    expansion = Scope({**scope.variables, **empty}, scope.base_image_env).expand(setting.written, model.escape)
    if not expansion.resolved or expansion.value == "":
        return None
    return expansion.value, tuple(sorted(name for name in empty if name in expansion.used))


def windows_stage(model: "BuildModel", stage: "Stage") -> bool:
    """:meth:`BuildModel.is_windows`, also reading the tag of the image the lineage starts from
    (``dotnet/aspnet:8.0-nanoserver-ltsc2022`` is a Windows image; the model only reads the name)."""
    if model.is_windows(stage):
        return True
    ref = model.lineage(stage)[0].base.reference
    return ref is not None and ref.tag is not None and bool(_WINDOWS_TAG.search(ref.tag))


def _candidates(model: "BuildModel", stage: "Stage") -> list[str]:
    """The names the image ``stage`` is ultimately built on goes by: as written (ARGs expanded),
    ``registry/repository:tag`` and ``registry/repository``."""
    root = model.lineage(stage)[0]
    ref, expansion = model.pulled_base(root)
    if ref is None or expansion is None or not expansion.resolved:
        return []
    found = [expansion.value]
    if ref.name is not None:
        found.append(ref.name + (f":{ref.tag}" if ref.tag else ""))
        found.append(ref.name)
    return found


def nonroot_base(model: "BuildModel", stage: "Stage", patterns: Sequence[str]) -> Optional[str]:
    """The external image ``stage`` is ultimately built on, when it matches one of ``patterns``."""
    for candidate in _candidates(model, stage):
        if any(fnmatch.fnmatchcase(candidate, pattern) for pattern in patterns):
            return candidate
    return None


def _last(model: "BuildModel", stage: "Stage", kind: type) -> Optional[ast.Instruction]:
    found = None
    for member in model.lineage(stage):
        for node in member.instructions:
            if isinstance(node, kind):
                found = node
    return found


def _words(node: ast.Instruction) -> list[str]:
    if node.exec_form:
        return [arg.value for arg in node.args]
    return " ".join(arg.value for arg in node.args).split()


def privilege_drop(analysis: "Analysis", stage: "Stage") -> Optional[ast.Instruction]:
    """The instruction through which ``stage``'s image drops root, if any.

    Either its ENTRYPOINT or CMD runs a privilege-dropping tool itself
    (``ENTRYPOINT ["gosu", "app", ...]``, ``su app -c ...``); or the image
    installs ``gosu`` or ``su-exec`` (a RUN naming it, or a COPY/ADD of it) and has an ENTRYPOINT (the usual
    ``docker-entrypoint.sh`` that ends with ``exec gosu app "$@"``); or it
    is built on one of :data:`DROPPING_IMAGES` and keeps its ENTRYPOINT
    (the FROM is returned).
    """
    model = analysis.model
    commands = [node for node in (_last(model, stage, ast.EntrypointInstruction),
                                  _last(model, stage, ast.CmdInstruction)) if node is not None]
    if not any(isinstance(node, ast.EntrypointInstruction) for node in commands) \
            and nonroot_base(model, stage, DROPPING_IMAGES):
        return model.lineage(stage)[0].from_instruction
    for node in commands:
        words = [posixpath.basename(word) for word in _words(node)]
        if _DROPPERS.intersection(words) or ("su" in words and "-c" in words):
            return node
    entrypoint = commands[0] if commands and isinstance(commands[0], ast.EntrypointInstruction) else None
    if entrypoint is None:
        return None
    for member in model.lineage(stage):
        for node in member.instructions:
            if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) and _copies_dropper(node):
                return entrypoint
            for script in analysis.commands(node) if isinstance(node, ast.RunInstruction) else ():
                if any(_DROPPER_WORD.search(word.value) for command in script.commands for word in command.argv):
                    return entrypoint
    return None


def _copies_dropper(node: ast.Instruction) -> bool:
    """``COPY --from=tianon/gosu /gosu /usr/local/bin/``, ``ADD https://.../gosu-amd64 /usr/local/bin/gosu``."""
    origin = node.flag("from")
    words = [arg.value for arg in node.args] + ([origin.value] if origin is not None and origin.value else [])
    return any(_DROPPER_WORD.search(word.rstrip("/")) for word in words)


_ID = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class AccountId:
    """The numeric id a command gives an account: ``value`` as a build without --build-arg gets it,
    ``written`` as the command wrote it (``${UID}``), and the build arguments that may change it."""

    value: str
    written: str
    build_args: frozenset[str]


def account_ids(analysis: "Analysis", stage: "Stage") -> tuple[dict[str, AccountId], dict[str, AccountId]]:
    """``({user: id}, {group: id})`` for the accounts ``stage``'s lineage creates with an explicit
    numeric id: ``useradd -u``/``adduser -u|--uid`` and ``groupadd -g``/``addgroup -g|--gid``
    (values from ARG/ENV defaults are expanded; unknown ones are left out)."""
    users: dict[str, AccountId] = {}
    groups: dict[str, AccountId] = {}
    for member in analysis.model.lineage(stage):
        for node in member.instructions:
            if isinstance(node, ast.RunInstruction):
                for account, number in accounts_created(analysis, node).items():
                    kind, _, name = account.partition(":")
                    if number is not None:
                        (users if kind == "user" else groups)[name] = number
    return users, groups


def accounts_created(analysis: "Analysis", node: ast.Instruction) -> dict[str, Optional[AccountId]]:
    """The accounts the RUN ``node`` creates (``useradd``/``adduser``, ``groupadd``/``addgroup``),
    keyed ``user:NAME`` or ``group:NAME``, each with its numeric id when the command gives one."""
    model = analysis.model
    found: dict[str, Optional[AccountId]] = {}
    for script in analysis.commands(node):
        for command in script.commands:
            invocation = parse_command(command)
            program = invocation.program if invocation is not None else ""
            if program not in ("useradd", "adduser", "groupadd", "addgroup"):
                continue
            assert invocation is not None
            operands = invocation.operands
            if not operands:
                continue
            kind = "user" if program in ("useradd", "adduser") else "group"
            # useradd/groupadd NAME; adduser USER [GROUP] and addgroup GROUP name the account first.
            expansion = model.expand(node, (operands[-1] if program in ("useradd", "groupadd") else operands[0]).value)
            if not expansion.resolved:
                continue
            name = expansion.value
            number = invocation.value(*(("-u", "--uid") if kind == "user" else ("-g", "--gid")))
            value = model.expand(node, number) if number is not None else None
            found[f"{kind}:{name}"] = AccountId(value.value, number, _build_args(model, node, value)) \
                if number is not None and value is not None and value.resolved and _ID.fullmatch(value.value) \
                else None
    return found


def _build_args(model: "BuildModel", node: ast.Instruction, expansion: Expansion) -> frozenset[str]:
    """The variables of ``expansion`` that a ``--build-arg`` may set at ``node``."""
    variables = model.scope_at(node).variables
    return frozenset(name for name in expansion.used
                     if name in variables and variables[name].kind in ("arg", "global-arg"))


def id_written_at(model: "BuildModel", node: ast.Instruction, account: AccountId) -> Optional[str]:
    """How an instruction at ``node`` (USER, COPY --chown) writes ``account``'s id so that it stays
    that account's: the number itself, when no build argument decides it; the variable form as the
    command wrote it, when it means the same at ``node``; None when it cannot be written there (the
    ARG is not declared in ``node``'s stage: a number would be wrong under --build-arg)."""
    if not account.build_args:
        return account.value
    if "$(" in account.written or "`" in account.written:
        return None
    there = model.expand(node, account.written)
    if there.resolved and there.value == account.value and _build_args(model, node, there) == account.build_args:
        return account.written
    return None


