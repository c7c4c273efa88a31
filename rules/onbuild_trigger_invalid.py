"""DF114 onbuild-trigger-invalid: an ONBUILD trigger the downstream build will reject."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.triggers import trigger_problem


class OnbuildTriggerInvalid(Rule):
    """An ONBUILD trigger is only checked when someone builds FROM the image: then it fails.

    ## What it does
    Reports an `ONBUILD` trigger that `docker build` would reject as an
    instruction of its own: an unknown instruction (`ONBUILD RUNN make`), an
    unknown or malformed flag, missing arguments (`ONBUILD COPY src`), an
    invalid value (`ONBUILD EXPOSE 80/tpc`, a bad `--mount`). The checks are
    those of `syntax-error`; `ONBUILD ONBUILD`, `ONBUILD FROM` and
    `ONBUILD MAINTAINER`, which fail at once, are `syntax-error`'s.

    ## Why is this bad?
    `docker build` stores the trigger as text and builds the image without
    complaint. Every image built `FROM` it then fails at its `FROM` line,
    with an error about a line that is not in its own Dockerfile.

    ## Example
    ```dockerfile
    FROM node:22-alpine
    ONBUILD COPY package.json
    ONBUILD RUNN npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine
    ONBUILD COPY package.json ./
    ONBUILD RUN npm ci
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF114"
    name = "onbuild-trigger-invalid"
    summary = "ONBUILD trigger that downstream builds reject"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if not isinstance(node, ast.OnbuildInstruction):
                continue
            problem = trigger_problem(node, ctx.file.escape)
            if problem is None:
                continue
            hint = f" ({problem.hint})" if problem.hint else ""
            yield ctx.finding(problem.span, f"ONBUILD trigger: {problem.message}{hint}: every image built FROM "
                                            f"this one fails to build")
