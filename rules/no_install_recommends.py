"""DF202 no-install-recommends: apt installs recommended packages nobody asked for."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.fix import Applicability
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
    configuration file, which turns recommends off for every later install,
    nor when the command asks for recommends itself (`--install-recommends`,
    `-o APT::Install-Recommends=true`; aptitude `-r`/`--with-recommends`):
    that is a deliberate choice (WineHQ's documented install uses it), and
    adding the flag to it would only contradict it, nor when a word starts
    with a variable that may hold the flag. A
    variable's value is read when it is known (ARG/ENV, or a plain value
    the RUN assigns once before the command), split into words as the
    shell splits an unquoted expansion, so `$APT_FLAGS` holding
    `--no-install-recommends` counts and one holding only `-y` does not.

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
                        or configured(ctx.analysis, node, step, APT_NO_RECOMMENDS):
                    continue
                aptitude = step.invocation.program == "aptitude"
                flag = "--without-recommends" if aptitude else "--no-install-recommends"
                point, text = insert_after(ctx.analysis, node, verb, flag)
                fix = ctx.fix(f"Add `{flag}`", ctx.edit(point, point, text), applicability=Applicability.UNSAFE)
                yield ctx.finding(
                    Span(step.command.span.start, verb.span.end),
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
