"""DF208 system-upgrade: upgrading every installed package in the build."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.layers import program_text, run_steps
from dflint.model.package_config import run_nodes
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import pacman_installs, reread, system_upgrade
from dflint.source import Span


class SystemUpgrade(Rule):
    r"""`apt-get upgrade` in a Dockerfile makes the image depend on the day it was built.

    ## What it does
    Reports commands that upgrade every installed package: `apt-get`/`apt`
    `upgrade`, `dist-upgrade`, `full-upgrade`; `aptitude safe-upgrade`,
    `full-upgrade`; `apk upgrade`; `yum`/`dnf`/`dnf5`/`microdnf`/`tdnf`
    `update`/`upgrade`/`distro-sync`; `zypper update`, `dist-upgrade`,
    `patch`; `pacman -Su`/`-Syu` alone. Upgrading named packages
    (`apk upgrade openssl`, `yum update -y openssl`) is a deliberate, targeted
    fix and is not reported, nor is a simulation (`apt-get -s upgrade`,
    `apk upgrade --simulate`, `dnf upgrade --assumeno`, `zypper update
    --dry-run`, `pacman -Syu --print`), which changes nothing.

    On Arch Linux, `pacman -Syu --noconfirm base-devel git` is not
    reported: it is the supported way to install (a rolling release has no
    older package set to keep; installing from a refreshed index without
    `-u` is a partial upgrade, which Arch does not support), nor is
    `pacman -Syu` followed in the same RUN by a `pacman -S` of packages.
    A `pacman -Syu` that installs nothing is reported, with the advice to
    name the packages it is for. `pacman -Sy git` (a partial upgrade) is
    not reported by this rule.

    Differences from hadolint (DL3035, `zypper dist-upgrade` only, which
    this rule covers finding by finding): hadolint reports nothing else.
    Trivy's deprecated DS024 reports `apt-get dist-upgrade` only.

    ## Why is this bad?
    The base image's packages are what its maintainers built and tested
    together. An upgrade in the build replaces them with whatever the
    mirror has on the day the layer is built, and then the build cache
    keeps that day's result: two builds of the same commit differ, and
    security fixes arrive only when the cache happens to be cleared. A newer
    base image (or rebuilding it on a schedule) gets the fixes reproducibly;
    `dist-upgrade` can even move the image to a new release. When security
    policy requires upgrading in the build, suppress this rule there.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get upgrade -y \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12.6-slim
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    This rule has no fix: removing the upgrade changes what the image holds.
    """

    code = "DF208"
    name = "system-upgrade"
    summary = "Upgrade of every installed package during the build"
    severity = Severity.INFO
    # DL3035 is hadolint's; DL3005, DL3017, DL3031 and DL3039 are the codes hadolint 1.x used
    # for these upgrades before retiring them, kept so old configurations and pragmas still work.
    partial_aliases = ("DL3035", "DL3005", "DL3017", "DL3031", "DL3039")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in run_nodes(ctx.model.stages):
            steps = run_steps(ctx.analysis, node)
            for index, step in enumerate(steps):
                upgrade = system_upgrade(reread(step.invocation))
                if upgrade is None or upgrade.invocation.program == "pacman" \
                        and any(pacman_installs(reread(later.invocation)) for later in steps[index + 1:]):
                    continue
                shown = f"{program_text(upgrade.invocation)} {upgrade.verb.value}"
                advice = "use a newer base image instead"
                if upgrade.invocation.program == "pacman":
                    advice += f", or name the packages the upgrade is for (`{shown} <packages>`)"
                # From the program's word, as without assignments in front (`DEBIAN_FRONTEND=... apt-get`).
                start = step.command.argv[0].span.start if step.command.argv else step.command.span.start
                yield ctx.finding(
                    Span(start, upgrade.verb.span.end),
                    f"`{shown}` upgrades every package to whatever the mirror has the day the layer is built, "
                    f"and the build cache keeps that day's result: {advice}",
                    alias=upgrade.hadolint)

