"""The fast path for the most common scripts: lists of simple commands with plain words.

Most RUN lines are ``a && b | c > f; d`` with unquoted or simply quoted words.
For those the grammar always builds the same shape of tree, so this module
reads them directly, without Lark: no grammar to load, no lexer regexes to
compile on first use (tens of milliseconds in a fresh process), and a faster
steady state. It accepts a strict subset of the grammar and refuses, returning
None, anything outside it; the grammar then parses the text as before:

* words made of plain characters, ``\\x`` escapes, ``'...'``, ``"..."`` and
  ``$NAME``, ``${...}`` and ``$(...)`` holding no quotes, escapes, backticks,
  braces or parentheses;
* no backticks, ``$'...'``, parentheses (subshells, ``$((...))``, ``<(...)``,
  arrays), ``;;`` or the text ``esac`` anywhere;
* no word equal to a reserved word (``if``, ``do``, ``}``, ``!``...), wherever
  it stands: the grammar retypes those in some positions only.

Inside that subset each token is what the grammar's contextual lexer makes of
it in that place: ``2>`` starts with an IO_NUMBER where a redirection may start
(never as a redirection's target), ``NAME=value`` is an ASSIGNMENT_WORD before
the command name only, operators are read longest first. :class:`FlatWalker`
then emits the commands exactly as :class:`~dflint.shell.builder.TreeWalker`
does for the grammar's tree. tests/test_shell_flat.py checks both paths give
the same model on the fixtures, the benchmark corpus and generated scripts.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Union

from .builder import Emitter, Link, RawRedirect

__all__ = ["FlatScript", "FlatWalker", "parse_flat"]

# The grammar's word atoms (grammar.py), restricted so that each one ends
# where the grammar's does: a substitution or ${...} holds none of ()'"\`{}.
_SIMPLE_SUBST = r"\$\([^()'\"\\`]*\)"
_SIMPLE_PARAM = r"\$\{[^{}'\"\\`]*\}"
_DQ = r'"(?:[^"\\`$]|\\[\s\S]|\\\Z|' + _SIMPLE_SUBST + "|" + _SIMPLE_PARAM + r"|\$(?![({]))*\""
_ATOM = (r"(?:[^ \t\r\n|&;()<>'\"\\`$]|\\[\s\S]|\\\Z|'[^']*'|" + _DQ + "|" + _SIMPLE_SUBST + "|"
         + _SIMPLE_PARAM + r"|\$(?![({']))")
_WORD = re.compile(r"(?!#)" + _ATOM + "+")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=(?:" + _ATOM + ")*")
_SUBSCRIPT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[")  # a[i]=x: the grammar's own pattern decides
_IO_NUMBER = re.compile(r"[0-9]+(?=[<>])")
_BLANKS = re.compile(r"(?:[ \t\r]|\\\r?\n)+")
_OPERATOR = re.compile(r";;&|&>>|<<<|<<-|&&|\|\||;;|;&|&>|\|&|>>|>\||>&|<&|<>|<<|[;&|()<>]")
#: Where a word ends: the end of the text or one of these (anything else is an atom this module refuses).
_WORD_END = frozenset(" \t\r\n;&|()<>")
_REDIRECTS = frozenset({"<", ">", ">>", ">|", ">&", "<&", "<>", "&>", "&>>", "<<<", "<<", "<<-"})
_AND_OR = frozenset({"&&", "||"})
_PIPES = frozenset({"|", "|&"})
_SEPARATORS = frozenset({";", "&", "\n"})
#: String terminals of the grammar that WORD also matches: Lark retypes them where the parser expects them.
_RESERVED = frozenset({"if", "then", "elif", "else", "fi", "for", "in", "do", "done", "while", "until",
                       "case", "esac", "function", "{", "}", "!"})


class Redirection(NamedTuple):
    fd: Optional[str]
    op: str
    start: int
    target: str
    target_start: int


class Element(NamedTuple):
    """A word or an assignment of a simple command, ``start`` in the parsed text."""

    kind: str  # "word" or "assignment"
    raw: str
    start: int


Command = tuple[Union[Element, Redirection], ...]
Pipeline = tuple[tuple[Command, ...], tuple[str, ...]]  # commands, and the pipes between them
AndOr = tuple[tuple[Optional[str], Pipeline], ...]  # (operator before, pipeline); the first operator is None


class FlatScript(NamedTuple):
    """A parsed flat script: and-or lists (tuples) and separators (strings), in order."""

    items: tuple[Union[AndOr, str], ...]


class _Refused(Exception):
    """The text is outside the subset: the grammar parses it."""


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.end = len(text)

    def skip(self) -> None:
        """Skips blanks, continuations and comments (never a newline)."""
        text = self.text
        while self.pos < self.end:
            blank = _BLANKS.match(text, self.pos)
            if blank:
                self.pos = blank.end()
            elif text[self.pos] == "#":
                newline = text.find("\n", self.pos)
                self.pos = self.end if newline < 0 else newline
            else:
                return

    def operator(self) -> Optional[str]:
        """The operator at the current position (not consumed), or None."""
        self.skip()
        if self.pos >= self.end:
            return None
        if self.text[self.pos] == "\n":
            return "\n"
        match = _OPERATOR.match(self.text, self.pos)
        return match.group() if match else None

    def take(self, value: str) -> None:
        self.pos += len(value)

    def newlines(self) -> None:
        while self.operator() == "\n":
            self.pos += 1

    def word(self, pattern: "re.Pattern[str]" = _WORD) -> Optional[tuple[str, int]]:
        match = pattern.match(self.text, self.pos)
        if match is None:
            return None
        stop = match.end()
        if stop < self.end and self.text[stop] not in _WORD_END:
            raise _Refused  # an atom this module does not read (backtick, complex $(...)...)
        raw = match.group()
        if raw in _RESERVED:
            raise _Refused
        self.pos = stop
        return raw, match.start()


def parse_flat(text: str) -> Optional[FlatScript]:
    """The flat reading of ``text``, or None when the grammar must parse it."""
    if "`" in text or "esac" in text:  # `esac` ends the grammar's case pattern inside $( )
        return None
    try:
        return _parse(_Reader(text))
    except _Refused:
        return None


def _parse(reader: _Reader) -> FlatScript:
    items: list[Union[AndOr, str]] = []
    reader.newlines()
    while reader.operator() is not None or reader.pos < reader.end:
        items.append(_and_or(reader))
        separator = reader.operator()
        if separator is None:
            if reader.pos < reader.end:
                raise _Refused
            break
        if separator not in _SEPARATORS:
            raise _Refused
        reader.take(separator)
        items.append(separator)
        reader.newlines()
    return FlatScript(tuple(items))


def _and_or(reader: _Reader) -> AndOr:
    chain: list[tuple[Optional[str], Pipeline]] = [(None, _pipeline(reader))]
    while True:
        operator = reader.operator()
        if operator not in _AND_OR:
            return tuple(chain)
        reader.take(operator)
        reader.newlines()
        chain.append((operator, _pipeline(reader)))


def _pipeline(reader: _Reader) -> Pipeline:
    commands = [_command(reader)]
    pipes: list[str] = []
    while True:
        operator = reader.operator()
        if operator not in _PIPES:
            return tuple(commands), tuple(pipes)
        reader.take(operator)
        reader.newlines()
        pipes.append(operator)
        commands.append(_command(reader))


def _command(reader: _Reader) -> Command:
    elements: list[Union[Element, Redirection]] = []
    named = False  # the command name has been read: words follow, no assignments
    text = reader.text
    while True:
        reader.skip()
        if reader.pos >= reader.end:
            break
        start = reader.pos
        number = _IO_NUMBER.match(text, start)
        fd = None
        if number:
            fd = number.group()
            reader.pos = number.end()
        operator = reader.operator()
        if operator in _REDIRECTS:
            reader.take(operator)
            reader.skip()
            target = reader.word()
            if target is None:
                raise _Refused
            elements.append(Redirection(fd, operator, start, target[0], target[1]))
            continue
        if fd is not None or operator is not None:
            if fd is not None or operator not in _AND_OR | _PIPES | _SEPARATORS:
                raise _Refused
            break
        if not named and _SUBSCRIPT.match(text, start):
            raise _Refused
        assignment = None if named else reader.word(_ASSIGNMENT)
        if assignment is not None:
            elements.append(Element("assignment", *assignment))
            continue
        word = reader.word()
        if word is None:
            raise _Refused
        elements.append(Element("word", *word))
        named = True
    if not elements:
        raise _Refused
    return tuple(elements)


class FlatWalker:
    """Emits the commands of a :class:`FlatScript`, call for call as ``TreeWalker`` does for its tree."""

    def __init__(self, emitter: Emitter, base: int) -> None:
        self.emit = emitter
        self.base = base  # offset of the parsed region in the script

    def walk(self, script: FlatScript, contexts: tuple[str, ...], conditional: bool,
             first_operator: Optional[str] = None, last_operator: Optional[str] = None) -> None:
        items = script.items
        before = first_operator
        for k, item in enumerate(items):
            if isinstance(item, str):
                before = item
                continue
            after = items[k + 1] if k + 1 < len(items) else last_operator
            self.and_or(item, before, after, contexts, conditional)  # type: ignore[arg-type]
            before = None

    def and_or(self, chain: AndOr, before: Optional[str], after: Optional[str],
               contexts: tuple[str, ...], conditional: bool) -> None:
        for i, (operator, pipeline) in enumerate(chain):
            following = chain[i + 1][0] if i + 1 < len(chain) else after
            self.pipeline(pipeline, before if i == 0 else operator, following, contexts, conditional or i > 0)

    def pipeline(self, pipeline: Pipeline, before: Optional[str], after: Optional[str],
                 contexts: tuple[str, ...], conditional: bool) -> None:
        commands, pipes = pipeline
        pipeline_id = self.emit.new_pipeline()
        for j, command in enumerate(commands):
            link = Link(before if j == 0 else pipes[j - 1], pipes[j] if j < len(pipes) else after,
                        pipeline_id, j, len(commands), False)
            self.simple(command, link, contexts, conditional)

    def simple(self, command: Command, link: Link, contexts: tuple[str, ...], conditional: bool) -> None:
        words: list[tuple[str, int]] = []
        assignments: list[tuple[str, int]] = []
        redirects: list[RawRedirect] = []
        base = self.base
        for element in command:
            if isinstance(element, Redirection):
                redirects.append(RawRedirect(element.fd, element.op, base + element.start, element.target,
                                             base + element.target_start))
            elif element.kind == "assignment":
                assignments.append((element.raw, base + element.start))
            else:
                words.append((element.raw, base + element.start))
        self.emit.command(words, assignments, redirects, link, contexts, conditional)
