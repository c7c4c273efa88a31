"""DF201 assume-yes: a package-manager command that would ask for confirmation in a build."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.model.layers import program_text, run_steps
from dflint.model.package_config import (APT_ASSUME_YES, RPM_ASSUME_YES, configured, expanded_invocation,
                                         hidden_options, insert_after, run_nodes, variable_set)
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.installs import CONDA_VALUES
from dflint.shell.options import Spec, parse_options
from dflint.shell.package_managers import APT, RPM, confirmation
from dflint.shell.tools import unwrap
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

    `apk` never asks. `conda` `install`, `update`, `remove <pkg>` and
    `create` of a new environment are not reported either: their prompt
    ("Proceed ([y]/n)?") takes end of input for its default answer, yes
    (conda's `confirm_yn`). Two conda prompts default to no, which a build's
    end of input answers, so conda exits 0 having done less than asked;
    they are reported, unless `-y`/`--yes`, `--json`, `--dry-run`,
    `CONDA_ALWAYS_YES`/`CONDA_YES` or an `always_yes` setting written by an
    earlier RUN (`conda config --set always_yes true`) answers them:
    - `conda create -n NAME` (or `-p PREFIX`) of an environment an earlier
      `conda create`/`conda env create` of the image created under the same
      name or prefix ("Remove existing environment?"): conda creates
      nothing and installs nothing. `conda rename` counts as creating its
      destination and removing its source, `mamba create` (which shares
      conda's environments) as creating its environment, and `micromamba
      create` too when given a path (`-p`; by name, it uses its own root
      prefix, which conda may not share); their `remove --all` and `env
      remove` as removing it. Not followed through an `rm`, a RUN
      that is not read, or a command that runs conda in a way not read
      here; an environment named by `-n` and one given by its path are not
      compared;
    - `conda remove --all` and `conda env remove` (conda 24.1 and later,
      "Do you wish to continue?"): the packages are removed, but the
      directory and every file not from a conda package stay (unless
      `--keep-env` asks for that).

    `mamba` and `micromamba` are not reported: their prompts
    ("Confirm changes: [Y/n]") were not checked against their sources. `DEBIAN_FRONTEND=noninteractive` is not an answer: it
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
    unsafe: microdnf before 3.7 (UBI 8.3 and older) does not know `-y`. For
    conda (`conda create -y`, `conda remove -y --all`) it is unsafe too: the
    build used to go on with the old environment, or the directory, which
    `-y` now deletes.
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
                    Span(_program_start(step), prompt.verb.span.end),
                    f"`{shown}` asks for confirmation{when}, which a build cannot give: the step aborts{note}; "
                    f"add `{prompt.answer}`", fix, alias=prompt.hadolint)
        yield from _conda(ctx)


def _conda(ctx: RuleContext) -> Iterator[Finding]:
    """conda's two prompts whose default is no (conda.reporters.confirm_yn(default="no")): end of input
    answers no, and conda exits 0 having done nothing (create) or kept the directory (remove --all)."""
    if "conda" not in ctx.file.text:
        return
    analysis = ctx.analysis
    ends: dict[int, dict[tuple[str, str], int]] = {}
    for stage in ctx.model.stages:
        created = dict(ends.get(stage.parent, {})) if stage.parent is not None else {}
        for node in stage.instructions:
            trigger = isinstance(node, ast.OnbuildInstruction)
            if not isinstance(node.effective, ast.RunInstruction):
                continue
            steps = run_steps(analysis, node)
            if not steps and not trigger:
                created.clear()  # not read (cmd, PowerShell): anything may have run
            for step in steps:
                found = _conda_step(ctx, node, step, {} if trigger else created)
                if found is not None:
                    yield found
        ends[stage.index] = created


def _conda_step(ctx: RuleContext, node: ast.Instruction, step, created: dict[tuple[str, str], int]
                ) -> Optional[Finding]:
    """Reads one step: a `conda create` over an environment an earlier step created, or a
    `conda remove --all`, unanswered, is reported; ``created`` follows the environments made."""
    invocation = step.invocation
    if invocation is not None and invocation.program in ("mamba", "micromamba") \
            and not hidden_options(ctx.analysis, node, step):
        _mamba_step(invocation.program, step, created)
        return None
    if invocation is None or invocation.program != "conda" or hidden_options(ctx.analysis, node, step):
        if invocation is not None and invocation.program == "rm" or "conda" in " ".join(w.value for w in step.command.argv):
            created.clear()  # `rm -rf /opt/conda/envs/app`, `retry conda env remove ...`: not followed
        return None
    parsed, words, names, target, environment, verb = _read_conda(step)
    certain = not step.branch and step.command.operator != "||" and step.command.next_operator != "||"
    answered = bool(names & {"-y", "--yes", "--json"}) or _piped_answer(step) \
        or any(variable_set(ctx.analysis, node, step, name) for name in ("CONDA_ALWAYS_YES", "CONDA_YES")) \
        or configured(ctx.analysis, node, step, _CONDA_ALWAYS_YES)
    if verb in (["remove"], ["uninstall"]) and (environment or "--all" in names):
        if target is not None:
            created.pop(target, None)
        if answered or names & {"-d", "--dry-run", "--keep-env"} or target is None:
            return None
        shown, verb_word = "remove --all", parsed.operands[1 if environment else 0]
        if environment:
            shown = "env remove"
        return _conda_finding(
            ctx, node, step, verb_word,
            f"`conda {shown}` removes the environment's packages, then asks whether to delete its directory, "
            "with no as the default: a build answers with end of input, so conda (24.1 and later) keeps the "
            "directory, with every file not from a conda package, and exits 0; add `-y`")
    if verb == ["rename"]:  # a clone at the destination, then the source removed (conda.cli.main_rename)
        if names & {"-d", "--dry-run"}:
            return None
        if target is None:
            created.clear()  # an environment not known here is gone
        else:
            created.pop(target, None)
        destination = words[1] if len(words) > 1 and "$" not in words[1] else None
        if destination is not None and certain:
            created[("-p", destination.rstrip("/")) if "/" in destination else ("-n", destination)] = step.command.line
        return None
    if verb != ["create"] or target is None:
        return None
    line = created.get(target)
    if certain:
        created[target] = step.command.line
    if line is None or environment or answered or names & {"-d", "--dry-run"}:
        return None
    what = f"environment `{target[1]}`" if target[0] == "-n" else f"environment at `{target[1]}`"
    return _conda_finding(
        ctx, node, step, parsed.operands[0],
        f"`conda create` finds the {what} that line {line} created and asks whether to remove it, with no "
        "as the default: a build answers with end of input, so conda exits 0 without creating anything, "
        "and nothing named here is installed; add `-y` to replace the environment, or use `conda install` "
        "to add to it")


def _mamba_step(program: str, step, created: dict[tuple[str, str], int]) -> None:
    """Follows the environments ``mamba`` or ``micromamba`` create or remove, which a later ``conda
    create`` finds: mamba shares conda's environments directory, micromamba has its own root prefix
    (``MAMBA_ROOT_PREFIX``), so only its environments given by path (``-p``) are followed."""
    parsed, words, names, target, environment, verb = _read_conda(step)
    if verb in (["remove"], ["uninstall"]) and (environment or "--all" in names):
        if target is None:
            created.clear()
        else:
            created.pop(target, None)
    elif verb == ["create"] and target is not None and not names & {"-d", "--dry-run"} \
            and (program == "mamba" or target[0] == "-p") \
            and not step.branch and step.command.operator != "||" and step.command.next_operator != "||":
        created[target] = step.command.line


def _read_conda(step):
    """A conda-like command's options and operands: (parsed, operand values, option names, the
    environment it names (``("-n", name)`` or ``("-p", path)``, None when not shown), whether it is
    ``conda env ...``, its verb as a list of at most one word)."""
    index, _ = unwrap(step.command.argv)
    parsed = parse_options(step.command.argv[index + 1:], Spec(values=CONDA_VALUES | {"--clone"}))
    words = [word.value for word in parsed.operands]
    names = {option.name for option in parsed.options}
    target = next(((("-p" if o.name in ("-p", "--prefix") else "-n"), o.value) for o in parsed.options
                   if o.name in ("-n", "--name", "-p", "--prefix") and o.value and "$" not in o.value), None)
    environment = words[:1] == ["env"]
    verb = words[1:2] if environment else words[:1]
    return parsed, words, names, target, environment, verb


def _conda_finding(ctx: RuleContext, node: ast.Instruction, step, verb, message: str) -> Finding:
    point, text = insert_after(ctx.analysis, node, verb, "-y")
    return ctx.finding(Span(_program_start(step), verb.span.end), message,
                       ctx.fix("Add `-y`", ctx.edit(point, point, text), applicability=Applicability.UNSAFE))


def _program_start(step):
    """Where a finding starts: at the program's word, as without assignments in front of it
    (``DEBIAN_FRONTEND=noninteractive apt-get install``: at apt-get), as DF202's do."""
    return step.command.argv[0].span.start if step.command.argv else step.command.span.start


#: conda's `always_yes` (alias `yes`) in a .condarc, or set by `conda config --set always_yes true`.
_CONDA_ALWAYS_YES = re.compile(r"always_yes|(?<![\w-])yes\s*:\s*[\"']?(?:true|yes|on|1)\b", re.I)


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
