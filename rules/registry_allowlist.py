"""DF101 registry-allowlist: an image from a registry the project does not allow."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.registries import matches_any
from dflint.rule import Finding, Option, Rule, RuleContext


class RegistryAllowlist(Rule):
    """Images may only come from the registries you list.

    ## What it does
    Reports every image the build pulls — `FROM`, `COPY --from=<image>`,
    `RUN --mount=from=<image>`, also in `ONBUILD` triggers — whose registry is
    not in the `allowed` option. An entry is a registry (`docker.io`,
    `ghcr.io`, `localhost:5000`, `*.corp.example`) or a registry with a name
    prefix (`ghcr.io/acme` allows `ghcr.io/acme/app`, not
    `ghcr.io/acme-corp/app`; `docker.io/library` allows only official
    images). Names without a registry are on Docker Hub, written `docker.io`.
    Image names are resolved through `ARG` defaults; a name whose registry
    depends on a build argument without default is not reported, and
    `scratch` and build stages are not images. With `allowed` empty (the
    default) the rule reports nothing.

    hadolint's DL3026 takes the same list (`trustedRegistries`) but reads
    `FROM $IMAGE` as a Docker Hub image, so it reports names it cannot know,
    and it treats `COPY --from=0` as an image; dflint reports neither.

    ## Why is this bad?
    Teams restrict base images to a mirror or an internal registry so that
    every image is scanned, cached and available when a public registry is
    rate-limited or down. An image from anywhere else bypasses that.

    ## Example
    With `allowed = ["docker.io"]`:
    ```dockerfile
    ARG BASE=quay.io/acme/node:22
    FROM ${BASE}
    COPY --from=ghcr.io/acme/assets:1.2 /dist /srv/dist
    ```

    ## Use instead
    ```dockerfile
    ARG BASE=node:22-alpine
    FROM ${BASE}
    COPY --from=acme/assets:1.2 /dist /srv/dist
    ```

    ## Fix safety
    This rule has no fix: only you know where the allowed copy of an image lives.
    """

    code = "DF101"
    name = "registry-allowlist"
    summary = "Image from a registry that is not allowed"
    severity = Severity.ERROR
    security_severity = 5.0
    aliases = ("DL3026",)
    default_enabled = False
    options = (Option("allowed", list, [], "Registries, or registries with a name prefix, images may come from "
                                            "(`docker.io`, `ghcr.io/acme`, `*.corp.example`); empty: any"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        allowed = ctx.options["allowed"]
        if not allowed:
            return
        for use in ctx.model.image_uses():
            ref = use.reference
            if not ref.valid or matches_any(ref, allowed) is not False:
                continue
            yield ctx.finding(
                use.span,
                f"image {ref.text} comes from {ref.registry}, which is not an allowed registry{use.via}; "
                f"pull it from one of: {', '.join(allowed)}",
            )
