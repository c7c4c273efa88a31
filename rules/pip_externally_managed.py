"""DF215 pip-externally-managed: pip installs into the distribution's externally managed Python (PEP 668)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.distro import root_reference
from dflint.model.layers import Step, program_text, run_steps, under_new_root
from dflint.model.python_env import (NO_PYTHON, OTHER_PYTHON, SYSTEM_BINS, Release, activated,
                                     managed_release, system_path, unmanages, variable)
from dflint.model.variables import Scope
from dflint.rule import Finding, Rule, RuleContext


class PipExternallyManaged(Rule):
    r"""pip installs into the distribution's Python, which is externally managed: pip refuses, the build fails.

    ## What it does
    Reports a `pip install` or `pip uninstall` (also `pip3`, `python3 -m
    pip`, `--user` installs included) in a RUN (heredoc scripts, exec-form
    RUNs and `ONBUILD RUN` included) that runs the distribution's pip, in
    a stage whose lineage starts from an image whose Python is externally
    managed (PEP 668): `debian` 12 and later (`bookworm`, `trixie`, `sid`),
    `ubuntu` 23.04 and later (`noble`, `24.04`), `alpine` 3.19 and later
    (`edge`), and `archlinux` (its python package marks it since June
    2023). It also reports `uv pip install --system` (or with
    `UV_SYSTEM_PYTHON` set), and `uv pip uninstall --system`, which refuse
    the same Python. A tag naming no release (`ubuntu`, `debian:latest`,
    `debian:stable-slim`, `alpine:3`) follows the current releases, which
    all are; the message says the tag floats.

    The pip must be the distribution's: the lineage installs it
    (`apt-get install python3-pip`, `apk add py3-pip`, `pacman -S
    python-pip`; for uv, the distribution's `python3`), the command calls
    it as `pip`, `pip3`, `python3 -m pip` or by its path in `/usr/bin`,
    and nothing puts another directory before the system's on PATH.
    A stage built FROM a stage of the file first runs that stage's ONBUILD
    triggers, in order, as BuildKit does: what they install, set, copy,
    remove or activate counts there (an `ONBUILD RUN apt-get install -y
    python3-pip`, an `ONBUILD ENV PIP_BREAK_SYSTEM_PACKAGES=1`, an `ONBUILD
    ENV PATH=/opt/venv/bin:$PATH`); the triggers before an ONBUILD RUN count
    for it too.

    Not reported, as pip installs or the Dockerfile does not show which
    Python runs: a stage of the `python` or `pypy` images (their Python is
    built in `/usr/local`, not externally managed), or of any other image;
    `debian` 11 and older, `ubuntu` 22.04 and older, `alpine` 3.18 and
    older; `node`, `ruby` and `buildpack-deps` tags that name no
    distribution release (`node:20`, as an old version's tag may name an
    older one); Fedora and openSUSE images (not confirmed to mark their
    Python) and `archlinux`'s dated tags; a virtual environment, made and
    activated in the RUN (`. /opt/venv/bin/activate`), its pip called by
    path (`/opt/venv/bin/pip`), or a PATH that puts any directory before the
    system's (`ENV PATH=/opt/venv/bin:$PATH`); `--break-system-packages`,
    `PIP_BREAK_SYSTEM_PACKAGES` (`UV_BREAK_SYSTEM_PACKAGES` for uv), a
    `pip config` or pip.conf setting it, a removed `EXTERNALLY-MANAGED`
    file or `PIP_CONFIG_FILE` set; `--target`, `--prefix`, `--root` (or
    `PIP_TARGET`...) and `--dry-run` with `--report`, which pip does not
    check; `pip3.12`, `python3.12 -m pip` or `python -m pip` (which may be
    another Python, or none), `/usr/local/bin/pip`, and any
    lineage that installs another Python (conda, mamba, pyenv, deadsnakes,
    a build from source, `uv python`, `get-pip.py`); a command whose
    failure is handled (`pip install x || ...`, `if pip install ...`);
    `uv pip install` without `--system`, which fails for want of a virtual
    environment; `pipx`, which makes its own environments; `pip install
    --help` (or `-h`), which prints its help and installs nothing; Windows
    stages.
    No hadolint rule corresponds.

    ## Why is this bad?
    Debian, Ubuntu, Alpine and Arch put an `EXTERNALLY-MANAGED` file beside
    their Python's standard library, so that pip does not overwrite files
    the package manager owns. pip (from 23.0, as these distributions ship
    it) then refuses every install and uninstall into that Python, `--user`
    ones too, with "error: externally-managed-environment", and the RUN
    fails: a Dockerfile that built on `debian:11` or `ubuntu:22.04` stops
    building when its base moves on.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends python3-pip && rm -rf /var/lib/apt/lists/*
    RUN pip3 install flask
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends python3-venv && rm -rf /var/lib/apt/lists/*
    RUN python3 -m venv /opt/venv
    ENV PATH=/opt/venv/bin:$PATH
    RUN pip install flask
    ```

    On Debian and Ubuntu, `python3 -m venv` needs `python3-venv` (their
    python3 has no `ensurepip` without it, and `python3-pip` does not bring
    it): the message says so unless the lineage installs it.

    The distribution's package (`apt-get install python3-flask`) is another
    way, where it has the package; `--break-system-packages` the last, as
    pip may then replace files of the distribution's packages.

    ## Fix safety
    This rule has no fix: a virtual environment, the distribution's
    packages or `--break-system-packages` is a design choice, which also
    changes the later RUNs and the image's PATH.
    """

    code = "DF215"
    name = "pip-externally-managed"
    summary = "pip installs into the distribution's externally managed Python (PEP 668)"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "pip" not in ctx.file.text or _PIP_WORD.search(ctx.file.text) is None:
            return  # no pip, python3 -m pip nor uv pip (most files; `pipefail` is not one)
        model = ctx.model
        # Only a stage on such a base reports (its descendants share its base), only at a pip install or
        # uninstall: a stage's state is built only when it, or a stage built FROM it, has one, and no
        # further than its last one when none of those stages does.
        bases: dict[int, Optional[Release]] = {}
        pips: dict[int, int] = {}
        for stage in model.stages:
            base = None if model.is_windows(stage) else managed_release(root_reference(model, stage))
            bases[stage.index] = base
            pips[stage.index] = 0 if base is None else sum(
                _candidate(step) for node in stage.instructions
                if isinstance(node.effective, ast.RunInstruction) for step in run_steps(ctx.analysis, node))
        if not any(pips.values()):
            return
        inherited: set[int] = set()  # the stages a stage built FROM them has a pip in
        for stage in reversed(model.stages):
            if stage.parent is not None and (pips[stage.index] or stage.index in inherited):
                inherited.add(stage.parent)
        ends: dict[int, _State] = {}
        for stage in model.stages:
            base = bases[stage.index]
            left = pips[stage.index]
            if base is None or not left and stage.index not in inherited:
                continue
            keep = stage.index in inherited
            parent = ends.get(stage.parent) if stage.parent is not None else None
            state = parent.copy() if parent is not None else _State()
            reference = root_reference(model, stage)
            for node in stage.instructions:
                if isinstance(node, ast.OnbuildInstruction):
                    continue
                if not left and not keep:
                    break
                state.read(ctx, node)
                if isinstance(node, ast.RunInstruction):
                    for step in run_steps(ctx.analysis, node):
                        if not left and not keep:
                            break
                        left -= _candidate(step)
                        uv = state.step(ctx, node, step, True, None)
                        if uv is not None:
                            yield ctx.finding(step.command, _message(step, reference, base, uv, state.venv_module))
            if not left and not keep:
                continue
            # The triggers run, in order, first in a stage built FROM this one (BuildKit): on all of this
            # stage, and what they do is in that stage's image.
            final = model.final_scope(stage)
            for node in stage.instructions:
                if not isinstance(node, ast.OnbuildInstruction) or node.effective is None:
                    continue
                if not left and not keep:
                    break
                state.read(ctx, node)
                if isinstance(node.effective, ast.RunInstruction):
                    for step in run_steps(ctx.analysis, node):
                        if not left and not keep:
                            break
                        left -= _candidate(step)
                        uv = state.step(ctx, node, step, True, final)
                        if uv is not None:
                            yield ctx.finding(step.command, _message(step, reference, base, uv, state.venv_module))
            if keep:
                ends[stage.index] = state


def _candidate(step: Step) -> bool:
    """``step`` is a pip (or uv pip) install or uninstall: the only commands reported."""
    invocation = step.invocation
    return invocation is not None and invocation.program == "pip" and invocation.subcommand in ("install", "uninstall")


_PIP_WORD = re.compile(r"\bpip[\d.]*\b")
_CONFIG_FILES = re.compile(r"pip\.conf|pip\.ini|PIP_CONFIG_FILE|uv\.toml|UV_CONFIG_FILE|EXTERNALLY-MANAGED",
                           re.IGNORECASE)
_CONFIG = re.compile(f"{_CONFIG_FILES.pattern}|break.system.packages", re.IGNORECASE)
_UV = re.compile(r"\buv\b|astral")
#: How the distribution's pip and python3 are called.
_PIPS = frozenset(("pip", "pip3", "/usr/bin/pip", "/usr/bin/pip3"))
_PYTHONS = frozenset(("python3", "/usr/bin/python3"))
#: pip options under which it does not check (optparse takes any unambiguous prefix of a long option).
_PIP_UNCHECKED = ("--break-system-packages", "--target", "--prefix", "--root", "--python")
_FALSE = ("0", "false", "no", "off", "n", "f")
#: Variables under which pip (uv) installs where it does not check, or into another Python.
_PIP_BYPASS = ("PIP_BREAK_SYSTEM_PACKAGES", "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_CONFIG_FILE", "PIP_PYTHON")
_UV_BYPASS = ("UV_BREAK_SYSTEM_PACKAGES", "UV_PYTHON", "UV_CONFIG_FILE", "VIRTUAL_ENV")
_SIMPLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass
class _State:
    """What the lineage did so far: whether the marker still holds, the distribution's pip or Python is
    installed, another Python (or uv) is there, python3-venv is installed."""

    managed: bool = True
    pip: bool = False
    python: bool = False
    other: bool = False
    uv: bool = False
    venv_module: bool = False
    #: Variables that an ONBUILD ENV or ARG of a parent stage set (the model's scopes do not have them):
    #: those that bypass the refusal, and PATH when it puts another directory before the system's.
    preset: frozenset[str] = frozenset()

    def copy(self) -> "_State":
        return replace(self)

    def read(self, ctx: RuleContext, node: ast.Instruction) -> None:
        """What an instruction tells before its commands run: a pip.conf copied or written, a SHELL
        activating a virtual environment, another Python copied in, uv copied in or installed."""
        text = ctx.file.text[node.span.start.offset:node.span.end.offset]
        effective = node.effective
        run = isinstance(effective, ast.RunInstruction)
        if (_CONFIG_FILES if run else _CONFIG).search(text) \
                or isinstance(effective, ast.ShellInstruction) and "activate" in text:
            self.managed = False  # a RUN writing pip.conf (`cat > /etc/pip.conf <<EOF`): from its start
        if not run and (OTHER_PYTHON.search(text) if not isinstance(effective, ast.EnvInstruction)
                        else re.search(r"conda|pyenv|mamba", text, re.IGNORECASE)):
            self.other = True
        if not run and _UV.search(text):
            self.uv = True
        if node is not effective and isinstance(effective, (ast.EnvInstruction, ast.ArgInstruction)):
            self.preset = self.preset | {pair.key.value for pair in effective.pairs if _presets(pair)}

    def step(self, ctx: RuleContext, node: ast.Instruction, step: Step, managed: bool,
             scope: Optional[Scope]) -> Optional[bool]:
        """Whether ``step`` is a uv command, when it is a pip command that the distribution's externally
        managed Python (``managed``: the stage's base has one) refuses; None when it is not one. The
        state takes in what ``step`` does."""
        invocation = step.invocation
        words = " ".join(word.value for word in step.command.argv)
        if unmanages(step):
            self.managed = False
        if OTHER_PYTHON.search(words) or invocation is not None and invocation.program == "ln" and "python" in words:
            self.other = True
        uv_before = self.uv
        if _UV.search(words):
            self.uv = True
        for change in step.changed_packages:
            if change.installs and change.family in ("apt", "apk"):
                self.pip = self.pip or change.name in ("python3-pip", "py3-pip")
                self.python = self.python or change.name.startswith(("python3", "py3-"))
                self.venv_module = self.venv_module or re.fullmatch(r"python3(?:\.\d+)?-venv", change.name) is not None
        if invocation is not None and invocation.program == "pacman" and invocation.subcommand == "-S":
            names = {word.value for word in invocation.operands}
            self.pip = self.pip or "python-pip" in names
            self.python = self.python or any(name.startswith("python") for name in names)
        if not managed or not self.managed or self.other or invocation is None \
                or invocation.program != "pip" or invocation.subcommand not in ("install", "uninstall") \
                or _asks_help(invocation) \
                or under_new_root(step) or "condition" in step.contexts or step.command.next_operator == "||":
            return None
        uv = invocation.via[-1:] == ("uv",)
        if not (self._uv_refuses(ctx, node, step, scope, uv_before) if uv
                else self._pip_refuses(ctx, node, step, scope)):
            return None
        if "PATH" in self.preset or activated(ctx.analysis, node, step) \
                or not system_path(ctx.analysis, node, step, scope):
            return None
        return uv

    def _pip_refuses(self, ctx: RuleContext, node: ast.Instruction, step: Step, scope: Optional[Scope]) -> bool:
        invocation = step.invocation
        via = invocation.via
        if not self.pip or (via[-2] not in _PYTHONS if via[-1:] == ("-m",) else program_text(invocation) not in _PIPS):
            return False
        for option in invocation.options:
            name = option.name
            if name == "-t" or len(name) >= 4 and name != "--pre" and any(full.startswith(name)
                                                                         for full in _PIP_UNCHECKED):
                return False
        if invocation.has("--dry-run") and invocation.has("--report"):
            return False
        return not self._bypassed(ctx, node, step, scope, _PIP_BYPASS)

    def _uv_refuses(self, ctx: RuleContext, node: ast.Instruction, step: Step, scope: Optional[Scope],
                    uv: bool) -> bool:
        invocation = step.invocation
        if not self.python or not uv or invocation.has(
                "--break-system-packages", "--target", "-t", "--prefix", "--python", "-p", "--user"):
            return False
        system = (variable(ctx.analysis, node, step, "UV_SYSTEM_PYTHON", scope) or "").lower()
        if not invocation.has("--system") and system not in ("1", "true", "yes", "on"):
            return False
        return not self._bypassed(ctx, node, step, scope, _UV_BYPASS)

    def _bypassed(self, ctx: RuleContext, node: ast.Instruction, step: Step, scope: Optional[Scope],
                  names) -> bool:
        """One of the variables ``names`` (a bypass of the check) is set, by a base stage's trigger
        (``preset``) or for this step, to anything but a false value."""
        for name in names:
            if name in self.preset:
                return True
            value = variable(ctx.analysis, node, step, name, scope)
            if value is not None and value.lower() not in _FALSE:
                return True
        return False


def _asks_help(invocation) -> bool:
    """The command prints its help and exits 0: ``-h`` or ``--help`` (pip takes a prefix, ``--hel``)."""
    return any(option.name == "-h" or option.name.startswith("--he") and "--help".startswith(option.name)
               for option in invocation.options)


def _presets(pair: ast.KeyValue) -> bool:
    """An ONBUILD ENV or ARG ``pair`` (its value is the downstream build's: not expanded) sets a variable
    that bypasses the refusal, or a PATH that may put another Python's directory before the system's."""
    name = pair.key.value
    value = pair.value.value.strip("\"'") if pair.value is not None else None
    if name == "PATH":
        for entry in (value or "").split(":"):
            entry = entry.rstrip("/")
            if entry in ("$PATH", "${PATH}") or entry in SYSTEM_BINS:
                return False
            if entry and not NO_PYTHON.fullmatch(entry):
                return True
        return False
    return name in (*_PIP_BYPASS, *_UV_BYPASS) and value is not None and value.lower() not in _FALSE


def _message(step: Step, reference, release: Release, uv: bool, venv_module: bool) -> str:
    """The message; ``venv_module``: the lineage installed Debian's or Ubuntu's python3-venv, without
    which their python3 has no ensurepip, and `python3 -m venv` fails."""
    invocation = step.invocation
    image = reference.repository.removeprefix("library/") + (f":{reference.tag}" if reference.tag else "")
    if release.release is None:
        base = f"`{image}` (the current {release.distribution} release: the tag names none and floats),"
    else:
        base = f"`{image}` ({release.distribution} {release.release}),"
    verb = invocation.subcommand
    shown = f"uv pip {verb} --system" if uv and invocation.has("--system") else f"{program_text(invocation)} {verb}"
    names = [word.value for word in invocation.operands]
    name = names[0].lower() if len(names) == 1 and _SIMPLE_NAME.fullmatch(names[0]) else "<name>"
    prefix = {"Alpine": "py3-", "Arch Linux": "python-"}.get(release.distribution, "python3-")
    manager = {"Alpine": ("apk add", "apk del"), "Arch Linux": ("pacman -S", "pacman -R")}.get(
        release.distribution, ("apt-get install", "apt-get purge"))
    refusal = (f"{'uv' if uv else 'pip'} refuses to {verb} {'into' if verb == 'install' else 'from'} it "
               f"(error: externally-managed-environment) and the command fails")
    if verb == "uninstall":
        return (f"`{shown}` runs in the Python of {base} which is externally managed (PEP 668): {refusal}; "
                f"remove the distribution's package (`{manager[1]} {prefix}{name}`), or, last, add "
                f"`--break-system-packages`")
    needs = "" if venv_module or prefix != "python3-" else "`apt-get install python3-venv`, then "
    venv = ("a virtual environment (`RUN uv venv /opt/venv` and `ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH` "
            "before it, without --system)" if uv else
            f"a virtual environment ({needs}`RUN python3 -m venv /opt/venv` and `ENV PATH=/opt/venv/bin:$PATH` before it)")
    return (f"`{shown}` runs in the Python of {base} which is externally managed (PEP 668): {refusal}; install "
            f"into {venv}, or install the distribution's package (`{manager[0]} {prefix}{name}`), or, last, add "
            f"`--break-system-packages`")
