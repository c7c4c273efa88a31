"""Position maps: from an offset in a shell script to its place in the Dockerfile.

A script is parsed from a string that is not always a verbatim slice of the
file: a RUN's command line has its line continuations removed, a ``<<-``
heredoc body has its leading tabs stripped, the script of an exec-form
``RUN ["sh", "-c", "..."]`` is a decoded JSON string. A :class:`PositionMap`
turns an offset of that string back into a file :class:`~dflint.source.Position`.
"""

from __future__ import annotations

import re
from typing import Optional, Protocol, Sequence

from ..ast import Argument, Heredoc, Instruction, Segment, position_in, span_in
from ..source import LineIndex, Position, Span

__all__ = ["PositionMap", "TextPositions", "SegmentPositions", "DecodedPositions", "run_positions",
           "heredoc_positions", "run_shell_input", "json_string_positions"]

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


class DecodedPositions:
    """Positions in a decoded string: character ``i`` was written as ``[starts[i], ends[i])`` of
    a logical line made of ``segments`` (an escape such as ``\\"`` is two characters written for
    one); offsets at or past the end map to ``close``, where the string's closing quote is."""

    __slots__ = ("segments", "starts", "ends", "close")

    def __init__(self, segments: Sequence[Segment], starts: Sequence[int], ends: Sequence[int], close: int) -> None:
        self.segments = tuple(segments)
        self.starts = starts
        self.ends = ends
        self.close = close

    def position(self, offset: int) -> Position:
        logical = self.starts[offset] if offset < len(self.starts) else self.close
        return position_in(self.segments, logical)

    def span(self, start: int, end: int) -> Span:
        first = self.position(start)
        if end <= start or start >= len(self.starts):
            return Span(first, first)
        last = position_in(self.segments, self.ends[min(end, len(self.ends)) - 1] - 1)
        return Span(first, Position(last.offset + 1, last.line, last.column + 1))


_JSON_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")


def json_string_positions(instruction: Instruction, argument: Argument) -> Optional[DecodedPositions]:
    """The map of an exec-form argument's decoded value (``argument.value``) into the file; None
    when the string as written does not decode to that value (nothing to map it by)."""
    segments = instruction.segments
    at = argument.span.start.offset
    seg = next((s for s in segments if s.offset <= at < s.offset + s.length), None)
    logical = seg.logical + at - seg.offset if seg is not None else -1
    raw = instruction.original
    if logical < 0 or raw[logical:logical + 1] != '"':
        return None
    starts: list[int] = []
    ends: list[int] = []
    chars: list[str] = []
    i = logical + 1
    while i < len(raw) and raw[i] != '"':
        start = i
        if raw[i] != "\\":
            char, i = raw[i], i + 1
        elif raw[i + 1:i + 2] in _JSON_ESCAPES:
            char, i = _JSON_ESCAPES[raw[i + 1]], i + 2
        elif raw[i + 1:i + 2] == "u" and _HEX4.fullmatch(raw, i + 2, i + 6):
            char, i = chr(int(raw[i + 2:i + 6], 16)), i + 6
            if "\ud800" <= char <= "\udbff" and raw[i:i + 2] == "\\u" and _HEX4.fullmatch(raw, i + 2, i + 6):
                low = int(raw[i + 2:i + 6], 16)
                if 0xDC00 <= low <= 0xDFFF:  # a surrogate pair: one character
                    char, i = chr(0x10000 + ((ord(char) - 0xD800) << 10) + low - 0xDC00), i + 6
        else:
            return None
        chars.append(char)
        starts.append(start)
        ends.append(i)
    if i >= len(raw) or "".join(chars) != argument.value:
        return None
    return DecodedPositions(segments, starts, ends, i)


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
