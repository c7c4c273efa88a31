"""DF112 stage-name-casing: a stage name that is not lower case."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Edit
from dflint.model.references import stage_references
from dflint.rule import Finding, Rule, RuleContext


class StageNameCasing(Rule):
    """Stage names are lower case: BuildKit lower-cases them anyway.

    ## What it does
    Reports a stage name with upper-case letters (`FROM node:22 AS Build`),
    as BuildKit's `StageNameCasing` check does. BuildKit stores the name in
    lower case: `COPY --from=Build` still finds it (stage references there
    ignore case), but `FROM Build` does not: it is read as an image name, and
    an invalid one.

    ## Why is this bad?
    Upper-case stage names look like they matter and do not, until a later
    `FROM Build` fails with "invalid reference format". Lower-case names keep
    stage names apart from instruction keywords.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS Builder
    RUN go build -o /out/app .
    FROM alpine:3.20
    COPY --from=Builder /out/app /usr/local/bin/app
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS builder
    RUN go build -o /out/app .
    FROM alpine:3.20
    COPY --from=builder /out/app /usr/local/bin/app
    ```

    ## Fix safety
    The fix lower-cases the name and every `COPY --from` and
    `RUN --mount=from=` that refers to the stage. It is safe: BuildKit
    already lower-cases the name and matches those references in any case,
    and `--target` ignores case too. When a later `FROM` spells the name in
    another case (`FROM Builder`), the fix rewrites it as well, which turns
    an image reference that cannot build into a reference to the stage: the
    fix is then unsafe.
    """

    code = "DF112"
    name = "stage-name-casing"
    summary = "Stage name not in lower case"
    severity = Severity.STYLE
    aliases = ("StageNameCasing",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        references = None
        for stage in model.stages:
            argument = stage.from_instruction.stage_name
            if argument is None or argument.value == argument.value.lower():
                continue
            if references is None:
                references = stage_references(model, ctx.analysis.line_index)
            lower = argument.value.lower()
            edits = [_replace(ctx, argument.span, lower)]
            for ref in references:
                # A reference that spells the name in another case; not one by index (`--from=0`).
                if ref.target is stage and ref.value != lower and ref.value.lower() == lower \
                        and _written(ctx, ref.span) == ref.value:
                    edits.append(_replace(ctx, ref.span, lower))
            images = [later.from_instruction.image for later in model.stages[stage.index + 1:]
                      if later.from_instruction.image is not None]
            wrong = [image for image in images if image.value.lower() == lower and image.value != lower]
            edits.extend(_replace(ctx, image.span, lower) for image in wrong)
            note = ""
            if wrong:
                note = (f"; FROM {wrong[0].value} on line {wrong[0].line} does not refer to it (FROM matches "
                        f"stage names exactly) but to an invalid image name")
            fix = ctx.fix(f"Rename the stage to {lower}" + (" and FROM it" if wrong else ""), *edits,
                          applicability=Applicability.UNSAFE if wrong else Applicability.SAFE)
            yield ctx.finding(argument, f"stage name '{argument.value}' is not lower case: BuildKit names the stage "
                                        f"'{lower}'{note}; write {lower}", fix)


def _replace(ctx: RuleContext, span: ast.Span, text: str) -> Edit:
    return ctx.edit(span.start.offset, span.end.offset, text)


def _written(ctx: RuleContext, span: ast.Span) -> str:
    return ctx.file.text[span.start.offset:span.end.offset]
