"""The words of an instruction that BuildKit expands (``$VAR``), with their spans.

BuildKit expands variables in ADD, ARG, COPY, ENV, EXPOSE, FROM, LABEL,
STOPSIGNAL, USER, VOLUME and WORKDIR (and in the ``--chown``/``--chmod``,
``--platform`` and ``--mount`` flags); the shell does it for RUN, CMD and
ENTRYPOINT. ENV and LABEL keys are expanded like their values, ARG keys are
not. Rules about variables look at these words only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .. import ast
from ..source import Span

_FLAGS = {"COPY": ("chown", "chmod"), "ADD": ("chown", "chmod", "checksum"), "FROM": ("platform",),
          "RUN": ("mount",)}
_ALL_ARGS = ("COPY", "ADD", "EXPOSE", "VOLUME", "WORKDIR", "USER", "STOPSIGNAL")


# Not frozen, for the cost of a frozen __init__ (see shell.model); unsafe_hash keeps the hash it had.
@dataclass(unsafe_hash=True)
class ExpandedWord:
    """Text Docker expands, where it is, and how to locate a part of it."""

    node: ast.Instruction
    text: str
    span: Span
    origin: int = -1  # index in node.original when ``text`` is verbatim there

    def span_of(self, start: int, end: int) -> Span:
        """The span of ``text[start:end]`` (the whole word when it is not verbatim)."""
        if self.origin < 0:
            return self.span
        return self.node.span_of(self.origin + start, self.origin + end)


def _argument(node: ast.Instruction, arg: Optional[ast.Argument]) -> list[ExpandedWord]:
    if arg is None:
        return []
    return [ExpandedWord(node, arg.value, arg.span, arg.origin)]


def _flag(node: ast.Instruction, flag: ast.Flag) -> list[ExpandedWord]:
    if flag.value is None or flag.value_span is None:
        return []
    verbatim = flag.text.endswith(flag.value)
    origin = -1
    if verbatim and node.segments:
        # Locate the value in the logical line: flags do not span continuations in practice.
        found = node.original.find(flag.text)
        origin = found + len(flag.text) - len(flag.value) if found >= 0 else -1
    return [ExpandedWord(node, flag.value, flag.value_span, origin)]


def expanded_words(node: ast.Instruction) -> list[ExpandedWord]:
    """Every word of ``node`` that BuildKit expands, in order."""
    words: list[ExpandedWord] = []
    for flag in node.flags:
        if flag.name in _FLAGS.get(node.name, ()):
            words += _flag(node, flag)
    if isinstance(node, (ast.EnvInstruction, ast.LabelInstruction, ast.ArgInstruction)):
        for pair in node.pairs:
            if not isinstance(node, ast.ArgInstruction):  # ENV and LABEL keys are expanded too; ARG's are not
                words += _argument(node, pair.key)
            words += _argument(node, pair.value)
    elif isinstance(node, ast.FromInstruction):
        words += _argument(node, node.image)
    elif node.name in _ALL_ARGS:
        heredoc_markers = {doc.marker.span for doc in node.heredocs}
        for arg in node.args:
            if arg.span not in heredoc_markers:
                words += _argument(node, arg)
    return words
