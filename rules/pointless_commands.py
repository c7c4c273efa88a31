"""DF406 pointless-commands: interactive or system commands that make no sense in a build."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import Step, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import unwrap

_WHY = {
    "ssh": "a build has no terminal and no keys (use `RUN --mount=type=ssh` for private sources)",
    "vim": "it is an interactive editor and a build has no terminal (edit with `sed`, or COPY the file)",
    "service": "the service stops when this RUN ends (start it from CMD or ENTRYPOINT)",
    "shutdown": "there is no system to shut down in a build",
    "ps": "it only shows the build's own processes",
    "top": "it only shows the build's own processes",
    "free": "it shows the build host's memory, not the container's at run time",
    "ifconfig": "it shows the build's network, not the container's at run time",
    "kill": "a RUN has no processes to stop but those it starts itself (and PID 1 is its own shell)",
    "mount": "a build has no privileges to mount, and mounts vanish when the RUN ends (use `RUN --mount`)",
}
_VERSION = frozenset({"--version", "--help", "-version", "-V"})
#: vim options that make it run commands instead of waiting for a user.
_VIM_BATCH = frozenset({"-c", "--cmd", "-s", "-S", "-e", "-E", "-es", "-Es", "--headless", "-u", "-n", "-N"})
_QUIET = frozenset({"echo", "printf", "true", ":", "sleep", "set", "service"})


class PointlessCommands(Rule):
    r"""Commands such as `ssh`, `vim`, `service` or `ps` do nothing useful in a build.

    ## What it does
    Reports a command in a RUN (`ONBUILD RUN` included, looked for behind
    wrappers such as `sudo`, `env`, `gosu` or `chroot`, inside heredoc
    scripts and the scripts of `sh -c`, `su -c` and `eval`) that makes no
    sense while building an image: `ssh`, `vim`, `shutdown`, `service`,
    `ps`, `top`, `free`, `ifconfig`, `kill` and `mount` (hadolint's list,
    plus `ifconfig`, which hadolint's message names). Installing them
    (`apt-get install vim`) is not running them, and is not reported.

    Not reported, because they are useful: a version or help check
    (`ssh -V`, `vim --version`); `vim` run as a batch editor (`vim -es`,
    `vim +PlugInstall +qall`); `service x start` followed by commands that
    use the service (`service mysql start && mysql < init.sql`), and its
    `service x stop` afterwards; `kill` of a process the RUN started
    (`$!`, a variable, a `$(pidof ...)`); `ssh` with `RUN --mount=type=ssh`;
    `mount` with `RUN --security=insecure`; `ps`/`top`/`free` inside `$(...)`
    or an `if` test, whose output or status the RUN uses.

    PowerShell and `cmd` RUNs are not read; an exec-form RUN with no shell
    (`RUN ["wget", "..."]`) is read as its one command.

    Differences from hadolint's DL3001: hadolint reports those cases too,
    and does not look behind `sudo`, into `sh -c` strings or heredoc
    scripts.

    ## Why is this bad?
    A RUN executes once, without a terminal, in a throw-away container:
    services it starts are gone when it ends, an editor waits for input
    forever or fails, `ps` and `free` describe the build machine, and
    `mount` or `shutdown` need privileges a build does not have. Such a
    command either breaks the build or misleads the reader.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
        && rm -rf /var/lib/apt/lists/* \
        && service nginx start
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
        && rm -rf /var/lib/apt/lists/*
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Fix safety
    This rule has no fix: removing a command may break a RUN that relies on
    its side effects.
    """

    code = "DF406"
    name = "pointless-commands"
    summary = "Command that makes no sense in a build (ssh, vim, service, ps...)"
    severity = Severity.INFO
    aliases = ("DL3001",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            run = node.effective
            if not isinstance(run, ast.RunInstruction):
                continue
            steps = run_steps(ctx.analysis, node)
            for index, step in enumerate(steps):
                program = _program(step)
                if program is None or _useful(run, steps, index, program):
                    continue
                written = " ".join(w.value for w in step.command.argv)
                yield ctx.finding(step.command, f"`{_short(written)}` makes no sense in a build: {_WHY[program]}")


def _program(step: Step) -> Optional[str]:
    invocation = step.invocation
    if invocation is None:
        return None
    return invocation.program if invocation.program in _WHY else None


def _useful(run: ast.RunInstruction, steps: list[Step], index: int, program: str) -> bool:
    step = steps[index]
    invocation = step.invocation
    argv = invocation.command.argv
    words = [w.value for w in argv[unwrap(argv)[0]:]]  # the program's own words, not sudo's or env's
    if _VERSION.intersection(words):
        return True
    if program == "vim":
        return any(w.startswith("+") or w in _VIM_BATCH for w in words[1:])
    if program in ("ps", "top", "free", "ifconfig"):
        return "substitution" in step.contexts or "condition" in step.contexts
    if program == "ssh":
        return any(m.type == "ssh" for m in run.mounts)
    if program == "mount":
        return run.security == "insecure"
    if program == "kill":
        return any(w.has_expansion for w in invocation.operands) \
            or any(s.command.background for s in steps) or any("%" in w.value for w in invocation.operands)
    if program == "service":
        later = [s for s in steps[index + 1:] if s.invocation is not None and s.invocation.program not in _QUIET]
        earlier = [s for s in steps[:index] if s.invocation is not None and s.invocation.program == "service"]
        return bool(later) or bool(earlier and invocation.operands[1:2]
                                   and invocation.operands[1].value == "stop")
    return False


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
