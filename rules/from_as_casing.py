"""DF104 from-as-casing: the AS of FROM ... AS name cased unlike the FROM keyword."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.rule import Finding, Rule, RuleContext


class FromAsCasing(Rule):
    """`FROM image as name` mixes upper- and lower-case keywords.

    ## What it does
    Reports the `AS` of `FROM <image> AS <name>` when its case does not match
    the `FROM` keyword's: `FROM ... as` or `from ... AS` (also `As`). As in
    BuildKit's `FromAsCasing` check, a `FROM` keyword in mixed case (`From`)
    is left to instruction-casing rules and not reported here.

    ## Why is this bad?
    Keywords are written in one case so they stand out from image and stage
    names; `FROM node:22 as build` reads like `as` were part of the image
    reference. BuildKit warns about it on every build.

    ## Example
    ```dockerfile
    FROM node:22-alpine as build
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine AS build
    RUN npm ci
    ```

    ## Fix safety
    The fix rewrites `as` in the case of `FROM`; it is safe: keywords are
    case-insensitive.
    """

    code = "DF104"
    name = "from-as-casing"
    summary = "AS keyword cased unlike FROM"
    severity = Severity.STYLE
    aliases = ("FromAsCasing",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if not isinstance(node, ast.FromInstruction) or node.as_keyword is None:
                continue
            keyword, written = node.keyword.text, node.as_keyword.value
            if keyword == keyword.lower():
                wanted = written.lower()
            elif keyword == keyword.upper():
                wanted = written.upper()
            else:
                continue
            if written == wanted:
                continue
            span = node.as_keyword.span
            fix = ctx.fix(f"Write {wanted}", ctx.edit(span.start.offset, span.end.offset, wanted),
                          applicability=Applicability.SAFE)
            yield ctx.finding(node.as_keyword, f"'{written}' and '{keyword}' are cased differently: "
                                               f"write {keyword} ... {wanted}", fix)
