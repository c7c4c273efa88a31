"""Paths inside the image: resolving against WORKDIR and matching rm-style globs."""

from __future__ import annotations

import fnmatch
import posixpath
from typing import Optional

_GLOB = frozenset("*?[")


def has_glob(path: str) -> bool:
    return any(ch in _GLOB for ch in path)


def resolve(path: str, workdir: Optional[str], home: bool = True) -> Optional[str]:
    """``path`` made absolute against ``workdir`` (None when that is unknown), normalized.

    With ``home`` a leading ``~`` is root's home, as a shell reads it; Docker
    instructions (WORKDIR, COPY) take ``~`` literally.
    """
    if not path:
        return None
    if home and path.startswith("~"):
        path = "/root" + path[1:]  # the default user of most images is root
    if not path.startswith("/"):
        if workdir is None:
            return None
        path = posixpath.join(workdir, path)
    trailing = path.endswith("/") and path != "/"
    normal = posixpath.normpath(path)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    return normal + "/" if trailing else normal


def covers(pattern: str, path: str) -> bool:
    """True when removing ``pattern`` (a path or glob, e.g. ``/var/lib/apt/lists/*``)
    removes ``path`` or files inside it."""
    pattern, path = pattern.rstrip("/") or "/", path.rstrip("/") or "/"
    if pattern == "/":
        return True
    if fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern + "/"):
        return True
    # `dir/*` empties dir: it covers dir itself and everything below.
    base, last = posixpath.split(pattern)
    if last in ("*", ".*", "{*,.*}") and (path == base or path.startswith(base + "/")):
        return True
    # A glob in a parent component: compare component by component.
    parts, path_parts = pattern.split("/"), path.split("/")
    if len(path_parts) >= len(parts) and has_glob(pattern):
        return all(fnmatch.fnmatchcase(p, q) for p, q in zip(path_parts, parts))
    return False


def inside(path: str, directory: str) -> bool:
    """``path`` is ``directory`` or below it."""
    path, directory = path.rstrip("/") or "/", directory.rstrip("/") or "/"
    return path == directory or directory == "/" or path.startswith(directory + "/")
