"""DF212 lockfile-missing: `npm ci`, or a frozen pnpm or yarn install, where only package.json was copied."""

from __future__ import annotations

import posixpath
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import last_copy_of, may_have_copied
from dflint.model.layers import Step, mount_targets, program_text, run_steps
from dflint.model.paths import inside
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.inert import NO_PROJECT_FILES
from dflint.shell.tools import Invocation

#: npm's names for `npm ci` and `npm install-ci-test` (which runs it first).
_NPM_CI = frozenset("ci clean-install ic install-clean isntall-clean cit clean-install-test install-ci-test sit".split())
_NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json")
_PNPM_LOCKS = ("pnpm-lock.yaml",)
_YARN_LOCKS = ("yarn.lock",)
class LockfileMissing(Rule):
    """`npm ci`, or a frozen pnpm or yarn install, where the Dockerfile copied package.json without its lock file.

    ## What it does
    Reports `npm ci` (also `npm clean-install`, `npm install-clean`,
    `npm cit`...), `pnpm install --frozen-lockfile` and `yarn install
    --immutable` or `--frozen-lockfile` (also bare `yarn --immutable`), run
    in a directory where an earlier COPY or ADD of the stage (or of a stage
    it is built `FROM`) put `package.json` by name, when nothing can have
    put a lock file there (`package-lock.json` or `npm-shrinkwrap.json`
    for npm, `pnpm-lock.yaml` for pnpm, `yarn.lock` for yarn), nor in a
    directory above it (the lock of a workspace's root).

    Nothing is reported when a lock file may be there: a copy of the whole
    context or of a directory (`COPY . .`, `COPY app ./`), a glob
    (`COPY package*.json ./`), a copy from another stage or image, an
    archive ADD, a destination or source that cannot be resolved, a bind
    mount of the installing RUN on the lock file or a directory above it
    (`RUN --mount=type=bind,source=package-lock.json,target=package-lock.json
    npm ci`, as Docker's Node guide does; a relative target is in the
    WORKDIR) or on a target that cannot be resolved, or a RUN
    before the install that may write one (anything but package managers
    of the system and commands such as `mkdir`, `chown` or
    `npm install -g`). Nor when the directory is unknown, or changed by
    `npm --prefix`, `pnpm --dir` or `yarn --cwd`. A plain `yarn install`
    is not reported even with `CI` or `YARN_ENABLE_IMMUTABLE_INSTALLS` set:
    they make Yarn 2 and later refuse to create the lock, but Yarn 1 (the
    one the node images ship) ignores them and creates it, and which Yarn
    runs is set in package.json (`packageManager`), not in the Dockerfile.

    ## Why is this bad?
    `npm ci` installs exactly what the lock file pins, and only that: with
    no lock file it stops with "The `npm ci` command can only install with
    an existing package-lock.json or npm-shrinkwrap.json", and so does
    `pnpm install --frozen-lockfile` ("ERR_PNPM_NO_LOCKFILE") and Yarn 2
    and later with `--immutable` or `--frozen-lockfile` ("YN0028: The
    lockfile would have been created by this install, which is explicitly
    forbidden"). Yarn 1 ignores `--immutable`, and with `--frozen-lockfile`
    and no lock installs whatever versions are newest and writes no lock:
    the build passes but pins nothing. A `COPY package.json ./` that leaves
    the lock behind (often to "copy only the manifest first" for the build
    cache) breaks the build, or makes it unreproducible.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package.json ./
    RUN npm ci
    COPY . .
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    ```

    ## Fix safety
    There is no fix: whether the project has a lock file to copy (and
    which) cannot be seen from the Dockerfile.
    """

    code = "DF212"
    name = "lockfile-missing"
    summary = ("npm ci, pnpm install --frozen-lockfile or yarn install --immutable where package.json was copied "
               "without its lock file")
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        text = ctx.file.text
        if "npm" not in text and "yarn" not in text:
            return  # no npm ci, no pnpm or yarn install: most files
        model = ctx.model
        for stage in model.stages:
            for node in stage.instructions:
                if not isinstance(node, ast.RunInstruction):
                    continue
                run = text[node.span.start.offset:node.span.end.offset]
                if "npm" not in run and "yarn" not in run:
                    continue
                steps = run_steps(ctx.analysis, node)
                for step in steps:
                    locks = _strict_install(step.invocation)
                    if locks is None or step.cwd is None:
                        continue
                    manifest = last_copy_of(model, node, posixpath.join(step.cwd, "package.json"))
                    if manifest is None or manifest[1] is not None or manifest[0].flag("from") is not None:
                        continue  # not copied, or through a glob, or from another stage
                    if _lock_may_exist(ctx, node, steps[:step.index], step.cwd, locks):
                        continue
                    yield ctx.finding(step.command, _message(step, locks, manifest[0]),
                                      related=[("the copy of package.json", manifest[0])])


def _strict_install(invocation: Optional[Invocation]) -> Optional[tuple[str, ...]]:
    """The lock files one of which the command needs; None for any other command."""
    if invocation is None or invocation.has("--prefix", "-C", "--dir", "--cwd"):
        return None
    if invocation.program == "npm" and invocation.subcommand in _NPM_CI:
        return _NPM_LOCKS
    if invocation.program == "pnpm" and invocation.subcommand == "install" and not invocation.operands:
        option = invocation.option("--frozen-lockfile", "--no-frozen-lockfile")
        if option is not None and option.name == "--frozen-lockfile" and option.value in (None, "true"):
            return _PNPM_LOCKS
    if invocation.program == "yarn" and invocation.subcommand in (None, "install") and not invocation.operands:
        option = invocation.option("--immutable", "--frozen-lockfile")
        if option is not None and option.value in (None, "true"):
            return _YARN_LOCKS
    return None


def _lock_may_exist(ctx: RuleContext, node: ast.RunInstruction, earlier: list[Step], cwd: str,
                    locks: tuple[str, ...]) -> bool:
    """A lock file may be in ``cwd`` or a directory above it: copied, bind-mounted by this RUN (on the
    file or a directory above it), or written by a command before."""
    model = ctx.model
    mounts = [path for path, _ in mount_targets(ctx.analysis, node, ("bind",))]
    if any(path is None or "$" in path for path in mounts):
        return True  # a bind mount whose target cannot be known may put one there
    directory = cwd
    while True:
        for lock in (posixpath.join(directory, lock) for lock in locks):
            if may_have_copied(model, node, lock) is not None or any(inside(lock, path) for path in mounts):
                return True
        if directory == "/":
            break
        directory = posixpath.dirname(directory.rstrip("/")) or "/"
    stage = model.stage_of(node)
    for member in model.lineage(stage):
        writer = _first_writer(ctx, member)
        if member is stage and (writer is None or writer[0] >= _positions(ctx, member)[node]):
            return any(_may_write(step) for step in earlier)  # no RUN before node in its stage may write
        if writer is not None:
            return True
    return True  # not reached: node is in its own stage


def _positions(ctx: RuleContext, stage) -> dict[ast.Instruction, int]:
    """Where each instruction is in the stage. Remembered per stage."""
    memo = ctx.analysis.memo("lockfile-missing: positions")
    if stage.index not in memo:
        memo[stage.index] = {other: index for index, other in enumerate(stage.instructions)}
    return memo[stage.index]


def _first_writer(ctx: RuleContext, stage) -> Optional[tuple[int, ast.RunInstruction]]:
    """The first RUN of the stage (not its parents) that may write a lock file (its steps unknown, or
    one that may write, see _may_write) and its position; None when none may. Remembered per stage."""
    memo = ctx.analysis.memo("lockfile-missing: first writer")
    if stage.index not in memo:
        memo[stage.index] = next(
            ((index, other) for index, other in enumerate(stage.instructions) if isinstance(other, ast.RunInstruction)
             and (not (steps := run_steps(ctx.analysis, other)) or any(_may_write(step) for step in steps))), None)
    return memo[stage.index]


def _may_write(step: Step) -> bool:
    """The command may write a lock file somewhere (anything not known to leave project files alone)."""
    invocation = step.invocation
    if invocation is None:
        return bool(step.command.argv or any(r.writes_a_file for r in step.command.redirects))
    if any(r.writes_a_file for r in step.command.redirects):
        return True
    program = invocation.program
    if program in ("npm", "pnpm", "yarn"):
        return not invocation.has("-g", "--global") and invocation.subcommand not in ("config", "cache", "set")
    if program == "corepack":  # enable, prepare, install -g: shims and package managers, not a lock
        return bool(invocation.operands) and invocation.operands[0].value in ("use", "up")
    return program not in NO_PROJECT_FILES


def _message(step: Step, locks: tuple[str, ...], manifest: ast.Instruction) -> str:
    invocation = step.invocation
    verb = invocation.subcommand_word
    shown = program_text(invocation) + (f" {verb.value}" if verb is not None else "")
    if locks == _YARN_LOCKS:
        missing = f"line {manifest.line} copies package.json to {step.cwd} without yarn.lock"
        if invocation.has("--immutable"):
            return (f"`{shown} --immutable` fails with Yarn 2 and later (YN0028: the lockfile would have been "
                    f"created by this install): {missing}; copy the lock file there too")
        return (f"`{shown} --frozen-lockfile` pins nothing: {missing}, so Yarn 1 installs the newest matching "
                f"versions and writes no lock (Yarn 2 and later fail, YN0028); copy the lock file there too")
    if locks == _PNPM_LOCKS:
        return (f"`{shown} --frozen-lockfile` fails (ERR_PNPM_NO_LOCKFILE): line {manifest.line} copies "
                f"package.json to {step.cwd} without pnpm-lock.yaml; copy the lock file there too")
    return (f"`{shown}` fails: it installs only from a lock file, and line {manifest.line} copies package.json to "
            f"{step.cwd} without package-lock.json (or npm-shrinkwrap.json); copy the lock file there too")
