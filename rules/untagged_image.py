"""DF001 untagged-image: an image without tag or digest."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.image import digest_only, pin_advice
from dflint.rule import Finding, Rule, RuleContext


class UntaggedImage(Rule):
    """An image named without a tag or digest floats: every build may get a different one.

    ## What it does
    Reports a base image (`FROM`), a `COPY --from` image or a `RUN --mount`
    `from=` image that has neither a tag nor a digest, also when the name comes
    from an `ARG` default (`ARG BASE=python` then `FROM ${BASE}`) or an inline
    one (`ARG BASE` then `FROM ${BASE:-python}`: what a build without
    `--build-arg BASE` pulls). `scratch`
    and references to earlier build stages are not images and are never
    reported; a name whose tag depends on a build argument without default
    (`FROM python:${VERSION}`) is not reported either: it cannot be known.

    ## Why is this bad?
    Without a tag, Docker pulls `latest`, whatever that is on the day of the
    build. Two builds of the same commit can then produce different images,
    a rebuild can break without any change in the repository, and nobody can
    tell which base a running image was built on.

    ## Example
    ```dockerfile
    ARG BASE=python
    FROM ${BASE}
    COPY --from=nginx /etc/nginx/nginx.conf /etc/nginx/
    ```

    ## Use instead
    ```dockerfile
    ARG BASE=python:3.12-slim
    FROM ${BASE}
    COPY --from=nginx:1.27-alpine /etc/nginx/nginx.conf /etc/nginx/
    ```

    ## Fix safety
    This rule has no fix: only you know which version the build expects.
    """

    code = "DF001"
    name = "untagged-image"
    summary = "Image without a tag or digest"
    severity = Severity.WARNING
    aliases = ("DL3006",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for use in ctx.model.image_uses():
            ref = use.reference
            if ref.untagged is not True or not ref.valid:
                continue
            shown = ref.text
            yield ctx.finding(
                use.span,
                f"image {shown} has no tag or digest{use.via}: each build may pull a different image; "
                + (pin_advice(ref) if digest_only(ref) else f"pin a version, e.g. {shown}:<version>"),
            )
