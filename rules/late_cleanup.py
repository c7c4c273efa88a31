"""DF004 late-cleanup: deleting in a later RUN what an earlier layer created saves nothing."""

from __future__ import annotations

import re
from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.layers import Created, LateRemoval, late_removals
from dflint.rule import Finding, Rule, RuleContext


_ARCHIVE = re.compile(r".*\.(?:tar|tar\.(?:gz|bz2|xz|zst)|tgz|tbz2?|txz)$")


class LateCleanup(Rule):
    """Files deleted in a later layer than the one that created them still ship in the image.

    ## What it does
    Follows the layers of each image the build can produce (the last stage,
    or any stage no other stage uses, i.e. a `--target`, after the stages it
    is built `FROM`, in build order) and remembers what each
    instruction created: `COPY` and `ADD` destinations (resolved against
    `WORKDIR`, with `ARG`/`ENV` values), files saved by `curl -o`/`-O` and
    `wget`, repositories from `git clone`, and package caches and indexes
    left by a RUN (see `package-cache`). A later RUN that deletes one of
    them (an `rm` operand, or a cleaning command such as `apt-get clean` or
    `yum clean all`) is reported at that operand or command, with a note
    pointing at the instruction that created the files.

    Not reported: a RUN that deletes what it created itself; paths that
    cannot be resolved (an unset variable, a relative path under an unknown
    `WORKDIR`); files inside a directory that was copied as a whole (they may
    have been created later, e.g. by a build); builder stages only used
    through `COPY --from`, whose layers never ship. `ONBUILD` triggers are
    not followed: they run in another build.
    hadolint has no equivalent rule.

    ## Why is this bad?
    Each RUN, COPY and ADD adds a read-only layer. Deleting a file in a later
    layer only hides it: the bytes stay in the earlier layer, so the image is
    exactly as large, pulls as slowly, and anyone with the image can extract
    the file (a copied key or token is *not* gone). The deletion is dead
    code that suggests a saving that never happens.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    COPY app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    RUN rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN --mount=type=bind,source=app.tar.gz,target=/tmp/app.tar.gz \
        tar -xzf /tmp/app.tar.gz -C /opt
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    This rule has no fix: moving work between layers (or reading a file
    through a bind mount instead of copying it) is a change to review.
    """

    code = "DF004"
    name = "late-cleanup"
    summary = "Files deleted in a later layer than the one that created them"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for late in late_removals(ctx.analysis):
            first = late.created[0]
            seen = set()
            related = []
            for item in late.created:
                if id(item.node) not in seen:
                    seen.add(id(item.node))
                    related.append((f"{item.how} created it in this layer", item.span))
            yield ctx.finding(late.removal.span, _message(late, first), related=related)


def _message(late: LateRemoval, created: Created) -> str:
    what = created.cache.what if created.kind == "cache" else late.path
    return (f"`{late.removal.text}` saves nothing: the earlier layer of `{created.how}` (line "
            f"{created.span.start.line}) keeps {what}; {_advice(late, created)}")


def _advice(late: LateRemoval, created: Created) -> str:
    if created.kind == "cache":
        return "clean up in the RUN that fills the cache, or use a cache mount"
    if created.how == "git clone":
        return "clone, build and delete in one RUN"
    source = created.source or "..."
    if not created.how.startswith(("COPY", "ADD")) or "://" in source:
        return "download, use and delete it in one RUN"
    origin = created.node.flag("from")
    mount = f"RUN --mount=type=bind,{f'from={origin.value},' if origin else ''}source={source},target={late.path}"
    if origin is None and created.how == "COPY" and _ARCHIVE.match(source):
        return f"read it through `{mount}` instead of copying it, or let ADD extract the archive"
    return f"read it through `{mount}` instead of copying it"
