"""Shared by the validation modules: problems and their place in the source, heredoc words."""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

from .. import ast
from ..ast import Flag, Instruction, ParseError, Span
from .heredocs import HeredocSyntaxError, parse_marker


class Problem(NamedTuple):
    """A rejected value; ``start``/``end`` index the flag value (-1: the whole flag)."""

    message: str
    start: int = -1
    end: int = -1
    hint: Optional[str] = None


def error(message: str, span: Span, hint: Optional[str] = None) -> ParseError:
    return ParseError(message, span, hint, "instruction")


def cover(nodes: Sequence[ast.Node]) -> Span:
    """From the first node's start to the last node's end."""
    return Span(nodes[0].span.start, nodes[-1].span.end)


def value_span(node: Instruction, flag: Flag, start: int = 0, end: Optional[int] = None) -> Span:
    """``flag.value[start:end]`` in the source; the whole value (or flag) when quoting moved it."""
    if flag.value_span is None or flag.value is None:
        return flag.span
    value = flag.value
    end = len(value) if end is None else end
    at = _logical_index(node, flag.value_span.start.offset)
    if at is None or node.original[at:at + len(value)] != value or start >= end:
        return flag.value_span if flag.value else flag.span
    return node.span_of(at + start, at + end)


def logical_text(node: Instruction, span: Span) -> str:
    """The text of ``span`` as BuildKit sees it: line continuations removed."""
    start = _logical_index(node, span.start.offset)
    last = _logical_index(node, span.end.offset - 1)
    return node.original[start:last + 1] if start is not None and last is not None else ""


def _logical_index(node: Instruction, offset: int) -> Optional[int]:
    for seg in node.segments:
        if seg.offset <= offset < seg.offset + seg.length:
            return seg.logical + offset - seg.offset
    return None


def problem_error(node: Instruction, flag: Flag, problem: Problem) -> ParseError:
    """A :class:`Problem` found in a flag's value, placed in the source."""
    span = flag.span if problem.start < 0 else value_span(node, flag, problem.start, problem.end)
    return error(problem.message, span, problem.hint)


def is_heredoc_word(word: str) -> bool:
    """Whether BuildKit's ``MustParseHeredoc`` reads ``word`` as a ``<<NAME`` marker."""
    try:
        return parse_marker(word) is not None
    except HeredocSyntaxError:
        return False  # MustParseHeredoc: an unusable marker is no heredoc


def one_of(options: Sequence[str]) -> str:
    """A hint listing the accepted values: ``use a, b or c``."""
    return "use " + ", ".join(options[:-1]) + " or " + options[-1]
