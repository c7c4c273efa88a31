"""DF807 bad-substitution: a ${...} BuildKit cannot expand."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.expanded import expanded_words
from dflint.rule import Finding, Rule, RuleContext


class BadSubstitution(Rule):
    """A variable reference BuildKit rejects when it expands the instruction.

    ## What it does
    Reports words of instructions Docker expands (ENV, ARG, LABEL, COPY, ADD,
    WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL and their flags) whose
    `${...}` BuildKit cannot process: an unsupported modifier (`${V^^}`,
    `${V:#x}`), an unclosed `${`, or an unmatched quote. Shell commands in RUN,
    CMD and ENTRYPOINT are left alone: the shell expands those.

    ## Why is this bad?
    `docker build` fails on this instruction with "failed to process" after
    the earlier steps have already run.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    ARG VERSION=1.2
    ENV APP_VERSION=${VERSION^^}
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    ARG VERSION=1.2
    ENV APP_VERSION=${VERSION:-1.0}
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF807"
    name = "bad-substitution"
    summary = "Variable substitution BuildKit cannot expand"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if isinstance(node, ast.InvalidInstruction):
                continue
            for word in expanded_words(node):
                expansion = ctx.model.expand(node, word.text)
                if expansion.error:
                    detail = expansion.error.split(": ", 1)[-1]
                    if "(\ufffd)" in detail:  # BuildKit read the end of the word as the modifier
                        detail = "missing '}'"
                    yield ctx.finding(word.span, f"{node.name} cannot expand {word.text!r}: {detail}")
