"""DF401 json-args-recommended: CMD or ENTRYPOINT in shell form, run under /bin/sh -c."""

from __future__ import annotations

import json
import re
import shlex
from typing import Callable, Iterator, Optional, Union

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.history import image_command, image_stages
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell import parse_shell
from dflint.shell.main_process import init_only, script_problem
from dflint.shell.oneshot import returns
from dflint.shell.tools import unwrap
from dflint.shell.pipefail import shell_name

_SHELL_SYNTAX = frozenset("*?[]{}~#\\$`")


class JsonArgsRecommended(Rule):
    """A CMD or ENTRYPOINT in shell form runs under `/bin/sh -c`, which does not pass on signals.

    ## What it does
    Reports a `CMD` or `ENTRYPOINT` written in shell form (`CMD node
    server.js`) in a stage that can be run: the last stage, a stage no
    other stage uses (a `--target`), and the stages they are built `FROM`.

    Like BuildKit's `JSONArgsRecommended`, nothing is reported once a
    `SHELL` instruction was used in the stage or a stage it is built `FROM`:
    running under a shell is then a conscious choice. For the same reason a
    command that is itself an explicit shell (`CMD sh -c "..."`; on Windows
    `cmd /c ...`, `powershell -Command ...` or `-File`) is not reported, nor one whose last command is `exec program` (the shell then
    replaces itself with the program, which receives the signals).
    Where the fix cannot rewrite the command, the message says where
    `exec` goes: at the start of a single command, before the last command
    of several (`cron && exec tail -f /var/log/cron.log`, `php-fpm & exec
    nginx -g 'daemon off;'`: before the first it would end the script
    there; after a command in the background, only if the last one is the
    program that keeps running), and after the variable assignments of
    that command
    (`PORT=8080 exec node server.js` passes `PORT` on; `exec PORT=8080
    node ...` fails, looking for a program named `PORT=8080`). It gives no
    `exec` advice where `exec` cannot help: in a pipeline, whose commands
    each run in a subshell while the shell stays PID 1 (`exec java -jar
    app.jar | tee app.log` is reported), and when the last command is a
    shell builtin (`wait -n`, `true`, `cd`...) or a function the script
    defines, which `exec` cannot find as a program, nor when programs run
    in the background and the last command is one known to return
    (`tailscaled & tailscale up`, `ollama serve & ollama pull llama3`):
    `exec` does not keep it running, and DF711 (main-process-exits)
    reports that the container stops (the message names DF711 only for the
    command DF711 reads: the image's last ENTRYPOINT, or its CMD when there
    is no ENTRYPOINT or only an init such as `tini --`). A command in the
    background that itself returns (`echo starting & python manage.py
    migrate`) leaves nothing running, and the `exec` advice stays.
    `ONBUILD CMD` is not reported either: whether the downstream image sets
    a SHELL cannot be known here.

    When the stage has an exec-form `ENTRYPOINT`, the message of a
    shell-form CMD also shows the command the container then starts with:
    the entrypoint followed by `/bin/sh -c '<the CMD>'`, which only an
    entrypoint that runs its arguments (`tini --`, a script ending in
    `exec "$@"`) handles. A CMD under a shell-form ENTRYPOINT never runs
    at all: DF709 (shell-entrypoint-ignores-cmd) reports that.

    Differences from hadolint's DL3025: hadolint also reports shell-form
    `HEALTHCHECK CMD` (a health check is a short command, not PID 1; the
    shell form is fine there), stages only used through `COPY --from`, and
    does not make the exceptions above. Differences from BuildKit: BuildKit
    also reports stages that are never run.

    ## Why is this bad?
    In shell form the container's main process, PID 1, is `/bin/sh`, with
    the program as its child. `docker stop` sends SIGTERM to PID 1; the
    shell does not forward it, so the program never gets to shut down
    cleanly and is killed after the grace period (10 seconds by default).
    A shell-form ENTRYPOINT also ignores the CMD and `docker run` arguments.

    ## Example
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    CMD node /app/server.js --port 8080
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    CMD ["node", "/app/server.js", "--port", "8080"]
    ```

    ## Fix safety
    The fix rewrites a simple command (no variables, quotes that only
    group, no operators, redirections or globs) into the exec form, with
    the same arguments. It is unsafe: the program becomes PID 1, which
    changes how it handles signals and child processes (a program without a
    SIGTERM handler is no longer stopped by it), and an exec-form ENTRYPOINT
    receives the CMD as arguments, where the shell form ignored them. No
    fix is offered in Windows stages or when the command is not that simple.
    """

    code = "DF401"
    name = "json-args-recommended"
    summary = "CMD or ENTRYPOINT in shell form: signals do not reach the program"
    severity = Severity.WARNING
    aliases = ("DL3025", "JSONArgsRecommended")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        shells = any(isinstance(node, ast.ShellInstruction) for stage in model.stages for node in stage.instructions)
        for index in sorted(image_stages(model)):
            stage = model.stages[index]
            if shells and _shell_before(model, stage):
                continue
            windows = model.is_windows(stage)
            for node in stage.instructions:
                if isinstance(node, ast.ShellInstruction):
                    break  # BuildKit: a SHELL makes the shell form deliberate
                if not isinstance(node, (ast.CmdInstruction, ast.EntrypointInstruction)):
                    continue
                text = node.shell_text
                if text is None or text.origin < 0 or _deliberate(text.value, windows):
                    continue
                fix = None if windows or ctx.file.escape != "\\" else _fix(ctx, node, text)
                advice = f"use the exec form `{node.keyword.text} {_json(fix)}`" if fix else \
                    "use the exec form (a JSON array)" if windows else \
                    _exec_advice(text.value, lambda: _main(model, stage) is node)  # cmd: no exec
                extra = " (it then also receives the CMD as arguments)" \
                    if fix and isinstance(node, ast.EntrypointInstruction) else ""
                if isinstance(node, ast.CmdInstruction) and not windows:
                    extra += _started_as(ctx, model, stage, node, text.value)
                yield ctx.finding(
                    text, f"{node.name} in shell form runs under a shell that does not pass on signals: "
                    f"`docker stop` cannot stop the program cleanly; {advice}{extra}", fix)


def _started_as(ctx: RuleContext, model, stage, node: ast.CmdInstruction, script: str) -> str:
    """With an exec-form ENTRYPOINT in effect, what the shell-form CMD really makes the image run."""
    entrypoint, cmd = image_command(model, stage)
    if cmd is not node or entrypoint is None or not entrypoint.exec_form or not entrypoint.args:
        return ""
    words = [arg.value for arg in entrypoint.args] + list(ctx.analysis.shell_for(node))
    return (f"; with the exec-form ENTRYPOINT on line {entrypoint.line}, the container now starts as "
            f"`{shlex.join(words)} {_quoted(script)}`")


def _quoted(script: str) -> str:
    """``script`` as one shell word, in double quotes where that needs no escapes (most scripts hold ')."""
    if not any(c in script for c in '"$`\\!'):
        return f'"{script}"'
    return shlex.quote(script)


def _shell_before(model, stage) -> bool:
    """A SHELL instruction in a stage ``stage`` is built FROM."""
    return any(isinstance(node, ast.ShellInstruction)
               for member in model.lineage(stage)[:-1] for node in member.instructions)


_WINDOWS_SHELL = re.compile(r"""\s*["']?(?:[\w:\\/.-]*[\\/])?(?:cmd(?:\.exe)?\s+(?:/s\s+)?/[ck]|"""
                            r"""(?:powershell|pwsh)(?:\.exe)?\s+(?:-\w+\s+(?:(?!-)\S+\s+)?)*-(?:c|command|f|file)\b)""", re.I)


def _deliberate(text: str, windows: bool) -> bool:
    """An explicit shell (`sh -c ...`, on Windows `cmd /c ...` or `powershell -Command ...`),
    or a last command that is `exec program`."""
    if windows:
        return bool(_WINDOWS_SHELL.match(text))
    script = parse_shell(text)
    top = [c for c in script.commands if not c.contexts and c.argv]
    if not top:
        return True  # nothing to run: not this rule's business
    if len(top) == 1 and shell_name([top[0].argv[0].value]) and any(w.value.startswith("-") and "c" in w.value
                                                                   for w in top[0].args):
        return True
    last = top[-1]
    return last.name == "exec" and len(last.argv) > 1 and not last.in_pipeline and not last.background


def _main(model, stage) -> Optional[ast.Instruction]:
    """The instruction DF711 (main-process-exits) reads as the main process of ``stage``'s image: the
    ENTRYPOINT, or the CMD when there is none or it is only an init (``tini --``)."""
    entrypoint, cmd = image_command(model, stage)
    main = entrypoint if entrypoint is not None and entrypoint.args else cmd
    return cmd if main is entrypoint and cmd is not None and init_only(entrypoint) else main


def _exec_advice(text: str, main: Callable[[], bool] = lambda: False) -> str:
    """What to do with a shell-form command the fix cannot rewrite: the exec form, or ``exec`` where the
    shell can hand PID 1 to the program (not in a pipeline, whose commands each run in a subshell, nor a
    builtin or function, which `exec` cannot find). ``exec`` goes before the program, after the command's
    variable assignments (`PORT=80 exec node`: `exec PORT=80 node` looks for a program named `PORT=80`).
    ``main`` tells whether the command is the one DF711 reads, which then reports the script when its own
    decision (:func:`script_problem`) finds programs left behind in the background."""
    script = parse_shell(text)
    top = [c for c in script.commands if not c.contexts and c.argv]
    last = max(top, key=lambda command: command.start) if top else None
    if last is not None and last.in_pipeline:
        return ("`exec` cannot help here: the last command is a pipeline, whose commands each run in a "
                "subshell while the shell stays PID 1; use the exec form (a JSON array), with the program "
                "writing its own output (`docker logs` shows its stdout), or an init that forwards "
                "signals (`docker run --init`, tini)")
    if last is None or not script.ok or last.background or last.operator == "||" \
            or any(command.start >= last.end for command in script.commands):
        return "use the exec form (a JSON array)"  # the last thing the shell runs is not a simple command
    if last.name in _BUILTINS or any(last.name in names for names in _FUNCTION.findall(text)):
        kind = "a shell builtin" if last.name in _BUILTINS else "a shell function"
        several = " for one program; run several under a process supervisor" \
            if any(command.background for command in top) else ""
        return (f"`exec` cannot help here: the last command, `{last.name}`, is {kind}, not a program the "
                f"shell can hand PID 1 to; use the exec form (a JSON array){several}")
    background = any(command.background and command.end <= last.start for command in top)
    left = script_problem(text) if background and returns(last.values[unwrap(last.argv)[0]:]) else None
    if left is not None:  # DF711's decision: programs still run in the background when the script ends
        reported = " (DF711 main-process-exits)" if not left[3].nginx and main() else ""
        return (f"`exec` cannot help here: the last command, `{text[last.argv[0].start:last.end]}`, does "
                f"its work and returns, with or without `exec`, and the container stops then, with the "
                f"programs started in the background (`&`){reported}; use the exec form (a JSON "
                f"array) for one program; run several under a process supervisor")
    program = last.argv[0].start
    command = f"{text[last.start:program]}exec {text[program:last.end]}"
    after = caveat = ""
    if last.assignments:  # `exec PORT=80 node` looks for a program named `PORT=80`
        first = last.assignments[0]
        after = ", after its variable assignments"
        caveat = f"; `exec {text[first.start:first.end]} ...` fails with \"not found\""
    if len(script.commands) == 1:
        where = f"put `exec` before the program{after} (`{command}`{caveat})" if after \
            else "start the command with `exec`"
        return f"use the exec form (a JSON array), or {where}"
    joined = {"&&": " && ", "&": " & "}.get(last.operator or "", "; ")
    keeps = ", and only if it is the program that keeps running" if background else ""
    return (f"use the exec form (a JSON array), or put `exec` before the last command{after} "
            f"(`...{joined}{command}`{caveat}), not at the start, where it would end the script after the "
            f"first{keeps}")


#: The names of the functions a script defines (`name() {`, `function name {`).
_FUNCTION = re.compile(r"(?<![^\s;&|(){}])(?:function\s+)?([^\s;&|(){}<>]+)\s*\(\s*\)|\bfunction\s+([^\s;&|(){}<>]+)")

#: Commands the shell runs itself (no program of that name to ``exec``, or none worth being PID 1).
_BUILTINS = frozenset({
    ":", ".", "source", "wait", "true", "false", "exit", "return", "read", "cd", "eval", "set", "shift",
    "trap", "unset", "export", "readonly", "local", "declare", "typeset", "times", "jobs", "fg", "bg",
    "break", "continue", "umask", "ulimit", "alias", "unalias", "hash", "getopts", "command", "builtin",
    "echo", "printf", "test", "[", "[[", "kill", "pwd", "let", "shopt", "exec",
})


def _fix(ctx: RuleContext, node: ast.Instruction, text: ast.Argument) -> Optional[Fix]:
    script = parse_shell(text.value)
    if not script.ok or len(script.commands) != 1:
        return None
    command = script.commands[0]
    if command.assignments or command.redirects or command.contexts or command.negated or not command.argv \
            or command.next_operator is not None:
        return None
    if any(word.has_expansion or _SHELL_SYNTAX.intersection(word.raw) for word in command.argv):
        return None
    array = _array(command.values)
    span = node.span_of(text.origin, text.origin + len(text.value))
    return ctx.fix(f"Use the exec form {array}", ctx.edit(span.start.offset, span.end.offset, array),
                   applicability=Applicability.UNSAFE)


def _array(values: Union[tuple[str, ...], list[str]]) -> str:
    return "[" + ", ".join(json.dumps(value, ensure_ascii=False) for value in values) + "]"


def _json(fix: Optional[Fix]) -> str:
    return fix.edits[0].content if fix else ""
