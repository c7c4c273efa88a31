"""DF202 no-install-recommends: apt installs recommended packages nobody asked for."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.model.copies import copied
from dflint.model.layers import program_text, run_steps, shipping_stages
from dflint.model.package_config import (APT_NO_RECOMMENDS, configured, expanded_invocation, hidden_options,
                                         insert_after, run_nodes)
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import apt_option, installs_recommends
from dflint.shell.tools import Invocation
from dflint.source import Span


class NoInstallRecommends(Rule):
    r"""`apt-get install` also installs every package the named ones merely recommend.

    ## What it does
    Reports `apt-get install`, `apt install` and `aptitude install` without
    `--no-install-recommends` (aptitude: `-R`/`--without-recommends`),
    `--install-recommends=no` or `-o APT::Install-Recommends=false`.
    Nothing is reported when an earlier RUN of the image (or an earlier
    command of the same RUN) writes `APT::Install-Recommends "false";` to a
    configuration file, or an earlier `COPY`/`ADD` here-document writes it
    (`"0"`, `"no"`... too) to a file apt reads (`/etc/apt/apt.conf`, or
    in `/etc/apt/apt.conf.d/` a name without an extension or ending in
    `.conf`), which turns recommends off for every later install,
    nor when the command asks for recommends itself (`--install-recommends`,
    `-o APT::Install-Recommends=true`; aptitude `-r`/`--with-recommends`):
    that is a deliberate choice (WineHQ's documented install uses it), and
    adding the flag to it would only contradict it, nor when a word starts
    with a variable that may hold the flag. A
    variable's value is read when it is known (ARG/ENV, or a plain value
    the RUN assigns once before the command), split into words as the
    shell splits an unquoted expansion, so `$APT_FLAGS` holding
    `--no-install-recommends` counts and one holding only `-y` does not.
    A file copied from the build context into `/etc/apt/apt.conf.d/` is not
    read: the Dockerfile does not show what it says, so the install is
    still reported.

    Only stages whose layers can reach an image are checked (the last stage,
    stages nothing else uses, and the stages they are built `FROM`): in a
    builder stage that other stages only `COPY --from`, extra packages cost
    build time but never ship.

    Differences from hadolint (DL3015): hadolint also reports builder
    stages, commands after a configuration file turned recommends off,
    `--install-recommends=no`, `-o APT::Install-Recommends=0`, installs that
    ask for recommends (`--install-recommends`) and RUNs of
    Windows stages (cmd, PowerShell), which dflint does not read; it does
    not check `apt`, `aptitude`, or commands behind `sudo`/`env`.

    ## Why is this bad?
    Debian and Ubuntu packages recommend many others: documentation, GUI
    helpers, whole toolchains. `apt-get install curl` pulls in a dozen
    packages the image never uses, which make it larger, slower to pull and
    expose more code to vulnerabilities.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y python3 \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends python3 \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    The fix inserts `--no-install-recommends` after `install`. It is unsafe:
    the image may rely on a recommended package without naming it (`git`
    recommends `openssh-client`, `python3-pip` recommends the compilers
    that build wheels); add those to the install.
    """

    code = "DF202"
    name = "no-install-recommends"
    summary = "apt install without --no-install-recommends"
    severity = Severity.INFO
    aliases = ("DL3015",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in run_nodes(shipping_stages(ctx.model)):
            for step in run_steps(ctx.analysis, node):
                invocation = expanded_invocation(ctx.analysis, node, step)
                verb = installs_recommends(invocation)
                if verb is None or _asks_for_recommends(invocation) or hidden_options(ctx.analysis, node, step) \
                        or configured(ctx.analysis, node, step, APT_NO_RECOMMENDS) or _copied_setting(ctx, node):
                    continue
                aptitude = step.invocation.program == "aptitude"
                flag = "--without-recommends" if aptitude else "--no-install-recommends"
                point, text = insert_after(ctx.analysis, node, verb, flag)
                fix = ctx.fix(f"Add `{flag}`", ctx.edit(point, point, text), applicability=Applicability.UNSAFE)
                # From the program's word, as without assignments in front (`DEBIAN_FRONTEND=... apt-get`).
                start = step.command.argv[0].span.start if step.command.argv else step.command.span.start
                yield ctx.finding(
                    Span(start, verb.span.end),
                    f"`{program_text(step.invocation)} install` also installs every package the named ones "
                    f"recommend, which the image rarely needs: add `{flag}` (and name the ones you need)", fix)


def _asks_for_recommends(invocation: Optional[Invocation]) -> bool:
    """The command sets recommends itself: `--install-recommends` (with any value), `-o
    APT::Install-Recommends=...` (a false value is already the flag), aptitude's `-r`/`--with-recommends`."""
    if invocation is None:
        return False
    if invocation.has("--install-recommends") or apt_option(invocation, "APT::Install-Recommends") is not None:
        return True
    return invocation.program == "aptitude" and invocation.has("-r", "--with-recommends")


#: A file apt reads: /etc/apt/apt.conf, or a file of /etc/apt/apt.conf.d whose name has only letters,
#: digits, `_`, `-` and `.`, and no extension or `.conf` (apt.conf(5); apt ignores the others).
_APT_CONF = re.compile(r"/etc/apt/apt\.conf|/etc/apt/apt\.conf\.d/(?:[A-Za-z0-9_-]+|[A-Za-z0-9_.-]*\.conf)")
_HEREDOC_MARKER = re.compile(r"<<-?([\"']?)(.+)\1")
_COMMENT = re.compile(r"\s*(?://|#)")


def _copied_setting(ctx: RuleContext, node: ast.Instruction) -> bool:
    """An earlier COPY/ADD of the image writes a here-document turning recommends off into a
    file apt reads (``COPY <<EOF /etc/apt/apt.conf.d/01norecommend``): in a stage it is built
    FROM, earlier in its stage, or in an earlier ONBUILD trigger for one. One pass per stage,
    each starting where its parent stage's lineage ends."""
    stage = ctx.model.stage_of(node)
    if stage is None:
        return False
    memo = ctx.analysis.memo("DF202: apt.conf here-documents")
    table = memo.get(stage.index)  # id(instruction) -> written before it; 0 -> by the end of the stage
    if table is None:
        lineage = ctx.model.lineage(stage)
        start, seen = 0, False
        for index in range(len(lineage) - 2, -1, -1):  # the nearest ancestor whose lineage is known
            known = memo.get(("lineage", lineage[index].index))
            if known is not None:
                start, seen = index + 1, known
                break
        table = memo[stage.index] = {}
        for member in lineage[start:]:
            for instruction in member.instructions:
                if not isinstance(instruction, ast.OnbuildInstruction):
                    if member is stage:
                        table[id(instruction)] = seen
                    seen = seen or _writes_no_recommends(ctx, instruction, instruction)
            memo[("lineage", member.index)] = seen
        for instruction in stage.instructions:  # the triggers, as they run downstream
            if isinstance(instruction, ast.OnbuildInstruction) and instruction.trigger is not None:
                table[id(instruction)] = seen
                seen = seen or _writes_no_recommends(ctx, instruction.trigger, instruction)
        table[0] = seen
    return table.get(id(node), table[0])


def _writes_no_recommends(ctx: RuleContext, node: ast.Instruction, anchor: ast.Instruction) -> bool:
    if not isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) or not node.heredocs:
        return False
    bodies = {heredoc.name: heredoc.body for heredoc in node.heredocs}
    for written in copied(ctx.model, node, anchor):
        marker = _HEREDOC_MARKER.fullmatch(written.source.value)
        body = bodies.get(marker.group(2)) if marker else None
        if body is not None and _APT_CONF.fullmatch(posixpath.normpath(written.path)) and any(
                APT_NO_RECOMMENDS.search(line) for line in body.splitlines() if not _COMMENT.match(line)):
            return True
    return False
