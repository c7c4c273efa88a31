"""Fixes in the JSON of exec-form instructions: kept only where they stay right.

The script of ``RUN ["sh", "-c", "..."]`` is a decoded JSON string: rules read
``echo "hi"`` where the file says ``echo \\"hi\\"``, and make their edits from
what they read. Such an edit is right in the file only where the two agree:
where it replaces text with no escape in it by text that needs none. A fix
with any other edit inside a JSON string is withdrawn (its finding stays):
applied, it would break the string or change what it says.

Between the strings, an edit must leave a JSON array of strings: text
inserted there as a shell command would write it (``"install" --no-cache``)
turns the instruction into shell form, which BuildKit runs with a shell,
quotes, commas and brackets included, and no parse error tells.
"""

from __future__ import annotations

import json
import re
from typing import Sequence

from . import ast
from .fix import Fix

__all__ = ["json_string_interiors", "keeps_json_strings", "json_arrays", "keeps_json_arrays"]

#: What JSON must escape in a string: a quote, a backslash, a control character.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _exec_forms(file: ast.File) -> list[tuple[ast.Argument, ...]]:
    """The JSON strings of each exec-form instruction (HEALTHCHECK's follow its ``CMD``)."""
    found = []
    for node in file.instructions:
        run = node.effective
        if run is not None and run.exec_form:
            strings = run.command_args if isinstance(run, ast.HealthcheckInstruction) else run.args
            if strings:
                found.append(strings)
    return found


def json_string_interiors(file: ast.File) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the text between the quotes of every exec-form argument."""
    return [(arg.span.start.offset + 1, arg.span.end.offset - 1) for strings in _exec_forms(file) for arg in strings]


def json_arrays(file: ast.File) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of every exec-form instruction's strings, from the first one's opening
    quote to the last one's closing quote (the brackets around them are not included)."""
    return [(strings[0].span.start.offset, strings[-1].span.end.offset) for strings in _exec_forms(file)]


def keeps_json_arrays(fix: Fix, arrays: Sequence[tuple[int, int]], text: str, escape: str = "\\") -> bool:
    """Whether every array of ``arrays`` that ``fix`` edits inside is still a list of strings once
    edited (with its line continuations, ``escape`` and a newline, joined first, as BuildKit does),
    and no edit cuts into one partly (replacing all of it is fine)."""
    for first, last in arrays:
        inside = []
        for edit in fix.edits:
            if edit.end < first or edit.start > last or (edit.start <= first and edit.end >= last
                                                          and (edit.start, edit.end) != (first, last)):
                continue  # outside, or the whole instruction rewritten
            if not (first <= edit.start and edit.end <= last):
                return False
            inside.append(edit)
        if inside and not _is_string_list(_joined(_apply(text, first, last, inside), escape)):
            return False
    return True


def _apply(text: str, first: int, last: int, edits: list) -> str:
    out, at = [], first
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out += [text[at:edit.start], edit.content]
        at = edit.end
    return "".join(out) + text[at:last]


def _joined(text: str, escape: str) -> str:
    """``text`` with its line continuations removed: a line ending in one ``escape`` (and spaces or
    tabs) goes on with the next line that is neither blank nor a comment."""
    lines = text.split("\n")
    pieces = [lines[0]]
    for line in lines[1:]:
        last = pieces[-1].rstrip("\r").rstrip(" \t")
        if not last.endswith(escape) or last.endswith(escape * 2):
            return text  # not continued: the instruction would end here, so the JSON cannot be read
        if not line.strip() or line.lstrip().startswith("#"):
            continue  # BuildKit skips blank and comment lines inside a continuation
        pieces[-1] = last[:-1]
        pieces.append(line)
    return "".join(pieces)


def _is_string_list(strings: str) -> bool:
    try:
        value = json.loads(f"[{strings}]")
    except ValueError:
        return False
    return bool(value) and all(isinstance(item, str) for item in value)


def keeps_json_strings(fix: Fix, interiors: Sequence[tuple[int, int]], text: str) -> bool:
    """Whether every edit of ``fix`` is outside the strings ``interiors``, replaces a whole string
    with its quotes, or, inside one, swaps unescaped text for text that needs no escape."""
    for edit in fix.edits:
        start, end = edit.start, edit.end
        for first, last in interiors:
            if end < first or start > last or (start < first and end > last):
                continue  # outside the string, or the whole string with its quotes
            if not (first <= start and end <= last) or "\\" in text[start:end] or _NEEDS_ESCAPE.search(edit.content):
                return False
    return True
