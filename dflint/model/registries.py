"""Image references against lists of registries and name prefixes (allow lists, exemptions).

A pattern is ``registry[/path]``: the first component is always the registry,
so ``docker.io``, ``ghcr.io/acme`` and ``localhost:5000`` work as written.
``*`` in the registry matches any run of characters (``*.corp.example``); a
lone ``*`` matches everything. A path is a prefix by whole components
(``ghcr.io/acme`` matches ``ghcr.io/acme/app``, not ``ghcr.io/acme-corp/app``).
Docker Hub answers to ``docker.io``, ``hub.docker.com``, ``index.docker.io``
and ``registry-1.docker.io``; ``docker.io/node`` also matches the official
image ``node`` (``docker.io/library/node``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Iterable, Optional

from .image import DEFAULT_REGISTRY, ImageReference

__all__ = ["matches", "matches_any"]

_HUB_NAMES = ("hub.docker.com", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com")


def _split(pattern: str) -> tuple[str, str]:
    registry, _, path = pattern.strip().strip("/").partition("/")
    registry = registry.lower()
    if registry in _HUB_NAMES:
        registry = DEFAULT_REGISTRY
    return registry, path


def matches(reference: ImageReference, pattern: str) -> Optional[bool]:
    """Whether ``reference`` is covered by ``pattern``; None when its unknown parts decide."""
    registry, path = _split(pattern)
    if registry == "*" and not path:
        return True
    if not reference.registry_known or reference.registry is None:
        return None
    if not fnmatchcase(reference.registry.lower(), registry):
        return False
    if not path:
        return True
    if not reference.repository_known or reference.repository is None:
        return None
    prefixes = [path]
    if reference.registry == DEFAULT_REGISTRY and "/" not in path and path != "library":
        prefixes.append("library/" + path)
    repository = reference.repository
    return any(repository == prefix or repository.startswith(prefix + "/") for prefix in prefixes)


def matches_any(reference: ImageReference, patterns: Iterable[str]) -> Optional[bool]:
    """True when a pattern matches, False when none can, None when unknown parts decide."""
    unknown = False
    for pattern in patterns:
        result = matches(reference, pattern)
        if result:
            return True
        unknown = unknown or result is None
    return None if unknown else False
