"""The fast path for common scripts: read without Lark, the same model as the grammar's.

Most RUN scripts are ``a && b | c > f; d`` with plain or simply quoted words,
now and then an ``if``, ``for`` or ``while``. For those the grammar
(shell.lark) always builds the same shape of tree, so this module reads them
directly with a recursive descent over the grammar's own rules: no grammar to
load, no lexer regexes to compile on first use (tens of milliseconds in a
fresh process), and a faster steady state. It reads a strict subset and
refuses, returning None, anything outside it; the grammar then parses the text
as before:

* words made of plain characters, ``\\x`` escapes, ``'...'``, ``$'...'``,
  ``"..."``, backticks, ``$NAME``, ``${...}`` (as the grammar reads it),
  ``$(...)`` or ``$((...))`` holding no backticks and at most two levels
  of parentheses, and ``<(...)``/``>(...)`` as the grammar reads them
  (no backticks; one level of parentheses, holding no quotes);
* lists, ``&&``/``||``, pipes, redirections, and the compound commands
  ``if``, ``for NAME [in WORDS]``, ``while``, ``until``, ``case``,
  ``{ ...; }`` and ``( ... )``;
* a ``!`` in front of a pipeline;
* a ``case ... esac`` inside ``$(...)`` or ``<(...)``, read by the
  grammar's own pattern (its items' ``)`` close nothing), in a word the
  grammar's whole word pattern ends at the same place;
* nothing else: no arrays, functions; no reserved word (``if``, ``do``,
  ``}``...) in command position except where the grammar reads it as one.
  After the command name every word is an argument (``echo done``), as in
  the grammar, whose parser never accepts a reserved word there.

Inside that subset each token is what the grammar's contextual lexer makes of
it in that place: ``2>`` starts with an IO_NUMBER where a redirection may start
(never as a redirection's target), ``NAME=value`` is an ASSIGNMENT_WORD before
the command name only, operators are read longest first, a reserved word is
one only where the grammar expects it (a command's first word; a closing word
after a separator, or right after a compound command). :class:`FastWalker`
then emits the commands exactly as :class:`~dflint.shell.builder.TreeWalker`
does for the grammar's tree. tests/test_shell_fastpath.py checks both paths
give the same model on the fixtures, the rule cases and generated scripts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, Optional, Union

from .builder import Emitter, Link, RawRedirect
from .word_patterns import ASSIGNMENT_PATTERN, CASE_PATTERN, IO_NUMBER_PATTERN, PLAIN_IN_PARENS, WORD_PATTERN

__all__ = ["FastScript", "FastWalker", "parse_fast"]

# The grammar's word atoms (word_patterns.py), restricted so that each one
# ends where the grammar's does: a substitution holds no backticks and at most
# two levels of parentheses (quoted strings, which the grammar pairs up inside
# it, are fine). A `case ... esac` directly inside is read by the grammar's own
# pattern; a word holding one is checked against the grammar's (_Reader._checked).


# ${...}: the grammar's own pattern (quoted strings, one level of inner `${...}`; a plain `{` opens nothing
# and a backtick is plain text there).
_PARAM = r"\$\{(?:[^}'\"\\$]|\$(?!\{)|\\[\s\S]|\\\Z|'[^']*'|\"(?:[^\"\\]|\\[\s\S])*\"|\$\{[^}]*\})*\}"


def _in_parens(depth: int, top: bool = True) -> str:
    """Text between ``(`` and its ``)``, as word_patterns' ``_in_parens`` reads it at its outer levels."""
    inner = ((CASE_PATTERN + "|" if top else "") + _PARAM + "|" + PLAIN_IN_PARENS
             + r"|\\[\s\S]|\\\Z|'[^']*'|\"(?:[^\"\\]|\\[\s\S])*\"")
    if depth:
        inner += r"|\((?:" + _in_parens(depth - 1, False) + r")*\)"
    return inner


_SUBST = r"\$\((?:" + _in_parens(2) + r")*\)"  # also $(( )) arithmetic, as in the grammar
_BACKTICKS = r"`(?:[^`\\]|\\[\s\S])*`"  # the grammar's own: up to the next unescaped backtick
_DQ = (r'"(?:[^"\\`$]|\\[\s\S]|\\\Z|' + _BACKTICKS + "|" + _SUBST + "|" + _PARAM
       + r"|\$(?![({]))*\"")
_ANSI = r"\$'(?:[^'\\]|\\[\s\S])*'"  # $'...': the grammar's own
# <(...) and >(...): the grammar's one level of inner parentheses (holding no quotes); no backticks here.
_PROCSUB = (r"[<>]\((?:" + CASE_PATTERN + "|" + _PARAM + "|" + PLAIN_IN_PARENS + r"|\\[\s\S]|\\\Z|'[^']*'|\"(?:[^\"\\]|\\[\s\S])*\""
            r"|\([^()'\"\\`]*\))*\)")
_ATOM = (r"(?:[^ \t\r\n|&;()<>'\"\\`$]|\\[\s\S]|\\\Z|'[^']*'|" + _ANSI + "|" + _DQ + "|" + _BACKTICKS + "|"
         + _SUBST + "|" + _PARAM + "|" + _PROCSUB + r"|\$(?![({']))")
_WORD = re.compile(r"(?!#)" + _ATOM + "+")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=(?:" + _ATOM + ")*")
_SUBSCRIPT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\[")  # a[i]=x: the grammar's own pattern decides
_IO_NUMBER = re.compile(IO_NUMBER_PATTERN)
_BLANKS = re.compile(r"(?:[ \t\r]|\\\r?\n)+")
# A word of plain characters only, and what may follow it for that to be the whole word (the end of
# the text too; `<` and `>` not before `(`, which would start a process substitution in the word).
_PLAIN = re.compile(r"(?!#)[^ \t\r\n|&;()<>'\"\\`$]+")
_PLAIN_END = frozenset(" \t\r\n;&|()<>")
# Plain words with one space between them (the usual arguments of a command), and what may follow the
# last for it to be whole and not an IO number (`2>`): not `<` or `>`, then.
_PLAIN_RUN = re.compile(r"(?!#)[^ \t\r\n|&;()<>'\"\\`$]+(?: (?!#)[^ \t\r\n|&;()<>'\"\\`$]+)*")
_RUN_END = frozenset(" \t\r\n;&|()")
#: The characters a blank, a continuation or a comment starts with.
_SKIPPABLE = frozenset(" \t\r\\#")
_OPERATOR_START = frozenset(";&|()<>")
_REDIRECT_START = frozenset("0123456789<>&")  # an IO number, or a redirection operator (&> too)
#: What a word of a simple command cannot start with: a redirection, an operator or a newline ends it.
_NOT_A_WORD = _REDIRECT_START | _OPERATOR_START | {"\n"}
_OPERATOR = re.compile(r";;&|&>>|<<<|<<-|&&|\|\||;;|;&|&>|\|&|>>|>\||>&|<&|<>|<<|[;&|()<>]")
#: Where a word ends: the end of the text or one of these (anything else is an atom this module refuses).
_WORD_END = frozenset(" \t\r\n;&|()<>")
_REDIRECTS = frozenset({"<", ">", ">>", ">|", ">&", "<&", "<>", "&>", "&>>", "<<<", "<<", "<<-"})
_AND_OR = frozenset({"&&", "||"})
_PIPES = frozenset({"|", "|&"})
_SEPARATORS = frozenset({";", "&", "\n"})
_CASE_ENDS = frozenset({";;", ";&", ";;&"})
#: String terminals of the grammar that WORD also matches: Lark retypes them where the parser expects them.
_RESERVED = frozenset({"if", "then", "elif", "else", "fi", "for", "in", "do", "done", "while", "until",
                       "case", "esac", "function", "{", "}", "!"})
#: Compound commands nested deeper than this go to the grammar (whose parser does not recurse).
MAX_NESTING = 50
_AFTER_THEN = frozenset({"elif", "else", "fi"})


class Redirection(NamedTuple):
    fd: Optional[str]
    op: str
    start: int
    target: str
    target_start: int


class Element(NamedTuple):
    """A word of a compound command (the name and words of a ``for``, the subject of a ``case``)."""

    raw: str
    start: int


class Compound(NamedTuple):
    """``kind`` is subshell, brace, if, for, while, until or case; ``parts`` as :class:`FastWalker` reads them."""

    kind: str
    parts: tuple
    redirects: tuple[Redirection, ...]


class Simple(NamedTuple):
    """A simple command: ``(raw, start)`` of its words and assignments, in order, and its redirections."""

    words: tuple[tuple[str, int], ...]
    assignments: tuple[tuple[str, int], ...]
    redirects: tuple[Redirection, ...]


# Commands, the pipes between them, and whether `!` negates the pipeline.
Pipeline = tuple[tuple[Union[Simple, Compound], ...], tuple[str, ...], bool]
AndOr = tuple[tuple[Optional[str], Pipeline], ...]  # (operator before, pipeline); the first operator is None
Items = tuple[Union[AndOr, str], ...]  # and-or lists and separators, in order


class FastScript(NamedTuple):
    """A script read by the fast path."""

    items: Items


class _Refused(Exception):
    """The text is outside the subset: the grammar parses it."""


class _Reader:
    """The text and a position in it. The parser asks for the word or the operator at one place
    several times (is it a closer? a `!`? a reserved word?): the last answer for each is kept."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.end = len(text)
        # In `$(...)` the grammar's word pattern reads `case ... esac` whole, its patterns' `)` included.
        self.case_in_substitution_possible = "esac" in text and "case" in text
        self._word_at = -1  # where the kept _WORD match was made, and what it found
        self._word: Optional[tuple[str, int]] = None
        self._operator_at = -1  # where the kept operator was read, and what it was
        self._operator: Optional[str] = None

    def _checked(self, match: "re.Match[str]") -> str:
        """The word ``match`` found, if the grammar's own pattern ends it at the same place.

        Only a word with a ``case`` in a substitution needs the check: there
        this module's shallower patterns can backtrack to a shorter word where
        the grammar's read on (a deeper nesting, a backtick after ``esac``).
        """
        raw = match.group()
        if self.case_in_substitution_possible and "case" in raw and ("$(" in raw or "<(" in raw or ">(" in raw):
            whole = _grammar_pattern(match.re is _ASSIGNMENT).match(self.text, match.start())
            if whole is None or whole.end() != match.end():
                raise _Refused
        return raw

    def skip(self) -> None:
        """Skips blanks, continuations and comments (never a newline)."""
        text, pos = self.text, self.pos
        if pos >= self.end or text[pos] not in _SKIPPABLE:
            return  # the usual case, many times a word: nothing to skip
        if text[pos] == " " and pos + 1 < self.end and text[pos + 1] not in _SKIPPABLE:
            self.pos = pos + 1  # the next most usual: one space between words
            return
        while self.pos < self.end:
            blank = _BLANKS.match(text, self.pos)
            if blank:
                self.pos = blank.end()
            elif text[self.pos] == "#":
                newline = text.find("\n", self.pos)
                self.pos = self.end if newline < 0 else newline
            else:
                return

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= self.end

    def operator(self) -> Optional[str]:
        """The operator at the current position (not consumed), or None."""
        self.skip()
        pos = self.pos
        if pos == self._operator_at:
            return self._operator
        operator = None
        if pos < self.end:
            char = self.text[pos]
            if char == "\n":
                operator = "\n"
            elif char in _OPERATOR_START:
                match = _OPERATOR.match(self.text, pos)
                operator = match.group() if match else None
        self._operator_at, self._operator = pos, operator
        return operator

    def take(self, value: str) -> None:
        self.pos += len(value)

    def newlines(self) -> None:
        while self.operator() == "\n":
            self.pos += 1

    def peek(self) -> Optional[str]:
        """The whole word at the current position (not consumed), or None."""
        self.skip()
        found = self._word_here()
        return None if found is None else found[0]

    def _word_here(self) -> Optional[tuple[str, int]]:
        """``(raw, end)`` of the _WORD at the current position, or None; refuses an atom this module
        does not read (backtick, complex ``$(...)``...) right after the match."""
        pos = self.pos
        if pos == self._word_at:
            return self._word
        text = self.text
        plain = _PLAIN.match(text, pos)
        if plain is not None:  # most words: plain characters up to a blank or an operator
            stop = plain.end()
            if stop == self.end or (text[stop] in _PLAIN_END
                                    and (text[stop] not in "<>" or not text.startswith("(", stop + 1))):
                found: Optional[tuple[str, int]] = (plain.group(), stop)
                self._word_at, self._word = pos, found
                return found
        match = _WORD.match(text, pos)
        if match is None:
            found = None
        else:
            stop = match.end()
            if stop < self.end and text[stop] not in _WORD_END:
                raise _Refused
            found = (self._checked(match), stop)
        self._word_at, self._word = pos, found
        return found

    def arguments(self, words: list[tuple[str, int]]) -> bool:
        """Consumes a run of plain words into ``words`` as ``(raw, start)``, in one match; False when
        none is next. They are arguments: no reserved word check."""
        text, start = self.text, self.pos
        run = _PLAIN_RUN.match(text, start)
        if run is None:
            return False
        raws = run.group().split(" ")
        stop = run.end()
        if stop < self.end and text[stop] not in _RUN_END:
            stop -= len(raws.pop()) + 1  # the last word goes on, or is an IO number: read on its own
            if not raws:
                return False
        for raw in raws:
            words.append((raw, start))
            start += len(raw) + 1
        self.pos = stop
        return True

    def keyword(self, word: str) -> None:
        """Consumes the reserved word ``word``, which must be next."""
        if self.peek() != word:
            raise _Refused
        self.pos += len(word)

    def word(self, argument: bool = False) -> Optional[tuple[str, int]]:
        """Consumes a word: no reserved word unless it is an ``argument`` (after the command name)."""
        found = self._word_here()
        if found is None:
            return None
        raw, stop = found
        if raw in _RESERVED and not argument:
            raise _Refused
        start, self.pos = self.pos, stop
        return raw, start

    def assignment(self) -> Optional[tuple[str, int]]:
        """Consumes an assignment word (``NAME=value``), if one is next."""
        match = _ASSIGNMENT.match(self.text, self.pos)
        if match is None:
            return None
        stop = match.end()
        if stop < self.end and self.text[stop] not in _WORD_END:
            raise _Refused
        raw = self._checked(match)
        if raw in _RESERVED:  # never: a reserved word holds no `=`; kept as the grammar reads it
            raise _Refused
        self.pos = stop
        return raw, match.start()


@lru_cache(maxsize=2)
def _grammar_pattern(assignment: bool) -> "re.Pattern[str]":
    """The grammar's ASSIGNMENT_WORD or WORD pattern (compiled only for scripts that need it)."""
    return re.compile(ASSIGNMENT_PATTERN if assignment else WORD_PATTERN)


def parse_fast(text: str) -> Optional[FastScript]:
    """The fast path's reading of ``text``, or None when the grammar must parse it."""
    try:
        items, _ = _Parser(_Reader(text)).items(frozenset(), False)
        return FastScript(items)
    except _Refused:
        return None


class _Parser:
    """Recursive descent over shell.lark's rules, for the subset the module docstring names."""

    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.depth = 0

    # -- lists ------------------------------------------------------------------
    def items(self, closers: frozenset[str], subshell: bool) -> tuple[Items, Optional[str]]:
        """A list up to the end of the text (the script), ``)`` (a subshell) or one of
        ``closers`` (the grammar's clist); returns it and the closing word or ``)``, not consumed."""
        r = self.r
        items: list[Union[AndOr, str]] = []
        r.newlines()
        while True:
            if r.at_end():
                if closers or subshell:
                    raise _Refused  # unterminated: the grammar's error messages
                return tuple(items), None
            if subshell and r.operator() == ")":
                return self._closed(items, ")")
            if closers and r.peek() in closers:
                return self._closed(items, r.peek())
            and_or, compound_last = self.and_or()
            items.append(and_or)
            following = r.operator()
            if following in _SEPARATORS:
                self._separator(items, following)  # type: ignore[arg-type]
                continue
            if following is None and r.at_end() and not closers and not subshell:
                return tuple(items), None
            if following == ")" and subshell:
                return tuple(items), ")"
            if following is None and closers and compound_last and r.peek() in closers:
                return tuple(items), r.peek()  # clist: and_or_c, a compound command right before the word
            raise _Refused

    def _separator(self, items: list[Union[AndOr, str]], operator: str) -> None:
        """Consumes ``operator`` (a separator or a case item's end) into ``items``, and the newlines after it."""
        self.r.take(operator)
        items.append(operator)
        self.r.newlines()

    @staticmethod
    def _closed(items: list[Union[AndOr, str]], closer: Optional[str]) -> tuple[Items, Optional[str]]:
        if not items:
            raise _Refused  # `if then`, `( )`: the grammar decides
        return tuple(items), closer

    def and_or(self) -> tuple[AndOr, bool]:
        """An and-or list, and whether it ends with a compound command."""
        r = self.r
        pipeline = self.pipeline()
        chain: list[tuple[Optional[str], Pipeline]] = [(None, pipeline)]
        while True:
            operator = r.operator()
            if operator not in _AND_OR:
                return tuple(chain), isinstance(chain[-1][1][0][-1], Compound)
            r.take(operator)  # type: ignore[arg-type]
            r.newlines()
            chain.append((operator, self.pipeline()))

    def pipeline(self) -> Pipeline:
        r = self.r
        negated = r.peek() == "!"  # the grammar's BANG: a word `!` where a pipeline starts
        if negated:
            r.take("!")
        commands = [self.command()]
        pipes: list[str] = []
        while True:
            operator = r.operator()
            if operator not in _PIPES:
                return tuple(commands), tuple(pipes), negated
            r.take(operator)  # type: ignore[arg-type]
            r.newlines()
            pipes.append(operator)  # type: ignore[arg-type]
            commands.append(self.command())

    # -- commands ---------------------------------------------------------------
    def command(self) -> Union[Simple, Compound]:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise _Refused
            return self._command()
        finally:
            self.depth -= 1

    def _command(self) -> Union[Simple, Compound]:
        r = self.r
        r.skip()
        if r.text.startswith("(", r.pos):
            if r.text.startswith("((", r.pos):
                raise _Refused  # arithmetic
            r.take("(")
            items, _ = self.items(frozenset(), True)
            r.take(")")
            return self.compound("subshell", (items,))
        first = r.peek()
        if first == "if":
            return self.if_clause()
        if first == "for":
            return self.for_clause()
        if first in ("while", "until"):
            r.keyword(first)
            condition = self.clist(frozenset({"do"}))
            r.keyword("do")
            body = self.clist(frozenset({"done"}))
            r.keyword("done")
            return self.compound(first, (condition, body))
        if first == "case":
            return self.case_clause()
        if first == "{":
            r.keyword("{")
            body = self.clist(frozenset({"}"}))
            r.keyword("}")
            return self.compound("brace", (body,))
        return self.simple()

    def clist(self, closers: frozenset[str]) -> Items:
        return self.items(closers, False)[0]

    def if_clause(self) -> Compound:
        r = self.r
        r.keyword("if")
        condition = self.clist(frozenset({"then"}))
        r.keyword("then")
        body, closer = self.items(_AFTER_THEN, False)
        elifs = []
        otherwise = None
        while closer == "elif":
            r.keyword("elif")
            elif_condition = self.clist(frozenset({"then"}))
            r.keyword("then")
            elif_body, closer = self.items(_AFTER_THEN, False)
            elifs.append((elif_condition, elif_body))
        if closer == "else":
            r.keyword("else")
            otherwise = self.clist(frozenset({"fi"}))
        r.keyword("fi")
        return self.compound("if", (condition, body, tuple(elifs), otherwise))

    def for_clause(self) -> Compound:
        r = self.r
        r.keyword("for")
        r.skip()
        if r.text.startswith("(", r.pos):
            raise _Refused  # for ((...))
        name = r.word()
        if name is None:
            raise _Refused
        words = [Element(*name)]
        if r.operator() == ";":  # for NAME; do
            r.take(";")
            r.newlines()
        else:  # for NAME [newlines] do | for NAME [newlines] in WORDS sep [newlines] do
            r.newlines()
            if r.peek() == "in":
                r.keyword("in")
                while True:
                    separator = r.operator()
                    if separator in _SEPARATORS:
                        r.take(separator)  # type: ignore[arg-type]
                        break
                    word = None if separator is not None else r.word()
                    if word is None:
                        raise _Refused
                    words.append(Element(*word))
                r.newlines()
        r.keyword("do")
        body = self.clist(frozenset({"done"}))
        r.keyword("done")
        return self.compound("for", (tuple(words), body))

    def case_clause(self) -> Compound:
        """``case WORD in [(]PATTERN[|PATTERN...]) LIST ;; ... esac``: the subject and each item's list."""
        r = self.r
        r.keyword("case")
        r.skip()
        subject = r.word()
        if subject is None:
            raise _Refused
        r.newlines()
        r.keyword("in")
        r.newlines()
        bodies = []
        while r.peek() != "esac":
            self.pattern()
            body, end = self.case_body()
            bodies.append(body)
            if end is None:
                break  # the last item, ended by `esac` after a separator
        r.keyword("esac")
        return self.compound("case", (Element(*subject), tuple(bodies)))

    def pattern(self) -> None:
        """``[(]WORD[|WORD...])``: read and dropped, as the tree walker drops them."""
        r = self.r
        if r.operator() == "(":
            r.take("(")
        while True:
            r.skip()
            if r.word() is None:
                raise _Refused
            operator = r.operator()
            if operator == ")":
                r.take(")")
                return
            if operator != "|":
                raise _Refused
            r.take("|")

    def case_body(self) -> tuple[Items, Optional[str]]:
        """An item's list and the operator ending it (``;;``, ``;&``, ``;;&``), consumed with the newlines
        after it; None when ``esac`` ends it (not consumed)."""
        r = self.r
        items: list[Union[AndOr, str]] = []
        r.newlines()
        while True:
            operator = r.operator()
            if operator in _CASE_ENDS:
                self._separator(items, operator)  # type: ignore[arg-type]
                return tuple(items), operator
            if operator is None and r.peek() == "esac" and (not items or isinstance(items[-1], str)):
                return tuple(items), None  # the grammar's last_case_item: its list ends with a separator
            if operator is not None or r.at_end():
                raise _Refused
            and_or, _ = self.and_or()
            items.append(and_or)
            following = r.operator()
            if following in _SEPARATORS:
                self._separator(items, following)  # type: ignore[arg-type]
            elif following not in _CASE_ENDS:
                raise _Refused

    def compound(self, kind: str, parts: tuple) -> Compound:
        """The compound command's trailing redirections (compound_redirect*)."""
        redirects = []
        while True:
            redirect = self.redirect()
            if redirect is None:
                return Compound(kind, parts, tuple(redirects))
            redirects.append(redirect)

    def redirect(self) -> Optional[Redirection]:
        """A redirection at the current position, or None (nothing consumed)."""
        r = self.r
        r.skip()
        start = r.pos
        if start >= r.end or r.text[start] not in _REDIRECT_START:
            return None  # most words: no digit, < or > in front
        number = _IO_NUMBER.match(r.text, start)
        fd = None
        if number:
            fd = number.group()
            r.pos = number.end()
        operator = r.operator()
        if operator not in _REDIRECTS:
            r.pos = start
            return None
        r.take(operator)  # type: ignore[arg-type]
        r.skip()
        target = r.word()
        if target is None:
            raise _Refused
        return Redirection(fd, operator, start, target[0], target[1])  # type: ignore[arg-type]

    def simple(self) -> Simple:
        r = self.r
        text, end = r.text, r.end
        words: list[tuple[str, int]] = []
        assignments: list[tuple[str, int]] = []
        redirects: list[Redirection] = []
        while True:
            r.skip()
            start = r.pos
            if start >= end:
                break
            char = text[start]
            # <(...) and >(...) are words (the grammar's WORD is tried before its operators)
            if char in _NOT_A_WORD and not (char in "<>" and text.startswith("(", start + 1)):
                if char in _REDIRECT_START:
                    redirect = self.redirect()
                    if redirect is not None:
                        redirects.append(redirect)
                        continue
                if char == "\n" or char in _OPERATOR_START:
                    break  # an operator ends the command (what r.operator() would find, without the calls)
            if words:  # after the command name: arguments, no assignments
                if r.arguments(words):
                    continue
                word = r.word(argument=True)
            else:
                if _SUBSCRIPT.match(text, start):
                    raise _Refused
                assignment = r.assignment()
                if assignment is not None:
                    assignments.append(assignment)
                    continue
                word = r.word()
            if word is None:
                raise _Refused
            words.append(word)
        if not (words or assignments or redirects):
            raise _Refused
        return Simple(tuple(words), tuple(assignments), tuple(redirects))


class FastWalker:
    """Emits the commands of a :class:`FastScript`, call for call as ``TreeWalker`` does for its tree."""

    def __init__(self, emitter: Emitter, base: int) -> None:
        self.emit = emitter
        self.base = base  # offset of the parsed region in the script

    def walk(self, script: FastScript, contexts: tuple[str, ...], conditional: bool,
             first_operator: Optional[str] = None, last_operator: Optional[str] = None) -> None:
        self.list(script.items, contexts, conditional, first_operator, last_operator)

    def list(self, items: Items, contexts: tuple[str, ...], conditional: bool,
             first_operator: Optional[str] = None, last_operator: Optional[str] = None) -> None:
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
        commands, pipes, negated = pipeline
        pipeline_id = self.emit.new_pipeline()
        for j, command in enumerate(commands):
            if isinstance(command, Compound):
                self.compound(command, contexts, conditional)
                continue
            link = Link(before if j == 0 else pipes[j - 1], pipes[j] if j < len(pipes) else after,
                        pipeline_id, j, len(commands), negated)
            self.simple(command, link, contexts, conditional)

    def simple(self, command: Simple, link: Link, contexts: tuple[str, ...], conditional: bool) -> None:
        words, assignments, redirects = command
        base = self.base
        if base:  # a nested region: its offsets are from its own start
            words = tuple([(raw, base + start) for raw, start in words])
            assignments = tuple([(raw, base + start) for raw, start in assignments])
        raw_redirects = [RawRedirect(redirect.fd, redirect.op, base + redirect.start, redirect.target,
                                     base + redirect.target_start) for redirect in redirects]
        self.emit.command(words, assignments, raw_redirects, link, contexts, conditional)

    def compound(self, command: Compound, contexts: tuple[str, ...], conditional: bool) -> None:
        for redirect in command.redirects:  # redirections of the whole construct
            self.emit.word(redirect.target, self.base + redirect.target_start, contexts, conditional)
        kind, parts = command.kind, command.parts
        if kind in ("subshell", "brace"):
            self.list(parts[0], contexts + (kind,), conditional)
        elif kind == "if":
            condition, body, elifs, otherwise = parts
            self.list(condition, contexts + ("condition",), conditional)
            self.list(body, contexts + ("if",), True)
            for elif_condition, elif_body in elifs:
                self.list(elif_condition, contexts + ("condition",), True)
                self.list(elif_body, contexts + ("if",), True)
            if otherwise is not None:
                self.list(otherwise, contexts + ("if",), True)
        elif kind == "for":
            words, body = parts
            for word in words:  # the name and the word list
                self.emit.word(word.raw, self.base + word.start, contexts, conditional)
            self.list(body, contexts + ("loop",), True)
        elif kind == "case":
            subject, bodies = parts
            self.emit.word(subject.raw, self.base + subject.start, contexts, conditional)
            for body in bodies:
                self.list(body, contexts + ("case",), True)
        else:  # while, until
            condition, body = parts
            self.list(condition, contexts + ("condition",), conditional)
            self.list(body, contexts + ("loop",), True)
