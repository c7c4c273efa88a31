"""DF306 relative-copy-without-workdir: COPY/ADD to a relative path before any WORKDIR."""

from __future__ import annotations

import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.build import Stage
from dflint.model.sources import destination
from dflint.rule import Finding, Rule, RuleContext

_ABSOLUTE = re.compile(r"[/\\]|[A-Za-z]:")


class RelativeCopyWithoutWorkdir(Rule):
    r"""A relative COPY destination lands wherever the base image's WORKDIR points.

    ## What it does
    Reports a COPY or ADD whose destination is a relative path (`.`,
    `app/`, `config.yml`) when no WORKDIR was set before it, in its stage or
    in the stages it is built `FROM`. Destinations are read after ARG/ENV
    expansion (`ENV APP=/srv/app` then `COPY . $APP` is absolute); one whose
    value cannot be known is not reported. Stages built `FROM scratch`
    start in `/` and are not reported. An ONBUILD COPY runs at the start
    of the image built FROM this one, so it is reported only when this
    stage never sets a WORKDIR. A Windows path such as `C:\app` is
    absolute.

    Differences from hadolint (DL3045): hadolint checks COPY only, ignores
    ONBUILD triggers and skips any destination starting with `$`; dflint
    checks ADD too and reads the variables, so `COPY . ${APP_DIR}` with
    `ARG APP_DIR=app` is reported.

    ## Why is this bad?
    The files end up in the base image's working directory, which the
    Dockerfile does not show: `/` for most distribution images, `/go` for
    `golang`, `/usr/local/tomcat` for `tomcat`. When the base image changes
    its WORKDIR, or you change base images, the application moves and
    the later `RUN` and `CMD` no longer find it.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Fix safety
    There is no fix: which directory the files belong in is yours to
    choose. `WORKDIR` with the base image's directory keeps the build as
    it is.
    """

    code = "DF306"
    name = "relative-copy-without-workdir"
    summary = "COPY/ADD to a relative destination without WORKDIR"
    severity = Severity.WARNING
    aliases = ("DL3045",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        known: dict[int, bool] = {}  # stage index -> a stage of its lineage sets WORKDIR
        for stage in model.stages:
            lineage = model.lineage(stage)
            if lineage[0].base.is_scratch:
                continue
            ever = _workdir_in_lineage(lineage, known)
            before = len(lineage) > 1 and known[lineage[-2].index]
            for node in stage.instructions:
                before = before or isinstance(node, ast.WorkdirInstruction)
                copy = node.effective
                if not isinstance(copy, (ast.CopyInstruction, ast.AddInstruction)) or copy.destination is None:
                    continue
                trigger = copy is not node
                if ever if trigger else (before or model.workdir_at(node) is not None):
                    continue
                value = destination(model, copy, node)
                if value is None or _ABSOLUTE.match(value):
                    continue
                root = lineage[0].base.argument
                where = "the image built FROM this one" if trigger else \
                    f"the base image{f' ({root.value})' if root is not None else ''}"
                yield ctx.finding(copy.destination, f"{copy.name} to the relative path `{copy.destination.value}` "
                                                    f"with no WORKDIR set: the files land in whatever working "
                                                    f"directory {where} has; set WORKDIR first or use an absolute "
                                                    f"path")


def _workdir_in_lineage(lineage: tuple[Stage, ...], known: dict[int, bool]) -> bool:
    """A stage of ``lineage`` sets WORKDIR. Remembered per stage in ``known`` and combined with the
    parent's answer: a chain of N stages reads each stage once, not once per descendant."""
    start = len(lineage)
    while start > 0 and lineage[start - 1].index not in known:
        start -= 1
    ever = start > 0 and known[lineage[start - 1].index]
    for member in lineage[start:]:
        ever = known[member.index] = ever or _sets_workdir(member)
    return ever


def _sets_workdir(stage: Stage) -> bool:
    return any(isinstance(node, ast.WorkdirInstruction) for node in stage.instructions)
