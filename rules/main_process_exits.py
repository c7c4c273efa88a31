"""DF711 main-process-exits: the command a container runs starts a service in the background and returns."""

from __future__ import annotations

from typing import Iterator, NamedTuple, Optional, Sequence

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.history import image_commands
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell import parse_shell
from dflint.shell.pipefail import shell_name
from dflint.shell.model import Word
from dflint.shell.positions import TextPositions
from dflint.shell.tools import program_name, unwrap
from dflint.source import Span

_START = frozenset({"start", "restart"})
_APACHECTL_START = frozenset({"start", "restart", "graceful"})


class Problem(NamedTuple):
    """What a command does wrong as a container's main process, and what to do instead."""

    reason: str
    advice: str


#: Where a finding goes, the command as written, and what is wrong with it.
_Found = tuple[Span, str, Problem]


class MainProcessExits(Rule):
    r"""A CMD or ENTRYPOINT that starts a service in the background: the container stops at once.

    ## What it does
    Reports the command a container starts with when it ends right after
    starting something in the background. The command is the last one the
    image's ENTRYPOINT or CMD runs (as BuildKit sets them, through the
    stages a stage is built `FROM`), read in shell form, in exec form and in
    the script of an exec-form `["sh", "-c", "..."]`, behind `exec`, `sudo`
    and other wrappers:
    - `service NAME start`, `/etc/init.d/NAME start`, `rc-service NAME
      start` (or `restart`): init scripts start the daemon and return;
    - `systemctl start NAME`: it needs systemd running as PID 1, which a
      container does not have, so it fails;
    - `apachectl start` (`-k start`, `restart`, `graceful`), `postfix start`;
    - `cron` or `crond` without `-f` (or cronie's `-n`), and `sshd` without
      `-D` (or `-d`): they fork into the background by default;
    - any command the shell runs in the background with `&`, as the last
      one (`CMD nginx &`).

    Only the last command counts: `service cron start && nginx -g 'daemon
    off;'` keeps running, as does a script with a loop or a `wait` after it.
    Windows stages, ONBUILD triggers and stages only copied from are not
    read; an ENTRYPOINT of the base image cannot be seen, so a CMD is read
    as the command itself. hadolint's DL3001 reports `service` in a RUN
    (DF406 here); neither it nor BuildKit checks the command a container
    runs.

    ## Why is this bad?
    A container lives as long as its main process. A program that forks a
    daemon and returns, or a shell whose last command goes to the
    background, ends at once: the container stops as soon as it starts,
    taking the daemon with it, and a restart policy restarts it in a loop.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
        && rm -rf /var/lib/apt/lists/*
    CMD service nginx start
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
        && rm -rf /var/lib/apt/lists/*
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Fix safety
    There is no fix: how a program stays in the foreground is its own
    option (`nginx -g 'daemon off;'`, `apachectl -D FOREGROUND`, `cron -f`,
    `sshd -D`), and a service started beside another program needs that
    program last.
    """

    code = "DF711"
    name = "main-process-exits"
    summary = "CMD or ENTRYPOINT that starts a service in the background and returns: the container stops at once"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage, entrypoint, cmd in image_commands(model):
            if model.is_windows(stage):
                continue
            main = entrypoint if entrypoint is not None and entrypoint.args else cmd  # ENTRYPOINT []: none
            if main is None:
                continue
            if main is entrypoint and cmd is not None and _init_only(entrypoint):
                main = cmd  # `tini --` and the like run the CMD as their child: it is the command that counts
            # An exec-form ENTRYPOINT runs with the exec-form CMD as its arguments; a shell-form one ignores it.
            arguments = cmd if main is entrypoint and cmd is not None and main.exec_form and cmd.exec_form else None
            found = _exec_form(ctx, main, arguments) if main.exec_form else _shell_form(ctx, main)
            if found is None:
                continue
            span, words, problem = found
            yield ctx.finding(span, f"`{words}` {problem.reason}; a container stops when its main process "
                              f"ends, so this one stops as soon as it starts; {problem.advice}",
                              related=[("the CMD", arguments)] if arguments is not None else [])


def _init_only(entrypoint: ast.Instruction) -> bool:
    """An exec-form ENTRYPOINT that is only a minimal init (``["tini", "--"]``, ``["dumb-init"]``)."""
    values = [arg.value for arg in entrypoint.args] if entrypoint.exec_form else []
    return bool(values) and program_name(values[0]) in _INITS and all(value.startswith("-") for value in values[1:])


# Minimal inits for PID 1: they run their arguments as a child and live exactly as long as it does.
_INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "docker-init"})


def _shell_form(ctx: RuleContext, node: ast.Instruction) -> Optional[_Found]:
    """The last command of a shell-form command line, if it leaves nothing running."""
    text = node.shell_text
    if text is None or text.origin < 0 or shell_name(ctx.analysis.shell_for(node)[:1]) is None:
        return None  # PowerShell, cmd: not read
    found = _in_script(text.value)
    if found is None:
        return None
    start, end, words, problem = found
    return node.span_of(text.origin + start, text.origin + end), words, problem


def _exec_form(ctx: RuleContext, node: ast.Instruction, cmd: Optional[ast.Instruction]) -> Optional[_Found]:
    """The program of an exec-form ENTRYPOINT (followed by the exec-form CMD) or CMD, or the script of
    its ``sh -c``."""
    arguments = list(node.args) + (list(cmd.args) if cmd is not None else [])
    # The JSON strings as shell words (exec form expands nothing), as an exec-form RUN is read.
    positions = TextPositions(ctx.file.text, ctx.analysis.line_index)
    words = [Word(arg.span.start.offset, arg.span.end.offset, positions=positions, value=arg.value, raw=arg.text,
                  quoted=True) for arg in arguments]
    index = unwrap(words)[0]
    if index < len(words) and program_name(words[index].value) in _INITS:  # ["tini", "--", "cron"]
        index += 1
        while index < len(words) and words[index].value.startswith("-"):
            index += 1
    if index >= len(words):
        return None
    values = [word.value for word in words[index:]]
    if shell_name(values[:1]) and len(values) > 2 and values[1].startswith("-") and values[1].endswith("c"):
        script = arguments[index + 2]
        found = _in_script(script.value)
        return None if found is None else (script.span, found[2], found[3])
    problem = _problem(words[index:], background=False)
    if problem is None:
        return None
    return arguments[index].span, " ".join(values), problem


def _in_script(script: str) -> Optional[tuple[int, int, str, Problem]]:
    """(start, end, text, problem) of a script's last command when it is one that leaves nothing running."""
    parsed = parse_shell(script)
    if not parsed.ok:
        return None
    top = [command for command in parsed.commands if not command.contexts and command.argv]
    if not top:
        return None
    last = max(top, key=lambda command: command.start)
    if any(command.start >= last.end for command in parsed.commands):
        return None  # a loop, a group or a `wait` after it keeps the shell running
    problem = _problem(last.argv[unwrap(last.argv)[0]:], background=last.background)
    if problem is None:
        return None
    return last.start, last.end, script[last.start:last.end], problem


def _problem(argv: Sequence[Word], background: bool) -> Optional[Problem]:
    """Why a command (its program first, behind any wrappers) cannot be a container's last command."""
    if background:
        return Problem("runs in the background (`&`) and the shell returns right after it",
                       "drop the `&`")
    words = [word.value for word in argv]
    if not words:
        return None
    program, args = program_name(words[0]), words[1:]
    options = [arg for arg in args if arg.startswith("-") and not arg.startswith("--")]
    if program == "service" and len(args) >= 2 and args[1] in _START \
            or words[0].startswith(("/etc/init.d/", "/etc/rc.d/init.d/")) and args[:1] and args[0] in _START \
            or program == "rc-service" and _START.intersection(args[1:2]):
        return Problem("starts the service's daemon in the background and returns",
                       "run the service's program in the foreground instead, as the last command")
    if program == "systemctl" and _START.intersection(arg for arg in args if not arg.startswith("-")):
        return Problem("fails without systemd running as PID 1, which a container does not have",
                       "run the service's program in the foreground instead")
    if program in ("apachectl", "apache2ctl") and _APACHECTL_START.intersection(args) \
            and not any(arg.endswith("FOREGROUND") for arg in args):  # `-k start -D FOREGROUND` stays
        return Problem("starts Apache in the background and returns", "use `apachectl -D FOREGROUND`")
    if program == "postfix" and args[:1] == ["start"]:
        return Problem("starts Postfix in the background and returns", "use `postfix start-fg`")
    if program in ("cron", "crond") and not any("f" in option or "n" in option for option in options):
        return Problem(f"forks {program} into the background by default", f"use `{program} -f`")
    if program == "sshd" and not any("D" in option or "d" in option for option in options):
        return Problem("forks sshd into the background by default", "use `sshd -D`")
    return None

