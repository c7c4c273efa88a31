"""Serves dflint's own modules from the start-up cache: one file read instead of one .pyc per module.

A cold lint imports ~160 of dflint's modules. For each one the path finder
looks the name up, stats the source, opens the .pyc, checks its header and
reads it: tens of µs per module, ~4.5 ms of a ~90 ms run. The start-up cache
keeps each module's code object, marshalled as in its .pyc, with its
source's stamp (size, modification and status-change times).
:class:`PackFinder` serves a module only while its source has that stamp,
through a loader that *is* a SourceFileLoader for that file, so
``__file__``, ``__cached__``, ``get_source``, resources and tracebacks are
what they would be. Anything else is imported the usual way, and
:func:`record` packs it for the next run.
"""

from __future__ import annotations

import marshal
import os
import sys
from importlib.machinery import ModuleSpec, SourceFileLoader
from typing import Any, Iterable, Optional

#: name -> (source path, package search locations or None, the source's stamp, marshalled code)
Entry = tuple


def stamp(stat: os.stat_result) -> tuple[int, int, int]:
    """What says a source file is the one that was packed.

    Size and mtime are what a .pyc checks; the status-change time is added
    because reinstalling dflint (an upgrade, a copied environment) rewrites
    the files, which always sets it, while mtime and size may come back equal
    (wheels with fixed timestamps), and this cache, unlike the .pyc files,
    survives an uninstall.
    """
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


class PackedLoader(SourceFileLoader):
    """The source file's own loader, with the module's code already at hand."""

    def __init__(self, fullname: str, path: str, blob: bytes) -> None:
        super().__init__(fullname, path)
        self._blob: Optional[bytes] = blob

    def get_code(self, fullname: str) -> Any:
        blob, self._blob = self._blob, None  # served once: a reload reads the file like any import
        if fullname == self.name and blob is not None:
            try:
                code = marshal.loads(blob)
            except (EOFError, ValueError, TypeError):  # damaged: the .pyc or the source will do
                pass
            else:
                import _imp

                _imp._fix_co_filename(code, self.path)  # as the .pyc loader does for a moved tree
                return code
        return super().get_code(fullname)


class PackFinder:
    """A meta path finder for the packed modules whose source has not changed since they were packed.

    Only submodules are served, and only from the file the path finder would
    find: the one beside them in their parent package's ``__path__``.
    """

    def __init__(self, entries: dict[str, Entry]) -> None:
        self.entries = entries
        self.served: dict[str, Entry] = {}

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Optional[ModuleSpec]:
        entry = self.entries.get(name)
        if entry is None or not path:
            return None  # top-level modules are left to the path finder
        if not (isinstance(entry, tuple) and len(entry) == 4):
            return None  # an entry this version does not write
        origin, locations, packed_stamp, blob = entry
        if not (isinstance(origin, str) and isinstance(blob, bytes) and _locations_or_none(locations)):
            return None
        if not _found_there(origin, name.rpartition(".")[2], locations is not None, path):
            return None  # packed from another copy of the package (a copied installation, say)
        try:
            current = stamp(os.stat(origin))
        except (OSError, ValueError):  # gone (or a path the OS refuses)
            return None
        if current != packed_stamp:
            return None  # edited or reinstalled since: the usual import, packed again by record()
        spec = ModuleSpec(name, PackedLoader(name, origin, blob), origin=origin, is_package=locations is not None)
        if locations is not None:
            spec.submodule_search_locations = list(locations)
        spec.has_location = True
        self.served[name] = entry
        return spec

    def invalidate_caches(self) -> None:
        """Nothing to drop: every lookup checks the source."""


def _locations_or_none(locations: Any) -> bool:
    return locations is None or (isinstance(locations, tuple) and all(isinstance(x, str) for x in locations))


def _found_there(origin: str, leaf: str, is_package: bool, path: Any) -> bool:
    """Whether the path finder would find ``origin`` for a submodule ``leaf`` of a package whose path is ``path``."""
    directory, file = os.path.split(origin)
    if is_package:
        if file != "__init__.py":
            return False
        directory, file = os.path.split(directory)
        return file == leaf and directory in path
    return file == f"{leaf}.py" and directory in path


def record(names: Iterable[str], packages: tuple[str, ...]) -> dict[str, Entry]:
    """Entries for the modules among ``names`` that belong to ``packages`` and came from a source file."""
    entries = {}
    for name in names:
        top, dot, _ = name.partition(".")
        if not dot or top not in packages:
            continue  # only submodules are served
        module = sys.modules.get(name)
        spec = getattr(module, "__spec__", None)
        loader = getattr(spec, "loader", None)
        if not isinstance(loader, SourceFileLoader) or isinstance(loader, PackedLoader):
            continue
        origin = spec.origin
        if not isinstance(origin, str) or not origin.endswith(".py"):
            continue
        locations = spec.submodule_search_locations
        parent = sys.modules.get(name.rpartition(".")[0])
        if not _found_there(origin, name.rpartition(".")[2], locations is not None,
                            getattr(parent, "__path__", None) or ()):
            continue  # mapped elsewhere (an editable install's rules/, say): never served, so not packed
        try:
            before = stamp(os.stat(origin))
            code = loader.get_code(name)  # the .pyc's code (compiled from the source when there is none)
            after = stamp(os.stat(origin))
        except (OSError, ImportError, SyntaxError, ValueError):
            continue
        if before != after or code is None:
            continue  # being edited right now
        entries[name] = (origin, None if locations is None else tuple(locations),
                         after, marshal.dumps(code))
    return entries
