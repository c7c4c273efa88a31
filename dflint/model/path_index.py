"""Things filed by the parts of their paths, so that a deletion looks only at what it can match.

Paths are absolute and may hold globs in any part (``/home/*/.cache/pip``).
Two parts match (:func:`same`) when they are equal or either, read as a glob,
matches the other. A directory keeps its plain entries sorted by name and by
reversed name: a glob part such as ``*.log`` or ``cache-*`` then reads only
the entries that end or start with its fixed text, not the whole directory.
"""

from __future__ import annotations

import fnmatch
from bisect import bisect_left, insort
from typing import Generic, Sequence, TypeVar

from .paths import has_glob

__all__ = ["PathIndex", "parts", "same"]

T = TypeVar("T")
#: Characters that end the fixed text at either end of a glob (``]`` too: it closes a ``[...]``).
_GLOB_CHARS = "*?[]"


def parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def same(a: str, b: str) -> bool:
    if a == b:
        return True
    # fnmatch reads only `*`, `?` and `[` specially: a part without them matches itself alone.
    return has_glob(b) and fnmatch.fnmatchcase(a, b) or has_glob(a) and fnmatch.fnmatchcase(b, a)


def _fixed_ends(pattern: str) -> tuple[str, str]:
    """The text every name a glob matches starts with, and the text it ends with: what comes before
    the first glob character, and after the last one (fnmatch reads everything else literally)."""
    first = min((i for i in map(pattern.find, _GLOB_CHARS) if i >= 0), default=len(pattern))
    last = max(map(pattern.rfind, _GLOB_CHARS))
    return pattern[:first], pattern[last + 1:]


def _starting_with(names: list[str], prefix: str) -> tuple[int, int]:
    """The slice of the sorted ``names`` that start with ``prefix``."""
    low = bisect_left(names, prefix)
    if not prefix or ord(prefix[-1]) == 0x10FFFF:
        return low, len(names)
    return low, bisect_left(names, prefix[:-1] + chr(ord(prefix[-1]) + 1), low)


class _Node(Generic[T]):
    """A directory: the items filed under this path, and the parts below it (``globbed``: parts with
    a glob, which a deletion's part must be matched against one by one; ``names`` and ``reversed``:
    the plain parts sorted, and sorted by their reversed text, for a glob to narrow down)."""

    # No link to the parent: it would put every tree, and all it files, in a reference cycle that
    # only the cyclic collector frees (which linting keeps paused). Removal walks the chain it kept.
    __slots__ = ("globbed", "items", "names", "part", "plain", "reversed")

    def __init__(self, part: str) -> None:
        self.part = part
        self.plain: dict[str, _Node[T]] = {}
        self.globbed: dict[str, _Node[T]] = {}
        self.items: dict[int, T] = {}
        self.names: list[str] = []
        self.reversed: list[str] = []

    def child(self, part: str) -> "_Node[T]":
        """The node of ``part`` below this one, made when missing."""
        found = self.plain.get(part) or self.globbed.get(part)  # a part is in one of them only
        if found is None:
            if has_glob(part):
                found = self.globbed[part] = _Node(part)
            else:
                found = self.plain[part] = _Node(part)
                insort(self.names, part)
                insort(self.reversed, part[::-1])
        return found

    def drop(self, child: "_Node[T]") -> bool:
        """Forget ``child``; False when it is no longer here (pruned already)."""
        children = self.globbed if has_glob(child.part) else self.plain
        if children.get(child.part) is not child:
            return False
        del children[child.part]
        if children is self.plain:
            del self.names[bisect_left(self.names, child.part)]
            del self.reversed[bisect_left(self.reversed, child.part[::-1])]
        return True

    def matching(self, part: str) -> list["_Node[T]"]:
        """The children whose part :func:`same` matches ``part``."""
        found = [child for name, child in self.globbed.items() if same(part, name)]
        if not has_glob(part):
            child = self.plain.get(part)
            if child is not None:
                found.append(child)
            return found
        # A plain name matches a glob only when fnmatch says so, so only the names with the glob's
        # fixed start (or end, whichever are fewer) need asking.
        prefix, suffix = _fixed_ends(part)
        start, end = _starting_with(self.names, prefix)
        first, last = _starting_with(self.reversed, suffix[::-1])
        names = self.names[start:end] if end - start <= last - first else \
            [name[::-1] for name in self.reversed[first:last]]
        found.extend(self.plain[name] for name in names if same(part, name))
        return found


class PathIndex(Generic[T]):
    """Items filed by the parts of their paths (a tree of path parts, globs allowed), so that a deletion
    looks only at the items whose paths it can match part by part, not at all of them. Each item has a
    number (``seq``) that orders it; what the index returns is keyed by it."""

    def __init__(self) -> None:
        self._root: _Node[T] = _Node("")
        #: For each item, the nodes of each of its paths, from the root down.
        self._filed: dict[int, list[list[_Node[T]]]] = {}

    def add(self, seq: int, item: T, paths: Sequence[str]) -> None:
        chains = self._filed.setdefault(seq, [])
        for path in paths:
            node = self._root
            chain = [node]
            for part in parts(path):
                node = node.child(part)
                chain.append(node)
            node.items[seq] = item
            chains.append(chain)

    def remove(self, seq: int) -> None:
        """Forget item ``seq``, and the directories that then hold nothing (a later search skips them)."""
        for chain in self._filed.pop(seq, ()):
            chain[-1].items.pop(seq, None)
            for depth in range(len(chain) - 1, 0, -1):
                node = chain[depth]
                if node.items or node.plain or node.globbed or not chain[depth - 1].drop(node):
                    break  # still holds something, or pruned already through another path of the item

    def below(self, wanted: Sequence[str], contents: bool = False) -> dict[int, T]:
        """Items with a path whose first parts match ``wanted`` (what removing ``wanted`` removes); with
        ``contents``, also items whose path matches all of ``wanted`` but the last."""
        frontier: list[_Node[T]] = [self._root]
        near: list[_Node[T]] = []
        for part in wanted:
            near, frontier = frontier, [child for node in frontier for child in node.matching(part)]
        found: dict[int, T] = {}
        if contents:
            for node in near:
                found.update(node.items)
        while frontier:
            node = frontier.pop()
            found.update(node.items)
            frontier.extend(node.plain.values())
            frontier.extend(node.globbed.values())
        return found

    def above(self, wanted: Sequence[str]) -> dict[int, T]:
        """Items whose path matches the first parts of ``wanted``, and has fewer parts (its directories)."""
        frontier: list[_Node[T]] = [self._root]
        found: dict[int, T] = {}
        for part in wanted:
            for node in frontier:
                found.update(node.items)
            frontier = [child for node in frontier for child in node.matching(part)]
        return found
