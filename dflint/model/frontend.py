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
from typing import Optional

from .. import ast

__all__ = ["frontend_at_least", "syntax_directive"]

_FRONTEND = re.compile(r"(?:docker\.io/)?docker/dockerfile(?::(?P<tag>[\w.-]+))?(?:@sha256:[0-9a-f]+)?")
_FLOATING = frozenset({"1", "1-labs", "labs", "latest"})
_VERSION = re.compile(r"1\.(?P<minor>\d+)(?:\.\d+)?(?:-labs)?")


def syntax_directive(file: ast.File) -> Optional[ast.Directive]:
    """The file's ``# syntax=`` directive (BuildKit reads the first)."""
    return next((d for d in file.directives if d.name.lower() == "syntax"), None)


def frontend_at_least(file: ast.File, version: tuple[int, int]) -> Optional[bool]:
    """Whether the ``# syntax=`` directive selects BuildKit's Dockerfile frontend at ``version``
    (major, minor) or later: True for a floating tag or a later release, False for an earlier
    one, None without a directive, for another frontend or a tag that does not say."""
    directive = syntax_directive(file)
    match = _FRONTEND.fullmatch(directive.value.strip()) if directive is not None else None
    if match is None:
        return None
    tag = match.group("tag")
    if tag is None:
        return None if "@" in directive.value else True  # a bare digest pins a release we cannot read
    if tag in _FLOATING:
        return True
    pinned = _VERSION.fullmatch(tag)
    if pinned is None:
        return None
    return (1, int(pinned.group("minor"))) >= version
