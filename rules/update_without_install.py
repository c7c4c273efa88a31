"""DF207 update-without-install: a package index refreshed in a RUN that installs nothing."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.history import histories
from dflint.model.layers import Step, command_span, program_text, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import index_refresh, reads_index, reread

#: Programs that neither install packages nor run other programs.
_INERT = frozenset("true false : echo printf rm mkdir rmdir ln cp mv touch chmod chown chgrp cd export set test [ "
                   "sleep cat tee sed grep curl wget gpg apt-key tar gzip mktemp dirmngr".split())


class UpdateWithoutInstall(Rule):
    r"""`RUN apt-get update` on its own caches an index that later installs read however old it gets.

    ## What it does
    Reports an index refresh — `apt-get update` (`apt`, `aptitude`), `apk
    update`, `yum`/`dnf`/`microdnf`/`tdnf makecache` or `check-update`,
    `zypper refresh`, `pacman -Sy` without targets — when nothing after it
    in the same RUN reads that index (an install, upgrade or search of the
    same package manager), and either a later RUN of the image installs
    from it without refreshing it first, or the RUN does nothing else (only
    commands like `echo`, `curl`, `gpg`, `rm` besides the refresh).

    A RUN that refreshes and then runs something that may install (a
    script, `make`) is reported only when a later RUN relies on the index.
    Later RUNs are those of the same stage and of the stages built `FROM`
    it; ONBUILD triggers are compared with the triggers after them.

    Trivy (DS017) and Checkov (CKV_DOCKER_5) report every RUN with an
    `update` not followed by an install; they read `yum update` as a
    refresh, but it upgrades every package (see DF208 `system-upgrade`).

    ## Why is this bad?
    The build cache keys a RUN on its text, not on the mirror: once `RUN
    apt-get update` is cached, it never runs again, and a later `RUN
    apt-get install` (changed, so not cached) installs from an index that
    can be months old: old versions, or "404 Not Found" for packages the
    mirror has since replaced. The index also stays in the image.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update
    RUN apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update \
        && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    This rule has no fix; DF006 `consecutive-run` offers to merge two
    adjacent RUNs.
    """

    code = "DF207"
    name = "update-without-install"
    summary = "Package index refreshed in a RUN that installs nothing"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        # (RUN, step index) -> the refresh, its family, the RUN, and the first later reader found
        found: dict[tuple[int, int], tuple[Step, str, ast.Instruction, Optional[Step]]] = {}
        # stage index -> the refreshes of its lineage that no later command has read or refreshed again
        unread: dict[int, list[tuple[Step, str, ast.Instruction]]] = {}
        model = ctx.model
        for stage in model.stages:
            # A child's lineage is its parent's plus its own RUNs: follow only those, from where the parent left off.
            lineage = model.lineage(stage)
            start = len(lineage)
            while start > 0 and lineage[start - 1].index not in unread:
                start -= 1
            pending = unread[lineage[start - 1].index] if start else []
            for member in lineage[start:]:
                runs = [node for node in member.instructions if isinstance(node, ast.RunInstruction)]
                pending = unread[member.index] = _follow(ctx, runs, pending, found)
            for history in list(histories(model, stage))[1:]:  # the ONBUILD triggers, on their own
                _follow(ctx, [item.anchor for item in history if isinstance(item.node, ast.RunInstruction)], [], found)
        for step, family, node, later in found.values():
            if later is None and not _only_refreshes(run_steps(ctx.analysis, node), family):
                continue
            if later is not None:
                why = (f"the build caches it, so the `{_shown(later)}` on line {later.command.line} may read an "
                       f"old index")
                related = [("reads the index", command_span(later))]
            else:
                why, related = "nothing reads the index it downloads, which stays in the layer", []
            yield ctx.finding(command_span(step), f"`{_shown(step)}` in a RUN that installs nothing: {why}; "
                                                  f"refresh and install in the same RUN", related=related)


def _shown(step: Step) -> str:
    invocation = reread(step.invocation)
    verb = invocation.subcommand_word
    if invocation.program == "pacman":
        verb = next((o.word for o in invocation.options if o.name in ("-S", "--sync")), None)
    return program_text(invocation) + (f" {verb.value}" if verb is not None else "")


def _lonely_refreshes(ctx: RuleContext, node: ast.Instruction) -> Iterator[tuple[Step, str]]:
    """Refreshes in ``node`` that nothing after them in the RUN reads."""
    steps = run_steps(ctx.analysis, node)
    for step in steps:
        family = index_refresh(reread(step.invocation))
        if family is not None and not any(reads_index(reread(s.invocation), family) for s in steps[step.index + 1:]):
            yield step, family


def _follow(ctx: RuleContext, runs: list[ast.Instruction], pending: list[tuple[Step, str, ast.Instruction]],
            found: dict) -> list[tuple[Step, str, ast.Instruction]]:
    """Carries the ``pending`` refreshes through ``runs``, adding the lonely refreshes of each RUN, and
    records in ``found`` the first command that reads a refreshed index; returns those still unread."""
    for node in runs:
        steps = run_steps(ctx.analysis, node)
        still = []
        for refresh in pending:
            ended, reader = _reader(steps, refresh[1])
            if not ended:
                still.append(refresh)
            elif reader is not None:
                step, family, origin = refresh
                key = (id(origin), step.index)
                if found[key][3] is None:
                    found[key] = (step, family, origin, reader)
        for step, family in _lonely_refreshes(ctx, node):
            found.setdefault((id(node), step.index), (step, family, node, None))
            still.append((step, family, node))
        pending = still
    return pending


def _reader(steps: list[Step], family: str) -> tuple[bool, Optional[Step]]:
    """(the search ends here, the first command of ``steps`` that reads the ``family`` index): it
    ends at a reader, or at a refresh of the index, before any command reads it."""
    for step in steps:
        invocation = reread(step.invocation)
        if index_refresh(invocation) == family:
            return True, None
        if reads_index(invocation, family):
            return True, step
    return False, None


def _only_refreshes(steps: list[Step], family: str) -> bool:
    """The RUN runs nothing but index refreshes, cleanups of the same tool and inert commands."""
    for step in steps:
        invocation = reread(step.invocation)
        if invocation is None or invocation.program in _INERT or index_refresh(invocation) is not None:
            continue
        if invocation.program in ("apt-get", "apt", "aptitude", "apk", "yum", "dnf", "dnf5", "microdnf", "tdnf",
                                  "zypper", "pacman") and not reads_index(invocation, family):
            continue
        return False
    return True
