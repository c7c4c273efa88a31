"""DF113 copy-entire-filesystem: COPY --from=<stage> / / copies a whole filesystem."""

from __future__ import annotations

import posixpath
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.references import StageReference, stage_references
from dflint.model.registries import matches_any
from dflint.rule import Finding, Option, Rule, RuleContext


class CopyEntireFilesystem(Rule):
    """`COPY --from=stage / /` lays a whole filesystem over another.

    ## What it does
    Reports a `COPY --from` whose source is the root of the other stage or
    image (`/`, `/.`, `.`) and whose destination is the root (`/`, or `.` in
    a stage whose WORKDIR is `/`), also in ONBUILD triggers. Not reported:

    * a stage built `FROM scratch`: copying onto an empty filesystem
      overwrites nothing, and is the usual way to flatten an image;
    * images made to be copied whole, and stages built on them: the
      `allowed-images` option, by default `tonistiigi/xx`, the
      cross-compilation helpers Docker documents as `COPY --from=xx / /`.

    hadolint's DL3067 reports every `/ /` copy, these included.

    ## Why is this bad?
    Every file of the other stage — its whole operating system, package
    database, `/etc/passwd`, libraries of another distribution — lands on
    top of this stage's, in one large layer that shares nothing with the
    base image. What was meant is usually `FROM <stage>`, or copying only
    the directories the application needs.

    ## Example
    ```dockerfile
    FROM node:22 AS build
    RUN npm ci && npm run build
    FROM node:22-slim
    COPY --from=build / /
    ```

    ## Use instead
    ```dockerfile
    FROM node:22 AS build
    RUN npm ci && npm run build
    FROM node:22-slim
    COPY --from=build /app/dist /app/dist
    ```

    ## Fix safety
    This rule has no fix: which files are needed is yours to say.
    """

    code = "DF113"
    name = "copy-entire-filesystem"
    summary = "COPY --from copies an entire filesystem"
    severity = Severity.WARNING
    aliases = ("DL3067",)
    options = (Option("allowed-images", list, ["docker.io/tonistiigi/xx"],
                      "Images (registry and name prefixes) made to be copied whole with `COPY --from=<image> / /`, "
                      "directly or through a stage built on them"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        allowed = ctx.options["allowed-images"]
        for ref in stage_references(model, ctx.analysis.line_index):
            node = ref.node
            if ref.kind != "copy" or not isinstance(node, ast.CopyInstruction) or node.destination is None:
                continue
            roots = [source for source in node.sources if _is_root(source.value)]
            if not roots or not self._to_root(ctx, ref, node.destination.value):
                continue
            stage = ref.stage
            if not ref.in_trigger and model.lineage(stage)[0].base.is_scratch:
                continue
            origin = _origin(ctx, ref)
            if origin is not None and allowed and matches_any(origin, allowed):
                continue
            target = ref.target
            if target is not None:
                where, base = f"stage {target.label}", target.name or "that stage"
            else:
                where = base = f"image {ref.value}" if ref.image is not None else ref.value
            yield ctx.finding(
                roots[0],
                f"COPY --from={ref.value} {roots[0].value} {node.destination.value} copies the entire filesystem "
                f"of {where} over this stage's, in one layer; build FROM {base} instead, or copy only the "
                f"directories you need",
            )

    @staticmethod
    def _to_root(ctx: RuleContext, ref: StageReference, destination: str) -> bool:
        if destination.startswith("/"):
            return posixpath.normpath(destination) in ("/", "//")
        if destination in (".", "./"):
            return ctx.model.workdir_at(ref.anchor) == "/"
        return False


def _is_root(path: str) -> bool:
    return posixpath.normpath("/" + path.strip('"')) in ("/", "//") if path else False


def _origin(ctx: RuleContext, ref: StageReference):
    """The external image the copied files come from (the root of the stage's lineage)."""
    if ref.target is not None:
        return ctx.model.lineage(ref.target)[0].base.reference
    return ref.image
