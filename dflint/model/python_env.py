"""Which Python a RUN's pip installs into: the distribution's externally managed one, or a virtual environment.

Debian 12+, Ubuntu 23.04+, Alpine 3.19+ and Arch Linux (since python
3.11.3-2, June 2023) ship an ``EXTERNALLY-MANAGED`` file beside the system
Python's standard library (PEP 668): pip (and ``uv pip --system``) refuse to
install into it, unless told to break system packages. :func:`externally_managed`
and :func:`managed_release` read that from the name of the base image;
:func:`unmanages` finds a command that lifts the refusal for the commands
after it. A virtual environment is not externally managed: :func:`created_venv`
finds the commands making one, :func:`venv_first` a PATH putting one before
the system's directories, :func:`activated` a ``source .../activate`` earlier
in the RUN. :func:`variable` and :func:`raw_variable` read the variables a
command sees (its own assignments, ``export``, ARG/ENV).

Checked 2026-11 against pip 23.0.1 (Debian 12's) and uv 0.13.9 on Debian 12:
pip's install and uninstall refuse (``--user`` included; ``--dry-run`` unless
with ``--report``), ``--break-system-packages``, ``PIP_BREAK_SYSTEM_PACKAGES``
and ``--target``/``--prefix``/``--root`` (or ``PIP_TARGET``...) let them
through; uv's ``pip install --system`` (or ``UV_SYSTEM_PYTHON``) refuses,
``--break-system-packages``/``UV_BREAK_SYSTEM_PACKAGES`` or
``--target``/``--prefix`` let it through, ``PIP_BREAK_SYSTEM_PACKAGES`` does not.
"""

from __future__ import annotations

import bisect
import math
import posixpath
import re
from typing import TYPE_CHECKING, NamedTuple, Optional

from .. import ast
from .layers import Step, run_steps
from .paths import resolve

if TYPE_CHECKING:  # pragma: no cover
    from .image import ImageReference
    from .variables import Scope
    from ..analysis import Analysis

__all__ = ["TRUE", "SYSTEM_BINS", "OTHER_PYTHON", "NO_PYTHON", "Release", "externally_managed", "managed_release",
           "unmanages", "created_venv", "venv_first", "activated", "system_path", "variable", "raw_variable"]

#: pip's true values for PIP_* variables.
TRUE = ("1", "true", "yes", "on", "y", "t")
#: Directories of PATH from which the system's pip runs: a venv's bin/ listed after one of them comes too late.
SYSTEM_BINS = frozenset(("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"))
#: Words telling that the lineage has a Python other than the distribution's, or a pip of another origin.
OTHER_PYTHON = re.compile(r"conda|mamba|pyenv|deadsnakes|get-pip|altinstall|python-build|uv\s+python|asdf|"
                          r"\bmise\b|pixi|Python-\d|python\.org/ftp|pypy|update-alternatives|ensurepip|"
                          r"--from=\S*python", re.IGNORECASE)
#: PATH entries that hold no Python: put before the system's directories, pip is still the system's.
NO_PYTHON = re.compile(r".*/(?:\.local/bin|\.cargo/bin|go/bin|node_modules/\.bin)")
#: A directory named like a virtual environment (/opt/venv, /app/.venv, /virtualenv, /srv/app-venv).
_VENV_NAME = re.compile(r"(?:^|[-_.])(?:venv|virtualenv)$", re.IGNORECASE)
#: Official images whose Python, when one is installed, is the distribution's (apt's python3-pip, apk's
#: py3-pip). The python and pypy images build theirs in /usr/local (/opt/pypy): not externally managed.
_DISTROS = {"debian": "Debian", "ubuntu": "Ubuntu", "alpine": "Alpine"}
_DISTRO_PYTHON_IMAGES = frozenset(f"docker.io/library/{name}" for name in (
    *_DISTROS, "node", "ruby", "buildpack-deps"))
#: Releases whose Python is not externally managed yet (PEP 668 came with Debian 12, Ubuntu 23.04, Alpine 3.19).
_OLD_RELEASES = frozenset((
    "wheezy", "jessie", "stretch", "buster", "bullseye",
    "trusty", "xenial", "artful", "bionic", "cosmic", "disco", "eoan", "focal", "groovy", "hirsute", "impish",
    "jammy", "kinetic"))
#: Releases whose Python is externally managed, by code name, with the name of their distribution.
_MANAGED_RELEASES = {
    **{name: "Debian" for name in ("bookworm", "trixie", "forky", "duke", "sid")},
    **{name: "Ubuntu" for name in ("lunar", "mantic", "noble", "oracular", "plucky", "questing", "resolute")}}
#: Tags of the distributions' own images that name no release but follow current ones (Debian's
#: oldstable is bookworm since August 2025; oldoldstable, bullseye, is not externally managed).
_FLOATING = {"debian": frozenset(("latest", "stable", "oldstable", "testing", "unstable")),
             "ubuntu": frozenset(("latest", "rolling", "devel")),
             "alpine": frozenset(("latest", "edge", "3"))}
_ALPINE_RELEASE = re.compile(r"(?:alpine)?3\.(\d+)(?:\.\d+)?")
_NUMBERED_RELEASE = re.compile(r"(\d+)(?:\.(\d+))?(?:\.\d+)?")
_ARCH = "docker.io/library/archlinux"
_ARCH_FLOATING = frozenset(("latest", "base", "base-devel", "multilib-devel"))


class Release(NamedTuple):
    """A base image whose Python is externally managed: the distribution (``Debian``), the release its
    tag names (``12``, ``bookworm``, ``3.20``), or None when the tag names none and follows the current
    release (no tag, ``latest``, ``stable``)."""

    distribution: str
    release: Optional[str]


def _tokens(reference: "ImageReference") -> list[str]:
    tag = (reference.tag or "").lower() if reference.tag_known else ""
    return re.split(r"[-_]", tag)


def externally_managed(reference: Optional["ImageReference"]) -> bool:
    """``reference`` is an official image whose Python, once installed, is the distribution's and
    externally managed (PEP 668: Debian 12+, Ubuntu 23.04+, Alpine 3.19+), as far as its tag tells: a
    tag naming an older release is not, nor is any other image; no tag, latest, or a tag naming no
    release (node:20) is a current release. Lenient: for callers that stay silent where pip refuses;
    :func:`managed_release` is the strict reading, for telling that it does."""
    if reference is None or f"{reference.registry}/{reference.repository}" not in _DISTRO_PYTHON_IMAGES:
        return False
    name = reference.repository[len("library/"):]
    for position, token in enumerate(_tokens(reference)):
        if token in _OLD_RELEASES:
            return False
        alpine = _ALPINE_RELEASE.fullmatch(token)
        if alpine is not None and (name == "alpine" or token.startswith("alpine")):
            return int(alpine.group(1)) >= 19
        number = _NUMBERED_RELEASE.fullmatch(token)
        if number is not None and position == 0 and name == "debian":
            return int(number.group(1)) >= 12
        if number is not None and position == 0 and name == "ubuntu" and number.group(2) is not None:
            return (int(number.group(1)), int(number.group(2))) >= (23, 4)
    return True


def managed_release(reference: Optional["ImageReference"]) -> Optional[Release]:
    """The distribution and release of ``reference`` when its Python is certainly externally managed:
    ``debian``, ``ubuntu`` and ``alpine`` tagged with a release that is (``12``, ``bookworm-slim``,
    ``24.04``, ``noble``, ``3.20``) or with none that follows the current ones (no tag, ``latest``,
    ``stable``, ``edge``); the images built on them (``node``, ``ruby``, ``buildpack-deps``) only when
    the tag names such a release (``node:22-bookworm``, ``ruby:3.3-alpine3.20``), as an old version's
    tag (``node:16``) may still point at an older release; ``archlinux`` untagged, ``latest`` or
    ``base`` (a dated tag may be older than June 2023). None for anything else."""
    if reference is None:
        return None
    image = f"{reference.registry}/{reference.repository}"
    tokens = _tokens(reference)
    tag = "-".join(tokens)
    if image == _ARCH:
        return Release("Arch Linux", None) if tag in ("", *_ARCH_FLOATING) else None
    if image not in _DISTRO_PYTHON_IMAGES:
        return None
    name = reference.repository[len("library/"):]
    distribution = _DISTROS.get(name)
    if distribution is not None and (tag == "" or tokens[0] in _FLOATING[name] and tokens[1:] in ([], ["slim"])):
        return Release(distribution, None)  # ubuntu, debian:stable-slim, alpine:edge
    found: Optional[Release] = None
    for position, token in enumerate(tokens):
        release = _named_release(name, position, token)
        if release is False:
            return None
        found = found or release or None
    return found


def _named_release(name: str, position: int, token: str) -> "Release | bool | None":
    """The release a word of the tag of image ``name`` names: a :class:`Release` when it is externally
    managed, False when it is older, None when the word names none."""
    distribution = _DISTROS.get(name)
    if token in _OLD_RELEASES:
        return False
    if token in _MANAGED_RELEASES:
        return Release(_MANAGED_RELEASES[token], token) \
            if distribution is None or _MANAGED_RELEASES[token] == distribution else None
    alpine = _ALPINE_RELEASE.fullmatch(token)
    if alpine is not None and (name == "alpine" or token.startswith("alpine")):
        return Release("Alpine", token.removeprefix("alpine")) if int(alpine.group(1)) >= 19 else False
    number = _NUMBERED_RELEASE.fullmatch(token)
    if number is None or position != 0:
        return None
    if name == "debian":
        return Release("Debian", token) if int(number.group(1)) >= 12 else False
    if name == "ubuntu" and number.group(2) is not None:
        return Release("Ubuntu", token) if (int(number.group(1)), int(number.group(2))) >= (23, 4) else False
    return None


def unmanages(step: Step) -> bool:
    """``step`` removes the EXTERNALLY-MANAGED marker, or configures pip to break system packages for
    the later installs (``pip config set global.break-system-packages true``, a pip.conf written by
    ``echo``...): not an install's own ``--break-system-packages``."""
    words = [word.value for word in step.command.argv]
    if any("EXTERNALLY-MANAGED" in word for word in words):
        return True
    invocation = step.invocation
    if invocation is not None and invocation.program == "pip" and invocation.subcommand != "config":
        return False
    return any("break-system-packages" in word.lower() or "break_system_packages" in word.lower()
               for word in words)


def created_venv(analysis: "Analysis", node: ast.Instruction, step: Step) -> Optional[tuple[str, bool]]:
    """The virtual environment ``step`` creates (``python -m venv DIR``, ``virtualenv DIR``, ``uv venv
    --seed [DIR]``) and whether its pip refuses --user: it has a pip (no --without-pip, uv's only with
    --seed) and does not see the system's site-packages (no --system-site-packages)."""
    invocation = step.invocation
    if invocation is None or invocation.program not in ("virtualenv", "uv") \
            and not re.fullmatch(r"python[\d.]*", invocation.program):
        return None
    words = [word.value for word in step.command.argv]
    words = words[next((i for i, w in enumerate(words) if posixpath.basename(w) == invocation.program), 0):]
    words = [analysis.model.expand(node, word).value for word in words]
    if invocation.program == "virtualenv":
        rest = words[1:]
    elif invocation.program == "uv":
        if words[1:2] != ["venv"]:
            return None
        rest = words[2:]
        if not any(not w.startswith("-") for w in rest):
            rest = [*rest, ".venv"]
        if "--seed" not in rest:
            rest = [*rest, "--without-pip"]  # no pip in it without --seed: `pip` is another one
    elif words[1:3] in (["-m", "venv"], ["-m", "virtualenv"]):
        rest = words[3:]
    else:
        return None
    operands = [w for w in rest if not w.startswith("-")]
    path = resolve(operands[-1], step.cwd, home=False) if operands else None
    if path is None or "$" in path:
        return None
    return path.rstrip("/") or "/", not any(w in ("--system-site-packages", "--without-pip", "--no-pip")
                                            for w in rest)


def venv_first(analysis: "Analysis", node: ast.Instruction, step: Step, venvs: dict[str, bool],
               scope: Optional["Scope"] = None) -> bool:
    """PATH puts a virtual environment's bin/ before the system's directories, so ``pip`` is the
    environment's, which refuses --user (unless made with --system-site-packages). A directory counts as
    one when a RUN before created it (``venvs``: its directory -> whether its pip refuses --user), when
    VIRTUAL_ENV names it, or when it is named like one (/opt/venv)."""
    value = raw_variable(analysis, node, step, "PATH", scope)
    if not value:
        return False
    virtual_env = variable(analysis, node, step, "VIRTUAL_ENV", scope)
    virtual_env = posixpath.normpath(virtual_env) if virtual_env and virtual_env.startswith("/") else None
    for entry in value.split(":"):
        if "$" in entry:
            return False  # the PATH it extends: the system's directories
        if not entry.startswith("/"):
            continue
        entry = posixpath.normpath(entry)
        if entry in SYSTEM_BINS:
            return False
        if posixpath.basename(entry) != "bin":
            continue
        directory = posixpath.dirname(entry)
        if directory in venvs:
            return venvs[directory]
        if directory == virtual_env or _VENV_NAME.search(posixpath.basename(directory)):
            return True
    return False


def activated(analysis: "Analysis", node: ast.Instruction, step: Step) -> bool:
    """A command before ``step`` in its RUN sources a file (``. /opt/venv/bin/activate``, ``source
    ~/.bashrc``), which may activate a virtual environment."""
    return _first_source(analysis, node) < step.index


def _first_source(analysis: "Analysis", node: ast.Instruction) -> float:
    """The index of the first step of ``node`` that sources a file (infinity: none), found once per
    RUN, so that asking for each of its steps stays linear."""
    memo = analysis.memo("python_env: first source")
    first = memo.get(node)
    if first is None:
        first = memo[node] = next((step.index for step in run_steps(analysis, node)
                                   if step.invocation is not None and step.invocation.program in (".", "source")),
                                  math.inf)
    return first


def _shell_settings(analysis: "Analysis", node: ast.Instruction) -> dict[str, tuple[list[int], list[str]]]:
    """The variables the steps of ``node`` set for the steps after them, found once per RUN: for each
    name, the indices of the steps setting it (``export NAME=...``, or a bare ``NAME=...`` command)
    in order and the values they give, unexpanded."""
    memo = analysis.memo("python_env: shell settings")
    found = memo.get(node)
    if found is not None:
        return found
    found = {}
    for step in run_steps(analysis, node):
        argv = step.command.argv
        if argv:
            if argv[0].value != "export":
                continue
            settings = [word.value.partition("=") for word in argv[1:]]
            settings = [(name, value) for name, equals, value in settings if equals]
        else:
            settings = [(assignment.name, assignment.value.value) for assignment in step.command.assignments]
        for name, value in settings:
            indices, values = found.setdefault(name, ([], []))
            if indices and indices[-1] == step.index:
                values[-1] = value  # `export A=1 A=2`: the last one counts
            else:
                indices.append(step.index)
                values.append(value)
    memo[node] = found
    return found


def _scope(analysis: "Analysis", node: ast.Instruction, scope: Optional["Scope"]) -> "Scope":
    return scope if scope is not None else analysis.model.scope_at(node)


def raw_variable(analysis: "Analysis", node: ast.Instruction, step: Step, name: str,
                 scope: Optional["Scope"] = None) -> Optional[str]:
    """The value of ``name`` for ``step`` as far as it is known, what is not known left as ``${NAME}``.
    ``scope`` is the ARG/ENV scope the RUN sees, when not the one at ``node`` (an ONBUILD trigger's)."""
    scope = _scope(analysis, node, scope)
    escape = analysis.model.escape
    for assignment in reversed(step.command.assignments):
        if assignment.name == name:
            return scope.expand(assignment.value.value, escape).value
    settings = _shell_settings(analysis, node).get(name)  # `export PATH=/venv/bin:$PATH`, `PATH=...; pip`
    if settings is not None:
        last = bisect.bisect_left(settings[0], step.index) - 1
        if last >= 0:
            return scope.expand(settings[1][last], escape).value
    if name in step.exported:
        return step.exported[name]
    known = scope.get(name)
    if known is None or known.value is None:
        return None
    return scope.expand(f"${{{name}}}", escape).value


def system_path(analysis: "Analysis", node: ast.Instruction, step: Step, scope: Optional["Scope"] = None) -> bool:
    """PATH finds pip and python3 in the system's directories: no directory that may hold another
    (a virtual environment's bin/, conda's, a relative one) comes before them."""
    value = raw_variable(analysis, node, step, "PATH", scope)
    for entry in (value or "").split(":"):
        if "$" in entry or entry.rstrip("/") in SYSTEM_BINS:
            return True
        if entry and not NO_PYTHON.fullmatch(entry.rstrip("/")):
            return False
    return True


def variable(analysis: "Analysis", node: ast.Instruction, step: Step, name: str,
             scope: Optional["Scope"] = None) -> Optional[str]:
    """The value of ``name`` for ``step`` (its own assignments, ``export`` earlier, ARG/ENV), ``""`` when
    set to something unknown, None when not set. ``scope`` as for :func:`raw_variable`."""
    scope = _scope(analysis, node, scope)
    escape = analysis.model.escape
    for assignment in step.command.assignments:
        if assignment.name == name:
            if assignment.value.literal:
                return assignment.value.value
            expansion = scope.expand(assignment.value.value, escape)  # `NAME=$ARG cmd`: the ARG is in the env
            return expansion.value if expansion.resolved and "$(" not in assignment.value.value else ""
    if name in step.exported:
        return step.exported[name] or ""
    known = scope.get(name)
    if known is None or known.value is None:
        return None
    expansion = scope.expand(f"${{{name}}}", escape)
    return expansion.value if expansion.resolved else ""
