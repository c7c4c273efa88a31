"""Builds the shell grammar's Lark parser, once, with its generated word patterns (:mod:`.word_patterns`)."""

from __future__ import annotations

from functools import lru_cache

from lark import Lark

from .word_patterns import ARITH_PATTERN, ASSIGNMENT_PATTERN, IO_NUMBER_PATTERN, WORD_PATTERN


@lru_cache(maxsize=1)
def grammar_text() -> str:
    from ..package_data import read_text

    template = read_text(__package__, "shell.lark")
    return (template.replace("@WORD@", WORD_PATTERN)
            .replace("@ASSIGNMENT@", ASSIGNMENT_PATTERN)
            .replace("@ARITH@", ARITH_PATTERN)
            .replace("@IO_NUMBER@", IO_NUMBER_PATTERN))


@lru_cache(maxsize=1)
def shell_parser() -> Lark:
    """The LALR parser for shell scripts (built once; Lark caches the tables on disk)."""
    return Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=False, cache=True)
