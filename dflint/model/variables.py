"""Variables in scope at an instruction, and expansion against them.

A scope maps names to :class:`Variable`. A variable's value is None when it
is set but only known at build time (an ``ARG`` without default, a platform
ARG such as ``TARGETPLATFORM``). Names not in the scope are either *undefined*
(BuildKit expands them to the empty string) or, in a stage built on an
external image, possibly set by that image: unknown, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from ..ast import Node
from ..expansion import UNKNOWN_END, UNKNOWN_START, ExpansionError, Lexer, unknown_value

#: ARGs BuildKit defines in the global scope (usable in FROM; in a stage after ``ARG NAME``).
PLATFORM_ARGS = (
    "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT",
    "TARGETSTAGE",
)
#: Build args that reach RUN without an ARG instruction (never expanded in the Dockerfile).
PROXY_ARGS = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
)


@dataclass(frozen=True)
class Variable:
    """A variable in scope: where it comes from and, if known, its value."""

    name: str
    value: Optional[str]
    kind: str  # "arg", "env", "global-arg", "platform"
    node: Optional[Node] = None

    @property
    def known(self) -> bool:
        return self.value is not None and UNKNOWN_START not in self.value


@dataclass(frozen=True)
class Expansion:
    """The result of expanding one word.

    ``value`` shows what stays unknown as ``${NAME}``; ``unresolved`` names
    those variables, ``undefined`` names references to variables defined
    nowhere (BuildKit substitutes the empty string), ``error`` is BuildKit's
    error for a malformed word.
    """

    source: str
    value: str
    marked: str
    used: frozenset[str]
    unresolved: frozenset[str]
    undefined: frozenset[str]
    error: Optional[str] = None

    @property
    def resolved(self) -> bool:
        return not self.unresolved and self.error is None


class Scope:
    """An immutable set of variables, plus what an unknown name means."""

    __slots__ = ("variables", "base_image_env", "_expansions")

    def __init__(self, variables: Mapping[str, Variable], base_image_env: bool) -> None:
        self.variables = dict(variables)
        # True in stages built on an external image, whose ENV we cannot see.
        self.base_image_env = base_image_env
        # Rules expand the same words again and again; an Expansion is immutable.
        self._expansions: dict[tuple[str, str], Expansion] = {}

    def get(self, name: str) -> Optional[Variable]:
        return self.variables.get(name)

    def with_variable(self, variable: Variable) -> "Scope":
        variables = dict(self.variables)
        variables[variable.name] = variable
        return Scope(variables, self.base_image_env)

    def names(self) -> list[str]:
        return list(self.variables)

    def expand(self, text: str, escape: str = "\\") -> Expansion:
        """Expand ``text`` as BuildKit does for ENV, COPY, FROM ... in this scope."""
        key = (text, escape)
        expansion = self._expansions.get(key)
        if expansion is None:
            expansion = self._expansions[key] = self._expand(text, escape)
        return expansion

    def _expand(self, text: str, escape: str) -> Expansion:
        unresolved: set[str] = set()
        undefined: set[str] = set()

        def lookup(name: str) -> Optional[str]:
            variable = self.variables.get(name)
            if variable is None:
                if self.base_image_env:
                    unresolved.add(name)
                    return unknown_value(name)
                undefined.add(name)
                return None
            if variable.value is None:
                unresolved.add(name)
                return unknown_value(name)
            return variable.value

        try:
            result = Lexer(escape).process_word(text, lookup)
        except ExpansionError as exc:
            return Expansion(text, text, text, frozenset(), frozenset(), frozenset(), str(exc))
        marked = result.value
        if UNKNOWN_START in marked:
            unresolved.update(_marker_names(marked))
        return Expansion(
            source=text,
            value=display(marked),
            marked=marked,
            used=frozenset(result.matched | result.unmatched),
            unresolved=frozenset(unresolved),
            undefined=frozenset(undefined),
        )


def _marker_names(text: str) -> list[str]:
    names = []
    pos = text.find(UNKNOWN_START)
    while pos != -1:
        end = text.find(UNKNOWN_END, pos)
        names.append(text[pos + 1:end])
        pos = text.find(UNKNOWN_START, end)
    return names


def display(marked: str) -> str:
    """Show unknown parts of an expanded value as ``${NAME}``."""
    if UNKNOWN_START not in marked:
        return marked
    return marked.replace(UNKNOWN_START, "${").replace(UNKNOWN_END, "}")
