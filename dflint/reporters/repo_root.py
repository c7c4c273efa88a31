"""Paths as a CI platform maps them: relative to the repository root, with ``/`` separators.

GitHub code scanning reads a relative SARIF ``uri`` as relative to the root of
the repository and ignores ``originalUriBaseIds``; the Actions runner makes an
annotation's ``file=`` relative to ``GITHUB_WORKSPACE`` (a relative one is
taken as already relative to it, not to the step's ``working-directory``);
GitLab reads a Code Quality ``location.path`` as relative to the project. So a
report written by ``cd services/api && dflint .`` must not say ``Dockerfile``
for ``services/api/Dockerfile``.

The root of a file is found without running ``git``:

1. under the platform's variable (``GITHUB_WORKSPACE``, ``CI_PROJECT_DIR``):
   that directory, which is where the platform checked the repository out.
   One exception: when that directory holds no ``.git`` but a directory
   between it and the file does, the repository was checked out into a
   subdirectory (``actions/checkout`` with ``path:``) and that is the root;
2. otherwise the nearest directory, from the file's own upwards, holding a
   ``.git`` (a directory, or a file for worktrees and submodules);
3. otherwise none, and the path is reported relative to the working directory
   as before (as given when it lies outside it).

Lookups are cached per directory, so a run over a thousand files costs a
handful of ``stat`` calls. Symlinked directories are tried as written first,
then resolved. Nothing here raises on odd paths: stdin's ``-``, NUL bytes,
names that are not UTF-8 (surrogate-escaped), another drive on Windows.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional

GITHUB_WORKSPACE = "GITHUB_WORKSPACE"
CI_PROJECT_DIR = "CI_PROJECT_DIR"
STDIN = "-"


class RepositoryPaths:
    """Maps the paths a run reports to repository-relative ones, for one run.

    ``cwd`` is the directory relative paths are relative to; ``variable`` names
    the platform's checkout directory in ``environ`` (None: find ``.git`` only).
    """

    def __init__(self, cwd: str, variable: Optional[str] = None,
                 environ: Optional[Mapping[str, str]] = None) -> None:
        self.cwd = os.path.abspath(cwd)
        environ = os.environ if environ is None else environ
        value = environ.get(variable, "") if variable else ""
        self.workspace = self.absolute(value) if value else None
        # directory -> (root, the directory relative to it: "" for the root itself), or None
        self._dirs: dict[str, Optional[tuple[str, str]]] = {}
        self._git: dict[str, Optional[str]] = {}  # directory -> nearest directory holding .git

    # -- the answers ------------------------------------------------------------------
    def path(self, path: str) -> str:
        """``path`` as the platform wants it: repository-relative when a root is found, else as before."""
        located = self.locate(path)
        if located is not None:
            return located[1]
        if path == STDIN:
            return path
        relative = self.cwd_relative(path)
        return relative if relative is not None else path.replace(os.sep, "/")

    def locate(self, path: str) -> Optional[tuple[str, str]]:
        """``(root, path relative to it)`` for a file, or None when it is in no repository (or is stdin)."""
        if path == STDIN:
            return None
        absolute = self.absolute(path)
        directory, name = os.path.split(absolute)
        if not name:  # a root directory itself: nothing to name inside a repository
            return None
        found = self._directory(directory)
        if found is None:
            return None
        root, inside = found
        return root, f"{inside}/{name}" if inside else name

    def root_of(self, path: str) -> Optional[str]:
        located = self.locate(path)
        return located[0] if located else None

    def directory_root(self, directory: str) -> Optional[str]:
        """The root a directory itself lies in (the working directory's, for a run without files)."""
        found = self._directory(self.absolute(directory))
        return found[0] if found else None

    def cwd_relative(self, path: str) -> Optional[str]:
        """``path`` relative to the working directory with ``/``, or None when it lies outside."""
        return relative_to(self.absolute(path), self.cwd)

    def absolute(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.cwd, path))

    # -- the search -------------------------------------------------------------------
    def _directory(self, directory: str) -> Optional[tuple[str, str]]:
        if directory not in self._dirs:
            found = self._search(directory)
            if found is None:  # a symlinked directory: try where it leads
                real = _realpath(directory)
                if real is not None and real != directory:
                    found = self._search(real)
            self._dirs[directory] = found
        return self._dirs[directory]

    def _search(self, directory: str) -> Optional[tuple[str, str]]:
        root = None
        if self.workspace is not None:
            root = self._workspace_root(directory, self.workspace)
            if root is None:
                real = _realpath(self.workspace)
                if real is not None and real != self.workspace:
                    root = self._workspace_root(directory, real)
        if root is None:
            root = self._nearest_git(directory)
        if root is None:
            return None
        inside = relative_to(directory, root)
        return None if inside is None else (root, "" if inside == "." else inside)

    def _workspace_root(self, directory: str, workspace: str) -> Optional[str]:
        if relative_to(directory, workspace) is None:
            return None
        if _has_git(workspace):
            return workspace
        nested = self._nearest_git(directory)  # a checkout into a subdirectory of the workspace
        if nested is not None and nested != workspace and relative_to(nested, workspace) is not None:
            return nested
        return workspace

    def _nearest_git(self, directory: str) -> Optional[str]:
        walked = []
        current = directory
        while True:
            if current in self._git:
                found = self._git[current]
                break
            walked.append(current)
            if _has_git(current):
                found = current
                break
            parent = os.path.dirname(current)
            if parent == current:
                found = None
                break
            current = parent
        for seen in walked:
            self._git[seen] = found
        return found


def relative_to(path: str, root: str) -> Optional[str]:
    """Absolute ``path`` relative to absolute ``root`` with ``/``, or None when it lies outside."""
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive on Windows, or a NUL byte
        return None
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return relative.replace(os.sep, "/")


def _has_git(directory: str) -> bool:
    try:
        return os.path.exists(os.path.join(directory, ".git"))
    except (OSError, ValueError):  # pragma: no cover - exists() already swallows both
        return False


def _realpath(path: str) -> Optional[str]:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return None
