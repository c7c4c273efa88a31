"""DF005 copy-then-chmod: chmod/chown in a RUN on files a COPY just wrote."""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Iterable, Iterator, Optional, Sequence

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.build import Stage
from dflint.model.copies import Copied, CopyIndex, copied, relation
from dflint.model.frontend import frontend_pin, supports, syntax_directive
from dflint.model.frontend_features import FLAGS, SYMBOLIC_CHMOD
from dflint.model.history import Step, histories
from dflint.model.paths import inside, resolve
from dflint.model.users import AccountIndex, created_later, numeric_owner
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.modes import apply_mode, copy_equivalent, is_octal
from dflint.shell.permissions import PermissionChange, permission_changes, static_path


class CopyThenChmod(Rule):
    """A RUN that changes the mode or owner of copied files stores them twice.

    ## What it does
    Reports a `chmod`, `chown` or `chgrp` in a RUN that changes files an
    earlier COPY or ADD of the same stage lineage wrote: the copied file
    itself, a file inside a copied directory, the copied directory with `-R`,
    or a directory above the copy with `-R`; `find ROOT ... -exec chmod|chown
    ...` counts as a recursive change of its roots when a root is the copied
    path or inside it (a filtered sweep from above, `find / -perm /6000
    -exec chmod a-s {} +`, is not about the copy), unless it selects only
    directories (`-type d`: a layer stores their entries, not the files
    below). Paths are resolved against
    WORKDIR and the ARG/ENV values; a path that cannot be known (an unset
    variable, `~`, a `cd` earlier in the script, an unknown WORKDIR) is never
    reported, nor is a change to a file another command of the same RUN also
    names (it is rewritten anyway) or to a path under one of the RUN's
    `--mount` targets (not part of the layer). ONBUILD COPY and RUN triggers are checked
    against each other, relative paths against the image's last WORKDIR and the
    literal `ONBUILD WORKDIR` triggers before them; an exec-form RUN with no shell
    (`RUN ["chmod", "+x", "/app/run.sh"]`) is read as its one command; PowerShell RUNs are not read. When the COPY has a
    `--chmod` or `--chown` already, the message says how to change it, or,
    when the RUN sets the same again (`COPY --chown=app:app` then `chown -R
    app`), to drop the RUN: it changes nothing, though a storage driver that
    copies a file up to change it may still store the files again. When the
    owner is a user or group that a RUN after the COPY creates (`useradd`,
    `adduser`, `groupadd`, `addgroup`), the message says to create it
    before the COPY, as `--chown` needs it to exist, or gives the numeric
    ids when those commands set them (`useradd -u 1000`).

    A symbolic mode is advised as written (`chmod +x` becomes `COPY
    --chmod=+x`): the Dockerfile frontend reads symbolic modes since 1.14
    (1.13-labs), and the message says so unless a `# syntax=` directive
    selects such a release. A directive pinning an earlier frontend gets
    octal advice; one pinning a frontend before 1.2, which has no `COPY
    --chmod`, gets the advice to pin a newer release. A
    clause that names no one and sets `w`, uses `=` or copies a class (`+w`,
    `=rx`) depends on the RUN's umask (022), which COPY does not apply, so
    it is advised in octal. After an octal `--chmod`, the mode the two give
    together is computed (`--chmod=644` then `chmod +x` is `--chmod=755`).
    When no one number does it (after a symbolic `--chmod`, or `X`, which
    treats files and directories apart), the message says to set the mode
    in the COPY's `--chmod` without offering a value, since the RUN's
    symbolic mode alone would drop the one the COPY set.

    A mode with set-user-ID, set-group-ID or sticky bits (`chmod 4755`,
    `chmod 1777`, `chmod g+s` after `--chmod=755`) is advised with a note:
    the builder, not the Dockerfile frontend, applies `--chmod`, and
    BuildKit before v0.13 (Docker Engine before 26) kept only the
    permission bits of an octal mode, dropping those without an error
    (moby/buildkit#3920); no `# syntax=` directive can ask for a newer
    builder. A symbolic mode (`u+s`) needs BuildKit v0.17, and an older one
    fails the build rather than dropping the bits; but a builder's own
    Dockerfile frontend before 1.10 ignores a mode that is not octal
    without an error, so without a directive the message asks for one.

    ## Why is this bad?
    A layer stores every file whose content *or metadata* changed, whole. A
    `chmod`/`chown` after a COPY therefore puts a second copy of the files in
    the image: `COPY . /app` then `RUN chown -R app /app` doubles the size of
    the application. `COPY --chmod=` and `COPY --chown=` set the mode and
    owner while copying, in one layer.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY entrypoint.sh /usr/local/bin/entrypoint.sh
    RUN chmod 755 /usr/local/bin/entrypoint.sh
    COPY . .
    RUN chown -R nobody /app
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY --chmod=755 entrypoint.sh /usr/local/bin/entrypoint.sh
    COPY --chown=nobody . .
    ```

    ## Fix safety
    The fix adds `--chmod=` or `--chown=` to the COPY and deletes the RUN. It
    is offered only when the RUN is that one command (writing no file
    through a redirection such as `> /app/modes.log`), the mode is octal or
    symbolic as above (not with a directive pinning a frontend before 1.14,
    nor one whose release dflint cannot read, such as `1.4.0-rc1`) or the
    owner a literal name, it covers exactly what the COPY wrote, both are
    in the same stage and no RUN comes between them; never for `--chmod`
    when the directive pins a frontend before 1.2 (`docker/dockerfile:1.1`,
    `1.0-experimental`), which does not read it at all (the message says to
    pin a newer release); never for an octal mode with set-id or sticky bits
    (an older builder would drop them silently), nor for a symbolic one
    setting or clearing them (`u+s`, `-t`) unless the directive selects 1.14
    or later; and it is unsafe even
    then: `COPY --chmod`/`--chown` needs BuildKit, and a symbolic mode
    Dockerfile 1.14 when no directive asks for it; they apply to every copied
    file and directory, while `chmod -R` on the destination also changes the
    directory itself and files that were there before the COPY, and a plain
    `chmod` of a copied directory changes only the directory (the fix's
    message says so for a recursive change: a destination such as nginx's
    `html` holds the base image's files, which dflint cannot see); a user named in
    `--chown` must exist when the COPY runs. A COPY into the WORKDIR gets no
    fix: the directory exists already and keeps WORKDIR's owner under
    `--chown`, where `chown -R` changed it too. An owner without a group is
    written `--chown=user:root` (`:0` for a number): `chown user` keeps the
    group, `--chown=user` would set it to the user's number. The comments
    written for the deleted RUN go with it: the comment lines right above it
    with no blank line between (its description, its `# dflint: ignore=` and
    `# hadolint ignore=` pragmas) and the `# check=` comments BuildKit reads
    as its own, across blank lines; left behind, a pragma would cover the
    next instruction and silence its findings. A `global` pragma, and a
    comment a blank line parts from the RUN (often a section heading), stay.

    A change to one file of a bigger copy (`COPY . .` then `chmod +x
    entrypoint.sh`) is advised to copy that file on its own: `--chmod` on the
    whole copy would give every file the mode. The message names every path
    of the command that the COPY wrote (`chown -R rails db log storage tmp`:
    all four; past four, the first three and how many others). A recursive change that also
    reaches files an earlier COPY or ADD put there, or a RUN working in that
    directory (`RUN npm ci` filling node_modules), says so and gets no fix:
    `--chmod` on the last COPY would leave those files as they were.
    """

    code = "DF005"
    name = "copy-then-chmod"
    summary = "chmod/chown after COPY duplicates the copied files in a new layer"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        # Stages depth first, so that what a stage's steps copied is filed once for all the stages
        # built on it: a stage's lineage is its parent's steps, then its own. Findings in file order.
        model = ctx.model
        children: dict[Optional[int], list[Stage]] = {}
        for stage in model.stages:
            children.setdefault(stage.parent, []).append(stage)
        copies = _Copies(ctx)
        found: dict[int, list[Finding]] = {}
        pending = [(stage, 0) for stage in reversed(children.get(None, []))]
        while pending:
            stage, inherited = pending.pop()  # inherited: how many steps of its lineage are its parent's
            lineage, *triggers = histories(model, stage)
            copies.follow(lineage, inherited)
            found[stage.index] = list(self._check_history(ctx, stage, copies, inherited))
            for history in triggers:  # ONBUILD triggers, as they run downstream: a history of their own
                found[stage.index] += self._check_history(ctx, stage, _Copies(ctx).follow(history, 0), 0)
            pending.extend((child, len(lineage)) for child in reversed(children.get(stage.index, [])))
        for stage in model.stages:
            yield from found.get(stage.index, ())

    def _check_history(self, ctx: RuleContext, stage: Stage, copies: "_Copies", start: int) -> Iterator[Finding]:
        history = copies.history
        for index in range(start, len(history)):
            step = history[index]
            if step.stage is stage and isinstance(step.node, ast.RunInstruction):
                yield from self._check_run(ctx, step, copies, index)

    def _check_run(self, ctx: RuleContext, run: Step, copies: "_Copies", index: int) -> Iterator[Finding]:
        scripts = ctx.commands(run.anchor)
        workdir = ctx.model.trigger_workdir(run.anchor) if run.trigger else ctx.model.workdir_at(run.anchor)
        expand = (lambda text: None) if run.trigger else (lambda text: _known(ctx, run.anchor, text))
        # Mount targets are not in the layer; BuildKit expands variables in them, not `~`.
        mounts = [resolve((m.target if "$" not in m.target else expand(m.target)) or "", workdir, home=False) or "/"
                  for m in run.node.mounts if m.target]
        for script in scripts:
            changes = list(permission_changes(script))
            if not changes:
                continue
            changing = {change.command for change in changes}
            named = {w.value for c in script.commands if c not in changing for w in c.args}
            for change in changes:
                paths = [static_path(script, word, expand) for word in change.paths]
                if None in paths or named & {w.value for w in change.paths}:
                    continue
                paths = [resolve(p, workdir) for p in paths]
                if None in paths or any(inside(p, mount) for p in paths for mount in mounts):
                    continue
                # The latest earlier COPY/ADD that wrote what the change touches.
                written = copies.before(index)
                position = max((written.latest(p, change.recursive, change.selective) for p in paths), default=-1)
                if position < 0:
                    continue
                step, entries = copies.history[position], copies.entries[position]
                found = [relation(p, change.recursive, e) for p in paths for e in entries]
                if change.selective:  # a filtered sweep from above the copy (find / -perm /6000) is not about it
                    found = [r if r != "ancestor" else None for r in found]
                between = itertools.islice(copies.history, position + 1, index)
                earlier = _earlier_writers(copies, change, paths, position, index)
                fix = None if earlier else _fix(ctx, run, step, change, found, len(entries), scripts, between)
                shown = [p for i, p in enumerate(paths) if any(found[i * len(entries):(i + 1) * len(entries)])]
                wanted = static_path(script, change.value_word, expand) if change.value_word else None
                message = _message(ctx, change, shown, step, found, wanted) + _earlier_note(copies, earlier, change)
                if change.tool != "chmod":
                    message = _created_later(ctx, change, message, step, copies, position, index)
                yield ctx.finding(change.command, message, fix, [(f"copied here by {step.node.name}", step.anchor)])


class _Copies:
    """What the COPY/ADD steps of a history wrote, filed by path (:class:`CopyIndex`) as far as the
    RUNs asked about need, so that a change looks only at the copies it may touch; comparing it with
    every earlier step made a file of N COPYs and N chmods quadratic."""

    def __init__(self, ctx: RuleContext) -> None:
        self.model = ctx.model
        self.history: Sequence[Step] = ()
        self.entries: list[tuple[Copied, ...]] = []  # per step of the history, what it wrote
        self._index = CopyIndex()
        self.accounts = AccountIndex(ctx.analysis)  # where the steps of the history create users and groups
        self._runs_filed = 0  # how many steps of the history are filed in _runs_in
        self._runs_in: dict[str, list[int]] = {}  # directory -> positions of the RUNs working in it or below

    def follow(self, history: Sequence[Step], shared: int) -> "_Copies":
        """Go on with ``history``, whose first ``shared`` steps are those of the history followed so far."""
        if len(self.entries) > shared:
            del self.entries[shared:]
            self._index.truncate(shared)
        self.accounts.follow(history, shared)
        if self._runs_filed > shared:
            self._runs_filed = shared
            for positions in self._runs_in.values():
                while positions and positions[-1] >= shared:
                    positions.pop()
        self.history = history
        return self

    def run_within(self, directory: str, end: int) -> int:
        """The position of the latest RUN before ``end`` whose working directory is ``directory`` or
        below it (it may have written there: `npm ci` fills node_modules), or -1."""
        for position in range(self._runs_filed, end):
            step = self.history[position]
            workdir = self.model.workdir_at(step.anchor) \
                if isinstance(step.node, ast.RunInstruction) and not step.trigger else None
            if workdir is not None and workdir.startswith("/"):
                parts = workdir.rstrip("/").split("/")
                for depth in range(1, len(parts) + 1):
                    self._runs_in.setdefault("/".join(parts[:depth]) or "/", []).append(position)
        self._runs_filed = max(self._runs_filed, end)
        positions = self._runs_in.get(directory.rstrip("/") or "/", [])
        at = bisect.bisect_left(positions, end)
        return positions[at - 1] if at else -1

    def before(self, end: int) -> CopyIndex:
        """The index of what the steps before ``end`` wrote."""
        for position in range(len(self.entries), end):
            step = self.history[position]
            entries = copied(self.model, step.node, step.anchor)
            self.entries.append(entries)
            self._index.add(position, entries)
        return self._index


def _earlier_writers(copies: _Copies, change: PermissionChange, paths: list, position: int, index: int) -> list[int]:
    """The positions of the latest other COPY/ADD, and the latest RUN working there, that put files
    where a recursive change (``chmod -R``) reaches besides the COPY at ``position``: a --chmod on
    that COPY would leave theirs as they are."""
    if not change.recursive or change.selective:
        return []
    index_of_copies = copies.before(index)
    other_copy = max((index_of_copies.latest(p, True, excluded=position) for p in paths), default=-1)
    run = max((copies.run_within(p, index) for p in paths if p.startswith("/")), default=-1)
    return sorted(p for p in (other_copy, run) if p >= 0)


def _earlier_note(copies: _Copies, earlier: list[int], change: PermissionChange) -> str:
    if not earlier:
        return ""
    flag = "chmod" if change.tool == "chmod" else "chown"
    which = " and ".join(f"{copies.history[p].node.name} on line {copies.history[p].anchor.line}" for p in earlier)
    return (f"; the -R also reaches files earlier instructions put there (the latest: {which}), which --{flag} "
            f"here would leave unchanged: set it where they are written too (--{flag} on a COPY, in the RUN "
            f"that writes them)")


def _known(ctx: RuleContext, node: ast.Instruction, text: str) -> Optional[str]:
    expansion = ctx.model.expand(node, text)
    return expansion.value if expansion.resolved else None


def _copy_value(ctx: RuleContext, change: PermissionChange) -> Optional[str]:
    """What ``--chmod``/``--chown`` must say to do what the command did: ``chown 1000`` keeps the
    group (root, as COPY wrote it), while ``--chown=1000`` would also make 1000 the group; a
    symbolic mode as chmod wrote it, unless the ``# syntax=`` directive pins a frontend too old."""
    if change.tool == "chmod":
        word = change.value_word
        value = copy_equivalent(word.value) if word is not None and word.literal else None
        if value is not None and not is_octal(value) and _frontend(ctx) == "octal":
            return None
        return value
    owner = change.literal_owner
    if owner is None or ":" in owner:
        return owner
    return f"{owner}:0" if owner.isdigit() else f"{owner}:root"


def _frontend(ctx: RuleContext) -> str:
    """What the ``# syntax=`` directive says of COPY --chmod: ``none`` without a directive, ``unknown``
    for one that does not tell the release, ``old`` for a release without --chmod (before 1.2),
    ``octal`` for one that reads only octal modes (before 1.14), else ``symbolic``."""
    pin = frontend_pin(ctx.file)
    if pin is None:
        return "none" if syntax_directive(ctx.file) is None else "unknown"
    if not supports(pin, FLAGS[("COPY", "chmod")]):
        return "old"
    return "symbolic" if supports(pin, SYMBOLIC_CHMOD) else "octal"


def _chmod_after(current: str, wanted: str) -> Optional[int]:
    """The mode of what ``COPY --chmod=current`` wrote after ``chmod wanted``, when it is one
    number for files and directories alike (``current`` octal), else None."""
    if not is_octal(current):
        return None
    modes = {apply_mode(wanted, int(current, 8), directory=directory) for directory in (False, True)}
    return modes.pop() if len(modes) == 1 else None


def _same_setting(tool: str, current: str, wanted: str) -> bool:
    """``tool wanted`` sets nothing that ``--chmod=current``/``--chown=current`` did not set already."""
    if tool == "chmod":
        after = _chmod_after(current, wanted)  # None unless ``current`` is octal
        return current == wanted or after is not None and after == int(current, 8)
    user, _, group = current.partition(":")
    if tool == "chgrp":
        return bool(group) and group == wanted
    wanted_user, colon, wanted_group = wanted.partition(":")
    return user == wanted_user and (not colon or bool(group) and group == wanted_group)


def _combined(change: PermissionChange, wanted: Optional[str], current: Optional[str]) -> Optional[str]:
    """The ``--chown`` that does what COPY ``--chown=current`` then ``chown``/``chgrp wanted`` did:
    ``chown user`` keeps the group the COPY set, ``chgrp`` the user; the ``--chmod`` that does
    what ``--chmod=current`` then ``chmod wanted`` did, when ``current`` is octal."""
    if change.tool == "chmod" and wanted is not None and current is not None:
        mode = _chmod_after(current, wanted)
        return None if mode is None else f"{mode:0{max(3, len(current))}o}"
    if change.tool == "chmod" or wanted is None or current is None or ":" not in current:
        return None
    user, _, group = current.partition(":")
    if change.tool == "chgrp":
        return f"{user}:{wanted}"
    return wanted if ":" in wanted else f"{wanted}:{group}"


def _listed(paths: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``; past four, the first three and how many others."""
    paths = list(dict.fromkeys(paths))
    if len(paths) > 4:
        return f"{', '.join(paths[:3])} and {len(paths) - 3} other paths"
    return paths[0] if len(paths) == 1 else f"{', '.join(paths[:-1])} and {paths[-1]}"


def _message(ctx: RuleContext, change: PermissionChange, paths: Sequence[str], copy: Step, relations: list,
             wanted: Optional[str]) -> str:
    flag = "chmod" if change.tool == "chmod" else "chown"
    path = _listed(paths)
    value = _copy_value(ctx, change) or ("<octal mode>" if flag == "chmod" else "<user>:<group>")
    advice = f"set it while copying with {copy.node.name} --{flag}={value}"
    existing = copy.node.flag(flag)
    if existing is not None and existing.value and not change.selective \
            and not all(r in (None, "inside") for r in relations):  # the COPY sets it already, maybe differently
        current = _known(ctx, copy.anchor, existing.value) if copy.anchor is copy.node else None
        if current is not None and wanted is not None and _same_setting(change.tool, current, wanted):
            return (f"{change.tool} on {path} sets again what {copy.node.name} --{flag}={existing.value} on line "
                    f"{copy.anchor.line} set: drop it (it changes nothing, yet where the storage driver copies "
                    f"files up to change them, the new layer stores them a second time)")
        else:
            combined = _combined(change, wanted, current)
            if combined is None and flag == "chmod" and not is_octal(value):
                value = "<mode>"  # a symbolic mode alone would drop what the COPY's own --chmod set
            else:
                value = combined or value
            advice = f"set it in {copy.node.name} --{flag}={existing.value} instead" if value.startswith("<") \
                else f"make it {copy.node.name} --{flag}={value} instead of --{flag}={existing.value}"
    elif all(r in (None, "inside") for r in relations):  # one file of a bigger copy: --chmod would change them all
        each = "each of them" if len(set(paths)) > 1 else path
        advice = f"copy {each} on its own with {copy.node.name} --{flag}={value}, before or after the rest"
    elif change.selective and flag == "chmod":  # find -exec: --chmod would apply to every copied file
        advice = (f"set the mode in the build context, which {copy.node.name} keeps, or while copying with "
                  f"{copy.node.name} --chmod={value} if every copied file may have it")
    elif change.selective:  # the context's owners are not kept: --chown is the way, for every copied file
        advice = f"set it while copying with {copy.node.name} --chown={value} (every copied file gets it)"
    return (f"{change.tool} on {path} changes files that {copy.node.name} on line {copy.anchor.line} copied: the new "
            f"layer stores them a second time; {advice}{_mode_note(ctx, change, advice)}{_special_note(advice)}")


def _mode_note(ctx: RuleContext, change: PermissionChange, advice: str) -> str:
    """What the advice needs said about a symbolic mode: the frontend release that reads it, or
    why it gives none."""
    word = change.value_word
    if change.tool != "chmod":
        return ""
    frontend = _frontend(ctx)
    if frontend == "old" and "--chmod=" in advice:
        pin = frontend_pin(ctx.file)
        assert pin is not None
        symbolic = word is not None and word.literal and not is_octal(word.value) and "<" not in advice
        return (f" (COPY --chmod needs Dockerfile 1.2 or later{', a symbolic mode 1.14' if symbolic else ''}, "
                f"and the `# syntax=` directive pins {pin.name}: pin a newer release, such as "
                f"`# syntax=docker/dockerfile:1`)")
    if word is None or not word.literal or is_octal(word.value):
        return ""
    if f"--chmod={word.value}" in advice and frontend == "none" and _special_symbolic(word.value):
        return (" (symbolic modes need Dockerfile 1.14 or later, and a builder's own frontend before 1.10 "
                "ignores them without an error: add `# syntax=docker/dockerfile:1`)")
    if f"--chmod={word.value}" in advice and frontend == "none":
        return (" (symbolic modes need Dockerfile 1.14 or later: for an older builder, add "
                "`# syntax=docker/dockerfile:1` or give the mode in octal)")
    if f"--chmod={word.value}" in advice and frontend == "unknown":
        return (" (symbolic modes need Dockerfile 1.14 or later: if the frontend the `# syntax=` directive "
                "selects is older, give the mode in octal)")
    if "<octal mode>" in advice and frontend == "octal" and copy_equivalent(word.value):
        return " (the `# syntax=` directive pins a frontend older than 1.14, which reads only octal modes)"
    if "<octal mode>" in advice and copy_equivalent(word.value) is None:
        return f" (`{word.value}` depends on the RUN's umask, which COPY does not apply: give the mode in octal)"
    return ""


#: An octal --chmod in the advice.
_OCTAL_CHMOD = re.compile(r"--chmod=([0-7]+)\b")


def _special_bits(value: Optional[str]) -> bool:
    """``value`` is an octal mode with set-user-ID, set-group-ID or sticky bits (``4755``, ``1777``)."""
    return value is not None and is_octal(value) and int(value, 8) & 0o7000 != 0


def _special_symbolic(value: Optional[str]) -> bool:
    """``value`` is a symbolic mode that sets or clears set-id or sticky bits (``u+s``, ``+t``): a
    Dockerfile frontend before 1.10 ignores a mode that is not octal without an error (1.10 to 1.13
    fail the build), so only a ``# syntax=`` directive selecting 1.14 or later makes it certain."""
    return value is not None and not is_octal(value) and any(letter in value for letter in "st")


def _special_note(advice: str) -> str:
    """BuildKit before v0.13 (its copy kept only the permission bits of the mode: tonistiigi/fsutil
    before 7a889f53, moby/buildkit#3920) dropped the set-id and sticky bits of an octal --chmod
    without an error. The builder applies the mode, not the Dockerfile frontend: ``# syntax=``
    cannot ask for it. A symbolic mode (``u+s``) needs BuildKit v0.17, and an older one fails the
    build instead."""
    match = _OCTAL_CHMOD.search(advice)
    if match is None or not _special_bits(match.group(1)):
        return ""
    return (" (BuildKit keeps the set-user-ID, set-group-ID and sticky bits of --chmod only since v0.13, "
            "Docker Engine 26: an older builder drops them without an error, whatever `# syntax=` says)")


def _created_later(ctx: RuleContext, change: PermissionChange, message: str, copy: Step, copies: "_Copies",
                   position: int, index: int) -> str:
    """``message``, telling to create first the user or group that ``--chown`` would name and that
    only a RUN after the COPY (at ``position``) creates, none before (``COPY --chown=app`` fails when
    app does not exist yet), with the numeric ids that need no account when the commands give them."""
    value = _copy_value(ctx, change)
    if value is None:
        return message
    # Only a creation that surely runs, of an account nothing deletes first (`userdel app && useradd
    # -u 1001 app` recreates the base image's), says the account is missing when COPY runs.
    late = [account for account in created_later(copies.accounts, value, position, index + 1, certain=True)
            if account.deleted is None]
    if not late:
        return message
    numeric = numeric_owner(ctx.model, copy.anchor, value, late)
    missing = list(dict.fromkeys(account.name for account in late))
    names = " and ".join(f"`{name}`" for name in missing)
    name = copy.node.name
    advice = (f"; {names} {'does' if len(missing) == 1 else 'do'} not exist yet when {name} runs on line "
              f"{copy.anchor.line}: create {'it' if len(missing) == 1 else 'them'} in a RUN before the {name}")
    if numeric is not None:
        advice += f", or copy with the numeric ids, {name} --chown={numeric}, which need no account"
    return message + advice


def _fix(ctx: RuleContext, run: Step, copy: Step, change: PermissionChange, found: list, entries: int,
         scripts, between: Iterable[Step]) -> Optional[Fix]:
    flag, value = ("chmod" if change.tool == "chmod" else "chown"), _copy_value(ctx, change)
    commands = [c for script in scripts for c in script.commands]
    if flag == "chmod" and (_frontend(ctx) == "old" or _frontend(ctx) == "unknown" and not is_octal(value or "")):
        return None  # the pinned frontend does not read COPY --chmod, or may not read a symbolic mode
    if flag == "chmod" and (_special_bits(value) or _special_symbolic(value) and _frontend(ctx) != "symbolic"):
        return None  # set-id and sticky bits an older builder would drop silently (see _special_note)
    if value is None or not change.plain or copy.stage is not run.stage or copy.node.flag(flag) is not None \
            or commands != [change.command] or any(isinstance(s.node, ast.RunInstruction) for s in between) \
            or any(redirect.writes_a_file for redirect in change.command.redirects):
        return None
    workdir = ctx.model.workdir_at(copy.node)
    entries_copied = copied(ctx.model, copy.node, copy.anchor)
    if any(entry.kind == "tree" and entry.path.rstrip("/") == (workdir or "").rstrip("/") for entry in entries_copied):
        return None  # COPY into the WORKDIR leaves the directory itself as WORKDIR made it; the chown did not
    paths = len(change.paths)
    same = [[found[p * entries + e] == "same" for e in range(entries)] for p in range(paths)]
    if not all(any(row) for row in same) or not all(any(row[e] for row in same) for e in range(entries)):
        return None
    keyword = copy.node.keyword.span.end.offset
    directories = [entry.path for entry in entries_copied if entry.kind != "file"]
    # The base image may hold files there already (nginx's html): the recursive change reached them.
    caveat = (f"; unlike {change.tool} -R, it does not change {directories[0]} if it exists already, nor "
              f"files the base image or an earlier step put in it" if change.recursive and directories else "")
    return ctx.fix(f"Copy with {copy.node.name} --{flag}={value} and drop the RUN{caveat}",
                   ctx.edit(keyword, keyword, f" --{flag}={value}"), ctx.removal(run.anchor),
                   applicability=Applicability.UNSAFE)
