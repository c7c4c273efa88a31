"""DF115 copy-from-cache-mount: COPY --from a path that was a cache, tmpfs, bind, secret or ssh mount in that stage."""

from __future__ import annotations

import bisect
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
        lineages: dict[int, _Lineage] = {}  # per stage copied from
        for ref in stage_references(ctx.model, ctx.analysis.line_index):
            if ref.kind != "copy" or ref.in_trigger or ref.target is None:
                continue
            for source in copy_sources(ctx.model, ref.node):
                if source.kind != "local" or not source.value or _GLOB & set(source.value):
                    continue
                path = posixpath.normpath("/" + source.value.lstrip("/"))  # COPY --from reads from the stage root
                lineage = lineages.get(ref.target.index)
                if lineage is None:
                    lineage = lineages[ref.target.index] = _Lineage(ctx, ref.target)
                found = _covering_mount(lineage, path)
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


class _Lineage:
    """The steps of the lineage of a stage copied from, filed for :func:`_covering_mount`'s questions
    (which step after or before a mount may have written a path), so that each is a few look-ups, not
    a pass over the steps. Positions are the steps' indices; each list holds them in order."""

    def __init__(self, ctx: RuleContext, stage) -> None:
        steps = [node for member in ctx.model.lineage(stage) for node in member.instructions]
        self.length = len(steps)
        self.mounts = _mounts(ctx, steps)
        self.runs: list[int] = []
        #: RUNs by each mount target they have, as written (a later RUN without the mount may write there).
        self.with_target: dict[str, list[int]] = {}
        #: RUNs by their mount targets as paths.inside compares them, only the outermost of nested ones, so
        #: that a RUN is counted once for a path below several of its targets.
        self.covering: dict[str, list[int]] = {}
        #: COPY and ADD: those whose destination is unknown, by each entry's path, and by each entry's path
        #: without its trailing slash (a path below it).
        self.unknown: list[int] = []
        self.equal: dict[str, list[int]] = {}
        self.prefix: dict[str, list[int]] = {}
        for position, node in enumerate(steps):
            if isinstance(node, ast.RunInstruction):
                self.runs.append(position)
                targets = _targets(ctx, node)
                for target in targets:
                    self.with_target.setdefault(target, []).append(position)
                normals = {target.rstrip("/") or "/" for target in targets}
                for normal in normals:
                    if not any(other != normal and inside(normal, other) for other in normals):
                        self.covering.setdefault(normal, []).append(position)
            elif isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
                entries = copied(ctx.model, node)
                if not entries:
                    self.unknown.append(position)
                for entry in entries:
                    _add(self.equal, entry.path, position)
                    _add(self.prefix, entry.path.rstrip("/"), position)

    def copy_writes(self, path: str, start: int, end: int) -> bool:
        """A COPY or ADD between ``start`` and ``end`` writes ``path`` or a directory holding it, or may
        (an unknown destination)."""
        keys = [path[:i] for i, c in enumerate(path) if c == "/"]  # entries whose path is a directory above
        return (_within(self.unknown, start, end) or _within(self.equal.get(path), start, end)
                or any(_within(self.prefix.get(key), start, end) for key in keys))

    def run_writes_before(self, path: str, end: int) -> bool:
        """A RUN before ``end`` has no mount on ``path`` (or a directory holding it): it may have written it."""
        normal = path.rstrip("/") or "/"
        directories = {normal, "/", *(normal[:i] for i, c in enumerate(normal) if c == "/" and i)}
        covered = sum(bisect.bisect_left(self.covering.get(d, ()), end) for d in directories)
        return bisect.bisect_left(self.runs, end) > covered

    def run_without_after(self, target: str, start: int) -> bool:
        """A RUN after ``start`` lacks the mount target ``target``: it may have written there."""
        having = self.with_target.get(target, [])
        return len(self.runs) - bisect.bisect_right(self.runs, start) > len(having) - bisect.bisect_right(having,
                                                                                                          start)


def _add(table: dict[str, list[int]], key: str, position: int) -> None:
    positions = table.setdefault(key, [])
    if not positions or positions[-1] != position:
        positions.append(position)


def _within(positions: Optional[list[int]], start: int, end: int) -> bool:
    """One of ``positions`` (ascending) is in [start, end)."""
    if not positions:
        return False
    at = bisect.bisect_left(positions, start)
    return at < len(positions) and positions[at] < end


def _covering_mount(lineage: _Lineage, path: str) -> Optional[tuple]:
    """The mount whose target holds ``path``, when no later step of the lineage can have written it."""
    for position, run, target, kind in reversed(lineage.mounts):
        if path != target and not path.startswith(target.rstrip("/") + "/"):
            continue
        if kind in _OVERLAID and (lineage.run_writes_before(path, position)
                                  or lineage.copy_writes(path, 0, position)):
            return None  # what the mount covers is there, and may be what is copied
        if lineage.run_without_after(target, position) or lineage.copy_writes(path, position + 1, lineage.length):
            return None  # a RUN without the mount, or a COPY or ADD, may have written there
        return run, target, kind
    return None


def _targets(ctx: RuleContext, node: ast.RunInstruction) -> set[str]:
    return {path for path, _ in mount_targets(ctx.analysis, node, _KINDS) if path}


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
