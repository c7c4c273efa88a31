"""DF308 copy-ignored-file: COPY/ADD of a source the .dockerignore leaves out of the context."""

from __future__ import annotations

import os
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.dockerignore import find_dockerignore
from dflint.model.sources import copy_sources
from dflint.rule import Finding, Rule, RuleContext


class CopyIgnoredFile(Rule):
    """A COPY of a file the `.dockerignore` excludes copies nothing, or fails.

    ## What it does
    Reports a COPY or ADD source from the build context that the
    `.dockerignore` excludes: the file itself, or a directory above it, is
    matched by a pattern, and no later `!` exception can bring it (or
    anything below it) back. The ignore file is the one BuildKit reads for
    a build whose context is the Dockerfile's directory (`docker build -f
    dir/Dockerfile dir`): `<Dockerfile>.dockerignore` next to the
    Dockerfile, else `.dockerignore` in its directory. Without one, or for
    a Dockerfile read from standard input, nothing is reported; a context
    elsewhere cannot be seen. Sources are read after ARG/ENV expansion;
    `COPY --from`, URLs, git sources and ONBUILD triggers (they copy from
    another build's context) are not checked. The context root (`.`) is
    reported only when a pattern excludes everything (`*`, `**`).

    Same as BuildKit's `CopyIgnoredFile` check, except that BuildKit stays
    silent whenever the `.dockerignore` has any `!` exception, and does not
    strip a leading `/` from the source (`COPY /app.jar .` copies
    `app.jar` of the context).

    ## Why is this bad?
    Excluded files are never sent to the builder. `COPY secret.env /app/`
    then fails with "not found", and a wildcard or a directory copy
    silently copies less than it says: the image misses files the
    Dockerfile looks like it includes. Either the COPY or the
    `.dockerignore` is wrong.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY config/local.yml /app/config.yml
    ```
    with this `.dockerignore` next to the Dockerfile:
    ```dockerignore
    config/local.yml
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY config/production.yml /app/config.yml
    ```

    ## Fix safety
    There is no fix: whether the COPY or the `.dockerignore` is wrong is
    yours to decide.
    """

    code = "DF308"
    name = "copy-ignored-file"
    summary = "COPY/ADD of a file excluded by .dockerignore"
    severity = Severity.WARNING
    aliases = ("CopyIgnoredFile",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        copies = [node for node in ctx.instructions if isinstance(node, (ast.CopyInstruction, ast.AddInstruction))
                  and node.flag("from") is None and node.destination is not None]
        if not copies:
            return
        ignore = find_dockerignore(ctx.path)
        if ignore is None:
            return
        name = os.path.basename(ignore.path) if ignore.path else ".dockerignore"
        for node in copies:
            for source in copy_sources(ctx.model, node):
                if source.kind == "local" and source.value and ignore.ignored(source.value):
                    shown = "" if source.value == source.argument.value else f" ({source.value})"
                    yield ctx.finding(source.argument, f"{node.name} source `{source.argument.value}`{shown} is "
                                                       f"excluded by {name}: it is not in the build context, so "
                                                       f"{node.name} fails or copies less than it says; copy "
                                                       f"something else or stop ignoring it")
