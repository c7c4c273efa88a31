"""Which Dockerfile frontend a ``# syntax=`` directive asks for, as far as its tag tells.

Features reach the Dockerfile language in frontend releases (symbolic
``COPY --chmod`` modes in 1.14, for instance). A directive naming BuildKit's
frontend by a floating tag (``docker/dockerfile:1``, ``:1-labs``, ``:labs``,
none) gets the newest release; a pinned one (``:1.4``, ``:1.13.0-labs``)
gets that release. Without a directive, or with another frontend, the
builder's own frontend decides, which a Dockerfile cannot tell.

>>> from dflint.syntax import parse_syntax as parse
>>> frontend_at_least(parse("# syntax=docker/dockerfile:1\\nFROM scratch\\n"), (1, 14))
True
>>> frontend_at_least(parse("# syntax=docker/dockerfile:1.4.3@sha256:abc\\nFROM scratch\\n"), (1, 14))
False
>>> frontend_at_least(parse("FROM scratch\\n"), (1, 14)) is None
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .. import ast

__all__ = ["Pin", "frontend_at_least", "frontend_pin", "syntax_directive"]

_FRONTEND = re.compile(r"(?:docker\.io/)?docker/dockerfile(?::(?P<tag>[\w.-]+))?(?:@sha256:[0-9a-f]+)?")
_FLOATING = frozenset({"1", "1-labs", "labs", "latest"})
_VERSION = re.compile(r"1\.(?P<minor>\d+)(?:\.\d+)?(?:-labs)?")


def syntax_directive(file: ast.File) -> Optional[ast.Directive]:
    """The file's ``# syntax=`` directive (BuildKit reads the first)."""
    return next((d for d in file.directives if d.name.lower() == "syntax"), None)


@dataclass(frozen=True)
class Pin:
    """The frontend a ``# syntax=`` directive selects: ``version`` (1, minor) for a pinned release,
    None for a floating tag (the newest release); ``labs`` for the labs channel; ``digest`` when
    the reference also pins a digest (the tag cannot be changed alone)."""

    directive: ast.Directive
    version: Optional[tuple[int, int]]
    labs: bool
    digest: bool


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
    return Pin(directive, (1, int(pinned.group("minor"))), tag.endswith("-labs"), digest)


def frontend_at_least(file: ast.File, version: tuple[int, int]) -> Optional[bool]:
    """Whether the ``# syntax=`` directive selects BuildKit's Dockerfile frontend at ``version``
    (major, minor) or later: True for a floating tag or a later release, False for an earlier
    one, None without a directive, for another frontend or a tag that does not say."""
    pin = frontend_pin(file)
    if pin is None:
        return None
    return True if pin.version is None else pin.version >= version
