"""The pre-pass in front of the grammar: everything that needs line context.

BuildKit reads a Dockerfile line by line. This module does the same and hands
the grammar one *logical line* per instruction, with a map back to the file:

* parser directives (``# syntax=``, ``# escape=``, ``# check=``), which only
  count before the first other line, and the escape character they choose;
* comment lines and blank lines;
* line continuations: a line ending in one escape character (not two) and
  optional spaces/tabs continues on the next line; comment lines and
  whitespace-only lines inside a continuation are skipped;
* heredoc bodies, read on request once the instruction is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, NamedTuple, Optional, Union

from ..ast import Segment
from ..expansion import GO_SPACES

DIRECTIVE_NAMES = ("syntax", "escape", "check")
VALID_ESCAPES = ("\\", "`")
#: BuildKit's bufio.Scanner refuses lines longer than this many bytes.
MAX_LINE_BYTES = 64 * 1024

_GO_SPACE_CHARS = "".join(sorted(GO_SPACES))
# Go's regexp \s is [\t\n\f\r ]; `.` stops only at \n.
# The value is greedy and stripped after the match: a lazy `(.+?)[blanks]*\Z` tried every end (quadratic in a
# run of blanks inside the value).
_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+)\Z")
_DIRECTIVE_BLANKS = "\t\n\f\r "


class PhysicalLine(NamedTuple):
    """One line of the file: ``[start, end)`` is its content, without ``\\r*\\n``."""

    number: int
    start: int
    end: int
    has_newline: bool


@dataclass
class DirectiveLine:
    """A parser directive line (``# syntax=...``, ``# escape=...``, ``# check=...``)."""

    line: PhysicalLine
    name: str
    value: str
    name_start: int
    value_start: int


@dataclass
class CommentLine:
    """A comment line, with the offset of its ``#``."""

    line: PhysicalLine
    hash_offset: int


@dataclass
class DirectiveProblem:
    """A directive line BuildKit rejects (duplicate, bad escape token)."""

    line: PhysicalLine
    message: str
    hint: Optional[str] = None


@dataclass
class LogicalLine:
    """One instruction's text with continuations joined, as BuildKit sees it."""

    text: str
    segments: list[Segment]
    first: PhysicalLine
    last: PhysicalLine
    start_offset: int
    comments: list[CommentLine] = field(default_factory=list)
    empty_lines: list[int] = field(default_factory=list)


@dataclass
class HeredocBody:
    """A heredoc's body and the line that ends it."""

    content: str
    body_start: int
    terminator: PhysicalLine


@dataclass
class UnterminatedHeredoc:
    """A heredoc the file ends inside: its last line."""

    last: PhysicalLine


Event = Union[DirectiveLine, CommentLine, DirectiveProblem, LogicalLine]


def split_lines(text: str) -> list[PhysicalLine]:
    """Physical lines as BuildKit's scanner sees them (split on ``\\n`` only)."""
    lines = []
    start = 0
    new = tuple.__new__  # PhysicalLine(...) without the namedtuple's Python-level __new__
    pieces = text.split("\n")
    last = len(pieces)
    for number, piece in enumerate(pieces, 1):
        stop = start + len(piece)
        if number == last and not piece:
            break  # the text ends with a newline: no line after it
        end = start + len(piece.rstrip("\r"))
        lines.append(new(PhysicalLine, (number, start, end, number != last)))
        start = stop + 1
    return lines


def _first_non_space(text: str, line: PhysicalLine) -> int:
    """Offset of the line's first character that is not white space (``line.end`` if none)."""
    pos = line.start
    end = line.end
    while pos < end and text[pos] in GO_SPACES:
        pos += 1
    return pos


class Scanner:
    """Walks the physical lines; the parser pulls events and heredoc bodies."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.index = 0
        self.escape = "\\"
        self._directives_done = False
        self._seen: set[str] = set()

    # -- helpers --------------------------------------------------------
    def _content_start(self, line: PhysicalLine) -> int:
        # BuildKit strips a UTF-8 byte-order mark from the first line only.
        if line.number == 1 and self.text.startswith("\ufeff"):
            return line.start + 1
        return line.start

    def _left_trimmed(self, line: PhysicalLine) -> int:
        pos = self._content_start(line)
        text = self.text
        while pos < line.end and text[pos] in GO_SPACES:
            pos += 1
        return pos

    def long_lines(self) -> list[PhysicalLine]:
        """Lines BuildKit refuses because they exceed its 64 KiB line buffer."""
        found = []
        for line in self.lines:
            full_end = line.end
            # Cheap filter first: a code point is at most 4 bytes.
            if (full_end - line.start + 2) * 4 < MAX_LINE_BYTES:
                continue
            stop = self.text.find("\n", line.start)
            raw = self.text[line.start: stop + 1 if stop != -1 else len(self.text)]
            size = len(raw.encode("utf-8", "surrogateescape"))
            if size > MAX_LINE_BYTES or (not line.has_newline and size >= MAX_LINE_BYTES):
                found.append(line)
        return found

    def _directive(self, line: PhysicalLine, start: int) -> Optional[Event]:
        """BuildKit's directive parser: only leading ``# name=value`` lines count."""
        if self._directives_done:
            return None
        text = self.text
        if start >= line.end or text[start] != "#":
            self._directives_done = True
            return None
        pos = start + 1
        while pos < line.end and text[pos] in GO_SPACES:
            pos += 1
        match = _DIRECTIVE.match(text, pos, line.end)
        if not match or match.group(1).lower() not in DIRECTIVE_NAMES:
            self._directives_done = True
            return None
        name = match.group(1).lower()
        value = match.group(2).rstrip(_DIRECTIVE_BLANKS) or match.group(2)  # all blanks: the last one, as Go's
        if name in self._seen:
            return DirectiveProblem(line, f"only one {name} parser directive can be used")
        self._seen.add(name)
        if name == "escape":
            if value not in VALID_ESCAPES:
                return DirectiveProblem(
                    line,
                    f"invalid escape token '{value}' does not match ` or \\",
                    hint="use `# escape=\\` or `# escape=``",
                )
            self.escape = value
        return DirectiveLine(line, name, value, match.start(1), match.start(2))

    def _strip_continuation(self, start: int, end: int) -> tuple[int, bool]:
        """End of the text kept from ``[start, end)`` and whether the line continues.

        The line continues when it ends in one escape character (not two)
        and optional spaces/tabs; the kept text stops before that character.
        """
        text = self.text
        stop = end
        while stop > start and text[stop - 1] in " \t":
            stop -= 1
        escape = stop - 1
        if stop == start or text[escape] != self.escape:
            return end, False
        if escape > start and text[escape - 1] == self.escape:
            return end, False  # an escaped escape character
        return escape, True

    # -- the event stream --------------------------------------------------
    def events(self) -> Iterator[Event]:
        lines = self.lines
        text = self.text
        while self.index < len(lines):
            line = lines[self.index]
            self.index += 1
            start = self._left_trimmed(line)
            event = self._directive(line, start)
            if event is not None:
                yield event
                continue
            if start < line.end and text[start] == "#":
                yield CommentLine(line, start)
                continue
            if start >= line.end:
                continue
            yield self._logical_line(line, start)

    def _logical_line(self, first: PhysicalLine, start: int) -> LogicalLine:
        text = self.text
        keep, more = self._strip_continuation(start, first.end)
        pieces = [text[start:keep]]
        new = tuple.__new__  # Segment(...) without the namedtuple's Python-level __new__
        segments = [new(Segment, (0, start, first.number, start - first.start + 1, keep - start))]
        logical = keep - start
        comments: list[CommentLine] = []
        empty: list[int] = []
        last = first
        lines = self.lines
        while more and self.index < len(lines):
            line = lines[self.index]
            self.index += 1
            last = line
            content = _first_non_space(text, line)
            if content == line.end:
                empty.append(line.number)
                continue
            if text[content] == "#":
                comments.append(CommentLine(line, content))
                continue
            begin = line.start
            keep, more = self._strip_continuation(begin, line.end)
            pieces.append(text[begin:keep])
            segments.append(new(Segment, (logical, begin, line.number, 1, keep - begin)))
            logical += keep - begin
        return LogicalLine("".join(pieces), segments, first, last, start, comments, empty)

    def read_heredoc(self, name: str, chomp: bool) -> Union[HeredocBody, UnterminatedHeredoc]:
        """Consume lines up to the terminator ``name`` (tabs stripped first for ``<<-``)."""
        text = self.text
        lines = self.lines
        body_start = lines[self.index].start if self.index < len(lines) else len(text)
        parts = []
        while self.index < len(lines):
            line = lines[self.index]
            self.index += 1
            candidate = text[line.start:line.end]
            if chomp:
                candidate = candidate.lstrip("\t")
            if candidate == name:
                return HeredocBody("".join(parts), body_start, line)
            stop = text.find("\n", line.start)
            parts.append(text[line.start: stop + 1 if stop != -1 else len(text)])
        last = lines[-1] if lines else PhysicalLine(1, 0, 0, False)
        return UnterminatedHeredoc(last)
