"""Shell words: quote removal and the extent of expansions and substitutions.

:func:`decode` turns a word as written into the value a rule compares
against: quotes removed, backslash escapes applied, ``$'...'`` decoded, and
every expansion (``$X``, ``${X...}``, ``$(...)``, backticks, ``$((...))``) kept
exactly as written, since the linter cannot know its value. It also reports
where command substitutions sit, so their contents can be parsed as scripts.

The scanners here are plain recursive code: they agree with the grammar's word
pattern where that pattern applies and go on where it stops (deeper nesting).
They never raise: an unterminated construct runs to the end of the text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .word_patterns import BEFORE_COMMENT

__all__ = ["Decoded", "decode", "special_character", "skip_parens", "skip_double_quotes", "skip_braces", "skip_backticks"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]")
_ANSI_ESCAPES = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}
_ANSI = re.compile(r"\\(?:([abeEfnrtv\\'\"?])|([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{1,4})"
                   r"|U([0-9a-fA-F]{1,8})|c(.)|)", re.DOTALL)
_MAX_DEPTH = 16  # nested ${...} looked into for substitutions
_SPECIAL = re.compile(r"[\\'\"$`<>]")
_PLAIN = re.compile(r"[^\\'\"$`<>]+")
#: Finds a character that makes a word's value differ from its text, or gives None (see :func:`decode`).
special_character = _SPECIAL.search
_PLAIN_IN_QUOTES = re.compile(r'[^"\\$`]+')
#: The characters _skip looks at (``c`` for ``case``, ``#`` for comments); the others are passed over in one search.
_SKIP_STOPS = frozenset("\\$'\"`()}c#")
_SKIP_NEXT = re.compile(r"[\\$'\"`()}c#]")
_CASE_START = re.compile(r"case[ \t\n]")
_CASE_WORDS = re.compile(r"(?<![A-Za-z0-9_-])(?:case|esac)(?![A-Za-z0-9_-])")
_BEFORE_WORD = " \t\n;&|("
# Inside double quotes a backslash escapes only these.
_DQ_ESCAPABLE = '$`"\\\n'


class Decoded(NamedTuple):
    """What :func:`decode` finds in a word.

    ``substitutions`` are ``(start, end)`` ranges of the raw word holding the
    text of ``$(...)``, backtick and ``<(...)`` command substitutions;
    ``unterminated`` is where a ``${`` or ``$((`` that nothing closes starts, or a ``$(``
    whose ``)`` a comment hides, or -1 (the shell rejects the script: ``${X`` is no word).
    """

    value: str
    quoted: bool
    has_expansion: bool
    substitutions: tuple[tuple[int, int], ...]
    unterminated: int = -1


def _skip(text: str, i: int, closer: str, comments: bool = True) -> int:
    """Index of the ``closer`` ending the construct opened just before ``i``, or ``len(text)``.

    One loop with a stack of expected closers, so any nesting depth is fine:
    inside ``$( )`` and ``${ }`` quotes, backticks and substitutions open, and
    inside ``$( )`` a ``#`` starting a word starts a comment;
    inside ``"..."`` only substitutions and backticks do; inside backticks
    nothing does. A backslash always escapes the next character.
    """
    n = len(text)
    stack = [closer]
    while i < n:
        ch = text[i]
        if ch not in _SKIP_STOPS:  # jump over the characters that change nothing
            found = _SKIP_NEXT.search(text, i)
            if found is None:
                return n
            i = found.start()
            ch = text[i]
        top = stack[-1]
        if ch == "\\":
            i += 2
            continue
        opens = ch == "$" and i + 1 < n and text[i + 1] in "({"
        if top in "`\"":
            if ch == top:
                stack.pop()
            elif top == '"' and ch == "`":
                stack.append("`")
            elif top == '"' and opens:
                stack.append(")" if text[i + 1] == "(" else "}")
                i += 1
        elif ch == "'":
            end = text.find("'", i + 1)
            i = n if end < 0 else end
        elif ch in "\"`":
            stack.append(ch)
        elif opens:
            stack.append(")" if text[i + 1] == "(" else "}")
            i += 1
        elif top == ")" and ch == "c" and _CASE_START.match(text, i) and (i == 0 or text[i - 1] in _BEFORE_WORD) \
                and (after := _skip_case(text, i + 4)) >= 0:
            i = after  # the `)` of case patterns close nothing; with no esac, `case` is a word (`$(grep case f)`)
            continue
        elif top == ")" and ch == "#" and comments and i > 0 and text[i - 1] in BEFORE_COMMENT:
            i = text.find("\n", i)  # a comment runs to the end of the line, a `)` in it closes nothing
            if i < 0:
                return n
            continue
        elif ch == "(" and top == ")":  # a `{` inside `${` opens nothing: `${X:-{a}` ends at its first `}`
            stack.append(top)
        elif ch == top:
            stack.pop()
        if not stack:
            return i
        i += 1
    return n


def skip_backticks(text: str, i: int) -> int:
    """Index of the closing backtick for the one before ``i``, or ``len(text)``."""
    return _skip(text, i, "`")


def skip_double_quotes(text: str, i: int) -> int:
    """Index of the ``"`` closing the string opened just before ``i``, or ``len(text)``."""
    return _skip(text, i, '"')


def skip_parens(text: str, i: int) -> int:
    """Index of the ``)`` closing the ``(`` just before ``i`` (quote-aware), or ``len(text)``."""
    return _skip(text, i, ")")


def comment_hides_paren(text: str, i: int) -> bool:
    """Whether the ``$(`` just before ``i`` is left open only because a comment in it runs over its
    ``)`` (``$(date # now)``): read without comments, it would close."""
    n = len(text)
    return _skip(text, i, ")") >= n and _skip(text, i, ")", comments=False) < n


def unterminated_substitution(text: str, i: int) -> str:
    """The message for a ``$(`` (just before ``i``) that nothing closes."""
    if comment_hides_paren(text, i):
        return "unterminated `$(`: the `#` in it starts a comment, which runs to the end of the line and hides its `)`"
    return "unterminated `$(`"


def skip_braces(text: str, i: int) -> int:
    """Index of the ``}`` closing the ``${`` just before ``i``, or ``len(text)``."""
    return _skip(text, i, "}")


def _skip_case(text: str, i: int) -> int:
    """Index after the ``esac`` closing a ``case`` (nested ones counted), or -1."""
    depth = 1
    for match in _CASE_WORDS.finditer(text, i):
        if match.group() == "case":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return match.end()
    return -1


def _ansi_replace(match: "re.Match[str]") -> str:
    simple, octal, hex2, u4, u8, control = match.groups()
    if simple is not None:
        return _ANSI_ESCAPES[simple]
    if octal is not None:
        return chr(int(octal, 8) & 0xFF)
    code = hex2 or u4 or u8
    if code is not None:
        value = int(code, 16)
        return chr(value) if value <= 0x10FFFF else "\ufffd"
    if control is not None:
        return chr(ord(control) & 0x1F)
    return "\\"


def decode_ansi(body: str) -> str:
    """The value of ``$'body'`` (bash's ANSI-C quoting)."""
    return _ANSI.sub(_ansi_replace, body) if "\\" in body else body


class _Decoder:
    __slots__ = ("raw", "depth", "out", "quoted", "expansion", "subs", "unterminated")

    def __init__(self, raw: str, depth: int) -> None:
        self.raw = raw
        self.depth = depth
        self.out: list[str] = []
        self.quoted = False
        self.expansion = False
        self.subs: list[tuple[int, int]] = []
        self.unterminated = -1

    def run(self) -> Decoded:
        raw, out = self.raw, self.out
        n = len(raw)
        i = 0
        while i < n:
            ch = raw[i]
            if ch == "\\":
                if raw.startswith("\n", i + 1) or raw.startswith("\r\n", i + 1):
                    i += 2 if raw[i + 1] == "\n" else 3  # line continuation: removed
                    continue
                if i + 1 < n:
                    out.append(raw[i + 1])
                    self.quoted = True
                    i += 2
                else:
                    out.append(ch)
                    i += 1
            elif ch == "'":
                end = raw.find("'", i + 1)
                end = n if end < 0 else end
                out.append(raw[i + 1:end])
                self.quoted = True
                i = end + 1
            elif ch == '"':
                i = self.double_quoted(i + 1)
            elif ch == "$":
                i = self.dollar(i, in_quotes=False)
            elif ch == "`":
                i = self.backticks(i)
            elif ch in "<>" and raw.startswith("(", i + 1):
                end = skip_parens(raw, i + 2)
                self.subs.append((i + 2, end))
                self.expansion = True
                out.append(raw[i:end + 1])
                i = end + 1
            else:  # ordinary characters, taken in one piece
                plain = _PLAIN.match(raw, i)
                stop = plain.end() if plain else i + 1
                out.append(raw[i:stop])
                i = stop
        return Decoded("".join(out), self.quoted, self.expansion, tuple(self.subs), self.unterminated)

    def double_quoted(self, i: int) -> int:
        raw, out = self.raw, self.out
        n = len(raw)
        self.quoted = True
        while i < n:
            ch = raw[i]
            if ch == '"':
                return i + 1
            if ch == "\\" and i + 1 < n and raw[i + 1] in _DQ_ESCAPABLE:
                if raw[i + 1] != "\n":
                    out.append(raw[i + 1])
                i += 2
            elif ch == "$":
                i = self.dollar(i, in_quotes=True)
            elif ch == "`":
                i = self.backticks(i)
            else:
                plain = _PLAIN_IN_QUOTES.match(raw, i)
                stop = plain.end() if plain else i + 1
                out.append(raw[i:stop])
                i = stop
        return n

    def backticks(self, i: int) -> int:
        end = skip_backticks(self.raw, i + 1)
        self.subs.append((i + 1, end))
        self.expansion = True
        self.out.append(self.raw[i:end + 1])
        return end + 1

    def dollar(self, i: int, in_quotes: bool) -> int:
        """Keeps an expansion as written; returns the index after it."""
        raw = self.raw
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if nxt == "(":
            end = skip_parens(raw, i + 2)
            arithmetic = raw.startswith("(", i + 2)  # $(( )) is arithmetic, not a command
            if not arithmetic:
                self.subs.append((i + 2, end))
            # An open $( is the nested script's error, unless only a comment in it hid the `)`.
            if end >= len(raw) and self.unterminated < 0 and (arithmetic or comment_hides_paren(raw, i + 2)):
                self.unterminated = i
        elif nxt == "{":
            end = skip_braces(raw, i + 2)
            if end >= len(raw) and self.unterminated < 0:
                self.unterminated = i
            if self.depth < _MAX_DEPTH:  # ${x:-$(cmd)}
                for start, stop in decode(raw[i + 2:end], self.depth + 1).substitutions:
                    self.subs.append((i + 2 + start, i + 2 + stop))
        elif nxt == "'" and not in_quotes:
            end = raw.find("'", i + 2)
            while end > 0 and _escaped(raw, end, i + 2):
                end = raw.find("'", end + 1)
            end = len(raw) if end < 0 else end
            self.out.append(decode_ansi(raw[i + 2:end]))
            self.quoted = True
            return end + 1
        elif nxt == '"' and not in_quotes:  # $"..." (locale translation): a double-quoted string
            return self.double_quoted(i + 2)
        else:
            match = _NAME.match(raw, i + 1)
            if match is None:
                self.out.append("$")
                return i + 1
            end = match.end() - 1
        self.expansion = True
        self.out.append(raw[i:end + 1])
        return end + 1


def _escaped(text: str, index: int, floor: int) -> bool:
    """True when ``text[index]`` follows an odd number of backslashes (from ``floor``)."""
    count = 0
    while index - 1 - count >= floor and text[index - 1 - count] == "\\":
        count += 1
    return count % 2 == 1


def decode(raw: str, _depth: int = 0) -> Decoded:
    """Quote removal for one word; see the module docstring."""
    if _SPECIAL.search(raw) is None:
        return Decoded(raw, False, False, ())  # the common case: a plain word
    return _Decoder(raw, _depth).run()
