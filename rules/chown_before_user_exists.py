"""DF512 chown-before-user-exists: COPY --chown names a user or group the stage creates only later."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.history import histories
from dflint.model.users import AccountIndex, LateAccount, created_later, numeric_owner, windows_stage
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import parse_command


class ChownBeforeUserExists(Rule):
    """`COPY --chown` names a user or group that a later RUN of the stage creates.

    ## What it does
    Reports the `--chown` of a COPY or ADD (`COPY --from=...` too) whose
    user or group the same stage creates only after it, with `useradd`,
    `adduser`, `groupadd` or `addgroup`, while no earlier RUN of the stage or
    of the stages it is built FROM creates it. The value is read with ARG
    and ENV defaults (`ARG USER=app` then `--chown=$USER`). The message
    names the RUN that creates the account, and the numeric ids to copy
    with when that RUN gives them (`useradd -u 1000`).

    A group is reported only when a `groupadd`/`addgroup` after the COPY
    creates it and no earlier RUN creates a user or group of its name:
    `useradd app` and `adduser app` create a group `app` on most
    distributions, but not all, so a group named like a later user is
    left to the user's report.

    Not reported: numeric ids; a user the Dockerfile never creates (the
    base image may have it); a user created in another stage than the
    COPY's, or by a stage built FROM it; a value that depends on a variable
    without a default; a creation that may not run or whose failure is
    waved away (`id app || useradd app`, `useradd app || true`, in an `if`
    or a loop); `adduser USER GROUP`, which adds an existing user to a
    group; ONBUILD triggers; Windows stages. `RUN --mount=...,uid=` takes
    ids, not names, and is not concerned.

    ## Why is this bad?
    COPY looks the `--chown` user and group up in the image's `/etc/passwd`
    and `/etc/group` as they are when it runs. If the account is not there
    yet, the build fails ("unable to find user app: no matching entries in
    passwd file"). If the base image has it already, the COPY works but the
    later `useradd` fails ("user 'app' already exists", exit 9). Either way
    the build fails (but for Debian's `adduser --system`, which accepts a
    system user that exists already: then the RUN is only dead weight).

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY --chown=app:app . /app
    RUN useradd -m app
    USER app
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN useradd -m app
    COPY --chown=app:app . /app
    USER app
    ```

    ## Fix safety
    This rule has no fix: moving the RUN that creates the account before
    the COPY also moves whatever else it does.
    """

    code = "DF512"
    name = "chown-before-user-exists"
    summary = "COPY --chown names a user or group the stage creates only later"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        index = AccountIndex(ctx.analysis)
        followed: Optional[int] = None  # the stage whose lineage the index follows
        for stage in model.stages:
            wanted = [node for node in stage.instructions
                      if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) and _chown(node) is not None]
            if not wanted or windows_stage(model, stage):
                continue
            lineage = next(histories(model, stage))
            # A stage's lineage starts with its parent's: what the index filed of it holds.
            shared = len(index.history) if followed is not None and stage.parent == followed else 0
            index.follow(lineage, shared)
            followed = stage.index
            positions = {id(step.node): position for position, step in enumerate(lineage) if step.stage is stage}
            for node in wanted:
                flag = _chown(node)
                assert flag is not None and flag.value is not None
                expansion = model.expand(node, flag.value)
                if not expansion.resolved:
                    continue
                position = positions[id(node)]
                late = created_later(index, expansion.value, position, len(lineage), certain=True)
                if late:
                    yield ctx.finding(flag.value_span or flag.span,
                                      _message(ctx, node, flag.value, expansion.value, index, late),
                                      related=[(f"{_program(account)} creates `{account.name}` here",
                                                lineage[account.position].node) for account in late])


def _chown(node: ast.Instruction) -> Optional[ast.Flag]:
    flag = node.flag("chown")
    return flag if flag is not None and flag.value else None


def _program(account: LateAccount) -> str:
    invocation = parse_command(account.creation.command)
    return invocation.program if invocation is not None else "a RUN"


def _message(ctx: RuleContext, node: ast.Instruction, written: str, value: str, index: AccountIndex,
             late: list[LateAccount]) -> str:
    name = node.name
    via = f" ({written} resolves to {value})" if written != value else ""
    kinds: dict[str, list[str]] = {}  # name -> its kinds, in order: `user and group `app``
    for account in late:
        kinds.setdefault(account.name, []).append(account.kind)
    accounts = " and ".join(f"{' and '.join(kind)} `{account}`" for account, kind in kinds.items())
    lines: dict[int, list[str]] = {}  # line -> the programs creating them there
    for account in sorted(late, key=lambda a: (a.position, a.creation.command.span.start.offset)):
        programs = lines.setdefault(index.history[account.position].node.line, [])
        if _program(account) not in programs:
            programs.append(_program(account))
    where = " and ".join(f"the {' and '.join(programs)} on line {line}" for line, programs in lines.items())
    verb = "creates" if len(lines) == 1 and len(lines[next(iter(lines))]) == 1 else "create"
    first = late[0]
    table = "passwd" if first.kind == "user" else "group"
    error = f"unable to find {first.kind} {first.name}: no matching entries in {table} file"
    them = "it" if len(late) == 1 else "them"
    advice = f"create {them} in a RUN before the {name}"
    numeric = numeric_owner(ctx.model, node, value, late)
    if numeric is not None:
        advice += f", or copy with the numeric ids, --chown={numeric}, which need no account"
    return (f"--chown={written}{via} names {accounts}, which only {where} {verb}, after this {name}: {name} "
            f"looks the owner up in /etc/passwd and /etc/group when it runs, and fails (\"{error}\") unless the "
            f"base image has {them} already, and then the creation fails; {advice}")
