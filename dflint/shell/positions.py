"""Position maps: from an offset in a shell script to its place in the Dockerfile.

A script is parsed from a string that is not always a verbatim slice of the
file: a RUN's command line has its line continuations removed, a ``<<-``
heredoc body has its leading tabs stripped. A :class:`PositionMap` turns an
offset of that string back into a file :class:`~dflint.source.Position`.
"""

from __future__ import annotations

import re
from typing import Optional, Protocol, Sequence

from ..ast import Heredoc, Instruction, Segment, position_in, span_in
from ..source import LineIndex, Position, Span

__all__ = ["PositionMap", "TextPositions", "SegmentPositions", "run_positions", "heredoc_positions",
           "run_shell_input"]

# Lines end at "\n" only, as in the Dockerfile's own line index.
_LINES = re.compile(r"[^\n]*\n|[^\n]+")


class PositionMap(Protocol):
    """Maps offsets of a script's text to source positions."""

    def position(self, offset: int) -> Position: ...

    def span(self, start: int, end: int) -> Span: ...


class TextPositions:
    """Positions in the script text itself (1-based lines): the default map."""

    __slots__ = ("_index",)

    def __init__(self, text: str, index: Optional[LineIndex] = None) -> None:
        self._index = index if index is not None else LineIndex(text)  # ``index``: one already built

    def position(self, offset: int) -> Position:
        return self._index.position(offset)

    def span(self, start: int, end: int) -> Span:
        return self._index.span(start, end)


class SegmentPositions:
    """Positions through segments: runs of the script copied verbatim from one line.

    ``shift`` is added to every offset first: a RUN's command line starts at
    ``origin`` in the instruction's logical line, whose segments these are.
    """

    __slots__ = ("segments", "shift")

    def __init__(self, segments: Sequence[Segment], shift: int = 0) -> None:
        self.segments = tuple(segments)
        self.shift = shift

    def position(self, offset: int) -> Position:
        return position_in(self.segments, self.shift + offset)

    def span(self, start: int, end: int) -> Span:
        return span_in(self.segments, self.shift + start, self.shift + end)


def run_positions(instruction: Instruction) -> Optional[SegmentPositions]:
    """The map of a RUN's shell-form command line (``shell_text``); None in exec form.

    ``shell_text.value`` is ``instruction.original[origin:]``, and the segments
    of ``original`` lead back through continuations and skipped comment lines.
    """
    text = getattr(instruction, "shell_text", None)
    if text is None or text.origin < 0:
        return None
    return SegmentPositions(instruction.segments, text.origin)


def _heredoc_segments(heredoc: Heredoc, strip: bool, logical: int = 0) -> list[Segment]:
    start = heredoc.body_span.start
    offset, line, column = start.offset, start.line, start.column
    segments: list[Segment] = []
    for match in _LINES.finditer(heredoc.content):
        text = match.group()
        tabs = len(text) - len(text.lstrip("\t")) if strip else 0
        segments.append(Segment(logical, offset + tabs, line, column + tabs, len(text) - tabs))
        logical += len(text) - tabs
        offset += len(text)
        line += 1
        column = 1
    if not segments:
        segments.append(Segment(logical, offset, line, column, 0))
    return segments


def heredoc_positions(heredoc: Heredoc, strip_tabs: Optional[bool] = None) -> SegmentPositions:
    """The map of a heredoc body: ``heredoc.body`` (or ``content`` when not stripping).

    ``content`` is verbatim file text from ``body_span.start``; for ``<<-`` the
    body loses each line's leading tabs, so each line is its own segment.
    """
    strip = heredoc.chomp if strip_tabs is None else strip_tabs
    return SegmentPositions(_heredoc_segments(heredoc, strip))


def _after(segment: Segment, logical: int, length: int) -> Segment:
    """A segment of ``length`` characters placed right after ``segment`` in the file."""
    end = segment.offset + segment.length
    return Segment(logical, end, segment.line, segment.column + segment.length, length)


def run_shell_input(instruction: Instruction) -> Optional[tuple[str, SegmentPositions]]:
    """The text a RUN hands to its shell and its map; None in exec form.

    With heredocs, BuildKit appends each body and its delimiter to the command
    line (``line + "\\n" + body + NAME ...``), so the shell reads them as its
    own heredocs: the map sends those parts to the body and terminator lines.
    """
    shell_text = getattr(instruction, "shell_text", None)
    if shell_text is None or shell_text.origin < 0:
        return None
    origin = shell_text.origin
    segments: list[Segment] = []
    for seg in instruction.segments:  # the command line, from `origin` on
        if seg.logical + seg.length <= origin:
            continue
        skip = max(0, origin - seg.logical)
        segments.append(Segment(seg.logical + skip - origin, seg.offset + skip, seg.line, seg.column + skip,
                                seg.length - skip))
    parts = [shell_text.value]
    logical = len(shell_text.value)
    for heredoc in instruction.heredocs:
        segments.append(_after(segments[-1], logical, 1))  # the "\n" BuildKit adds
        logical += 1
        segments.extend(_heredoc_segments(heredoc, False, logical))
        logical += len(heredoc.content)
        term = heredoc.terminator_span.start
        segments.append(Segment(logical, term.offset, term.line, term.column, len(heredoc.name)))
        logical += len(heredoc.name)
        parts.extend(("\n", heredoc.content, heredoc.name))
    return "".join(parts), SegmentPositions(segments)
