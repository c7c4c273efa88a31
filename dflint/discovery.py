"""Finding the Dockerfiles to lint under the paths given on the command line."""

from __future__ import annotations

import os
import re
from typing import Callable, Iterator, Optional, Sequence

#: Dockerfile, Containerfile, Dockerfile.*, Containerfile.*, *.Dockerfile, *.dockerfile, and the
#: lower-case ``dockerfile`` that ``docker build`` uses when there is no ``Dockerfile``; not the
#: ``Dockerfile.dockerignore`` (``NAME.dockerignore``) that BuildKit reads as that Dockerfile's ignore file.
DOCKERFILE_NAME = re.compile(
    r"^(?!.*\.dockerignore$)(?:(?:Dockerfile|Containerfile)(?:\..+)?|dockerfile|.+\.(?:Dockerfile|dockerfile))$"
)
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn"})


def is_dockerfile_name(name: str) -> bool:
    return DOCKERFILE_NAME.match(name) is not None


def discover(paths: Sequence[str], excluded: Callable[[str], bool], force_exclude: bool = False,
             on_error: Optional[Callable[[str, OSError], None]] = None) -> Iterator[str]:
    """Files to lint: files given explicitly, and Dockerfiles found in given directories.

    ``excluded(path)`` is asked for everything found while walking, and for
    explicit files only with ``force_exclude`` (otherwise naming a file is
    asking for it; pre-commit names every changed file). A directory that
    cannot be listed goes to ``on_error``. Order is deterministic. A file
    reached again, by another spelling, a symlink or a hard link, is given
    once, by the first path that reached it: linting it twice doubles its
    report, and fixing it twice fixes a file that was fixed meanwhile.
    """
    seen: set[object] = set()
    for path in paths:
        if os.path.isdir(path):
            for found in _walk(path, excluded, on_error or _ignore):
                key = file_identity(found)
                if key not in seen:
                    seen.add(key)
                    yield found
        elif not (force_exclude and excluded(path)):
            key = file_identity(path)
            if key not in seen:
                seen.add(key)
                yield path


def file_identity(path: str) -> object:
    """The file ``path`` leads to (device and inode); its normalised spelling when it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):  # missing, dangling, no permission, a NUL in the name: reading will say
        return os.path.normpath(path)
    return (info.st_dev, info.st_ino)


def _ignore(path: str, error: OSError) -> None:
    pass


def _walk(directory: str, excluded: Callable[[str], bool], on_error: Callable[[str, OSError], None]) -> Iterator[str]:
    """Dockerfiles under ``directory``, sorted; like os.walk, symlinks to directories are not followed."""
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        on_error(directory, exc)
        return
    subdirectories = []
    for entry in entries:
        if _is_directory(entry):
            if entry.name not in ALWAYS_SKIPPED and not excluded(entry.path):
                subdirectories.append(entry.path)
        elif is_dockerfile_name(entry.name) and _is_lintable(entry) and not excluded(entry.path):
            yield entry.path
    for subdirectory in subdirectories:  # files first, then subdirectories, as os.walk gave them
        yield from _walk(subdirectory, excluded, on_error)


def _is_directory(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_lintable(entry: os.DirEntry) -> bool:
    """A regular file or a symlink to one, or something reading will report on (a dangling symlink).

    Not a FIFO, socket or device: reading a FIFO nobody writes to waits
    forever. The entry's type comes from the directory listing; only
    symlinks cost a stat.
    """
    try:
        return entry.is_file() or entry.is_symlink() and not os.path.exists(entry.path)
    except OSError:  # cannot stat it (no search permission): reading it will say why
        return True
