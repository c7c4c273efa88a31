"""DF405 cd-instead-of-workdir: `cd` in a RUN where WORKDIR says it better."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import Step, deletes, run_steps, user_home
from dflint.model.paths import inside, resolve
from dflint.model.users import DROPPING_IMAGES, NONROOT_IMAGES, nonroot_base
from dflint.rule import Finding, Rule, RuleContext

#: Stands for the base image's WORKDIR when it is not known, so relative paths still compare.
_UNKNOWN = "/\x00workdir"
_TEMPORARY = ("/tmp", "/var/tmp", "/dev/shm")
_TOP = frozenset({"brace"})
#: ``$NAME`` and ``${NAME}`` written either way, to compare a cd's directory with a WORKDIR's.
_BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class CdInsteadOfWorkdir(Rule):
    """`cd` in a RUN changes the directory for that RUN only; WORKDIR says it once, for all.

    ## What it does
    Reports the first `cd DIR` of a RUN script (`ONBUILD RUN` and heredoc
    scripts included) that changes the directory for the commands after
    it: at the top level of the script, not in a subshell
    `( cd x && make )`, a `$(...)`, an `if`/`||` branch, a loop, a pipeline
    or the script of `sh -c`, `su -c` or `eval`. A `cd` that ends the RUN is
    reported as having no effect, and a `cd` to the directory the RUN
    already runs in (`WORKDIR /app` then `RUN cd /app && make`) as
    changing nothing: it is to be dropped, and a later `cd` of the same
    script is still looked at (not in `ONBUILD RUN`, whose trigger runs in
    the downstream build's WORKDIR; nor when the directory depends on an
    `ARG`, which `--build-arg` may point elsewhere, unless the WORKDIR is
    written the same way: `WORKDIR $APPDIR` then `cd $APPDIR`).

    The advice is always an absolute `WORKDIR` (a relative one is what
    `workdir-relative` reports): a relative `cd pgvector` is resolved
    against the WORKDIR (`WORKDIR /src/pgvector`) when the Dockerfile
    shows it; when it does not, the message asks for an absolute path.

    `cd ~` goes to the home of the user the RUN runs as (`HOME` when set,
    else the USER's home from `/etc/passwd`): root's `/root` when the
    stage sets no USER, or the home a `useradd`/`adduser` of the
    Dockerfile gives the USER. When the Dockerfile does not show that home
    (a numeric or unknown USER, an image known to run as another user, an
    ONBUILD trigger), such a `cd` is not reported.

    Not reported, because WORKDIR cannot say the same: `cd -` and `cd`
    without a directory; a directory from a command substitution
    (`cd "$(mktemp -d)"`) or from a shell variable that is not an `ARG` or
    `ENV`; another user's home (`cd ~app`); a temporary directory (under `/tmp`, `/var/tmp`, `/dev/shm`);
    a directory the same RUN deletes later (`cd /src/jo && make install &&
    rm -rf /src/jo`: building in a directory that must not stay in the
    layer); and the way back from those (`cd ..`, `cd /`).

    PowerShell and `cmd` RUNs are not read; an exec-form RUN with no shell
    (`RUN ["wget", "..."]`) is read as its one command.

    Differences from hadolint's DL3003: hadolint reports every `cd`,
    including all of the cases above and those of PowerShell RUNs, but not
    those of heredoc scripts or `ONBUILD RUN`.

    ## Why is this bad?
    Each RUN starts in the WORKDIR again, so a `cd` holds only until the
    RUN ends; the next RUN, COPY, CMD or ENTRYPOINT does not see it. Chains
    of `cd` make it hard to tell where a command runs and where files
    land. `WORKDIR` states the directory once, creates it if needed, and
    holds for every later instruction.

    ## Example
    ```dockerfile
    FROM node:22-slim
    COPY . /app
    RUN cd /app && npm ci --omit=dev
    CMD ["node", "server.js"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci --omit=dev
    CMD ["node", "server.js"]
    ```

    ## Fix safety
    This rule has no fix: a WORKDIR also changes where later instructions
    run, which only the author can weigh.
    """

    code = "DF405"
    name = "cd-instead-of-workdir"
    summary = "`cd` in RUN to change directory, where WORKDIR says it for all instructions"
    severity = Severity.WARNING
    aliases = ("DL3003",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            trigger = node.effective
            if not isinstance(trigger, ast.RunInstruction):
                continue
            steps = run_steps(ctx.analysis, node)
            reported: set[int] = set()
            left: dict[int, list[str]] = {}  # per script: directories of cds not reported
            cwds = _directories(ctx, node, steps)
            for index, step in enumerate(steps):
                if id(step.script) in reported or not _top_level_cd(step):
                    continue
                word = step.invocation.operands[0]
                target = _target(ctx, node, word, cwds[index], step)
                if target is None or _temporary(target) or _deleted_later(ctx, node, steps, cwds, index, target) \
                        or any(inside(place, target) for place in left.get(id(step.script), ())):
                    # A temporary move, or the way back from one (`cd ..`, `cd /`).
                    left.setdefault(id(step.script), []).extend(p for p in (target, cwds[index]) if p)
                    continue
                here = (target.rstrip("/") or "/") if node.effective is node else None
                if here is not None and here == cwds[index] and here == ctx.model.workdir_at(node) \
                        and _fixed(ctx, node, word):
                    # Where the RUN is already: nothing to say with WORKDIR (not for ONBUILD, whose
                    # trigger runs in the downstream build's WORKDIR).
                    yield ctx.finding(step.command, f"`cd {word.value}` changes nothing: the RUN already runs in "
                                      f"{here}{_set_by(ctx, node)}; drop it")
                    continue
                reported.add(id(step.script))
                written = ctx.model.expand(node, word.value).value if word.has_expansion else word.value
                absolute = written.startswith("/")
                shown = word.value if absolute and not word.value.startswith("~") \
                    else None if target.startswith(_UNKNOWN) else target
                last = not any(s.script is step.script for s in steps[index + 1:])
                why = ("at the end of a RUN has no effect: the next instruction starts in the WORKDIR again"
                       if last else "changes the directory for the rest of this RUN only")
                if shown is None:  # relative to a directory the Dockerfile does not show
                    yield ctx.finding(step.command, f"`cd {word.value}` {why}; a WORKDIR holds for every later "
                                      f"instruction: use one with an absolute path (`{word.value}` is relative to "
                                      "a working directory this Dockerfile does not show)")
                    continue
                yield ctx.finding(step.command, f"`cd {word.value}` {why}; use `WORKDIR {shown}`, which holds "
                                  "for every later instruction")


def _set_by(ctx: RuleContext, node: ast.Instruction) -> str:
    """`` (WORKDIR on line N)``: the WORKDIR of ``node``'s lineage that set its directory last."""
    found = _last_workdir(ctx, node)
    return f" (WORKDIR on line {found.line})" if found is not None else ""


def _last_workdir(ctx: RuleContext, node: ast.Instruction) -> Optional[ast.WorkdirInstruction]:
    """The WORKDIR of ``node``'s lineage that set its directory last."""
    found = None
    for other in _before(ctx, node):
        if isinstance(other, ast.WorkdirInstruction):
            found = other
    return found


def _before(ctx: RuleContext, node: ast.Instruction) -> Iterator[ast.Instruction]:
    """The instructions of ``node``'s lineage before it."""
    stage = ctx.model.stage_of(node)
    for member in ctx.model.lineage(stage) if stage is not None else ():
        for other in member.instructions:
            if other is node:
                return
            yield other


def _top_level_cd(step: Step) -> bool:
    invocation, command = step.invocation, step.command
    if invocation is None or invocation.program != "cd" or len(invocation.operands) != 1:
        return False
    if not _TOP.issuperset(command.contexts) or command.operator == "||" or command.in_pipeline \
            or command.background:
        return False
    word = invocation.operands[0]
    return word.value != "-" and "$(" not in word.raw and "`" not in word.raw


def _directories(ctx: RuleContext, node: ast.Instruction, steps: list[Step]) -> list[Optional[str]]:
    """The working directory before each step (None: unknown), from top-level ``cd``s;
    an unknown WORKDIR becomes a placeholder so that relative paths still compare."""
    start = ctx.model.workdir_at(node) or _UNKNOWN
    cwd: dict[int, Optional[str]] = {}
    found: list[Optional[str]] = []
    for step in steps:
        current = cwd.setdefault(id(step.script), start)
        found.append(current)
        invocation = step.invocation
        if invocation is None or invocation.program not in ("cd", "pushd", "popd"):
            continue
        if not _TOP.issuperset(step.command.contexts):
            continue  # a subshell's or branch's cd does not move the script (or not surely)
        if invocation.program != "cd" or not _top_level_cd(step):
            cwd[id(step.script)] = None
            continue
        cwd[id(step.script)] = _target(ctx, node, invocation.operands[0], current, step)
    return found


def _target(ctx: RuleContext, node: ast.Instruction, word, current: Optional[str], step: Step) -> Optional[str]:
    """The directory ``cd word`` enters from ``current`` (ARG/ENV expanded, ``~`` the home of the
    user the RUN runs as), or None."""
    text = word.value
    if word.has_expansion:
        expansion = ctx.model.expand(node, text)
        if not expansion.resolved:
            return None
        text = expansion.value
    if text.startswith("~"):
        home = _home(ctx, node, step) if text == "~" or text.startswith("~/") else None
        if home is None:
            return None  # another user's home (`~app`), or a home the Dockerfile does not show
        text = home + text[1:]
    return resolve(text, current) if text and current else None


def _home(ctx: RuleContext, node: ast.Instruction, step: Step) -> Optional[str]:
    """The home directory of the user the RUN runs as (HOME when set): the USER's, or root's when
    the lineage sets no USER on an image not known to run as another user; None when unknown."""
    home = user_home(ctx.analysis, node, step)
    if home is not None:
        return home
    stage = ctx.model.stage_of(node)
    if stage is None or node.effective is not node \
            or nonroot_base(ctx.model, stage, NONROOT_IMAGES + DROPPING_IMAGES) is not None \
            or any(isinstance(other, ast.UserInstruction) for other in _before(ctx, node)):
        return None
    if "shell" in step.contexts or step.invocation is not None and step.invocation.via:
        return None  # run by `su -c`, `sudo`...: maybe another user
    return "/root"  # the base image's user: root for most images


def _fixed(ctx: RuleContext, node: ast.Instruction, word) -> bool:
    """``cd word`` goes to the same directory whatever --build-arg says: it depends on no ARG
    (ENV values are fine), or is written as the WORKDIR that set the directory (``WORKDIR $APPDIR``
    then ``cd $APPDIR``)."""
    if not word.has_expansion:
        return True
    scope = ctx.model.scope_at(node)
    used = ctx.model.expand(node, word.value).used
    if not any((variable := scope.get(name)) is not None and variable.kind != "env" for name in used):
        return True
    workdir = _last_workdir(ctx, node)
    return workdir is not None and workdir.value is not None \
        and _written(workdir.value.value) == _written(word.value)


def _written(text: str) -> str:
    return _BRACED.sub(r"$\1", text).rstrip("/") or "/"


def _temporary(path: str) -> bool:
    return any(inside(path, place) for place in _TEMPORARY)


def _deleted_later(ctx: RuleContext, node: ast.Instruction, steps: list[Step], cwds: list[Optional[str]],
                   index: int, target: str) -> bool:
    """A later ``rm`` of the same script removes ``target`` or a directory above it."""
    for later in range(index + 1, len(steps)):
        step = steps[later]
        invocation = step.invocation
        if invocation is None or invocation.program not in ("rm", "rmdir") or step.script is not steps[index].script:
            continue
        here = cwds[later] if _TOP.issuperset(step.command.contexts) else None
        for word in invocation.operands:
            path = _target(ctx, node, word, here, step)
            if path is not None and (path.rstrip("/") or "/") != "/" and deletes(path, target):
                return True
    return False
