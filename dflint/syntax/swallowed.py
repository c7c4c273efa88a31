r"""Continued lines that start with an instruction keyword: the instruction before swallowed them.

BuildKit joins a line after one ending in the escape character to the
instruction it continues, whatever it holds: `WORKDIR /app \` then `COPY . .`
is one WORKDIR. DF812 reports such lines; other rules leave the instruction
alone, as its arguments are not what the author wrote.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from ..ast import INSTRUCTION_NAMES, Instruction, Segment

__all__ = ["KeywordLine", "keyword_lines"]

_KEYWORD = re.compile(r"(%s)(?=[ \t]|$)" % "|".join(INSTRUCTION_NAMES))


class KeywordLine(NamedTuple):
    """A continued line of an instruction that starts with an upper-case instruction keyword."""

    previous: Segment  # the line ended by the escape
    segment: Segment  # the continued line
    index: int  # where the keyword starts in the instruction's logical line (``original``)
    keyword: str
    text: str  # the continued line as written


def keyword_lines(node: Instruction) -> Iterator[KeywordLine]:
    """Each continued line of ``node`` (not its first) that starts, after its indentation, with an
    upper-case instruction keyword followed by a blank or the end of the line."""
    if node.span.start.line == node.span.end.line:
        return  # one line: nothing continued
    segments = node.segments
    for previous, segment in zip(segments, segments[1:]):
        if segment.line == previous.line:
            continue
        text = node.original[segment.logical:segment.logical + segment.length]
        indent = len(text) - len(text.lstrip(" \t"))
        match = _KEYWORD.match(text, indent)
        if match is not None:
            yield KeywordLine(previous, segment, segment.logical + indent, match.group(1), text)
