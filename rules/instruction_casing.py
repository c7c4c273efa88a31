"""DF801 instruction-casing: keywords in one consistent case."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


def _consistent(word: str) -> bool:
    return word == word.lower() or word == word.upper()


class InstructionCasing(Rule):
    """Instruction keywords should all be upper case or all lower case.

    ## What it does
    Reports instruction keywords whose case differs from the majority of the
    file's keywords, and keywords in mixed case (`Run`, `cOPY`). ONBUILD
    triggers count too. This is BuildKit's `ConsistentInstructionCasing`
    check, extended to the ARGs before the first FROM (BuildKit only looks
    inside stages).

    ## Why is this bad?
    Docker accepts any case, but a file that mixes `RUN` and `run` is harder to
    scan, and mixed-case keywords are usually typos copied from somewhere.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    run apk add --no-cache curl
    Copy app /app
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache curl
    COPY app /app
    ```

    ## Fix safety
    Safe: the keyword is rewritten in the majority's case; Docker reads
    keywords case-insensitively, so the build does not change.
    """

    code = "DF801"
    name = "instruction-casing"
    summary = "Instruction keyword not in the file's case"
    severity = Severity.STYLE
    aliases = ("ConsistentInstructionCasing",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        keywords = [node.keyword for node in ctx.file.walk() if not isinstance(node, ast.UnknownInstruction)]
        lower = sum(1 for k in keywords if _consistent(k.text) and k.text == k.text.lower())
        upper = sum(1 for k in keywords if _consistent(k.text) and k.text != k.text.lower())
        majority_lower = lower > upper
        for keyword in keywords:
            text = keyword.text
            expected = text.lower() if majority_lower else text.upper()
            if text == expected or "\n" in text:
                continue
            case = "lower" if majority_lower else "upper"
            fix = ctx.fix(f"write {expected}", ctx.edit(keyword.span.start.offset, keyword.span.end.offset, expected))
            yield ctx.finding(keyword, f"'{text}' should be written {expected}, like most instructions here ({case} case)",
                              fix=fix)
