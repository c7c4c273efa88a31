"""DF000 syntax-error: the file is not a valid Dockerfile."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint.ast import ParseError
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.source import Span
from dflint.suppression import check_options


class SyntaxErrorRule(Rule):
    """Reports what `docker build` would reject before building anything.

    ## What it does
    Reports syntax errors: what BuildKit's parser rejects (an unterminated
    heredoc, a JSON array with a non-string element, `ENV` without a value)
    and what `docker build` rejects one step later (an unknown instruction or
    flag, a missing argument, an invalid stage name), and a `# check=`
    directive BuildKit's linter cannot read (`# check=Skip=...`,
    `error=yes`, a `;` at the end or a space after one): `docker build`
    stops with "failed to parse check options" (unless the build sets the
    checks itself with `--build-arg BUILDKIT_DOCKERFILE_CHECK=...`, which
    only the command line shows). Parsing resumes at the next instruction,
    so the rest of the file is still linted.

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

    It always runs: `--select`, `--ignore`, per-file ignores and inline
    suppressions do not turn it off, so a file the build rejects never
    passes the check.

    ## Fix safety
    This rule has no fix.
    """

    code = "DF000"
    name = "syntax-error"
    summary = "The Dockerfile does not parse"
    always_enabled = True
    severity = Severity.ERROR
    partial_aliases = ("DL3043", "DL3061")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for error in ctx.file.errors:
            message = f"{error.message} ({error.hint})" if error.hint else error.message
            yield ctx.finding(error.span, message, alias=_alias(error))
        checks = check_options(ctx.file)
        if checks is not None and checks.problem is not None:
            message, offset, length, hint = checks.problem
            start = checks.directive.value_span.start.offset + offset
            if length == 0:  # an empty option: point at the ';' before it
                start, length = start - 1, 1
            yield ctx.finding(Span(ctx.position(start), ctx.position(start + length)), f"{message} ({hint})")


def _alias(error: ParseError) -> Optional[str]:
    """hadolint's code for the errors it reports too."""
    if error.origin != "instruction":
        return None
    if error.message in _TRIGGER_ERRORS:
        return "DL3043"  # ONBUILD, FROM or MAINTAINER triggered from within ONBUILD
    if error.message == "no build stage in current context":
        return "DL3061"  # Dockerfile must begin with FROM, ARG or comment
    return None


_TRIGGER_ERRORS = frozenset({
    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
    "FROM isn't allowed as an ONBUILD trigger",
    "MAINTAINER isn't allowed as an ONBUILD trigger",
})
