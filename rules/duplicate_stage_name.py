"""DF110 duplicate-stage-name: two stages with the same name."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


class DuplicateStageName(Rule):
    """Stage names must be unique, or references to them pick one silently.

    ## What it does
    Reports every stage whose name an earlier stage already has. Names are
    compared without case, as BuildKit does (`AS Build` and `AS build` are
    the same stage name). hadolint's DL3024 compares them in the case
    written, so it misses those.

    ## Why is this bad?
    `COPY --from=<name>` then means the *last* stage of that name, even in
    a stage written before it, while `FROM <name>` means the last one
    *above* it: each reference silently picks one, and which one depends on
    where it is written. `--target <name>` builds only one of them.

    ## Example
    ```dockerfile
    FROM debian:12 AS builder
    RUN apt-get update && apt-get install -y --no-install-recommends curl

    FROM golang:1.22 AS builder
    RUN go build -o /out/app .
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12 AS deb-builder
    RUN apt-get update && apt-get install -y --no-install-recommends curl

    FROM golang:1.22 AS go-builder
    RUN go build -o /out/app .
    ```

    ## Fix safety
    This rule has no fix: renaming a stage changes what its references mean.
    """

    code = "DF110"
    name = "duplicate-stage-name"
    summary = "Two stages with the same name"
    severity = Severity.ERROR
    aliases = ("DL3024", "DuplicateStageName")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        first = {}
        for stage in ctx.model.stages:
            argument = stage.from_instruction.stage_name
            if stage.name is None or argument is None:
                continue
            earlier = first.setdefault(stage.name, stage)
            if earlier is stage:
                continue
            yield ctx.finding(
                argument,
                f"stage name {argument.value!r} is already used by the stage on line {earlier.line}: "
                f"`COPY --from={stage.name}` means the last stage of that name and `FROM {stage.name}` the last one "
                f"above it; give each stage its own name",
                related=[("first stage of that name", earlier.from_instruction.stage_name or earlier.from_instruction)],
            )
