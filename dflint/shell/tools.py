"""A vocabulary for rules: what a command does, read with each tool's own options.

:func:`parse_command` turns a simple command into an :class:`Invocation`: the
program (``apt-get``; ``pip`` also for ``pip3``, ``python3 -m pip`` and
``uv pip``), its subcommand (canonical: ``zypper in`` is ``install``), its
options with their values, and its operands, all as :class:`~.model.Word` so
a rule can point at them. Wrappers are looked through: ``sudo``, ``env``,
``/usr/sbin/chroot``... (their program names are in :attr:`Invocation.via`).

:func:`packages` lists the packages a package-manager command names, with
their version pins; :func:`urls` the URLs a curl/wget command fetches.

>>> from dflint.shell import parse_shell
>>> command = parse_shell("sudo apt-get -yq install --no-install-recommends curl=7.88 git").commands[0]
>>> invocation = parse_command(command)
>>> invocation.program, invocation.subcommand, invocation.has("-y", "--yes"), invocation.via
('apt-get', 'install', True, ('sudo',))
>>> [(p.name, p.version) for p in packages(command)]
[('curl', '7.88'), ('git', None)]
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional, Sequence, Union

from .model import Command, Word
from .options import Option, Spec, parse_options

__all__ = ["Invocation", "Package", "SPECS", "parse_command", "packages", "urls", "program_name", "in_new_root"]


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


def _subcommands(*groups: str) -> dict[str, str]:
    """``"install in i"`` -> {"install": "install", "in": "install", "i": "install"}."""
    table = {}
    for group in groups:
        names = group.split()
        for name in names:
            table[name] = names[0]
    return table


_CHMOD_MODE = re.compile(r"[ugoa]*[-+=][rwxXstugo]*(?:,[ugoa]*[-+=][rwxXstugo]*)*|-[0-7]+")

_APT = Spec(
    values=_set("-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release",
                "-a", "--host-architecture"),
    subcommands=_subcommands("install", "update", "upgrade", "dist-upgrade", "full-upgrade", "remove",
                             "purge", "autoremove", "clean", "autoclean", "reinstall", "build-dep",
                             "source", "download", "satisfy", "search", "show", "list"),
)
_APK = Spec(
    values=_set("-t", "--virtual", "-X", "--repository", "--repositories-file", "-p", "--root", "--arch",
                "--cache-dir", "--keys-dir", "--timeout", "--cache-max-age"),
    subcommands=_subcommands("add", "del", "update", "upgrade", "fix", "info", "search", "cache", "fetch"),
)
_YUM = Spec(
    values=_set("-c", "--config", "--installroot", "--enablerepo", "--disablerepo", "-x", "--exclude",
                "--setopt", "--releasever", "--repo", "--repoid", "-d", "--debuglevel", "-e",
                "--errorlevel", "--downloaddir", "--destdir", "--forcearch", "--rpmverbosity",
                "--color", "--excludepkgs", "--disableplugin", "--enableplugin", "--setopt"),
    subcommands=_subcommands("install", "update upgrade", "remove erase", "clean", "makecache",
                             "groupinstall", "reinstall", "downgrade", "module", "distro-sync",
                             "autoremove", "upgrade-minimal", "search", "info", "list", "config-manager"),
)
_ZYPPER = Spec(
    values=_set("-R", "--root", "-c", "--config", "-t", "--type", "-r", "--repo", "--from",
                "-D", "--reposd-dir", "-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir",
                "--pkg-cache-dir", "--download"),
    subcommands=_subcommands("install in", "remove rm", "update up", "refresh ref", "dist-upgrade dup",
                             "clean cc", "patch", "addrepo ar", "removerepo rr", "search se",
                             "source-install si", "info if"),
)
_PIP = Spec(
    values=_set("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
                "--src", "--trusted-host", "--cache-dir", "--proxy", "--retries", "--timeout",
                "--log", "--python-version", "--platform", "--implementation", "--abi",
                "--upgrade-strategy", "--progress-bar", "--only-binary", "--no-binary", "-C",
                "--config-settings", "--global-option", "--install-option", "--python", "--report",
                "--exists-action", "--cert", "--client-cert", "--root-user-action", "--default-timeout",
                "--keyring-provider", "--index", "--group"),
    subcommands=_subcommands("install", "uninstall", "download", "wheel", "freeze", "list", "show",
                             "check", "config", "cache", "hash", "inspect", "index", "lock", "sync",
                             "compile"),
)
_NODE_VALUES = _set("--prefix", "--registry", "--cache", "--loglevel", "-w", "--workspace", "--tag",
                "--omit", "--include", "--cwd", "--modules-folder", "--cache-folder",
                "--network-timeout", "--mutex", "--filter", "-F", "--dir", "-C", "--store-dir",
                "--reporter", "--userconfig", "--globalconfig")
_NPM = Spec(
    values=_NODE_VALUES,
    subcommands=_subcommands("install i in ins inst insta instal isnt isntal isntall add", "ci clean-install",
                             "uninstall remove rm r un unlink", "update up upgrade", "run run-script",
                             "audit", "cache", "config c", "exec x", "test t", "start", "link ln",
                             "prune", "rebuild rb", "pack", "publish", "init create"),
)
_YARN = Spec(
    values=_NODE_VALUES,
    subcommands=_subcommands("add", "install", "remove", "upgrade", "global", "run", "cache", "config",
                             "workspace", "workspaces", "dlx", "exec", "set"),
)
_PNPM = Spec(
    values=_NODE_VALUES,
    subcommands=_subcommands("add", "install i", "remove rm uninstall un", "update up upgrade", "run",
                             "exec", "dlx", "fetch", "store", "config"),
)
_GEM = Spec(
    values=_set("-v", "--version", "-i", "--install-dir", "-n", "--bindir", "-s", "--source",
                "-P", "--trust-policy", "--platform", "-g", "--file", "--build-root", "--document"),
    subcommands=_subcommands("install i", "update", "uninstall", "list", "build", "push", "sources",
                             "cleanup", "env"),
)
_GO = Spec(
    values=_set("-o", "-p", "-mod", "-tags", "-ldflags", "-gcflags", "-asmflags", "-modfile", "-pkgdir",
                "-toolexec", "-overlay", "-C", "-buildmode", "-compiler", "-gccgoflags",
                "-installsuffix", "-pgo", "-exec", "-run", "-timeout"),
    single_dash_long=True,
    subcommands=_subcommands("install", "get", "build", "mod", "run", "test", "generate", "env",
                             "clean", "vet", "fmt", "work", "version", "tool"),
)
_CURL = Spec(
    values=_set("-o", "--output", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode",
                "--data-ascii", "-H", "--header", "-u", "--user", "-X", "--request", "-A", "--user-agent",
                "-e", "--referer", "-T", "--upload-file", "-x", "--proxy", "-w", "--write-out",
                "-m", "--max-time", "--connect-timeout", "--retry", "--retry-delay", "--retry-max-time",
                "-K", "--config", "-b", "--cookie", "-c", "--cookie-jar", "-F", "--form", "-r", "--range",
                "-C", "--continue-at", "-E", "--cert", "--cacert", "--capath", "--key", "--limit-rate",
                "-y", "--speed-time", "-Y", "--speed-limit", "--resolve", "--output-dir", "-z",
                "--time-cond", "-Q", "--quote", "--url", "--proto", "--proto-redir", "--proto-default",
                "--max-filesize", "--tls-max", "--ciphers", "--interface", "--dns-servers", "-U",
                "--proxy-user", "--create-file-mode", "--max-redirs", "--oauth2-bearer", "--pinnedpubkey",
                "-D", "--dump-header", "--stderr", "--trace", "--trace-ascii", "--variable", "--expand-url",
                "--json", "--form-string", "--netrc-file", "--unix-socket", "--connect-to", "--retry-all-errors-delay"),
)
_WGET = Spec(
    values=_set("-O", "--output-document", "-o", "--output-file", "-a", "--append-output", "-P",
                "--directory-prefix", "-t", "--tries", "-T", "--timeout", "-w", "--wait", "-U",
                "--user-agent", "--header", "-e", "--execute", "-i", "--input-file", "-B", "--base",
                "--user", "--password", "--post-data", "--post-file", "--ca-certificate", "--certificate",
                "--private-key", "-Q", "--quota", "-l", "--level", "-A", "--accept", "-R", "--reject",
                "-D", "--domains", "--limit-rate", "--progress", "--ca-directory", "--method", "--body-data",
                "--body-file", "--http-user", "--http-password", "--load-cookies", "--save-cookies",
                "--secure-protocol", "--bind-address", "--referer", "--dns-timeout", "--read-timeout",
                "--connect-timeout", "--waitretry", "--retry-on-http-error"),
    words=_set("-nv", "-nc", "-nd", "-nH", "-np", "-nB"),
)
_USERADD = Spec(  # shadow's useradd
    values=_set("-u", "--uid", "-g", "--gid", "-G", "--groups", "-d", "--home-dir", "-s", "--shell",
                "-c", "--comment", "-e", "--expiredate", "-f", "--inactive", "-k", "--skel", "-K", "--key",
                "-p", "--password", "-R", "--root", "-P", "--prefix", "-b", "--base-dir", "-Z",
                "--selinux-user"),
)
_GROUPADD = Spec(values=_set("-g", "--gid", "-K", "--key", "-p", "--password", "-R", "--root", "-P", "--prefix",
                             "-U", "--users"))
_ADDUSER = Spec(  # Debian's adduser/addgroup and BusyBox's (-h HOME, -g GECOS, -G GROUP, -k SKEL)
    values=_set("-u", "--uid", "-g", "--gid", "-G", "--ingroup", "-h", "--home", "-s", "--shell", "--gecos",
                "-c", "--comment", "-k", "--conf", "--firstuid", "--lastuid", "--firstgid", "--lastgid"),
)
_CHMOD = Spec(values=_set("--reference"), operand=_CHMOD_MODE.fullmatch)
_CHOWN = Spec(values=_set("--from", "--reference"))
_RM = Spec()
_MV = Spec(values=_set("-t", "--target-directory", "-S", "--suffix"))
_PACMAN = Spec(values=_set("-b", "--dbpath", "-r", "--root", "--arch", "--cachedir", "--config", "--gpgdir",
                           "--hookdir", "--logfile", "--sysroot", "--color", "--ignore", "--ignoregroup",
                           "--overwrite", "--assume-installed", "--print-format"))
_PACCACHE = Spec(values=_set("-a", "--arch", "-c", "--cachedir", "-i", "--ignore", "-k", "--keep", "-m", "--move",
                             "--min-atime", "--min-mtime"))
_GENERIC = Spec()

#: Option tables, by program name as written (``program_name`` normalises pip3.11 etc.).
SPECS: dict[str, Spec] = {
    "apt-get": _APT, "apt": _APT, "aptitude": _APT,
    "apk": _APK,
    "yum": _YUM, "dnf": _YUM, "microdnf": _YUM, "tdnf": _YUM,
    "zypper": _ZYPPER,
    "pip": _PIP,
    "npm": _NPM, "yarn": _YARN, "pnpm": _PNPM,
    "gem": _GEM,
    "go": _GO,
    "curl": _CURL, "wget": _WGET,
    "useradd": _USERADD, "groupadd": _GROUPADD, "adduser": _ADDUSER, "addgroup": _ADDUSER,
    "chmod": _CHMOD, "chown": _CHOWN, "chgrp": _CHOWN,
    "rm": _RM, "mv": _MV,
    "pacman": _PACMAN, "paccache": _PACCACHE,
}

#: Tools whose subcommand is an option, the operation (``pacman -Syu``: ``-S``, written in ``-Syu``):
#: the options naming it, and its canonical name.
_OPERATIONS: dict[str, dict[str, str]] = {
    "pacman": _subcommands("-S --sync", "-U --upgrade", "-R --remove", "-Q --query", "-F --files",
                           "-D --database", "-T --deptest"),
    "paccache": _subcommands("-r --remove", "-d --dryrun", "-m --move"),
}

# Wrappers that run their operand as a command: options taking values, and
# how many operands come before the command (timeout DURATION, gosu USER, chroot NEWROOT).
_WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (_set("-u", "--user", "-g", "--group", "-C", "--close-from", "-D", "--chdir", "-h", "--host",
                  "-p", "--prompt", "-r", "--role", "-t", "--type", "-U", "--other-user", "-T",
                  "--command-timeout"), 0),
    "doas": (_set("-u", "-C"), 0),
    "env": (_set("-u", "--unset", "-C", "--chdir", "-S", "--split-string"), 0),
    "nice": (_set("-n", "--adjustment"), 0),
    "ionice": (_set("-c", "--class", "-n", "--classdata", "-p", "-P", "-u"), 0),
    "nohup": (frozenset(), 0),
    "time": (_set("-f", "--format", "-o", "--output"), 0),
    "command": (frozenset(), 0),
    "exec": (_set("-a"), 0),
    "stdbuf": (_set("-i", "-o", "-e", "--input", "--output", "--error"), 0),
    "timeout": (_set("-s", "--signal", "-k", "--kill-after"), 1),
    "eatmydata": (frozenset(), 0),
    # Short options: _xargs_option. GNU's --eof, --replace and --max-lines take only `=VALUE`.
    "xargs": (_set("--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars"), 0),
    # Run the command as another user, with no shell between. runuser only with -u (see
    # _runuser_runs_command); setpriv's options are all long (util-linux 2.40).
    "runuser": (_set("-u", "--user", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment",
                     "-s", "--shell", "-c", "--command", "--session-command"), 0),
    "setpriv": (_set("--ruid", "--euid", "--rgid", "--egid", "--reuid", "--regid", "--groups", "--inh-caps",
                     "--ambient-caps", "--bounding-set", "--securebits", "--pdeathsig", "--ptracer",
                     "--selinux-label", "--apparmor-profile", "--landlock-access", "--landlock-rule",
                     "--seccomp-filter"), 0),
    "gosu": (frozenset(), 1),
    "su-exec": (frozenset(), 1),
    "setuidgid": (frozenset(), 1),
    "chpst": (_set("-u", "-U", "-b", "-e", "-/", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c", "-r",
                   "-t"), 0),
    # The command acts on the files under NEWROOT: see Invocation.root.
    "chroot": (_set("--userspec", "--groups"), 1),
}
#: Wrappers that are shell builtins only: a path names some other program.
_BUILTINS = frozenset({"exec"})
#: xargs's short options that take a value, attached or as the next word (`-n 2`, `-n2`), and
#: GNU's that take only an attached one (`-i`, `-i{}`, `-e`, `-l`: the next word is the command).
_XARGS_VALUES = frozenset("adEILnPs")
_XARGS_ATTACHED = frozenset("eil")
_PIP_NAME = re.compile(r"pip[0-9.]*")
_PYTHON_NAME = re.compile(r"python[0-9.]*")
_ENV_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def program_name(word: str) -> str:
    """The program a word names: basename, ``pip3.11`` -> ``pip``."""
    name = word[word.rfind("/") + 1:]  # posixpath.basename, without its overhead on a hot path
    return "pip" if name.startswith("pip") and _PIP_NAME.fullmatch(name) else name


# Not frozen, for the cost of a frozen __init__ (see shell.model); nothing assigns to it once built.
@dataclass(slots=True, eq=False)
class Invocation:
    """A command read with its tool's option table.

    ``program`` is the canonical tool name; ``subcommand`` is canonical
    (``zypper in`` -> ``install``) and ``subcommand_word`` is as written.
    Where an option names the operation, it is the subcommand: ``-S`` for
    ``pacman -Syu`` and ``pacman --sync``, written in ``-Syu`` (the options
    keep it too).
    ``operands`` are the positional arguments after the subcommand. ``via``
    holds what is in front of the tool: the wrappers' program names (``sudo``
    for ``/usr/bin/sudo``), ``python3 -m`` as written, ``uv``.
    """

    command: Command
    program: str
    subcommand: Optional[str]
    subcommand_word: Optional[Word]
    options: tuple[Option, ...]
    operands: tuple[Word, ...]
    via: tuple[str, ...] = ()

    @property
    def root(self) -> Optional[Word]:
        """The NEWROOT of a ``chroot`` (or ``chpst -/``) the tool runs under, None for the image's
        ``/``. Its options mean what they always do, but the paths it reads and writes, and the
        caches and configuration it uses, are below NEWROOT: reasoning about the image's files
        must not take them as the image's own (see :func:`in_new_root`)."""
        if "chroot" not in self.via and "chpst" not in self.via:
            return None
        return _unwrap(self.command.argv).root

    def option(self, *names: str) -> Optional[Option]:
        """The last option called any of ``names``."""
        found = None
        for option in self.options:
            if option.name in names:
                found = option
        return found

    def has(self, *names: str) -> bool:
        return any(option.name in names for option in self.options)

    def value(self, *names: str) -> Optional[str]:
        option = self.option(*names)
        return option.value if option else None

    def values(self, *names: str) -> tuple[str, ...]:
        return tuple(o.value for o in self.options if o.name in names and o.value is not None)


def unwrap(argv: Sequence[Word]) -> tuple[int, tuple[str, ...]]:
    """Index of the word naming the real program, and the wrapper words skipped."""
    unwrapped = _unwrap(argv)
    return unwrapped.index, unwrapped.via


def program_word(command: Command) -> Optional[Word]:
    """The word naming the program ``command`` runs behind its wrappers (``curl`` in ``sudo -E curl
    URL``, the first word without one); None when it runs none (``sudo`` alone, ``command -v x``)."""
    argv = command.argv
    index = _unwrap(argv).index
    return argv[index] if index < len(argv) else None


def new_root(argv: Sequence[Word]) -> Optional[Word]:
    """The NEWROOT of a ``chroot`` (or ``chpst -/``) among the wrappers in front of the program."""
    return _unwrap(argv).root


def in_new_root(command: Command) -> bool:
    """``command`` runs under a ``chroot``: through it (``chroot /t rm -rf /x``) or in the script of
    a shell it runs (``chroot /t sh -c 'rm -rf /x'``, the "chroot" context). Its paths are below
    the new root: /x here is /t/x in the image, and the image's /x is untouched."""
    if "chroot" in command.contexts:
        return True
    invocation = parse_command(command)
    return invocation is not None and invocation.root is not None


class _Unwrapped(NamedTuple):
    index: int  # of the word naming the real program
    via: tuple[str, ...]
    replaced: Optional[str]  # the replace-string of an xargs among the wrappers
    root: Optional[Word]  # the NEWROOT of a chroot (or chpst -/) among them


#: :func:`_unwrap` of a command whose first word is its program.
_UNWRAPPED = _Unwrapped(0, (), None, None)


def _xargs_option(argv: Sequence[Word], i: int) -> tuple[int, Optional[str]]:
    """How many words the xargs option at ``argv[i]`` takes, and the replace-string it sets
    (``-I R``, ``-IR``, GNU's ``-i`` / ``-iR`` / ``--replace[=R]``; ``{}`` by default)."""
    value = argv[i].value
    if value.startswith("--"):
        if value == "--replace" or value.startswith("--replace="):
            return 1, value.partition("=")[2] or "{}"
        return (2 if value in _WRAPPERS["xargs"][0] else 1), None
    for j in range(1, len(value)):  # a cluster: `-rI {}`, `-0n1`
        letter, attached = value[j], value[j + 1:]
        if letter in _XARGS_VALUES:
            taken = 1 if attached else 2
            if letter != "I":
                return taken, None
            replaced = attached or (argv[i + 1].value if i + 1 < len(argv) else "")
            return taken, replaced or None
        if letter in _XARGS_ATTACHED:
            return 1, (attached or "{}") if letter == "i" else None
    return 1, None


def _taken(value: str, values: frozenset[str]) -> int:
    """How many words a wrapper's option takes: getopt reads a cluster of short options up to
    the first that takes a value, which is the rest of the word or, if none, the next word
    (``-u app``, ``-Eu app``: 2; ``-uapp``, ``--user=app``: 1)."""
    if value in values:
        return 2
    if value[1] != "-":
        for j in range(1, len(value)):
            if "-" + value[j] in values:
                return 2 if j == len(value) - 1 else 1
    return 1


def _runuser_runs_command(argv: Sequence[Word], i: int) -> bool:
    """``runuser -u USER [--] COMMAND`` runs COMMAND itself; without ``-u`` runuser is su, whose
    operands after USER go to the user's shell (its ``-c`` script is read by builder.py)."""
    values = _WRAPPERS["runuser"][0]
    k = i + 1
    while k < len(argv):
        value = argv[k].value
        if value == "--" or not value.startswith("-") or value == "-":
            return False
        if value.startswith("--"):
            if value == "--user" or value.startswith("--user="):
                return True
        elif next((letter for letter in value[1:] if "-" + letter in values), None) == "u":
            return True
        k += _taken(value, values)
    return False


def _unwrap(argv: Sequence[Word]) -> _Unwrapped:
    """:func:`unwrap`, with the replace-string of an ``xargs`` among the wrappers (the words of
    the command holding it get each input line in its place) and the root of a ``chroot``.
    A wrapper is known by its program name (``/usr/sbin/chroot``, ``/usr/bin/sudo``), and ``via``
    holds that name, so ``"sudo" in invocation.via`` holds however it was written."""
    if argv and argv[0].value not in _WRAPPERS and "/" not in argv[0].value:
        return _UNWRAPPED  # most commands: the first word is the program
    i = 0
    via: list[str] = []
    replaced: Optional[str] = None
    root: Optional[Word] = None
    while i < len(argv):
        name = argv[i].value
        if name not in _WRAPPERS:  # the common case first: one lookup of the word as written
            if "/" not in name:
                break
            name = name[name.rfind("/") + 1:]  # /usr/bin/sudo: by its program name
            if name not in _WRAPPERS or name in _BUILTINS:
                break
        if name == "runuser" and not _runuser_runs_command(argv, i):
            break
        values, leading = _WRAPPERS[name]
        via.append(name)
        i += 1
        while i < len(argv):
            value = argv[i].value
            if value == "--":
                i += 1
                break
            if name == "command" and value in ("-v", "-V"):
                return _Unwrapped(len(argv), tuple(via), None, root)  # a lookup, not a run
            if name == "xargs" and value.startswith("-") and len(value) > 1:
                taken, found = _xargs_option(argv, i)
                replaced = found or replaced
                i += taken
            elif value.startswith("-") and len(value) > 1:
                if name == "chpst" and value.startswith("-/"):
                    root = argv[i + 1] if value == "-/" and i + 1 < len(argv) else argv[i]
                i += _taken(value, values)
            elif name in ("env", "sudo", "doas") and _ENV_ASSIGNMENT.match(value):
                i += 1
            else:
                break
        if name == "chroot" and i < len(argv):
            root = argv[i]
        i += leading
    return _Unwrapped(i, tuple(via), replaced, root)


#: parse_command's memo: rules ask about the same commands many times. Keyed by identity; the
#: command is kept so that its id cannot be reused while the entry lives. The linter empties it
#: after each file (forget_commands); the cap only bounds a file with more commands than that.
_MEMO: dict[int, tuple[Command, Optional[Invocation]]] = {}
_MEMO_SIZE = 1 << 16


def parse_command(command: Command) -> Optional[Invocation]:
    """The command read with its tool's options; None when it runs no program. Memoised."""
    memo = _MEMO.get(id(command))
    if memo is not None and memo[0] is command:
        return memo[1]
    invocation = _parse_command(command)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[id(command)] = (command, invocation)
    return invocation


def forget_commands() -> None:
    """Empties parse_command's memo: a file is done, its commands need not stay alive."""
    _MEMO.clear()


def _parse_command(command: Command) -> Optional[Invocation]:
    argv = command.argv
    i, via, replaced, _ = _unwrap(argv)
    if replaced:
        # `xargs -I{} apt-get install {}`: `{}` is an input line, as unknown as an expansion.
        argv = tuple(dataclasses.replace(w, has_expansion=True) if k > i and replaced in w.value else w
                     for k, w in enumerate(argv))
    if i + 1 < len(argv) and program_name(argv[i].value) == "busybox":
        via, i = via + ("busybox",), i + 1  # `busybox wget ...` runs the wget applet
    if i >= len(argv):
        return None
    program = program_name(argv[i].value)
    rest = argv[i + 1:]
    if _PYTHON_NAME.fullmatch(program) and len(rest) >= 2 and rest[0].value == "-m" \
            and program_name(rest[1].value) == "pip":
        via, program, rest = via + (argv[i].value, "-m"), "pip", rest[2:]
    elif program == "uv" and rest and rest[0].value == "pip":
        via, program, rest = via + ("uv",), "pip", rest[1:]
    spec = SPECS.get(program, _GENERIC)
    parsed = parse_options(rest, spec)
    sub_word = parsed.subcommand
    subcommand = None
    if sub_word is not None and spec.subcommands is not None:
        subcommand = spec.subcommands.get(sub_word.value, sub_word.value)
    elif program in _OPERATIONS:
        operations = _OPERATIONS[program]
        operation = next((o for o in parsed.options if o.name in operations), None)
        if operation is not None:
            subcommand, sub_word = operations[operation.name], operation.word
    return Invocation(command, program, subcommand, sub_word, parsed.options, parsed.operands, via)


# ---- packages --------------------------------------------------------------------


class Package(NamedTuple):
    """A package named on a command line.

    ``version`` is the constraint after the name: the bare version for an
    exact pin (``curl=7.88`` -> ``7.88``, ``flask==2.0`` -> ``2.0``), with its
    operator otherwise (``flask>=2``, apk ``~1.2``, npm ``^1.2``); None when
    unpinned.
    """

    name: str
    version: Optional[str]
    word: Word

    @property
    def exact(self) -> bool:
        """Pinned to one version (not a range, not unpinned)."""
        return (self.version is not None and not self.version.startswith(("<", ">", "~", "!", "^", "*"))
                and "*" not in self.version and "," not in self.version)  # ==1.*, >=1,<2 are ranges


# ./x, ../x, /x, ~/x, ., .[extra], URLs and VCS references; `.build-deps` (apk) is a name.
_PATHLIKE = re.compile(r"\.\.?(?:/|\[|$)|/|~|[A-Za-z][A-Za-z0-9+.-]*://|git\+|file:")
_ARCHIVE = re.compile(r".*\.(?:deb|rpm|apk|whl|tar\.gz|tgz|tar\.bz2|zip|gem)$")
_APK_PIN = re.compile(r"(.+?)((?:[=~<>]|>=|<=|~=).*)$")
_PIP_REQ = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*((?:===|==|~=|!=|>=|<=|<|>)\s*.+)?$")
_YUM_PIN = re.compile(r"(.+?)-(\d.*)$")
_ZYPPER_PIN = re.compile(r"(.+?)(>=|<=|=|<|>)(.+)$")


def _not_a_package(value: str) -> bool:
    return not value or bool(_PATHLIKE.match(value)) or bool(_ARCHIVE.match(value))


def _split_apt(value: str) -> tuple[str, Optional[str]]:
    name, eq, version = value.partition("=")
    name = name.split("/", 1)[0]  # pkg/bookworm-backports: a release, not a version
    return name, version if eq else None


def _split_apk(value: str) -> tuple[str, Optional[str]]:
    match = _APK_PIN.match(value)
    if match is None:
        return value, None
    name, constraint = match.groups()
    return name, constraint[1:] if constraint.startswith("=") and not constraint.startswith("==") else constraint


def _split_yum(value: str) -> tuple[str, Optional[str]]:
    match = _YUM_PIN.match(value)
    return (match.group(1), match.group(2)) if match else (value, None)


def _split_zypper(value: str) -> tuple[str, Optional[str]]:
    match = _ZYPPER_PIN.match(value)
    if match is None:
        return value, None
    name, op, version = match.groups()
    return name, version if op == "=" else op + version


def _split_pip(value: str) -> tuple[str, Optional[str]]:
    requirement = value.split(";", 1)[0].strip()
    match = _PIP_REQ.match(requirement)
    if match is None:
        return requirement, None
    name, _extras, constraint = match.groups()
    if constraint is None:
        return name, None
    constraint = constraint.replace(" ", "")
    if constraint.startswith("==") and "," not in constraint and "*" not in constraint:
        return name, constraint.lstrip("=")
    return name, constraint


def _split_at(value: str) -> tuple[str, Optional[str]]:
    """npm / go: ``name@version``; a leading ``@`` is an npm scope."""
    at = value.rfind("@")
    if at <= 0:
        return value, None
    return value[:at], value[at + 1:]


def _split_gem(value: str) -> tuple[str, Optional[str]]:
    name, colon, version = value.partition(":")
    return name, version if colon else None


_PACKAGE_RULES: dict[str, tuple[frozenset[str], Callable[[str], tuple[str, Optional[str]]]]] = {
    "apt-get": (_set("install", "reinstall", "remove", "purge", "build-dep", "source", "download"), _split_apt),
    "apt": (_set("install", "reinstall", "remove", "purge", "build-dep", "source", "download"), _split_apt),
    "aptitude": (_set("install", "reinstall", "remove", "purge"), _split_apt),
    "apk": (_set("add", "del", "fetch"), _split_apk),
    # groupinstall names groups ("Development Tools"), not packages.
    "yum": (_set("install", "reinstall", "downgrade", "remove"), _split_yum),
    "dnf": (_set("install", "reinstall", "downgrade", "remove"), _split_yum),
    "microdnf": (_set("install", "reinstall", "downgrade", "remove"), _split_yum),
    "tdnf": (_set("install", "reinstall", "downgrade", "remove"), _split_yum),
    "zypper": (_set("install", "remove", "source-install"), _split_zypper),
    "pip": (_set("install", "download", "wheel", "uninstall"), _split_pip),
    "npm": (_set("install", "uninstall", "update"), _split_at),
    "yarn": (_set("add", "remove", "upgrade", "global"), _split_at),
    "pnpm": (_set("add", "install", "remove", "update"), _split_at),
    "gem": (_set("install", "update", "uninstall"), _split_gem),
    "go": (_set("install", "get"), _split_at),
}


def packages(command: Union[Command, Invocation, None]) -> tuple[Package, ...]:
    """Packages named by a package-manager command (install, add, remove...).

    Paths, URLs and archive files are not package names; nor are option
    values (``pip install -r requirements.txt``, ``apk add --virtual .deps``).
    ``gem install x -v 1.2`` pins each named gem to 1.2.
    """
    invocation = parse_command(command) if isinstance(command, Command) else command
    if invocation is None or invocation.program not in _PACKAGE_RULES:
        return ()
    subcommands, split = _PACKAGE_RULES[invocation.program]
    if invocation.subcommand not in subcommands:
        return ()
    operands = invocation.operands
    if invocation.program == "yarn" and invocation.subcommand == "global":
        operands = operands[1:]  # yarn global add x
    gem_version = invocation.value("-v", "--version") if invocation.program == "gem" else None
    found = []
    for word in operands:
        if _not_a_package(word.value):
            continue
        name, version = split(word.value)
        if gem_version is not None and version is None:
            version = gem_version
        found.append(Package(name, version, word))
    return tuple(found)


def urls(command: Union[Command, Invocation, None]) -> tuple[Word, ...]:
    """The URLs a curl or wget command fetches (operands, and ``--url`` values)."""
    invocation = parse_command(command) if isinstance(command, Command) else command
    if invocation is None or invocation.program not in ("curl", "wget"):
        return ()
    found = [o.value_word for o in invocation.options if o.name == "--url" and o.value_word is not None]
    return tuple(found) + invocation.operands
