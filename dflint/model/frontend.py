"""Which Dockerfile frontend a ``# syntax=`` directive asks for, as far as its tag tells.

Features reach the Dockerfile language in frontend releases (symbolic
``COPY --chmod`` modes in 1.14, for instance). A directive naming BuildKit's
frontend by a floating tag (``docker/dockerfile:1``, ``:1-labs``, ``:labs``,
none) gets the newest release; a pinned one (``:1.4``, ``:1.13.0-labs``)
gets that release. Without a directive, or with another frontend, the
builder's own frontend decides, which a Dockerfile cannot tell.

Releases come in channels built from the same commit with different Go build
tags: stable, ``-labs`` (from 1.2) and ``-experimental`` (1.0 and 1.1 only).
``Availability`` says where a feature first appeared in each, and
``supports(pin, availability)`` whether a pin has it; the tables were read
from BuildKit's ``dockerfile/*`` tags (``frontend/dockerfile/release/*/tags``
and the build-tagged files of ``instructions`` and ``dockerfile2llb``).

>>> from dflint.syntax import parse_syntax as parse
>>> frontend_at_least(parse("# syntax=docker/dockerfile:1\\nFROM scratch\\n"), (1, 14))
True
>>> frontend_at_least(parse("# syntax=docker/dockerfile:1.4.3@sha256:abc\\nFROM scratch\\n"), (1, 14))
False
>>> frontend_at_least(parse("FROM scratch\\n"), (1, 14)) is None
True
>>> heredocs = Availability((1, 4), labs=(1, 3))
>>> [supports(frontend_pin(parse(f"# syntax=docker/dockerfile:{tag}\\nFROM scratch\\n")), heredocs)
...  for tag in ("1.3", "1.3-labs", "1.1.7-experimental", "1.4.0")]
[False, True, False, True]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .. import ast

__all__ = ["Availability", "Pin", "frontend_at_least", "frontend_pin", "supports", "syntax_directive"]

_FRONTEND = re.compile(r"(?:docker\.io/)?docker/dockerfile(?:-upstream)?(?::(?P<tag>[\w.-]+))?(?:@sha256:[0-9a-f]+)?")
_FLOATING = frozenset({"1", "1-labs", "labs", "latest"})
# A release tag: 1.MINOR[.PATCH][-labs|-experimental]. Release candidates (1.4.0-rc1) and the
# floating experimental tags (experimental, 1-experimental) are left unread.
_VERSION = re.compile(r"1\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?(?:-(?P<channel>labs|experimental))?")
#: The last patch release of each experimental minor (dockerfile/1.0.2-experimental, 1.1.7-experimental):
#: the channel was renamed labs in 1.2, so 1.0-experimental and 1.1-experimental stopped there.
_LAST_EXPERIMENTAL = {0: 2, 1: 7}
_FIRST_LABS = 2


def syntax_directive(file: ast.File) -> Optional[ast.Directive]:
    """The file's ``# syntax=`` directive (BuildKit reads the first)."""
    return next((d for d in file.directives if d.name.lower() == "syntax"), None)


@dataclass(frozen=True)
class Pin:
    """The frontend a ``# syntax=`` directive selects: ``version`` (1, minor) for a pinned release,
    None for a floating tag (the newest release); ``labs`` for the labs channel; ``digest`` when
    the reference also pins a digest (the tag cannot be changed alone); ``experimental`` for the
    experimental channel of 1.0 and 1.1, with ``patch`` the patch release it selects (the last
    one of its minor for ``1.1-experimental``; None for other channels, whose features all
    arrived in .0 releases)."""

    directive: ast.Directive
    version: Optional[tuple[int, int]]
    labs: bool
    digest: bool
    experimental: bool = False
    patch: Optional[int] = None

    @property
    def name(self) -> str:
        """The pinned release for messages: ``1.4`` (for ``1.4.3`` too), ``1.7-labs``, and an
        experimental tag as written (``1.1-experimental``, ``1.1.2-experimental``)."""
        if self.version is None:
            return "the newest labs release" if self.labs else "the newest release"
        if self.experimental:  # as written: 1.1-experimental, 1.1.2-experimental
            return self.directive.value.strip().partition("@")[0].rpartition(":")[2]
        return f"{self.version[0]}.{self.version[1]}" + ("-labs" if self.labs else "")


def frontend_pin(file: ast.File) -> Optional[Pin]:
    """The BuildKit Dockerfile frontend the ``# syntax=`` directive selects, or None without a
    directive, for another frontend, a bare digest or a tag that does not say which release."""
    directive = syntax_directive(file)
    match = _FRONTEND.fullmatch(directive.value.strip()) if directive is not None else None
    if match is None:
        return None
    tag = match.group("tag")
    digest = "@" in directive.value
    if tag is None:
        return None if digest else Pin(directive, None, False, digest)
    if tag in _FLOATING:
        return Pin(directive, None, "labs" in tag, digest)
    pinned = _VERSION.fullmatch(tag)
    if pinned is None:
        return None
    minor, channel = int(pinned.group("minor")), pinned.group("channel")
    if channel == "experimental":
        if minor not in _LAST_EXPERIMENTAL:
            return None  # no such image: the channel ended with 1.1
        patch = int(pinned.group("patch")) if pinned.group("patch") else _LAST_EXPERIMENTAL[minor]
        return Pin(directive, (1, minor), False, digest, experimental=True, patch=patch)
    if channel == "labs" and minor < _FIRST_LABS:
        return None  # no such image: the labs channel began with 1.2
    return Pin(directive, (1, minor), channel == "labs", digest)


def frontend_at_least(file: ast.File, version: tuple[int, int]) -> Optional[bool]:
    """Whether the ``# syntax=`` directive selects BuildKit's Dockerfile frontend at ``version``
    (major, minor) or later: True for a floating tag or a later release, False for an earlier
    one, None without a directive, for another frontend or a tag that does not say."""
    pin = frontend_pin(file)
    if pin is None:
        return None
    return True if pin.version is None else pin.version >= version


@dataclass(frozen=True)
class Availability:
    """Where a Dockerfile feature first appeared in each channel: ``stable`` (major, minor), None
    when only labs has it; ``labs`` when the labs channel had it before stable (otherwise labs,
    built from the same commits, has it from ``stable``); ``experimental`` (major, minor, patch)
    when the 1.0/1.1 experimental channel had it."""

    stable: Optional[tuple[int, int]]
    labs: Optional[tuple[int, int]] = None
    experimental: Optional[tuple[int, int, int]] = None

    @property
    def first_labs(self) -> Optional[tuple[int, int]]:
        """The first labs release that has the feature."""
        found = [v for v in (self.labs, self.stable) if v is not None]
        return max(min(found), (1, _FIRST_LABS)) if found else None


def supports(pin: Pin, feature: Availability) -> bool:
    """Whether the release ``pin`` selects has ``feature`` (a floating tag: the newest release of
    its channel)."""
    if pin.version is None:
        return pin.labs or feature.stable is not None
    if pin.labs:
        first = feature.first_labs
        return first is not None and pin.version >= first
    if pin.experimental:
        release = (*pin.version, pin.patch or 0)
        if feature.experimental is not None and release >= feature.experimental:
            return True
    return feature.stable is not None and pin.version >= feature.stable
