"""DF116 final-stage-build-platform: a stage that ships as an image, on the build machine's platform."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.rule import Finding, Rule, RuleContext


#: Platform ARGs that give a stage the build machine's architecture.
_BUILD_ARCH = frozenset(("BUILDPLATFORM", "BUILDARCH"))
_BUILD_ARGS = frozenset(("BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT"))
#: Settings that only matter to a container that runs: a stage with them is an image to ship.
_RUNTIME = (ast.CmdInstruction, ast.EntrypointInstruction, ast.ExposeInstruction, ast.HealthcheckInstruction)


class FinalStageBuildPlatform(Rule):
    """A stage that ships as an image is built for `$BUILDPLATFORM`, the build machine's platform.

    ## What it does
    Reports `FROM --platform=$BUILDPLATFORM` (also `${BUILDPLATFORM}`,
    `$BUILDOS/$BUILDARCH`, or a global ARG whose default is one of them)
    on a stage that ships as an image: the last stage, and a stage no other
    stage uses (a `--target`) that sets a `CMD`, `ENTRYPOINT`, `EXPOSE` or
    `HEALTHCHECK` (in itself or a stage it is built `FROM`). A stage built
    `FROM` another stage inherits that stage's platform (its own
    `--platform` is ignored), so a shipping stage built `FROM` a stage on
    `$BUILDPLATFORM` is reported too, at its `FROM`.

    Not reported: builder stages on `$BUILDPLATFORM` that other stages
    `COPY --from` or mount (the cross-compilation pattern); unused stages
    other than the last with no runtime setting (test, lint or export
    stages, run natively on purpose with `--target`; the last stage is
    reported even then, as it is what a plain build produces);
    `--platform=$TARGETPLATFORM` (redundant-target-platform, DF103),
    constant platforms (platform-flag-constant, DF102), an ARG without a
    default, and `$BUILDOS/$TARGETARCH`, whose architecture follows the
    target. `ONBUILD` cannot hold a `FROM`; a stage with triggers ships
    like any other.

    ## Why is this bad?
    `$BUILDPLATFORM` is where the build runs. A builder stage uses it to
    run its compilers natively and cross-compile for `$TARGETPLATFORM`;
    copied into the image stage, the flag gives every image of
    `docker buildx build --platform linux/amd64,linux/arm64` the build
    machine's userland. The arm64 image then holds amd64 binaries (or the
    arm64 binaries that were cross-compiled sit on an amd64 base): the
    container fails with `exec format error`. A single-platform build on
    a machine of the same architecture hides the problem.

    ## Example
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    ARG TARGETOS TARGETARCH
    RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

    FROM --platform=$BUILDPLATFORM alpine:3.20
    COPY --from=build /out/app /usr/local/bin/app
    ENTRYPOINT ["app"]
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    ARG TARGETOS TARGETARCH
    RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

    FROM alpine:3.20
    COPY --from=build /out/app /usr/local/bin/app
    ENTRYPOINT ["app"]
    ```

    ## Fix safety
    When the flag names the build platform's ARGs itself, the fix removes
    it, so the stage follows `$TARGETPLATFORM`. It is unsafe: the stage's
    RUN instructions then run under emulation for other architectures
    (slower, or failing where no emulator is installed), and a stage that
    was meant to run natively (a test stage that happens to be last) is
    no longer native. There is no fix when the platform comes through an
    ARG (the ARG's default, not the flag, is what to change) or is
    inherited from a parent stage (the parent is usually a builder that
    needs its flag).
    """

    code = "DF116"
    name = "final-stage-build-platform"
    summary = "Stage shipped as an image built for $BUILDPLATFORM instead of the target platform"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        used = {dep.stage for stage in model.stages for dep in stage.dependencies if dep.stage is not None}
        for stage in model.stages:
            lineage = model.lineage(stage)
            if stage is not model.final_stage and (stage.index in used or not _runs(lineage)):
                continue
            root = lineage[0]
            flag, platform = root.from_instruction.platform, root.platform
            if flag is None or platform is None or platform.error or not platform.unresolved & _BUILD_ARCH:
                continue
            value = f"--platform={flag.value}"
            via = "" if platform.used <= _BUILD_ARGS else f" ({flag.value} defaults to {platform.value})"
            harm = ("the build machine's platform, not the target's, so a multi-platform build gives every image "
                    "the builder's architecture (`exec format error`)")
            if root is not stage:
                yield ctx.finding(
                    stage.from_instruction.image or stage.from_instruction,
                    f"stage {stage.label} ships as an image but is built FROM stage {root.label}, whose "
                    f"{value}{via} it inherits: {harm}; build it FROM an image, or a stage that follows the "
                    f"target platform", related=[(f"{root.label}'s platform", flag)])
                continue
            fix = None
            if not via:
                fix = ctx.fix("Remove --platform", ctx.flag_removal(flag), applicability=Applicability.UNSAFE)
            advice = "remove the flag" if not via else "remove the flag, or default the ARG to $TARGETPLATFORM"
            yield ctx.finding(
                flag, f"stage {stage.label} ships as an image but {value}{via} builds it for {harm}; {advice}",
                fix)


def _runs(lineage) -> bool:
    """The stage (or a stage it is built FROM) sets what only a running container uses."""
    return any(isinstance(node, _RUNTIME) for member in lineage for node in member.instructions)
