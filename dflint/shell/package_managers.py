"""Package managers, one command at a time: prompts, recommends, version pins, indexes, upgrades.

Each function reads one :class:`~.tools.Invocation` (use :func:`reread` first:
it gives ``dnf5``, ``cargo``, ``pipx`` and ``uv`` their option tables,
which :mod:`.tools` lacks) and answers one question a rule asks:

* :func:`confirmation`: the command asks "continue? [Y/n]" and nothing on its
  command line answers it (a build has no terminal: the step aborts);
* :func:`installs_recommends`: ``apt-get install`` that also installs the
  packages the named ones only recommend;
* :func:`system_pins` / :func:`language_pins`: the packages an install names,
  each with how its version is given (:class:`Pin`);
* :func:`go_targets`: the packages ``go install``/``get``/``run`` fetch;
* :func:`index_refresh`, :func:`reads_index`: commands that only download a
  package index, and commands that use one;
* :func:`system_upgrade`: commands that upgrade every installed package;
* :func:`virtual_packages`, :func:`deleted_packages`: ``apk add --virtual``
  groups and the names ``apk del`` removes.

Nothing here looks beyond the command: configuration files written earlier,
variables and later RUNs are the rules' business (see
:mod:`dflint.model.package_config`).

>>> from dflint.shell import parse_shell
>>> from dflint.shell.tools import parse_command
>>> def first(text):
...     return reread(parse_command(parse_shell(text).commands[0]))
>>> prompt = confirmation(first("apt-get install curl"))
>>> prompt.verb.value, prompt.answer, prompt.hadolint
('install', '-y', 'DL3014')
>>> confirmation(first("apt-get -qq install curl")) is None
True
>>> [(p.name, p.kind) for p in system_pins(first("apk add curl=8.5.0-r0 git~2.43 tini"))]
[('curl', 'exact'), ('git', 'range'), ('tini', 'none')]
>>> [(p.name, p.kind) for p in system_pins(first("yum install -y httpd-2.4.6 java-11-openjdk"))]
[('httpd', 'exact'), ('java-11-openjdk', 'none')]
>>> [(p.name, p.kind) for p in language_pins(first("npm i -g pm2@5.3.0 nodemon@latest typescript@^5"))]
[('pm2', 'exact'), ('nodemon', 'floating'), ('typescript', 'range')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional

from .model import Word
from .options import Option, Spec, parse_options
from .tools import SPECS, Invocation, packages, program_name

__all__ = ["APT", "RPM", "reread", "Prompt", "confirmation", "installs_recommends", "Pin", "system_pins",
           "language_pins", "classify_system", "GoTarget", "go_targets", "index_refresh", "reads_index",
           "system_upgrade", "virtual_packages", "deleted_packages", "apt_bool", "apt_option",
           "pin_problem", "Upgrade", "repin", "go_target", "go_query_problem", "PackageChange",
           "package_changes", "removes_packages", "PACKAGE_TOOLS", "pacman_installs", "branch_like"]

APT = frozenset(("apt-get", "apt", "aptitude"))
RPM = frozenset(("yum", "dnf", "dnf5", "microdnf", "tdnf"))


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---- reading the command -----------------------------------------------------------------------

_EXTRA_SPECS: dict[str, Spec] = {
    "dnf5": SPECS["dnf"],
    "cargo": Spec(values=_set("--version --vers --git --branch --tag --rev --path --root --index --registry "
                              "-F --features --target --target-dir -j --jobs --profile --bin --example "
                              "--config -Z --color"), subcommands={}),
    "pipx": Spec(values=_set("--python --pip-args --index-url --suffix --spec"), subcommands={}),
    "uv": Spec(values=_set("-p --python --with -w --from --index --index-url --extra-index-url "
                           "--default-index -c --constraint --constraints --override --overrides "
                           "--with-requirements --with-editable --cache-dir --directory --project "
                           "--config-file --python-platform -P --upgrade-package --reinstall-package "
                           "--index-strategy --keyring-provider --resolution --prerelease --exclude-newer "
                           "--link-mode --color -C --config-setting -f --find-links -b --build-constraint"),
               subcommands={}),
}


def reread(invocation: Optional[Invocation]) -> Optional[Invocation]:
    """``invocation`` read again with an option table for tools :mod:`.tools` has none for."""
    if invocation is None or invocation.program not in _EXTRA_SPECS:
        return invocation
    argv = invocation.command.argv
    index = next((i for i, w in enumerate(argv) if program_name(w.value) == invocation.program), None)
    if index is None:
        return invocation
    spec = _EXTRA_SPECS[invocation.program]
    parsed = parse_options(argv[index + 1:], spec)
    word = parsed.subcommand
    subcommand = None
    if word is not None and spec.subcommands is not None:
        subcommand = spec.subcommands.get(word.value, word.value)
    return Invocation(invocation.command, invocation.program, subcommand, word, parsed.options,
                      parsed.operands, invocation.via)


def _program_word(invocation: Invocation) -> Optional[Word]:
    return next((w for w in invocation.command.argv if program_name(w.value) == invocation.program), None)


# ---- apt options -------------------------------------------------------------------------------

_TRUE = _set("1 yes true with on enable")
_FALSE = _set("0 no false without off disable")


def apt_bool(value: Optional[str]) -> Optional[bool]:
    """APT's reading of a boolean (``StringToBool``); None when it is not one."""
    if value is None:
        return None
    value = value.strip().strip("\"'").lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return int(value) != 0 if value.isdigit() else None


def apt_option(invocation: Invocation, key: str) -> Optional[str]:
    """The value ``-o KEY=value`` gives (keys compare case-insensitively; the last one wins)."""
    found = None
    for option in invocation.options:
        if option.name in ("-o", "--option") and option.value:
            name, eq, value = option.value.partition("=")
            if eq and name.strip().lower() == key.lower():
                found = value
    return found


def _apt_quiet(invocation: Invocation) -> int:
    level = 0
    for option in invocation.options:
        if option.name in ("-q", "--quiet", "--silent"):
            if option.value is None:
                level += 1
            elif option.value.isdigit():
                level = int(option.value)
    configured = apt_option(invocation, "quiet")
    if configured is not None and configured.strip().isdigit():
        level = max(level, int(configured))
    return level


# ---- prompts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prompt:
    """A command that asks for confirmation that nothing on its command line gives.

    ``verb`` is the word naming the action; the fix inserts ``answer`` after
    ``after``. ``safe`` is False when the answer option may be unknown to old
    versions of the tool (microdnf before 3.7).
    """

    invocation: Invocation
    verb: Word
    answer: str
    after: Word
    hadolint: Optional[str] = None
    safe: bool = True


_APT_PROMPTS = _set("install reinstall remove purge autoremove auto-remove autopurge upgrade dist-upgrade "
                    "full-upgrade build-dep satisfy")
_APTITUDE_PROMPTS = _set("install reinstall remove purge safe-upgrade full-upgrade upgrade dist-upgrade build-dep")
_APT_NO_ACTION = _set("-s --simulate --just-print --dry-run --recon --no-act --print-uris --assume-no "
                      "--trivial-only")
_RPM_PROMPTS = _set("install localinstall groupinstall reinstall remove update downgrade distro-sync autoremove "
                    "swap upgrade-minimal update-minimal builddep in rm erase upgrade")
_RPM_GROUPED = {"group": _set("install remove upgrade update erase mark"),
                "module": _set("install remove enable disable reset switch-to erase")}
_ZYPPER_PROMPTS = _set("install remove update patch dist-upgrade source-install install-new-recommends inr")
_HADOLINT_PROMPTS = {
    "apt-get": (_set("install"), "DL3014"),
    "yum": (_set("install groupinstall localinstall"), "DL3030"),
    "dnf": (_set("install groupinstall localinstall"), "DL3038"),
    "microdnf": (_set("install groupinstall localinstall"), "DL3038"),
    "zypper": (_set("install remove source-install patch"), "DL3034"),
}


def _hadolint_prompt(invocation: Invocation) -> Optional[str]:
    verbs, code = _HADOLINT_PROMPTS.get(invocation.program, (frozenset(), None))
    return code if invocation.subcommand in verbs else None


def confirmation(invocation: Optional[Invocation]) -> Optional[Prompt]:
    """The prompt this command shows and cannot get answered in a build, or None.

    apt-get/apt (``-y``, ``--yes``, ``--assume-yes``, quiet level 2: ``-qq``,
    ``-q=2``, ``--quiet=2``; ``-o APT::Get::Assume-Yes=true``; simulations),
    aptitude (``-y``), yum/dnf/dnf5/microdnf/tdnf (``-y``, ``--assumeyes``,
    ``--setopt=assumeyes=1``), zypper (``-n``, ``--non-interactive``, ``-y``,
    ``--no-confirm``), pacman (``--noconfirm``) and ``pip uninstall`` (``-y``, ``--yes``; not
    ``uv pip``, which never asks). apk never asks, nor do conda, mamba and micromamba in a
    build: their prompts read end-of-file as the default answer, yes.
    """
    if invocation is None:
        return None
    program = invocation.program
    if program == "pip":
        if invocation.subcommand != "uninstall" or invocation.subcommand_word is None or "uv" in invocation.via \
                or invocation.has("-y", "--yes"):
            return None
        return Prompt(invocation, invocation.subcommand_word, "-y", invocation.subcommand_word)
    verb = invocation.subcommand_word
    if program in ("apt-get", "apt"):
        if invocation.subcommand not in _APT_PROMPTS or verb is None:
            return None
        if invocation.has("-y", "--yes", "--assume-yes", *_APT_NO_ACTION) or _apt_quiet(invocation) >= 2 \
                or apt_bool(apt_option(invocation, "APT::Get::Assume-Yes")):
            return None
        return Prompt(invocation, verb, "-y", verb, _hadolint_prompt(invocation))
    if program == "aptitude":
        if invocation.subcommand not in _APTITUDE_PROMPTS or verb is None \
                or invocation.has("-y", "--assume-yes", "-s", "--simulate") \
                or apt_bool(apt_option(invocation, "APT::Get::Assume-Yes")):
            return None
        return Prompt(invocation, verb, "-y", verb)
    if program in RPM:
        if verb is None or invocation.has("-y", "--assumeyes", "--assumeno"):
            return None
        name = invocation.subcommand
        if name in _RPM_GROUPED:
            if not invocation.operands or invocation.operands[0].value not in _RPM_GROUPED[name]:
                return None
        elif name not in _RPM_PROMPTS:
            return None
        for value in invocation.values("--setopt"):
            key, _, setting = value.partition("=")
            if key.strip().lower() == "assumeyes" and setting.strip().lower() in ("1", "true", "yes", "on"):
                return None
        return Prompt(invocation, verb, "-y", verb, _hadolint_prompt(invocation), safe=program != "microdnf")
    if program == "zypper":
        program_word = _program_word(invocation)
        if invocation.subcommand not in _ZYPPER_PROMPTS or verb is None or program_word is None \
                or invocation.has("-n", "--non-interactive", "-y", "--no-confirm"):
            return None
        return Prompt(invocation, verb, "--non-interactive", program_word, _hadolint_prompt(invocation))
    if program == "pacman":
        return _pacman_prompt(invocation)
    return None


#: Options that make ``pacman -S`` only show packages.
_PACMAN_QUERIES = _set("-s --search -i --info -l --list -g --groups -p --print")


def pacman_installs(invocation: Optional[Invocation]) -> bool:
    """``pacman -S`` of named packages (not a search, a listing or ``--print``)."""
    return invocation is not None and invocation.program == "pacman" and invocation.has("-S", "--sync") \
        and bool(invocation.operands) and not invocation.has(*_PACMAN_QUERIES)


def _pacman_prompt(invocation: Invocation) -> Optional[Prompt]:
    if invocation.has("--noconfirm"):
        return None
    operation = next((o for o in invocation.options
                      if o.name in ("-S", "--sync", "-R", "--remove", "-U", "--upgrade")), None)
    if operation is None:
        return None
    targets = bool(invocation.operands)
    if operation.name in ("-S", "--sync"):
        if invocation.has(*_PACMAN_QUERIES):
            return None
        if not (targets or invocation.has("-u", "--sysupgrade", "-c", "--clean")):
            return None
    elif not targets:
        return None
    return Prompt(invocation, operation.word, "--noconfirm", operation.word)


# ---- recommends --------------------------------------------------------------------------------

def installs_recommends(invocation: Optional[Invocation]) -> Optional[Word]:
    """The verb of an ``apt-get``/``apt``/``aptitude install`` that installs recommended packages
    too (no ``--no-install-recommends``, ``--install-recommends=no`` or
    ``-o APT::Install-Recommends=false``; aptitude: ``-R``), else None."""
    if invocation is None or invocation.program not in APT or invocation.subcommand != "install":
        return None
    if invocation.has("--no-install-recommends", "--without-recommends"):
        return None
    if invocation.program == "aptitude" and invocation.has("-R"):
        return None
    flag = invocation.option("--install-recommends")
    if flag is not None and flag.value is not None and apt_bool(flag.value) is False:
        return None
    if apt_bool(apt_option(invocation, "APT::Install-Recommends")) is False:
        return None
    return invocation.subcommand_word


# ---- version pins ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pin:
    """A package an install names and how its version is given.

    ``kind``: ``"exact"`` (one version), ``"range"`` (a constraint several
    versions meet: ``~1.2``, ``>=2``, ``^5``), ``"floating"`` (a name that moves:
    a dist-tag like ``latest``, a release like apt's ``pkg/bookworm``, a
    repository without a ref), ``"none"`` (no version), ``"unknown"`` (the word
    holds an expansion: see :func:`classify_system`). ``manager`` says how to
    read the word again, ``note`` why a floating pin floats, ``hint`` how to
    write a pin.
    """

    word: Word
    name: str
    version: Optional[str]
    kind: str
    manager: str
    note: str = ""
    hint: str = ""
    hadolint: Optional[str] = None
    #: The text read: the word's value, or what it expands to (see :func:`repin`).
    text: str = ""


_RPM_VERSION = re.compile(r"(?:\d+:)?\d[\w.+~^*]*(?:-\d[\w.+~^*]*)?")
#: Package names that end in a version stream, which rpm's `name-version` syntax would read as a
#: pin: .NET (`dotnet-sdk-8.0`, `aspnetcore-runtime-8.0`), toolsets (`gcc-toolset-13`,
#: `devtoolset-11`) and NVIDIA's CUDA repository (`cuda-toolkit-12-2`, `libcublas-12-2`). dnf
#: tries a word as a name before it splits off a version, so these install the newest of the stream.
_RPM_NUMBERED_NAME = re.compile(r"(?:dotnet|aspnetcore|netstandard)(?:-[a-z]+)+-\d+\.\d+"
                                r"|(?:gcc-toolset|devtoolset)-\d+"
                                r"|(?:cuda|libcu[a-z]+|libnpp[a-z]*|libnv[a-z]+)(?:-[a-z]+)*-\d+-\d+")
_SEMVER = re.compile(r"=?v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_TAG = re.compile(r"[A-Za-z][\w.-]*")
_HINTS = {
    "apt": "{name}=<version>", "apk": "{name}=<version>", "rpm": "{name}-<version>",
    "zypper": "{name}=<version>", "pip": "{name}==<version>", "node": "{name}@<version>",
    "gem": "{name}:<version>", "cargo": "{name}@<version>", "rpm-module": "{name}:<stream>:<version>",
}


def _kind(version: Optional[str]) -> str:
    if version is None or version == "":
        return "none"
    if version[0] in "<>~!^=*" or any(ch in version for ch in "*<>,| ") or version.lower() in ("x", "latest"):
        return "range"
    return "exact"


def classify_system(manager: str, value: str) -> tuple[str, Optional[str], str, str]:
    """(name, version, kind, note) of a package word of a system package manager
    (``apt``, ``apk``, ``rpm`` for yum/dnf, ``zypper``)."""
    if manager == "apt":
        name, eq, version = value.partition("=")
        if eq:
            return name.split("/", 1)[0], version, "range" if "*" in version else "exact", ""
        base, slash, release = name.partition("/")
        if slash:
            return base, None, "floating", f"`/{release}` picks a release, not a version"
        return name, None, "none", ""
    if manager == "apk":
        match = re.match(r"([^=~<>]+)(.*)$", value)
        name, constraint = (match.group(1), match.group(2)) if match else (value, "")
        if not constraint:
            if "@" in name:
                return name, None, "floating", f"`@{name.split('@', 1)[1]}` picks a repository, not a version"
            return name, None, "none", ""
        if constraint.startswith("=") and not any(ch in constraint[1:] for ch in "=~<>*"):
            return name, constraint[1:], "exact", ""
        return name, constraint, "range", ""
    if manager == "rpm":
        if any(ch in value for ch in "<>="):  # dnf5 reads `name >= 1.2` specs
            name = re.split(r"\s*[<>=]", value, maxsplit=1)[0]
            version = value[len(name):].strip().lstrip("<>= ")
            return name, version, "range" if any(ch in value for ch in "<>*") else "exact", ""
        # The version starts at the first `-<digit>` after which a version (and release, and
        # `.arch`, all word characters) follows: `java-1.8.0-openjdk` has none (`openjdk` is no
        # release). A name that ends in a stream number (`dotnet-sdk-8.0`) keeps it.
        named = _RPM_NUMBERED_NAME.match(value)
        start = named.end() if named is not None and value[named.end():named.end() + 1] in ("", "-") else 0
        for match in re.finditer(r"-(?=\d)", value[start:]):
            rest = value[start + match.end():]
            if _RPM_VERSION.fullmatch(rest):
                return value[:start + match.start()], rest, "range" if "*" in rest else "exact", ""
        return value, None, "none", ""
    if manager == "zypper":
        # No operator, no version: without this the lazy name retried every length over a run of blanks.
        match = re.match(r"(.+?)\s*(>=|<=|==|=|<|>)\s*(.+)$", value) if "<" in value or ">" in value \
            or "=" in value else None
        if match is None:
            return value, None, "none", ""
        name, op, version = match.groups()
        return name, version, "exact" if op in ("=", "==") and "*" not in version else "range", ""
    raise ValueError(manager)


_SYSTEM_INSTALLS: dict[str, tuple[str, frozenset[str], Optional[str]]] = {
    "apt-get": ("apt", _set("install"), "DL3008"),
    "apt": ("apt", _set("install"), None),
    "aptitude": ("apt", _set("install"), None),
    "apk": ("apk", _set("add"), "DL3018"),
    "yum": ("rpm", _set("install"), "DL3033"),
    "dnf": ("rpm", _set("install"), "DL3041"),
    "dnf5": ("rpm", _set("install"), None),
    "microdnf": ("rpm", _set("install"), "DL3041"),
    "tdnf": ("rpm", _set("install"), None),
    "zypper": ("zypper", _set("install"), "DL3037"),
}


def _pin(word: Word, manager: str, name: str, version: Optional[str], kind: str, note: str = "",
         hadolint: Optional[str] = None) -> Pin:
    hint = _HINTS.get(manager, "{name}").format(name=name, version="<version>")
    return Pin(word, name, version, kind, manager, note, hint, hadolint, word.value)


def _unknown(pin: Pin) -> Pin:
    """``pin`` as read from a word holding an expansion: its kind is not known yet."""
    if not pin.word.has_expansion:
        return pin
    return replace(pin, kind="unknown")


def repin(pin: Pin, value: str, invocation: Invocation) -> Optional[Pin]:
    """``pin`` read again with ``value`` (what its word expands to) in place of the word."""
    if pin.manager in ("apt", "apk", "rpm", "zypper"):
        name, version, kind, note = classify_system(pin.manager, value)
        return replace(_pin(pin.word, pin.manager, name, version, kind, note, pin.hadolint), text=value)
    if pin.manager in _LANGUAGE_MANAGERS:
        found = _language_pin(pin.manager, pin.word, value, invocation)
        return None if found is None else replace(found, manager=pin.manager, hadolint=pin.hadolint, text=value)
    return None


def system_pins(invocation: Optional[Invocation]) -> list[Pin]:
    """The packages an apt-get/apt/aptitude/apk/yum/dnf/dnf5/microdnf/tdnf/zypper install names.

    Local files (``.deb``, ``.rpm``, ``.apk``), paths and URLs are left out,
    and so are groups (``@group``, ``groupinstall``), zypper patterns and
    other types (``-t pattern``, ``pattern:x``). ``dnf module install``
    names modules: a stream (``nodejs:18``) is a range, a stream and a
    version (``nodejs:18:8090020240126``) exact. ``dnf module enable``
    installs nothing (and keeps only the stream: a version there pins no
    later install), so it names no package.
    """
    if invocation is None or invocation.program not in _SYSTEM_INSTALLS:
        return []
    manager, verbs, code = _SYSTEM_INSTALLS[invocation.program]
    if manager == "rpm" and invocation.subcommand == "module":
        return _modules(invocation, code)
    if invocation.subcommand not in verbs:
        return []
    if invocation.program == "zypper" and invocation.value("-t", "--type") not in (None, "package"):
        return []
    found = []
    program = "apt-get" if manager == "apt" else ("dnf" if manager == "rpm" else invocation.program)
    for package in packages(_as(invocation, program)):
        value = package.word.value
        if value.startswith("@") or (manager == "zypper" and ":" in value) or \
                (manager in ("apt", "apk") and any(ch.isspace() for ch in value)):
            continue  # groups, patterns, and text that cannot be a package name
        name, version, kind, note = classify_system(manager, value)
        found.append(_unknown(_pin(package.word, manager, name, version, kind, note, code)))
    return found


def _as(invocation: Invocation, program: str) -> Invocation:
    """``invocation`` under another program name (to borrow :func:`~.tools.packages`' reading)."""
    if invocation.program == program:
        return invocation
    return Invocation(invocation.command, program, invocation.subcommand, invocation.subcommand_word,
                      invocation.options, invocation.operands, invocation.via)


def _modules(invocation: Invocation, code: Optional[str]) -> list[Pin]:
    operands = invocation.operands
    if not operands or operands[0].value != "install":
        return []
    found = []
    for word in operands[1:]:
        spec = word.value.split("/", 1)[0]
        parts = spec.split(":")
        kind = "none" if len(parts) == 1 else ("range" if len(parts) == 2 else "exact")
        found.append(_unknown(_pin(word, "rpm-module", parts[0], ":".join(parts[1:]) or None, kind,
                                   hadolint=code)))
    return found


# ---- language packages -------------------------------------------------------------------------

_VCS = re.compile(r"(?:git|hg|svn|bzr)\+|git://|(?:github|gitlab|bitbucket|gist):")
_LOCAL = re.compile(r"\.\.?(?:/|\[|$)|/|~|file:|link:|workspace:|portal:")
_ARCHIVE = re.compile(r".*\.(?:tgz|tar|tar\.gz|tar\.bz2|tar\.xz|zip|whl|gem|crate)$", re.I)
_PIP_NAME = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$", re.S)
_LANGUAGE_ALIASES = {"pip": "DL3013", "npm": "DL3016", "gem": "DL3028"}


_COMMIT = re.compile(r"[0-9a-f]{7,40}")


def branch_like(ref: str) -> bool:
    """A git ref that reads as a branch, which moves (``main``, ``develop``, ``feature/x``): no
    digit in it and not a commit hash. A tag or a release branch has a digit (``v1.2.3``,
    ``2024.05``, ``release-1.x``) and is taken as a fixed point, as DF309 takes it."""
    return not _COMMIT.fullmatch(ref) and not any(ch.isdigit() for ch in ref)


def _vcs_ref(value: str, separator: str) -> Optional[str]:
    """The ref a repository URL names, ``@ref`` after the path (pip) or ``#ref`` (npm); None without."""
    if separator == "#":
        ref = value.split("#", 1)[1].split("::", 1)[0] if "#" in value else ""
        return ref or None
    rest = value.split("://", 1)[1] if "://" in value else value.split(":", 1)[-1]
    path = rest.split("/", 1)[1] if "/" in rest else ""
    before, at, ref = path.split("#", 1)[0].rpartition("@")
    return ref if at and ref else None


def _vcs_pin(word: Word, manager: str, value: str, separator: str) -> Pin:
    """A repository URL: pinned by a tag or commit, floating without a ref or at a branch."""
    ref = _vcs_ref(value, separator)
    if ref is None:
        return _repository(word, manager, value, value.split("#", 1)[0] + separator)
    if ref.startswith("semver:"):
        return _pin(word, manager, value, ref[7:], "range")
    if branch_like(ref):
        base = value.split("#", 1)[0] if separator == "#" else value.split("#", 1)[0][:-len(ref) - 1]
        return replace(_pin(word, manager, value, ref, "floating", f"`{ref}` is a branch, which moves"),
                       hint=f"{base}{separator}<tag or commit>")
    return _pin(word, manager, value, ref, "exact")


def _language_words(invocation: Invocation) -> Optional[tuple[str, tuple[Word, ...]]]:
    """(manager, the operands naming packages) of an install of language packages, or None."""
    program, sub, operands = invocation.program, invocation.subcommand, invocation.operands
    if program == "pip":
        if sub != "install" or invocation.has("-c", "--constraint", "--no-index", "--override"):
            return None  # constraints pin what they list; --no-index installs what local files hold
        return "uv-pip" if "uv" in invocation.via else "pip", operands
    if program == "npm":
        return ("node", operands) if sub == "install" and operands else None
    if program in ("yarn", "pnpm"):
        if sub == "global" and operands and operands[0].value == "add":
            return "node", operands[1:]
        return ("node", operands) if sub == "add" else None
    if program == "gem":
        return ("gem", operands) if sub == "install" else None
    if program == "cargo":
        return ("cargo", operands) if sub == "install" else None
    if program == "pipx":
        return ("pip", operands) if sub == "install" and not invocation.has("--spec") else None
    if program == "uv" and sub == "tool" and operands and operands[0].value == "install":
        return ("uv-tool", operands[1:]) if not invocation.has("--from") else None
    return None


#: Programs whose arguments the functions here read (prompts, recommends, pins).
PACKAGE_TOOLS = frozenset(_SYSTEM_INSTALLS) | _set("pacman pip pipx uv npm yarn pnpm gem cargo")


def language_pins(invocation: Optional[Invocation]) -> list[Pin]:
    """The packages a pip (``pip3``, ``python -m pip``, ``uv pip``), pipx, ``uv tool``, npm, yarn,
    pnpm, gem or cargo install names.

    Not listed: paths, local archives and plain URLs (their content is what
    it is), option values (``-r requirements.txt``, ``-e .``), and
    everything when the command installs no named package (``npm install``
    reads package.json). Repository URLs are listed, editable ones
    (``-e git+https://...``) too: without a ref (``git+https://host/x.git``
    rather than ``...@v1.2``, npm ``#v1.2``) they float with the default
    branch, and a ref that reads as a branch (:func:`branch_like`: ``@main``,
    ``#develop``) floats with it.
    """
    if invocation is None:
        return []
    found = _language_words(invocation)
    if found is None:
        return []
    manager, operands = found
    if manager == "cargo" and not operands and invocation.has("--git"):
        option = invocation.option("--git")
        operands = (option.value_word,) if option is not None and option.value_word is not None else ()
    # hadolint's DL3013 takes every program whose name starts with `pip` for pip: pipx too, not uv
    code = _LANGUAGE_ALIASES.get("pip" if invocation.program == "pipx" else invocation.program) \
        if "uv" not in invocation.via else None
    pins = []
    if manager in ("pip", "uv-pip"):  # `-e git+https://...`: an editable checkout of a repository
        for option in invocation.options:
            if option.name in ("-e", "--editable") and option.value_word is not None and option.value \
                    and not option.value_word.has_expansion and _VCS.match(option.value):
                pin = _vcs_pin(option.value_word, manager, option.value, "@")
                pins.append(replace(pin, manager=manager, hadolint=code, text=option.value_word.value))
    for word in operands:
        value = word.value
        if not value or value.startswith("-"):
            continue
        if word.has_expansion:
            pins.append(Pin(word, value, None, "unknown", manager, hadolint=code, text=value))
            continue
        pin = _language_pin(manager, word, value, invocation)
        if pin is not None:
            pins.append(_unknown(replace(pin, manager=manager, hadolint=code)))
    return pins


_LANGUAGE_MANAGERS = _set("pip uv-pip uv-tool node gem cargo")


def _language_pin(manager: str, word: Word, value: str, invocation: Invocation) -> Optional[Pin]:
    gem_version = invocation.value("-v", "--version") if manager == "gem" else None
    cargo_version = invocation.value("--version", "--vers") if manager == "cargo" else None
    if manager == "cargo":
        return _cargo_pin(word, value, invocation, cargo_version)
    ref_separator = "#" if manager == "node" else "@"
    if _VCS.match(value) or (manager in ("pip", "uv-pip") and re.match(r"[\w.-]+\s*@\s*(?:git|hg|svn|bzr)\+", value)):
        return _vcs_pin(word, manager, value, ref_separator)
    if _LOCAL.match(value) or _ARCHIVE.match(value.split("?", 1)[0]) or "://" in value:
        return None
    if manager in ("pip", "uv-pip", "uv-tool"):
        if "@" in value and manager != "uv-tool":
            return None  # `name @ https://...`: a direct reference to a file
        if manager == "uv-tool" and "@" in value:
            name, _, version = value.partition("@")
            kind = "floating" if version == "latest" else _kind(version)
            return _pin(word, "pip", name, version, kind, "`@latest` moves with every release" if kind == "floating"
                        else "")
        match = _PIP_NAME.match(value.split(";", 1)[0].strip())
        if match is None:
            return None
        name, _extras, constraint = match.groups()
        constraint = constraint.replace(" ", "")
        if not constraint:
            return _pin(word, "pip", name, None, "none")
        if constraint.startswith("==") and "," not in constraint and "*" not in constraint:
            return _pin(word, "pip", name, constraint.lstrip("="), "exact")
        return _pin(word, "pip", name, constraint, "range")
    if manager == "node":
        return _node_pin(word, value)
    if manager == "gem":
        name, colon, version = value.partition(":")
        version = version if colon else gem_version
        if version is None:
            return _pin(word, "gem", name, None, "none")
        version = version.strip()
        bare = version[1:].strip() if version.startswith("=") and not version.startswith("==") else version
        return _pin(word, "gem", name, version, "exact" if re.fullmatch(r"[\w.-]+", bare) else "range")
    return None


def _cargo_pin(word: Word, value: str, invocation: Invocation, cargo_version: Optional[str]) -> Optional[Pin]:
    if invocation.has("--path"):
        return None
    if invocation.has("--git"):
        if invocation.has("--rev", "--tag"):
            return _pin(word, "cargo", value, "ref", "exact")
        return replace(_pin(word, "cargo", value, None, "floating",
                            "`--git` without `--rev` or `--tag` follows a branch"),
                       hint=f"--git {invocation.value('--git')} --tag <tag>")
    name, at, version = value.partition("@")
    version = version if at else cargo_version
    if version is None:
        return _pin(word, "cargo", name, None, "none")
    bare = version.lstrip("=")
    return _pin(word, "cargo", name, version,
                "exact" if re.fullmatch(r"\d+\.\d+\.\d+(?:[-+][\w.-]+)?", bare) else "range")


def _repository(word: Word, manager: str, name: str, prefix: str) -> Pin:
    return replace(_pin(word, manager, name, None, "floating", "a repository without a ref follows its default branch"),
                   hint=f"{prefix}<tag or commit>")


def _node_pin(word: Word, value: str) -> Pin:
    at = value.rfind("@")
    name, version = (value[:at], value[at + 1:]) if at > 0 else (value, None)
    if version is not None and version.startswith("npm:"):
        alias = version[4:]
        inner = alias.rfind("@")
        version = alias[inner + 1:] if inner > 0 else None
    if "/" in name and not name.startswith("@"):  # user/repo: a GitHub repository
        return _vcs_pin(word, "node", value, "#")
    if version is None or version == "":
        return _pin(word, "node", name, None, "none")
    if version in ("*", "x", "X"):
        return _pin(word, "node", name, version, "floating", "`*` is any version")
    if _SEMVER.fullmatch(version):
        return _pin(word, "node", name, version.lstrip("=v"), "exact")
    if _TAG.fullmatch(version) and not re.match(r"v\d", version):
        return _pin(word, "node", name, version, "floating", f"`{version}` is a dist-tag that moves with releases")
    return _pin(word, "node", name, version, "range")


# ---- go ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GoTarget:
    """A package ``go install``/``get``/``run`` builds from a module it fetches: ``path`` and the
    version query after ``@`` (None without one); ``verb`` is install, get or run."""

    word: Word
    path: str
    query: Optional[str]
    verb: str


_GO_KEYWORDS = _set("std all cmd tool")


def go_targets(invocation: Optional[Invocation]) -> list[GoTarget]:
    """Remote packages (the first path element holds a dot: ``golang.org/x/tools/...``) named by
    ``go install``, ``go get`` or ``go run`` (its first operand only: the rest are the program's
    arguments). Local packages (``.``, ``./cmd/x``, ``/abs``), ``.go`` files and packages of the
    standard library or the main module (``cmd/x``) are left out."""
    if invocation is None or invocation.program != "go" or invocation.subcommand not in ("install", "get", "run"):
        return []
    operands = invocation.operands[:1] if invocation.subcommand == "run" else invocation.operands
    found = []
    for word in operands:
        if word.has_expansion:
            found.append(GoTarget(word, word.value, None, invocation.subcommand))
            continue
        target = go_target(word, word.value, invocation.subcommand)
        if target is not None:
            found.append(target)
    return found


def go_target(word: Word, value: str, verb: str) -> Optional[GoTarget]:
    """``value`` (the word, or what it expands to) read as a remote package, or None."""
    path, at, query = value.partition("@")
    if not path or path in _GO_KEYWORDS or path.startswith((".", "/", "-")) or path.endswith(".go"):
        return None
    if "." not in path.split("/", 1)[0]:
        return None
    return GoTarget(word, path, query if at else None, verb)


_GO_EXACT = re.compile(r"v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?|[0-9a-f]{7,40}")
_GO_BRANCHES = _set("master main HEAD trunk develop dev")


def go_query_problem(query: str) -> Optional[str]:
    """Why a version query (after ``@``) does not pin a version, or None when it does (a full
    semantic version, a commit hash or a tag name)."""
    if _GO_EXACT.fullmatch(query) or query == "none":
        return None
    if query in ("latest", "upgrade", "patch"):
        return f"`@{query}` resolves to the newest release on each build"
    if query in _GO_BRANCHES:
        return f"`@{query}` is a branch: each build takes its newest commit"
    if re.fullmatch(r"v\d+(?:\.\d+)?", query):
        return f"`@{query}` is a version prefix: each build takes the newest {query}.x release"
    if query[:1] in "<>":
        return f"`@{query}` is a range: each build takes the newest release in it"
    return None


# ---- indexes and upgrades ----------------------------------------------------------------------

_INDEX_READERS: dict[str, Optional[frozenset[str]]] = {
    "apt": _set("install upgrade dist-upgrade full-upgrade reinstall build-dep source download satisfy "
                "safe-upgrade search show showsrc policy madison depends rdepends list"),
    "apk": _set("add upgrade fix fetch search info dot policy"),
    "rpm": None,  # everything but the refresh and clean
    "zypper": None,
    "pacman": None,
}
_NOT_READING: dict[str, frozenset[str]] = {
    "rpm": _set("makecache check-update clean repolist config-manager"),
    "zypper": _set("refresh clean addrepo removerepo modifyrepo renamerepo repos lr ar rr mr"),
}


def _family(invocation: Invocation) -> Optional[str]:
    program = invocation.program
    if program in APT or program == "apt-cache":
        return "apt"
    if program in RPM:
        return "rpm"
    return program if program in ("apk", "zypper", "pacman") else None


def index_refresh(invocation: Optional[Invocation]) -> Optional[str]:
    """The package family (``apt``, ``apk``, ``rpm``, ``zypper``, ``pacman``) whose index this
    command downloads without installing anything: ``apt-get update``, ``apk update``,
    ``yum makecache``/``check-update``, ``zypper refresh``, ``pacman -Sy``. None otherwise."""
    if invocation is None:
        return None
    family = _family(invocation)
    sub = invocation.subcommand
    if family == "apt" and invocation.program != "apt-cache" and sub == "update":
        return family
    if family == "apk" and sub == "update":
        return family
    if family == "rpm" and sub in ("makecache", "check-update"):
        return family
    if family == "zypper" and sub == "refresh":
        return family
    if family == "pacman" and invocation.has("-S", "--sync") and invocation.has("-y", "--refresh") \
            and not invocation.operands and not invocation.has("-u", "--sysupgrade"):
        return family
    return None


def reads_index(invocation: Optional[Invocation], family: str) -> bool:
    """The command uses the package index of ``family`` (an install, an upgrade, a search)."""
    if invocation is None or _family(invocation) != family or index_refresh(invocation) is not None:
        return False
    if family == "pacman":
        return invocation.has("-S", "--sync")
    if invocation.program == "apt-cache":
        return True
    readers = _INDEX_READERS[family]
    if readers is not None:
        return invocation.subcommand in readers
    return invocation.subcommand is not None and invocation.subcommand not in _NOT_READING[family]


@dataclass(frozen=True)
class Upgrade:
    """A command that upgrades every installed package; ``hadolint`` names the code for it."""

    invocation: Invocation
    verb: Word
    hadolint: Optional[str] = None


_UPGRADES = {
    "apt-get": _set("upgrade dist-upgrade full-upgrade"), "apt": _set("upgrade dist-upgrade full-upgrade"),
    "aptitude": _set("upgrade safe-upgrade full-upgrade dist-upgrade"),
    "apk": _set("upgrade"),
    "zypper": _set("update dist-upgrade patch"),
}
_RPM_UPGRADES = _set("update upgrade distro-sync upgrade-minimal update-minimal")


def system_upgrade(invocation: Optional[Invocation]) -> Optional[Upgrade]:
    """The command upgrades all installed packages (no package named): apt-get/apt/aptitude
    upgrade, dist-upgrade, full-upgrade; apk upgrade; yum/dnf/microdnf/tdnf update, upgrade,
    distro-sync; zypper update, dist-upgrade, patch; pacman -Su. None otherwise.

    ``pacman -Syu pkg`` is not one: on Arch, installing means upgrading with it (``-Sy pkg``
    without ``-u`` is a partial upgrade, which Arch does not support)."""
    if invocation is None:
        return None
    program = invocation.program
    if program == "pacman":
        operation = next((o for o in invocation.options if o.name in ("-S", "--sync")), None)
        if operation is not None and invocation.has("-u", "--sysupgrade") and not pacman_installs(invocation) \
                and not invocation.has(*_PACMAN_QUERIES):
            return Upgrade(invocation, operation.word)
        return None
    verbs = _RPM_UPGRADES if program in RPM else _UPGRADES.get(program)
    verb = invocation.subcommand_word
    if verbs is None or verb is None or invocation.subcommand not in verbs or invocation.operands:
        return None
    if invocation.has(*_DRY_RUNS.get("rpm" if program in RPM else program, ())):
        return None  # a simulation changes nothing
    code = "DL3035" if program == "zypper" and invocation.subcommand == "dist-upgrade" else _RETIRED.get(program)
    return Upgrade(invocation, verb, code)


#: Options that make an upgrade only say what it would do.
_DRY_RUNS = {"apt-get": _APT_NO_ACTION, "apt": _APT_NO_ACTION, "aptitude": _set("-s --simulate"),
             "apk": _set("-s --simulate"), "rpm": _set("--assumeno"), "zypper": _set("-D --dry-run")}

#: Codes hadolint 1.x gave these upgrades before retiring them; old configurations still name them.
_RETIRED = {"apt-get": "DL3005", "apt": "DL3005", "aptitude": "DL3005", "apk": "DL3017", "yum": "DL3031",
            "dnf": "DL3039", "microdnf": "DL3039"}


# ---- apk virtual packages ----------------------------------------------------------------------

def virtual_packages(invocation: Optional[Invocation]) -> list[Option]:
    """The ``--virtual NAME`` / ``-t NAME`` options of an ``apk add``."""
    if invocation is None or invocation.program != "apk" or invocation.subcommand != "add":
        return []
    return [o for o in invocation.options if o.name in ("-t", "--virtual") and o.value]


def deleted_packages(invocation: Optional[Invocation]) -> Optional[tuple[Word, ...]]:
    """The names an ``apk del`` removes; None when the command is not one."""
    if invocation is None or invocation.program != "apk" or invocation.subcommand != "del":
        return None
    return invocation.operands


# ---- packages installed and removed ------------------------------------------------------------

@dataclass(frozen=True)
class PackageChange:
    """A package an install adds or a removal takes away, by name.

    ``family`` says which installs a removal undoes (``apt``, ``apk``,
    ``rpm``, ``zypper``, ``pip``); ``name`` is the name as the family
    compares it (pip's normalised form), and a removal's may be a glob.
    """

    family: str
    name: str
    word: Word
    installs: bool


_CHANGES: dict[str, tuple[str, str, frozenset[str], frozenset[str]]] = {  # program: family, reader, adds, removes
    **{program: ("apt", "apt-get", _set("install reinstall"), _set("remove purge")) for program in APT},
    "apk": ("apk", "apk", _set("add"), _set("del")),
    **{program: ("rpm", "dnf", _set("install reinstall"), _set("remove")) for program in RPM},
    "zypper": ("zypper", "zypper", _set("install"), _set("remove")),
    "pip": ("pip", "pip", _set("install"), _set("uninstall")),
}
#: pip installs that land outside the environment, where ``pip uninstall`` does not look.
_PIP_ELSEWHERE = ("-t", "--target", "--prefix", "--root")


def package_changes(invocation: Optional[Invocation]) -> list[PackageChange]:
    """The packages a system package manager (apt-get/apt/aptitude, apk, yum/dnf/microdnf/tdnf,
    zypper) or pip installs or removes by name: ``apt-get install gcc``, ``apt-get purge gcc``,
    ``apk del gcc``, ``pip uninstall flask``.

    Names held in variables are left out (unknown), and so is what an install
    pulls in as dependencies, requirement files, local files, apk's
    ``--virtual`` group names and pip installs into another directory.
    """
    invocation = reread(invocation)
    if invocation is None or invocation.program not in _CHANGES:
        return []
    family, reader, adds, removes = _CHANGES[invocation.program]
    installs = invocation.subcommand in adds
    if not installs and invocation.subcommand not in removes:
        return []
    if family == "pip" and installs and invocation.has(*_PIP_ELSEWHERE):
        return []
    found = []
    for package in packages(_as(invocation, reader)):
        if package.word.has_expansion or package.name.startswith("@"):
            continue
        name = re.sub(r"[-_.]+", "-", package.name).lower() if family == "pip" else package.name
        found.append(PackageChange(family, name, package.word, installs))
    return found


def removes_packages(invocation: Optional[Invocation]) -> bool:
    """``invocation`` removes packages by name (``apt-get purge``, ``apk del``, ``pip uninstall``...):
    what :func:`package_changes` reads as removals, told without reading the packages."""
    if invocation is None or invocation.program not in _CHANGES:
        return False
    invocation = reread(invocation)
    assert invocation is not None
    return invocation.subcommand in _CHANGES[invocation.program][3]


def pin_problem(pin: Pin, exact: bool) -> Optional[str]:
    """What is wrong with ``pin`` (None when nothing): it names no version, a version that moves,
    or (with ``exact``) a range."""
    shown = f"`{pin.text}`"
    if pin.text != pin.word.value:
        shown += f" (from `{pin.word.value}`)"
    elif pin.kind == "range" and pin.version and pin.version not in pin.text:
        shown += f" (version `{pin.version}`)"
    if pin.kind == "none":
        return f"{shown} has no version"
    if pin.kind == "floating":
        return f"{shown} is not a version pin ({pin.note})"
    if pin.kind == "range" and exact:
        return f"{shown} is a range, not one version"
    return None
