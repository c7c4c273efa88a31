"""DF701 workdir-relative: a relative WORKDIR that depends on the base image's working directory."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.expansion import ExpansionError, Lexer
from dflint.rule import Finding, Rule, RuleContext

_DRIVE = re.compile(r"[A-Za-z]:")


class WorkdirRelative(Rule):
    r"""A relative WORKDIR before any absolute one resolves against the base image's working directory.

    ## What it does
    Reports the first WORKDIR of a stage's lineage (the stage and the stages
    it is built `FROM`) when its path is relative after ARG/ENV expansion,
    as BuildKit's `WorkdirRelativePath` does. Later relative WORKDIRs are
    not reported: they resolve against a directory this Dockerfile set, and
    fixing the first one fixes them. The first ONBUILD WORKDIR trigger is
    checked too when the stage's lineage sets no WORKDIR: it runs in the
    image built FROM this one, in the working directory this image leaves.

    Absolute means starting with `/`, and also with `\` or a drive letter
    (`C:\app`), as in Windows images. Not reported: a path that depends on
    a variable that cannot be known (the base image's `$HOME`), and stages
    built on `scratch`, whose working directory is always `/`.

    Differences from hadolint's DL3000: hadolint reports every relative
    WORKDIR, also after an absolute one (`WORKDIR /app` then
    `WORKDIR src` is `/app/src`, fully determined), and stages on `scratch`;
    it never reports a path starting with a variable, whatever its value.

    ## Why is this bad?
    A relative WORKDIR is relative to the working directory the base image
    happens to set. When a new version of the base image changes it, files
    land in another directory and `CMD`/`ENTRYPOINT` paths break, without any
    change to this Dockerfile. `~` is not expanded either: `WORKDIR ~/app`
    is a directory named `~`.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    WORKDIR usr/share/nginx/html
    COPY public .
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    WORKDIR /usr/share/nginx/html
    COPY public .
    ```

    ## Fix safety
    There is no fix: the absolute path depends on the base image's working
    directory, which dflint cannot see.
    """

    code = "DF701"
    name = "workdir-relative"
    summary = "Relative WORKDIR without an absolute one before it"
    severity = Severity.WARNING
    aliases = ("DL3000", "WorkdirRelativePath")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        workdir_set: dict[int, bool] = {}
        for stage in model.stages:
            scratch = model.lineage(stage)[0].base.is_scratch
            seen = workdir_set.get(stage.parent, False) if stage.parent is not None else False
            triggers = []
            for node in stage.instructions:
                if isinstance(node, ast.OnbuildInstruction):
                    if isinstance(node.trigger, ast.WorkdirInstruction) and node.trigger.value is not None:
                        triggers.append(node)
                    continue
                if not isinstance(node, ast.WorkdirInstruction) or node.value is None:
                    continue
                if not seen and not scratch:
                    yield from self._report(ctx, node, node, trigger=False)
                seen = True  # BuildKit checks only the first WORKDIR: it fixes the later ones
            workdir_set[stage.index] = seen
            # Triggers run at the start of a build FROM this image, in the WORKDIR this stage leaves.
            if triggers and not seen and not scratch:
                yield from self._report(ctx, triggers[0], triggers[0].trigger, trigger=True)

    def _report(self, ctx: RuleContext, anchor: ast.Instruction, node: ast.WorkdirInstruction,
                trigger: bool) -> Iterator[Finding]:
        path = _path(ctx, anchor, node, trigger)
        if path is None or _absolute(path):
            return
        written = node.value.value
        shown = f"`{path}`" + (f" ({written} with the ARG defaults)" if path != written and "$" in written else "")
        kind = "ONBUILD WORKDIR" if trigger else "WORKDIR"
        where = ", which this image keeps for the builds it triggers" if trigger else ""
        tilde = " (`~` is not expanded)" if path.startswith("~") else ""
        yield ctx.finding(node.value, f"relative {kind} {shown}{tilde} depends on the working directory of "
                          f"the base image{where}: use an absolute path")


def _path(ctx: RuleContext, anchor: ast.Instruction, node: ast.WorkdirInstruction, trigger: bool) -> Optional[str]:
    text = node.value.value if node.value is not None else ""
    if trigger:
        if "$" in text:
            return None  # expanded in the downstream build's scope
        try:
            return Lexer(ctx.file.escape).process_word(text).value or None
        except ExpansionError:
            return None
    expansion = ctx.model.expand(anchor, text)
    return expansion.value or None if expansion.resolved else None


def _absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(_DRIVE.match(path))
