"""DF115 copy-from-cache-mount: COPY --from a path that was a cache, tmpfs, bind, secret or ssh mount in that stage."""

from __future__ import annotations

import posixpath
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import copied
from dflint.model.layers import mount_targets
from dflint.model.paths import inside
from dflint.model.references import stage_references
from dflint.model.sources import copy_sources
from dflint.rule import Finding, Rule, RuleContext

_GLOB = frozenset("*?[")
#: Mount types whose target holds, while the RUN runs, what is not in the stage's files.
_KINDS = ("cache", "tmpfs", "bind", "secret", "ssh")
#: Mounts that show files from elsewhere (the context, a stage, a secret): the directory below may hold
#: files of its own, from an earlier step or the base image.
_OVERLAID = frozenset(("bind", "secret", "ssh"))
#: Top directories of a Linux image (FHS): a base image may ship files there.
_SYSTEM = frozenset("bin boot dev etc lib lib32 lib64 libx32 media mnt opt proc root run sbin srv sys tmp usr "
                    "var home".split())


class CopyFromCacheMount(Rule):
    r"""COPY --from a path that was a cache mount in that stage copies nothing: the build fails.

    ## What it does
    Reports a `COPY --from=STAGE` source that lies in the target of a
    `--mount=type=cache`, `tmpfs`, `bind`, `secret` or `ssh` of a RUN in
    that stage (or a stage it is built `FROM`), when nothing after that RUN
    can have put it in the stage's own files: no later RUN without the same
    mount, no COPY or ADD writing there. Sources with wildcards, and
    targets that cannot be resolved, are not checked.

    A bind, secret or ssh mount covers what the directory held before, which
    stays in the stage: such a source is not reported when an earlier COPY
    or ADD wrote it (or a directory holding it), or an earlier RUN without
    a mount there may have; nor, for a bind mount, when the target may hold
    the base image's files (outside the WORKDIR, in a system directory such
    as `/etc` or `/usr`). Secret and ssh mounts count only with an explicit
    `target`.

    ## Why is this bad?
    What a RUN writes into a cache or tmpfs mount stays in the mount, not in
    the stage's layers; the directory in the stage is what it was before
    (usually empty or missing). A bind mount's files (the build context, or
    another stage's) are not in the stage either, nor is what a RUN writes
    into a `rw` bind mount: it is thrown away; a secret or an ssh socket
    exists only while the RUN runs. `COPY --from=build /app/target/release/app`
    after `RUN --mount=type=cache,target=/app/target cargo build --release`
    fails with "not found", on a clean machine at least: the cache holds the
    files only where the build ran before. The fix is to copy the result out
    of the mount in the RUN that builds it.

    ## Example
    ```dockerfile
    FROM rust:1.83 AS build
    WORKDIR /app
    COPY . .
    RUN --mount=type=cache,target=/app/target cargo build --release
    FROM debian:12-slim
    COPY --from=build /app/target/release/server /usr/local/bin/server
    ```

    ## Use instead
    ```dockerfile
    FROM rust:1.83 AS build
    WORKDIR /app
    COPY . .
    RUN --mount=type=cache,target=/app/target cargo build --release \
        && cp target/release/server /usr/local/bin/server
    FROM debian:12-slim
    COPY --from=build /usr/local/bin/server /usr/local/bin/server
    ```

    ## Fix safety
    This rule has no fix: where the result should go is yours to choose.
    """

    code = "DF115"
    name = "copy-from-cache-mount"
    summary = "COPY --from a path that was a cache, tmpfs, bind, secret or ssh mount in that stage"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if not any(isinstance(node, ast.RunInstruction) and node.mounts
                   for stage in ctx.model.stages for node in stage.instructions):
            return  # no RUN mounts anything: most files (and each reference would walk its stage's lineage)
        for ref in stage_references(ctx.model, ctx.analysis.line_index):
            if ref.kind != "copy" or ref.in_trigger or ref.target is None:
                continue
            steps = mounts = None
            for source in copy_sources(ctx.model, ref.node):
                if source.kind != "local" or not source.value or _GLOB & set(source.value):
                    continue
                path = posixpath.normpath("/" + source.value.lstrip("/"))  # COPY --from reads from the stage root
                if steps is None:
                    steps = [node for member in ctx.model.lineage(ref.target) for node in member.instructions]
                    mounts = _mounts(ctx, steps)
                found = _covering_mount(ctx, steps, mounts, path)
                if found is not None:
                    run, target, kind = found
                    yield ctx.finding(source.argument, _message(ref.value, path, run, target, kind),
                                      related=[(f"the {kind} mount", run)])


def _mounts(ctx: RuleContext, steps: list[ast.Instruction]) -> list[tuple[int, ast.Instruction, str, str]]:
    """``(position, RUN, target, type)`` of the known mounts among ``steps`` whose target the stage's files
    do not hold (a bind mount where the base image may have files is left out)."""
    found = []
    for position, node in enumerate(steps):
        if isinstance(node, ast.RunInstruction):
            for kind in _KINDS:
                found.extend((position, node, path, kind) for path, _ in mount_targets(ctx.analysis, node, (kind,))
                             if path and (kind != "bind" or _own_directory(ctx, node, path)))
    return found


def _own_directory(ctx: RuleContext, node: ast.Instruction, target: str) -> bool:
    """``target`` is a directory the base image is unlikely to have files in: inside the WORKDIR the
    Dockerfile set (not ``/``), or outside the system directories."""
    workdir = ctx.model.workdir_at(node)
    if workdir is not None and workdir != "/" and inside(target, workdir):
        return True
    top = target.strip("/").split("/", 1)[0]
    return bool(top) and top not in _SYSTEM


def _covering_mount(ctx: RuleContext, steps: list[ast.Instruction], mounts: list, path: str) -> Optional[tuple]:
    """The mount whose target holds ``path``, when no later step of the lineage can have written it."""
    for position, run, target, kind in reversed(mounts):
        if path != target and not path.startswith(target.rstrip("/") + "/"):
            continue
        if kind in _OVERLAID and any(_may_write(ctx, earlier, path) for earlier in steps[:position]):
            return None  # what the mount covers is there, and may be what is copied
        for later in steps[position + 1:]:
            if isinstance(later, ast.RunInstruction) and target not in _targets(ctx, later):
                return None  # a RUN without the mount may have written there
            if isinstance(later, (ast.CopyInstruction, ast.AddInstruction)) and _writes(ctx, later, path):
                return None
        return run, target, kind
    return None


def _targets(ctx: RuleContext, node: ast.RunInstruction) -> set[str]:
    return {path for path, _ in mount_targets(ctx.analysis, node, _KINDS) if path}


def _may_write(ctx: RuleContext, node: ast.Instruction, path: str) -> bool:
    """``node`` (an earlier step) wrote ``path``, or may have: a COPY or ADD there, a RUN with no mount on it."""
    if isinstance(node, ast.RunInstruction):
        return not any(inside(path, target) for target in _targets(ctx, node))
    return isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) and _writes(ctx, node, path)


def _writes(ctx: RuleContext, node: ast.Instruction, path: str) -> bool:
    """``node`` (a COPY or ADD) writes ``path`` or a directory holding it, or may (unknown destination)."""
    entries = copied(ctx.model, node)
    if not entries:
        return True
    return any(entry.path == path or path.startswith(entry.path.rstrip("/") + "/") for entry in entries)


def _message(stage: str, path: str, run: ast.Instruction, target: str, kind: str) -> str:
    article = "an" if kind == "ssh" else "a"
    where = f"COPY --from={stage} of {path}: {target} is {article} {kind} mount of the RUN on line {run.line}"
    if kind in ("secret", "ssh"):
        return (f"{where}, which exists only while that RUN runs, not in the stage's files: the COPY fails; "
                f"{article} {kind} mount is not meant to end up in an image")
    if kind == "bind":
        return (f"{where}: neither the files the mount shows there nor what that RUN wrote there are in the "
                f"stage's files, so the COPY fails; copy what you need out of the mount in that RUN (or COPY "
                f"it into the stage) and COPY it from there")
    return (f"{where}, so what that RUN wrote there is not in the stage's files; the COPY fails (or copies what "
            f"was there before); copy the result out of the mount in that RUN and COPY it from there")
