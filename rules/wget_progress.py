"""DF302 wget-progress: wget without --progress fills the build log with progress dots."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.build import Stage
from dflint.model.package_config import insert_after
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import packages, program_name

#: Options that already keep the log short, or send it elsewhere (hadolint's list, plus --background).
_QUIET = ("--progress", "-q", "--quiet", "-nv", "--no-verbose", "-o", "--output-file", "-a", "--append-output",
          "-b", "--background")
#: Base images whose wget, if any, is busybox's: it has no --progress option.
_BUSYBOX = ("alpine", "busybox")
#: Distribution images whose `wget` is GNU wget 1 (not busybox's, nor wget2, which rejects
#: `--progress=dot:giga`, as in Fedora 40 and RHEL 10), by a component of their name, with the
#: tags that say so (None: any tag).
_ANY = None
_RHEL_7_TO_9 = re.compile(r"(?:stream|centos)?[789](?:[.-]|$)")
_GNU: dict[str, Optional[re.Pattern[str]]] = {
    "debian": _ANY, "ubuntu": _ANY, "buildpack-deps": _ANY, "kali-rolling": _ANY, "amazonlinux": _ANY,
    "ubi8": _ANY, "ubi9": _ANY, "centos": _RHEL_7_TO_9, "rockylinux": _RHEL_7_TO_9, "almalinux": _RHEL_7_TO_9,
    "oraclelinux": _RHEL_7_TO_9, "leap": re.compile(r"15(?:[.-]|$)"),
}
#: Package managers whose `wget` package is GNU wget 1.
_GNU_INSTALLERS = frozenset({"apt-get", "apt", "aptitude", "apk"})
_INSTALL = frozenset({"install", "add"})
_MESSAGE = ("`wget` without `--progress` or `-q` writes a line of progress dots per 50 KB downloaded into the "
            "build log; add `--progress=dot:giga` (a line per 32 MB) or `-nv`")
_BUSYBOX_MESSAGE = ("`wget` without `-q` writes its progress meter into the build log; add `-q` (busybox wget, "
                    "as in Alpine, has no `--progress`)")


class WgetProgress(Rule):
    r"""`wget` without `--progress` writes thousands of progress lines into the build log.

    ## What it does
    Reports a `wget` in a RUN that sets none of `--progress`, `-q`/`--quiet`,
    `-nv`/`--no-verbose`, `-o`/`--output-file`, `-a`/`--append-output` or
    `-b`/`--background`. The command is found in continued lines, the
    scripts of `sh -c`, `su -c` and `eval`, heredoc RUNs, behind wrappers
    (`sudo`, `env`, `gosu`, `runuser -u`...), and in ONBUILD RUN triggers; PowerShell and `cmd` RUNs are not read. Every stage counts: a
    builder stage's log is as long as any other.

    Same semantics as hadolint's DL3047, plus `-b`/`--background` (the log
    then goes to `wget-log`).

    ## Why is this bad?
    Without a terminal, GNU wget prints its progress as dots, one line per
    50 KB: a 200 MB download writes about 4000 lines. They bury the build
    output that matters, and CI systems truncate or slow down on such logs.
    `--progress=dot:giga` prints one line per 32 MB; `-nv` only reports
    errors and the saved file.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends wget \
     && wget https://example.com/tool.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends wget \
     && wget --progress=dot:giga https://example.com/tool.tar.gz
    ```

    ## Fix safety
    The fix inserts `--progress=dot:giga` after `wget`: it changes the log,
    not what is downloaded. busybox's wget (Alpine, busybox images) has no
    `--progress` option and fails on it, and so does wget2 on `dot:giga`
    (the `wget` of Fedora 40 and later). The fix is therefore safe only when
    the wget is GNU wget 1: the stage installs the `wget` package with
    `apt-get` or `apk`, or is built on Debian, Ubuntu, RHEL 7 to 9 (UBI,
    Rocky, Alma, CentOS, Oracle Linux with such a tag), Amazon Linux or
    openSUSE Leap 15. On other bases it is unsafe; on Alpine and busybox
    bases, and for `busybox wget` on any base, there is no fix (`-q` is
    the option every wget knows).
    """

    code = "DF302"
    name = "wget-progress"
    summary = "wget without --progress floods the build log"
    severity = Severity.INFO
    aliases = ("DL3047",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        installs = _WgetInstalls(ctx)
        for stage in ctx.model.stages:
            for position, node in enumerate(stage.instructions):
                run = node.effective
                if not isinstance(run, ast.RunInstruction):
                    continue
                for script in ctx.commands(node):
                    for command in script.commands:
                        invocation = script.invocation(command)
                        if invocation is None or invocation.program != "wget" or invocation.has(*_QUIET):
                            continue
                        at = next(i for i, w in enumerate(command.argv) if program_name(w.value) == "wget")
                        word = command.argv[at]
                        # `busybox wget` is busybox's wget whatever the base image
                        through_busybox = any(program_name(w.value) == "busybox" for w in command.argv[:at])
                        flavor = "busybox" if through_busybox else _flavor(ctx, stage, node, position, installs)
                        message = _BUSYBOX_MESSAGE if flavor == "busybox" else _MESSAGE
                        yield ctx.finding(word, message, _fix(ctx, node, word, flavor))


def _fix(ctx: RuleContext, node: ast.Instruction, word, flavor: str) -> Optional[Fix]:
    if flavor == "busybox":
        return None
    end, text = insert_after(ctx.analysis, node, word, "--progress=dot:giga")
    return ctx.fix("Add `--progress=dot:giga`", ctx.edit(end, end, text),
                   applicability=Applicability.SAFE if flavor == "gnu" else Applicability.UNSAFE)


class _WgetInstalls:
    """Where the RUNs that install GNU wget are, found once per stage (not once per wget)."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self._first: dict[int, Optional[int]] = {}  # stage -> position of its first RUN installing wget
        self._inherited: dict[int, bool] = {}  # stage -> a stage it is built FROM installs it

    def before(self, stage: Stage, position: int) -> bool:
        """Whether a RUN of ``stage``'s lineage before ``position`` in ``stage`` installs GNU wget."""
        first = self._first_in(stage)
        return first is not None and first < position or self._from_parents(stage)

    def _first_in(self, stage: Stage) -> Optional[int]:
        if stage.index not in self._first:
            self._first[stage.index] = next(
                (i for i, node in enumerate(stage.instructions)
                 if isinstance(node, ast.RunInstruction) and _installs_wget(self.ctx, node)), None)
        return self._first[stage.index]

    def _from_parents(self, stage: Stage) -> bool:
        if stage.index not in self._inherited:
            pending, known = [], False
            for member in reversed(self.ctx.model.lineage(stage)):  # up to the nearest stage already answered
                if member.index in self._inherited:
                    known = self._inherited[member.index] or self._first_in(member) is not None
                    break
                pending.append(member)
            for member in reversed(pending):  # oldest first
                self._inherited[member.index] = known
                known = known or self._first_in(member) is not None
        return self._inherited[stage.index]


def _flavor(ctx: RuleContext, stage: Stage, node: ast.Instruction, position: int, installs: _WgetInstalls) -> str:
    """``gnu`` when the stage's wget is GNU wget, ``busybox`` when it is likely busybox's, else ``unknown``."""
    if installs.before(stage, position) or _installs_wget(ctx, node):
        return "gnu"
    root = ctx.model.lineage(stage)[0].base.reference
    name = root.familiar_name if root is not None else None
    if name is None:
        return "unknown"
    tag = (root.tag or "").lower()
    if any(mark in name.lower() or mark in tag for mark in _BUSYBOX):
        return "busybox"
    for part in name.split("/"):
        if part in _GNU:
            tags = _GNU[part]
            return "gnu" if tags is None or tags.match(tag) else "unknown"
    return "unknown"


def _installs_wget(ctx: RuleContext, node: ast.Instruction) -> bool:
    for script in ctx.commands(node):
        for command in script.commands:
            invocation = script.invocation(command)
            if invocation is not None and invocation.program in _GNU_INSTALLERS \
                    and invocation.subcommand in _INSTALL and any(p.name == "wget" for p in packages(invocation)):
                return True
    return False
