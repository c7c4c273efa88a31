"""DF206 apt-not-apt-get: `apt` in a script, whose command line is meant for people."""

from __future__ import annotations

import json
from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.layers import run_steps
from dflint.model.package_config import insert_after, run_nodes
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.scripts import exec_form_run
from dflint.shell.tools import program_name

#: apt subcommands that apt-get runs the same way (apart from what apt does with downloaded .debs).
_SAME = frozenset("install reinstall remove purge autoremove auto-remove autopurge update dist-upgrade "
                  "full-upgrade build-dep satisfy source download clean autoclean auto-clean distclean "
                  "dist-clean".split())
#: apt subcommands that are apt-cache's.
_CACHE = frozenset("search show showsrc policy depends rdepends madison showpkg".split())


class AptNotAptGet(Rule):
    r"""`apt` is for people at a terminal; scripts should call `apt-get` and `apt-cache`.

    ## What it does
    Reports each `apt` command a RUN executes (behind wrappers such as
    `sudo`, `env`, `gosu` or `runuser -u`, in the scripts of `sh -c`, `su -c`
    and `eval`, heredoc scripts and ONBUILD triggers too, and `/usr/bin/apt`).
    `apt-get`, `apt-cache`, `apt-mark` and `apt-key` are not reported.

    Differences from hadolint (DL3027): hadolint does not see `apt` behind
    `sudo`/`env` or called by its path, and reports RUNs of Windows stages
    (cmd, PowerShell), which dflint does not read.

    ## Why is this bad?
    apt prints "WARNING: apt does not have a stable CLI interface. Use with
    caution in scripts." Its defaults follow what is convenient at a
    terminal and change between releases: `apt upgrade` installs new
    dependencies where `apt-get upgrade` does not, it deletes downloaded
    packages after installing, shows progress bars and colours. `apt-get`
    and `apt-cache` keep their behaviour stable for scripts.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt update && apt install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    The fix replaces `apt` with `apt-get` for the subcommands both share
    (`install`, `remove`, `update`, `dist-upgrade`...), with
    `apt-get upgrade --with-new-pkgs` for `apt upgrade`, and with `apt-cache`
    for `search`, `show`, `policy`, `depends`. It is unsafe: apt deletes the
    `.deb` files it downloaded (`Binary::apt::APT::Keep-Downloaded-Packages`)
    and apt-get keeps them in `/var/cache/apt/archives`, unless the image
    cleans them (Debian and Ubuntu images do, with
    `/etc/apt/apt.conf.d/docker-clean`); and apt-cache prints differently. `apt
    list`, `apt edit-sources` and `apt` without a subcommand have no fix.
    """

    code = "DF206"
    name = "apt-not-apt-get"
    summary = "apt used in a script instead of apt-get or apt-cache"
    severity = Severity.WARNING
    aliases = ("DL3027",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in run_nodes(ctx.model.stages):
            for step in run_steps(ctx.analysis, node):
                invocation = step.invocation
                if invocation is None or invocation.program != "apt":
                    continue
                word = next((w for w in step.command.argv if program_name(w.value) == "apt"), None)
                if word is None:
                    continue
                fix, instead = _fix(ctx, node, invocation, word)
                yield ctx.finding(word, f"`apt` has no stable command line for scripts (its defaults and output "
                                        f"change between releases): use {instead}", fix)


def _fix(ctx: RuleContext, node, invocation, word) -> tuple[Optional[Fix], str]:
    sub, verb = invocation.subcommand, invocation.subcommand_word
    if verb is None:
        return None, "`apt-get` or `apt-cache`"
    if sub in _SAME or sub == "upgrade":
        edits = [_rename(ctx, node, word, "apt-get")]
        if sub == "upgrade":
            point, text = insert_after(ctx.analysis, node, verb, "--with-new-pkgs")
            edits.append(ctx.edit(point, point, text))
        shown = "apt-get upgrade --with-new-pkgs" if sub == "upgrade" else f"apt-get {sub}"
        return _unsafe(ctx, f"Use `{shown}`", edits), f"`{shown}`"
    if sub in _CACHE:
        return _unsafe(ctx, f"Use `apt-cache {sub}`", [_rename(ctx, node, word, "apt-cache")]), f"`apt-cache {sub}`"
    if sub == "list":
        return None, "`apt-cache` or, for installed packages, `dpkg-query -W`"
    return None, "`apt-get` or `apt-cache`"


def _rename(ctx: RuleContext, node, word, program: str):
    """The edit that makes ``word`` (``apt``, ``/usr/bin/apt``, ``"apt"`` in exec form) name ``program``."""
    start, end = word.span.start.offset, word.span.end.offset
    if exec_form_run(node) is not None:
        return ctx.edit(start, end, json.dumps(word.value[:-3] + program))
    if not word.raw.endswith("apt"):
        return None
    return ctx.edit(end - 3, end, program)


def _unsafe(ctx: RuleContext, message: str, edits) -> Optional[Fix]:
    if any(edit is None for edit in edits):
        return None
    return ctx.fix(message, *edits, applicability=Applicability.UNSAFE)
