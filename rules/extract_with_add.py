"""DF307 extract-with-add: an archive COPY puts in a layer, then a RUN unpacks."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.history import Step, histories
from dflint.model.layers import run_steps, shipping_stages
from dflint.model.paths import resolve
from dflint.model.sources import archive_name, copy_sources, destination, into_directory
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.archives import extraction
from dflint.shell.model import Word


@dataclass(frozen=True)
class _Archive:
    """An archive a COPY wrote: its name in the image and, when known, its path."""

    step: Step
    target: ast.Argument
    name: str
    path: Optional[str]


class ExtractWithAdd(Rule):
    """An archive copied in and unpacked by a later RUN stays in the image twice.

    ## What it does
    Reports a COPY of a local tar archive (`.tar`, `.tar.gz`, `.tgz`,
    `.tar.bz2`, `.tar.xz`, `.tar.zst`...) that a later RUN of the same
    image unpacks: `tar x` (any spelling: `tar xzf`, `tar -xf`,
    `tar --extract`), or a decompressor such as `gunzip`, `zcat` or `xz -d`.
    The RUN's operand must name the copied file: same file name, and the
    same path when both paths can be resolved (WORKDIR, `cd`, ARG/ENV).
    Stages whose layers never reach an image (builders used only through
    `COPY --from`) are not checked; ONBUILD COPY and RUN triggers are
    checked against each other.

    Differences from hadolint (DL3010): hadolint compares file names only,
    also checks builder stages, and counts any `.gz`, `.xz`, `.bz2`, `.Z` or
    `.lz` file: ADD unpacks tar archives only (plain or gzip, bzip2, xz,
    zstd compressed), so advising it for those would be wrong. It misses
    `tar xzf` written without a dash, which dflint reads.

    ## Why is this bad?
    The COPY layer keeps the archive for good, even when the RUN deletes
    it: the image carries the compressed archive and its unpacked files.
    `ADD app.tar.gz /opt/app/` unpacks a local tar archive in one layer
    without keeping it; when the RUN must do the unpacking (to strip
    components, or pick files), a bind mount reads the archive without
    copying it: `RUN --mount=type=bind,source=app.tar.gz,target=/tmp/app.tar.gz tar -xzf /tmp/app.tar.gz -C /opt`.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    COPY dist/app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    ADD dist/app.tar.gz /opt/
    ```

    ## Fix safety
    There is no fix: ADD unpacks into the destination as the archive is
    laid out, while the RUN may strip components, select files or change
    owners.
    """

    code = "DF307"
    name = "extract-with-add"
    summary = "Archive copied in, then unpacked by a RUN"
    severity = Severity.INFO
    aliases = ("DL3010",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if not _may_copy_archive(ctx.model):
            return  # most files; and each image stage's history repeats its parent's (quadratic in a chain)
        reported: set[int] = set()
        copied: dict[Step, list[_Archive]] = {}  # a parent's COPYs are met again in each child's history
        for stage in shipping_stages(ctx.model):
            for history in histories(ctx.model, stage):
                archives: list[_Archive] = []
                for step in history:
                    if isinstance(step.node, ast.CopyInstruction) and step.node.flag("from") is None \
                            and step.node.destination is not None:
                        known = copied.get(step)
                        if known is None:
                            known = copied[step] = _archives(ctx, step)
                        archives.extend(known)
                    elif isinstance(step.node, ast.RunInstruction) and archives:
                        for archive, command in _unpacked(ctx, step, archives):
                            if id(archive.target) in reported:
                                continue
                            reported.add(id(archive.target))
                            yield ctx.finding(
                                archive.target,
                                f"`{archive.name}` is copied into a layer here and unpacked by `{command.program}` "
                                f"on line {step.anchor.line}: the layer keeps the archive even if it is deleted "
                                f"later; use ADD, which unpacks a local tar archive without keeping it, or unpack "
                                f"from a `RUN --mount=type=bind`",
                                related=[(f"unpacked here by {command.program}", command.command)])


def _may_copy_archive(model) -> bool:
    """A COPY of the file (or an ONBUILD trigger's) may write a tar archive: a source or destination
    named like one, or one held in a variable."""
    for stage in model.stages:
        for node in stage.instructions:
            node = node.effective
            if isinstance(node, ast.CopyInstruction) and node.flag("from") is None:
                for word in (*node.sources, node.destination):
                    if word is not None and ("$" in word.value or archive_name(word.value)):
                        return True
    return False


def _archives(ctx: RuleContext, step: Step) -> list[_Archive]:
    """The tar archives a COPY writes, named as they land in the image."""
    node = step.node
    assert isinstance(node, ast.CopyInstruction) and node.destination is not None
    dest = destination(ctx.model, node, step.anchor)
    workdir = None if step.trigger else ctx.model.workdir_at(step.anchor)
    sources = [s for s in copy_sources(ctx.model, node, step.anchor) if s.kind == "local" and not s.glob]
    into = dest is None or into_directory(dest, len(node.sources))
    found = []
    for source in sources:
        assert source.value is not None
        name = posixpath.basename(source.value.rstrip("/"))
        if into:
            path = resolve(posixpath.join(dest, name), workdir) if dest is not None else None
            target = source.argument
        else:
            path = resolve(dest, workdir)
            name, target = posixpath.basename(dest), node.destination
        if archive_name(name) or archive_name(source.value):
            found.append(_Archive(step, target if archive_name(name) else source.argument, name, path))
    return found


def _unpacked(ctx: RuleContext, step: Step, archives: list[_Archive]):
    """(archive, invocation) for each archive a command of the RUN unpacks."""
    for run_step in run_steps(ctx.analysis, step.anchor):
        unpack = extraction(run_step.invocation)
        if unpack is None:
            continue
        for word, text in unpack.names:
            name, path = _operand(ctx, step, word, text, run_step.cwd)
            for archive in archives:
                if name == archive.name and (path is None or archive.path is None or path == archive.path):
                    yield archive, unpack.invocation


def _operand(ctx: RuleContext, step: Step, word: Word, text: str, cwd: Optional[str]) -> tuple[str, Optional[str]]:
    """The file name an operand names, and its absolute path when it can be known."""
    if "$" in text:
        expansion = None if step.trigger or "$(" in text or "`" in text else ctx.model.expand(step.anchor, text)
        if expansion is None or not expansion.resolved:
            return posixpath.basename(text), None
        text = expansion.value
    return posixpath.basename(text), resolve(text, cwd)
