"""What COPY and ADD put into the image, as far as the Dockerfile alone can tell.

:func:`copied` resolves a COPY/ADD's destination against WORKDIR and the
ARG/ENV scope and says, per source, which paths in the image it writes;
:func:`relation` compares such an entry with a path another instruction
touches, and a :class:`CopyIndex` finds, among many copies, the latest one a
path touches without comparing the path with each. :func:`context_copy` finds
the sources that copy the whole build context or a source tree, whose content
changes with every edit.

The build context cannot be seen, so a source's type is read from how it is
written: ``.``, ``./`` and a trailing ``/`` are directories (their *contents*
land in the destination); any other source may be a file or a directory.
With ``COPY --parents`` a source keeps its path (after a ``/./`` pivot) below
the destination.
"""

from __future__ import annotations

import bisect
import fnmatch
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional, Sequence

from .. import ast
from .paths import has_glob, inside, resolve
from .sources import archive_name, into_directory, keeps_parents, parents_path

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel

__all__ = ["Copied", "copied", "relation", "CopyIndex", "context_copy", "SOURCE_DIRECTORIES", "WORKSPACE_DIRECTORIES",
           "last_copy_of", "may_have_copied"]

_HEREDOC_MARKER = re.compile(r"<<-?([\"']?)(.+)\1")
_WHOLE_CONTEXT = frozenset({".", "./", "./.", "*", "./*"})
#: Directory names that, by near-universal convention, hold the code people edit
#: (not manifests, configuration or vendored dependencies).
SOURCE_DIRECTORIES = frozenset({
    "src", "source", "sources", "Sources", "app", "cmd", "internal", "pkg", "lib", "components",
    "pages", "test", "tests", "spec",
})
#: Folders of a JavaScript monorepo's workspaces (npm, pnpm and Yarn workspaces, Turborepo, Nx): each
#: workspace's sources with its package.json. A folder named ``packages`` may as well hold local wheels or
#: .deb files: these count as sources only before a Node install.
WORKSPACE_DIRECTORIES = frozenset({"apps", "packages"})


@dataclass(frozen=True)
class Copied:
    """A path a COPY/ADD writes.

    ``kind`` is ``"file"`` (exactly ``path``, which may be a glob from the
    source), ``"tree"`` (the contents of a directory source landed in the
    directory ``path``) or ``"either"`` (``path`` is the copied file, or a
    directory holding the copied tree: the source's type is unknown).
    """

    path: str
    kind: str
    source: ast.Argument


def _is_url(value: str) -> bool:
    return "://" in value or value.startswith("git@")


def copied(model: "BuildModel", node: ast.Instruction, anchor: Optional[ast.Instruction] = None) -> tuple[Copied, ...]:
    """The paths COPY/ADD ``node`` writes; () when the destination cannot be known.

    ``anchor`` is the instruction whose scope and WORKDIR apply (an ONBUILD for
    its trigger, where only literal destinations are known, relative ones against
    :meth:`~.build.BuildModel.trigger_workdir`).
    """
    if not isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) or node.destination is None:
        return ()
    anchor = anchor or node
    trigger = anchor is not node
    raw = node.destination.value
    if trigger:
        if "$" in raw:
            return ()
        destination = resolve(raw, model.trigger_workdir(anchor))
    else:
        expansion = model.expand(anchor, raw)
        if not expansion.resolved:
            return ()
        destination = resolve(expansion.value, model.workdir_at(anchor))
    if destination is None:
        return ()
    sources = node.sources
    written = raw if trigger else model.expand(anchor, raw).value
    into = into_directory(written, len(sources)) or destination.endswith("/")
    base = destination.rstrip("/") or "/"
    heredocs = {h.name for h in node.heredocs}
    parents = keeps_parents(node)
    found = []
    for source in sources:
        value = source.value
        marker = _HEREDOC_MARKER.fullmatch(value)
        name = marker.group(2) if marker and marker.group(2) in heredocs else None
        if name is None and "$" in value:
            expansion = None if trigger else model.expand(anchor, value)
            if expansion is not None and expansion.resolved:
                value = expansion.value
            elif into or (isinstance(node, ast.AddInstruction) and archive_name(value)):
                continue  # where it lands depends on the unknown name, or ADD may unpack it
            else:  # one source written to a path of its own: its name does not matter
                found.append(Copied(base, "file" if _is_url(value) else "either", source))
                continue
        unpacked = isinstance(node, ast.AddInstruction) and archive_name(value) and not _is_url(value)
        if name is None and unpacked:
            continue  # an archive ADD unpacks (COPY copies it as a file)
        if parents and name is None and not _is_url(value):  # the source's own path, below the destination
            kept = parents_path(value)
            tree = not kept or value.endswith(("/", "/."))
            found.append(Copied(posixpath.join(base, kept) if kept else base, "tree" if tree else "either", source))
            continue
        if name is not None or _is_url(value):
            name = name or posixpath.basename(value.split("?", 1)[0].rstrip("/"))
            if value.endswith(".git") or value.startswith("git@"):
                found.append(Copied(base, "tree", source))
            else:
                found.append(Copied(posixpath.join(base, name) if into else base, "file", source))
        elif value in _WHOLE_CONTEXT or value.endswith(("/", "/.")):
            found.append(Copied(base, "tree", source))
        elif into:
            found.append(Copied(posixpath.join(base, posixpath.basename(value)), "file", source))
        else:
            found.append(Copied(base, "either", source))
    return tuple(found)


def relation(path: str, recursive: bool, entry: Copied) -> Optional[str]:
    """How ``path`` (absolute, maybe a glob in its last part) touches what ``entry`` wrote.

    ``"same"``: the copied file, or with ``recursive`` the copied tree itself;
    ``"inside"``: files inside a copied tree; ``"ancestor"``: a recursive change
    of a directory holding the copy. None when they provably do not meet, or
    cannot be compared.
    """
    path = path.rstrip("/") or "/"
    parent, last = posixpath.split(path)
    if has_glob(parent):
        return None
    target = entry.path
    if has_glob(last) or has_glob(target):
        if fnmatch.fnmatchcase(target, path) or fnmatch.fnmatchcase(path, target):
            return "same" if entry.kind == "file" else None
        if entry.kind != "file" and inside(parent, target):
            return "inside"
        return None
    if path == target:
        return "same" if recursive or entry.kind != "tree" else None
    if inside(path, target):
        return "inside" if entry.kind != "file" else None
    if recursive and inside(target, path):
        return "ancestor"
    return None


class _Directory:
    """A directory of a :class:`CopyIndex`: the entries whose path is this directory (``here``), the
    globbed entries whose fixed start ends in it (``patterns``), and the latest position of an entry
    with a plain path strictly below it (``below``), and the latest before that one (``below_before``,
    for a question that leaves ``below``'s instruction out)."""

    __slots__ = ("below", "below_before", "children", "here", "patterns")

    def __init__(self) -> None:
        self.children: dict[str, _Directory] = {}
        self.here: list[tuple[int, Copied]] = []
        self.patterns: list[tuple[int, Copied]] = []
        self.below = -1
        self.below_before = -1


def _components(path: str) -> list[str]:
    """``path`` cut at every ``/``: a path is inside another (:func:`.paths.inside`) when the other's
    components start its own. ``/`` is one empty component, like the start of every absolute path."""
    return [""] if path in ("", "/") else path.split("/")


class CopyIndex:
    """What a sequence of COPY/ADD instructions wrote (:func:`copied`), filed by path, for the
    question "which is the latest of them that a path touches (:func:`relation`)?".

    Each instruction is added in order with its position (:meth:`truncate` takes the latest ones
    back out). A path is compared only with the copies at its directories and above, at it, and,
    for a recursive change, the latest one below it; a path whose last part is a glob also with
    what lies below its directory. An entry whose path holds a glob (``/usr/local/bin/*.sh``) is
    filed under the directory its fixed start names.
    :func:`relation` still decides every pair it is shown: the index only leaves out pairs that
    cannot be related, so the answer is that of comparing the path with every entry.
    """

    def __init__(self) -> None:
        self._root = _Directory()
        self._latest = -1  # the latest position of an entry with a plain path
        self._latest_before = -1  # and the latest before it
        self._loose: list[tuple[int, Copied]] = []  # globbed entries whose fixed start names no directory
        # What each add changed, to undo it (see truncate): (position, what, ...), oldest first.
        self._log: list[tuple] = []

    def add(self, position: int, entries: Sequence[Copied]) -> None:
        """File ``entries``, which the instruction at ``position`` wrote (positions only grow)."""
        for entry in entries:
            target = entry.path
            if has_glob(target):
                start = target[:min(i for i in (target.find(c) for c in "*?[") if i >= 0)]
                cut = start.rfind("/")
                bucket = self._loose if cut < 0 else self._directory(position, start[:cut]).patterns
            else:
                node = self._root
                for component in _components(target.rstrip("/") or "/"):
                    if node.below != position:
                        self._log.append((position, "below", node, node.below, node.below_before))
                        node.below_before, node.below = node.below, position
                    node = self._child(position, node, component)
                if self._latest != position:
                    self._log.append((position, "latest", self._latest, self._latest_before))
                    self._latest_before, self._latest = self._latest, position
                bucket = node.here
            bucket.append((position, entry))
            self._log.append((position, "entry", bucket))

    def truncate(self, end: int) -> None:
        """Forget what was added at ``end`` and after: the index of a shorter sequence, such as
        the parent stage's steps when the next stage built on it is checked."""
        log = self._log
        while log and log[-1][0] >= end:
            _, what, *rest = log.pop()
            if what == "entry":
                rest[0].pop()
            elif what == "below":
                rest[0].below, rest[0].below_before = rest[1], rest[2]
            elif what == "latest":
                self._latest, self._latest_before = rest
            else:  # a directory made for it
                del rest[0].children[rest[1]]

    def _child(self, position: int, node: _Directory, component: str) -> _Directory:
        child = node.children.get(component)
        if child is None:
            child = node.children[component] = _Directory()
            self._log.append((position, "directory", node, component))
        return child

    def _directory(self, position: int, path: str) -> _Directory:
        node = self._root
        for component in _components(path):
            node = self._child(position, node, component)
        return node

    def latest(self, path: str, recursive: bool, selective: bool = False, excluded: int = -1) -> int:
        """The position of the latest entry :func:`relation` relates ``path`` to, or -1; with
        ``selective`` (a filtered sweep such as ``find / -perm /6000 -exec chmod``) a copy below
        ``path`` (``"ancestor"``) does not count. What the instruction at ``excluded`` wrote is left
        out (which other copy does a change touch, besides the latest?)."""
        normal = path.rstrip("/") or "/"
        parent, last = posixpath.split(normal)
        if has_glob(parent):
            return -1
        globbed = has_glob(last)
        best = -1

        def scan(bucket: list[tuple[int, Copied]]) -> None:
            nonlocal best
            for position, entry in reversed(bucket):
                if position <= best:
                    return
                if position == excluded:
                    continue
                found = relation(path, recursive, entry)
                if found and not (selective and found == "ancestor"):
                    best = position
                    return

        if not normal.startswith("/"):  # resolved paths are absolute: a relative one is compared with everything
            for bucket in self._buckets(self._root):
                scan(bucket)
            return best
        # The entries at the path (at its directory, for a glob) and above it, / included.
        node: Optional[_Directory] = self._root
        for component in _components(parent if globbed else normal):
            node = node.children.get(component)
            if node is None:
                break
            scan(node.here)
            scan(node.patterns)
        scan(self._loose)
        if globbed:  # `chmod +x /app/*.sh`: what lies below the directory may match too
            for child in node.children.values() if node is not None else ():
                for bucket in self._buckets(child):
                    scan(bucket)
        elif recursive and not selective:  # every entry below the path is related ("ancestor")
            below = (self._latest, self._latest_before) if normal == "/" else \
                (node.below, node.below_before) if node is not None else (-1,)
            best = max(best, next((p for p in below if p != excluded), -1))
        return best

    @staticmethod
    def _buckets(top: _Directory) -> Iterator[list[tuple[int, Copied]]]:
        stack = [top]
        while stack:
            directory = stack.pop()
            yield directory.here
            yield directory.patterns
            stack.extend(directory.children.values())


def context_copy(node: ast.Instruction) -> Optional[tuple[ast.Argument, str]]:
    r"""The first source of a COPY/ADD from the build context that copies the whole
    context (``"context"``: ``.``, ``./``, ``*``), a source tree (``"sources"``:
    a directory named like ``src``, ``app``, ``lib``...) or a folder of monorepo
    workspaces (``"workspaces"``: ``apps``, ``packages``), or None.

    The whole context minus a source tree or a workspace folder
    (``COPY --exclude=src . .``, BuildKit's labs syntax) is a deliberate copy of
    everything but the sources: not returned.

    >>> from dflint.api import parse
    >>> [context_copy(i) and context_copy(i)[1] for i in parse(
    ...     "FROM a\nCOPY ./packages/ ./packages/\nCOPY packages/*/package.json ./\nCOPY src .\n").instructions]
    [None, 'workspaces', None, 'sources']
    """
    if not isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) or node.flag("from") is not None:
        return None
    excluded = {_top(flag.value) for flag in node.flags_named("exclude") if flag.value}
    for source in node.sources:
        value = source.value
        if value in _WHOLE_CONTEXT:
            if excluded & (SOURCE_DIRECTORIES | WORKSPACE_DIRECTORIES):
                continue
            return source, "context"
        name = (value[2:] if value.startswith("./") else value).rstrip("/")
        if name in SOURCE_DIRECTORIES:
            return source, "sources"
        if name in WORKSPACE_DIRECTORIES:
            return source, "workspaces"
    return None


def _top(pattern: str) -> str:
    """The directory an ``--exclude`` pattern removes whole (``src``, ``./src/``, ``src/**``), else ''."""
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    for suffix in ("/**", "/*", "/"):
        if pattern.endswith(suffix):
            pattern = pattern[:-len(suffix)]
            break
    return pattern if "/" not in pattern else ""


# ---- which copy put a file where a command reads it (lockfile-ignored, npm-ci-without-lockfile) ----------------

def _copies_before(model: "BuildModel", node: ast.Instruction) -> Iterator[ast.Instruction]:
    """The COPY and ADD instructions of ``node``'s stage lineage that run before it, in order (ONBUILD
    triggers left out: they run in another build)."""
    stage = model.stage_of(node)
    if stage is None:
        return
    for member in model.lineage(stage):
        for other in member.instructions:
            if other is node:
                return
            if isinstance(other, (ast.CopyInstruction, ast.AddInstruction)):
                yield other


def last_copy_of(model: "BuildModel", node: ast.Instruction, path: str) -> Optional[tuple[ast.Instruction,
                                                                                           Optional[str]]]:
    r"""The last COPY or ADD before ``node``, in its stage's lineage, that writes exactly ``path`` (a file),
    and the glob it matched through (None when it names the file).

    >>> from dflint.api import parse
    >>> from dflint.model.build import BuildModel
    >>> file = parse("FROM node\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\n")
    >>> copy, glob = last_copy_of(BuildModel(file), file.instructions[-1], "/app/package-lock.json")
    >>> copy.line, glob
    (3, 'package*.json')
    """
    if has_glob(path):
        other = _last_copy_scanning(model, node, path)
    else:
        other = _latest_indexed(model, node, path, False)
    if other is None:
        return None
    found = None
    for entry in copied(model, other):
        if relation(path, False, entry) == "same":
            glob = posixpath.basename(entry.path)
            found = (other, glob if has_glob(glob) else None)
    return found


def may_have_copied(model: "BuildModel", node: ast.Instruction, path: str) -> Optional[ast.Instruction]:
    """The last COPY or ADD before ``node``, in its stage's lineage, that wrote ``path`` (a file) or may
    have; None when every one of them provably left it alone.

    It may have when its destination or a source cannot be resolved, a source is a directory, glob,
    archive or other stage's path whose contents land in a directory holding ``path`` (a source named
    without a dot, such as ``src`` or ``app``, may be a directory: its contents, not itself, land in
    the destination), or it names ``path``.
    """
    if has_glob(path):
        found = None
        for other in _copies_before(model, node):
            entries = copied(model, other)
            if len(entries) < len(other.sources) or _may_write(other, entries, path):
                found = other
        return found
    return _latest_indexed(model, node, path, True)


def _last_copy_scanning(model: "BuildModel", node: ast.Instruction, path: str) -> Optional[ast.Instruction]:
    """The last copy before ``node`` with an entry :func:`relation` calls ``"same"`` as ``path``, comparing
    with every one (for a ``path`` with a glob, which the index does not answer)."""
    found = None
    for other in _copies_before(model, node):
        if any(relation(path, False, entry) == "same" for entry in copied(model, other)):
            found = other
    return found


class _StageCopies:
    """The COPY and ADD instructions of one stage (not its parents), filed for the questions of
    :func:`last_copy_of` and :func:`may_have_copied` about a path without a glob: each list holds
    positions in the stage's instructions, in order, so the latest one before an instruction is found
    by bisection. Keys are paths as :func:`relation` and :func:`.paths.inside` compare them.
    """

    __slots__ = ("position", "same", "globbed", "loose", "inside", "inside_unless_equal", "holding",
                 "incomplete")

    def __init__(self, model: "BuildModel", stage) -> None:
        self.position: dict[ast.Instruction, int] = {}
        #: A plain entry path, not a tree: "same" as exactly that path.
        self.same: dict[str, list[int]] = {}
        #: Globbed file entries by the directory their fixed start names ("same" when the path matches).
        self.globbed: dict[str, list[tuple[int, str]]] = {}
        self.loose: list[tuple[int, str]] = []
        #: Plain entries that are not files, by their normalized path: a path there or below is "inside";
        #: ``inside_unless_equal`` holds trees written without a trailing slash, which are not "inside"
        #: for exactly their own path (relation's ``path == target`` comes first).
        self.inside: dict[str, list[int]] = {}
        self.inside_unless_equal: dict[str, list[int]] = {}
        #: Files whose source may be a directory, by their normalized directory (see _may_write).
        self.holding: dict[str, list[int]] = {}
        #: Copies with a source or destination that could not be resolved.
        self.incomplete: list[int] = []
        for index, other in enumerate(stage.instructions):
            self.position[other] = index
            if not isinstance(other, (ast.CopyInstruction, ast.AddInstruction)):
                continue
            entries = copied(model, other)
            if len(entries) < len(other.sources):
                self.incomplete.append(index)
            other_stage = other.flag("from") is not None
            for entry in entries:
                target = entry.path
                if has_glob(target):
                    if entry.kind == "file":
                        start = target[:min(i for i in (target.find(c) for c in "*?[") if i >= 0)]
                        cut = start.rfind("/")
                        bucket = self.loose if cut < 0 else self.globbed.setdefault(start[:cut], [])
                        bucket.append((index, target))
                else:
                    normal = target.rstrip("/") or "/"
                    if entry.kind != "tree":
                        _file(self.same, target, index)
                    if entry.kind != "file":
                        table = self.inside_unless_equal if entry.kind == "tree" and target == normal else self.inside
                        _file(table, normal, index)
                value = entry.source.value
                if entry.kind == "file" and not _is_url(value) and not _HEREDOC_MARKER.fullmatch(value):
                    name = posixpath.basename(value.rstrip("/"))
                    if other_stage or has_glob(value) or "." not in name or "$" in value:
                        _file(self.holding, posixpath.dirname(target).rstrip("/") or "/", index)

    def latest(self, path: str, end: int, may: bool) -> int:
        """The position before ``end`` of the latest copy that writes ``path`` (``"same"``), or with
        ``may`` that may have written it (:func:`may_have_copied`); -1 for none."""
        path = path.rstrip("/") or "/"
        cuts = [i for i, c in enumerate(path) if c == "/"]
        best = _before(self.same.get(path), end, -1)
        for cut in cuts:  # the globs whose fixed start is in a directory holding the path
            best = _matching(self.globbed.get(path[:cut]), path, end, best)
        best = _matching(self.loose, path, end, best)
        if not may:
            return best
        best = _before(self.incomplete, end, best)
        directories = {path[:cut] for cut in cuts if cut} | {"/"}  # what inside(path, d) holds for
        directories.discard(path)
        for directory in directories:
            best = _before(self.inside.get(directory), end, best)
            best = _before(self.inside_unless_equal.get(directory), end, best)
            best = _before(self.holding.get(directory), end, best)
        best = _before(self.inside.get(path), end, best)
        best = _before(self.holding.get(path), end, best)
        return best


def _file(table: dict[str, list[int]], key: str, index: int) -> None:
    positions = table.setdefault(key, [])
    if not positions or positions[-1] != index:
        positions.append(index)


def _before(positions: Optional[list[int]], end: int, best: int) -> int:
    """The greater of ``best`` and the last of ``positions`` (ascending) before ``end``."""
    if positions:
        at = bisect.bisect_left(positions, end)
        if at and positions[at - 1] > best:
            return positions[at - 1]
    return best


def _matching(bucket: Optional[list[tuple[int, str]]], path: str, end: int, best: int) -> int:
    """The greater of ``best`` and the last position before ``end`` in ``bucket`` whose glob matches ``path``."""
    if bucket:
        for at in range(bisect.bisect_left(bucket, (end,)) - 1, -1, -1):
            position, pattern = bucket[at]
            if position <= best:
                break
            if fnmatch.fnmatchcase(path, pattern):
                return position
    return best


def _stage_copies(model: "BuildModel", stage) -> _StageCopies:
    """The stage's :class:`_StageCopies`, made once per model."""
    known = model.derived.setdefault("copies: by stage", {})
    found = known.get(stage.index)
    if found is None:
        found = known[stage.index] = _StageCopies(model, stage)
    return found


def _latest_indexed(model: "BuildModel", node: ast.Instruction, path: str, may: bool) -> Optional[ast.Instruction]:
    """What :func:`_copies_before` and a comparison with each copy would find (the latest copy that writes
    ``path``, or with ``may`` may have), through each stage's index, the youngest stage first."""
    stage = model.stage_of(node)
    if stage is None:
        return None
    members = model.lineage(stage)
    # _copies_before stops at node, in the first member that holds it (its own stage).
    own = next((i for i, member in enumerate(members)
                if member is stage and node in _stage_copies(model, member).position), None)
    for i in range(len(members) - 1 if own is None else own, -1, -1):
        member = members[i]
        index = _stage_copies(model, member)
        best = index.latest(path, index.position[node] if i == own else len(member.instructions), may)
        if best >= 0:
            return member.instructions[best]
    return None


def _may_write(node: ast.Instruction, entries: Sequence[Copied], path: str) -> bool:
    other_stage = node.flag("from") is not None
    for entry in entries:
        if relation(path, False, entry) in ("same", "inside"):
            return True
        value = entry.source.value
        if entry.kind == "file" and not _is_url(value) and not _HEREDOC_MARKER.fullmatch(value):
            name = posixpath.basename(value.rstrip("/"))
            maybe_directory = other_stage or has_glob(value) or "." not in name or "$" in value
            if maybe_directory and inside(path, posixpath.dirname(entry.path)):
                return True
    return False
