"""DF002 latest-tag: an image pinned to the moving ``latest`` tag."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.image import is_latest, pin_advice
from dflint.rule import Finding, Rule, RuleContext


class LatestTag(Rule):
    """`:latest` names whatever was pushed last: it is not a version.

    ## What it does
    Reports images tagged `latest` in `FROM`, `COPY --from` and `RUN --mount`
    `from=`, or a variant of it that moves the same way (`latest-dev`,
    `latest-slim`), also when the tag comes from an `ARG` default
    (`ARG TAG=latest` then `FROM node:${TAG}`). An image that also has a digest
    (`node:latest@sha256:...`) is pinned by the digest and is not reported.
    For Chainguard's free images (`cgr.dev/chainguard/...`), which have no
    version tags, the message says to pin the digest. hadolint's DL3007
    reports `latest` alone.

    ## Why is this bad?
    `latest` moves with every release of the image. Builds stop being
    reproducible, and a new major version of the base can arrive unannounced
    in the middle of an unrelated change.

    ## Example
    ```dockerfile
    ARG TAG=latest
    FROM node:${TAG}
    COPY --from=busybox:latest /bin/busybox /bin/
    ```

    ## Use instead
    ```dockerfile
    ARG TAG=22-alpine
    FROM node:${TAG}
    COPY --from=busybox:1.37 /bin/busybox /bin/
    ```

    ## Fix safety
    This rule has no fix: only you know which version the build expects.
    """

    code = "DF002"
    name = "latest-tag"
    summary = "Image pinned to the moving latest tag"
    severity = Severity.WARNING
    aliases = ("DL3007",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for use in ctx.model.image_uses():
            ref = use.reference
            if not is_latest(ref.tag) or ref.digest is not None or ref.has_digest is None or not ref.valid:
                continue  # an invalid reference is invalid-image-reference's, as for untagged-image
            what = "the latest tag" if ref.tag == "latest" else f"the tag {ref.tag}, which moves as latest does"
            yield ctx.finding(
                use.span,
                f"image {ref.text} uses {what}{use.via}: it changes with every release; {pin_advice(ref)}",
            )

