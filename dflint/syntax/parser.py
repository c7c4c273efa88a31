"""Parses a whole Dockerfile: scanner events -> grammar -> nodes, with recovery.

The order of work mirrors BuildKit's ``parser.Parse``: directives and the
escape character first, then one logical line per instruction, then that
instruction's heredoc bodies. Where BuildKit stops at the first error, this
parser records it and goes on with the next instruction, so the rest of the
file can still be linted.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

from .. import ast
from ..ast import Comment, Directive, Heredoc, Instruction, ParseError, Trivia
from ..expansion import GO_SPACES
from ..gcpause import collector_paused
from ..source import LineIndex, Position, Span
from .builder import ArgumentSyntaxError, InstructionBuilder
from .heredocs import HeredocSyntaxError, find_markers
from .scanner import (
    CommentLine,
    DirectiveLine,
    DirectiveProblem,
    LogicalLine,
    PhysicalLine,
    Scanner,
    UnterminatedHeredoc,
)

_HEREDOC_INSTRUCTIONS = ("RUN", "COPY", "ADD")
_STRIP = "".join(GO_SPACES)
_new = tuple.__new__  # a Position without the namedtuple's Python-level __new__


class _FileParser:
    def __init__(self, text: str, path: Optional[str]) -> None:
        self.text = text
        self.path = path
        self.index = LineIndex(text)
        self.scanner = Scanner(text)
        self.directives: list[Directive] = []
        self.comments: list[Comment] = []
        self.instructions: list[Instruction] = []
        self.nodes: list[ast.Node] = []
        self.errors: list[ParseError] = []

    # -- positions ------------------------------------------------------------
    def at(self, line: PhysicalLine, offset: int) -> Position:
        return _new(Position, (offset, line.number, offset - line.start + 1))

    def line_span(self, line: PhysicalLine, start: int) -> Span:
        return Span(self.at(line, start), self.at(line, line.end))

    def error(self, message: str, span: Span, hint: Optional[str] = None) -> None:
        self.errors.append(ParseError(message, span, hint, "parser"))

    # -- nodes ----------------------------------------------------------------
    def comment(self, event: CommentLine) -> Comment:
        span = self.line_span(event.line, event.hash_offset)
        text = self.text[event.hash_offset:event.line.end]
        return Comment(span, text, text[1:].strip(_STRIP))

    def directive(self, event: DirectiveLine) -> Directive:
        line = event.line
        start = self._first_non_space(line)
        span = self.line_span(line, start)
        name_span = Span(self.at(line, event.name_start), self.at(line, event.name_start + len(event.name)))
        value_span = Span(self.at(line, event.value_start), self.at(line, event.value_start + len(event.value)))
        return Directive(span, self.text[start:line.end], event.name, event.value, name_span, value_span)

    def _first_non_space(self, line: PhysicalLine) -> int:
        pos = line.start + 1 if line.number == 1 and self.text.startswith("\ufeff") else line.start
        while pos < line.end and self.text[pos] in GO_SPACES:
            pos += 1
        return pos

    def run(self) -> ast.File:
        for event in self.scanner.events():
            if isinstance(event, LogicalLine):
                self.instruction(event)
            elif isinstance(event, CommentLine):
                node = self.comment(event)
                self.comments.append(node)
                self.nodes.append(node)
            elif isinstance(event, DirectiveLine):
                node = self.directive(event)
                self.directives.append(node)
                self.nodes.append(node)
            elif isinstance(event, DirectiveProblem):
                start = self._first_non_space(event.line)
                node = self.comment(CommentLine(event.line, start))
                self.comments.append(node)
                self.nodes.append(node)
                self.error(event.message, node.span, event.hint)
        for line in self.scanner.long_lines():
            self.error(
                f"dockerfile line greater than max allowed size of {64 * 1024 - 1}",
                self.line_span(line, line.start),
                hint="BuildKit reads at most 64 KiB per line; split it with line continuations",
            )
        if not self.instructions and not any(isinstance(n, Instruction) for n in self.nodes):
            self.error("file with no instructions", self.index.span(0, 0),
                       hint="a Dockerfile needs at least a FROM instruction")
        return ast.File(
            path=self.path,
            text=self.text,
            escape=self.scanner.escape,
            directives=tuple(self.directives),
            comments=tuple(self.comments),
            instructions=tuple(self.instructions),
            children=self._partition(),
            errors=(),
        )

    def instruction(self, logical: LogicalLine) -> None:
        builder = InstructionBuilder(self.text, logical.text, logical.segments, self.scanner.escape)
        span = Span(self.at(logical.first, logical.start_offset), self.at(logical.last, logical.last.end))
        fields = {
            "comments": tuple(self.comment(c) for c in logical.comments),
            "empty_continuation_lines": tuple(logical.empty_lines),
        }
        try:
            node: Instruction = builder.build(0, len(logical.text), span, fields)
        except ArgumentSyntaxError as exc:
            problem = ParseError(exc.message, builder.span(exc.start, exc.end), exc.hint, "parser")
            self.errors.append(problem)
            self.nodes.append(builder.invalid(span, fields, problem))
            return
        target = node.effective
        if target is not None and target.name in _HEREDOC_INSTRUCTIONS and not target.exec_form:
            node = self.heredocs(node, builder, logical)
        self.instructions.append(node)
        self.nodes.append(node)

    def heredocs(self, node: Instruction, builder: InstructionBuilder, logical: LogicalLine) -> Instruction:
        try:
            markers = find_markers(logical.text)
        except HeredocSyntaxError as exc:
            self.error(str(exc), node.span)
            return node
        if not markers:
            return node
        heredocs = []
        end = node.span.end
        for marker in markers:
            body = self.scanner.read_heredoc(marker.name, marker.chomp)
            if isinstance(body, UnterminatedHeredoc):
                self.error(
                    "unterminated heredoc",
                    Span(node.span.start, self.index.position(len(self.text))),
                    hint=f"end the heredoc with a line containing only {marker.name}",
                )
                end = self.index.position(len(self.text))
                break
            term = body.terminator
            term_start = self._terminator_start(term)
            body_span = self.index.span(body.body_start, term.start)
            span = Span(body_span.start, self.at(term, term.end))
            heredocs.append(Heredoc(
                span=span,
                text=self.text[body.body_start:term.end],
                name=marker.name,
                fd=marker.fd,
                expand=marker.expand,
                chomp=marker.chomp,
                content=body.content,
                marker=builder.argument(marker.start, marker.end),
                body_span=body_span,
                terminator_span=Span(self.at(term, term_start), self.at(term, term.end)),
            ))
            end = span.end
        span = Span(node.span.start, end)
        text = self.text[span.start.offset:end.offset]
        found = tuple(heredocs)
        if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None:
            trigger = dataclasses.replace(node.trigger, heredocs=found)
            return dataclasses.replace(node, span=span, text=text, heredocs=found, trigger=trigger)
        return dataclasses.replace(node, span=span, text=text, heredocs=found)

    def _terminator_start(self, line: PhysicalLine) -> int:
        pos = line.start
        while pos < line.end and self.text[pos] == "\t":
            pos += 1
        return pos

    def _partition(self) -> tuple[ast.Node, ...]:
        """Top-level nodes in order, with trivia nodes filling every gap."""
        children: list[ast.Node] = []
        # A gap runs from the previous node's end to the next node's start:
        # both positions are known, no offset needs looking up.
        cursor = self.index.position(0)
        for node in sorted(self.nodes, key=lambda n: n.span.start.offset):
            start = node.span.start
            if start.offset > cursor.offset:
                children.append(Trivia(Span(cursor, start), self.text[cursor.offset:start.offset]))
            children.append(node)
            cursor = node.span.end
        if cursor.offset < len(self.text):
            end = self.index.position(len(self.text))
            children.append(Trivia(Span(cursor, end), self.text[cursor.offset:]))
        return tuple(children)


def parse_syntax(text: str, path: Optional[str] = None) -> ast.File:
    """Parse ``text`` into a :class:`~dflint.ast.File` with BuildKit parser errors only."""
    # The tree holds no reference cycles, but building it allocates hundreds of
    # thousands of tracked objects on big files: full collections during the
    # parse made its time grow faster than the input. Pause the collector.
    with collector_paused():
        parser = _FileParser(text, path)
        file = parser.run()
    errors = sorted(parser.errors, key=lambda e: (e.span.start.offset, e.message))
    return dataclasses.replace(file, errors=tuple(errors))


def print_tree(file: ast.File) -> str:
    """The source text, rebuilt from the tree's nodes alone."""
    return "".join(child.text for child in file.children)

