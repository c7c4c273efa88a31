"""DF217 venv-without-ensurepip: `python3 -m venv` on Debian or Ubuntu without python3-venv, which has ensurepip."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.distro import root_reference
from dflint.model.layers import Step, program_text, run_steps
from dflint.model.python_env import OTHER_PYTHON, SYSTEM_BINS, Release, created_venv, system_path
from dflint.rule import Finding, Rule, RuleContext

if TYPE_CHECKING:  # pragma: no cover
    from dflint.model.image import ImageReference


#: `-m venv` as a shell or exec-form RUN writes it, for the quick test of a file.
_VENV_MODULE = re.compile(r"-m[\"',\s]*venv\b")

class VenvWithoutEnsurepip(Rule):
    r"""`python3 -m venv` on Debian or Ubuntu without `python3-venv`: ensurepip is missing, the command fails.

    ## What it does
    Reports `python3 -m venv DIR` in a RUN (heredoc scripts, exec-form
    RUNs, the script of an `sh -c`, `ONBUILD RUN` included) in a stage
    whose lineage starts from an official `debian` or `ubuntu` image, when
    the lineage installed the distribution's Python with apt (`python3`,
    `python3-pip`, `python3-dev`, any `python3-*` or `python3.X` package)
    and no earlier step, nor an earlier command of the same RUN, installed
    `python3-venv`, `python3.X-venv`, `python3-full` or a package that
    depends on one (`pipx`, `thonny`, `dh-virtualenv`).
    `/usr/bin/python3` counts too; `python3.X -m venv` only when the tag
    names a release whose python3 is that version (`python3.11` on
    `debian:12`); `python -m venv` only after `python-is-python3` was
    installed. A stage built FROM a stage of the file first runs that
    stage's ONBUILD triggers, in order, as BuildKit does: what they install
    counts there.

    The releases are Debian 9 (stretch) and later, and Ubuntu 18.04
    (bionic) and later, by number or code name, with any suffix
    (`bookworm-slim`, `noble-20240605`), and the tags that follow the
    current releases (no tag, `latest`, `stable`, `testing`, `sid`,
    `rolling`, `devel`); an ARG default of the tag counts.

    Not reported, as the environment gets a pip or the Dockerfile does not
    show which Python runs: `--without-pip` (venv then skips ensurepip),
    `virtualenv` (which brings its own pip, setuptools and wheel), `uv
    venv`, `python3 -m venv --help`; the `python` and `pypy` images and
    any image other than `debian` and `ubuntu` (Alpine's python3, for one,
    ships ensurepip); Debian 8 and older, Ubuntu 17.10 and older (not
    confirmed here); a lineage that installs no Python with apt, or
    another Python (conda, mamba, pyenv, deadsnakes, a build from source,
    `uv python`, `update-alternatives`, anything mentioning `ensurepip`),
    or that installs packages this rule cannot read (a variable that is
    not known, a `.deb` file, `dpkg -i`, a list from a file), or runs a
    script (`./install.sh`, `bash setup.sh`, `curl ... | sh`), which may
    install python3-venv; a PATH that puts any directory before the
    system's (it may hold another python3); `python3.X` for a version
    that is not the release's own, or on a tag that names no release;
    `python -m venv` without `python-is-python3`; a command whose failure
    is handled or that may not run (`|| ...`, after `||`, `if`, `case`, a
    function); Windows stages.
    No hadolint rule corresponds.

    ## Why is this bad?
    Debian and Ubuntu take `ensurepip` out of their python3 and ship it in
    `python3.X-venv` (pulled in by `python3-venv`); `python3-pip` neither
    depends on nor recommends it. `python3 -m venv DIR` runs ensurepip to
    put pip into the new environment, so without that package it stops
    with "The virtual environment was not created successfully because
    ensurepip is not available" (older releases: "Error: Command
    [...'ensurepip'...] returned non-zero exit status 1") and exits 1,
    leaving an environment without pip and without `activate` scripts:
    the RUN fails, or a later step that uses the environment's pip does.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip && rm -rf /var/lib/apt/lists/*
    RUN python3 -m venv /opt/venv
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv && rm -rf /var/lib/apt/lists/*
    RUN python3 -m venv /opt/venv
    ```

    ## Fix safety
    This rule has no fix: the package has to be installed where the
    Dockerfile runs apt-get, after its `apt-get update` and before its
    lists are removed, which may be another RUN or another stage; and
    whether `python3-venv`, `python3-full` or `--without-pip` is wanted is
    the author's choice.
    """

    code = "DF217"
    name = "venv-without-ensurepip"
    summary = "`python3 -m venv` on Debian or Ubuntu without python3-venv: ensurepip is missing"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "venv" not in ctx.file.text or _VENV_MODULE.search(ctx.file.text) is None:
            return  # no `-m venv` (also `"-m", "venv"` in exec form): most files
        model = ctx.model
        ends: dict[int, _State] = {}
        for stage in model.stages:
            parent = ends.get(stage.parent) if stage.parent is not None else None
            state = parent.copy() if parent is not None else _State()
            reference = root_reference(model, stage)
            base = None if model.is_windows(stage) else _venv_split(reference)
            for triggers in (False, True):
                # The triggers run, in order, first in a stage built FROM this one (BuildKit): on all of
                # this stage, and what they do is in that stage's image.
                if triggers:
                    state = state.copy()
                for node in stage.instructions:
                    if isinstance(node, ast.OnbuildInstruction) is not triggers or node.effective is None:
                        continue
                    state.read(ctx, node)
                    if not isinstance(node.effective, ast.RunInstruction):
                        continue
                    for step in run_steps(ctx.analysis, node):
                        shown = state.step(ctx, node, step, base)
                        if shown is not None:
                            yield ctx.finding(step.command, _message(shown, reference, base))
            ends[stage.index] = state


#: Debian's and Ubuntu's releases that ship ensurepip apart, by number and code name: the version of
#: their python3 (Debian 9+, Ubuntu 18.04+, confirmed; older ones are not reported).
_DEBIAN = {"stretch": ("9", "3.5"), "buster": ("10", "3.7"), "bullseye": ("11", "3.9"),
           "bookworm": ("12", "3.11"), "trixie": ("13", "3.13")}
_UBUNTU = {"bionic": ("18.04", "3.6"), "cosmic": ("18.10", "3.6"), "disco": ("19.04", "3.7"),
           "eoan": ("19.10", "3.7"), "focal": ("20.04", "3.8"), "groovy": ("20.10", "3.8"),
           "hirsute": ("21.04", "3.9"), "impish": ("21.10", "3.9"), "jammy": ("22.04", "3.10"),
           "kinetic": ("22.10", "3.10"), "lunar": ("23.04", "3.11"), "mantic": ("23.10", "3.11"),
           "noble": ("24.04", "3.12"), "oracular": ("24.10", "3.12"), "plucky": ("25.04", "3.13"),
           "questing": ("25.10", "3.13"), "resolute": ("26.04", None)}
#: Tags that name no release (or one whose python3 version is not known here) and follow current ones.
_FLOATING = {"debian": frozenset(("latest", "stable", "oldstable", "testing", "unstable", "sid", "experimental",
                                  "forky", "duke")),
             "ubuntu": frozenset(("latest", "rolling", "devel"))}
_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?(?:\.\d+)?")
#: Packages that bring ensurepip: python3-venv, python3.X-venv, python3-full... and those that depend on one.
_VENV_PACKAGE = re.compile(r"python3(?:\.\d+)?-(?:venv|full)|python3-all-venv|pipx|thonny|dh-virtualenv")
_APT = frozenset(("apt-get", "apt", "aptitude"))
_SHELLS = frozenset(("sh", "bash", "dash", "ash", "zsh", ".", "source"))


def _venv_split(reference: Optional["ImageReference"]) -> Optional[tuple[Release, Optional[str]]]:
    """The release of an official ``debian`` or ``ubuntu`` image whose python3 comes without ensurepip,
    with its python3's version when known; None for any other image, or an older release."""
    if reference is None or reference.registry != "docker.io" \
            or reference.repository not in ("library/debian", "library/ubuntu") or not reference.tag_known:
        return None
    name = reference.repository.removeprefix("library/")
    distribution = name.capitalize()
    tag = (reference.tag or "latest").lower()
    first = re.split(r"[-_]", tag)[0]
    if first in _FLOATING[name]:
        return Release(distribution, None), None
    names = _DEBIAN if name == "debian" else _UBUNTU
    if first in names:
        return Release(distribution, first), names[first][1]
    number = _NUMBER.fullmatch(first)
    if number is None:
        return None
    for code, (release, python) in names.items():
        if name == "debian" and number.group(1) == release or name == "ubuntu" and \
                f"{number.group(1)}.{number.group(2)}" == release:
            return Release(distribution, first), python
    major = int(number.group(1))
    if name == "debian" and major > 13 or name == "ubuntu" and number.group(2) is not None and major > 26:
        return Release(distribution, first), None
    return None


@dataclass
class _State:
    """What the lineage did so far: whether it installed the distribution's python3 (and
    python-is-python3), something that brings ensurepip or may, or another Python."""

    python: bool = False
    python_is_python3: bool = False
    venv: bool = False
    other: bool = False

    def copy(self) -> "_State":
        return _State(self.python, self.python_is_python3, self.venv, self.other)

    def read(self, ctx: RuleContext, node: ast.Instruction) -> None:
        """What an instruction other than a RUN tells: another Python copied in or set up, or (an
        ONBUILD ENV or ARG) a PATH the downstream build gives, which may put another Python first."""
        effective = node.effective
        if isinstance(effective, ast.RunInstruction):
            return
        text = ctx.file.text[node.span.start.offset:node.span.end.offset]
        if OTHER_PYTHON.search(text) if not isinstance(effective, ast.EnvInstruction) \
                else re.search(r"conda|pyenv|mamba", text, re.IGNORECASE):
            self.other = True
        if node is not effective and isinstance(effective, (ast.EnvInstruction, ast.ArgInstruction)) \
                and any(pair.key.value == "PATH" for pair in effective.pairs):
            self.other = True

    def step(self, ctx: RuleContext, node: ast.Instruction, step: Step,
             base: Optional[tuple[Release, Optional[str]]]) -> Optional[str]:
        """The command as shown when ``step`` makes a virtual environment with venv and the
        distribution's python3, which has no ensurepip; None otherwise. The state takes in what
        ``step`` installs."""
        invocation = step.invocation
        if invocation is None:
            return None
        words = " ".join(word.value for word in step.command.argv)
        if OTHER_PYTHON.search(words) or invocation.program == "ln" and "python" in words:
            self.other = True
        self._installs(ctx, node, step)
        if base is None or self.other or self.venv or not self.python:
            return None
        program = invocation.program
        if not (program == "python3" or program == "python" and self.python_is_python3
                or program == f"python{base[1]}" and base[1] is not None):
            return None
        spelled = program_text(invocation)
        if "/" in spelled and posixpath.dirname(spelled) not in SYSTEM_BINS - {"/usr/local/bin", "/usr/local/sbin"}:
            return None
        argv = [word.value for word in step.command.argv]
        at = next((i for i, word in enumerate(argv) if word == spelled), None)
        if at is None or argv[at + 1:at + 3] != ["-m", "venv"] or created_venv(ctx.analysis, node, step) is None:
            return None
        if any(word in ("-h", "--help") or len(word) > 3 and "--without-pip".startswith(word)
               for word in argv[at + 3:]):
            return None
        if {"condition", "if", "case", "function"}.intersection(step.contexts) \
                or step.command.operator == "||" or step.command.next_operator == "||" \
                or not system_path(ctx.analysis, node, step):
            return None
        return f"{spelled} -m venv"

    def _installs(self, ctx: RuleContext, node: ast.Instruction, step: Step) -> None:
        invocation = step.invocation
        program = program_text(invocation)
        script = invocation.operands[0].value if invocation.program in _SHELLS and invocation.operands else program
        if invocation.program == "dpkg" or program.startswith(("./", "../")) or script.endswith(".sh") \
                or invocation.program in _SHELLS - {".", "source"} and not invocation.has("-c"):
            self.venv = True  # packages or a script this rule cannot read (`./install.sh`, `curl ... | sh`)
            return
        if invocation.program not in _APT or invocation.subcommand not in ("install", "reinstall"):
            return
        names = [change.name for change in step.changed_packages if change.installs]
        for word in invocation.operands:
            if word.has_expansion:
                expanded = ctx.model.expand(node, word.value)
                if not expanded.resolved or isinstance(node, ast.OnbuildInstruction) or "$(" in word.value:
                    self.venv = True  # not known here (an ONBUILD trigger's: the downstream build's)
                    return
                names.extend(name.partition("=")[0] for name in expanded.value.split())
            elif word.value.endswith(".deb") or "/" in word.value:
                self.venv = True
        if not invocation.operands:
            self.venv = True  # xargs apt-get install, a list from a file
        for name in names:
            name = name.partition(":")[0]
            if _VENV_PACKAGE.fullmatch(name):
                self.venv = True
            if name.startswith("python3") or name == "python-is-python3":
                self.python = True
            if name == "python-is-python3":
                self.python_is_python3 = True


def _message(shown: str, reference: "ImageReference", base: tuple[Release, Optional[str]]) -> str:
    release, python = base
    image = reference.repository.removeprefix("library/") + (f":{reference.tag}" if reference.tag else "")
    if release.release is None:
        where = f"`{image}` (the current {release.distribution} release: the tag names none and floats)"
    else:
        where = f"`{image}` ({release.distribution} {release.release})"
    version = re.fullmatch(r".*python(3\.\d+)", shown.split()[0])
    package = f"python{version.group(1)}-venv" if version else "python3-venv"
    return (f"`{shown}` fails on {where}: the distribution's python3 has no ensurepip without `{package}`, "
            f"which the build does not install, so venv cannot put pip into the environment, exits 1 and leaves "
            f"it without pip; install it first: `apt-get install -y --no-install-recommends {package}` "
            f"in this RUN before the command or in an earlier one")
