"""DF414 shell-not-in-image: a RUN needs a shell (or bash) the stage's image does not have."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional, Union

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.build import Stage
from dflint.model.distro import alpine_package_without_bash, alpine_without_bash, image_found_via, shell_less
from dflint.model.layers import Step, run_steps
from dflint.model.paths import resolve
from dflint.model.shell_values import expanded_command
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.builder import POSIX_SHELLS
from dflint.shell.package_managers import PACKAGE_TOOLS, classify_system
from dflint.shell.model import Script
from dflint.shell.scripts import interpreter
from dflint.shell.set_options import read_options, shell_options
from dflint.shell.tools import program_name, program_word
from dflint.source import Span


class ShellNotInImage(Rule):
    r"""A RUN that needs `/bin/sh` on `scratch` or distroless, or `bash` on Alpine: the build fails there.

    ## What it does
    Reports a RUN that runs a shell the stage's image does not have:

    * on an image with no shell at all, any RUN that needs one: a
      shell-form RUN (its SHELL is `/bin/sh` unless set otherwise), a
      `RUN <<EOF` script, an exec-form `RUN ["sh", "-c", "..."]`, a heredoc
      whose shebang is a shell. These images are `scratch`, Google's
      distroless images (`gcr.io/distroless/static-debian12`, `base`,
      `cc`, `java*`, `nodejs*`, `python3`...) except their `debug` tags,
      Chainguard's `static`, `glibc-dynamic`, `glibc`, `python` and
      `nginx` images except their `-dev` tags, and the .NET images
      Microsoft documents as having no shell: its Ubuntu chiseled tags
      (`mcr.microsoft.com/dotnet/runtime:8.0-jammy-chiseled`,
      `aspnet:8.0-noble-chiseled-extra`, which adds only ICU and tzdata)
      and Azure Linux distroless tags (`8.0-azurelinux3.0-distroless`),
      and Canonical's chiseled `ubuntu/dotnet-deps`, `ubuntu/dotnet-runtime`
      and `ubuntu/dotnet-aspnet` (other images named "chiseled" may have
      had a shell cut into them, and are not reported);
    * on an image that surely has no bash, a RUN that runs bash: after a
      `SHELL ["/bin/bash", "-c"]`, as an exec-form `RUN ["bash", ...]`,
      with a `#!/bin/bash` heredoc, or as a command of the script
      (`bash -c '...'`, `bash script.sh`, `RUN <<EOF bash`, `curl ... | bash`)
      whose failure fails the RUN: the last command, or one joined to the
      end by `&&` (or at the top level under `set -e`), not in a condition,
      not before `||`. These images are `alpine`, `busybox` and the
      official images whose tag names their Alpine variant
      (`python:3.12-alpine`, `node:20-alpine3.19`, `golang:1.22-alpine`,
      `nginx:alpine`, `php`, `redis`, `ruby` and `docker` too), whose
      Dockerfiles install no bash or delete it with their build
      dependencies.

    The image is the one the stage's lineage starts from: `FROM base`
    where the stage `base` is built on `alpine` counts, and so does an ARG
    default (`ARG BASE=alpine:3.19` then `FROM ${BASE}`), which the
    message names. A stage built FROM another stage of the file first runs
    that stage's ONBUILD triggers, as BuildKit does, so they count as its
    first steps. A shell-form RUN and the RUNs after it that fail for
    the same reason (the stage's image, or one SHELL instruction) give one
    finding, at the first, the others listed with it.

    Not reported: Windows stages; ONBUILD triggers themselves (they run in
    the stages and builds FROM their stage, which may have a shell), and
    a stage after its parent's `ONBUILD SHELL`; images whose tag is
    unknown or given only as a digest (a digest may be a debug image's); other
    images, such as `postgres:*-alpine`, which installs bash, or the
    `bash` image; a RUN after a COPY or ADD that may have put a shell
    there (a destination of `/`, `/usr` or `/usr/local`, in or below one of
    their `bin` and `sbin` directories, one that is not known, or one that
    names bash, busybox or sh; not `/usr/local/lib`), after a RUN
    that mentions bash (`apk add --no-cache bash`) or may install it: an
    install whose package list is not known here (`apk add $PKGS` with an
    ARG that has no default, `apk add $(cat packages.txt)`), or an `apk add`
    of any package but a few common ones known to bring no bash (`curl`,
    `git`, `build-base`, `python3`...; `libtool`, for one, depends on
    bash), and, on an image with
    no shell, after any RUN that did not fail (an exec-form
    `RUN ["/busybox/busybox", "--install", "/bin"]`); a RUN that mounts
    something over these directories; a SHELL or exec-form RUN of a
    program that is not a shell (`["/usr/bin/python3", "-c"]` on
    distroless's `python3`).

    ## Why is this bad?
    BuildKit runs a shell-form RUN as `/bin/sh -c "..."`. On `scratch` or
    a distroless image there is no `/bin/sh`, and the build stops with
    `/bin/sh: no such file or directory`. Alpine's and BusyBox's shell is
    busybox `ash`: `bash` is simply not there, and the step fails with
    `bash: not found` (or `exec: "/bin/bash": stat /bin/bash: no such
    file or directory` for a SHELL). The fix is to install bash first
    (`apk add --no-cache bash`), to write the step for `sh`, or, for an
    image with no shell, to run the step in a build stage and COPY its
    result (a distroless `debug` tag is meant for debugging, not to ship).

    ## Example
    ```dockerfile
    FROM python:3.12-alpine
    RUN bash -c "pip install --no-cache-dir flask"
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-alpine
    RUN pip install --no-cache-dir flask
    ```

    ## Fix safety
    This rule has no fix: whether to install bash, rewrite the step for
    `sh` or move it to another stage is the author's choice.
    """

    code = "DF414"
    name = "shell-not-in-image"
    summary = "RUN needs a shell (or bash) that the stage's image does not have"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        states: dict[int, _State] = {}  # per stage, what its image holds after its steps (see _stage)
        for stage in model.stages:
            if not any(isinstance(node, ast.RunInstruction) for node in stage.instructions):
                continue
            base = model.lineage(stage)[0].base
            if base.is_scratch:
                kind, name = "scratch", "scratch"
            else:
                reference = base.reference
                if reference is None or not reference.valid:
                    continue
                kind = shell_less(reference)
                name = reference.text
                if kind is None:
                    kind = "no-bash" if alpine_without_bash(reference) is not None else None
                if kind is None:
                    continue
            if model.is_windows(stage):
                continue
            yield from _stage(ctx, stage, kind, name + image_found_via(model, stage), states)


_Target = Union[ast.Node, Span]
#: What a stage's image holds after its steps: the SHELL in effect, and whether a step may have put
#: the missing shell there (then nothing later is reported).
_State = tuple[Optional[ast.ShellInstruction], bool]
_Groups = dict[object, list[tuple[_Target, str]]]


def _stage(ctx: RuleContext, stage: Stage, kind: str, image: str, states: dict[int, _State]) -> Iterator[Finding]:
    """The failing RUNs of ``stage``. Its image starts with what its parent stage's steps left
    (remembered per stage in ``states``, so that a chain of stages is walked once), then runs the
    parent's ONBUILD triggers, then its own steps."""
    model = ctx.model
    lineage = model.lineage(stage)
    known = len(lineage)
    while known and lineage[known - 1].index not in states:
        known -= 1
    state: _State = states[lineage[known - 1].index] if known else (None, False)
    groups: _Groups = {}
    for member in lineage[known:]:
        state = _walk(ctx, member, kind, image, state, groups if member is stage else None)
        states[member.index] = state
    return _emit(ctx, groups)


def _walk(ctx: RuleContext, member: Stage, kind: str, image: str, state: _State,
          groups: Optional[_Groups]) -> _State:
    """``state`` after ``member``'s steps: its parent's ONBUILD triggers (BuildKit runs those of a
    stage of this file first in a stage built FROM it), then its instructions; the RUNs that fail
    are added to ``groups`` (None: not reported, an ancestor's)."""
    shell_node, provided = state
    if provided:
        return state
    if member.parent is not None:
        for onbuild in ctx.model.stages[member.parent].instructions:
            trigger = onbuild.effective if isinstance(onbuild, ast.OnbuildInstruction) else None
            if isinstance(trigger, ast.ShellInstruction):
                return shell_node, True  # the stage's RUNs run another shell: not followed here
            if isinstance(trigger, (ast.CopyInstruction, ast.AddInstruction)):
                if _copy_may_provide(ctx, trigger, onbuild):
                    return shell_node, True
            elif isinstance(trigger, ast.RunInstruction):
                if not _mounts_over_bin(trigger) and _trigger_may_provide(ctx, onbuild, trigger, kind, shell_node):
                    return shell_node, True
    for node in member.instructions:
        if isinstance(node, ast.ShellInstruction):
            shell_node = node
        elif isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
            if _copy_may_provide(ctx, node):
                return shell_node, True
        elif isinstance(node, ast.RunInstruction):
            if _mounts_over_bin(node):
                continue
            found = _failure(ctx, node, kind, image, shell_node)
            if found is None:
                if kind != "no-bash" or _may_install_bash(ctx, node):
                    return shell_node, True  # it may have installed the shell
                continue
            if groups is not None:
                cause, target, message = found
                groups.setdefault(cause if cause is not None else id(node), []).append((target, message))
    return shell_node, False


def _trigger_may_provide(ctx: RuleContext, onbuild: ast.Instruction, trigger: ast.RunInstruction, kind: str,
                         shell_node: Optional[ast.ShellInstruction]) -> bool:
    """An ONBUILD RUN of the parent stage, run first in this one, may have put the missing shell
    there: on an image with no shell, one that needs none; else one that may install bash."""
    if kind == "no-bash":
        return _may_install_bash(ctx, onbuild)
    if trigger.exec_form:
        args = [a.value for a in trigger.exec_args]
    else:
        args = [a.value for a in shell_node.args] if shell_node is not None and shell_node.exec_form else ["/bin/sh"]
    return not args or interpreter(args) not in POSIX_SHELLS


def _emit(ctx: RuleContext, groups: _Groups) -> Iterator[Finding]:
    for found in groups.values():
        (target, message), rest = found[0], found[1:]
        yield ctx.finding(target, message, related=[("another RUN that fails the same way", t) for t, _ in rest])


def _failure(ctx: RuleContext, run: ast.RunInstruction, kind: str, image: str,
             shell_node: Optional[ast.ShellInstruction]) -> Optional[tuple[object, _Target, str]]:
    """``(cause, where, message)`` when ``run`` runs a shell the image lacks; ``cause`` groups RUNs that
    fail for one reason (the image, a SHELL instruction), None for a reason of this RUN's own."""
    wanted = POSIX_SHELLS if kind != "no-bash" else frozenset({"bash"})
    if run.exec_form:
        args = run.exec_args
        shell = [a.value for a in args]
        program = interpreter(shell) if shell else None
        if program in wanted:
            # Grouped as the shell-form RUNs are: `["/bin/sh", "-c", s]` is `RUN s` spelled out.
            cause = "image" if kind != "no-bash" else None
            return cause, args[0], _message(kind, image, args[0].value, _exec_error(args[0].value))
        if kind != "no-bash" or program not in POSIX_SHELLS:
            return None
        return _bash_command(ctx, run, kind, image, shell)  # ["/bin/sh", "-c", "bash x"]
    text = run.shell_text
    if text is None:
        return None
    heredocs = run.heredocs
    if heredocs and heredocs[0].marker.origin == text.origin and heredocs[0].marker.value == text.value:
        body = heredocs[0]
        if body.content.startswith("#!"):  # BuildKit runs the file itself: its shebang names the program
            words = body.content[2:].split("\n", 1)[0].split()
            if words and interpreter(words) in wanted:
                start = body.body_span.start.offset
                span = Span(ctx.position(start), ctx.position(start + len(body.content.split("\n", 1)[0])))
                shown = words[0] if posixpath.basename(words[0]) != "env" else f"{words[0]} {interpreter(words)}"
                return None, span, _message(kind, image, shown, "no such file or directory")
            return None
    shell = ctx.analysis.shell_for(run)
    if interpreter(shell) in wanted:
        where = f"the SHELL on line {shell_node.line} runs `{shell[0]}`" if shell_node is not None else None
        cause = shell_node if kind == "no-bash" and shell_node is not None else "image"
        return cause, run.keyword, _message(kind, image, shell[0], _exec_error(shell[0]), where)
    if kind != "no-bash":
        return None
    return _bash_command(ctx, run, kind, image, shell)


def _bash_command(ctx: RuleContext, run: ast.RunInstruction, kind: str, image: str,
                  shell: list[str]) -> Optional[tuple[object, _Target, str]]:
    """A `bash` command in the RUN's script (run by ``shell``) whose failure fails the RUN."""
    scripts = ctx.commands(run)
    if not scripts:
        return None
    script = scripts[0]
    errexit = bool(shell_options(shell).get("errexit"))
    for index, command in enumerate(script.commands):
        if not command.contexts and command.name == "set" and read_options(command.values[1:]).get("errexit"):
            errexit = True
        word = program_word(command)
        if word is None or not word.literal or posixpath.basename(word.value) != "bash":
            continue
        if "bash" in ctx.file.text[run.span.start.offset:word.span.start.offset] \
                or _may_install_bash(ctx, run, until=command):
            return None  # installed (or put there) earlier in this RUN
        if _fails_the_run(script, index, errexit):
            return None, word, _message(kind, image, word.value, f"/bin/sh: {word.value}: not found")
        return None
    return None


def _fails_the_run(script: Script, index: int, errexit: bool) -> bool:
    """The failure of command ``index`` is the script's status: it is at the top level, last in its
    pipeline, not tested, and followed only by commands joined with `&&` (any, under ``set -e``)."""
    command = script.commands[index]
    if command.contexts or command.negated or command.background or command.operator in ("||",) \
            or command.masked or command.next_operator in ("||", "&"):
        return False
    rest = [c for c in script.commands[index + 1:] if not (c.start >= command.start and c.end <= command.end)]
    if not rest or (errexit and command.next_operator in (None, ";", "\n")):
        return True
    for later in rest:
        if later.contexts or later.operator not in ("&&", "|", "|&"):
            return False
    return rest[-1].next_operator in (None, "\n")


def _exec_error(program: str) -> str:
    """What BuildKit (runc) says when the program a RUN executes is not there."""
    if "/" in program:
        return f'exec: "{program}": stat {program}: no such file or directory'
    return f'exec: "{program}": executable file not found in $PATH'


def _message(kind: str, image: str, program: str, error: str, shell: Optional[str] = None) -> str:
    runs = shell or f"this RUN runs `{program}`"
    if kind == "scratch":
        return (f"{runs}, which a stage built FROM scratch does not have (it starts empty): the build fails here "
                f"with `{error}`; run this step in a stage that has a shell and COPY its result into this one")
    if kind in ("distroless", "chainguard", "chiseled", "dotnet-distroless"):
        if kind == "distroless":
            why, advice = "distroless images have no shell", " (a :debug tag has busybox, for debugging only)"
        elif kind == "chiseled":
            why, advice = "Ubuntu chiseled images have no shell", ""
        elif kind == "dotnet-distroless":
            why, advice = "Microsoft's distroless .NET images have no shell", ""
        else:
            why, advice = "Chainguard's images have one only in their -dev tags", \
                " (one FROM its latest-dev tag has a shell)"
        return (f"{runs}, which {image} does not have ({why}): the build fails here with `{error}`; run this "
                f"step in a build stage and COPY its result into this one{advice}")
    head = f"{runs}, which {image} does not have (its only shell is busybox ash, /bin/sh): this RUN fails with " \
        f"`{error}`; "
    if image.startswith("busybox"):
        return head + ("drop the SHELL and write the steps for `sh`" if shell else "write the step for `sh`")
    where = "before the SHELL" if shell else "in an earlier step"
    other = "drop the SHELL and write the steps" if shell else "write the step"
    return head + f"install it {where} (`RUN apk add --no-cache bash`), or {other} for `sh`"



#: Where a shell is looked up (/bin/sh, or bash in PATH); a COPY to one of them, below one, or to a
#: directory above one (`/`, `/usr`) may bring a shell, a COPY to `/usr/local/lib` cannot.
_BIN = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/busybox")
_SHELL_WORD = re.compile(r"bash|busybox|(?:^|[/\s])(?:a|da)?sh(?:$|[\s/\"'])")


def _under_bin(path: Optional[str]) -> bool:
    if path is None or path == "/":
        return True
    path = path.rstrip("/")
    return any(path == d or path.startswith(d + "/") or d.startswith(path + "/") for d in _BIN)


def _copy_may_provide(ctx: RuleContext, node: Union[ast.CopyInstruction, ast.AddInstruction],
                      onbuild: Optional[ast.Instruction] = None) -> bool:
    """The COPY or ADD (or ``onbuild``'s trigger, run in the stage built FROM its stage) may have put a
    shell where the RUN finds it: into /, /bin, /sbin, /usr or a destination not known here, or a
    source or destination that names one."""
    if _SHELL_WORD.search(_text(ctx, node)):
        return True
    destination = node.destination
    if destination is None:
        return False
    if onbuild is not None:  # its variables and WORKDIR are those of the build it runs in
        if "$" in destination.value:
            return True
        return _under_bin(resolve(destination.value, ctx.model.trigger_workdir(onbuild), home=False))
    expansion = ctx.model.expand(node, destination.value)
    if not expansion.resolved:
        return True
    return _under_bin(resolve(expansion.value, ctx.model.workdir_at(node), home=False))


#: Package-manager subcommands that install what they name.
_INSTALL_VERBS = frozenset({"add", "install", "i", "in", "reinstall", "downgrade", "global", "upgrade",
                            "build-dep", "source-install"})


def _may_install_bash(ctx: RuleContext, node: ast.Instruction, until: Optional[object] = None) -> bool:
    """The RUN (or ONBUILD RUN; its steps before the command ``until``) may have installed bash: it
    names bash, or a package-manager install names a package list this rule cannot read (an
    expansion with no known value: `apk add $PKGS` with an ARG without default, `$(cat list)`), a
    value naming bash, or an `apk add` of a package not known to come without bash."""
    if until is None and "bash" in _text(ctx, node):
        return True
    for step in run_steps(ctx.analysis, node):
        if step.command is until:
            break
        if _install_may_bring_bash(ctx, node, step):
            return True
    return False


def _install_may_bring_bash(ctx: RuleContext, node: ast.Instruction, step: Step) -> bool:
    invocation = step.invocation
    if invocation is None or invocation.program not in PACKAGE_TOOLS or invocation.subcommand not in _INSTALL_VERBS:
        return False
    argv = step.command.argv
    if any(word.has_expansion for word in argv):
        expanded = expanded_command(ctx.analysis, node, step)
        start = next((i for i, w in enumerate(argv) if program_name(w.value) == invocation.program), 0)
        if any(word.has_expansion and id(word) not in expanded.replaced for word in argv[start + 1:]):
            return True  # a value not known here
        invocation = expanded.invocation
        if invocation is None or any("bash" in word.value for word in invocation.command.argv):
            return True
    if invocation.program != "apk":
        return False
    for word in invocation.operands:
        name = classify_system("apk", word.value)[0].split("@", 1)[0]
        if not alpine_package_without_bash(name):
            return True  # a package that may depend on bash (libtool does), a local .apk, a URL
    return False


def _mounts_over_bin(run: ast.RunInstruction) -> bool:
    return any(mount.type in ("bind", "cache", "tmpfs") and _under_bin(
        mount.target if mount.target is None or mount.target.startswith("/") else None) for mount in run.mounts)


def _text(ctx: RuleContext, node: ast.Instruction) -> str:
    return ctx.file.text[node.span.start.offset:node.span.end.offset]
