"""DF201 assume-yes: a package-manager command that would ask for confirmation in a build."""

from __future__ import annotations

import re
from typing import Iterator

from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.model.layers import program_text, run_steps
from dflint.model.package_config import (APT_ASSUME_YES, RPM_ASSUME_YES, configured, expanded_invocation,
                                         hidden_options, insert_after, run_nodes, variable_set)
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import APT, RPM, confirmation
from dflint.source import Span

_ANSWERING = frozenset(("yes", "echo", "printf"))
#: pip's ``yes`` option in a configuration file (``yes = true`` in pip.conf) or set by ``pip config
#: set global.yes true`` (``uninstall.yes``), quoted or in an exec form's JSON (``"global.yes", "true"``).
_PIP_ASSUME_YES = re.compile(r"(?:global|uninstall)\.yes[\"']?(?:\s*,\s*|\s+)[\"']?(?:1|true|yes|on)\b"
                             r"|(?:(?<=\\n)|(?<![\w.$-]))yes\s*=\s*[\"']?(?:1|true|yes|on)\b", re.I)


class AssumeYes(Rule):
    r"""A package manager that asks "continue?" gets no answer in a build, and the step fails.

    ## What it does
    Reports install, remove and upgrade commands that ask for confirmation
    when nothing on their command line answers it:

    - `apt-get`/`apt` `install`, `remove`, `purge`, `autoremove`,
      `upgrade`, `dist-upgrade`, `full-upgrade`, `build-dep`... without
      `-y`/`--yes`/`--assume-yes`, a quiet level of 2 (`-qq`, `-q -q`,
      `-q=2`, `--quiet=2`: APT documents that it implies `-y`),
      `-o APT::Get::Assume-Yes=true`, or a simulation (`-s`, `--print-uris`);
      `aptitude` without `-y`;
    - `yum`, `dnf`, `dnf5`, `microdnf`, `tdnf` `install`, `remove`,
      `update`, `downgrade`, `group install`, `module enable`... without
      `-y`/`--assumeyes` or `--setopt=assumeyes=1`;
    - `zypper` `install`, `remove`, `update`, `patch`, `dist-upgrade`,
      `source-install` without `-n`/`--non-interactive` or
      `-y`/`--no-confirm`;
    - `pacman -S`/`-R`/`-U` with targets (or `-Syu`) without `--noconfirm`;
    - `pip uninstall` (`pip3`, `python -m pip`) without `-y`/`--yes` or
      `PIP_YES` (ENV, ARG or on the command): pip asks "Proceed (Y/n)?",
      reads end-of-file and fails with `EOFError`. `uv pip uninstall`
      never asks.

    `apk` never asks, and neither does `conda`/`mamba`/`micromamba`
    `install`, `update`, `remove` or `create` in a build: their prompt
    ("Proceed ([y]/n)?", "Confirm changes: [Y/n]") reads end-of-file as its
    default answer, yes, so they are not reported. `DEBIAN_FRONTEND=noninteractive` is not an answer: it
    only keeps debconf from asking its own questions. A command is answered
    when `yes |` (or `echo y |`) feeds it (not through `xargs`, which makes
    arguments of its input), or when an earlier RUN of the
    image (or an earlier command of the RUN) writes the setting to a
    configuration file: `APT::Get::Assume-Yes "true";` in
    `/etc/apt/apt.conf.d/`, `assumeyes=1` in `yum.conf`/`dnf.conf`,
    `yes = true` in `pip.conf` (or `pip config set global.yes true`). Commands
    are found in every stage, behind wrappers (`sudo`, `env`, `gosu`,
    `su-exec`, `runuser -u`, `chroot`...), in the scripts of `sh -c`, `su -c`
    and `eval`, heredoc scripts, exec-form RUNs and ONBUILD triggers. A
    word that starts with a variable (`apt-get install $APT_FLAGS curl`)
    is read with its value when that value is known: from ARG/ENV, from a
    plain value the RUN assigns once before the command
    (`OPTS="-y"; apt-get install $OPTS curl`), or a loop's over plain words
    (`for p in curl git`, `echo curl | while read p`). Unquoted, the value
    is split into words as the shell splits it, so an option it holds
    counts. The command is not reported when the value is unknown, is a
    loop's over options, or is a quoted value listing options
    (`"$OPTS"` is one argument).

    Differences from hadolint (DL3014 apt-get, DL3030 yum, DL3038 dnf and
    microdnf, DL3034 zypper, which this rule covers finding by finding):
    hadolint only checks `install` (zypper: also `remove`, `patch`,
    `source-install`), not `apt`, `aptitude`, `dnf5`, `tdnf`, `pacman` or `pip`, and
    not commands behind `sudo` or `env`; it reports `--quiet=2`,
    `-o APT::Get::Assume-Yes=true`, `dnf --setopt=assumeyes=1`,
    `yes | apt-get install` and configuration files, which all answer the
    prompt. RUNs of Windows stages (cmd, PowerShell) are not read.

    ## Why is this bad?
    A build has no terminal. `apt-get install` asks "Do you want to
    continue? [Y/n]" as soon as it needs a package that was not named (a
    dependency), reads end-of-file and prints "Abort."; dnf and yum abort at
    "Is this ok [y/N]". The build fails, or worse, it passes today and fails
    the day a new dependency appears.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    ENV DEBIAN_FRONTEND=noninteractive
    RUN apt-get update && apt-get install --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    The fix inserts `-y` after the subcommand (`pip uninstall -y` too;
    `--non-interactive` after
    `zypper`, `--noconfirm` after pacman's operation). It is safe: it gives
    the answer the build needs and changes nothing else (with `-y`, apt-get
    still refuses to remove essential or held packages). For microdnf it is
    unsafe: microdnf before 3.7 (UBI 8.3 and older) does not know `-y`.
    """

    code = "DF201"
    name = "assume-yes"
    summary = "Package manager command that asks for confirmation, which a build cannot give"
    severity = Severity.WARNING
    partial_aliases = ("DL3014", "DL3030", "DL3038", "DL3034")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in run_nodes(ctx.model.stages):
            for step in run_steps(ctx.analysis, node):
                prompt = confirmation(expanded_invocation(ctx.analysis, node, step))
                if prompt is None or _piped_answer(step) or hidden_options(ctx.analysis, node, step):
                    continue
                program = prompt.invocation.program
                if program == "pip" and variable_set(ctx.analysis, node, step, "PIP_YES"):
                    continue
                pattern = APT_ASSUME_YES if program in APT else RPM_ASSUME_YES if program in RPM else \
                    _PIP_ASSUME_YES if program == "pip" else None
                if pattern is not None and configured(ctx.analysis, node, step, pattern):
                    continue
                shown = f"{program_text(prompt.invocation)} {prompt.verb.value}"
                when = " when it needs packages that were not named" if program in ("apt-get", "apt") \
                    and prompt.invocation.subcommand == "install" else ""
                note = ""
                if program in APT and variable_set(ctx.analysis, node, step, "DEBIAN_FRONTEND"):
                    note = " (DEBIAN_FRONTEND=noninteractive only silences debconf, not this prompt)"
                point, text = insert_after(ctx.analysis, node, prompt.after, prompt.answer)
                fix = ctx.fix(f"Add `{prompt.answer}`", ctx.edit(point, point, text),
                              applicability=Applicability.SAFE if prompt.safe else Applicability.UNSAFE)
                yield ctx.finding(
                    Span(step.command.span.start, prompt.verb.span.end),
                    f"`{shown}` asks for confirmation{when}, which a build cannot give: the step aborts{note}; "
                    f"add `{prompt.answer}`", fix, alias=prompt.hadolint)


def _piped_answer(step) -> bool:
    """``yes | apt-get install ...``: the answers come from the pipe. Through ``xargs`` the
    pipe gives arguments, not answers (the command reads /dev/null): only an ``echo`` or
    ``printf`` of plain words that are not options leaves no doubt."""
    command = step.command
    if command.pipeline_index == 0:
        return False
    before = [c for c in step.script.pipeline(command) if c.pipeline_index == command.pipeline_index - 1]
    if not before or before[0].program not in _ANSWERING:
        return False
    if "xargs" not in step.invocation.via or before[0].program == "yes":
        return True
    return any(w.has_expansion or w.value.startswith("-") for w in before[0].argv[1:])
