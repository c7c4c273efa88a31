"""Finding the Dockerfiles to lint under the paths given on the command line."""

from __future__ import annotations

import os
import re
from typing import Callable, Iterator, Sequence

#: Dockerfile, Containerfile, Dockerfile.*, Containerfile.*, *.Dockerfile, *.dockerfile, and the
#: lower-case ``dockerfile`` that ``docker build`` uses when there is no ``Dockerfile``; not the
#: ``Dockerfile.dockerignore`` (``NAME.dockerignore``) that BuildKit reads as that Dockerfile's ignore file.
DOCKERFILE_NAME = re.compile(
    r"^(?!.*\.dockerignore$)(?:(?:Dockerfile|Containerfile)(?:\..+)?|dockerfile|.+\.(?:Dockerfile|dockerfile))$"
)
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn"})


def is_dockerfile_name(name: str) -> bool:
    return DOCKERFILE_NAME.match(name) is not None


def discover(paths: Sequence[str], excluded: Callable[[str], bool], force_exclude: bool = False) -> Iterator[str]:
    """Files to lint: files given explicitly, and Dockerfiles found in given directories.

    ``excluded(path)`` is asked for everything found while walking, and for
    explicit files only with ``force_exclude`` (otherwise naming a file is
    asking for it; pre-commit names every changed file). Order is deterministic.
    """
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            for found in _walk(path, excluded):
                key = os.path.normpath(found)
                if key not in seen:
                    seen.add(key)
                    yield found
        elif not (force_exclude and excluded(path)):
            key = os.path.normpath(path)
            if key not in seen:
                seen.add(key)
                yield path


def _walk(top: str, excluded: Callable[[str], bool]) -> Iterator[str]:
    for directory, dirs, files in os.walk(top):
        dirs[:] = sorted(
            d for d in dirs if d not in ALWAYS_SKIPPED and not excluded(os.path.join(directory, d))
        )
        for name in sorted(files):
            if is_dockerfile_name(name):
                path = os.path.join(directory, name)
                if not excluded(path):
                    yield path
