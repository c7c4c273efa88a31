"""DF210 lockfile-ignored: npm, yarn or pnpm install that may rewrite the lock file the Dockerfile copied."""

from __future__ import annotations

import posixpath
from typing import Iterator, NamedTuple, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import last_copy_of
from dflint.model.layers import program_text, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import Invocation


class Lock(NamedTuple):
    """A package manager's lock file and the command that installs exactly what it pins."""

    file: str
    strict: str


class LockfileIgnored(Rule):
    """`npm install` with a copied package-lock.json: use `npm ci`, which installs exactly the lock.

    ## What it does
    Reports a RUN that installs a Node project's dependencies with a
    command that may change its lock file, when the Dockerfile copied that
    lock file to the directory the command runs in:
    - `npm install` (`npm i`) with no package named, with
      `package-lock.json`: use `npm ci`;
    - `yarn` or `yarn install` without `--frozen-lockfile` or
      `--immutable`, with `yarn.lock` (with Yarn 1's `--pure-lockfile`
      the lock is never written, but what is installed may still differ
      from it);
    - `pnpm install` without `--frozen-lockfile`, with `pnpm-lock.yaml`.

    The lock file counts as copied when an earlier COPY or ADD of the
    stage (or of a stage it is built `FROM`) writes exactly that path,
    named or through a glob (`COPY package*.json ./`); the directory is the
    command's working directory (WORKDIR, or a `cd` in the RUN). A copy of
    the whole context (`COPY . .`) is not enough: whether it holds a lock
    file cannot be seen here.

    hadolint and BuildKit have no such check.

    ## Why is this bad?
    These commands treat the lock file as a starting point: where it and
    package.json disagree (a dependency added or bumped without running the
    install again), they resolve new versions from the registry that day
    and rewrite the lock, without a word. Two builds of the same commit can
    then ship different dependencies, which is what the lock file exists to
    prevent. The strict commands install exactly what the lock pins, and
    stop the build when it is out of date.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm install && npm cache clean --force
    COPY . .
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci && npm cache clean --force
    COPY . .
    ```

    ## Fix safety
    There is no fix: the strict command fails where the lock file is out of
    date, which the next build would then show; `npm ci` also deletes an
    existing `node_modules` first.
    """

    code = "DF210"
    name = "lockfile-ignored"
    summary = "npm, yarn or pnpm install that may rewrite the lock file the Dockerfile copied"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        text = ctx.file.text
        if "npm" not in text and "yarn" not in text:
            return  # no npm, pnpm or yarn: most files
        model = ctx.model
        for stage in model.stages:
            for node in stage.instructions:
                if not isinstance(node, ast.RunInstruction) or not _mentions_installer(text, node):
                    continue
                for step in run_steps(ctx.analysis, node):
                    lock = _lenient_install(step.invocation)
                    if lock is None or step.cwd is None:
                        continue
                    path = posixpath.join(step.cwd, lock.file)
                    found = last_copy_of(model, node, path)
                    if found is None:
                        continue
                    source, glob = found
                    copy = f"`{glob}` on line {source.line} copies it if the project has one" if glob else \
                        f"copied on line {source.line}"
                    verb = step.invocation.subcommand_word
                    shown = program_text(step.invocation) + (f" {verb.value}" if verb is not None else "")
                    if step.invocation.has("--pure-lockfile"):  # Yarn 1 never writes the lock then
                        harm = (f"`{shown} --pure-lockfile` never writes {path} ({copy}), but where it disagrees "
                                "with package.json it installs newly resolved versions without failing")
                    else:
                        harm = (f"`{shown}` may resolve new versions and rewrite {path} ({copy}) where it "
                                "disagrees with package.json")
                    yield ctx.finding(
                        step.command,
                        f"{harm}; {lock.strict} installs exactly what the lock pins and fails when it is "
                        "out of date",
                        related=[("the copy of the lock file", source)])


def _mentions_installer(text: str, node: ast.Instruction) -> bool:
    written = text[node.span.start.offset:node.span.end.offset]
    return "npm" in written or "yarn" in written


def _lenient_install(invocation: Optional[Invocation]) -> Optional[Lock]:
    """The lock file a dependency install may rewrite, and the strict command; None for any other command."""
    if invocation is None or invocation.operands:
        return None  # no install, or packages named (`npm install express`): they are added to the lock
    program, subcommand = invocation.program, invocation.subcommand
    if program == "npm" and subcommand == "install" and not invocation.has("-g", "--global"):
        return Lock("package-lock.json", "`npm ci`")
    if program == "yarn" and subcommand in (None, "install") \
            and not invocation.has("--frozen-lockfile", "--immutable"):
        return Lock("yarn.lock", "`yarn install --frozen-lockfile` (Yarn 1) or `--immutable` (Yarn 2 and later)")
    if program == "pnpm" and subcommand == "install" and not invocation.has("--frozen-lockfile"):
        return Lock("pnpm-lock.yaml", "`pnpm install --frozen-lockfile`")
    return None
