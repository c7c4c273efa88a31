"""The words of an instruction that BuildKit expands (``$VAR``), with their spans.

BuildKit expands variables in ADD, ARG, COPY, ENV, EXPOSE, FROM, LABEL,
STOPSIGNAL, USER, VOLUME and WORKDIR (and in the ``--chown``/``--chmod``,
``--platform`` and ``--mount`` flags); the shell does it for RUN, CMD and
ENTRYPOINT. ENV and LABEL keys are expanded like their values, ARG keys are
not. Rules about variables look at these words only.

The body of a COPY or ADD here-document whose delimiter is not quoted
(``COPY <<EOF /etc/app.conf``, not ``<<"EOF"`` or ``<<'EOF'``) is expanded too,
as one word, always with the ``\\`` escape (whatever ``# escape=`` says) and
with quotes left as they are (BuildKit's ``SourcesAndDest.ExpandRaw``). A RUN
here-document is not: the shell reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .. import ast
from ..source import Position, Span

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel
    from .variables import Expansion

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
    origin: int = -1  # index in node.original when ``text`` is verbatim there (0 in a verbatim heredoc body)
    #: The COPY/ADD here-document whose body ``text`` is: BuildKit expands it with the backslash escape, quotes kept.
    heredoc: Optional[ast.Heredoc] = None

    @property
    def escape(self) -> Optional[str]:
        """The escape character BuildKit expands the word with; None: the file's."""
        return "\\" if self.heredoc is not None else None

    def span_of(self, start: int, end: int) -> Span:
        """The span of ``text[start:end]`` (the whole word when it is not verbatim)."""
        if self.origin < 0:
            return self.span
        if self.heredoc is not None:
            return Span(self._body_position(start), self._body_position(end))
        return self.node.span_of(self.origin + start, self.origin + end)

    def _body_position(self, index: int) -> Position:
        start = self.span.start
        newline = self.text.rfind("\n", 0, index)
        column = start.column + index if newline < 0 else index - newline
        return Position(start.offset + index, start.line + self.text.count("\n", 0, index), column)

    def expand(self, model: "BuildModel") -> "Expansion":
        """The word expanded as BuildKit does, with the variables its instruction sees."""
        return self.expand_text(model, self.text)

    def expand_text(self, model: "BuildModel", text: str) -> "Expansion":
        """``text`` (a part of the word) expanded as BuildKit expands the word."""
        if self.heredoc is not None:
            return model.scope_at(self.node).expand(text, "\\", skip_quotes=True)
        return model.expand(self.node, text)


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


def _heredoc_bodies(node: ast.Instruction) -> list[ExpandedWord]:
    """The bodies BuildKit expands of the here-documents a COPY or ADD copies: its sources whose
    delimiter is not quoted (the last argument is the destination, never a here-document's body).
    Two here-documents of one name copy the last one's body, as BuildKit looks them up by name.
    The body is the one written (``<<-`` tabs not stripped, which changes no reference in it)."""
    if not node.args:
        return []
    last = {doc.name: doc for doc in node.heredocs}
    destination = node.args[-1].span
    words: list[ExpandedWord] = []
    for doc in node.heredocs:
        body = last[doc.name]
        if doc.marker.span == destination or not doc.expand or any(word.heredoc is body for word in words):
            continue
        verbatim = body.span.start == body.body_span.start and body.text.startswith(body.content)
        words.append(ExpandedWord(node, body.content, body.body_span, 0 if verbatim else -1, body))
    return words


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
        if node.heredocs and node.name in ("COPY", "ADD"):
            words += _heredoc_bodies(node)
    return words
