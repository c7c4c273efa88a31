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

    When a `userdel`/`deluser` (`groupdel`/`delgroup` for a group, or a
    user deletion of its name) after the COPY deletes the account before
    the RUN creates it again (`deluser node && adduser -u 1001 node` on a
    node image), the base image has it: the message says that the COPY
    gave the files the base image's ids, not the new account's. This is
    reported only when the new accounts are created with explicit ids
    (`-u`, `-g`): created again without one, an account may well get its
    old id back.

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
    or a loop, `groupadd -f`, which exits 0 when the group exists);
    `adduser USER GROUP`, which adds an existing user to a
    group; ONBUILD triggers; Windows stages. `RUN --mount=...,uid=` takes
    ids, not names, and is not concerned.

    ## Why is this bad?
    COPY looks the `--chown` user and group up in the image's `/etc/passwd`
    and `/etc/group` as they are when it runs. If the account is not there
    yet, the build fails ("unable to find user app: no matching entries in
    passwd file"). If the base image has it already, the COPY works but the
    later `useradd` fails ("user 'app' already exists", exit 9). Either way
    the build fails, but for Debian's `adduser --system` (and `addgroup
    --system`), which exits 0 when a system account of that name exists:
    then it leaves the base image's account as it is, and the message says
    so.

    When the RUN deletes the base image's account and creates it again
    with other ids, the build succeeds, but the COPY has already given the
    files the old ids: they belong to no account once the RUN has run, and
    the process running as the new account may not write them.

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
                missing = [account for account in late if account.deletion is None]
                if missing:
                    yield ctx.finding(flag.value_span or flag.span,
                                      _message(ctx, node, flag.value, expansion.value, index, missing, late),
                                      related=[(f"{_program(account)} creates `{account.name}` here",
                                                lineage[account.position].node) for account in missing])
                elif late and all(account.creation.id is not None for account in late):
                    # Created again without an id, an account may well get its old one back.
                    yield ctx.finding(flag.value_span or flag.span,
                                      _recreated(ctx, node, flag.value, expansion.value, index, late),
                                      related=_recreation_notes(late, lineage))


def _chown(node: ast.Instruction) -> Optional[ast.Flag]:
    flag = node.flag("chown")
    return flag if flag is not None and flag.value else None


def _program(account: LateAccount) -> str:
    invocation = parse_command(account.creation.command)
    return invocation.program if invocation is not None else "a RUN"


def _debian_system(account: LateAccount) -> bool:
    """Created by ``adduser --system``/``addgroup --system``, which Debian's adduser lets through
    (exit 0, "already exists") when a system account of that name exists."""
    invocation = parse_command(account.creation.command)
    return invocation is not None and invocation.program in ("adduser", "addgroup") and invocation.has("--system")


def _accounts(late: list[LateAccount]) -> str:
    """``user and group `app```, ``user `app` and group `web```."""
    kinds: dict[str, list[str]] = {}  # name -> its kinds, in order
    for account in late:
        kinds.setdefault(account.name, []).append(account.kind)
    return " and ".join(f"{' and '.join(kind)} `{account}`" for account, kind in kinds.items())


def _where(index: AccountIndex, found: list[tuple[int, int, str]]) -> tuple[str, bool]:
    """``the groupadd and useradd on line 3`` for ``(position, offset, program)`` triples, and
    whether it names more than one command."""
    lines: dict[int, list[str]] = {}  # line -> the programs there
    for position, _, program in sorted(found):
        programs = lines.setdefault(index.history[position].node.line, [])
        if program not in programs:
            programs.append(program)
    where = " and ".join(f"the {' and '.join(programs)} on line {line}" for line, programs in lines.items())
    return where, len(lines) > 1 or len(lines[next(iter(lines))]) > 1


def _message(ctx: RuleContext, node: ast.Instruction, written: str, value: str, index: AccountIndex,
             missing: list[LateAccount], late: list[LateAccount]) -> str:
    name = node.name
    via = f" ({written} resolves to {value})" if written != value else ""
    where, several = _where(index, [(a.position, a.creation.command.span.start.offset, _program(a))
                                    for a in missing])
    first = missing[0]
    table = "passwd" if first.kind == "user" else "group"
    error = f"unable to find {first.kind} {first.name}: no matching entries in {table} file"
    them = "it" if len(missing) == 1 else "them"
    then = "the creation fails"
    if any(_debian_system(account) for account in missing):
        then += f", or, for Debian's `{_program(next(a for a in missing if _debian_system(a)))} --system` and " \
                f"a system account, leaves the base image's as it is"
    advice = f"create {them} in a RUN before the {name}"
    numeric = numeric_owner(ctx.model, node, value, late)
    if numeric is not None:
        advice += f", or copy with the numeric ids, --chown={numeric}, which need no account"
    return (f"--chown={written}{via} names {_accounts(missing)}, which only {where} "
            f"{'create' if several else 'creates'}, after this {name}: {name} looks the owner up in /etc/passwd "
            f"and /etc/group when it runs, and fails (\"{error}\") unless the base image has {them} already, "
            f"and then {then}; {advice}")


def _recreated(ctx: RuleContext, node: ast.Instruction, written: str, value: str, index: AccountIndex,
               late: list[LateAccount]) -> str:
    """The accounts of ``late`` are all deleted after the COPY, then created again: the COPY gave
    the files the ids of the base image's accounts."""
    name = node.name
    via = f" ({written} resolves to {value})" if written != value else ""
    deleting, _ = _where(index, [(a.deleted, a.deletion.command.span.start.offset, _deleter(a)) for a in late
                                 if a.deleted is not None and a.deletion is not None])
    creating, several = _where(index, [(a.position, a.creation.command.span.start.offset, _program(a))
                                       for a in late])
    names = " and ".join(dict.fromkeys(f"`{account.name}`" for account in late))
    numeric = numeric_owner(ctx.model, node, value, late)
    advice = f"copy with the new numeric ids, --chown={numeric}, or " if numeric is not None else ""
    last = index.history[max(account.position for account in late)].node.line
    return (f"--chown={written}{via} names {_accounts(late)}, which {deleting} deletes and {creating} "
            f"{'create' if several else 'creates'} again with {'an id of its' if len(late) == 1 else 'ids of their'} own, "
            f"after this {name}: {name} looks the owner up in /etc/passwd and /etc/group when it runs, so the "
            f"files keep the ids the base image gives {names}, not the new ones (unless they are the same); "
            f"{advice}move the {name} after the RUN on line {last}")


def _deleter(account: LateAccount) -> str:
    invocation = parse_command(account.deletion.command) if account.deletion is not None else None
    return invocation.program if invocation is not None else "a RUN"


def _recreation_notes(late: list[LateAccount], lineage) -> list:
    notes = []
    for account in late:
        if account.deleted is not None:
            notes.append((f"{_deleter(account)} deletes `{account.name}` here", lineage[account.deleted].node))
        notes.append((f"{_program(account)} creates `{account.name}` again here", lineage[account.position].node))
    return notes
