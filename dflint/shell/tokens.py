"""A simple, forgiving shell tokenizer: heredoc bodies and the fallback path.

Two jobs need tokens without a grammar:

* finding shell heredocs (``cat <<EOF`` inside a script): their bodies are
  lines of data that follow the command line, which a context-free grammar
  cannot skip. :func:`tokenize` reads them as the shell does, and the parser
  blanks them out before the grammar sees the text;
* error recovery: where the grammar fails, :func:`tokenize` still splits the
  text into words and control operators, enough to find simple commands.

It never raises; an unterminated quote runs to the end of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .word_patterns import IO_NUMBER_PATTERN
from .words import skip_backticks, skip_braces, skip_double_quotes, skip_parens

__all__ = ["Token", "HeredocBody", "tokenize", "CONTROL_OPERATORS", "REDIRECT_OPERATORS"]

_OPERATOR = re.compile(r";;&|;;|;&|&&|\|\||&>>|&>|\|&|<<<|<<-|<<|<>|<&|>>|>\||>&|[;&|()<>]")
_IO_NUMBER = re.compile(IO_NUMBER_PATTERN)
_BLANKS = re.compile(r"(?:[ \t\r]|\\\r?\n)+")
CONTROL_OPERATORS = frozenset({";;&", ";;", ";&", "&&", "||", "|&", ";", "&", "|", "(", ")", "\n"})
REDIRECT_OPERATORS = frozenset({"&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">>", ">|", ">&", "<", ">"})
_WORD_END = " \t\r\n;&|()<>"


# Not frozen, for the cost of a frozen __init__ (see shell.model); unsafe_hash keeps the hash it had.
@dataclass(slots=True, unsafe_hash=True)
class Token:
    """``kind`` is ``word``, ``op`` (value is the operator; ``"\\n"`` for newline) or ``io`` (an fd number)."""

    kind: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class HeredocBody:
    """A heredoc found by the tokenizer: the ``<<`` at ``op_start``, body ``[start, end)``.

    ``stop`` is where the text after the terminator line resumes.
    """

    op_start: int
    delimiter: str
    strip_tabs: bool
    expand: bool
    start: int
    end: int
    stop: int
    terminated: bool


def _word_end(text: str, i: int, end: int) -> int:
    """End of the word starting at ``i`` (quotes and substitutions kept whole)."""
    while i < end:
        ch = text[i]
        if ch in _WORD_END:
            if ch in "<>" and i + 1 < end and text[i + 1] == "(":
                i = skip_parens(text, i + 2) + 1  # process substitution inside a word
                continue
            return i
        if ch == "\\":
            i += 2
        elif ch == "'":
            close = text.find("'", i + 1, end)
            i = end if close < 0 else close + 1
        elif ch == '"':
            i = skip_double_quotes(text, i + 1) + 1
        elif ch == "`":
            i = skip_backticks(text, i + 1) + 1
        elif ch == "$" and i + 1 < end and text[i + 1] in "({":
            i = (skip_parens if text[i + 1] == "(" else skip_braces)(text, i + 2) + 1
        else:
            i += 1
    return min(i, end)


def _unquote_delimiter(word: str) -> tuple[str, bool]:
    """The heredoc delimiter after quote removal, and whether the body expands."""
    if not any(ch in word for ch in "'\"\\"):
        return word, True
    out = []
    quote = ""
    i = 0
    while i < len(word):
        ch = word[i]
        if quote:
            if ch == quote:
                quote = ""
            else:
                out.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == "\\" and i + 1 < len(word):
            i += 1
            out.append(word[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out), False


def _read_body(text: str, start: int, end: int, delimiter: str, strip_tabs: bool) -> tuple[int, int, bool]:
    """``(body_end, resume, terminated)`` for a body starting at ``start``."""
    pos = start
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline < 0 else newline
        line = text[pos:line_end]
        if line.endswith("\r"):
            line = line[:-1]
        if strip_tabs:
            line = line.lstrip("\t")
        resume = end if newline < 0 else newline + 1
        if line == delimiter:
            return pos, resume, True
        pos = resume
    return end, end, False


def tokenize(text: str, start: int = 0, end: Optional[int] = None,
             heredocs: Optional[list[HeredocBody]] = None, read_bodies: bool = True) -> list[Token]:
    """Tokens of ``text[start:end]``; comments dropped, heredoc bodies skipped.

    Heredoc bodies found are appended to ``heredocs`` when given; with
    ``read_bodies`` false (bodies already blanked out) they are not looked for.
    """
    end = len(text) if end is None else end
    tokens: list[Token] = []
    pending: list[tuple[int, str, bool, bool]] = []  # heredocs waiting for the end of the line
    i = start
    word_start = True
    while i < end:
        blank = _BLANKS.match(text, i, end)
        if blank:
            i = blank.end()
            word_start = True
            continue
        ch = text[i]
        if ch == "\n":
            tokens.append(Token("op", "\n", i, i + 1))
            i += 1
            for op_start, delimiter, strip, expand in pending:
                body_end, resume, done = _read_body(text, i, end, delimiter, strip)
                if heredocs is not None:
                    heredocs.append(HeredocBody(op_start, delimiter, strip, expand, i, body_end, resume, done))
                i = resume
            pending.clear()
            continue
        if ch == "#" and word_start:
            newline = text.find("\n", i, end)
            i = end if newline < 0 else newline
            continue
        number = _IO_NUMBER.match(text, i, end)
        if number:
            tokens.append(Token("io", number.group(), i, number.end()))
            i = number.end()
            continue
        op = _OPERATOR.match(text, i, end)
        if op and not (ch in "<>" and text.startswith("(", i + 1)):
            value = op.group()
            tokens.append(Token("op", value, i, op.end()))
            i = op.end()
            if value in ("<<", "<<-"):
                blank = _BLANKS.match(text, i, end)
                j = blank.end() if blank else i
                stop = _word_end(text, j, end)
                if stop > j:
                    raw = text[j:stop]
                    tokens.append(Token("word", raw, j, stop))
                    delimiter, expand = _unquote_delimiter(raw)
                    if read_bodies:
                        pending.append((op.start(), delimiter, value == "<<-", expand))
                    i = stop
            word_start = True
            continue
        stop = _word_end(text, i, end)
        if stop == i:  # cannot happen with the operator set above; never loop forever
            stop = i + 1
        tokens.append(Token("word", text[i:stop], i, stop))
        i = stop
        word_start = False
    for op_start, delimiter, strip, expand in pending:  # heredoc on the last line: no body
        if heredocs is not None:
            heredocs.append(HeredocBody(op_start, delimiter, strip, expand, end, end, end, False))
    return tokens
