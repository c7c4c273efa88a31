"""DF415 download-tool-missing: a RUN calls curl or wget on an image that does not have it."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional, Union

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.build import Stage
from dflint.model.distro import image_found_via
from dflint.model.image_tools import ImageTools, missing_download_tools, package_brings_no_download_tool
from dflint.model.layers import Step, run_steps
from dflint.model.paths import resolve
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import program_word, unwrap


class DownloadToolMissing(Rule):
    r"""A RUN that calls `curl` or `wget` on an image that does not have it: the build fails.

    ## What it does
    Reports a command of a RUN that runs `curl` or `wget` (also as
    `/usr/bin/curl`, behind `sudo`, in a heredoc script, in an exec-form
    RUN or its `sh -c` script) when the stage's image surely lacks that tool
    and nothing earlier put it there. The images known here were checked
    against their Dockerfiles (see `dflint/model/image_tools.py`):

    * `debian` and `ubuntu`, every tag: neither curl nor wget;
    * `alpine`: BusyBox's `wget`, no `curl`; `busybox`: the same;
    * `node`, `python` and `ruby` slim variants (`node:20-slim`,
      `python:3.12-slim-bookworm`): neither tool; their Dockerfiles install
      them to download the runtime and purge them again
      (`apt-mark auto '.*'`, `apt-get purge --auto-remove`);
    * the Alpine variants of `node`, `python`, `ruby` and `golang`: no
      `curl` (deleted with the build dependencies where used).

    Older tags were built otherwise: `node`'s slim images kept both tools
    until 10.18.0, 12.14.1 and 13.6.0 (January 2020), and `ruby`'s slim and
    Alpine images kept `curl` until 2.1.10, 2.2.5 and 2.3.1 (September
    2016). Such tags are read by their version (`node:8-slim`,
    `node:12.14.0-slim`, `node:11-slim`, `ruby:2.2.4-alpine`: not reported;
    `node:10-slim`, `node:lts-slim`, `node:iron-slim`, `ruby:2.3-slim`: the
    series' last release, reported); a tag whose version cannot be read
    (`node:mytag-slim`, `node:lts-jessie-slim`) is not.

    The image is the one the stage's lineage starts from: `FROM base`
    where the stage `base` is built on `debian:bookworm-slim` counts (what
    `base` installed counts too), and so does an ARG default (`ARG
    BASE=alpine:3.20` then `FROM ${BASE}`). A stage built FROM another stage
    first runs that stage's ONBUILD triggers; an ONBUILD RUN is checked
    against its stage's image. The first use of a tool in a stage is
    reported, later ones are listed with it.

    Not reported: images not listed here (the full `node`, `python`,
    `ruby` and `golang` variants, built on `buildpack-deps`, have both;
    `php` keeps curl; images of other registries, tags or ARGs that are not
    known); Windows stages (recent Windows images have `curl.exe`); a use
    after a step, in the same RUN or an earlier one, that names the tool
    (`apt-get install -y curl`, `apk add --virtual .fetch curl`, `command -v
    curl`, `which wget`, a `COPY --from` of a file called curl), installs
    packages this rule does not know to come without it (a package list in a
    variable, `apt-get install -y nodejs` from another repository), or runs a
    script of the project's own (`./install-deps.sh`, `sh setup.sh`, also
    read from stdin: `sh < setup.sh`, `cat setup.sh | sh`); once a directory on
    PATH (the usual ones from `/usr/local/sbin` to `/bin`, those the image
    adds such as golang's `/go/bin`, and those an ENV PATH adds, before or
    after) is, or lies in, a directory that a COPY or ADD of a directory or
    archive, a `tar -x`/`unzip` extraction or a `cp`, `mv`, `install` or `ln`
    into a directory may have filled (`COPY bin /opt/bin` with `ENV
    PATH=/opt/bin:$PATH`, `tar -xzf t.tgz -C /usr/local`, `ln -s
    /opt/tools/bin/* /usr/local/bin/`), also through `export PATH=...` in the
    RUN (a file or archive member named otherwise fills only its own path:
    `cp /tmp/kubectl /usr/local/bin/` and `tar -xzf helm.tgz -C
    /usr/local/bin linux-amd64/helm` do not count); once PATH holds a directory not known here (`ENV PATH=$TOOLS:$PATH`
    with no value for TOOLS) and such a directory was filled; a use in an `if` (or its condition), a `case` branch or
    a function, or joined with `||` on either side (`curl ... || wget ...`);
    a RUN that mounts something over a `bin` directory or mounts the tool;
    `busybox wget` and a program of another path (`./curl`,
    `/opt/tools/curl`); `wget` after `busybox --install` or after a COPY
    that names busybox (`COPY --from=busybox:1.36 /bin/busybox /bin/`: its
    applets are one `--install` or link away). BusyBox's wget rejects some GNU wget options
    (`--progress=...`); those are not reported.

    ## Why is this bad?
    The command fails (`/bin/sh: 1: curl: not found` from dash, `curl:
    command not found` from bash, `exec: "curl": executable file not found
    in $PATH` in exec form) and the build stops.
    Slim images are slim because their build removed these tools: install
    the tool in the RUN that needs it (`apt-get update && apt-get install -y
    --no-install-recommends curl ca-certificates`, `apk add --no-cache
    curl`), use BusyBox's `wget` on Alpine, or let the builder fetch the file
    with `ADD --checksum=sha256:... <url> <dest>`.

    ## Example
    ```dockerfile
    FROM node:20-slim
    RUN wget -qO /usr/local/bin/yq https://example.com/yq && chmod +x /usr/local/bin/yq
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    RUN apt-get update \
     && apt-get install -y --no-install-recommends wget ca-certificates \
     && wget -qO /usr/local/bin/yq https://example.com/yq && chmod +x /usr/local/bin/yq \
     && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    This rule has no fix: whether to install the tool (and whether to remove
    it again), switch to the other tool or use `ADD` is the author's choice,
    and installing needs the package index (`apt-get update`) in the same RUN.
    """

    code = "DF415"
    name = "download-tool-missing"
    summary = "RUN calls curl or wget on an image that does not have it"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        text = ctx.file.text
        if "curl" not in text and "wget" not in text:
            return
        model = ctx.model
        states: dict[int, tuple] = {}  # per stage, the walk's state after its steps (see _Walk)
        waiting: dict[int, int] = {}  # per stage, how many stages are built FROM it
        for stage in model.stages:
            if stage.parent is not None:
                waiting[stage.parent] = waiting.get(stage.parent, 0) + 1
        for stage in model.stages:
            base = model.lineage(stage)[0].base
            reference = base.reference
            if base.is_scratch or reference is None or not reference.valid:
                continue
            tools = missing_download_tools(reference)
            if tools is None or model.is_windows(stage):
                continue
            image = reference.text + image_found_via(model, stage)
            uses: dict[str, list[_Use]] = {}
            _Walk(ctx, stage, tools, uses).run(states, waiting)
            for tool, words in uses.items():
                first, rest = words[0], words[1:]
                yield ctx.finding(first, _message(tool, image, tools, first),
                                  related=[(f"another use of `{tool}` that fails the same way", w) for w in rest])


class _Walk:
    """The stage's lineage step by step: which tools are still missing, and the uses (of the
    reported stage only) that need one.

    Besides the tools still missing it follows the directories on PATH (``on_path``: them and
    their parents; ``anywhere``: PATH holds a directory not known here) and the directories a COPY,
    ADD or RUN may have filled (``filled``): once one of those is, or holds, a PATH directory, the
    tool may be there."""

    def __init__(self, ctx: RuleContext, stage: Stage, tools: ImageTools, uses: dict[str, list]):
        self.ctx, self.stage, self.uses = ctx, stage, uses
        self.missing = set(tools.missing)
        self.filled: set[str] = set()
        self.on_path: set[str] = set()
        self.anywhere = False
        for directory in _ON_PATH.union(tools.path):
            self._on_path(directory)

    def run(self, states: dict[int, tuple], waiting: dict[int, int]) -> None:
        """Walk the lineage from the youngest ancestor already walked (its state in ``states``), so
        that a chain of stages is read once; remember each member's state. ``waiting``: per stage,
        how many stages built FROM it have yet to take its state; the last one takes the sets
        themselves, the others copies (a chain of stages is then walked in linear time)."""
        model = self.ctx.model
        lineage = model.lineage(self.stage)
        known = len(lineage)
        while known and lineage[known - 1].index not in states:
            known -= 1
        if known:
            index = lineage[known - 1].index
            waiting[index] = waiting.get(index, 1) - 1
            if waiting[index] <= 0:
                self.missing, self.filled, self.on_path, self.anywhere = states.pop(index)
            else:
                missing, filled, on_path, self.anywhere = states[index]
                self.missing, self.filled, self.on_path = set(missing), set(filled), set(on_path)
        for member in lineage[known:]:
            report = member is self.stage
            if member.parent is not None:
                for onbuild in model.stages[member.parent].instructions:
                    if isinstance(onbuild, ast.OnbuildInstruction):
                        self._instruction(onbuild, onbuild.effective, False)
            for node in member.instructions:
                if not isinstance(node, ast.OnbuildInstruction):
                    self._instruction(node, node, report)
            if member is self.stage:  # the walk goes on only with triggers, which keep no state
                states[member.index] = (self.missing, self.filled, self.on_path, self.anywhere)
            else:
                states[member.index] = (set(self.missing), set(self.filled), set(self.on_path), self.anywhere)
            if report:  # its triggers run in the builds FROM it, on this stage's image
                for node in member.instructions:
                    if isinstance(node, ast.OnbuildInstruction) and isinstance(node.effective, ast.RunInstruction):
                        self._run(node, node.effective, True, keep=True)

    def _instruction(self, node: ast.Instruction, effective: Optional[ast.Instruction], report: bool) -> None:
        if not self.missing or effective is None:
            return
        if isinstance(effective, (ast.CopyInstruction, ast.AddInstruction)):
            self._copy(node, effective)
        elif isinstance(effective, ast.RunInstruction):
            self._run(node, effective, report)
        elif isinstance(effective, ast.EnvInstruction):
            self._env(node, effective)

    # -- PATH and the directories filled -------------------------------------------------
    def _on_path(self, directory: str) -> None:
        """``directory`` joins PATH: a directory filled that is it or holds it may have put the tool there."""
        while directory not in self.on_path:
            if directory in self.filled:
                self.missing.clear()
            self.on_path.add(directory)
            if directory == "/":
                break
            directory = posixpath.dirname(directory)

    def _fills(self, directory: Optional[str]) -> bool:
        """A COPY, ADD or command that may put files into ``directory`` (None: not known, else
        normalized without a trailing slash) may put a tool on PATH."""
        return directory is None or self.anywhere or directory in self.on_path

    def _env(self, node: ast.Instruction, env: ast.EnvInstruction) -> None:
        """An ENV that sets PATH: its new directories (a directory not known here: any)."""
        model = self.ctx.model
        for pair in env.pairs:
            if pair.key.value != "PATH" or pair.value is None:
                continue
            for entry in pair.value.value.split(":"):
                if entry in ("$PATH", "${PATH}"):
                    continue
                if node is env and "$" in entry:
                    expansion = model.expand(env, entry)
                    entries = expansion.value.split(":") if expansion.resolved else [""]
                else:  # a trigger's variables are those of the build it runs in
                    entries = ["" if "$" in entry else entry]
                for directory in entries:
                    if directory.startswith("/"):
                        self._on_path(posixpath.normpath(directory))
                    else:  # unknown, or relative to the working directory of each command
                        self.anywhere = True
                        if self.filled:
                            self.missing.clear()

    def _path_reaches(self, settings: list[str], wrote: set[str]) -> bool:
        """A PATH the RUN sets (``settings``) has a directory that is, or lies in, one filled before
        (``self.filled``) or by this RUN (``wrote``); a directory not known here may be any."""
        for value in settings:
            for entry in value.split(":"):
                if entry in ("$PATH", "${PATH}"):
                    continue
                if "$" in entry or not entry.startswith("/"):
                    return True
                directory = posixpath.normpath(entry)
                while True:
                    if directory in self.filled or directory in wrote:
                        return True
                    if directory == "/":
                        break
                    directory = posixpath.dirname(directory)
        return False

    def _copy(self, node: ast.Instruction, copy: Union[ast.CopyInstruction, ast.AddInstruction]) -> None:
        """A COPY or ADD that names a tool or may put a directory's files where the shell finds programs."""
        ctx = self.ctx
        text = ctx.file.text[copy.span.start.offset:copy.span.end.offset]
        self.missing -= _named(text, self.missing)
        if "wget" in self.missing and _BUSYBOX.search(text):
            self.missing.discard("wget")  # BusyBox copied in: its wget applet is one `--install` or link away
        destination = copy.destination
        if not self.missing or destination is None:
            return
        if node is not copy:  # an ONBUILD trigger: its variables and WORKDIR are those of the build it runs in
            path = None if "$" in destination.value else resolve(destination.value, ctx.model.trigger_workdir(node),
                                                                 home=False)
        else:
            expansion = ctx.model.expand(copy, destination.value)
            path = resolve(expansion.value, ctx.model.workdir_at(copy), home=False) if expansion.resolved else None
        if path is None:
            self.missing.clear()
            return
        if any(_may_be_directory(s.value, isinstance(copy, ast.AddInstruction)) for s in copy.sources):
            path = path.rstrip("/") or "/"
            if self._fills(path):
                self.missing.clear()
            else:
                self.filled.add(path)

    def _run(self, node: ast.Instruction, run: ast.RunInstruction, report: bool, keep: bool = False) -> None:
        ctx = self.ctx
        if any(_mount_may_provide(mount) for mount in run.mounts):
            return
        missing = set(self.missing)
        wrote: set[str] = set()  # the directories this RUN may fill
        program = run.exec_args[0].span.start.offset if run.exec_form and run.exec_args else None
        for step in run_steps(ctx.analysis, node):
            if not missing:
                break
            command = step.command
            if "chroot" in command.contexts:
                continue
            if (self.filled or wrote) and self._path_reaches(_path_settings(command), wrote):
                missing.clear()  # `export PATH=/opt/tools/bin:$PATH` after filling /opt/tools
                break
            word = program_word(command)
            tool = _tool(word) if word is not None else None
            if tool is not None:
                if tool in missing and report and not _guarded(step):
                    self.uses.setdefault(tool, []).append(_Use(word, word.span.start.offset == program))
                continue
            missing -= _named(" ".join(w.value for w in command.argv)
                              + " " + " ".join(r.target.value for r in command.redirects), missing)
            if _may_install(step, word):
                missing.clear()
            elif word is not None and posixpath.basename(word.value) == "busybox" \
                    and any(w.value == "--install" for w in command.argv[1:]):
                missing.discard("wget")  # links every applet, wget among them
            else:
                for directory in _written_directories(step):
                    if directory is not None:
                        directory = directory.rstrip("/") or "/"
                    if self._fills(directory):
                        missing.clear()
                    else:
                        wrote.add(directory)
        if not keep:
            self.missing = missing
            self.filled.update(wrote)


class _Use:
    """A use of a tool: the word to report and whether it is exec-form's program."""

    def __init__(self, word, exec_program: bool):
        self.word, self.exec_program = word, exec_program

    @property
    def span(self):
        return self.word.span


#: Directories in the default PATH of these images.
_ON_PATH = frozenset({"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"})
_TOOL_WORD = {tool: re.compile(r"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])" % tool) for tool in ("curl", "wget")}
_BUSYBOX = re.compile(r"(?<![A-Za-z0-9_])busybox(?![A-Za-z0-9_])")
_ARCHIVE = re.compile(r"\.(?:tar|tgz|tbz2?|txz|tzst)(?:\.\w+)?$")


def _named(text: str, tools: set[str]) -> set[str]:
    """The ``tools`` whose name appears as a word in ``text`` (``libcurl4`` names none)."""
    return {tool for tool in tools if tool in text and _TOOL_WORD[tool].search(text)}


def _tool(word) -> Optional[str]:
    """``curl`` or ``wget`` when the word runs it from the PATH or a directory on it."""
    if not word.literal:
        return None
    value = word.value
    name = posixpath.basename(value)
    if name not in _TOOL_WORD:
        return None
    if "/" in value and posixpath.dirname(value) not in _ON_PATH:
        return None  # ./curl, /opt/tools/curl: another file
    return name


def _guarded(step: Step) -> bool:
    """The use does not surely run, or its failure is handled: in an if, case branch or function,
    or joined with `||`."""
    command = step.command
    if {"condition", "if", "case", "function"}.intersection(step.contexts):
        return True
    return command.operator == "||" or command.next_operator == "||"


#: Subcommands of package managers that install what they name.
_INSTALLS = frozenset({"install", "add", "reinstall", "build-dep", "groupinstall", "localinstall"})
_SYSTEM = frozenset({"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "dnf5", "microdnf", "tdnf", "zypper"})
#: Other installers whose packages may bring a curl or wget program onto the PATH.
_OTHER_INSTALLERS = frozenset({"conda", "mamba", "micromamba", "brew", "nix-env", "nix", "pacman", "spack", "pixi",
                               "port", "emerge", "snap", "unminimize", "tasksel"})
_SCRIPT_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", ".", "source"})
_VERSION = re.compile(r"[=<>~@/].*$")


def _may_install(step: Step, word) -> bool:
    """The step may install curl or wget without naming it: a package install of packages not known
    here to come without them (or not known at all), another package manager's install, or a
    script of the project's own."""
    invocation = step.invocation
    if invocation is not None and invocation.program in _SYSTEM and invocation.subcommand in _INSTALLS:
        operands = invocation.operands
        if not operands:
            return True  # the list comes from elsewhere (xargs, a file)
        for operand in operands:
            if operand.has_expansion or not package_brings_no_download_tool(_VERSION.sub("", operand.value)):
                return True
        return False
    if invocation is not None and invocation.program in _OTHER_INSTALLERS:
        return True
    if word is None:
        return False
    value = word.value
    if not word.literal:
        return True  # a program held in a variable
    if value in _SCRIPT_SHELLS:  # `sh install.sh` runs a file; `sh -c '...'`'s commands are read here
        command = step.command
        args = [w.value for w in command.argv[1:]]
        if "-c" in args:
            return False
        if value not in (".", "source") and (command.pipeline_index > 0 or any(
                r.op in ("<", "<<<", "<>") for r in command.redirects)):
            return True  # a script read from stdin: `sh < setup.sh`, `sh -s -- x < f`, `cat f | sh`
            # (a here-document's script, `sh <<EOF`, is read here as the RUN's own commands)
        for arg in args:
            if arg in ("-s", "--"):
                return False  # what follows are the script's arguments
            if not arg.startswith("-"):
                return True
        return False
    return value.endswith(".sh") or ("/" in value and posixpath.dirname(value) not in _ON_PATH)


#: Commands that put files into a directory, and their options that take a value.
_COPIERS = {
    "cp": frozenset({"-S", "--suffix"}),
    "mv": frozenset({"-S", "--suffix"}),
    "ln": frozenset({"-S", "--suffix"}),
    "install": frozenset({"-m", "--mode", "-o", "--owner", "-g", "--group", "-S", "--suffix"}),
}
_TAR_VALUES = frozenset({"-f", "--file", "-T", "--files-from", "-X", "--exclude-from", "-b", "--blocking-factor",
                         "-I", "--use-compress-program", "--exclude", "--strip-components", "--transform",
                         "--owner", "--group", "--mode", "-C", "--directory"})
_UNZIP_VALUES = frozenset({"-d", "-x"})
#: Directories every image here has: a copy into one lands inside it.
_EXISTING = _ON_PATH | {"/", "/usr", "/usr/local"}
_GLOB = re.compile(r"[*?\[$]")


def _written_directories(step: Step) -> list[Optional[str]]:
    """Where a ``cp``, ``mv``, ``install`` or ``ln``, a ``tar`` extraction or an ``unzip`` may put a
    directory's files (None: not known): the destination for what it cannot name (a glob, a whole
    archive), else each named file or member's path there (``cp /tmp/x/kubectl /usr/local/bin/``
    fills /usr/local/bin/kubectl only)."""
    argv = step.command.argv
    start = unwrap(argv)[0]
    if start >= len(argv):
        return []
    program = posixpath.basename(argv[start].value)
    if program in _COPIERS:
        return _copied(step, argv[start + 1:], _COPIERS[program])
    if program in ("tar", "unzip"):
        return _extracted(step, program, argv[start + 1:])
    return []


def _copied(step: Step, args, values: frozenset[str]) -> list[Optional[str]]:
    target = None
    operands = []
    i = 0
    while i < len(args):
        word = args[i]
        value = word.value
        if value == "--":
            operands += args[i + 1:]
            break
        if value in ("-t", "--target-directory"):
            target = args[i + 1] if i + 1 < len(args) else None
            if target is None:
                return []
            i += 1
        elif value.startswith("--target-directory="):
            return [None]  # rare: not read
        elif value in values:
            i += 1
        elif value.startswith("-") and not value.startswith("--") and "d" in value and values is _COPIERS["install"]:
            return []  # install -d: creates the directories it names
        elif not value.startswith("-") or value == "-":
            operands.append(word)
        i += 1
    if target is None:
        if len(operands) < 2:
            return []
        target = operands.pop()
    if not target.literal:
        return [None]
    directory = resolve(target.value, step.cwd)
    if directory is None:
        return [None]
    directory = directory.rstrip("/") or "/"
    found: list[Optional[str]] = []
    if len(operands) == 1 and directory not in _EXISTING:
        found.append(directory)  # `mv /tmp/tools-1.0 /opt/tools`: may be the new name
    for source in operands:
        name = posixpath.basename(source.value.rstrip("/"))
        if not source.literal or _GLOB.search(name) or name in ("", ".", ".."):
            return [directory]
        found.append(posixpath.join(directory, name))
    return found


def _extracted(step: Step, program: str, args) -> list[Optional[str]]:
    extract = program == "unzip"
    target = None
    operands = []
    values = _TAR_VALUES if program == "tar" else _UNZIP_VALUES
    i = 0
    while i < len(args):
        word = args[i]
        value = word.value
        if value == "--":
            operands += args[i + 1:]
            break
        taken = 0
        if program == "tar" and (i == 0 and not value.startswith("-")
                                 or value.startswith("-") and not value.startswith("--")):
            letters = value.lstrip("-")
            if i == 0 and not value.startswith("-"):  # old style: `tar xzf FILE -C DIR`
                extract = extract or "x" in letters
                for letter in letters:
                    if letter in "fCTXb":
                        taken += 1
                        if letter == "C" and i + taken < len(args):
                            target = args[i + taken]
                i += taken + 1
                continue
            extract = extract or "x" in letters.split("f")[0].split("C")[0]
        if value in ("--extract", "--get"):
            extract = True
        if value in (("-C", "--directory") if program == "tar" else ("-d",)):
            if i + 1 < len(args):
                target = args[i + 1]
            i += 2
            continue
        if program == "tar" and value.startswith("--directory="):
            return [None] if extract else []  # rare: not read
        if value in values:
            i += 2
            continue
        if program == "tar" and value.startswith("-") and not value.startswith("--") and "f" in value:
            if value.endswith("f"):
                i += 1  # the archive
        elif not value.startswith("-"):
            operands.append(word)
        i += 1
    if not extract:
        return []
    if program == "unzip":
        operands = operands[1:]  # the archive, then the members
    if target is None:
        directory = step.cwd
    elif target.literal:
        directory = resolve(target.value, step.cwd)
    else:
        return [None]
    if directory is None:
        return [None]
    directory = directory.rstrip("/") or "/"
    if not operands or any(not m.literal or _GLOB.search(m.value) for m in operands):
        return [directory]
    return [posixpath.normpath(posixpath.join(directory, m.value)) for m in operands]


def _path_settings(command) -> list[str]:
    """The values the command gives PATH, for what follows or for itself (``export PATH=...``,
    ``PATH=... cmd``)."""
    found = [assignment.value.value for assignment in command.assignments if assignment.name == "PATH"]
    if command.program in ("export", "declare", "typeset", "readonly", "local"):
        found += [word.value[5:] for word in command.argv[1:] if word.value.startswith("PATH=")]
    return found


def _may_be_directory(source: str, add: bool) -> bool:
    """A COPY/ADD source that may be a directory (whose files then land in the destination)."""
    if add and ("://" in source or source.startswith("git@")):
        return False
    name = posixpath.basename(source.rstrip("/"))
    if source.endswith("/") or any(c in name for c in "*?[") or name in ("", ".", ".."):
        return True
    if add and _ARCHIVE.search(name):
        return True
    return "." not in name


def _mount_may_provide(mount: ast.Mount) -> bool:
    target = mount.get("target", "dst", "destination")
    if target is None:
        return False
    if _TOOL_WORD["curl"].search(mount.flag.text) or _TOOL_WORD["wget"].search(mount.flag.text):
        return True
    target = target.rstrip("/") or "/"
    return target in _ON_PATH or target in ("/", "/usr", "/usr/local")


def _message(tool: str, image: str, tools: ImageTools, use: _Use) -> str:
    error = f'with `exec: "{use.word.value}": executable file not found in $PATH`' if use.exec_program \
        else f"as the shell does not find `{tool}`"
    if tools.family == "apt":
        advice = f"install it first in the same RUN (`apt-get update && apt-get install -y " \
                 f"--no-install-recommends {tool} ca-certificates && rm -rf /var/lib/apt/lists/*`)"
    elif tools.family == "apk":
        advice = "install it first in the same RUN (`apk add --no-cache curl`), use BusyBox's `wget`"
    else:
        advice = "use BusyBox's `wget`"
    return (f"`{tool}` is not in {image} ({tools.why}): this RUN fails {error}; {advice}, "
            f"or download with `ADD --checksum=sha256:<digest> <url> <dest>`")

