"""Pipelines whose failures go unnoticed, and the shell that runs each of them.

A pipeline's exit status is its last command's: ``curl -fsSL URL | python3 -``
succeeds when the download fails (python runs an empty script), and the RUN
goes on with nothing installed, unless the shell running the pipeline has ``pipefail`` set. Which shell that is
depends on where the pipeline sits:

* the RUN's own script runs in the stage's SHELL (``["/bin/sh", "-c"]`` by
  default), whose options may include ``-o pipefail``;
* a ``RUN <<EOF`` body starting with ``#!`` runs in the shebang's shell;
* the script of ``bash -c '...'`` and a heredoc fed to ``bash <<EOF`` (or
  ``cat <<EOF | sh``) run in a shell of their own, which does not inherit the
  outer shell's options, only its own (``bash -o pipefail -c``).

A ``set -o pipefail`` (``set -euo pipefail``...) earlier in the same shell
protects the pipelines after it.

Pipelines where the option would change nothing useful are left out
(:func:`masked_pipelines` documents which), so a rule built on this reports
failures that can really go unnoticed.

>>> from dflint.shell import parse_shell
>>> [p.masked[0].name for p in masked_pipelines([parse_shell("curl -fsSL u | python3 -; echo y | apt-get install")])]
['curl']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..ast import Heredoc
from .builder import POSIX_SHELLS
from .model import Command, Script
from .scripts import DEFAULT_SHELL, interpreter
from .set_options import LASTPIPE_SHELLS, forked, read_options, shell_options
from .remote import downloads_to_stdout
from .tools import parse_command

__all__ = ["ShellScope", "MaskedPipeline", "masked_pipelines", "shell_name", "sets_pipefail",
           "PIPEFAIL_SHELLS", "NO_PIPEFAIL_SHELLS"]

#: Shells whose ``set -o pipefail`` works (busybox sh is ash).
PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ksh", "mksh", "ash", "busybox", "yash"})
#: Shells without it: posh, and dash before 0.5.13 (Debian's 0.5.12-7 package has it: Debian 13,
#: Ubuntu 25.04; Debian 12 and Ubuntu 24.04 reject it). ``sh`` is in neither set: it is dash on
#: Debian/Ubuntu, ash on Alpine, bash on Fedora/RHEL.
NO_PIPEFAIL_SHELLS = frozenset({"dash", "posh"})
#: Commands that cannot fail in a way a pipeline should report (``yes`` even dies of SIGPIPE).
_CANNOT_FAIL = frozenset({"echo", "printf", "yes", "true", ":"})
_CHECKSUMS = frozenset({"md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "b2sum"})
_FILTERS = frozenset({"grep", "egrep", "fgrep"})
#: Contexts that start a new scope for ``set``: its options do not leave them.
_SCOPED = frozenset({"subshell", "substitution", "function", "shell"})


def shell_name(argv: Sequence[str]) -> Optional[str]:
    """The shell an interpreter command line runs: ``/usr/bin/env bash`` -> ``bash``; None if not a shell."""
    name = interpreter(argv)
    return name if name in POSIX_SHELLS else None


def sets_pipefail(words: Sequence[str]) -> bool:
    """The options among ``words`` (a shell's or ``set``'s arguments) turn ``pipefail`` on:
    ``-o pipefail``, ``-euo pipefail``, ``-o errexit -o pipefail``, read by
    :func:`dflint.shell.set_options.read_options`."""
    return read_options(words).get("pipefail", False)


@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class ShellScope:
    """The shell process that runs some commands of a RUN.

    ``shell`` is its name (``sh``, ``bash``...); ``pipefail`` is true when its
    own command line sets the option (the SHELL instruction, ``bash -o
    pipefail -c``); ``command`` starts it (``bash -c '...'``, ``bash <<EOF``),
    None for the RUN's own shell; ``shebang`` is true for a ``RUN <<EOF``
    body that names its interpreter.
    """

    shell: str
    pipefail: bool
    script: Script
    command: Optional[Command] = None
    shebang: bool = False


@dataclass(frozen=True, eq=False)
class MaskedPipeline:
    """A pipeline whose earlier commands' failures its status hides.

    ``members`` are its simple commands in order; ``masked`` those whose
    status is lost; ``protected`` is true when ``pipefail`` is on for it
    (through its shell's options or an earlier ``set -o pipefail``).
    """

    script: Script
    members: tuple[Command, ...]
    masked: tuple[Command, ...]
    scope: ShellScope
    #: The ``sh -c`` command of ``script`` whose string holds the pipeline, if any.
    outer: Optional[Command] = None

    @property
    def protected(self) -> bool:
        return self.scope.pipefail or _set_before(self.script, self.outer, self.members[0],
                                                  self.scope.shell in LASTPIPE_SHELLS)


def masked_pipelines(scripts: Sequence[Script], shell: Sequence[str] = DEFAULT_SHELL) -> list["MaskedPipeline"]:
    """The pipelines of a RUN's ``scripts`` (see :func:`dflint.shell.scripts_for`) whose
    earlier commands can fail unnoticed, protected or not, in order.

    ``shell`` is the stage's SHELL. Left out: pipelines in an ``if``/``while``
    test or negated with ``!`` (their status is tested, not lost); run in
    the background; followed by ``|| true``; inside a command substitution
    that is not the value of a plain assignment (``echo "$(a | b)"`` loses
    the status anyway); whose masked commands cannot fail (``echo``,
    ``printf``, ``yes``, ``true``, ``cat`` without operands) or are compound
    commands; ending in ``head`` or ``grep -q``, which stop reading early, so
    that ``pipefail`` would turn the writer's SIGPIPE into a failure.
    """
    found: list[MaskedPipeline] = []
    scopes: dict[tuple[int, int], ShellScope] = {}
    for index, script in enumerate(scripts):
        base = _script_scope(scripts, index, shell)
        seen: set[int] = set()
        for command in script.commands:
            if not command.in_pipeline or command.pipeline_id in seen:
                continue
            seen.add(command.pipeline_id)
            members = script.pipeline(command)
            masked = _masked(script, members)
            if not masked:
                continue
            outer = _enclosing_shell(script, members[0])
            key = (id(script), id(outer) if outer is not None else 0)
            scope = scopes.get(key)
            if scope is None:
                scope = scopes[key] = _command_scope(script, outer) if outer is not None else base
            if scope is not None:
                found.append(MaskedPipeline(script, members, masked, scope, outer))
    return found


# ---- which commands' failures are lost -------------------------------------------------------------

def _masked(script: Script, members: tuple[Command, ...]) -> tuple[Command, ...]:
    first, last = members[0], members[-1]
    if first.negated or "condition" in first.contexts or last.background or len(members) < 2:
        return ()
    if last.pipeline_index != last.pipeline_length - 1:
        return ()  # the last member is a compound command: `a | while read ...`
    if _stops_early(last) or _ignored(script, last) or not _status_used(script, first):
        return ()
    masked = tuple(c for c in members if c.masked and _can_fail(c))
    if masked and _fails_on_empty_input(last) and all(_writes_nothing_on_failure(c) for c in masked):
        return ()  # a failed download or grep leaves the last command nothing to read, and it fails then
    return masked


def _writes_nothing_on_failure(command: Command) -> bool:
    """A download to stdout (``curl -fsSL URL``) or a ``grep``: when they fail, what they wrote is
    empty or cut short, never a complete, different input."""
    invocation = parse_command(command)
    if invocation is None:
        return False
    return invocation.program in _FILTERS or downloads_to_stdout(invocation)


def _fails_on_empty_input(command: Command) -> bool:
    """Commands that fail on empty or cut-short input: ``tar -x``/``-t`` reading stdin, ``sha256sum -c``,
    ``gpg --dearmor``/``--import``, ``apt-key add -``."""
    invocation = parse_command(command)
    if invocation is None:
        return False
    words = [w.value for w in command.args]
    program = invocation.program
    if program in _CHECKSUMS:
        return any(w in ("-c", "--check") or (w.startswith("-") and not w.startswith("--") and "c" in w)
                   for w in words)
    if program in ("gpg", "gpg2"):
        return any(w in ("--dearmor", "--dearmour", "--import") for w in words)
    if program == "apt-key":
        return words[:2] == ["add", "-"]
    return program == "tar" and _tar_reads_stdin(words)


def _tar_reads_stdin(words: list[str]) -> bool:
    """``tar -xz``, ``tar xzf -``, ``tar --extract --file=-``: extracting or listing standard input."""
    reading = archive = False
    archive_from_stdin = True
    for index, word in enumerate(words):
        bundle = word[1:] if word.startswith("-") and not word.startswith("--") else \
            word if index == 0 and not word.startswith("-") else ""  # old style: `tar xzf -`
        if word in ("--extract", "--get", "--list") or "x" in bundle or "t" in bundle:
            reading = True
        following = words[index + 1] if index + 1 < len(words) else None
        if word.startswith("--file"):
            archive = True
            archive_from_stdin = word in ("--file=-",) or (word == "--file" and following == "-")
        elif "f" in bundle:
            archive = True
            rest = bundle[bundle.index("f") + 1:]
            archive_from_stdin = rest == "-" if rest else following == "-"
    return reading and (archive_from_stdin or not archive)


def _can_fail(command: Command) -> bool:
    invocation = parse_command(command)
    if invocation is None:
        return False
    if invocation.program in _CANNOT_FAIL:
        return False
    return not (invocation.program == "cat" and not invocation.operands)


def _stops_early(command: Command) -> bool:
    invocation = parse_command(command)
    if invocation is None:
        return False
    if invocation.program == "head":
        return True
    return invocation.program in ("grep", "egrep", "fgrep") and any(
        w.value in ("--quiet", "--silent", "--max-count") or w.value.startswith("--max-count=")
        or (w.value.startswith("-") and not w.value.startswith("--") and ("q" in w.value or "m" in w.value))
        for w in command.args)


def _ignored(script: Script, last: Command) -> bool:
    """``a | b || true``: the pipeline's failure is ignored anyway."""
    if last.next_operator != "||":
        return False
    following = next((c for c in script.commands if c.start >= last.end and c.operator == "||"), None)
    return following is not None and following.name in ("true", ":") and len(following.argv) == 1


def _status_used(script: Script, first: Command) -> bool:
    """Outside command substitutions the status counts; inside one, only as a plain assignment's value."""
    if "substitution" not in first.contexts:
        return True
    for command in script.commands:
        if command.argv or command.start > first.start or command.end < first.end:
            continue
        if any(a.value.start <= first.start and first.end <= a.value.end for a in command.assignments):
            return first.contexts.count("substitution") == 1
    return False


# ---- which shell runs them ---------------------------------------------------------------------

def _script_scope(scripts: Sequence[Script], index: int, shell: Sequence[str]) -> Optional[ShellScope]:
    script = scripts[index]
    origin = script.origin
    if index == 0 and isinstance(origin, Heredoc):  # RUN <<EOF: the body is the RUN's script
        if origin.content.startswith("#!"):
            words = origin.content[2:].split("\n", 1)[0].split()
            name = shell_name(words)
            return ShellScope(name, shell_options(words).get("pipefail", False), script, shebang=True) \
                if name else None
        return _run_scope(script, shell)
    if index == 0:
        return _run_scope(script, shell)
    reader = _heredoc_reader(scripts[0], origin)
    return _command_scope(script, reader) if reader is not None else None


def pipefail_sets_in_sh(scripts: Sequence[Script], shell: Sequence[str] = DEFAULT_SHELL) -> list[Command]:
    """The ``set -o pipefail`` commands that the RUN's own ``sh`` runs (not a ``bash -c`` inside it, nor a
    script with a shebang): where ``sh`` is dash before 0.5.13, each one fails the RUN."""
    found = []
    for index, script in enumerate(scripts):
        scope = _script_scope(scripts, index, shell)
        if scope is None or scope.shell != "sh" or scope.command is not None or scope.shebang:
            continue
        found.extend(command for command in script.commands
                     if command.name == "set" and sets_pipefail([w.value for w in command.args])
                     and _enclosing_shell(script, command) is None)
    return found


def _run_scope(script: Script, shell: Sequence[str]) -> Optional[ShellScope]:
    name = shell_name(shell[:1])
    return ShellScope(name, shell_options(shell).get("pipefail", False), script) if name else None


def _command_scope(script: Script, command: Command) -> Optional[ShellScope]:
    """The scope of the shell ``command`` starts (``bash -o pipefail -c '...'``, ``sh <<EOF``)."""
    values = [w.value for w in command.argv]
    for i, value in enumerate(values):
        name = shell_name([value])
        if name is not None:
            if name == "busybox" and i + 1 < len(values) and shell_name([values[i + 1]]):
                i += 1
            return ShellScope(name, sets_pipefail(values[i + 1:]), script, command)
    return None


def _enclosing_shell(script: Script, command: Command) -> Optional[Command]:
    """The ``sh -c`` command whose script string holds ``command`` (innermost), if any."""
    if "shell" not in command.contexts:
        return None
    best, best_start = None, -1
    for candidate in script.commands:
        if candidate is command or candidate.start > command.start:
            continue
        for word in candidate.argv[1:]:
            if word.start <= command.start and command.end <= word.end and word.start > best_start:
                if _command_scope(script, candidate) is not None:
                    best, best_start = candidate, word.start
    return best


def _heredoc_reader(line: Script, heredoc: object) -> Optional[Command]:
    """The command of the RUN's line that reads ``heredoc`` as its script (``bash <<EOF``, ``cat <<EOF | sh``)."""
    name = getattr(heredoc, "name", None)
    for command in line.commands:
        if any(r.heredoc is not None and r.heredoc.delimiter == name for r in command.redirects):
            if command.program == "cat" and command.next_operator in ("|", "|&"):
                following = [c for c in line.pipeline(command) if c.pipeline_index == command.pipeline_index + 1]
                return following[0] if following else None
            return command
    return None


def _set_before(script: Script, outer: Optional[Command], first: Command, lastpipe: bool = False) -> bool:
    """A ``set -o pipefail`` runs before ``first`` in the same shell (``outer``'s, or the script's), not
    in a child of it (a pipeline's member, a background job: :func:`~.set_options.forked`)."""
    for command in script.commands:
        if command.start >= first.start:
            break
        if command.name != "set" or not sets_pipefail([w.value for w in command.args]):
            continue
        if forked(command, lastpipe):
            continue
        if _enclosing_shell(script, command) is not outer:
            continue
        common = 0
        while common < min(len(command.contexts), len(first.contexts)) \
                and command.contexts[common] == first.contexts[common]:
            common += 1
        if not _SCOPED.intersection(command.contexts[common:]):
            return True
    return False
