"""DF803 directive-casing: parser directive names in lower case."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


class DirectiveCasing(Rule):
    """Parser directives are written in lower case: `# syntax=`, `# escape=`, `# check=`.

    ## What it does
    Reports a parser directive whose name is not lower case (`# Syntax=`,
    `# ESCAPE=`), as the VS Code Docker extension does.

    ## Why is this bad?
    BuildKit accepts any case, but other tools that look for the directive
    (editors, `docker buildx` front-end detection in older versions, scripts
    grepping for `# syntax=`) may not.

    ## Example
    ```dockerfile
    # Syntax=docker/dockerfile:1
    FROM alpine:3.20
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1
    FROM alpine:3.20
    ```

    ## Fix safety
    Safe: the directive name is lower-cased; BuildKit reads it the same way.
    """

    code = "DF803"
    name = "directive-casing"
    summary = "Parser directive name not in lower case"
    severity = Severity.STYLE
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for directive in ctx.file.directives:
            written = ctx.file.text[directive.name_span.start.offset:directive.name_span.end.offset]
            if written != written.lower():
                fix = ctx.fix(f"write {written.lower()}", ctx.edit(directive.name_span.start.offset,
                                                                   directive.name_span.end.offset, written.lower()))
                yield ctx.finding(directive.name_span, f"write the directive name '{written}' in lower case",
                                  fix=fix)
