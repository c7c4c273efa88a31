"""Which shell scripts a RUN instruction executes, parsed with Dockerfile spans.

Following BuildKit's ``dispatchRun``:

* a shell-form command line runs as ``SHELL + [command line]``: one script.
  When the line is only a heredoc marker (``RUN <<EOF``), BuildKit runs the
  body instead: through the SHELL, or, when it starts with ``#!``, as an
  executable file, so a ``#!/usr/bin/env python3`` body is not shell;
* otherwise the line and the heredoc bodies go to the shell together (BuildKit
  appends each body and delimiter to the line), which makes each body a shell
  heredoc: the command-line script is that whole text, and a body is also a
  script of its own when the command reading it is a shell reading commands
  from stdin (``bash <<EOF``, ``sh -ex <<'EOF'``, ``<<EOF bash``,
  ``cat <<EOF | sh``), not when it is data (``cat <<EOF > file``).

An exec-form RUN runs no shell of its own; when its program is a POSIX shell
given a script (``RUN ["/bin/bash", "-o", "pipefail", "-c", "..."]``), that
script is read, with spans through the JSON string's escapes. Any other
exec-form RUN (``RUN ["pip", "install", "flask"]``) runs one command, which
does what its shell-form twin does: :func:`exec_form_command` reads it as a
script of that one command, whose words are the JSON strings. Nothing is
parsed when the stage's SHELL is not a POSIX shell (PowerShell, cmd): the
caller tracks SHELL per stage.
"""

from __future__ import annotations

import posixpath
from typing import Optional, Sequence

from ..ast import (Argument, CmdInstruction, EntrypointInstruction, Heredoc, Instruction, OnbuildInstruction,
                   RunInstruction)
from ..source import LineIndex
from .builder import POSIX_SHELLS, command_string
from .model import Command, Script, Word
from .parser import parse_shell
from .positions import TextPositions, heredoc_positions, json_string_positions, run_shell_input
from .tools import parse_command

__all__ = ["scripts_for", "exec_form_shell", "exec_form_run", "exec_form_command", "is_posix_shell", "DEFAULT_SHELL"]

#: The default SHELL of Linux images.
DEFAULT_SHELL: tuple[str, ...] = ("/bin/sh", "-c")


def interpreter(argv: Sequence[str]) -> Optional[str]:
    """The program an interpreter command line runs: ``/usr/bin/env bash`` -> ``bash``."""
    words = list(argv)
    while words:
        name = posixpath.basename(words[0].replace("\\", "/")).lower()
        if name.endswith(".exe"):
            name = name[:-4]
        if name == "env":
            words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            continue
        if name == "busybox" and len(words) > 1:
            words = words[1:]
            continue
        return name
    return None


def is_posix_shell(argv: Sequence[str]) -> bool:
    """True when ``argv`` (a SHELL instruction's value, or a shebang) runs a POSIX shell."""
    return interpreter(argv) in POSIX_SHELLS


def _shebang(body: str) -> Optional[list[str]]:
    if not body.startswith("#!"):
        return None
    line = body[2:].split("\n", 1)[0].strip()
    return line.split()


def _reads_script_from_stdin(command: Command) -> bool:
    """``bash``, ``sh -ex``, ``bash -s arg``: a shell taking its commands from stdin."""
    invocation = parse_command(command)
    if invocation is None or not is_posix_shell([invocation.program]):
        return False
    words = _after_program(command)
    i = 0
    while i < len(words):
        value = words[i]
        i += 1
        if value == "--":
            return i == len(words)  # `bash -- file` reads a file
        if len(value) > 1 and value[0] in "-+" and not value.startswith("--"):
            if "c" in value[1:]:
                return False  # the script is the -c string
            if "s" in value[1:]:
                return True  # the rest are positional parameters
            if value[-1] == "o":
                i += 1  # -o pipefail
            continue
        if value.startswith("--"):
            continue
        return False  # a script file: stdin is its data
    return True


def _after_program(command: Command) -> list[str]:
    """argv values after the shell's own name (wrappers such as sudo skipped)."""
    values = [w.value for w in command.argv]
    for i, value in enumerate(values):
        if is_posix_shell([value]):
            return values[i + 1:]
    return []


def _heredoc_script(heredoc: Heredoc) -> Script:
    script = parse_shell(heredoc.body, heredoc_positions(heredoc))
    return _with_origin(script, heredoc)


def _with_origin(script: Script, origin: object) -> Script:
    return Script(script.text, script.commands, script.errors, script.positions, origin)  # type: ignore[arg-type]


def _exec_form_script(run: RunInstruction) -> tuple[Script, ...]:
    found = exec_form_shell(run)
    positions = json_string_positions(run, found[1]) if found is not None else None
    if found is None or positions is None:
        return ()
    return (_with_origin(parse_shell(found[1].value, positions), found[1]),)


def _fed_to_shell(line: Script, heredoc: Heredoc, used: set[int]) -> bool:
    """Whether the command line hands ``heredoc``'s body to a shell as its script."""
    for command in line.commands:
        for redirect in command.redirects:
            if redirect.op not in ("<<", "<<-") or id(redirect) in used:
                continue
            if redirect.heredoc is None or redirect.heredoc.delimiter != heredoc.name:
                continue
            used.add(id(redirect))
            if redirect.fd not in (None, 0):
                return False
            if _reads_script_from_stdin(command):
                return True
            # cat <<EOF | sh
            if command.program == "cat" and len(command.argv) == 1 and command.next_operator in ("|", "|&"):
                following = [c for c in line.pipeline(command) if c.pipeline_index == command.pipeline_index + 1]
                return bool(following) and _reads_script_from_stdin(following[0])
            return False
    return False


def exec_form_shell(instruction: Instruction) -> Optional[tuple[tuple[str, ...], Argument]]:
    """``(shell, script)`` of an exec-form RUN that hands a POSIX shell a script:
    ``RUN ["/bin/bash", "-o", "pipefail", "-c", "make"]`` gives
    ``(("/bin/bash", "-o", "pipefail", "-c"), <the "make" argument>)``; the same for an exec-form
    CMD or ENTRYPOINT. None for any other instruction, and for ``["sh", "script.sh"]`` (a file, not
    a script string)."""
    if isinstance(instruction, OnbuildInstruction):
        instruction = instruction.trigger  # type: ignore[assignment]
    if not isinstance(instruction, _EXEC_FORMS) or not instruction.exec_form:
        return None
    args = instruction.args
    if not args or not is_posix_shell([a.value for a in args]):
        return None
    shell = next(i for i, a in enumerate(args) if interpreter([a.value]) in POSIX_SHELLS)  # behind env
    if interpreter([args[shell].value]) == "busybox" and shell + 1 < len(args):
        shell += 1  # busybox sh -c
    script = command_string(args[shell + 1:])
    if script is None:
        return None
    return tuple(a.value for a in args[:args.index(script)]), script


_EXEC_FORMS = (RunInstruction, CmdInstruction, EntrypointInstruction)


def exec_form_run(instruction: Instruction) -> Optional[RunInstruction]:
    """The RUN (or ONBUILD RUN trigger) ``instruction`` when it is in exec form with arguments, and
    they are not a shell's script (``["sh", "-c", "..."]`` runs a script, read by :func:`scripts_for`)."""
    run = instruction.effective
    if not isinstance(run, RunInstruction) or not run.exec_form or not run.exec_args:
        return None
    return run if exec_form_shell(run) is None else None


def exec_form_command(run: RunInstruction, text: str, lines: LineIndex) -> Script:
    """The one command of an exec-form RUN with no shell (see :func:`exec_form_run`), as a script
    whose offsets are those of the file ``text``: its words are the JSON strings (raw text and spans
    include the quotes; the value is the string, in which nothing expands)."""
    positions = TextPositions(text, lines)  # the file's own line index: one per RUN made big files quadratic
    argv = tuple(Word(a.span.start.offset, a.span.end.offset, positions=positions, value=a.value, raw=a.text,
                      quoted=True) for a in run.exec_args)
    command = Command(argv[0].start, argv[-1].end, positions=positions, argv=argv)
    return Script(text, (command,), (), positions, origin=run.exec_args[0])


def scripts_for(instruction: Instruction, shell: Sequence[str] = DEFAULT_SHELL) -> tuple[Script, ...]:
    """The shell scripts ``instruction`` (a RUN, or an ONBUILD RUN) executes, in order.

    ``shell`` is the stage's current SHELL (``["/bin/sh", "-c"]`` by default).
    """
    if isinstance(instruction, OnbuildInstruction):
        instruction = instruction.trigger  # type: ignore[assignment]
    if not isinstance(instruction, RunInstruction):
        return ()
    if instruction.exec_form:
        return _exec_form_script(instruction)
    posix = is_posix_shell(shell)
    text = instruction.shell_text
    heredocs = instruction.heredocs
    if text is None:
        return ()
    if heredocs and len(heredocs) >= 1 and heredocs[0].marker.origin == text.origin \
            and heredocs[0].marker.value == text.value:
        # RUN <<EOF: BuildKit runs the first body itself.
        body = heredocs[0]
        shebang = _shebang(body.content)
        runs_shell = is_posix_shell(shebang) if shebang is not None else posix
        return (_heredoc_script(body),) if runs_shell else ()
    if not posix:
        return ()
    shell_input = run_shell_input(instruction)
    if shell_input is None:
        return ()
    line = _with_origin(parse_shell(*shell_input), text)
    scripts = [line]
    used: set[int] = set()
    for heredoc in heredocs:
        if _fed_to_shell(line, heredoc, used):
            scripts.append(_heredoc_script(heredoc))
    return tuple(scripts)
