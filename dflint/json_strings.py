"""Fixes inside the JSON strings of exec-form instructions: kept only where they stay right.

The script of ``RUN ["sh", "-c", "..."]`` is a decoded JSON string: rules read
``echo "hi"`` where the file says ``echo \\"hi\\"``, and make their edits from
what they read. Such an edit is right in the file only where the two agree:
where it replaces text with no escape in it by text that needs none. A fix
with any other edit inside a JSON string is withdrawn (its finding stays):
applied, it would break the string or change what it says.
"""

from __future__ import annotations

import re
from typing import Sequence

from . import ast
from .fix import Fix

__all__ = ["json_string_interiors", "keeps_json_strings"]

#: What JSON must escape in a string: a quote, a backslash, a control character.
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def json_string_interiors(file: ast.File) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the text between the quotes of every exec-form argument."""
    found = []
    for node in file.instructions:
        run = node.effective
        if run is not None and run.exec_form:
            found.extend((arg.span.start.offset + 1, arg.span.end.offset - 1) for arg in run.args)
    return found


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
