"""Fixes are text edits with an honest applicability.

A rule marks a fix *safe* only when the build's meaning is provably kept;
*unsafe* fixes change behaviour in ways a user should review (``--unsafe-fixes``);
*display* fixes are only shown as suggestions. The linter applies fixes in
rounds (re-parsing between rounds) and writes files atomically.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from .source import Span


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display-only"


@dataclass(frozen=True)
class Edit:
    """Replace ``span`` of the source with ``content`` (an insertion when the span is empty)."""

    span: Span
    content: str

    @property
    def start(self) -> int:
        return self.span.start.offset

    @property
    def end(self) -> int:
        return self.span.end.offset

    def to_dict(self) -> dict[str, Any]:
        start, end = self.span
        return {
            "start": {"line": start.line, "column": start.column, "offset": start.offset},
            "end": {"line": end.line, "column": end.column, "offset": end.offset},
            "content": self.content,
        }


@dataclass(frozen=True)
class Fix:
    """A fix a rule offers: edits applied together, with how safe they are."""

    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "applicability": self.applicability.value,
            "edits": [edit.to_dict() for edit in self.edits],
        }

    def overlaps(self, other: "Fix") -> bool:
        return any(_overlap(a, b) for a in self.edits for b in other.edits)


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point: order would be a guess
    return a.start < b.end and b.start < a.end


def choose_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """A set of fixes that do not touch each other, earliest first."""
    chosen: list[Fix] = []
    for fix in sorted(fixes, key=lambda f: min((e.start for e in f.edits), default=0)):
        if fix.edits and not any(fix.overlaps(other) for other in chosen):
            chosen.append(fix)
    return chosen


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits to ``text``."""
    out = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:edit.start])
        out.append(edit.content)
        cursor = edit.end
    out.append(text[cursor:])
    return "".join(out)


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never half."""
    import tempfile  # only needed with --fix; keeps start-up light

    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, temp = tempfile.mkstemp(prefix=".dflint-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
