"""Code downloaded and run in one go: ``curl URL | sh``, ``bash <(curl URL)``, ``sh -c "$(curl URL)"``.

:func:`remote_code_runs` finds, in a parsed script, the places where the
output of a download (``curl``, ``wget`` writing to stdout, behind ``sudo``,
``env`` or ``busybox``) becomes a program's code without being written to a
file first:

* piped into an interpreter that reads its program from stdin: a shell
  (``sh``, ``bash -s -- args``, ``sudo -E bash -``) or ``python``, ``perl``,
  ``ruby``, ``node``, ``php`` with no script operand (or ``-``);
* given as a file through process substitution: ``bash <(curl ...)``,
  ``source <(curl ...)``, ``python3 <(wget -O- ...)``;
* given as the program text through command substitution:
  ``sh -c "$(curl ...)"``, ``eval "$(curl ...)"``, ``python3 -c "$(curl ...)"``.

>>> from dflint.shell import parse_shell
>>> script = parse_shell("curl -fsSL https://get.example.com | sudo -E bash - && wget -qO app.tgz https://x")
>>> [(run.how, run.download.name, run.runner.name) for run in remote_code_runs(script)]
[('pipe', 'curl', 'sudo')]
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Optional

from .builder import POSIX_SHELLS
from .model import Command, Script, Word
from .options import parse_options
from .tools import SPECS, Invocation, parse_command, program_name

__all__ = ["RemoteRun", "remote_code_runs", "downloads_to_stdout", "SCRIPT_INTERPRETER"]

#: Programs that run code they are given, other than shells (a version suffix allowed: python3.12).
SCRIPT_INTERPRETER = re.compile(r"(?:python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|php[0-9.]*)")
#: Options of interpreters whose next word is the program text (``-c``/``-e``) or a module (``-m``).
_CODE_OPTIONS = frozenset({"-c", "-e", "-E", "-m", "-r", "--eval", "--print", "-p"})
_SOURCE = frozenset({"source", ".", "eval"})
#: Interpreter options whose value is the next word (``php -d key=value``, ``python -W error``).
_PHP_VALUE_OPTIONS = frozenset({"-d", "-c", "-z"})
_VALUE_OPTIONS = frozenset({"-W", "-X"})


@dataclass(frozen=True, eq=False)
class RemoteRun:
    """A download whose output runs as code: ``how`` is ``pipe``, ``file`` (``<(...)``) or
    ``text`` (``$(...)`` as the program)."""

    how: str
    download: Command
    runner: Command

    @property
    def interpreter(self) -> str:
        """The program that runs the code: ``bash``, ``python3``, ``eval``..."""
        return _program_words(self.runner)[0] or self.runner.name or ""


def downloads_to_stdout(invocation: Invocation) -> bool:
    """``curl URL`` (no ``-o``/``-O``), ``wget -O- URL``: the download goes to stdout."""
    program = invocation.program
    if program == "curl":
        outputs = [o.value for o in invocation.options if o.name in ("-o", "--output")]
        remote = invocation.has("-O", "--remote-name", "--remote-name-all", "-J", "--remote-header-name")
        return not remote and (not outputs or outputs[-1] in ("-", "/dev/stdout"))
    if program == "wget":
        return invocation.value("-O", "--output-document") in ("-", "/dev/stdout")
    return False


def _reads(command: Command) -> Optional[Invocation]:
    """The command read with its tool's options, ``busybox wget`` read as ``wget``."""
    invocation = parse_command(command)
    if invocation is None or invocation.program != "busybox" or not invocation.operands:
        return invocation
    applet = posixpath.basename(invocation.operands[0].value)
    argv = command.argv
    start = next((i for i, w in enumerate(argv) if w is invocation.operands[0]), len(argv))
    parsed = parse_options(argv[start + 1:], SPECS.get(applet, SPECS["rm"]))
    return Invocation(command, applet, None, None, parsed.options, parsed.operands, invocation.via + ("busybox",))


def _is_download(command: Command) -> bool:
    invocation = _reads(command)
    return invocation is not None and downloads_to_stdout(invocation)


def _program_words(command: Command) -> tuple[Optional[str], list[Word]]:
    """The interpreter a command runs (``bash``, ``python3``, ``source``), wrappers skipped,
    and the words after it; (None, []) for other programs."""
    invocation = parse_command(command)
    if invocation is None:
        return None, []
    program = invocation.program  # the name checked below, but for pip's: the common case ends here
    if program not in POSIX_SHELLS and program not in _SOURCE and not SCRIPT_INTERPRETER.fullmatch(program):
        return None, []
    argv = list(command.argv)
    index = next((i for i, w in enumerate(argv) if program_name(w.value) == invocation.program), None)
    if index is None:
        return None, []
    name = posixpath.basename(argv[index].value)
    if name == "busybox" and index + 1 < len(argv):
        index += 1
        name = posixpath.basename(argv[index].value)
    if name in POSIX_SHELLS or name in _SOURCE or SCRIPT_INTERPRETER.fullmatch(name):
        return name, argv[index + 1:]
    return None, []


def _code_from_stdin(command: Command) -> bool:
    """A shell or interpreter that reads its program from stdin: ``sh``, ``bash -s x``, ``python3 -``."""
    name, words = _program_words(command)
    if name is None or name in _SOURCE:
        return False
    shell = name in POSIX_SHELLS
    i = 0
    while i < len(words):
        value = words[i].value
        i += 1
        if value == "-":
            return True
        if value == "--":
            # `bash --` reads stdin, `bash -- file` a file; `php -- args` reads stdin and passes it the args.
            return i >= len(words) or name.startswith("php")
        if value.startswith("-") and len(value) > 1:
            if shell and not value.startswith("--"):
                if "c" in value[1:]:
                    return False
                if "s" in value[1:]:
                    return True
                if value.endswith("o"):
                    i += 1
            elif name.startswith("php") and value in _PHP_VALUE_OPTIONS:
                i += 1  # php -c is the ini file, not code
            elif value in _CODE_OPTIONS or (not shell and value[:2] in ("-c", "-e", "-m")):
                return False
            elif value in _VALUE_OPTIONS:
                i += 1
            continue
        return False  # a script file
    return True


def _code_words(command: Command) -> list[Word]:
    """The words a command runs as a program file or text: ``bash FILE``, ``sh -c TEXT``, ``eval TEXT``."""
    name, words = _program_words(command)
    if name is None:
        return []
    if name in _SOURCE:
        return words[:1] if name != "eval" else words
    for i, word in enumerate(words):
        value = word.value
        if value.startswith("-") and len(value) > 1:
            takes_code = ("c" in value[1:] and not value.startswith("--")) if name in POSIX_SHELLS \
                else value in _CODE_OPTIONS
            if takes_code:
                return words[i + 1:i + 2]
            continue
        return [word]  # the script file
    return []


def remote_code_runs(script: Script) -> list[RemoteRun]:
    """Where a download in ``script`` runs as code (see the module docstring), in order."""
    found: list[RemoteRun] = []
    seen: set[int] = set()
    for command in script.commands:
        if id(command) in seen:
            continue
        if command.in_pipeline and command.masked and _is_download(command):
            for later in script.pipeline(command):
                if later.pipeline_index > command.pipeline_index and _code_from_stdin(later):
                    found.append(RemoteRun("pipe", command, later))
                    seen.update((id(command), id(later)))
                    break
        for word in _code_words(command):
            for inner in script.commands:
                if inner is command or not (word.start <= inner.start and inner.end <= word.end):
                    continue
                if "substitution" in inner.contexts and _is_download(inner) and not inner.masked:
                    how = "file" if word.raw.lstrip("\"'").startswith("<(") else "text"
                    found.append(RemoteRun(how, inner, command))
                    seen.add(id(inner))
                    break
    return sorted(found, key=lambda run: run.download.start)
