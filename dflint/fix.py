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
    """Replace ``path`` with ``data`` so readers see the old or the new file, never half.

    A symlink is written through: its target gets the new content and the
    link stays a link. The new file keeps the old one's mode and, where the
    user may set them, owner and group. A file without write permission is
    refused (``PermissionError``), as editors do, rather than replaced behind
    its read-only mode (the directory's permission alone would allow that).
    """
    import errno
    import tempfile  # only needed with --fix; keeps start-up light

    target = os.path.realpath(path)
    info = os.stat(target)
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "the file is read-only", path)
    fd, temp = tempfile.mkstemp(prefix=".dflint-", dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if hasattr(os, "chown"):
            try:
                os.chown(temp, info.st_uid, info.st_gid)
            except OSError:
                pass  # not allowed to give the file away: it belongs to whoever fixed it, as with sed -i
        os.chmod(temp, info.st_mode & 0o7777)  # after chown, which clears the set-id bits
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
