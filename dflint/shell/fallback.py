"""The fallback path: simple commands from tokens, where the grammar failed.

The text is split on control operators (``&&``, ``||``, ``;``, ``|``, ``&``,
parentheses, newlines); in each piece, reserved words in command position are
dropped (``if``, ``then``, ``do``, ``{``...), loop and case headers are skipped,
and what is left is read as assignments, words and redirections. Structure is
lost (contexts stay those of the enclosing region) but every command is found
with exact positions, so the rules still see it.
"""

from __future__ import annotations

import re
from typing import Optional

from .builder import Emitter, Link, RawRedirect
from .tokens import REDIRECT_OPERATORS, Token, tokenize

__all__ = ["fallback_commands"]

_LEADING_WORDS = frozenset({"if", "then", "elif", "else", "fi", "do", "done", "while", "until",
                            "esac", "{", "}", "!", "function"})
_HEADERS = frozenset({"for", "case", "select"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=")
_PIPES = ("|", "|&")


def fallback_commands(emitter: Emitter, text: str, start: int, end: int, contexts: tuple[str, ...],
                      conditional: bool, first_operator: Optional[str] = None,
                      last_operator: Optional[str] = None) -> None:
    """Emits the simple commands of ``text[start:end]`` found by the tokenizer.

    ``text`` is the script with its heredoc bodies already blanked out.
    """
    tokens = tokenize(text, start, end, read_bodies=False)
    pieces: list[tuple[Optional[str], list[Token], Optional[str]]] = []
    current: list[Token] = []
    before = first_operator
    for token in tokens:
        if token.kind == "op" and token.value not in REDIRECT_OPERATORS:
            pieces.append((before, current, token.value))
            before, current = token.value, []
        else:
            current.append(token)
    pieces.append((before, current, last_operator))

    members: list[tuple[Optional[str], list[Token], Optional[str]]] = []
    for piece in pieces:  # group pieces joined by `|` into pipelines
        if members and piece[0] not in _PIPES:
            _emit_pipeline(emitter, members, contexts, conditional)
            members = []
        members.append(piece)
    if members:
        _emit_pipeline(emitter, members, contexts, conditional)


def _emit_pipeline(emitter: Emitter, members: list[tuple[Optional[str], list[Token], Optional[str]]],
                   contexts: tuple[str, ...], conditional: bool) -> None:
    pipeline_id = emitter.new_pipeline()
    first = members[0][1]
    negated = bool(first) and first[0].kind == "word" and first[0].value == "!"
    simple = [(before, _strip(tokens), after) for before, tokens, after in members]
    simple = [piece for piece in simple if piece[1]]
    for index, (before, tokens, after) in enumerate(simple):
        link = Link(before, after, pipeline_id, index, len(simple), negated)
        _emit_command(emitter, tokens, link, contexts, conditional or before in ("&&", "||"))


def _strip(tokens: list[Token]) -> list[Token]:
    """Drops reserved words in command position; a loop or case header is no command."""
    i = 0
    while i < len(tokens) and tokens[i].kind == "word" and tokens[i].value in _LEADING_WORDS:
        i += 1
    if i < len(tokens) and tokens[i].kind == "word" and tokens[i].value in _HEADERS:
        return []
    return tokens[i:]


def _emit_command(emitter: Emitter, tokens: list[Token], link: Link, contexts: tuple[str, ...],
                  conditional: bool) -> None:
    words: list[tuple[str, int]] = []
    assignments: list[tuple[str, int]] = []
    redirects: list[RawRedirect] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        fd = None
        if token.kind == "io" and i + 1 < len(tokens) and tokens[i + 1].kind == "op":
            fd = token.value
            i += 1
            token = tokens[i]
        if token.kind == "op":
            if i + 1 < len(tokens) and tokens[i + 1].kind == "word":
                target = tokens[i + 1]
                start = token.start - (len(fd) if fd else 0)
                redirects.append(RawRedirect(fd, token.value, start, target.value, target.start))
                i += 2
            else:
                i += 1
            continue
        if not words and _ASSIGNMENT.match(token.value):
            assignments.append((token.value, token.start))
        else:
            words.append((token.value, token.start))
        i += 1
    emitter.command(words, assignments, redirects, link, contexts, conditional)
