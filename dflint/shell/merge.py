"""Merging two consecutive RUN instructions into one, and whether that keeps their meaning.

``RUN a`` then ``RUN b`` run two shells; ``RUN a && b`` runs ``b`` in ``a``'s
shell, only when ``a`` succeeded. That is the same build when ``a`` leaves no
state behind for ``b`` (no ``cd``, ``export``, ``set``, ``umask``... at the
shell's own level, no background job) and ``b`` is one ``&&`` chain (``a &&
b || c`` would run ``c`` after ``a`` failed). :func:`merge_runs` writes the
merged instruction as a text edit in the file's own style (continuation
character, indentation, ``&&`` at the start or the end of lines, comments
kept as comment lines inside the continuation) and re-parses the result to
check that it runs exactly the commands of both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence

from .. import ast
from .model import Command, Script

__all__ = ["Merge", "merge_runs", "state_change", "chain_break", "STATE_BUILTINS"]

#: Commands that change the shell itself, for the commands after them.
STATE_BUILTINS = frozenset({
    "cd", "pushd", "popd", "export", "unset", "set", "shopt", "umask", "ulimit", "alias", "unalias",
    "source", ".", "eval", "exec", "exit", "return", "trap", "readonly", "declare", "typeset", "local",
    "hash", "enable", "shift", "read", "mapfile", "readarray", "builtin", "newgrp",
})
_OWN_SHELL = ("subshell", "substitution", "shell")


@dataclass(frozen=True)
class Merge:
    """A merge of two RUNs as one edit: replace ``[start, end)`` with ``content``.

    The edit covers only the gap from the first RUN's last command to the
    second RUN's command (the newline and ``RUN`` become a continuation and
    ``&&``), so edits other rules make inside the second command do not
    overlap it, and an editor can apply them all in one pass.

    ``text`` is the merged command line on one line (for messages); ``reason``
    says why the merged RUN may behave differently, None when it provably does not.
    """

    start: int
    end: int
    content: str
    text: str
    reason: Optional[str]


def _in_own_shell(command: Command) -> bool:
    return not any(context in _OWN_SHELL for context in command.contexts)


def state_change(script: Script) -> Optional[str]:
    """Why commands appended to ``script`` would not start from a fresh shell, or None."""
    for command in script.commands:
        if command.background:
            return f"`{command.name}` runs in the background"
        if not _in_own_shell(command):
            continue
        if "function" in command.contexts:
            return "it defines a shell function"
        if not command.argv and command.assignments:
            return f"it sets the shell variable {command.assignments[0].name}"
        if command.program in STATE_BUILTINS:
            return f"`{command.name}` changes the shell for the commands after it"
    return None


def chain_break(script: Script) -> Optional[str]:
    """Why ``x && script`` would not mean "run ``script`` when ``x`` succeeded", or None."""
    top = [c for c in script.commands if not c.contexts]
    if any(c.contexts and c.contexts[0] not in ("substitution", "shell") for c in script.commands):
        return "its compound commands would join the && chain"
    for command in top[1:]:
        if command.operator not in ("&&", "|", "|&"):
            return f"`{command.operator.strip() or 'newline'}` would end the && chain" if command.operator \
                else "it has more than one command list"
    if top and top[-1].next_operator not in (None, ";"):
        return f"`{top[-1].next_operator}` would apply to the whole chain"
    return None


def _style(text: str, escape: str, node: ast.Instruction) -> tuple[bool, str]:
    """(&& at line ends?, indentation of the continued lines), read from the file."""
    at_end, at_start = _continued_lines(text, escape)
    trailing = len(at_end) > len(at_start)
    own = _continued_lines(node.text, escape)[0 if trailing else 1]
    found = (own or (at_end if trailing else at_start))[:1]
    return trailing, found[0] if found and found[0] else "    "


@lru_cache(maxsize=4)  # the same file for every pair of RUNs merged
def _continued_lines(text: str, escape: str) -> tuple[list[str], list[str]]:
    r"""The indentation of each continued line that follows a line ending in ``&& ESCAPE`` (``&&`` at
    line ends), and of each that starts with ``&&`` after a line ending in ``ESCAPE`` and any comment
    lines (``&&`` at line starts): what ``&&[ \t]*ESC\r?\n([ \t]*)[^\s#]`` and
    ``ESC\r?\n(?:[ \t]*#[^\n]*\n)*([ \t]*)&&`` find, line by line. The second, as a regex, started
    again at every comment line ending in ESCAPE and rescanned the comments after it."""
    lines = text.split("\n")
    at_end, at_start = [], []
    for i, raw in enumerate(lines[:-1]):  # a line followed by a newline
        line = raw[:-1] if raw.endswith("\r") else raw
        if line.endswith(escape) and line[:-len(escape)].rstrip(" \t").endswith("&&"):
            following = lines[i + 1]
            indent = following[:len(following) - len(following.lstrip(" \t"))]
            rest = following[len(indent):]
            if rest and not rest[0].isspace() and rest[0] != "#":
                at_end.append(indent)
    i = 0
    while i < len(lines) - 1:
        line = lines[i][:-1] if lines[i].endswith("\r") else lines[i]
        if not line.endswith(escape):
            i += 1
            continue
        j = i + 1  # past the comment lines (each followed by a newline)
        while j < len(lines) - 1 and lines[j].lstrip(" \t").startswith("#"):
            j += 1
        candidate = lines[j]
        indent = candidate[:len(candidate) - len(candidate.lstrip(" \t"))]
        if candidate[len(indent):].startswith("&&"):
            at_start.append(indent)
        i = j  # a start inside those comments reaches the same line: it matches only as this one did
    return at_end, at_start


def _comment_start(text: str, after: int, end: int) -> Optional[int]:
    """Offset of a shell comment closing ``text[after:end]`` (``after``: the last command's end)."""
    found = re.search(r"[ \t;](#[^\n]*)$", text[after:end])
    return after + found.start(1) if found else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def merge_runs(file: ast.File, first: ast.Instruction, second: ast.Instruction,
               scripts: tuple[Script, Script], shell: Sequence[str]) -> Optional[Merge]:
    """``second`` (a RUN, or ONBUILD RUN) appended to ``first`` with ``&&``; None when
    the edit would not parse back into exactly both RUNs' commands."""
    run1, run2 = (node.effective for node in (first, second))
    text, escape = file.text, file.escape
    if run1.shell_text is None or run2.shell_text is None or not scripts[0].commands:
        return None  # `RUN #`: no command to append to
    newline = "\r\n" if text.startswith("\r", first.span.end.offset) else "\n"
    trailing, indent = _style(text, escape, first)
    start = first.span.end.offset
    lines = []
    last = max(c.span.end.offset for c in scripts[0].commands)
    comment = _comment_start(text, last, start)
    if comment is not None:
        lines.append(indent + text[comment:start].strip())
        start = comment
        while text[start - 1] in " \t":
            start -= 1
    if text[last:start].strip() == ";":  # `RUN a;`: the && takes the semicolon's place
        start = last
    between = text[first.span.end.offset:second.span.start.offset]
    lines += [line.rstrip("\r") for line in between.split("\n") if line.strip().startswith("#")]
    head = f" && {escape}" if trailing else f" {escape}"
    content = head + newline + "".join(line + newline for line in lines) + indent + ("" if trailing else "&& ")
    logical = scripts[0].text
    last_logical = max(c.end for c in scripts[0].commands)
    cut = _comment_start(logical, last_logical, len(logical))
    cut = last_logical if logical[last_logical:cut].strip() == ";" else cut
    merged = Merge(start, run2.shell_text.span.start.offset, content,
                   _one_line(f"{logical[:cut]} && {run2.shell_text.value}"),
                   state_change(scripts[0]) or chain_break(scripts[1]))
    return merged if _parses_back(file, (first, second), merged, scripts, shell) else None


def _parses_back(file: ast.File, runs: tuple[ast.Instruction, ast.Instruction], merge: Merge,
                 scripts: tuple[Script, Script], shell: Sequence[str]) -> bool:
    from ..api import parse
    from .scripts import scripts_for

    first, second = runs
    text = file.text
    instruction = text[first.span.start.offset:merge.start] + merge.content + text[merge.end:second.span.end.offset]
    prefix = f"# escape={file.escape}\n" if file.escape != "\\" else ""
    parsed = parse(f"{prefix}FROM scratch\n{instruction}\n")
    if parsed.errors or len(parsed.instructions) != 2:
        return False
    found = scripts_for(parsed.instructions[1], shell)
    if len(found) != 1 or not found[0].ok:
        return False
    want = [c.values for script in scripts for c in script.commands]
    got = found[0].commands
    joined = len(scripts[0].commands)
    return [c.values for c in got] == want and got[joined].operator == "&&" and not got[joined].contexts
