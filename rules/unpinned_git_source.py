"""DF309 unpinned-git-source: a git repository cloned or ADDed at a branch, which moves, not at a tag or commit."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import git_command, run_steps
from dflint.model.package_config import run_nodes
from dflint.model.sources import is_git_source
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import branch_like

# What moves a clone to a chosen commit afterwards, in the same RUN.
_CHECKOUTS = frozenset({"checkout", "switch", "reset"})


class UnpinnedGitSource(Rule):
    r"""A git repository taken at a branch (`git clone URL`, `ADD URL.git`): each build may get other code.

    ## What it does
    Reports where a build takes a git repository at a branch rather than
    at a tag or a commit:
    - `git clone URL` in a RUN without `--branch`/`-b`, or with a branch
      name (no digit in it: `main`, `develop`), unless the same RUN then
      runs `git checkout`, `git switch` or `git reset` (a commit or tag);
    - `ADD` of a git URL without a ref (`ADD https://github.com/o/r.git
      /src`), with a fragment ref that has no digit (`#main`), or with a
      `?branch=` query (Dockerfile 1.18); `?tag=`, `?checksum=`/`?commit=`
      and `--checksum` pin it.

    A ref with a digit counts as a tag or a commit (`v1.2.3`, `2024.05`,
    `3f2a9c1`); one held in a variable is not judged. ONBUILD RUNs are
    read too. hadolint and BuildKit have no such check.

    ## Why is this bad?
    A branch moves with every push. `ADD` resolves it again at each build,
    so two builds of the same Dockerfile can contain different code; a RUN
    is cached by its text, so the image keeps an old commit until the
    cache is lost, then jumps to whatever the branch holds that day. The
    build is not reproducible, and a bad upstream commit reaches the image
    unreviewed.

    ## Example
    ```dockerfile
    FROM golang:1.22
    RUN git clone --depth 1 https://github.com/example/tool.git /src \
        && make -C /src install
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22
    RUN git clone --depth 1 --branch v1.4.2 https://github.com/example/tool.git /src \
        && make -C /src install
    ```

    ## Fix safety
    There is no fix: which tag or commit to pin is for you to choose.
    """

    code = "DF309"
    name = "unpinned-git-source"
    summary = "A git repository cloned or ADDed at a branch, which moves, not at a tag or commit"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in run_nodes(ctx.model.stages):
            steps = run_steps(ctx.analysis, node)
            for index, step in enumerate(steps):
                if not _runs_git(step):
                    continue  # most commands: git_command() would read every word to find out
                git = git_command(step.command)
                operands = git.clone_operands() if git is not None else ()
                if not operands or not _remote(operands[0].value) or not operands[0].literal:
                    continue
                branch = git.clone_branch()
                if branch is not None and (branch.value is None or "$" in branch.value
                                           or not branch_like(branch.value)):
                    continue  # a tag, or not known here
                if any(_runs_git(other) and (later := git_command(other.command)) is not None
                       and later.name in _CHECKOUTS for other in steps[index + 1:]):
                    continue
                where = f"the tip of branch `{branch.value}`, which moves" if branch is not None else \
                    "the repository's default branch as it is that day"
                yield ctx.finding(
                    step.command,
                    f"`git clone {operands[0].value}` checks out {where}; the build cache keeps that day's commit "
                    "until it is lost, so builds of this Dockerfile get different code: clone a tag "
                    "(`--branch v1.2.3`) or check out a commit after cloning")
        for node in ctx.instructions:
            if isinstance(node, ast.AddInstruction) and node.flag("checksum") is None:
                for source in node.sources:
                    value = ctx.model.expand(node, source.value)
                    if not value.resolved or not is_git_source(value.value):
                        continue
                    moving = _moving_ref(value.value)
                    if moving is not None:
                        yield ctx.finding(
                            source,
                            f"ADD takes {value.value} at {moving}, resolved again at every build: builds of this "
                            "Dockerfile get different code; pin a tag or commit (`#v1.2.3`, or `?tag=` / "
                            "`?checksum=<commit>` with Dockerfile 1.18 or later)")


def _runs_git(step) -> bool:
    return step.invocation is not None and step.invocation.program == "git"


def _remote(url: str) -> bool:
    return "://" in url or re.match(r"[\w.-]+@[\w.-]+:", url) is not None


def _moving_ref(url: str) -> Optional[str]:
    """How a git source URL names a moving ref (``the default branch``, ``branch `main```); None when pinned."""
    before, _, fragment = url.partition("#")
    query = dict(pair.partition("=")[::2] for pair in before.partition("?")[2].split("&") if pair)
    if query.get("tag") or query.get("checksum") or query.get("commit"):
        return None
    if query.get("branch"):
        return f"branch `{query['branch']}`"
    ref = query.get("ref") or fragment.partition(":")[0]
    if not ref:
        return "its default branch"
    return f"branch `{ref}`" if branch_like(ref) else None
