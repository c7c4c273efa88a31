"""DF203 pin-system-packages: OS packages installed without a version (opt-in)."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.layers import run_steps
from dflint.model.package_config import expanded_invocation, known_pins, run_nodes
from dflint.rule import Finding, Option, Rule, RuleContext
from dflint.shell.package_managers import pin_problem, system_pins


class PinSystemPackages(Rule):
    """OS packages installed without a version change under the build whenever the mirror does.

    ## What it does
    Off by default: select it where your policy is to pin OS packages.
    Reports each package of an `apt-get`/`apt`/`aptitude install`,
    `apk add`, `yum`/`dnf`/`dnf5`/`microdnf`/`tdnf install` or
    `zypper install` that is not pinned to one version: `curl=8.5.0-1`
    (apt), `curl=8.5.0-r0` (apk), `curl-8.5.0` or `curl-8.5.0-1.el9` (rpm),
    `curl=8.5.0` (zypper). apt's `curl/bookworm-backports` names a release,
    not a version, and apk's `curl@edge` a repository: both are reported.
    Ranges (apk `curl~8.5`, zypper `curl>=8`, a dnf module stream
    `nodejs:20`) are reported unless the `exact` option is false.
    `dnf module enable nodejs:20` installs nothing and is not reported:
    pin the packages the later `dnf install` takes from the stream.

    An rpm word is pinned when a version (and optionally a release and an
    architecture) follows a `-`: `java-1.8.0-openjdk` and
    `java-11-openjdk` are names (`openjdk` is no release), and so are names
    that end in a version stream, which dnf reads as names first:
    `dotnet-sdk-8.0`, `aspnetcore-runtime-8.0` (.NET), `gcc-toolset-13`,
    `devtoolset-11` and CUDA's `cuda-toolkit-12-2`, `libcublas-12-2`. All
    of them are reported; `dotnet-sdk-8.0-8.0.100-1.el9` is a pin. Other
    names ending in `-<number>` cannot be told from a pin
    (`compat-libstdc++-33` reads like `make-4.3`) and are taken as pins.

    Local files (`.deb`, `.rpm`, `.apk`), paths, URLs, groups (`@core`,
    `groupinstall`) and zypper patterns are not checked. A package word
    with a variable is read with the ARG/ENV values in scope (`$PACKAGES`
    with `ARG PACKAGES="curl git"` checks `curl` and `git`), and so are a
    plain value the RUN assigns once before the command and a loop's
    variable over plain words (`for p in curl git`,
    `echo curl | while read p`). Options and their values held in a
    variable (`-t bookworm-backports`) are read as options, not packages.
    When the value cannot be known (an ARG without default, a variable the
    script sets conditionally or more than once, a line `read` from a
    file) it is not reported.

    Differences from hadolint (DL3008 apt-get, DL3018 apk, DL3033 yum,
    DL3037 zypper, DL3041 dnf and microdnf, which this rule covers finding
    by finding): hadolint accepts `pkg/release` and ranges, takes any
    `name-<digit>...` word as a pinned rpm (`java-11-openjdk` is a name:
    dflint wants a version after it), does not check `apt`, `aptitude`,
    `dnf5`, `tdnf` or commands behind `sudo`/`env`, and reports a
    variable it cannot read, groups (`@core`), zypper patterns and RUNs of
    Windows stages (cmd, PowerShell), which dflint does not read.

    ## Why is this bad?
    An unpinned install takes whatever version the mirror has on the day of
    the build: two builds of the same commit can differ, and a cached layer
    hides the change until the cache is cleared. Pinning has a cost, which
    is why this rule is opt-in: distributions drop old versions from their
    mirrors, so pinned builds break until the pins are bumped; a tool like
    Renovate or a snapshot mirror (snapshot.debian.org) makes that bearable.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl git
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl=8.9.1-r0 git=2.45.2-r0
    ```

    ## Fix safety
    This rule has no fix: only you know which version the build expects.
    """

    code = "DF203"
    name = "pin-system-packages"
    summary = "OS package installed without a version pin"
    severity = Severity.WARNING
    partial_aliases = ("DL3008", "DL3018", "DL3033", "DL3037", "DL3041")
    default_enabled = False
    options = (
        Option("exact", bool, True, "Require one exact version; false also accepts ranges (apk `~8.5`, "
                                    "zypper `>=8`, module streams), as hadolint does"),
        Option("ignore", list, [], "Package names never reported (e.g. `ca-certificates`, which should track "
                                   "the mirror)"),
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        ignore = set(ctx.options["ignore"])
        for node in run_nodes(ctx.model.stages):
            for step in run_steps(ctx.analysis, node):
                pins = system_pins(expanded_invocation(ctx.analysis, node, step))
                if not pins:
                    continue
                for pin in known_pins(ctx.analysis, node, step, pins):
                    problem = pin_problem(pin, ctx.options["exact"])
                    if problem is None or pin.name in ignore:
                        continue
                    yield ctx.finding(pin.word, f"{problem}: the build installs whatever the mirror has that day; "
                                                f"pin it: `{pin.hint}`", alias=pin.hadolint)
