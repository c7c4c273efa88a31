"""DF211 apt-install-without-lists: `apt-get install` where the package lists are gone: the build fails."""

from __future__ import annotations

import fnmatch
import re
from typing import Iterator, NamedTuple, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import Step, command_text, deletes, mount_targets, removals, run_steps, under_new_root
from dflint.model.paths import inside
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import APT, index_refresh, reread
from dflint.shell.tools import program_name

_LISTS = "/var/lib/apt/lists"
_OFFICIAL = frozenset(("library/debian", "library/ubuntu"))
#: Packages every Debian and Ubuntu image has installed (priority required): apt installs them
#: ("already the newest version") with no lists.
_ESSENTIAL = frozenset("apt base-files base-passwd bash bsdutils coreutils dash debconf debianutils diffutils dpkg "
                       "findutils gpgv grep gzip hostname init-system-helpers libc-bin libc6 login mawk mount "
                       "ncurses-base ncurses-bin passwd perl-base sed sysvinit-utils tar util-linux".split())
#: Programs that may run `apt-get update` themselves: shells reading a script, build tools.
_RUNNERS = frozenset("sh bash dash ash zsh make xargs eval source . add-apt-repository apt-add-repository".split())
#: The names `apt-get update` gives the package indexes `apt-get install` reads (Debian and Ubuntu
#: images keep them compressed, `Acquire::GzipIndexes`): a glob that matches one removes the lists.
_INDEXES = ("deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
            "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
            "archive.ubuntu.com_ubuntu_dists_noble_main_binary-amd64_Packages.gz")
#: `apt-get update` in one word (a script handed to a runner not read here: `timeout 60 sh -c '...'`).
_UPDATE_TEXT = re.compile(r"(?:^|[\s/;&|(])(?:apt-get|apt|aptitude)\s(?:[^;&|]*\s)?update(?:$|[\s;&|)])")
_BRACES = re.compile(r"\{([^{}]*,[^{}]*)\}")


class Lists(NamedTuple):
    """Whether the stage's files hold apt package lists, and why not."""

    state: str  # "present", "absent", "unknown"
    why: str = ""  # for "absent": what removed them, or that the base image has none
    where: Optional[object] = None  # the span to point at (a removal, an update)


class AptInstallWithoutLists(Rule):
    r"""`apt-get install` in a RUN that runs no `apt-get update`, after the lists were removed: the build fails.

    ## What it does
    Reports `apt-get install` (also `apt install`) of packages named from
    the repositories when no `apt-get update` runs before it in the same
    RUN and the stage has no package lists:
    - the last earlier `apt-get update` of the stage (or of a stage it is
      built `FROM`) was followed by a removal of the lists (`rm -rf
      /var/lib/apt/lists/*`, of the directory or one above it, of a glob
      matching the Packages indexes such as `lists/*_Packages*`,
      `apt-get distclean`, `find ... -delete`), in its RUN or later;
    - that update ran with a cache or tmpfs mount on `/var/lib/apt/lists`
      (or `/var/lib/apt`), which this RUN does not have: the lists are in
      the mount, not in the stage;
    - no RUN ever ran `apt-get update` and the base image is an official
      `debian` or `ubuntu` image (`debian:12-slim`, `docker.io/library/ubuntu`),
      which ship without lists.

    Not reported: other base images (a custom base, or a language image
    built on Debian, may carry lists: that cannot be seen here); installs
    of local `.deb` files only, `apt-get install -f`, packages named
    through variables, packages an earlier RUN installed or every image has
    (`bash`, `coreutils`: apt reports them installed without lists), names
    ending in `-` (`apt-get install --auto-remove gcc-` removes `gcc`);
    installs in a branch (`if`, `||`) or under `chroot`. Removing only
    some files of the lists (`lists/*_Translation-*`, `lists/partial/*`,
    the subdirectories `lists/*/`) leaves the Packages indexes in place.
    A RUN that may refresh the lists in a way not seen here (a script, a
    pipe into `sh`, `add-apt-repository`, `apt-get update` run by a wrapper
    or function not read here, such as `retry -- apt-get update`,
    `flock /tmp/l apt-get update` or `torsocks apt-get update`, a COPY
    into the lists' directory) makes the state unknown, and nothing after
    it is reported until a removal of the lists.

    ## Why is this bad?
    `apt-get install` finds packages through the lists `apt-get update`
    downloads to `/var/lib/apt/lists`. Images remove them to stay small,
    usually at the end of the RUN that installs; a later RUN that installs
    more without updating first finds no package and stops with
    "E: Unable to locate package". The lists must be downloaded in the
    RUN that installs (which also keeps the build cache from serving old
    ones).

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    RUN apt-get install -y --no-install-recommends jq
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    RUN apt-get update && apt-get install -y --no-install-recommends jq \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    There is no fix: adding `apt-get update` is what to do, but where the
    lists' removal belongs (and whether to merge the RUNs) is yours to
    choose.
    """

    code = "DF211"
    name = "apt-install-without-lists"
    summary = "apt-get install in a RUN without apt-get update, after the package lists were removed"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "apt" not in ctx.file.text:
            return  # most files: no apt at all
        model = ctx.model
        ends: dict[int, Lists] = {}
        installed: dict[int, frozenset[str]] = {}
        for stage in model.stages:
            if stage.parent is not None:
                lists, names = ends.get(stage.parent, Lists("unknown")), set(installed.get(stage.parent, ()))
            else:
                lists, names = _base_lists(model, stage), set()
            for node in stage.instructions:
                if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) and lists.state != "unknown" \
                        and _copies_lists(ctx, node):
                    lists = Lists("unknown")
                elif isinstance(node, ast.RunInstruction):
                    if lists.state == "unknown" and "apt" not in _text(ctx, node):
                        continue  # the common case, kept cheap: nothing here can make the lists known
                    lists = yield from _run(ctx, node, lists, names)
            ends[stage.index], installed[stage.index] = lists, frozenset(names)


def _text(ctx: RuleContext, node: ast.Instruction) -> str:
    """The instruction as written, heredoc bodies included."""
    return ctx.file.text[node.span.start.offset:node.span.end.offset]


def _base_lists(model, stage) -> Lists:
    reference = stage.base.reference
    if reference is not None and reference.registry == "docker.io" and reference.repository in _OFFICIAL \
            and stage.base.expansion is not None and stage.base.expansion.resolved:
        name = reference.repository.split("/")[-1]
        return Lists("absent", f"the {name} base image ships without them and no earlier RUN ran `apt-get update`",
                     stage.base.argument)
    return Lists("unknown")


def _copies_lists(ctx: RuleContext, node: ast.Instruction) -> bool:
    from dflint.model.copies import copied

    entries = copied(ctx.model, node)
    return not entries or any(inside(entry.path, _LISTS) or inside(_LISTS, entry.path) for entry in entries)


def _run(ctx: RuleContext, node: ast.RunInstruction, lists: Lists, names: set[str]):
    """Reports the installs of one RUN that find no lists; returns the stage's lists after it."""
    analysis = ctx.analysis
    steps = run_steps(analysis, node)
    if not steps:
        return Lists("unknown")  # a RUN not read (cmd, PowerShell) may do anything
    mounted = _lists_mount(ctx, node)
    local = Lists("unknown") if mounted is not None else lists
    removed = {id(r.step): r for r in removals(analysis, node) if _removes_lists(r)}
    changed = False
    for step in steps:
        invocation = reread(step.invocation)
        if under_new_root(step):
            continue
        if _wrapped_update(step, invocation):
            changed = True
            local = Lists("unknown")  # an update run by a wrapper or function not read here may run
            continue
        if invocation is None:
            continue
        certain = not step.branch and step.command.operator != "||" and step.command.next_operator != "||"
        if index_refresh(invocation) == "apt":
            changed = True
            local = Lists("present", where=step.command) if certain else Lists("unknown")
        elif id(step) in removed:
            changed = True
            removal = removed[id(step)]
            if certain and local.state == "present":
                local = Lists("absent", f"`{removal.text}` on line {removal.span.start.line} deleted the lists "
                                        f"`apt-get update` downloaded on line {local.where.line}", removal)
            elif certain:
                local = Lists("absent", f"`{removal.text}` on line {removal.span.start.line} deleted them", removal)
        elif _may_refresh(step, invocation):
            changed = True
            local = Lists("unknown")
        elif invocation.program in ("apt-get", "apt") and invocation.subcommand == "install":
            wanted = [c for c in step.changed_packages if c.installs and not c.word.value.endswith("-")]
            new = [c for c in wanted if c.name.split("=")[0].split(":")[0] not in names | _ESSENTIAL]
            if certain and new and local.state == "absent" and not invocation.has("-f", "--fix-broken") \
                    and not any("dir" in value.lower() for value in invocation.values("-o", "--option")):
                yield _finding(ctx, step, invocation, local)
            names.update(c.name for c in wanted)
    if mounted is None:
        return local
    if mounted == "" and changed:
        return Lists("unknown")  # the mount may or may not hold the lists
    if not changed or lists.state != "absent":
        return lists  # what the RUN did stayed in the mount
    update = next((s for s in steps if index_refresh(reread(s.invocation)) == "apt"), None)
    if update is None:
        return lists
    return Lists("absent", f"the lists `apt-get update` downloaded on line {update.command.line} went into its "
                           f"mount on {mounted}, not into the stage", update.command)


def _lists_mount(ctx: RuleContext, node: ast.RunInstruction) -> Optional[str]:
    """The target of the RUN's mount that holds the lists ('' when a target is unknown), or None."""
    for path, text in mount_targets(ctx.analysis, node, ("cache", "tmpfs", "bind")):
        if path is None:
            return ""
        if inside(_LISTS, path):
            return text
    return None


def _removes_lists(removal) -> bool:
    """The removal deletes the package indexes: ``/var/lib/apt/lists`` or a directory above it, every file
    in it (``lists/*``), or a glob matching the Packages indexes (``lists/*_Packages*``); not other files
    of it (``lists/*_Translation-*``, ``lists/partial/*``), nor only its subdirectories (``lists/*/``)."""
    if removal.path is None:
        return any(cache.key == "apt-lists" for cache in removal.caches)
    if not deletes(removal.path, _LISTS, contents=True):
        return False  # the shared reading: nothing here counts that it does not
    return any(_removes_indexes(path) for path in _alternatives(removal.path))


def _removes_indexes(path: str) -> bool:
    directory_only = path.endswith("/") and path.rstrip("/") != ""
    parts = [p for p in path.split("/") if p]
    lists = [p for p in _LISTS.split("/") if p]
    if len(parts) > len(lists) + 1 or not parts:
        return False
    if any(not fnmatch.fnmatchcase(name, pattern) for pattern, name in zip(parts, lists)):
        return False
    if len(parts) <= len(lists):
        return True  # the lists' directory or one above it
    return not directory_only and any(fnmatch.fnmatchcase(name, parts[-1]) for name in _INDEXES)


def _alternatives(path: str) -> list[str]:
    """``path`` with its shell braces expanded (``lists/{*,.*}``), one level."""
    match = _BRACES.search(path)
    if match is None:
        return [path]
    return [path[:match.start()] + choice + path[match.end():] for choice in match.group(1).split(",")]


def _wrapped_update(step: Step, invocation) -> bool:
    """The step is not `apt-get update` as read here, but its words hold one: run by a wrapper
    (`retry -- apt-get update`, `flock /tmp/l apt-get update`), a function, or a script in one word."""
    if invocation is not None and invocation.program in APT:
        return False
    values = [word.value for word in step.command.argv]
    if not any("update" in value for value in values):
        return False  # most steps: cheap to rule out
    for index, value in enumerate(values):
        if program_name(value) in APT and "update" in values[index + 1:]:
            return True
    return any(_UPDATE_TEXT.search(value) for value in values)


def _may_refresh(step: Step, invocation) -> bool:
    """The command may download lists in a way not read here: a script, a shell reading a pipe."""
    program = invocation.program
    if program in _RUNNERS:
        if program in ("sh", "bash", "dash", "ash", "zsh") and invocation.has("-c") and \
                step.command.pipeline_index == 0:
            return False  # its script's commands are steps of their own
        return not (program in ("add-apt-repository", "apt-add-repository") and invocation.has("-n", "--no-update"))
    name = step.command.name or ""
    return "/" in name and not name.startswith(("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/")) \
        or name.endswith(".sh")


def _finding(ctx: RuleContext, step: Step, invocation, lists: Lists) -> Finding:
    shown = command_text(invocation)
    related = [("why there are no lists", lists.where)] if lists.where is not None else []
    return ctx.finding(
        step.command,
        f"`{shown}` finds no package lists: {lists.why}; with no `apt-get update` before it in this RUN, it fails "
        "with \"E: Unable to locate package\"; run `apt-get update &&` before it",
        related=related)
