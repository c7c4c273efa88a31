"""The fast path for instruction arguments: the common shapes, read without Lark.

Most instructions are ``RUN --mount=... cmd``, ``COPY --from=x a b``,
``ENV A="1" B=2``, ``CMD ["a", "b"]``: plain flags, then words or the rest of
the line, exec forms on one line. For those the grammar (dockerfile.lark)
always builds the same tree, so :func:`fast_tree` builds it directly, with
tokens that carry what the tree builder reads (``type``, ``value``,
``start_pos``, ``end_pos``): no grammar to load, no lexer regexes to compile
in a fresh process. ENV, LABEL and ARG words are read with the grammar's own
PW_WORD and LEGACY_KEY patterns. It returns None for anything else, and the
grammar parses the text as before:

* a newline or a Unicode space anywhere in the arguments;
* a flag holding quotes or the escape character, or ``--`` alone;
* an exec form the grammar would read but this module's simpler pattern
  does not (a carriage return between its strings).

A ``[`` that does not open a JSON array of strings by the grammar's own test
(``RUN [ -f x ] && ...``, PowerShell's ``[Environment]::...``) is plain text,
as it is for the grammar: the shell form, or whitespace-split words.

tests/test_syntax_fastpath.py checks the trees against the grammar's on the
fixtures, the rule cases and generated Dockerfiles.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, Optional, Union

__all__ = ["Token", "Tree", "fast_tree"]


class Token(str):
    """A terminal, as Lark's ``Token`` presents it to the tree builder."""

    __slots__ = ("type", "start_pos", "end_pos")
    type: str
    start_pos: int
    end_pos: int

    def __new__(cls, type_: str, value: str, start: int) -> "Token":
        token = super().__new__(cls, value)
        token.type = type_
        token.start_pos = start
        token.end_pos = start + len(value)
        return token

    @property
    def value(self) -> str:
        return str(self)


class Tree:
    """A rule's node, as Lark's ``Tree`` presents it to the tree builder."""

    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list[Union["Tree", Token]]) -> None:
        self.data = data
        self.children = children


_NOT_READ = re.compile("[\n\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_RWS = re.compile(r"[\t\x0b\x0c\r ]+")
_WORD = re.compile(r"[^\t\x0b\x0c\r ]+")
_JSON_STRING = r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"'
_EXEC = re.compile(r"\[[ \t]*(?:" + _JSON_STRING + r"(?:[ \t]*,[ \t]*" + _JSON_STRING + r")*)?[ \t]*\]")
# The grammar's own test (EXEC_OPEN's lookahead, with its white space): when it fails, `[` is plain text.
_MAYBE_EXEC = re.compile(r"\[[ \t\n\r]*(?:" + _JSON_STRING + r"(?:[ \t\n\r]*,[ \t\n\r]*" + _JSON_STRING
                         + r")*)?[ \t\n\r]*\]\Z")
_STRINGS = re.compile(_JSON_STRING)
_FLAGS = {"\\": re.compile(r"--[^\t\n\x0b\x0c\r \"'\\]+"), "`": re.compile(r"--[^\t\n\x0b\x0c\r \"'`]+")}


class _QuoteAware(NamedTuple):
    word: "re.Pattern[str]"
    legacy_key: "re.Pattern[str]"


@lru_cache(maxsize=2)
def _quote_aware(escape: str) -> _QuoteAware:
    """dockerfile.lark's own PW_WORD and LEGACY_KEY patterns, for this escape character."""
    from .grammar import grammar_text

    text = grammar_text(escape)
    return _QuoteAware(*(re.compile(re.search(rf"^{name}\.\d+: /(.*)/$", text, re.MULTILINE).group(1))
                         for name in ("PW_WORD", "LEGACY_KEY")))


def fast_tree(style: str, text: str, escape: str) -> Optional[Tree]:
    """The grammar's tree for ``text`` parsed from start rule ``style``, or None."""
    if _NOT_READ.search(text):
        return None
    children: list[Union[Tree, Token]] = []
    pos = _flags(text, escape, children)
    if pos is None:
        return None
    if pos == len(text):
        return Tree(style, children)
    rest = text[pos:]
    if style in ("maybe_json", "maybe_json_list") and rest.startswith("[") and _MAYBE_EXEC.match(text, pos):
        exec_form = _exec_form("exec_form", "EXEC_OPEN", text, pos)
        if exec_form is None:
            return None
        children.append(exec_form)
    elif style in ("maybe_json", "one_string", "sub_command", "ignored"):
        children.append(Token("REST", rest, pos))
    elif style in ("maybe_json_list", "split_words"):
        children.append(Tree("rw_words", _words(text, pos, "RW_FIRST", "RW_WORD")))
    elif style in ("name_vals", "name_or_vals"):
        quote_aware = _quote_aware(escape)
        key = quote_aware.legacy_key.match(text, pos) if style == "name_vals" else None
        if key is not None:  # ENV/LABEL `name value`: the first word has no `=`
            pair: list[Union[Tree, Token]] = [Token("LEGACY_KEY", key.group(), pos)]
            gap = _RWS.match(text, key.end())
            if gap is not None:
                pair.append(Token("LEGACY_VALUE", text[gap.end():], gap.end()))
            children.append(Tree("legacy_pair", pair))
        else:
            words: list[Union[Tree, Token]] = []
            while pos < len(text):
                word = quote_aware.word.match(text, pos)
                if word is None:
                    return None
                words.append(Token("PW_WORD", word.group(), pos))
                gap = _RWS.match(text, word.end())
                if gap is None and word.end() < len(text):
                    return None
                pos = gap.end() if gap is not None else word.end()
            children.append(Tree("pw_words", words))
    elif style == "healthcheck":
        kind = _WORD.match(text, pos)
        assert kind is not None
        children.append(Token("HC_TYPE", kind.group(), pos))
        gap = _RWS.match(text, kind.end())
        if gap is not None:
            start = gap.end()
            if text.startswith("[", start) and _MAYBE_EXEC.match(text, start):
                exec_form = _exec_form("hc_exec_form", "HC_EXEC_OPEN", text, start)
                if exec_form is None:
                    return None
                children.append(exec_form)
            else:
                children.append(Token("HC_TEXT", text[start:], start))
    else:
        return None
    return Tree(style, children)


def _flags(text: str, escape: str, children: list[Union[Tree, Token]]) -> Optional[int]:
    """Reads the leading flags into ``children``; where the rest starts, or None to refuse."""
    pattern = _FLAGS[escape]
    gap = _RWS.match(text)
    pos = gap.end() if gap is not None else 0
    while text.startswith("--", pos):
        match = pattern.match(text, pos)
        if match is None:
            return None  # `--` alone ends the flags (DASHDASH)
        end = match.end()
        gap = _RWS.match(text, end)
        if gap is None and end < len(text):
            return None  # a quote or the escape character: the grammar's FLAG reads further
        children.append(Token("FLAG", match.group(), pos))
        pos = gap.end() if gap is not None else end
    return pos


def _words(text: str, pos: int, first: str, others: str) -> list[Union[Tree, Token]]:
    words: list[Union[Tree, Token]] = []
    for match in _WORD.finditer(text, pos):
        words.append(Token(others if words else first, match.group(), match.start()))
    return words


def _exec_form(data: str, opener: str, text: str, pos: int) -> Optional[Tree]:
    """The exec form ``["a", "b"]`` filling ``text[pos:]``, or None."""
    if _EXEC.fullmatch(text, pos) is None:
        return None
    children: list[Union[Tree, Token]] = [Token(opener, "[", pos)]
    children.extend(Token("JSON_STRING", m.group(), m.start()) for m in _STRINGS.finditer(text, pos))
    return Tree(data, children)
