"""DF103 redundant-target-platform: FROM --platform=$TARGETPLATFORM, which is the default."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.rule import Finding, Rule, RuleContext


class RedundantTargetPlatform(Rule):
    """`FROM --platform=$TARGETPLATFORM` says what FROM does anyway.

    ## What it does
    Reports a `FROM --platform` whose value is just the predefined
    `TARGETPLATFORM` build argument: `$TARGETPLATFORM`, `${TARGETPLATFORM}`,
    quoted or with a `:-default` (BuildKit always sets it, so the default is
    never used). A global `ARG TARGETPLATFORM=<value>` with a default changes
    what the variable holds, and is not reported. `$BUILDPLATFORM` and
    combinations such as `$TARGETOS/$TARGETARCH` are not reported either.

    hadolint's DL3065 matches the two unquoted spellings only.

    ## Why is this bad?
    A stage is built for the target platform unless `--platform` says
    otherwise, so the flag adds nothing but noise, and it suggests to readers
    that this stage is special when it is not.

    ## Example
    ```dockerfile
    FROM --platform=$TARGETPLATFORM alpine:3.20 AS runtime
    RUN apk add --no-cache ca-certificates
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS runtime
    RUN apk add --no-cache ca-certificates
    ```

    ## Fix safety
    The fix removes the flag; it is safe: BuildKit builds the stage for
    `$TARGETPLATFORM` without it. (Without a `--platform` on the command
    line, BuildKit may then pick the platform of a single-platform base
    image among the builder's own platforms instead of failing on it.)
    """

    code = "DF103"
    name = "redundant-target-platform"
    summary = "FROM --platform=$TARGETPLATFORM is the default"
    severity = Severity.STYLE
    aliases = ("RedundantTargetPlatform", "DL3065")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in ctx.model.stages:
            flag = stage.from_instruction.platform
            platform = stage.platform
            if flag is None or platform is None or platform.used != {"TARGETPLATFORM"} \
                    or platform.value != "${TARGETPLATFORM}":
                continue
            fix = ctx.fix("Remove --platform", ctx.flag_removal(flag), applicability=Applicability.SAFE)
            yield ctx.finding(
                flag,
                f"{flag.text} is redundant: FROM builds for $TARGETPLATFORM by default; remove the flag",
                fix,
            )
