"""Paths inside the image: resolving against WORKDIR, telling globs apart, containment."""

from __future__ import annotations

import posixpath
from typing import Optional


def has_glob(path: str) -> bool:
    # Three scans in C: a generator over the characters cost a call per character on a hot path.
    return "*" in path or "?" in path or "[" in path


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


def inside(path: str, directory: str) -> bool:
    """``path`` is ``directory`` or below it."""
    path, directory = path.rstrip("/") or "/", directory.rstrip("/") or "/"
    return path == directory or directory == "/" or path.startswith(directory + "/")
