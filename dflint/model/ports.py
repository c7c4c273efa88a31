"""EXPOSE port specifications as ``docker build`` reads them: expanded, split, taken apart.

BuildKit expands each EXPOSE argument with ``ProcessWords`` (one argument may
give several specs) and parses ``[ip:][host:]container[/proto]``.
:func:`expose_specs` gives every spec of an EXPOSE (or an ONBUILD EXPOSE
trigger, whose variables are not known here) with the values that every
build gets; a spec that depends on an unknown variable is left out.

>>> from dflint.api import build_model, parse
>>> file = parse('FROM alpine\\nARG P=8080\\nEXPOSE 127.0.0.1:80:80/TCP "$P"\\n')
>>> [(s.spec, s.literal, s.parts) for s in expose_specs(build_model(file), file.instructions[2])]
[('127.0.0.1:80:80/TCP', True, ('127.0.0.1', '80', '80', 'TCP')), ('8080', False, ('', '', '8080', ''))]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .. import ast
from ..expansion import ExpansionError, Lexer

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel

__all__ = ["PortSpec", "expose_specs"]

_PLAIN = re.compile(r"[^\s\"'$\\`]+")


@dataclass(frozen=True)
class PortSpec:
    """One port spec; ``literal`` when ``spec`` is the argument's text as written (offsets map one to one)."""

    argument: ast.Argument
    spec: str
    literal: bool

    @property
    def parts(self) -> tuple[str, str, str, str]:
        """``(ip, host port, container port, protocol)`` as BuildKit's ``splitParts`` cuts them."""
        pieces = self.spec.split(":")
        ip = ":".join(pieces[:-2])
        host = pieces[-2] if len(pieces) > 1 else ""
        port, _, proto = pieces[-1].partition("/")
        return ip, host, port, proto

    @property
    def written(self) -> str:
        """How the message names the spec: as written, and what it expands to when that differs."""
        if "$" not in self.argument.value:
            return f"`{self.spec}`"
        return f"`{self.spec}` ({self.argument.value} with the ARG/ENV defaults)"


def expose_specs(model: "BuildModel", node: ast.Instruction) -> list[PortSpec]:
    """The port specs of EXPOSE ``node`` (or of an ``ONBUILD EXPOSE``), in order."""
    trigger = isinstance(node, ast.OnbuildInstruction)
    expose = node.trigger if trigger else node
    if not isinstance(expose, ast.ExposeInstruction):
        return []
    scope = model.scope_at(node)

    def lookup(name: str) -> Optional[str]:
        variable = scope.get(name)
        return variable.value if variable is not None else None

    specs = []
    for arg in expose.ports:
        literal = bool(_PLAIN.fullmatch(arg.value)) and model.escape not in arg.value
        if "$" in arg.value and (trigger or not model.expand(node, arg.value).resolved):
            continue  # depends on a value only the build knows
        try:
            words = Lexer(model.escape).process_words(arg.value, lookup)
        except ExpansionError:
            continue
        specs.extend(PortSpec(arg, word.value, literal) for word in words)
    return specs
