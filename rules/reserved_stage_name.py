"""DF111 reserved-stage-name: a stage named scratch or context."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext

_RESERVED = {
    "scratch": "a later `FROM scratch` would build on this stage instead of the empty image",
    "context": "BuildKit reserves it for the build context, and `--build-context context=...` cannot replace it",
}


class ReservedStageName(Rule):
    """`scratch` and `context` are reserved words, not stage names.

    ## What it does
    Reports a stage named `scratch` or `context`, in any case (BuildKit
    lower-cases stage names; hadolint's DL3063 only matches lower case).

    ## Why is this bad?
    `scratch` is the empty image: a stage of that name makes every later
    `FROM scratch` build on the stage instead, and `--build-context` cannot
    override it. `context` names the build context itself in BuildKit's
    named contexts. BuildKit warns about both.

    ## Example
    ```dockerfile
    FROM alpine:3.20 AS scratch
    RUN apk add --no-cache ca-certificates
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20 AS certs
    RUN apk add --no-cache ca-certificates
    ```

    ## Fix safety
    This rule has no fix: a new name is yours to choose.
    """

    code = "DF111"
    name = "reserved-stage-name"
    summary = "Stage named scratch or context"
    severity = Severity.WARNING
    aliases = ("DL3063", "ReservedStageName")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in ctx.model.stages:
            argument = stage.from_instruction.stage_name
            if argument is None or stage.name not in _RESERVED:
                continue
            yield ctx.finding(argument, f"'{stage.name}' is reserved and should not name a stage: "
                                        f"{_RESERVED[stage.name]}; choose another name")
