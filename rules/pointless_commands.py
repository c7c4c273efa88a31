"""DF406 pointless-commands: interactive or system commands that make no sense in a build."""

from __future__ import annotations

import posixpath
import re
from typing import Collection, Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import Step, run_steps
from dflint.model.paths import resolve
from dflint.model.variables import Scope
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.model import Word
from dflint.shell.scripts import exec_form_shell
from dflint.shell.tools import unwrap
from dflint.source import Span

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
    r"""Commands such as `ssh`, `vim`, `service` or `ps`, or a RUN of only `export`, do nothing useful in a build.

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

    It also reports a RUN that only changes the state of its own shell,
    which ends with it: every command is `export`, a bare assignment
    (`FOO=bar`), `unset`, `declare`, `cd`/`pushd`, `set`, `shopt`,
    `umask`, `alias`, `ulimit`, or `source`/`.` of an environment file (a
    virtualenv's `activate`, a profile, `*.env`, `nvm.sh`...), and not every
    one is a `cd` (cd-instead-of-workdir reports those). The message shows
    the commands as written, and advises ENV, WORKDIR, or making the
    setting in the RUN that needs it. A ready-made `ENV NAME=value` line
    is given only when ENV would give the value the shell did: not for a
    value with `~` (ENV does no tilde expansion), with `$HOME`, `$PWD` or
    another variable only the shell sets (BuildKit expands ENV from ARG
    and ENV only: `ENV PATH=$HOME/bin:$PATH` gives `/bin` in an image
    whose config has no HOME), unless an ARG or ENV sets it, nor with a
    variable set earlier in the same RUN. A sourced virtualenv's
    `ENV PATH=".../bin:$PATH"` has its path made absolute against the
    `cd` before it or the WORKDIR (`cd /app && . venv/bin/activate`:
    `/app/venv/bin`); under `~`, `$HOME` or an unknown WORKDIR (the base
    image may set one) the message asks for the absolute path instead. Not
    reported: a RUN with any other command, a command substitution
    (`export V=$(cat /VERSION)` runs `cat`), a redirection, a builtin that
    prints (`export -p`, `set` alone, `ulimit -a`), the `source` of another
    file (it may run anything), `sh -c '...'` and `bash <<EOF` scripts (the
    shell is a command of its own), and exec-form RUNs other than a shell's
    script (`RUN ["export", "A=1"]` fails: there is no such program; `RUN
    ["sh", "-c", "export A=1"]` is read as `RUN export A=1`).

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
    command either breaks the build or misleads the reader. Likewise a
    variable exported, a directory entered or a virtualenv activated in a
    RUN of its own is gone when that RUN's shell exits: later instructions
    run without it.

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
            lost = _state_only(run, steps)
            if lost is not None:
                yield _lost_state(ctx, node, "ONBUILD ENV" if run is not node else "ENV", lost)
                continue
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


#: Shell builtins that only change the state of the shell running them, by what they change.
_STATE = {"export": "env", "unset": "env", "declare": "env", "typeset": "env", "readonly": "env",
          "cd": "cwd", "pushd": "cwd", "popd": "cwd", "source": "source", ".": "source",
          "set": "shell", "shopt": "shell", "umask": "shell", "alias": "shell", "unalias": "shell",
          "ulimit": "shell"}
#: Options with which those builtins print, not set (`export -p`, `ulimit -a`, `umask -S`).
_PRINTING = frozenset({"-p", "-a", "-S"})
#: Files whose sourcing only sets variables and functions: a virtualenv's activate, profiles, env files.
_ENV_FILES = frozenset({"activate", ".bashrc", ".profile", ".bash_profile", "profile", "bashrc", "os-release",
                        "conda.sh", "nvm.sh", "env.sh", ".env", "cargo/env", "env"})


def _state_only(run: ast.RunInstruction, steps: list[Step]) -> Optional[list[tuple[Step, str]]]:
    """The steps of a RUN whose commands only set the state of its shell (variables, directory,
    options, sourced environments), each with what it sets; None when any command does more,
    prints, or writes through a redirection, and when every one is a `cd` (cd-instead-of-workdir
    reports those)."""
    if not steps or run.exec_form and exec_form_shell(run) is None:
        return None  # an exec-form RUN without a shell: `RUN ["export", "A=1"]` runs no builtin
    found = []
    for step in steps:
        command = step.command
        if command.redirects:
            return None
        if not command.argv:
            if not command.assignments:
                return None
            found.append((step, "env"))
            continue
        kind = _STATE.get(command.name or "")
        args = [word.value for word in command.args]
        if kind is None or command.assignments or not args or _PRINTING.intersection(args) \
                or command.name == "set" and args in (["-o"], ["+o"]):
            return None
        if kind == "source" and not _env_file(args[0]):
            return None
        found.append((step, kind))
    return None if all(kind == "cwd" for _, kind in found) else found


def _env_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name in _ENV_FILES or name.endswith(".env") or path.endswith("/cargo/env") \
        or "/profile.d/" in path


def _lost_state(ctx: RuleContext, node: ast.Instruction, env: str, lost: list[tuple[Step, str]]) -> Finding:
    """The finding for a RUN that only changes its own shell's state (``env``: the instruction that
    sets variables for what comes next, ``ONBUILD ENV`` for a trigger)."""
    scope = ctx.model.scope_at(node)
    advice = []
    kinds = [kind for _, kind in lost]
    if "env" in kinds:
        pairs: list[Optional[str]] = []
        assigned: set[str] = set()
        for step, kind in lost:
            if kind == "env":
                pairs.append(_pair(step, scope, assigned))
                assigned.update(_names(step))
        if all(pair is not None for pair in pairs):
            advice.append(f"use `{env} {' '.join(pair for pair in pairs if pair)}`")
        else:
            advice.append(f"set what later instructions need with {env} (`{env} NAME=` empties a variable)")
            if any(_shell_only(step, scope) for step, kind in lost if kind == "env"):
                advice.append("write directories out in it: ENV expands no `~`, nor variables only the shell "
                              "sets, such as `$HOME`, unless an ARG or ENV sets them")
    for step, kind in lost:
        if kind == "source":
            path = step.command.args[0].value
            if posixpath.basename(path) == "activate" and posixpath.dirname(path).endswith("/bin"):
                venv = _venv(step, scope)
                if venv is not None:
                    advice.append(f"for the virtualenv, `{env} PATH=\"{venv}/bin:$PATH\"` does for later "
                                  f"instructions what activate does")
                else:
                    advice.append(f"for the virtualenv, `{env} PATH=\"<virtualenv>/bin:$PATH\"` with its "
                                  f"absolute path does for later instructions what activate does")
            else:
                advice.append(f"source {path} in the RUN whose commands need it")
    if "cwd" in kinds:
        advice.append("use WORKDIR to change the directory of later instructions")
    if "shell" in kinds:
        names = list(dict.fromkeys(step.command.name for step, kind in lost if kind == "shell"))
        advice.append(f"make the {' and '.join(f'`{n}`' for n in names)} setting in the RUN whose commands it "
                      f"is for")
    first, last = lost[0][0].command, lost[-1][0].command
    return ctx.finding(Span(first.span.start, last.span.end),
                       f"`{_short(_written(lost))}` makes no sense in a build: it only changes the state of this "
                       f"RUN's shell, which ends with the RUN, so later instructions do not see it; "
                       f"{'; '.join(advice)}")


def _written(lost: list[tuple[Step, str]]) -> str:
    """The commands as written, each on one line, joined by the operator between them (`;` for a line
    break): `export A=1 B=2; export C`."""
    parts = []
    for index, (step, _) in enumerate(lost):
        command = step.command
        if index:
            operator = lost[index - 1][0].command.next_operator
            parts.append("; " if operator in (None, "\n", ";") else f" {operator} ")
        parts.append(" ".join(_CONTINUATION.sub(" ", step.script.text[command.start:command.end]).split()))
    return "".join(parts)


_CONTINUATION = re.compile(r"\\\r?\n")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Variables the shell (or the container's runtime) sets for a RUN, which ENV does not see unless an ARG
#: or ENV sets them: `ENV PATH=$HOME/bin` gives `/bin` in an image whose config has no HOME.
_SHELL_VARIABLES = frozenset({"HOME", "PWD", "OLDPWD", "HOSTNAME", "USER", "LOGNAME", "UID", "EUID", "PPID",
                              "SHLVL", "RANDOM", "SECONDS", "LINENO", "BASHPID", "IFS"})


def _names(step: Step) -> list[str]:
    command = step.command
    words = [a.word for a in command.assignments] if not command.argv else list(command.args)
    return [word.value.partition("=")[0] for word in words]


def _shell_only(step: Step, scope: Scope) -> bool:
    """The command's values hold a ``~`` or a variable only the shell sets (``$HOME``, ``$PWD``)."""
    for word in _words(step):
        value = word.raw.partition("=")[2]
        expansion = scope.expand(value)
        if "~" in value or any(n in _SHELL_VARIABLES and scope.get(n) is None for n in expansion.used):
            return True
    return False


def _words(step: Step) -> list[Word]:
    """The ``NAME=value`` words of an ``export`` or of bare assignments."""
    command = step.command
    return [a.word for a in command.assignments] if not command.argv \
        else list(command.args) if command.name == "export" else []


def _pair(step: Step, scope: Scope, assigned: set[str]) -> Optional[str]:
    """``NAME=value`` for ENV from ``export NAME=value`` or ``NAME=value``, as written: ENV expands
    ``$VAR`` and reads quotes alike. None when ENV would give another value: a command substitution,
    a ``~``, a variable only the shell sets (``$HOME`` without ARG or ENV), one set earlier in the
    same RUN (ENV expands the values an instruction starts with), a shell-only expansion
    (``${#A}``); and for a name without value."""
    pairs = []
    for word in _words(step):
        name, equals, value = word.raw.partition("=")
        if not equals or not _NAME.fullmatch(name) or not _same_in_env(value, scope, assigned):
            return None
        pairs.append(f"{name}={value}")
    return " ".join(pairs) or None


def _same_in_env(value: str, scope: Scope, assigned: Collection[str] = ()) -> bool:
    """ENV expands ``value`` to what the RUN's shell did."""
    if "$(" in value or "`" in value or "~" in value:
        return False
    expansion = scope.expand(value)
    if expansion.error is not None:
        return False
    return all(_NAME.fullmatch(name) and name not in assigned
               and (name not in _SHELL_VARIABLES or scope.get(name) is not None) for name in expansion.used)


def _venv(step: Step, scope: Scope) -> Optional[str]:
    """The virtualenv of a sourced ``.../bin/activate``, for ENV: as written when ENV reads it alike
    and it is absolute, else made absolute against the directory the RUN sourced it in; None when
    that cannot be known."""
    word = step.command.args[0]
    if not _same_in_env(word.raw, scope):
        return None
    written = posixpath.dirname(posixpath.dirname(word.value))
    expansion = scope.expand(word.raw)
    if written.startswith("/") or expansion.resolved and expansion.value.startswith("/"):
        return written
    if not expansion.resolved:
        return None
    path = resolve(expansion.value, step.cwd, home=False)
    return posixpath.dirname(posixpath.dirname(path)) if path is not None else None
