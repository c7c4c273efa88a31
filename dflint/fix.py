"""Fixes are text edits with an honest applicability.

A rule marks a fix *safe* only when the build's meaning is provably kept;
*unsafe* fixes change behaviour in ways a user should review (``--unsafe-fixes``);
*display* fixes are only shown as suggestions. The linter applies fixes in
rounds (re-parsing between rounds) and writes files atomically.
"""

from __future__ import annotations

import enum
import os
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Iterable, Optional, Sequence

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
    """A set of fixes that do not touch each other, earliest first.

    Each fix is one that overlaps (as :meth:`Fix.overlaps` says) none chosen
    before it; a :class:`_Taken` answers that in O(log n) an edit, so a file
    with thousands of fixes is not N x N comparisons.
    """
    ordered = sorted(fixes, key=lambda f: min((e.start for e in f.edits), default=0))
    taken = _Taken(edit.start for fix in ordered for edit in fix.edits)
    chosen: list[Fix] = []
    for fix in ordered:
        if fix.edits and not any(taken.overlaps(edit) for edit in fix.edits):
            chosen.append(fix)
            for edit in fix.edits:
                taken.add(edit)
    return chosen


class _Taken:
    """Edits taken so far, asked whether a new edit overlaps one of them (as :func:`_overlap` says).

    An edit overlaps a taken one that starts before it ends and ends after
    it starts, or, if both are insertions, that is at the same point. A
    Fenwick tree over every start an edit may have keeps the furthest end of
    the taken edits starting before each; it holds taken edits that overlap
    each other too (two edits of one fix), which a sorted list of disjoint
    spans could not.
    """

    def __init__(self, starts: Iterable[int]) -> None:
        self._starts = sorted(set(starts))
        self._reach = [-1] * (len(self._starts) + 1)  # 1-based tree of the furthest ends
        self._points: set[int] = set()  # where the taken insertions are

    def add(self, edit: Edit) -> None:
        start, end = edit.start, edit.end
        if start == end:
            self._points.add(start)
        i = bisect_left(self._starts, start) + 1
        while i < len(self._reach):
            if self._reach[i] < end:
                self._reach[i] = end
            i += i & -i

    def overlaps(self, edit: Edit) -> bool:
        start, end = edit.start, edit.end
        if start == end and start in self._points:
            return True
        reach = -1
        i = bisect_left(self._starts, end)  # the taken edits that start before this one ends
        while i:
            reach = max(reach, self._reach[i])
            i -= i & -i
        return reach > start


class Shift:
    """Where the offsets of a text are once ``edits`` are applied to it.

    Built once for a round's edits: each offset is then found in O(log n),
    not by a walk over every edit.
    """

    def __init__(self, edits: Iterable[Edit]) -> None:
        edits = list(edits)
        by_start = sorted(edits, key=lambda e: e.start)
        self._starts = [e.start for e in by_start]
        self._reach = list(accumulate((e.end for e in by_start), max, initial=-1))
        by_end = sorted(edits, key=lambda e: e.end)
        self._ends = [e.end for e in by_end]
        self._shift = list(accumulate((len(e.content) - (e.end - e.start) for e in by_end), initial=0))

    def moved(self, offset: int) -> Optional[int]:
        """``offset`` after the edits: moved by those that end at or before it; None when one covers it."""
        if self._reach[bisect_left(self._starts, offset)] > offset:
            return None  # an edit starts before it and ends after it
        return offset + self._shift[bisect_right(self._ends, offset)]


class Followed:
    """The findings of a file's first lint, followed through the fix rounds: how many are gone.

    A finding counts as still there when a finding of the same rule starts
    where its start moved to; one an edit covered is gone. "Fixed N problems"
    then says what the user sees go away: a fix can resolve several findings
    (one edit for two), or make others moot (merged RUNs), and the count of
    fixes applied would say neither.
    """

    def __init__(self, findings: Iterable[Any]) -> None:
        self._places: list[tuple[str, Optional[int]]] = [(f.code, f.span.start.offset) for f in findings]

    def move(self, shift: Shift) -> None:
        self._places = [(code, None if offset is None else shift.moved(offset)) for code, offset in self._places]

    def gone(self, findings: Iterable[Any]) -> int:
        remaining = Counter((f.code, f.span.start.offset) for f in findings)
        gone = 0
        for place in self._places:
            if place[1] is not None and remaining[place] > 0:
                remaining[place] -= 1
            else:
                gone += 1
        return gone


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


def write_atomically(path: str, data: bytes, read: Optional[bytes] = None) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never half.

    A symlink is written through: its target gets the new content and the
    link stays a link. The new file keeps the old one's mode and, where the
    user may set them, owner and group. A file without write permission is
    refused (``PermissionError``), as editors do, rather than replaced behind
    its read-only mode (the directory's permission alone would allow that).
    With ``read``, the bytes the fixes were made from, a file that no longer
    holds them (an editor saved it meanwhile) is left alone: writing would
    lose that change. A file with other hard links is rewritten in place, as
    editors do, so that every name sees the fix (see :func:`_write_in_place`).
    """
    import errno
    import stat
    import tempfile  # only needed with --fix; keeps start-up light

    info = os.stat(path)  # through links, as /dev/fd/N of `<(...)` must be, whose real path is "pipe:[N]"
    if not stat.S_ISREG(info.st_mode):  # a pipe (`<(...)`) or a device: there is no file to rewrite
        raise OSError(errno.EINVAL, "not a regular file; nothing was written", path)
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        read_only_mount = hasattr(os, "statvfs") and os.statvfs(path).f_flag & os.ST_RDONLY
        raise PermissionError(errno.EACCES, "the file system is read-only" if read_only_mount
                              else "the file is read-only", path)
    target = os.path.realpath(path)
    if info.st_nlink > 1:
        if read is not None:
            _unchanged(target, read, path)
        _write_in_place(target, data, path)
        return
    try:
        fd, temp = tempfile.mkstemp(prefix=".dflint-", dir=os.path.dirname(target))
    except OSError as exc:  # the file may be writable while its directory is not
        raise OSError(exc.errno, f"cannot create the new file beside it: {exc.strerror} (the directory "
                      f"{os.path.dirname(target) or '.'} is not writable)"
                      if exc.errno in (errno.EACCES, errno.EPERM) else exc.strerror, path) from exc
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
        if read is not None:
            _unchanged(target, read, path)  # last thing before the replace: the window is that call alone
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _unchanged(target: str, read: bytes, path: str) -> None:
    import errno

    with open(target, "rb") as handle:
        if handle.read() != read:
            raise OSError(errno.EAGAIN, "the file changed while dflint fixed it; nothing was written, run again",
                          path)


def _write_in_place(target: str, data: bytes, path: str) -> None:
    """Overwrite ``target``'s own inode: replacing it would cut it off from its other hard links.

    Not atomic, so a copy of the old content is kept beside it until the new
    content is on disk; if the write fails the old content is put back, and
    if even that fails the copy stays and the error names it.
    """
    import tempfile

    with open(target, "rb") as handle:
        old = handle.read()
    fd, backup = tempfile.mkstemp(prefix=".dflint-backup-", dir=os.path.dirname(target))
    with os.fdopen(fd, "wb") as handle:
        handle.write(old)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        _overwrite(target, data)
    except BaseException as exc:
        try:
            _overwrite(target, old)
        except OSError:
            raise OSError(getattr(exc, "errno", None), f"{getattr(exc, 'strerror', None) or exc}; the file may be "
                          f"damaged, its old content is in {backup}", path) from exc
        os.unlink(backup)
        raise
    os.unlink(backup)


def _overwrite(target: str, data: bytes) -> None:
    with open(target, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())
