"""Finding ``<<NAME`` heredoc markers in an instruction line, as BuildKit does.

BuildKit splits the whole logical line into shell words (quotes and escapes
kept, unset variables left as written) and treats every word of the form
``[fd]<<[-]NAME`` as a heredoc. A line its word lexer cannot process (an
unmatched quote, a bad ``${...}``) has no heredocs at all. The delimiter is
quoted, and the body not expanded, when quote removal changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..expansion import ExpansionError, Lexer

# Go's regexp: \d is ASCII, \s is [\t\n\f\r ], $ is the end of the text.
_MARKER = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)")
_LINE_LEXER = Lexer("\\", raw_quotes=True, raw_escapes=True, skip_unset=True)
_NAME_LEXER = Lexer("\\", skip_unset=True)
_RAW_NAME_LEXER = Lexer("\\", skip_unset=True, raw_quotes=True)
_MAX_FD = 2**64 - 1


class HeredocSyntaxError(ValueError):
    """BuildKit rejects the heredoc delimiter word."""


@dataclass(frozen=True)
class Marker:
    """A heredoc marker word found at ``[start, end)`` of the logical line."""

    name: str
    fd: int
    chomp: bool
    expand: bool
    start: int
    end: int


def parse_marker(word: str) -> "tuple[str, int, bool, bool] | None":
    """``(name, fd, chomp, expand)`` when ``word`` is a heredoc marker, else None."""
    match = _MARKER.fullmatch(word)
    if match is None:
        return None
    digits, dash, rest = match.groups()
    if not rest:
        return None
    try:
        words = _NAME_LEXER.process_words(rest)
        if len(words) != 1:
            return None
        raw_words = _RAW_NAME_LEXER.process_words(rest)
    except ExpansionError as exc:
        raise HeredocSyntaxError(str(exc)) from None
    if len(raw_words) != 1:
        raise HeredocSyntaxError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    name, raw = words[0].value, raw_words[0].value
    expand = name.count("'") + name.count('"') == raw.count("'") + raw.count('"')
    fd = min(int(digits), _MAX_FD) if digits else 0
    return name, fd, dash == "-", expand


def find_markers(line: str) -> list[Marker]:
    """Heredoc markers of an instruction line, in order."""
    if "<<" not in line:
        return []
    try:
        words = _LINE_LEXER.process_words(line)
    except ExpansionError:
        return []
    markers = []
    for word in words:
        parsed = parse_marker(word.value)
        if parsed is not None:
            name, fd, chomp, expand = parsed
            markers.append(Marker(name, fd, chomp, expand, word.start, word.end))
    return markers
