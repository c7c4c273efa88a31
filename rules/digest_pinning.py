"""DF107 digest-pinning: an image not pinned by digest (opt-in)."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.registries import matches_any
from dflint.rule import Finding, Option, Rule, RuleContext


class DigestPinning(Rule):
    """A tag can be moved to another image; a digest cannot.

    ## What it does
    Reports every image the build pulls — `FROM`, `COPY --from=<image>`,
    `RUN --mount=from=<image>`, also in `ONBUILD` triggers — that has no
    `@sha256:` digest. `node:22@sha256:...` is pinned (the tag is then only
    a note for readers and for update bots). Names are resolved through
    `ARG` defaults; a name a build argument without default could still
    complete is not reported, nor are `scratch` and build stages. Images
    whose registry or name matches the `exempt` option (same patterns as
    `registry-allowlist`: `localhost:5000`, `ghcr.io/acme`) are not reported:
    typically your own images, which your pipeline pins another way.

    ## Why is this bad?
    Tags are mutable: `node:22` today is not `node:22` next week, and a
    compromised or mistaken push changes every build that uses it. A digest
    names exactly one image, so builds are reproducible and supply-chain
    policies can verify what went in. Tools such as Renovate and Dependabot
    keep digests up to date.

    ## Example
    ```dockerfile
    FROM node:22-alpine AS build
    COPY --from=ghcr.io/acme/assets:1.2 /dist /srv/dist
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-alpine@sha256:1e6c9a7f5a2b0f5d8c3e4b7a9d0c1f2e3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d AS build
    COPY --from=ghcr.io/acme/assets:1.2@sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a /dist /srv/dist
    ```

    ## Fix safety
    This rule has no fix: the digest has to be looked up in the registry
    (`docker buildx imagetools inspect node:22-alpine`).
    """

    code = "DF107"
    name = "digest-pinning"
    summary = "Image not pinned by digest"
    severity = Severity.WARNING
    security_severity = 3.0
    default_enabled = False
    options = (Option("exempt", list, [], "Registries or name prefixes whose images need no digest "
                                          "(`localhost:5000`, `ghcr.io/acme`)"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        exempt = ctx.options["exempt"]
        for use in ctx.model.image_uses():
            ref = use.reference
            if ref.has_digest is not False or not ref.valid:
                continue
            if exempt and matches_any(ref, exempt) is not False:
                continue
            pinned = f"{ref.text}@sha256:<digest>"
            yield ctx.finding(
                use.span,
                f"image {ref.text} is not pinned by digest{use.via}: "
                f"{'its tag' if ref.has_tag else 'its name'} can point to another image tomorrow; "
                f"pin it as {pinned}",
            )
