"""Unified diffs of what ``--fix`` would change, for ``--diff``."""

from __future__ import annotations

import difflib

_NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(path: str, before: str, after: str) -> str:
    """The change from ``before`` to ``after`` as ``diff -u`` and ``git apply`` read it ("" when equal).

    difflib leaves a last line without its newline unterminated; like diff,
    such a line is followed by a "No newline at end of file" marker so the
    patch still applies.
    """
    if before == after:
        return ""
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + _NO_NEWLINE)
    return "".join(out)
