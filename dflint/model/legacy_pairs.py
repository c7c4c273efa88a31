"""Rewriting the legacy ``ENV key value`` / ``LABEL key value`` form as ``key=value``, meaning kept.

In the legacy form the value is the rest of the line, spaces included, and
goes through BuildKit's word expansion as one word. :func:`modern_pair`
returns the text edits that give the same key and the same expanded value in
the ``key=value`` form, or None when that cannot be shown to hold:

1. a value that is one quote-aware word (``ENV PATH "/opt/bin:$PATH"``)
   is kept as it is: ``key=`` followed by the very same text;
2. a value without quotes and without the escape character is wrapped in
   double quotes: inside them every character reads as outside, ``$``
   expansions included;
3. a value without ``$`` is a constant: it is expanded once and written back
   in double quotes with ``"``, ``$`` and the escape character escaped.

Each candidate is parsed back to check it gives one ``key=value`` pair.

>>> from dflint.api import parse
>>> file = parse('FROM alpine\\nENV A hello "big" world\\nENV B $HOME/bin $PATH\\n')
>>> [modern_pair(file, node, node.pairs[0]).text for node in file.instructions[1:]]
['ENV A="hello big world"', 'ENV B="$HOME/bin $PATH"']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .. import ast
from ..expansion import ExpansionError, Lexer
from .labels import quoted_value

__all__ = ["Rewrite", "modern_pair"]


@dataclass(frozen=True)
class Rewrite:
    """Edits (start offset, end offset, new text) and the instruction's logical text once they are applied."""

    edits: tuple[tuple[int, int, str], ...]
    text: str


def modern_pair(file: ast.File, node: ast.Instruction, pair: ast.KeyValue) -> Optional[Rewrite]:
    """The edits turning the legacy ``pair`` of ``node`` into ``key=value`` with the same meaning, or None."""
    if pair.value is None or not pair.legacy:
        return None
    key, raw, escape = pair.key, pair.value.value, file.escape
    start, end = pair.value.span.start.offset, pair.value.span.end.offset
    if any(key.span.end.offset <= c.span.start.offset < end for c in node.comments):
        return None  # a comment line inside the pair would be lost or moved
    separator = (key.span.end.offset, start, "=")
    if _reads_as(escape, node.name, key.value, raw, raw):
        return Rewrite((separator,), f"{node.name} {key.value}={raw}")
    if '"' not in raw and "'" not in raw and escape not in raw:
        value = f'"{raw}"'
        if _reads_as(escape, node.name, key.value, value, value):
            return Rewrite(((key.span.end.offset, start, '="'), (end, end, '"')), f"{node.name} {key.value}={value}")
    if "$" not in raw:
        try:
            constant = Lexer(escape).process_word(raw).value
        except ExpansionError:
            return None
        value = quoted_value(constant, escape)
        if value is not None and _reads_as(escape, node.name, key.value, value, value) \
                and Lexer(escape).process_word(value).value == constant:
            return Rewrite((separator, (start, end, value)), f"{node.name} {key.value}={value}")
    return None


def _reads_as(escape: str, keyword: str, key: str, value: str, expected: str) -> bool:
    """Whether ``keyword key=value`` parses as one modern pair whose raw key and value are ``key`` and ``expected``."""
    from ..api import parse

    directive = f"# escape={escape}\n" if escape != "\\" else ""
    parsed = parse(f"{directive}FROM scratch\n{keyword} {key}={value}\n")
    node = parsed.instructions[-1] if len(parsed.instructions) == 2 else None
    pairs = getattr(node, "pairs", ())
    return (len(pairs) == 1 and not pairs[0].legacy and pairs[0].key.value == key
            and pairs[0].value is not None and pairs[0].value.value == expected)
