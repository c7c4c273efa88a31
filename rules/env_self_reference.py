"""DF805 env-self-reference: an ENV value using a variable the same ENV defines."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_AFTER_BRACED = frozenset("}:#%/+?-")


def _referenced(value: str, names: frozenset[str], lengths: tuple[int, ...]) -> set[str]:
    """Which of ``names`` ``value`` refers to, as ``${NAME}`` (or ``${NAME:-...}`` and the other
    operators) or as ``$NAME`` not followed by a letter, digit or underscore.

    One look at each ``$`` for each length a name has, rather than one regular expression per
    name and value: an ENV of N pairs searched its N values for N names, compiling a pattern
    each time (and past the ``re`` module's cache of 512 patterns, compiling every one again).
    """
    found: set[str] = set()
    size = len(value)
    dollar = value.find("$")
    while dollar != -1:
        if value.startswith("{", dollar + 1):
            start = dollar + 2
            for length in lengths:
                end = start + length
                if end < size and value[end] in _AFTER_BRACED and value[start:end] in names:
                    found.add(value[start:end])
        start = dollar + 1
        for length in lengths:
            end = start + length
            if end <= size and (end == size or value[end] not in _WORD) and value[start:end] in names:
                found.add(value[start:end])
        dollar = value.find("$", dollar + 1)
    return found


class EnvSelfReference(Rule):
    """In `ENV A=1 B=$A`, `$A` is not 1: every value is expanded before any is set.

    ## What it does
    Reports an ENV value that refers to a variable defined by another pair of
    the same ENV instruction, when nothing defined that variable before (an
    earlier ENV or ARG). Like hadolint's DL3044.

    ## Why is this bad?
    BuildKit expands all values of one ENV instruction with the variables
    that existed before it. `ENV A=1 B=$A` sets B to the empty string (or to
    whatever A was before), which is almost never what was meant.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ENV APP_HOME=/srv/app APP_BIN=$APP_HOME/bin
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ENV APP_HOME=/srv/app
    ENV APP_BIN=$APP_HOME/bin
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF805"
    name = "env-self-reference"
    summary = "ENV value refers to a variable the same ENV defines"
    severity = Severity.ERROR
    aliases = ("DL3044",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if not isinstance(node, ast.EnvInstruction) or len(node.pairs) < 2:
                continue
            scope = ctx.model.scope_at(node)
            indexes: dict[str, list[int]] = {}  # the pairs that define each name not defined before
            for other, pair in enumerate(node.pairs):
                if scope.get(pair.key.value) is None:
                    indexes.setdefault(pair.key.value, []).append(other)
            names = frozenset(indexes)
            lengths = tuple(sorted({len(name) for name in names}))
            for index, pair in enumerate(node.pairs):
                if pair.value is None or not names:
                    continue
                # The first other pair (in the ENV's order) whose name the value uses.
                first = min((other for name in _referenced(pair.value.value, names, lengths)
                             for other in indexes[name][:2] if other != index), default=None)
                if first is not None:
                    name = node.pairs[first].key.value
                    yield ctx.finding(
                        pair.value,
                        f"${name} is set by this same ENV, so here it is not yet defined; "
                        f"set {name} in an earlier ENV",
                    )
