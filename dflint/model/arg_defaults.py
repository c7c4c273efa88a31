"""Global ARGs at their defaults: what FROM becomes when no ``--build-arg`` is given.

BuildKit's ``InvalidDefaultArgInFrom`` check expands every base image name with
the global ARGs' defaults only: an ``ARG`` without default is then unset and
expands to the empty string (``ARG TAG`` then ``FROM busybox:${TAG}`` gives
``busybox:``). The platform ARGs (``TARGETARCH`` ...) stay unknown here: the
builder sets them, and they are never empty where it matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import ast
from .variables import PLATFORM_ARGS, Expansion, Scope, Variable

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel

__all__ = ["DefaultArgs", "default_args"]


@dataclass(frozen=True)
class DefaultArgs:
    """The global scope with defaults only; ``without_default`` names the ARGs left empty."""

    scope: Scope
    without_default: frozenset[str]
    escape: str

    def expand(self, text: str) -> Expansion:
        return self.scope.expand(text, self.escape)


def default_args(model: "BuildModel") -> DefaultArgs:
    scope = Scope({name: Variable(name, None, "platform") for name in PLATFORM_ARGS}, base_image_env=False)
    empty: set[str] = set()
    for node in model.file.instructions:
        if isinstance(node, ast.FromInstruction):
            break
        if not isinstance(node, ast.ArgInstruction):
            continue
        for pair in node.pairs:
            key = pair.key.value
            existing = scope.get(key)
            if pair.value is not None:
                value = scope.expand(pair.value.value, model.escape).marked
                empty.discard(key)
            elif existing is not None:
                value = existing.value
            else:
                value = ""
                empty.add(key)
            scope = scope.with_variable(Variable(key, value, "global-arg", pair))
    return DefaultArgs(scope, frozenset(empty), model.escape)
