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
id of a user the Dockerfile creates, unless :func:`id_changed` finds a later
``usermod -u``/``groupmod -g`` (or an edit of ``/etc/passwd``) changing it. :func:`created_later` tells which
accounts a ``COPY --chown`` names that only a later RUN creates: COPY looks
them up when it runs, so they do not exist yet.
"""

from __future__ import annotations

import bisect
import fnmatch
import posixpath
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Optional, Sequence

from .. import ast
from ..shell.model import Command
from ..shell.tools import Invocation, parse_command
from .distro import root_reference
from .paths import resolve
from .variables import Expansion, Scope

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis
    from .build import BuildModel, Stage
    from .history import Step

__all__ = ["UserSetting", "user_settings", "effective_user", "is_root", "nonroot_base", "privilege_drop",
           "final_non_root_user", "AccountId", "account_ids", "accounts_created", "id_written_at", "id_changed",
           "Creation", "account_creations", "Deletion", "account_deletions", "AccountIndex", "LateAccount", "chown_accounts", "created_later",
           "numeric_owner", "windows_stage", "NONROOT_IMAGES", "DROPPING_IMAGES", "ROOT_IMAGES", "root_image"]

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
#: Official images that run as root (none sets USER): before any USER, a RUN on them runs as root.
ROOT_IMAGES = frozenset(f"docker.io/library/{name}" for name in (
    "python", "pypy", "ruby", "node", "debian", "ubuntu", "alpine", "buildpack-deps"))
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


def root_image(model: "BuildModel", stage: "Stage") -> bool:
    """The image ``stage``'s lineage starts FROM is one of :data:`ROOT_IMAGES`: before any USER of the
    lineage, its RUNs run as root."""
    base = root_reference(model, stage)
    return base is not None and f"{base.registry}/{base.repository}" in ROOT_IMAGES


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


@dataclass(frozen=True, eq=False)
class Creation:
    """A ``useradd``/``adduser``/``groupadd``/``addgroup`` command creating ``account`` (``user:app``,
    ``group:web``), with the numeric id it gives it when it gives one. ``certain`` when it runs
    whenever its RUN does and its failure is not waved away: not in an ``if``, a loop, a ``case``
    branch, a function, a ``$(...)``, nor joined by ``||`` (``id app || useradd app``, ``useradd app
    || true``, which a base image that has the account already lets through), nor ``groupadd -f``
    (which exits 0 when the group exists)."""

    account: str
    id: Optional[AccountId]
    command: Command
    certain: bool
    #: A user's home directory: the one ``-d``/``--home-dir`` (BusyBox ``-h``) names, else /home/NAME;
    #: None for a group, a system account (``-r``/``--system``/``-S``) or a home that is not known.
    home: Optional[str] = None


_UNSURE = frozenset(("condition", "if", "loop", "case", "function", "substitution"))


def account_creations(analysis: "Analysis", node: ast.Instruction) -> tuple[Creation, ...]:
    """The accounts the RUN ``node`` creates, in order (see :class:`Creation`). ``adduser USER GROUP``
    and ``addgroup USER GROUP`` without options add an existing user to a group, and create nothing."""
    memo = analysis.memo("users: creations")
    found = memo.get(node)
    if found is not None:
        return found
    model = analysis.model
    creations = []
    for script in analysis.commands(node):
        for command in script.commands:
            invocation = parse_command(command)
            program = invocation.program if invocation is not None else ""
            if program not in ("useradd", "adduser", "groupadd", "addgroup"):
                continue
            assert invocation is not None
            operands = invocation.operands
            pair = len(operands) > 1 and program in ("adduser", "addgroup")
            if not operands or pair and not invocation.options:
                continue  # `adduser USER GROUP`: add an existing user to a group
            kind = "user" if program in ("useradd", "adduser") else "group"
            if program == "adduser" and invocation.has("--group") and not invocation.has("--system"):
                kind = "group"  # Debian's `adduser --group NAME` is addgroup
            # useradd/groupadd NAME, adduser USER [GROUP], addgroup [USER] GROUP.
            expansion = model.expand(node, (operands[0] if program == "adduser" else operands[-1]).value)
            if not expansion.resolved or not expansion.value:
                continue
            number = invocation.value(*(("-u", "--uid") if kind == "user" else ("-g", "--gid")))
            value = model.expand(node, number) if number is not None else None
            account = AccountId(value.value, number, _build_args(model, node, value)) \
                if number is not None and value is not None and value.resolved and _ID.fullmatch(value.value) \
                else None
            # With options and two names, BusyBox creates the first (ignoring the second), Debian adds it
            # to the group: a creation, but not a certain one.
            # `groupadd -f` exits 0 when the group exists: its failure is waved away too.
            certain = not pair and not _UNSURE.intersection(command.contexts) \
                and "||" not in (command.operator, command.next_operator) \
                and not (program == "groupadd" and invocation.has("-f", "--force"))
            home = _home(model, node, invocation, expansion.value) if kind == "user" else None
            creations.append(Creation(f"{kind}:{expansion.value}", account, command, certain, home))
    memo[node] = found = tuple(creations)
    return found


#: useradd/adduser options naming the home directory; those making a system account (no /home/NAME).
_HOME_OPTIONS = ("-d", "--home-dir", "--home", "-h")
_SYSTEM_OPTIONS = ("-r", "--system", "-S")


def _home(model: "BuildModel", node: ast.Instruction, invocation: "Invocation", user: str) -> Optional[str]:
    """The home directory ``invocation`` (a useradd/adduser) gives ``user`` (see :class:`Creation`)."""
    place = invocation.value(*_HOME_OPTIONS)
    if place is not None:
        expansion = model.expand(node, place)
        return resolve(expansion.value, "/") if expansion.resolved and expansion.value.startswith("/") else None
    return None if invocation.has(*_SYSTEM_OPTIONS) else f"/home/{user}"


@dataclass(frozen=True, eq=False)
class Deletion:
    """A ``userdel``/``deluser``/``groupdel``/``delgroup`` command deleting ``account`` (``user:app``,
    ``group:web``), whether or not it runs for sure."""

    account: str
    command: Command


_DELETERS = {"userdel": "user", "deluser": "user", "groupdel": "group", "delgroup": "group"}


def account_deletions(analysis: "Analysis", node: ast.Instruction) -> tuple[Deletion, ...]:
    """The accounts the RUN ``node`` deletes, in order (see :class:`Deletion`). ``deluser USER GROUP``
    and ``delgroup USER GROUP`` remove a user from a group, and delete nothing; Debian's ``deluser
    --group NAME`` deletes a group."""
    memo = analysis.memo("users: deletions")
    found = memo.get(node)
    if found is not None:
        return found
    model = analysis.model
    deletions = []
    for script in analysis.commands(node):
        for command in script.commands:
            invocation = parse_command(command)
            kind = _DELETERS.get(invocation.program) if invocation is not None else None
            if kind is None:
                continue
            assert invocation is not None
            if len(invocation.operands) != 1:
                continue  # `deluser USER GROUP`, or an option value read as an operand (userdel -R DIR)
            if invocation.program == "deluser" and invocation.has("--group"):
                kind = "group"
            expansion = model.expand(node, invocation.operands[0].value)
            if expansion.resolved and expansion.value:
                deletions.append(Deletion(f"{kind}:{expansion.value}", command))
    memo[node] = found = tuple(deletions)
    return found


#: Commands that may change an existing account's numeric id, with the options that do: a new id, or
#: a new name (``usermod -l new app``: ``app`` is gone, ``new`` has app's id); short options by letter.
_MODIFIERS = {"usermod": ("user", "ul", ("--uid", "--login")), "groupmod": ("group", "gn", ("--gid", "--new-name"))}
_ACCOUNT_FILES = {"/etc/passwd": "user", "/etc/group": "group"}
#: Text tools that write their file operands only when told to edit in place (``sed -i``, ``sed -Ei.bak``,
#: ``sed --in-place``, ``perl -pi``, ``perl -i.bak -pe``: no ``e`` before the ``i``); else they only read
#: them (``sed -n``, ``awk -F:``, ``perl -ne``), unless their script names the file (``sed 'w /etc/passwd'``,
#: awk's ``print > "/etc/passwd"``).
_IN_PLACE = {"sed": re.compile(r"--in-place(?:=.*)?|-[nrEsuz]*i.*"), "perl": re.compile(r"-[^-eE]*i.*")}
_AWKS = frozenset(("awk", "gawk", "mawk", "nawk", "busybox-awk"))
#: Programs that write their last operand (or the directory of ``-t``), the files they copy into it
#: being read only (``cp /etc/passwd /etc/passwd.bak``); ``mv`` takes its sources away too.
_COPIERS = frozenset(("cp", "mv", "install", "ln"))


def _written_files(program: Optional[str], words: list[str]) -> list[str]:
    """The words among ``words`` (a command's, the program first) naming a file the command writes,
    for the account files: ``tee`` and ``vipw``/``vigr`` every word, ``cp``/``install``/``ln`` their
    target (``/etc/passwd``, or ``/etc/`` with a source named ``passwd``), ``mv`` its sources too,
    ``sed``/``perl``/``gawk`` their operands when editing in place and any file their script names."""
    args = words[1:]
    if program in ("tee", "vipw", "vigr"):
        return args
    if program in _COPIERS:
        target, operands, i = None, [], 0
        while i < len(args):
            word = args[i]
            letters = word[1:] if word.startswith("-") and not word.startswith("--") else ""
            t = letters.find("t")  # `-t DIR`, `-at DIR`, `-tDIR`; not inside `-S SUFFIX`, `-m MODE` ...
            if word == "--target-directory" or t >= 0 and not set(letters[:t]) & set("mogS"):
                value = letters[t + 1:] if t >= 0 else ""
                if not value and i + 1 < len(args):
                    value, i = args[i + 1], i + 1
                target = value.rstrip("/") + "/"
            elif word.startswith("--target-directory="):
                target = word.partition("=")[2].rstrip("/") + "/"
            elif not word.startswith("-"):
                operands.append(word)
            i += 1
        if target is None and operands:
            target, operands = operands[-1], operands[:-1]
        if target is None:
            return []
        written = [target]
        if target.rstrip("/") + "/" == "/etc/":
            written += ["/etc/" + operand.rstrip("/").rpartition("/")[2] for operand in operands]
        return written + operands if program == "mv" else written
    in_place = _IN_PLACE.get(program or "")
    if in_place is None and program not in _AWKS:
        return []
    if in_place is not None:
        editing = any(in_place.fullmatch(word) for word in args)
    else:  # gawk -i inplace, --include=inplace
        editing = any(word in ("-iinplace", "--include=inplace")
                      or word in ("-i", "--include") and following == "inplace"
                      for word, following in zip(args, args[1:] + [""]))
    named = [path for path in _ACCOUNT_FILES if any(path in word and word != path for word in args)]
    return named + (args if editing else [])


def _id_changes(analysis: "Analysis", node: ast.Instruction) -> list[tuple[str, Command]]:
    """The commands of the RUN ``node`` that may change an existing account's numeric id, in order,
    each with the account (``user:app``), or ``user:*`` / ``group:*`` for any account of the kind: a
    ``usermod -u``/``-l`` or ``groupmod -g``/``-n`` (every word that is no option counted as a name
    it touches), an edit of ``/etc/passwd`` or ``/etc/group`` (a writing redirection, ``sed -i``...)."""
    model = analysis.model
    found = []
    for script in analysis.commands(node):
        for command in script.commands:
            words = [word.value for word in command.argv]
            modifier = _MODIFIERS.get(command.program or "")
            if modifier is not None:
                kind, letters, long_options = modifier
                if any(word.split("=", 1)[0] in long_options if word.startswith("--")
                       else word.startswith("-") and set(word[1:]) & set(letters) for word in words[1:]):
                    for word in words[1:]:
                        if not word.startswith("-"):
                            expansion = model.expand(node, word)
                            name = expansion.value if expansion.resolved and expansion.value else "*"
                            found.append((f"{kind}:{name}", command))
            targets = [r.target.value for r in command.redirects if r.writes_a_file]
            targets += _written_files(command.program, words)
            found += [(f"{_ACCOUNT_FILES[target]}:*", command) for target in targets if target in _ACCOUNT_FILES]
    return found


def id_changed(analysis: "Analysis", stage: "Stage", account: str) -> bool:
    """A command of ``stage``'s lineage may change the numeric id of ``account`` (``user:app``,
    ``group:web``) after the last command creating it, or without any creating it (``usermod -u
    1001 node`` on the node image): ``usermod -u``/``-l``, ``groupmod -g``/``-n``, an edit of
    ``/etc/passwd`` or ``/etc/group`` (see :func:`_id_changes`). The id a ``useradd -u`` gave is
    then not the account's in the image."""
    anyone = f"{account.partition(':')[0]}:*"
    changed = False
    for member in analysis.model.lineage(stage):
        for node in member.instructions:
            if not isinstance(node, ast.RunInstruction):
                continue
            events = [(creation.command.span.start.offset, False) for creation in account_creations(analysis, node)
                      if creation.account == account]
            events += [(command.span.start.offset, True) for name, command in _id_changes(analysis, node)
                       if name in (account, anyone)]
            for _, change in sorted(events, key=lambda event: event[0]):
                changed = change
    return changed


def accounts_created(analysis: "Analysis", node: ast.Instruction) -> dict[str, Optional[AccountId]]:
    """The accounts the RUN ``node`` creates (``useradd``/``adduser``, ``groupadd``/``addgroup``),
    keyed ``user:NAME`` or ``group:NAME``, each with its numeric id when the command gives one."""
    return {creation.account: creation.id for creation in account_creations(analysis, node)}


class AccountIndex:
    """Where the RUN steps of a build history (:func:`~.history.histories`) create accounts, filed
    as far as the questions asked need; :meth:`follow` moves on to a history sharing a first part
    (a stage's lineage after its parent's), so that a chain of stages files each step once."""

    def __init__(self, analysis: "Analysis") -> None:
        self._analysis = analysis
        self.history: Sequence["Step"] = ()
        self._filed: list[dict[str, Creation]] = []  # per step of the history, the accounts it creates
        self._created: dict[str, list[int]] = {}  # account -> the positions of the steps creating it

    def follow(self, history: Sequence["Step"], shared: int) -> "AccountIndex":
        """Go on with ``history``, whose first ``shared`` steps are those of the history followed so far."""
        if len(self._filed) > shared:
            del self._filed[shared:]
            for positions in self._created.values():
                while positions and positions[-1] >= shared:
                    positions.pop()
        self.history = history
        return self

    def _file(self, end: int) -> None:
        for position in range(len(self._filed), end):
            step = self.history[position]
            found: dict[str, Creation] = {}
            if isinstance(step.node, ast.RunInstruction):
                for creation in account_creations(self._analysis, step.anchor):
                    found.setdefault(creation.account, creation)
            self._filed.append(found)
            for key in found:
                self._created.setdefault(key, []).append(position)

    def creation(self, account: str, start: int, end: int) -> Optional[int]:
        """The position of the first step in ``[start, end)`` that creates ``account`` (``user:app``,
        ``group:web``), or None."""
        self._file(end)
        positions = self._created.get(account, [])
        at = bisect.bisect_left(positions, start)
        return positions[at] if at < len(positions) and positions[at] < end else None

    def created(self, position: int, account: str) -> Optional[Creation]:
        """How the step at ``position`` creates ``account``, if it does."""
        self._file(position + 1)
        return self._filed[position].get(account)

    def account_id(self, position: int, account: str) -> Optional[AccountId]:
        """The numeric id the step at ``position`` gives ``account``, if it gives one."""
        creation = self.created(position, account)
        return creation.id if creation is not None else None


@dataclass(frozen=True)
class LateAccount:
    """A user or group that ``COPY --chown`` names and that only a later step creates: ``name``,
    ``kind`` (``user`` or ``group``), the ``position`` of the first step creating it after the
    COPY and that step's :class:`Creation`. When a step after the COPY deletes it before that
    creation (``userdel app && useradd -u 1001 app``), the base image has it: ``deleted`` is the
    position of that step and ``deletion`` its :class:`Deletion`."""

    name: str
    kind: str
    position: int
    creation: Creation
    deleted: Optional[int] = None
    deletion: Optional[Deletion] = None


def chown_accounts(owner: str) -> list[str]:
    """The accounts ``--chown=owner`` makes COPY look up in the image's ``/etc/passwd`` and
    ``/etc/group`` when it runs (``user:app``, ``group:web``); numeric ids need none."""
    user, colon, group = owner.partition(":")
    found = [f"user:{user}"] if user and not user.isdigit() else []
    if colon and group and not group.isdigit():
        found.append(f"group:{group}")
    return found


def created_later(index: AccountIndex, owner: str, position: int, end: int,
                  certain: bool = False) -> list[LateAccount]:
    """The accounts ``--chown=owner`` on the COPY at ``position`` of ``index``'s history names
    that do not exist yet when it runs: no step before it creates them, and one in ``(position,
    end)`` does (``certain``: one whose :class:`Creation` is certain). A group is left out when
    an earlier step creates a user of its name (``useradd app`` may create group ``app`` too), and
    is only counted as created by ``groupadd``/``addgroup`` (a later ``useradd`` of its name may or
    may not create it)."""
    found = []
    for account in chown_accounts(owner):
        kind, _, name = account.partition(":")
        if index.creation(account, 0, position) is not None \
                or kind == "group" and index.creation(f"user:{name}", 0, position) is not None:
            continue
        start = position + 1
        while True:
            later = index.creation(account, start, end)
            creation = index.created(later, account) if later is not None else None
            if creation is None or creation.certain or not certain:
                break
            start = later + 1
        if later is None or creation is None:
            continue
        deleted = _deleted_before(index, account, position + 1, later, creation)
        found.append(LateAccount(name, kind, later, creation, *(deleted or (None, None))))
    return found


def _deleted_before(index: AccountIndex, account: str, start: int, end: int,
                    creation: Creation) -> Optional[tuple[int, Deletion]]:
    """The first deletion of ``account`` by the steps in ``[start, end]`` of ``index``'s history
    that comes before ``creation`` (in the step at ``end``), with its step's position. A group is
    also deleted by a ``userdel``/``deluser`` of its name (shadow's userdel deletes the user's
    own group, BusyBox's deluser the group of its name)."""
    kind, _, name = account.partition(":")
    names = (account, f"user:{name}") if kind == "group" else (account,)
    for position in range(start, end + 1):
        step = index.history[position]
        if not isinstance(step.node, ast.RunInstruction):
            continue
        for deletion in account_deletions(index._analysis, step.anchor):
            if deletion.account in names and (
                    position < end or deletion.command.span.start.offset < creation.command.span.start.offset):
                return position, deletion
    return None


def numeric_owner(model: "BuildModel", node: ast.Instruction, owner: str,
                  late: Sequence[LateAccount]) -> Optional[str]:
    """``owner`` with the numeric ids the later ``useradd -u``/``groupadd -g`` commands give the
    accounts of ``late`` (as :func:`id_written_at` writes them at the COPY ``node``), when all
    are known: ``--chown`` with numbers needs no account. ``root`` is 0."""
    user, colon, group = owner.partition(":")
    ids = {}
    for account in late:
        number = account.creation.id
        ids[f"{account.kind}:{account.name}"] = id_written_at(model, node, number) if number is not None else None
    parts = []
    for kind, name in (("user", user), ("group", group)) if colon else (("user", user),):
        number = name if name.isdigit() else "0" if name == "root" else ids.get(f"{kind}:{name}")
        if not number:
            return None
        parts.append(number)
    return ":".join(parts)


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


