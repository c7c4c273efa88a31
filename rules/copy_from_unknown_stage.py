"""DF108 copy-from-unknown-stage: COPY --from naming no earlier stage."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.model.references import StageReference, near_stage_name, needs, stage_references
from dflint.rule import Finding, Rule, RuleContext


class CopyFromUnknownStage(Rule):
    """`COPY --from` should name a stage defined before it, or an image on purpose.

    ## What it does
    Reports a `COPY --from` (or `RUN --mount=from=`) that does not name a
    stage defined before it:

    * a stage index that does not exist (`--from=3` in a file of three stages);
    * a stage defined *later* in the file, by name or index (a forward
      reference; a stage that leads back to this one is `copy-from-own-stage`);
    * a name that is no stage but reads as a typo of one: one edit, two
      swapped letters (`--from=bulid` with a stage `build`) or a shortened
      name (`--from=build` with a stage `builder`); two edits between names
      of six letters or more (`--from=biulder` with a stage `builder`;
      `--from=nginx` is no typo of a stage `nine`); or a word of exactly
      one stage's name (`--from=set` with a stage `license-set`): as written,
      the build pulls an image of that name, which is almost never what was
      meant;
    * `from=0` in a `--mount`: mounts take no stage index, so that is an
      image called `0`.

    Any other name is an image (`COPY --from=nginx:1.27 ...`) and is left to
    the image rules (`untagged-image` reports `--from=nginx`). Stage names
    match in any case (`--from=Builder` is stage `builder`), as in BuildKit.
    ONBUILD triggers are not checked: they run in another Dockerfile.

    hadolint's DL3022 reports every `--from` that is neither an earlier stage
    name (in the same case) nor contains a `:`, so it also reports images
    named without a tag and differently cased stage names; it accepts
    `--from=N` for the stage being defined (an error, `copy-from-own-stage`).

    ## Why is this bad?
    BuildKit looks the value up among all stages, then as an image: a typo
    becomes a pull of a nonexistent image ("pull access denied"), and an
    index out of range stops the build. A forward reference builds with
    BuildKit but not with the classic builder, and it hides the order in
    which the stages really build.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS builder
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=biulder /out/app /app
    COPY --from=2 /etc/ssl/certs /etc/ssl/certs
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS builder
    RUN go build -o /out/app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=builder /out/app /app
    COPY --from=0 /etc/ssl/certs /etc/ssl/certs
    ```

    ## Fix safety
    This rule has no fix: the intended stage is not certain.
    """

    code = "DF108"
    name = "copy-from-unknown-stage"
    summary = "COPY --from names no earlier stage"
    severity = Severity.ERROR
    aliases = ("DL3022",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        references = stage_references(model, ctx.analysis.line_index)
        for ref in references:
            if ref.in_trigger:
                continue
            message = None
            if ref.target is not None:
                if ref.target.index > ref.stage.index and ref.stage.index not in needs(model, references, ref.target):
                    message = _forward(ref)
            elif ref.index is not None:
                count = len(model.stages)
                message = (f"{_written(ref)}: there is no stage {ref.index}, the file has {count} "
                           f"(numbered 0 to {count - 1}); the build fails with \"invalid stage index\"")
            elif ref.image is not None:
                message = _not_a_stage(ctx, ref)
            if message:
                yield ctx.finding(ref.span, message)


def _written(ref: StageReference) -> str:
    return f"COPY --from={ref.value}" if ref.kind == "copy" else f"RUN --mount from={ref.value}"


def _forward(ref: StageReference) -> str:
    target = ref.target
    assert target is not None
    # The classic builder knows only the stages built so far: a later name is an image to it, a later index an error.
    classic = ("stops with an invalid stage index" if ref.index is not None
               else "pulls an image of that name instead")
    return (f"{_written(ref)} names stage {target.label}, defined later (line {target.line}): BuildKit accepts "
            f"it, the classic builder {classic}; define stage {target.label} before this one")


def _not_a_stage(ctx: RuleContext, ref: StageReference) -> Optional[str]:
    value = ref.value
    if ref.kind == "mount" and value.isdigit():
        return (f"{_written(ref)}: a mount's from= takes a stage name, not an index: BuildKit pulls an image "
                f"named {value}; write the stage's name")
    match = near_stage_name(ctx.model, value)
    if match is None:
        return None
    pulled = f"pulls the image {ref.image.name}" if ref.image is not None and ref.image.valid else \
        "reads it as an image name, an invalid one"
    return (f"{_written(ref)}: there is no stage {value} (did you mean {match}?); as written the build {pulled}, "
            f"which is almost certainly not meant")
