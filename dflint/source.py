"""Source text: decoding without loss, and offset <-> (line, column) conversion.

Offsets and columns count Unicode code points of the decoded text. Bytes that
are not valid UTF-8 decode to lone surrogates (``surrogateescape``), so
:func:`encode_text` gives back the original bytes exactly.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

ENCODING = "utf-8"
ERRORS = "surrogateescape"


def decode_bytes(data: bytes) -> str:
    """Decode file contents; invalid UTF-8 survives as lone surrogates."""
    return data.decode(ENCODING, ERRORS)


BOM = "\ufeff"


def split_bom(text: str) -> tuple[str, str]:
    """(the UTF-8 byte order mark or "", the text after it).

    A file's findings are placed in the text without it, as BuildKit reads
    the file and as editors show it (column 1 is the first character you
    see); a fixed file gets it back when written."""
    return (BOM, text[1:]) if text.startswith(BOM) else ("", text)


def encode_text(text: str) -> bytes:
    """Inverse of :func:`decode_bytes`."""
    return text.encode(ENCODING, ERRORS)


class Position(NamedTuple):
    """A point in the source: 0-based offset, 1-based line and column."""

    offset: int
    line: int
    column: int


class Span(NamedTuple):
    """A half-open range ``[start, end)`` of the source."""

    start: Position
    end: Position

    @property
    def start_line(self) -> int:
        return self.start.line

    @property
    def end_line(self) -> int:
        return self.end.line

    def contains(self, offset: int) -> bool:
        return self.start.offset <= offset < self.end.offset


class Spanned:
    """``line``, ``column``, ``end_line`` and ``end_column`` of a ``span``: for nodes and findings."""

    __slots__ = ()
    span: Span

    @property
    def line(self) -> int:
        return self.span.start.line

    @property
    def column(self) -> int:
        return self.span.start.column

    @property
    def end_line(self) -> int:
        return self.span.end.line

    @property
    def end_column(self) -> int:
        return self.span.end.column


class LineIndex:
    """Start offsets of every line, for converting offsets to positions."""

    __slots__ = ("starts", "length")

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.starts = starts
        self.length = len(text)

    def position(self, offset: int) -> Position:
        """The position of ``offset`` (clamped to the text)."""
        offset = max(0, min(offset, self.length))
        line = bisect_right(self.starts, offset) - 1
        return Position(offset, line + 1, offset - self.starts[line] + 1)

    def span(self, start: int, end: int) -> Span:
        return Span(self.position(start), self.position(end))

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line``."""
        return self.starts[line - 1]

    @property
    def line_count(self) -> int:
        return len(self.starts)
