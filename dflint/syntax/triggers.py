"""What a downstream build rejects in an ONBUILD trigger.

``docker build`` stores an ONBUILD trigger as text and only checks its keyword
(``ONBUILD ONBUILD``, ``ONBUILD FROM`` and ``ONBUILD MAINTAINER`` are errors
at once, see :mod:`dflint.syntax.validate`). The trigger is parsed as an
instruction of its own when an image is built ``FROM`` this one, and only then
are its flags, arguments and values checked: the image builds, and every image
built on it fails. :func:`trigger_problem` runs those checks now, with the same
code :func:`~dflint.syntax.validate.validate` uses for ordinary instructions.
"""

from __future__ import annotations

from typing import Optional

from .. import ast
from ..ast import ParseError
from .validate import _problems
from .validate_dispatch import dispatch_problems

__all__ = ["trigger_problem", "CHECKED_NOW"]

#: Trigger keywords docker build rejects when the ONBUILD itself is built.
CHECKED_NOW = ("ONBUILD", "FROM", "MAINTAINER")


def trigger_problem(node: ast.OnbuildInstruction, escape: str) -> Optional[ParseError]:
    """The first problem a downstream build finds in ``node``'s trigger, or None."""
    trigger = node.trigger
    if trigger is None or trigger.name in CHECKED_NOW:
        return None
    problem = next(_problems(trigger), None)
    if problem is None:
        problem = next(dispatch_problems(trigger, escape), None)
    return problem
