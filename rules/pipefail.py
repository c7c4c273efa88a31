"""DF404 pipefail: a pipeline in a RUN whose earlier commands can fail unnoticed."""

from __future__ import annotations

import re
from typing import Iterator, Optional, Sequence

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.distro import rhel_family, root_reference
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.model import Command
from dflint.shell.pipefail import (NO_PIPEFAIL_SHELLS, MaskedPipeline, masked_pipelines, pipefail_sets_in_sh,
                                   sets_pipefail)
from dflint.shell.tools import program_word
from dflint.source import Span


class Pipefail(Rule):
    """A pipeline's status is its last command's: a failed download piped into `sed` goes unnoticed.

    ## What it does
    Reports a pipeline in a RUN (`curl -fsSL URL | sed ... > file`) whose earlier
    commands can fail without failing the RUN, because the shell running it
    does not have `pipefail` set: neither through the stage's `SHELL`
    (`SHELL ["/bin/bash", "-o", "pipefail", "-c"]`, inherited from the stage
    it is built `FROM`), nor through a `set -o pipefail` (or `set -euo
    pipefail`) earlier in the same script. The shell is the one that runs the
    pipeline: the SHELL for the RUN's own script, the shell an exec-form
    `RUN ["bash", "-c", "..."]` names, the shebang of a `RUN <<EOF` body,
    and for `bash -c '...'` or `bash <<EOF` that inner shell, whose own
    options count (`bash -o pipefail -c`), not the outer one's.
    The finding points at the pipeline's first command that can fail; one
    finding per shell, the other pipelines listed with it.

    Pipelines where `pipefail` would change nothing useful are not
    reported: in an `if`/`while` test or negated with `!`; in the
    background; followed by `|| true`; inside `$(...)` other than as a
    plain assignment's value (`echo "$(a | b)"` loses the status anyway);
    when the earlier commands cannot fail (`echo`, `printf`, `yes`, `true`,
    `cat` of a here-document); when the last command is `head` or `grep -q`,
    which stop reading early, so that `pipefail` would turn the writer's
    SIGPIPE into a failure; when the earlier commands are downloads to
    standard output or `grep`, which leave nothing (or a cut-short stream)
    when they fail, and the last command fails on such input: `tar -x`/`-t`
    reading standard input, `sha256sum -c` (and the other checksum tools),
    `gpg --dearmor`/`--import`, `apt-key add -` (`curl -fsSL URL | tar -xz`,
    `grep " node.tar.xz$" SHASUMS256.txt | sha256sum -c -`). Scripts that
    explicitly run in `dash` or `posh` are not reported: choosing a shell
    without (or, for dash, long without) `pipefail` is deliberate.
    PowerShell and `cmd` RUNs are not read, nor exec-form RUNs with no shell
    (one command, no pipe).

    It also reports a `set -o pipefail` run by `/bin/sh` in a stage whose
    base image's tag names a release whose dash has no such option (Debian
    10-12, buster to bookworm; Ubuntu 20.04-24.04, focal to noble): that
    `set` fails the RUN. For the same reason it reports, in such a stage,
    a `SHELL ["/bin/sh", "-o", "pipefail", "-c"]`: dash rejects the option
    and every RUN that uses the SHELL fails.

    The advice depends on what `/bin/sh` is in the stage, as far as the
    image its stages start `FROM` tells: on Fedora, RHEL and UBI, CentOS,
    Rocky, Alma, Oracle and Amazon Linux and Arch, where it is bash, on
    Alpine (busybox ash) and on Debian 13 and Ubuntu 25.04 (whose dash has
    the option), `set -o pipefail &&` at the start of the RUN is offered
    beside a SHELL; on older Debian and Ubuntu releases, a bash SHELL,
    naming the stage's release; for other images (`python:3.12-slim`, a
    variable), a bash SHELL with no claim about their `/bin/sh`.

    Differences from hadolint's DL4006: hadolint accepts only a SHELL with
    `-o pipefail` (not `set -o pipefail` in the RUN), forgets the SHELL of
    the stage a stage is built `FROM`, reports Windows `cmd` RUNs, and
    reports every pipe, including the cases above, and misses pipes inside
    `bash -c` strings, which it does not read.

    ## Why is this bad?
    `RUN curl -fsSL https://example.com/app.conf | sed "s/@PORT@/80/" >
    /etc/app.conf` succeeds when the server answers 404: `sed` reads
    nothing, writes an empty file and exits 0, and the build goes on to ship
    an image without its configuration. `make 2>&1 | tee build.log` passes
    when `make` fails. With `pipefail`, the pipeline fails when any of its
    commands fails.

    Which shell has the option matters: bash (`/bin/sh` of Fedora, RHEL,
    Arch...), zsh, ksh, mksh and busybox `ash` (Alpine's `/bin/sh`) have
    it; `dash`, Debian's and Ubuntu's `/bin/sh`, only since version 0.5.13
    (Debian's 0.5.12-7 package: Debian 13, Ubuntu 25.04): on Debian 12,
    Ubuntu 24.04 and older, `set -o pipefail` fails the RUN, so there the
    SHELL must be bash.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN curl -fsSL https://example.com/app.conf | sed "s/@PORT@/80/" > /etc/app.conf
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    RUN curl -fsSL https://example.com/app.conf | sed "s/@PORT@/80/" > /etc/app.conf
    ```

    ## Fix safety
    This rule has no fix: which shell to use is the image's choice, and
    `pipefail` can make a pipeline fail that succeeded before (a writer
    killed by SIGPIPE).
    """

    code = "DF404"
    name = "pipefail"
    summary = "Pipeline in RUN whose earlier commands can fail unnoticed (no pipefail)"
    severity = Severity.WARNING
    aliases = ("DL4006",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for anchor in ctx.instructions:
            node = anchor.effective
            if isinstance(anchor, ast.ShellInstruction):
                yield from self._dash_shell(ctx, anchor)
            if not isinstance(node, ast.RunInstruction):
                continue
            groups: dict[int, list[MaskedPipeline]] = {}
            for pipe in masked_pipelines(ctx.commands(anchor), ctx.analysis.shell_for(anchor)):
                if not pipe.protected and pipe.scope.shell not in NO_PIPEFAIL_SHELLS:
                    groups.setdefault(id(pipe.scope), []).append(pipe)  # one scope per shell process
            release = _old_dash_release(ctx, anchor, ctx.analysis.shell_for(anchor))
            if release is not None:
                for command in pipefail_sets_in_sh(ctx.commands(anchor), ctx.analysis.shell_for(anchor)):
                    yield ctx.finding(command, f"`set -o pipefail` fails this RUN: /bin/sh of {release} is dash "
                                               f"0.5.12 or older, which has no pipefail option; set "
                                               f'`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before it instead')
            for pipes in groups.values():
                first = pipes[0]
                culprit = first.masked[0]
                shown = " | ".join(_shown(c) for c in first.members)
                yield ctx.finding(
                    culprit,
                    f"`{_shown(culprit)}` can fail unnoticed in `{shown}`: a pipeline's status is its last "
                    f"command's; {_advice(ctx, anchor, first)}",
                    related=[("another pipeline of the same shell", p.masked[0]) for p in pipes[1:]])

    def _dash_shell(self, ctx: RuleContext, node: ast.ShellInstruction) -> Iterator[Finding]:
        argv = tuple(arg.value for arg in node.args) if node.exec_form else ()
        if not argv or not sets_pipefail(argv[1:]):
            return
        release = _old_dash_release(ctx, node, argv)
        if release is not None:
            yield ctx.finding(Span(node.args[0].span.start, node.args[-1].span.end),
                              f"`{' '.join(argv)}` fails every RUN that uses this SHELL: /bin/sh of {release} "
                              f"is dash 0.5.12 or older, which has no pipefail option; use "
                              f'`SHELL ["/bin/bash", "-o", "pipefail", "-c"]`')


def _shown(command: Command) -> str:
    """The program a command runs, behind its wrappers: `curl` of `sudo curl URL`."""
    word = program_word(command)
    return word.value if word is not None else command.name or "..."


def _advice(ctx: RuleContext, node: ast.Instruction, pipe: MaskedPipeline) -> str:
    scope = pipe.scope
    sh, where = _sh_of(ctx, node) if scope.shell == "sh" else (None, "")
    if scope.command is not None:  # bash -c '...', bash <<EOF
        flag = " -c" if pipe.outer is not None else ""
        if scope.shell == "sh" and sh not in _SH_WITH_PIPEFAIL:
            return f"run it with `bash -o pipefail{flag}`{_dash_note(sh, where)}"
        return f"run it with `{scope.shell} -o pipefail{flag}`, or start its script with `set -o pipefail`"
    if scope.shebang:
        return "add `set -o pipefail` at the top of the script"
    run = node.effective
    if isinstance(run, ast.RunInstruction) and run.exec_form:  # ["sh", "-c", "..."]: no SHELL applies
        if scope.shell == "sh" and sh not in _SH_WITH_PIPEFAIL:
            return f'run it with `"/bin/bash", "-o", "pipefail", "-c"`{_dash_note(sh, where)}'
        return 'add `"-o", "pipefail"` before `"-c"`, or start the script with `set -o pipefail &&`'
    if scope.shell != "sh":
        return "add `-o pipefail` to the SHELL, or start the RUN with `set -o pipefail &&`"
    if sh == "ash":
        return 'set `SHELL ["/bin/ash", "-o", "pipefail", "-c"]` before this RUN, or start it with `set -o pipefail &&`'
    if sh in _SH_WITH_PIPEFAIL:
        return (f"start the RUN with `set -o pipefail &&` ({where}), or set "
                '`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before it')
    return f'set `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before this RUN{_dash_note(sh, where)}'


def _dash_note(sh: Optional[str], where: str) -> str:
    """Why not `sh`: said only when the stage's /bin/sh is known to be a dash without the option."""
    if sh == "old-dash":
        return f" (dash, /bin/sh of {where}, rejects `set -o pipefail`)"
    if sh == "dash":
        return " (dash, /bin/sh of Debian and Ubuntu, rejects `set -o pipefail` before Debian 13 and Ubuntu 25.04)"
    return ""


#: What /bin/sh is: shells with pipefail (with the note saying so) and dashes without, or not known.
_SH_WITH_PIPEFAIL = frozenset({"bash", "ash", "new-dash"})
#: Debian and Ubuntu releases whose dash has pipefail (0.5.12-7 and later), by tag.
_NEW_DASH = re.compile(r"(?:^|[-_.])(?:(trixie|forky)|(plucky|questing))(?:$|[-_.])")


def _sh_of(ctx: RuleContext, node: ast.Instruction) -> tuple[Optional[str], str]:
    """What ``/bin/sh`` is in ``node``'s stage, by the image its lineage starts from, with a note that
    says so: ``("bash", "/bin/sh of Fedora is bash")``, ``("ash", ...)``, ``("new-dash", "the dash of
    Debian 13 has the option")``, ``("old-dash", "Debian 12")`` (the release), ``("dash", "")`` for
    Debian or Ubuntu of an unknown release, ``(None, "")`` when the image does not say."""
    stage = ctx.model.stage_of(node)
    root = root_reference(ctx.model, stage) if stage is not None else None
    if root is None:
        return None, ""
    if _alpine(ctx, node):
        return "ash", "/bin/sh of Alpine is busybox ash"
    components = root.repository.lower().split("/")
    if any("micro" in c for c in components):
        return None, ""  # ubi-micro: no shell to speak of
    family = "Arch Linux" if "archlinux" in components else rhel_family(root)
    if family is not None:
        return "bash", f"/bin/sh of {family} is bash"
    release = _old_dash_release(ctx, node, ("/bin/sh",))
    if release is not None:
        return "old-dash", release
    tag = root.tag if root.tag_known else None
    name = components[-1]
    if tag is not None:
        match = _NEW_DASH.search(tag)
        version = re.split(r"[-_]", tag, maxsplit=1)[0]
        release = None
        if match is not None:
            release = f"Debian {match.group(1)}" if match.group(1) else f"Ubuntu {match.group(2)}"
        elif name == "debian" and version.split(".")[0].isdigit() and int(version.split(".")[0]) >= 13:
            release = f"Debian {version.split('.')[0]}"
        elif name == "ubuntu" and re.fullmatch(r"\d\d\.\d\d", version) and version >= "25.04":
            release = f"Ubuntu {version}"
        if release is not None:
            return "new-dash", f"the dash of {release} has the option"
    if name in ("debian", "ubuntu"):
        return "dash", ""
    return None, ""


# Releases whose dash (0.5.12 or older) rejects `set -o pipefail`, by what an image tag says of them.
_OLD_DASH = re.compile(r"(?:^|[-_.])(?:(buster|bullseye|bookworm)|(focal|jammy|noble))(?:$|[-_.])")
_OLD_DASH_VERSIONS = {"debian": {"10": "Debian 10", "11": "Debian 11", "12": "Debian 12"},
                      "ubuntu": {"20.04": "Ubuntu 20.04", "22.04": "Ubuntu 22.04", "24.04": "Ubuntu 24.04"}}


def _old_dash_release(ctx: RuleContext, node: ast.Instruction, shell: Sequence[str]) -> Optional[str]:
    """The release ``node``'s stage is built on, when ``shell`` is its ``sh`` and the tag says it is a
    release whose dash has no pipefail."""
    stage = ctx.model.stage_of(node)
    if stage is None or tuple(shell)[:1] not in (("/bin/sh",), ("sh",)):
        return None
    root = ctx.model.lineage(stage)[0].base.reference
    if root is None or root.tag is None:
        return None
    name = (root.repository or "").rsplit("/", 1)[-1]
    versions = _OLD_DASH_VERSIONS.get(name, {})
    for version, release in versions.items():
        if root.tag == version or root.tag.startswith((version + "-", version + ".")):
            return release
    match = _OLD_DASH.search(root.tag)
    if match is None:
        return None
    codename = match.group(1) or match.group(2)
    return f"{'Debian' if match.group(1) else 'Ubuntu'} {codename}"


def _alpine(ctx: RuleContext, node: ast.Instruction) -> bool:
    stage = ctx.model.stage_of(node)
    if stage is None:
        return False
    root = ctx.model.lineage(stage)[0].base.reference
    text = f"{root.repository or ''}:{root.tag or ''}".lower() if root is not None else ""
    return "alpine" in text or "busybox" in text
