"""Unified diffs of what ``--fix`` would change, for ``--diff``."""

from __future__ import annotations

import difflib
import os

_NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(path: str, before: str, after: str) -> str:
    """The change from ``before`` to ``after`` as ``diff -u`` and ``git apply`` read it ("" when equal).

    Lines are split at "\\n" only, as diff and git do: ``str.splitlines`` would
    also split at form feeds, U+2028 and other characters a Dockerfile may
    hold inside a line, and the patch would not apply. difflib leaves a last
    line without its newline unterminated; like diff, such a line is followed
    by a "No newline at end of file" marker so the patch still applies.
    """
    if before == after:
        return ""
    name = patch_path(path)
    lines = difflib.unified_diff(_lines(before), _lines(after), fromfile=header_name(f"a/{name}"),
                                 tofile=header_name(f"b/{name}"))
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n" + _NO_NEWLINE)
    return "".join(out)


_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r",
              '"': '\\"', "\\": "\\\\"}


def header_name(name: str) -> str:
    """``name`` in a ---/+++ header as git writes it, so that ``git apply`` and ``patch`` both read it back.

    A name with a quote, a backslash, a control character or a non-ASCII
    character is C-quoted, non-ASCII as octal UTF-8 bytes (git's
    ``core.quotePath``); a name with a space is followed by a tab, where
    ``patch`` stops reading a name.
    """
    if any(c in _C_ESCAPES or c < " " or c >= "\x7f" for c in name):
        out = []
        for char in name:
            if char in _C_ESCAPES:
                out.append(_C_ESCAPES[char])
            elif " " <= char < "\x7f":
                out.append(char)
            else:
                out.extend(f"\\{byte:03o}" for byte in char.encode("utf-8", "surrogateescape"))
        return '"' + "".join(out) + '"'
    return name + "\t" if " " in name else name


def _lines(text: str) -> list[str]:
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def patch_path(path: str, cwd: str | None = None) -> str:
    """``path`` as the diff header names it, after ``a/`` and ``b/``.

    ``git apply`` and ``patch -p1`` strip that first component and open the
    rest from the directory they run in, and both refuse ``..``. So a file
    under the current directory is named relative to it (``./x`` and
    ``/abs/cwd/x`` become ``x``), which applies from where dflint ran; any
    other file by its absolute path without the leading ``/``, as
    ``git diff --no-index`` names absolute paths, which applies from ``/``.
    """
    cwd = os.getcwd() if cwd is None else cwd
    absolute = os.path.normpath(os.path.join(cwd, path))
    relative = os.path.relpath(absolute, cwd) if os.path.splitdrive(absolute)[0] == os.path.splitdrive(cwd)[0] \
        else os.pardir
    if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
        name = relative
    else:
        name = os.path.splitdrive(absolute)[1].lstrip(os.sep + (os.altsep or ""))
    return name.replace(os.sep, "/")
