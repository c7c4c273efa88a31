"""DF008 late-permission-change: chmod/chown in a RUN of files an earlier RUN created."""

from __future__ import annotations

import heapq
import itertools
import posixpath
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.build import Stage
from dflint.model.compiler_outputs import compiles, outputs
from dflint.model.copies import CopyIndex, copied
from dflint.model.distro import root_reference
from dflint.model.history import Step, histories, image_stages
from dflint.model.layers import (YARN_CLASSIC, Created, Removal, bundle_directory, deletes, mount_targets, removals,
                                 run_created, run_steps, under_new_root, user_home, yarn_line)
from dflint.model.layers import Step as RunStep
from dflint.model.path_index import PathIndex, parts
from dflint.model.paths import has_glob, inside, resolve
from dflint.model.python_env import created_venv
from dflint.model.users import account_creations, root_image
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.archives import extraction
from dflint.shell.installs import dependency_install
from dflint.shell.permissions import PermissionChange, permission_changes, static_path
from dflint.source import Span

_TOOLS = re.compile(r"\bch(?:own|mod|grp)\b")
#: The programs :func:`_fills` follows, but python* (a venv, pip through python -m) and compilers.
_FILLERS = frozenset(("virtualenv", "uv", "pip", "npm", "yarn", "bundle", "bundler", "gem", "tar", "bsdtar", "gtar",
                      "conda", "mamba", "micromamba", "bash", "sh", "julia"))
_CONDA = frozenset(("conda", "mamba", "micromamba"))
#: The installers of a conda distribution: `bash Miniforge3-Linux-x86_64.sh -b -p /opt/conda`.
_CONDA_INSTALLER = re.compile(r"(?i).*(?:miniconda|miniforge|mambaforge|anaconda|conda).*\.sh")
_JULIA_PACKAGES = re.compile(r"\bPkg\.(?:add|instantiate|develop|build)\b")
#: Every kind of mount: what a RUN writes below one is not in its layer.
_MOUNTS = ("cache", "tmpfs", "bind", "secret", "ssh")
#: Commands that test: what runs after them in an `&&`/`||` chain may not run.
_TESTS = frozenset(("[", "[[", "test"))
#: Options of `conda create` that take a value, and those that name what fills the environment.
_CONDA_VALUES = frozenset(("-p", "--prefix", "-n", "--name", "-c", "--channel", "--solver", "--platform",
                           "--subdir", "--repodata-fn", "--channel-priority", "-r", "--root-prefix", "--rc-file"))
_CONDA_FILLING = frozenset(("--file", "-f", "--clone"))
#: What pip run through DIR/bin/pip fills, until DIR is known to be a virtual environment.
_PIP_PREFIX = "the packages pip installed in"
#: The official ruby images' GEM_HOME: their Dockerfiles have set `ENV GEM_HOME /usr/local/bundle` since
#: 2014-10 (docker-library/ruby f9a2625e3) and make it mode 1777 for any user; dflint's table of image
#: variables (image_env) keeps names only, so the value is known here for these images alone.
_RUBY_IMAGE = "docker.io/library/ruby"
_RUBY_GEM_HOME = "/usr/local/bundle"
_GEMS = "the gems installed in"


class LatePermissionChange(Rule):
    r"""A RUN that changes the owner or mode of files an earlier RUN created stores them again.

    ## What it does
    Reports a `chown`, `chmod` or `chgrp` (also `find ROOT ... -exec chown
    ...`) in a RUN on files that an earlier RUN of the same stage lineage
    (the stages it is built `FROM` included) created and certainly filled:

    - a virtual environment (`python -m venv DIR`, `virtualenv DIR`, `uv
      venv --seed DIR`; not one made `--without-pip` or `virtualenv
      --no-seed`), or what `pip install` puts in `--target`, `--prefix` or
      `--root`, or in the directory whose `bin/pip` or `bin/python` it runs
      (`/opt/venv/bin/pip install ...`; called a virtual environment only
      when a RUN made one there or `VIRTUAL_ENV` names it: `/usr/local` is
      "the packages pip installed in /usr/local");
    - `node_modules` of `npm ci`/`npm install` (not `-g`, `--global` or
      `--location=global`, which install into npm's prefix) in a known
      directory or `--prefix`, and of Yarn 1;
    - a `git clone` directory, the files saved by `curl -o`/`-O` and `wget`
      (into a directory made by `mkdir -p` too), the directory `tar -x -C DIR`
      unpacks into;
    - the program a compiler writes (`go build -o`, `go install`, `cargo
      install`, `gcc -o`...);
    - a conda environment created with `-p`/`--prefix` and packages
      (named, `--file` or `--clone`; without any it is empty), a conda installation
      made by its installer (`bash Miniforge3-Linux-x86_64.sh -b -p
      /opt/conda`), and the Julia depot (`JULIA_DEPOT_PATH`, else `~/.julia`)
      after `Pkg.add`/`Pkg.instantiate`;
    - the gems of `bundle install` (a bare `bundle` too) in the path
      Bundler was given (`bundle config set path DIR` in any earlier RUN,
      `--path`, `BUNDLE_PATH`, `vendor/bundle` in deployment mode; a relative
      one below the directory it runs in), else in the gem directory, and
      those of `gem install NAME` (or `-g`) in `-i DIR`, else in the gem
      directory (not `--user-install`). The gem directory is `GEM_HOME` when
      the Dockerfile sets it to a known directory and the install runs as
      root (RubyGems falls back to the user's home when it cannot write
      there), else `/usr/local/bundle` on the official `ruby` images (their
      Dockerfiles set `GEM_HOME` there, mode 1777, and dflint keeps no other
      image's value). On other images, with `BUNDLE_GEMFILE` or `--gemfile`,
      `--standalone`, `--system`, or a path through a variable not known
      here, the install is not followed.

    A command that may not run when its RUN does fills nothing certainly: one
    in an `if` (or its condition), a loop, a `case` branch or a function,
    after `||`, or in an `&&` chain after a test (`[ "$DEV" = 1 ] && python
    -m venv /opt/dev`, often an ARG switch that is off by default) is not
    followed. The stage built `FROM` a stage with ONBUILD RUN triggers has
    what they filled (literal paths only).

    Only a recursive change (`-R`, `find ... -exec`) of such a directory, of
    a directory above it, or of a file such a command wrote, and a plain
    change of a downloaded or built file are reported: a directory the earlier RUN
    only made (`mkdir /data`) holds no files to store again, and a file of
    unknown size inside a filled directory is not worth a warning (`chmod +x
    /usr/local/bin/*` after `tar -x -C /usr/local/bin tool` is silent: which
    files the archive holds is not known). Paths must
    be known: literal, or resolved with the WORKDIR and the ARG/ENV values;
    a relative path under an unknown WORKDIR, an unset variable, `~` or a
    `cd` the script makes leave the change unreported.

    Not reported: a change in the RUN that creates the files (the good
    pattern), of files a COPY or ADD also wrote there (`copy-then-chmod`
    reports those, once), of what a later RUN deleted, of what a later
    command of the changing RUN deletes (the layer holds a whiteout, not a
    second copy: `chown -R app /src && make -C /src/tool install && rm -rf
    /src/tool`), of paths under one of
    the RUN's `--mount` targets or written under the creating RUN's mounts,
    a `find` that selects only directories (`-type d`) or limits its depth
    (`-maxdepth N`: the top of the tree only), and changes in a
    builder stage only used through `COPY --from` (its layers never ship).
    ONBUILD RUN triggers are checked against each other and against the
    stage they are declared in, with literal paths only. PowerShell and cmd
    RUNs are not read. Package managers' caches and system packages
    installed by name (`apt-get install`, `apk add`...) are not followed;
    nor are Bundler and `gem` in ONBUILD triggers (where they install depends
    on the downstream build's variables).

    For one file (a download, a program) the message says that file is
    stored again; for a directory, all the files its command filled.

    The advice says to create the user first only when the changing RUN
    creates it (`useradd app && chown -R app ...`); a user it does not create
    (`nobody`, the base image's `node`, one an earlier RUN made) or a numeric
    id (`chown -R 1000`) is one to run the filling command as.

    ## Why is this bad?
    A layer stores every file whose content *or metadata* changed, whole.
    `chown -R app /opt/venv` in a RUN after the one that installed the venv
    puts a second copy of every file of the venv into the image: for a venv
    holding PyTorch, gigabytes. Creating the user first and installing as
    that user, or changing the owner in the RUN that installs, stores the
    files once.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir torch==2.3.0
    RUN useradd -u 1000 -m app && chown -R app:app /opt/venv
    USER 1000
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN useradd -u 1000 -m app && mkdir /opt/venv && chown app:app /opt/venv
    USER 1000
    RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir torch==2.3.0
    ```

    ## Fix safety
    This rule has no fix: moving commands between layers, or switching
    the user an install runs as, is a design change to review.
    """

    code = "DF008"
    name = "late-permission-change"
    summary = "chmod/chown in a later RUN stores again the files an earlier RUN created"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if _TOOLS.search(ctx.file.text) is None:
            return  # most files: no chmod, chown or chgrp at all
        model = ctx.model
        shipping = image_stages(model)
        children: dict[Optional[int], list[Stage]] = {}
        for stage in model.stages:
            children.setdefault(stage.parent, []).append(stage)
        reach, trigger_changes = _reach(ctx, shipping)
        layers = _Layers(ctx)
        found: dict[int, list[Finding]] = {}
        # Depth first, each stage's creations taken back once it and the stages built FROM it are done:
        # a stage's lineage is followed once, however many stages are built on it.
        pending: list[object] = [stage for stage in reversed(children.get(None, [])) if stage.index in reach]
        while pending:
            top = pending.pop()
            if isinstance(top, int):
                layers.back_to(top)
                continue
            assert isinstance(top, Stage)
            pending.append(layers.mark())
            lineage, *triggers = histories(model, top)
            report = top.index in shipping
            if top.parent is not None:  # the parent's ONBUILD triggers run first, on top of its image
                for history in itertools.islice(histories(model, model.stages[top.parent]), 1, None):
                    for step in history:
                        for _ in layers.step(step, False):
                            pass
            own = lineage[len(lineage) - _own_count(top):]  # the stage's own steps come last
            count = reach[top.index]
            found[top.index] = [finding for number, step in enumerate(own[:count], 1)
                                for finding in layers.step(step, report, keep=number < count)]
            if report and top.index in trigger_changes:
                for history in triggers:  # ONBUILD triggers run downstream, on top of this image
                    mark = layers.mark()
                    found[top.index] += [finding for step in history for finding in layers.step(step, report)]
                    layers.back_to(mark)
            pending.extend(reversed([child for child in children.get(top.index, []) if child.index in reach]))
        for stage in model.stages:
            yield from found.get(stage.index, ())


def _changing(ctx: RuleContext, step: Step) -> bool:
    """``step`` is a RUN (or ONBUILD RUN) with a permission change: one :meth:`_Layers.step` may report."""
    return isinstance(step.node, ast.RunInstruction) and any(
        True for script in ctx.commands(step.anchor) for _ in permission_changes(script))


def _own_count(stage: Stage) -> int:
    """How many steps of its lineage are the stage's own (:func:`histories` leaves ONBUILDs out)."""
    return sum(1 for node in stage.instructions if not isinstance(node, ast.OnbuildInstruction))


def _reach(ctx: RuleContext, shipping: frozenset[int]) -> tuple[dict[int, int], set[int]]:
    """How many of its own steps each stage that matters must follow (a stage left out matters not), and
    the stages whose ONBUILD triggers change permissions. Only a change in a stage that ships (or in its
    triggers) is reported, and it looks back only: a stage with no such change in it, its triggers or a
    stage built FROM it is not followed, and one with such changes but none below it only up to its
    last change (what comes after can be hit by no change): 1,253 steps followed instead of 2,432 in 150
    benchmark files."""
    model = ctx.model
    reach: dict[int, int] = {}
    full: set[int] = set()
    trigger_changes: set[int] = set()
    for stage in model.stages:
        lineage, *triggers = histories(model, stage)
        if any(_changing(ctx, step) for history in triggers for step in history):
            trigger_changes.add(stage.index)
        if stage.index not in shipping:
            continue
        own = lineage[len(lineage) - _own_count(stage):]
        last = max((number for number, step in enumerate(own, 1) if _changing(ctx, step)), default=0)
        if stage.index in trigger_changes:
            full.add(stage.index)
        elif last:
            reach[stage.index] = last
        else:
            continue
        parent, seen = stage.parent, {stage.index}
        while parent is not None and parent not in full and parent not in seen:  # its lineage is followed whole
            seen.add(parent)
            full.add(parent)
            parent = model.stages[parent].parent
    for index in full:
        reach[index] = len(model.stages[index].instructions) + 1  # more than its own steps: all, kept
    return reach, trigger_changes


@dataclass(eq=False)
class _Filled:
    """Files a RUN surely put at ``path``: a filled directory (``tree``) or a file."""

    path: str
    kind: str
    what: str  # "the virtual environment", "node_modules"...
    how: str  # the command, as a reader sees it: `python -m venv /opt/venv`
    node: ast.Instruction  # the RUN (or ONBUILD) that created it
    span: Span
    #: Filled by pip run through DIR/bin/pip or DIR/bin/python: a virtual environment only when one is known there.
    interpreter: bool = False


class _Latest:
    """Filled items by the parts of their paths, each directory with a heap of the numbers of the items
    below it: the latest item below a path is found without looking at the others (looking at them all
    for each change made N fills and N changes of one directory quadratic). Items leave lazily: a
    number stays in the heaps until a search meets it."""

    def __init__(self) -> None:
        self._root: dict = {}
        self._items: dict[int, _Filled] = {}

    def _node(self, wanted: Sequence[str], make: bool) -> Optional[dict]:
        node = self._root
        for part in wanted:
            children = node.setdefault("", {}) if make else node.get("", {})
            child = children.get(part)
            if child is None:
                if not make:
                    return None
                child = children[part] = {}
            node = child
        return node

    def add(self, seq: int, item: _Filled) -> None:
        self._items[seq] = item
        node = self._root
        heapq.heappush(node.setdefault("heap", []), -seq)
        for part in parts(item.path):
            node = node.setdefault("", {}).setdefault(part, {})
            heapq.heappush(node.setdefault("heap", []), -seq)
        node.setdefault("items", {})[seq] = item

    def remove(self, seq: int) -> None:
        item = self._items.pop(seq)
        node = self._node(parts(item.path), False)
        assert node is not None
        node["items"].pop(seq, None)

    def at(self, wanted: Sequence[str]) -> dict[int, _Filled]:
        """The items whose path is ``wanted``."""
        node = self._node(wanted, False)
        return dict(node.get("items", {})) if node is not None else {}

    def below(self, wanted: Sequence[str], skip: Callable[[_Filled], bool]) -> Optional[_Filled]:
        """The latest item at ``wanted`` or below it that ``skip`` does not refuse."""
        node = self._node(wanted, False)
        heap = node.get("heap") if node is not None else None
        if not heap:
            return None
        refused = []
        found = None
        while heap:
            seq = -heap[0]
            item = self._items.get(seq)
            if item is None or not _inside_parts(item.path, wanted):
                heapq.heappop(heap)  # gone (or gone and filed again elsewhere): forget it here
                continue
            if skip(item):
                refused.append(heapq.heappop(heap))
                continue
            found = item
            break
        for entry in refused:
            heapq.heappush(heap, entry)
        return found


def _inside_parts(path: str, wanted: Sequence[str]) -> bool:
    found = parts(path)
    return found[:len(wanted)] == list(wanted)


class _Deletions:
    """A RUN's deletions by path, to ask whether one after a given command deletes a path."""

    def __init__(self, deletions: Sequence[Removal]) -> None:
        self._deletions = list(deletions)
        self._index: PathIndex[Removal] = PathIndex()
        for number, removal in enumerate(self._deletions):
            assert removal.path is not None
            wanted = parts(removal.path)
            if wanted and wanted[-1] in ("*", ".*", "{*,.*}", "{.*,*}", ".[!.]*"):
                wanted = wanted[:-1]
            self._index.add(number, removal, ("/" + "/".join(wanted),))

    def deletes(self, path: str, index: int) -> bool:
        """A deletion by a step after the step ``index`` removes ``path``."""
        if not self._deletions:
            return False
        return any(removal.step.index > index and deletes(removal.path, path)  # type: ignore[arg-type]
                   for removal in self._index.above([*parts(path), "\0"]).values())


def _shallow(change: PermissionChange) -> bool:
    """``find ROOT -maxdepth N ... -exec``: only the top of the tree changes."""
    return change.command.program == "find" and any(w.value == "-maxdepth" for w in change.command.args)


class _Layers:
    """What the RUNs followed so far filled, filed by path, and what COPY/ADD wrote (which
    copy-then-chmod reports), with an undo log back to a :meth:`mark`."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.model = ctx.model
        self.filled: PathIndex[_Filled] = PathIndex()  # for globs and deletions
        self.latest = _Latest()  # the same items, for the latest one below a path
        self.count = 0  # how many items are filed
        self.venvs: Counter[str] = Counter()  # the directories RUNs made virtual environments (filled or not)
        self.copies = CopyIndex()
        self.position = 0  # positions in the CopyIndex, one per COPY/ADD followed
        self._order = itertools.count()
        self._undo: list[Callable[[], None]] = []

    def mark(self) -> int:
        return len(self._undo)

    def back_to(self, mark: int) -> None:
        while len(self._undo) > mark:
            self._undo.pop()()

    def step(self, step: Step, report: bool, keep: bool = True) -> Iterator[Finding]:
        """Follow ``step``, reporting its changes when ``report``; what it fills is filed only when ``keep``
        (a later step may look for it)."""
        node = step.node
        if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
            entries = copied(self.model, node, step.anchor)
            if entries:
                position, self.position = self.position, self.position + 1
                self.copies.add(position, entries)
                self._undo.append(lambda: self._untake_copy(position))
            return
        if not isinstance(node, ast.RunInstruction):
            return
        anchor = step.anchor
        steps = run_steps(self.ctx.analysis, anchor)
        if not steps:
            return  # PowerShell, cmd
        check = report and self.count > 0  # with nothing filled yet, no change can hit
        if not (keep or check):
            return
        resolver = _Resolver(self.ctx, step)
        deletions = [r for r in removals(self.ctx.analysis, anchor) if r.path is not None and r.package is None]
        later = _Deletions(deletions)
        if self.count:
            yield from self._events(step, steps, deletions, later, resolver, check)
        if not keep:
            return
        own = _created(self.ctx, anchor, steps, resolver)
        for path in _venvs(self.ctx, anchor, steps, resolver):
            self.venvs[path] += 1
            self._undo.append(lambda path=path: self.venvs.subtract((path,)))
        for item, index in own:  # what this RUN filled and did not delete after
            if not later.deletes(item.path, index):
                item = self._named(item, resolver)
                seq = next(self._order)
                self._add(seq, item)
                self._undo.append(lambda seq=seq: self._remove(seq))

    def _events(self, step: Step, steps: Sequence[RunStep], deletions: Sequence[Removal], later: _Deletions,
                resolver: "_Resolver", report: bool) -> Iterator[Finding]:
        """The RUN's deletions and changes, in order: a deletion before a change takes the files away, one
        after it leaves a whiteout in this layer, not a second copy."""
        by_command = {id(s.command): s for s in steps}
        changes = [(change, script) for script in self.ctx.commands(step.anchor)
                   for change in permission_changes(script)] if report else []
        events = sorted([(r.step.index, 0, r) for r in deletions] +
                        [(by_command[id(c.command)].index, 1, (c, s)) for c, s in changes if id(c.command) in by_command],
                        key=lambda e: (e[0], e[1]))
        words: dict[int, Counter[str]] = {}  # per script, how many times each word is written
        for index, kind, event in events:
            if kind == 0:
                self._delete(event.path)  # type: ignore[union-attr]
            elif report:
                change, script = event  # type: ignore[misc]
                if id(script) not in words:
                    words[id(script)] = Counter(w.value for c in script.commands for w in c.args)
                finding = self._change(step, change, script, words[id(script)], resolver,
                                       lambda item, index=index: later.deletes(item.path, index))
                if finding is not None:
                    yield finding

    def _add(self, seq: int, item: _Filled) -> None:
        self.count += 1
        self.filled.add(seq, item, (item.path,))
        self.latest.add(seq, item)

    def _remove(self, seq: int) -> None:
        self.count -= 1
        self.filled.remove(seq)
        self.latest.remove(seq)

    def _named(self, item: _Filled, resolver: "_Resolver") -> _Filled:
        """``item``, called a virtual environment when pip filled it through a ``bin/pip`` of its own and it
        is one: a venv an earlier command created there, or VIRTUAL_ENV's directory."""
        if not item.interpreter:
            return item
        if self.venvs[item.path] > 0 or resolver.expand("$VIRTUAL_ENV") == item.path:
            return _Filled(item.path, item.kind, "the virtual environment", item.how, item.node, item.span)
        return item

    def _untake_copy(self, position: int) -> None:
        self.copies.truncate(position)
        self.position = position

    def _delete(self, path: str) -> None:
        wanted = parts(path)
        if wanted and wanted[-1] in ("*", ".*"):
            wanted = wanted[:-1]
        if not wanted:
            return
        for seq, item in list(self.filled.below(wanted).items()):
            if deletes(path, item.path):
                self._remove(seq)
                self._undo.append(lambda seq=seq, item=item: self._add(seq, item))

    def _change(self, step: Step, change: PermissionChange, script, words: Counter[str], resolver: "_Resolver",
                gone: Callable[[_Filled], bool]) -> Optional[Finding]:
        ctx = self.ctx
        own = Counter(w.value for w in change.command.args)
        if any(words[w.value] > own[w.value] for w in change.paths):
            return None  # another command of the RUN names it: rewritten in this layer anyway
        if _shallow(change):
            return None  # `find DIR -maxdepth N`: the top of the tree only
        paths = [resolver.change_path(script, word) for word in change.paths]
        if None in paths or any(resolver.mounted(p) for p in paths):
            return None
        if any(self.copies.latest(p, change.recursive, change.selective) >= 0 for p in paths):
            return None  # copy-then-chmod's
        for path in paths:
            assert path is not None
            hit = self._hit(path.rstrip("/") or "/", change, gone)
            if hit is not None:
                message = _message(ctx, step, change, hit)
                return ctx.finding(change.command, message,
                                   related=[(f"{hit.how} {'filled' if hit.kind == 'tree' else 'wrote'} it in this layer",
                                             hit.span)])
        return None

    def _hit(self, path: str, change: PermissionChange, gone: Callable[[_Filled], bool]) -> Optional[_Filled]:
        """The latest item the change rewrites whole, but those a later command of its RUN deletes."""
        if has_glob(path) and (change.recursive or has_glob(posixpath.dirname(path))):
            return None
        wanted = parts(path)
        if change.recursive and not change.selective:
            return self.latest.below(wanted, gone)  # the latest of the path itself and what lies below it
        if has_glob(path):
            candidates = {seq: item for seq, item in self.filled.below(wanted).items()
                          if len(parts(item.path)) == len(wanted)}
        else:
            candidates = self.latest.at(wanted)
        best = None
        for seq, item in sorted(candidates.items()):
            if gone(item):
                continue
            same = item.path == path or has_glob(path) and item.path != path
            if change.selective:
                ok = same and item.kind == "tree"
            else:
                ok = same and item.kind == "file"
            if ok:
                best = item  # the latest
        return best


class _Resolver:
    """Paths of a RUN's words: WORKDIR, ARG/ENV values; for an ONBUILD trigger, literal paths only
    (its scope and WORKDIR are those of the build FROM the image)."""

    def __init__(self, ctx: RuleContext, step: Step) -> None:
        self.ctx = ctx
        self.anchor = step.anchor
        self.trigger = step.trigger
        model = ctx.model
        self.workdir = model.trigger_workdir(step.anchor) if step.trigger else model.workdir_at(step.anchor)
        # The RUN's steps know their directory as the anchor's WORKDIR: right for a trigger only when that
        # is the WORKDIR the trigger will run in.
        self.cwd_known = not step.trigger or model.workdir_at(step.anchor) == self.workdir
        self.mounts = [path for path, _ in mount_targets(ctx.analysis, step.anchor, _MOUNTS) if path]

    def expand(self, text: str) -> Optional[str]:
        if self.trigger:
            return None
        expansion = self.ctx.model.expand(self.anchor, text)
        return expansion.value if expansion.resolved else None

    def mounted(self, path: str) -> bool:
        return any(inside(path, mount) for mount in self.mounts)

    def change_path(self, script, word) -> Optional[str]:
        value = static_path(script, word, self.expand)
        return resolve(value, self.workdir) if value is not None and "$" not in value else None

    def word(self, step: RunStep, word, text: Optional[str] = None) -> Optional[str]:
        """The path ``word`` (or ``text``, an option's value after ``=``) names for ``step``."""
        if text is None:
            value = static_path(step.script, word, self.expand)
        elif "$" in text:
            value = None if "$(" in text or "`" in text else self.expand(text)
        else:
            value = text
        if value is None or "$" in value or value.startswith("~") or has_glob(value):
            return None
        return resolve(value, self.cwd(step))

    def cwd(self, step: RunStep) -> Optional[str]:
        return step.cwd if self.cwd_known else None

    def after(self, step: RunStep, *names: str) -> Optional[str]:
        found = _after(step, *names)
        if found is None:
            return None
        word, text = found
        return self.word(step, word, None if word is not None else text)

    def option(self, step: RunStep, *names: str) -> Optional[str]:
        invocation = step.invocation
        option = invocation.option(*names) if invocation is not None else None
        if option is None or option.value_word is None or option.value is None:
            return None
        word = option.value_word
        return self.word(step, word, option.value if word is option.word else None)


def _created(ctx: RuleContext, node: ast.Instruction, steps: Sequence[RunStep],
             resolver: _Resolver) -> list[tuple[_Filled, int]]:
    """What the RUN ``node`` surely filled, each with the index of the step that did it; nothing
    below the RUN's mounts."""
    memo = ctx.analysis.memo("DF008: filled")
    key = (node, resolver.trigger)
    if key in memo:
        return memo[key]
    found: list[tuple[_Filled, int]] = []
    by_step = {id(s): s for s in steps}
    for item in run_created(ctx.analysis, node):  # curl/wget files, git clones (DF004's reading)
        if item.kind in ("file", "tree") and item.step is not None and id(item.step) in by_step:
            what = "the repository" if item.kind == "tree" else "the file"
            path = item.paths[0]
            if "$" in path or has_glob(path) or resolver.trigger and _unsure_in_trigger(item, resolver):
                continue
            found.append((_Filled(path, item.kind, what, _how(item.step), node, item.span), item.step.index))
    for step in steps:
        if step.invocation is None or under_new_root(step):
            continue
        if resolver.trigger and (not resolver.cwd_known or any(w.has_expansion for w in step.command.argv)):
            continue  # a trigger's variables are those of the build FROM the image
        for path, kind, what in _fills(ctx, node, step, resolver):
            if path and path.startswith("/") and not has_glob(path) and path != "/":
                found.append((_Filled(path.rstrip("/"), kind, what, _how(step), node, step.command.span,
                                      interpreter=what == _PIP_PREFIX), step.index))
    unsure = _unsure_steps(steps)
    found = [(item, index) for item, index in found if not resolver.mounted(item.path) and index not in unsure]
    memo[key] = found
    return found


def _venvs(ctx: RuleContext, node: ast.Instruction, steps: Sequence[RunStep], resolver: _Resolver) -> list[str]:
    """The directories the RUN ``node`` makes virtual environments, filled or not."""
    memo = ctx.analysis.memo("DF008: venvs")
    key = (node, resolver.trigger)
    if key not in memo:
        memo[key] = [venv[0] for step in steps if step.invocation is not None and not under_new_root(step)
                     and not (resolver.trigger and not resolver.cwd_known)
                     and (venv := _created_venv(ctx.analysis, node, step)) is not None]
    return memo[key]


def _created_venv(analysis, node: ast.Instruction, step: RunStep) -> Optional[tuple[str, bool]]:
    """:func:`created_venv`, asked only of the programs that can make one (python*, virtualenv, uv)."""
    program = step.invocation.program if step.invocation is not None else ""
    if program.startswith("python") or program in ("virtualenv", "uv"):
        return created_venv(analysis, node, step)
    return None


def _unsure_steps(steps: Sequence[RunStep]) -> set[int]:
    """The indexes of the steps that may not run when the RUN does: in a condition, a branch, a loop or a
    function; after `||`; in an `&&`/`||` chain after a test (`[ "$DEV" = 1 ] && python -m venv ...`)."""
    unsure = set()
    previous: dict[tuple[int, tuple[str, ...]], RunStep] = {}  # the last step of each list
    for step in steps:
        command = step.command
        key = (id(step.script), step.contexts)
        before = previous.get(key)
        previous[key] = step
        if step.branch:
            unsure.add(step.index)
        elif command.operator in ("&&", "||", "|", "|&") and before is not None and (
                command.operator == "||" or before.index in unsure or before.command.name in _TESTS
                or before.command.operator == "||"):
            unsure.add(step.index)
    return unsure


def _unsure_in_trigger(item: Created, resolver: _Resolver) -> bool:
    where = item.where
    return not resolver.cwd_known or not isinstance(where, Span) and getattr(where, "has_expansion", True)


def _how(step: RunStep) -> str:
    return _shown(step.command)


def _shown(command) -> str:
    """A command as a message shows it: its words as written, shortened when long."""
    words = [w.raw for w in command.argv]
    text = " ".join(words)
    if len(text) <= 60:
        return text
    shown = words[:1]
    for word in words[1:]:
        if len(" ".join(shown)) + len(word) > 50:
            break
        shown.append(word)
    return " ".join(shown) + " ..."


def _after(step: RunStep, *names: str) -> Optional[tuple[Optional[object], str]]:
    """For a tool dflint has no option table for (tar, conda), the word after the last option word
    ``names`` (``-C DIR``), or the value after ``=`` (``--directory=DIR``): (word or None, text)."""
    argv = step.command.argv
    found = None
    for index, word in enumerate(argv):
        value = word.value
        if value in names and index + 1 < len(argv):
            found = (argv[index + 1], argv[index + 1].value)
        elif "=" in value and value.split("=", 1)[0] in names and value.startswith("--"):
            found = (None, value.split("=", 1)[1])
    return found


def _fills(ctx: RuleContext, node: ast.Instruction, step: RunStep,
           resolver: _Resolver) -> Iterator[tuple[Optional[str], str, str]]:
    """(path, kind, what) for what one command surely filled, beyond DF004's downloads and clones."""
    invocation = step.invocation
    assert invocation is not None
    program = invocation.program
    if program not in _FILLERS and not program.startswith("python") and not compiles(invocation):
        return  # most commands: none that fills anything followed here
    analysis = ctx.analysis
    venv = _created_venv(analysis, node, step)
    if venv is not None and venv[1] and not any(w.value == "--no-seed" for w in step.command.argv):
        yield venv[0], "tree", "the virtual environment"
    if program == "pip" and invocation.subcommand == "install":
        target = resolver.option(step, "-t", "--target", "--prefix", "--root")
        if target is not None:
            yield target, "tree", "the packages pip installed"
        else:
            interpreter = next((w for w in step.command.argv if posixpath.basename(w.value).startswith(
                ("pip", "python")) and "/bin/" in w.value), None)
            if interpreter is not None and interpreter.literal and interpreter.value.startswith("/"):
                # a venv's, or an installation's (/usr/local/bin/pip): see _Layers._named
                yield posixpath.dirname(posixpath.dirname(interpreter.value)), "tree", _PIP_PREFIX
    if program in ("npm", "yarn") and not invocation.has("-g", "--global") and invocation.subcommand != "global" \
            and not _npm_global(step):
        install = dependency_install(step.script, step.command)
        named = program == "npm" and invocation.subcommand == "install" and bool(invocation.operands)
        if (install is not None or named) and (program == "npm" or yarn_line(analysis, node, step) == YARN_CLASSIC):
            prefix = resolver.option(step, "--prefix") if program == "npm" else resolver.option(step, "--cwd")
            where = prefix if prefix is not None else resolver.cwd(step)
            if where is not None and where.startswith("/"):
                yield posixpath.join(where, "node_modules"), "tree", "node_modules"
    if program in ("bundle", "bundler"):
        gems = _bundle_install(ctx, node, step, resolver)
        if gems is not None:
            yield gems, "tree", _GEMS
    if program == "gem" and invocation.subcommand == "install":
        gems = _gem_install(ctx, node, step, resolver)
        if gems is not None:
            yield gems, "tree", _GEMS
    unpacking = extraction(invocation)
    if unpacking is not None and program in ("tar", "bsdtar", "gtar"):
        directory = resolver.after(step, "-C", "--directory")
        if directory is not None:
            yield directory, "tree", "the files tar unpacked in"
    if compiles(invocation):
        for output in outputs(ctx.model, node, step) or ():
            if not (output.unnamed or output.loose or output.below or output.exclude) and "$" not in output.path:
                yield resolve(output.path, resolver.cwd(step)), "file", "the program"
    verbs = [w.value for w in invocation.operands[:2]]
    if program in _CONDA and (verbs[:1] == ["create"] and _conda_packages(step) or verbs == ["env", "create"]):
        prefix = resolver.after(step, "-p", "--prefix")
        if prefix is not None:
            yield prefix, "tree", "the conda environment"
    if program in ("bash", "sh") and invocation.operands and _CONDA_INSTALLER.fullmatch(
            posixpath.basename(invocation.operands[0].value)):
        prefix = resolver.after(step, "-p")
        if prefix is not None:
            yield prefix, "tree", "the conda installation"
    if program == "julia" and any(_JULIA_PACKAGES.search(w.value) for w in step.command.argv):
        yield _julia_depot(ctx, node, step, resolver), "tree", "the Julia depot"


def _bundle_install(ctx: RuleContext, node: ast.Instruction, step: RunStep, resolver: _Resolver) -> Optional[str]:
    """Where ``bundle install`` (or a bare ``bundle``) surely put the gems: the path Bundler was given
    (``bundle config set path``, ``--path``, ``BUNDLE_PATH``, deployment mode; relative to the install's
    directory, the application's), else the gem directory (:func:`_gem_home`). None when that is not
    known: a path through an unknown variable, ``BUNDLE_GEMFILE`` or ``--gemfile`` (the application is
    elsewhere), ``--standalone`` (``./bundle``), ``--system``, a trigger."""
    words = [w.value for w in step.command.argv]
    operands = [w.value for w in step.invocation.operands] if step.invocation is not None else []
    if not (operands[:1] == ["install"] or len(words) == 1) or resolver.trigger:
        return None
    if any(w.split("=", 1)[0] in ("--gemfile", "--standalone", "--system", "--help", "-h") for w in words[1:]) \
            or _set_here(ctx, node, step, "BUNDLE_GEMFILE"):
        return None
    directory = bundle_directory(ctx.analysis, node, step)
    if directory is None:
        if _set_here(ctx, node, step, "BUNDLE_PATH"):
            return None  # a BUNDLE_PATH whose value is not known here
        return _gem_home(ctx, node, step, resolver)
    if "$" in directory or directory.startswith("~") or has_glob(directory):
        return None
    return resolve(directory, resolver.cwd(step)) if directory.startswith("/") or resolver.cwd(step) else None


def _gem_install(ctx: RuleContext, node: ast.Instruction, step: RunStep, resolver: _Resolver) -> Optional[str]:
    """Where ``gem install NAME...`` (or ``-g``/``--file``, a Gemfile's gems) surely put the gems: ``-i``/
    ``--install-dir``, else the gem directory (:func:`_gem_home`); None with ``--user-install`` (the
    home's), without gems named, or when the place is not known."""
    invocation = step.invocation
    assert invocation is not None
    if resolver.trigger or invocation.has("--user-install", "--explain", "-h", "--help") \
            or not (invocation.operands or invocation.has("-g", "--file")):
        return None
    if invocation.option("-i", "--install-dir") is not None:
        return resolver.option(step, "-i", "--install-dir")
    return _gem_home(ctx, node, step, resolver)


def _set_here(ctx: RuleContext, node: ast.Instruction, step: RunStep, name: str) -> bool:
    """``name`` is set for ``step``: by the command, an ``export``, ARG or ENV (or named in an ``env`` wrapper)."""
    return any(a.name == name for a in step.command.assignments) or name in step.exported \
        or any(w.value.startswith(name + "=") for w in step.command.argv) \
        or ctx.model.scope_at(node).get(name) is not None


def _gem_home(ctx: RuleContext, node: ast.Instruction, step: RunStep, resolver: _Resolver) -> Optional[str]:
    """The gem directory a gem install by ``step`` surely writes: ``GEM_HOME`` when the Dockerfile sets it
    to a known directory and the command runs as root (RubyGems falls back to the user's home when it
    cannot write there), else the official ruby images' ``/usr/local/bundle`` (mode 1777: any user).
    None otherwise: a ``GEM_HOME`` whose value is not known, another image (its gem directory is its
    own), an ONBUILD trigger."""
    if resolver.trigger:
        return None
    home: Optional[str] = None
    if _set_here(ctx, node, step, "GEM_HOME"):
        if any(a.name == "GEM_HOME" for a in step.command.assignments) or "GEM_HOME" in step.exported \
                or any(w.value.startswith("GEM_HOME=") for w in step.command.argv):
            return None  # set for this command alone: rare, and read here from no table
        home = resolver.expand("$GEM_HOME")
        if not home or not home.startswith("/") or has_glob(home) or not _as_root(ctx, node, step):
            return None
        return resolve(home, "/")
    stage = ctx.model.stage_of(node)
    base = root_reference(ctx.model, stage) if stage is not None else None
    if base is not None and base.registry_known and f"{base.registry}/{base.repository}" == _RUBY_IMAGE:
        return _RUBY_GEM_HOME
    return None


def _as_root(ctx: RuleContext, node: ast.Instruction, step: RunStep) -> bool:
    """``step`` surely runs as root: a USER before it names root, or none does on an image that runs as root."""
    if user_home(ctx.analysis, node, step) == "/root":
        return True
    stage = ctx.model.stage_of(node)
    if stage is None or not root_image(ctx.model, stage):
        return False
    for member in ctx.model.lineage(stage):
        for instruction in member.instructions:
            if instruction is node:
                return True
            if isinstance(instruction, ast.UserInstruction):
                return False
    return False


def _npm_global(step: RunStep) -> bool:
    """``npm install --location=global`` (or ``--location global``) installs into the prefix, like ``-g``."""
    words = [w.value for w in step.command.argv]
    return "--location=global" in words or any(a == "--location" and b == "global" for a, b in zip(words, words[1:]))


def _conda_packages(step: RunStep) -> bool:
    """``conda create`` names what fills the environment: package specs, ``--file`` or ``--clone``; without
    any it makes an empty one."""
    words = [w.value for w in step.command.argv]
    start = words.index("create") + 1 if "create" in words else len(words)
    skip = False
    for word in words[start:]:
        if skip:
            skip = False
        elif word.split("=", 1)[0] in _CONDA_FILLING:
            return True
        elif word in _CONDA_VALUES:
            skip = True
        elif not word.startswith("-"):
            return True
    return False


def _julia_depot(ctx: RuleContext, node: ast.Instruction, step: RunStep, resolver: _Resolver) -> Optional[str]:
    """Where Julia puts the packages: the first entry of JULIA_DEPOT_PATH, else ~/.julia."""
    if resolver.trigger:
        return None
    variable = ctx.model.scope_at(node).get("JULIA_DEPOT_PATH")
    if any(a.name == "JULIA_DEPOT_PATH" for a in step.command.assignments) or "JULIA_DEPOT_PATH" in step.exported:
        return None
    if variable is not None and variable.value is not None:
        value = resolver.expand("$JULIA_DEPOT_PATH")
        first = value.split(":")[0] if value else None
        return first if first and first.startswith("/") else None
    home = user_home(ctx.analysis, node, step)
    return posixpath.join(home, ".julia") if home else None


def _message(ctx: RuleContext, step: Step, change: PermissionChange, hit: _Filled) -> str:
    text = _shown(change.command)
    line, run = hit.span.start.line, hit.node.span.start.line
    what = f"{hit.what} {hit.path}" if hit.kind == "tree" else f"{hit.path}"
    if change.tool == "chmod":
        advice = f"set the mode in that RUN (line {run}), right after `{hit.how}`"
    else:
        owner = change.literal_owner
        user = owner.split(":")[0] if owner else None
        if user and user.isdigit():
            who = f"run `{hit.how}` as user {user} (`USER {user}` before that RUN"
        elif user and any(c.account == f"user:{user}" for c in account_creations(ctx.analysis, step.anchor)):
            who = f"create `{user}` first and run `{hit.how}` as it (`USER {user}` before that RUN"
        elif user:  # it exists already: the base image's, or created by an earlier RUN
            who = f"run `{hit.how}` as `{user}` (`USER {user}` before that RUN"
        else:
            who = f"run `{hit.how}` as the owner you want (created first, `USER` before that RUN"
        empty = ", or `chown` the empty directory before filling it" if hit.kind == "tree" else ""
        advice = f"{who}{empty}), or {change.tool} in that RUN (line {run}), right after it"
    if hit.kind == "tree":
        return (f"`{text}` changes {what}, which `{hit.how}` filled in an earlier layer (line {line}): this layer "
                f"stores all those files again, and the earlier layer keeps its copy; {advice}")
    return (f"`{text}` changes {what}, which `{hit.how}` wrote in an earlier layer (line {line}): this layer "
            f"stores the file again, and the earlier layer keeps its copy; {advice}")
