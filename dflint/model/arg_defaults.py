"""Global ARGs at their defaults: what FROM becomes when no ``--build-arg`` is given.

BuildKit's ``InvalidDefaultArgInFrom`` check expands every base image name with
the global ARGs' defaults only: an ``ARG`` without default is then unset and
expands to the empty string (``ARG TAG`` then ``FROM busybox:${TAG}`` gives
``busybox:``), or to the word of ``${TAG-word}``. The platform ARGs
(``TARGETARCH`` ...) stay unknown here: the builder sets them, and they are
never empty where it matters.

A name that is empty or invalid only because such an ARG is unset (``busybox:${TAG}``)
is told apart from one no value makes valid (``Ubuntu:${TAG}``) by trying a few values
for those ARGs (:meth:`DefaultArgs.valid_with_some_value`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import ast
from .image import parse_image_reference
from .variables import PLATFORM_ARGS, Expansion, Scope, Variable

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel

__all__ = ["DefaultArgs", "default_args"]

#: Values tried for the ARGs without default: a name, a tag, the start of a name or of a tag, a hex
#: digest and a whole digest (``FROM alpine@${DIGEST}``).
_PROBES = ("a", "1", "a/", "a:", "0" * 64, "sha256:" + "0" * 64)


@dataclass(frozen=True)
class DefaultArgs:
    """The global scope with defaults only; ``without_default`` names the ARGs left empty."""

    scope: Scope
    without_default: frozenset[str]
    escape: str

    def expand(self, text: str) -> Expansion:
        return self.scope.expand(text, self.escape)

    def valid_with_some_value(self, text: str) -> bool:
        """Whether ``text`` becomes a valid image reference when the ARGs without default are given
        one of a few plain values (the same for all): if so, it is empty or invalid only because
        the build does not pass them; if not, it is invalid whatever they are."""
        for probe in _PROBES:
            scope = self.scope
            for name in self.without_default:
                scope = scope.with_variable(Variable(name, probe, "global-arg"))
            expansion = scope.expand(text, self.escape)
            if expansion.error is None and expansion.value and parse_image_reference(expansion.value).error is None:
                return True
        return False


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
            else:  # unset, not empty: ``${TAG-latest}`` gives latest, ``${TAG+x}`` nothing
                empty.add(key)
                continue
            scope = scope.with_variable(Variable(key, value, "global-arg", pair))
    return DefaultArgs(scope, frozenset(empty), model.escape)
