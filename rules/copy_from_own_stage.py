"""DF109 copy-from-own-stage: COPY --from (or a mount) naming the stage it is in."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.references import needs, stage_references
from dflint.rule import Finding, Rule, RuleContext


class CopyFromOwnStage(Rule):
    """A stage cannot copy from itself: BuildKit fails with a circular dependency.

    ## What it does
    Reports a `COPY --from` or `RUN --mount=from=` that names the stage it is
    in, by name (in any case) or by index, and one that names a later stage
    built from this one, or copying from it: either way the stage would need
    itself. (Of a cycle, the reference to the later stage is reported: a
    cycle always has one.) ONBUILD triggers are not checked: they run in another Dockerfile.

    hadolint's DL3023 compares stage names only, in the same case; it misses
    indexes, mounts and cycles through other stages.

    ## Why is this bad?
    `docker build` stops with "circular dependency detected on stage": a
    stage's files do not exist until the stage is built. Files of the stage
    itself are already there: copy them with a plain `RUN cp` or from the
    stage that produced them.

    ## Example
    ```dockerfile
    FROM node:22 AS build
    RUN npm ci && npm run build
    COPY --from=build /app/dist /srv/www
    ```

    ## Use instead
    ```dockerfile
    FROM node:22 AS build
    RUN npm ci && npm run build

    FROM nginx:1.27-alpine
    COPY --from=build /app/dist /usr/share/nginx/html
    ```

    ## Fix safety
    This rule has no fix: which stage was meant is not certain.
    """

    code = "DF109"
    name = "copy-from-own-stage"
    summary = "COPY --from names its own stage"
    severity = Severity.ERROR
    aliases = ("DL3023",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        references = stage_references(model, ctx.analysis.line_index)
        for ref in references:
            target, stage = ref.target, ref.stage
            if ref.in_trigger or target is None:
                continue
            what = f"COPY --from={ref.value}" if ref.kind == "copy" else f"RUN --mount from={ref.value}"
            if target is stage:
                yield ctx.finding(ref.span, f"{what} names stage {stage.label}, the stage it is in: the build fails "
                                            f"with a circular dependency; copy from the stage that made the files")
            elif target.index > stage.index and stage.index in needs(model, references, target):
                yield ctx.finding(ref.span, f"{what} names stage {target.label} (line {target.line}), which needs "
                                            f"this stage (built FROM it or copying from it): the build fails with "
                                            f"a circular dependency",
                                  related=[(f"stage {target.label}", target.from_instruction)])
