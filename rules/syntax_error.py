"""DF000 syntax-error: the file is not a valid Dockerfile."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


class SyntaxErrorRule(Rule):
    """Reports what `docker build` would reject before building anything.

    ## What it does
    Reports syntax errors: what BuildKit's parser rejects (an unterminated
    heredoc, a JSON array with a non-string element, `ENV` without a value)
    and what `docker build` rejects one step later (an unknown instruction or
    flag, a missing argument, an invalid stage name). Parsing resumes at the
    next instruction, so the rest of the file is still linted.

    ## Why is this bad?
    The build fails at once. dflint tells you where, with a hint where one
    helps, before you wait for a build to start.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUNN apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF000"
    name = "syntax-error"
    summary = "The Dockerfile does not parse"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for error in ctx.file.errors:
            message = f"{error.message} ({error.hint})" if error.hint else error.message
            yield ctx.finding(error.span, message)
