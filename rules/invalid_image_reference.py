"""DF106 invalid-image-reference: an image name docker build cannot parse, as written or with the ARG defaults."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.arg_defaults import default_args, defaulted_bases
from dflint.model.image import parse_image_reference, quoted
from dflint.model.references import near_stage_name, stage_references
from dflint.rule import Finding, Rule, RuleContext


class InvalidImageReference(Rule):
    """An image reference that does not parse fails the build before anything runs.

    ## What it does
    Reports a `FROM` image that is not a valid reference — upper case in the
    repository (`FROM Ubuntu:22.04`), a bad tag or digest — or that becomes
    one, or becomes empty, with the global `ARG` defaults as written
    (`ARG BASE=Node:22`), as BuildKit's `InvalidDefaultArgInFrom` check does.
    A name that is empty or invalid only because an `ARG` without default is
    unset (`ARG TAG` / `FROM busybox:${TAG}`) is `from-arg-without-default`'s
    warning instead: the build works when it passes `--build-arg TAG=...`.
    This rule keeps the names no value of such an `ARG` makes valid
    (`FROM Ubuntu:${TAG}`, `FROM ${IMAGE}:Latest@bad`); the `ARG`s are tried
    each with a value of its own (a tag and a digest in
    `alpine:${VERSION}@${DIGEST}`), also where they reach the name through
    another `ARG`'s default (`ARG BASE=${REGISTRY}/base:1.0`). An `ARG` that may be
    empty where that is still valid (`FROM busybox:stable${VARIANT}`) is fine.
    Invalid `COPY --from=<image>` and `RUN --mount=from=<image>` references
    are reported too. Names that depend on the platform arguments
    (`TARGETARCH` ...) are not checked: the builder sets them.

    ## Why is this bad?
    `docker build` stops with "invalid reference format" before the first
    step, for everyone who builds the file with these defaults, and in tools
    (scanners, Dependabot, IDEs) that read the Dockerfile with its defaults.

    ## Example
    ```dockerfile
    ARG BASE_IMAGE=Python:3.12-slim
    FROM ${BASE_IMAGE}
    COPY --from=Ghcr.io/acme/Assets:1.0 /dist /srv
    ```

    ## Use instead
    ```dockerfile
    ARG BASE_IMAGE=python:3.12-slim
    FROM ${BASE_IMAGE}
    COPY --from=ghcr.io/acme/assets:1.0 /dist /srv
    ```

    ## Fix safety
    This rule has no fix: only you know the intended image.
    """

    code = "DF106"
    name = "invalid-image-reference"
    summary = "Invalid or empty image reference"
    severity = Severity.ERROR
    aliases = ("InvalidDefaultArgInFrom",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        defaults = default_args(model)
        for base in defaulted_bases(model, defaults):
            image, expansion, value = base.image, base.expansion, base.expansion.value
            if not expansion.used:
                if value == "":
                    continue  # a literal empty name is a syntax error ("base name should not be blank")
            elif base.names_earlier_stage(value):
                continue  # with the defaults it names an earlier stage
            error = parse_image_reference(value).error if value else "empty"
            if error is None:
                continue
            unset = defaults.without_default_in(expansion)
            if unset and defaults.valid_with_some_value(image.value):
                continue  # empty or invalid only because the build must pass an ARG: from-arg-without-default's
            anyway = f" (and stays invalid whatever value {', '.join(unset)} is given)" if unset else ""
            if value == "":
                yield ctx.finding(image, f"FROM {image.value} is an empty image name with the ARG defaults{anyway}")
                continue
            shown = f"{image.value} is {quoted(value)} with the ARG defaults: " if expansion.used else ""
            stage_hint = ""
            if base.names_earlier_stage(value.lower()):
                stage_hint = f" (FROM matches stage names exactly: write FROM {value.lower()} for the stage)"
            yield ctx.finding(image, f"invalid image reference: {shown}{error}{anyway}{stage_hint}")
        for ref in stage_references(model, ctx.analysis.line_index):
            if ref.image is None or ref.image.error is None or ref.in_trigger or near_stage_name(model, ref.value):
                continue  # a typo of a stage name is copy-from-unknown-stage's
            yield ctx.finding(ref.span, f"invalid image reference in {_what(ref.kind)}: {ref.image.error}")


def _what(kind: str) -> str:
    return "COPY --from" if kind == "copy" else "RUN --mount from="
