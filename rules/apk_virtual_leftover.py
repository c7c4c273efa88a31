"""DF209 apk-virtual-leftover: `apk add --virtual` build dependencies never deleted in their RUN."""

from __future__ import annotations

import fnmatch
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.model.layers import Step, append_edit, run_steps, shipping_stages
from dflint.model.package_config import run_nodes
from dflint.rule import Finding, Option, Rule, RuleContext
from dflint.shell.package_managers import deleted_packages, virtual_packages


class ApkVirtualLeftover(Rule):
    r"""`apk add --virtual .build-deps` is meant to be deleted in the same RUN, or it ships.

    ## What it does
    Reports `apk add --virtual NAME` (or `-t NAME`) when no `apk del NAME`
    runs after it in the same RUN, on every path that ran the add (an
    `apk del` in an `||` branch or another `if` branch does not count). An
    `apk del NAME` in a later RUN does not help: the message points at it.
    A deletion whose name is a variable is taken as deleting the group.

    Groups whose names say they are meant to stay are not reported (the
    `keep` option: by default names with `run` or `persistent` in them,
    such as `.rundeps` and `.persistent-deps`, the runtime groups of the
    official images). Only stages whose layers can reach an image are
    checked: a builder stage that other stages only `COPY --from` never
    ships its packages.

    ## Why is this bad?
    A virtual package groups the compilers and headers a build needs so
    that one `apk del` removes them all. Left installed, they ship in the
    image: tens to hundreds of megabytes, and more code exposed to
    vulnerabilities. Deleted in a later RUN, they are hidden but still in
    the earlier layer.

    ## Example
    ```dockerfile
    FROM python:3.12-alpine
    RUN apk add --no-cache --virtual .build-deps gcc musl-dev libffi-dev \
        && pip install --no-cache-dir cffi==1.17.1
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-alpine
    RUN apk add --no-cache --virtual .build-deps gcc musl-dev libffi-dev \
        && pip install --no-cache-dir cffi==1.17.1 \
        && apk del .build-deps
    ```

    When the add is the last command of its RUN, nothing in the RUN uses
    the packages: the message says to install, use and `apk del` them in
    one RUN.

    ## Fix safety
    The fix appends `&& apk del NAME` after the last command of the RUN
    (when that command is at the top level of the RUN's only script). When
    the add is that last command, the fix is display-only: deleting the
    group straight after installing it does nothing useful and breaks a
    later RUN that needs it. Otherwise it is
    unsafe: a later RUN, or the running image, may need one of the packages,
    and `apk del` also removes packages the group pulled in that nothing
    else installed explicitly. When a later RUN deletes the group and
    commands run before that deletion (`pip install` in another RUN, or
    before `apk del` in its own), they are what the packages were kept for,
    and the fix is display-only. Otherwise the later RUN goes with the fix
    when `apk del NAME` is all it does (and no redirection of it writes a
    file): deleting the group again would fail
    (apk keeps no index under `--no-cache`, so the name is then unknown);
    when that RUN does more, the fix is display-only and says to take the
    name out of its `apk del`. The comments written for the dropped RUN go
    with it: the comment lines right above it with no blank line between
    (its description and its `# dflint: ignore=` and `# hadolint ignore=`
    pragmas), and the `# check=` comments BuildKit reads as its own, which
    may stand higher, across blank lines. Left behind, a pragma would cover
    the next instruction and silence its findings, and a description would
    seem to describe it. A `global` pragma, and a comment a blank line
    parts from the RUN (often a section heading), stay.
    """

    code = "DF209"
    name = "apk-virtual-leftover"
    summary = "apk add --virtual group not deleted in the same RUN"
    severity = Severity.WARNING
    fixable = True
    options = (Option("keep", list, ["*run*", "*persistent*"],
                      "Virtual package names (globs) meant to stay in the image; never reported"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        keep = ctx.options["keep"]
        stages = shipping_stages(ctx.model)
        nodes = list(run_nodes(stages))
        for position, node in enumerate(nodes):
            steps = run_steps(ctx.analysis, node)
            for step in steps:
                for option in virtual_packages(step.invocation):
                    name = option.value
                    if any(fnmatch.fnmatchcase(name, pattern) for pattern in keep) or \
                            any(later.follows(step) and _deletes(later, name) for later in steps[step.index + 1:]):
                        continue
                    found = _late_deletion(ctx, nodes[position + 1:], node, name)
                    target = option.value_word if option.value_word is not None else option.word
                    if found is not None:
                        other, late = found
                        # Commands that run between the add and the late `apk del` were left the packages on purpose.
                        used = late.index > 0 or any(n is not node and n is not other
                                                     for n in nodes[position + 1:nodes.index(other)])
                        yield ctx.finding(target, f"`apk del {name}` only runs in the RUN on line "
                                                  f"{late.command.line}: the packages of `{name}` stay in this layer; "
                                                  f"delete them at the end of this RUN",
                                          _fix(ctx, node, name, used, (other, late)),
                                          related=[("too late", late.command)])
                    elif not any(later.follows(step) for later in steps[step.index + 1:]):
                        yield ctx.finding(target, f"nothing in this RUN uses the packages of virtual group `{name}` "
                                                  f"after this add, and nothing deletes them: they ship in the image; "
                                                  f"install, use and `apk del {name}` them in one RUN",
                                          _fix(ctx, node, name, unused=True))
                    else:
                        yield ctx.finding(target, f"nothing deletes the packages of virtual group `{name}` after this "
                                                  f"add: they ship in the image; end the RUN with `apk del {name}`",
                                          _fix(ctx, node, name))


def _deletes(step: Step, name: str) -> bool:
    names = deleted_packages(step.invocation)
    return names is not None and any(word.value == name or word.has_expansion for word in names)


def _late_deletion(ctx: RuleContext, later: list[ast.Instruction], node: ast.Instruction,
                   name: str) -> Optional[tuple[ast.Instruction, Step]]:
    stage = ctx.model.stage_of(node)
    for other in later:
        if isinstance(other, ast.OnbuildInstruction) != isinstance(node, ast.OnbuildInstruction):
            continue
        if ctx.model.stage_of(other) is not stage and stage not in ctx.model.lineage(ctx.model.stage_of(other)):
            continue
        found = next((s for s in run_steps(ctx.analysis, other) if _deletes(s, name)), None)
        if found is not None:
            return other, found
    return None


def _fix(ctx: RuleContext, node: ast.Instruction, name: str, used_later: bool = False,
         late: Optional[tuple[ast.Instruction, Step]] = None, unused: bool = False):
    """Append ``apk del NAME`` to ``node``; the later RUN that deleted the group goes with it, as
    deleting it again fails (apk knows no such package once the group is gone and no index is kept).
    ``unused``: the add ends the RUN, so the deletion would follow it at once."""
    edit = append_edit(ctx.analysis, node, f"apk del {name}")
    if edit is None:
        return None
    point, text = edit
    append = ctx.edit(point, point, text)
    if unused:
        # Installing then deleting at once does nothing; a later RUN that needs the packages would break.
        return ctx.fix(f"Append `&& apk del {name}` (display only: nothing in this RUN uses the packages; "
                       f"move the commands that need them into this RUN before the `apk del`)", append,
                       applicability=Applicability.DISPLAY)
    if used_later:
        return ctx.fix(f"Append `&& apk del {name}` (display only: commands before the later `apk del` "
                       f"may need the packages)", append, applicability=Applicability.DISPLAY)
    if late is None:
        return ctx.fix(f"Append `&& apk del {name}`", append, applicability=Applicability.UNSAFE)
    other, step = late
    if not _only_deletes(ctx, other, step, name):
        return ctx.fix(f"Append `&& apk del {name}` (display only: then take `{name}` out of the `apk del` on "
                       f"line {step.command.line}, which would fail on it)", append,
                       applicability=Applicability.DISPLAY)
    return ctx.fix(f"Append `&& apk del {name}` and drop the RUN on line {other.line}", append, ctx.removal(other),
                   applicability=Applicability.UNSAFE)


def _only_deletes(ctx: RuleContext, node: ast.Instruction, step: Step, name: str) -> bool:
    """``node`` is a RUN of one command, ``step``'s ``apk del NAME`` and nothing else (no file written
    by a redirection, which dropping the RUN would lose)."""
    names = deleted_packages(step.invocation) or []
    commands = [command for script in ctx.commands(node) for command in script.commands]
    return len(commands) == 1 and [word.value for word in names] == [name] \
        and not any(redirect.writes_a_file for redirect in commands[0].redirects)
