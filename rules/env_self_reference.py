"""DF805 env-self-reference: an ENV value using a variable the same ENV defines."""

from __future__ import annotations

import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


def _references(value: str, name: str) -> bool:
    return re.search(r"\$(?:\{%s[}:#%%/+?-]|%s(?![A-Za-z0-9_]))" % (re.escape(name), re.escape(name)), value) is not None


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
            names = [pair.key.value for pair in node.pairs]
            for index, pair in enumerate(node.pairs):
                if pair.value is None:
                    continue
                for other, name in enumerate(names):
                    if other != index and scope.get(name) is None and _references(pair.value.value, name):
                        yield ctx.finding(
                            pair.value,
                            f"${name} is set by this same ENV, so here it is not yet defined; "
                            f"set {name} in an earlier ENV",
                        )
                        break
