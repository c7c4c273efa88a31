"""Variables in scope at an instruction, and expansion against them.

A scope maps names to :class:`Variable`. A variable's value is None when it
is set but only known at build time (an ``ARG`` without default, a platform
ARG such as ``TARGETPLATFORM``). Names not in the scope are either *undefined*
(BuildKit expands them to the empty string) or, in a stage built on an
external image, possibly set by that image: unknown, not guessed.
"""

from __future__ import annotations

from bisect import bisect_right
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


class _History:
    """Every version of a chain of scopes, each scope one variable more than the one before.

    A stage's scopes (one per instruction) share one history instead of each
    holding a copy of all its variables: a file of N ENV instructions kept N
    dicts of up to N variables (16,000 ENVs: 3.5 GB and 12 s).
    """

    __slots__ = ("versions", "first", "order", "tip")

    def __init__(self, variables: Mapping[str, Variable]) -> None:
        #: Per name, the versions that set it (ascending) and the variable each set.
        self.versions: dict[str, tuple[list[int], list[Variable]]] = {
            name: ([0], [variable]) for name, variable in variables.items()}
        #: Per name, the version that first set it; ``order``: the names in that order (a dict's order).
        self.first: dict[str, int] = dict.fromkeys(variables, 0)
        self.order: list[str] = list(variables)
        self.tip = 0

    def add(self, variable: Variable) -> int:
        self.tip += 1
        name = variable.name
        entry = self.versions.get(name)
        if entry is None:
            self.versions[name] = ([self.tip], [variable])
            self.first[name] = self.tip
            self.order.append(name)
        else:
            entry[0].append(self.tip)
            entry[1].append(variable)
        return self.tip

    def get(self, name: str, version: int) -> Optional[Variable]:
        entry = self.versions.get(name)
        if entry is None:
            return None
        numbers, variables = entry
        if numbers[-1] <= version:
            return variables[-1]
        index = bisect_right(numbers, version)
        return variables[index - 1] if index else None


#: Longer values are read as unknown. ``ARG B=$A$A`` doubles a value per line: left alone, 30 such
#: lines build gigabytes (BuildKit would too); a linter run on every keystroke must not.
MAX_EXPANDED_VALUE = 64 * 1024
_NONE: frozenset[str] = frozenset()


class Scope:
    """An immutable set of variables, plus what an unknown name means."""

    __slots__ = ("_history", "_version", "_variables", "base_image_env", "_expansions")

    def __init__(self, variables: Mapping[str, Variable], base_image_env: bool) -> None:
        self._history = _History(variables)
        self._version = 0
        self._variables: Optional[dict[str, Variable]] = None
        # True in stages built on an external image, whose ENV we cannot see.
        self.base_image_env = base_image_env
        # Rules expand the same words again and again; an Expansion is immutable.
        self._expansions: dict[tuple[str, str, bool], Expansion] = {}

    @property
    def variables(self) -> dict[str, Variable]:
        """The variables by name, in the order they were first set (do not modify)."""
        if self._variables is None:
            history, version = self._history, self._version
            found: dict[str, Variable] = {}
            for name in history.order:
                if history.first[name] > version:
                    break
                variable = history.get(name, version)
                assert variable is not None
                found[name] = variable
            self._variables = found
        return self._variables

    def get(self, name: str) -> Optional[Variable]:
        return self._history.get(name, self._version)

    def with_variable(self, variable: Variable) -> "Scope":
        history = self._history
        if self._version != history.tip:  # a second scope built on this one: it starts a history of its own
            history = _History(self.variables)
        scope = Scope.__new__(Scope)
        scope._history = history
        scope._version = history.add(variable)
        scope._variables = None
        scope.base_image_env = self.base_image_env
        scope._expansions = {}
        return scope

    def names(self) -> list[str]:
        return list(self.variables)

    def expand(self, text: str, escape: str = "\\", skip_quotes: bool = False) -> Expansion:
        """Expand ``text`` as BuildKit does for ENV, COPY, FROM ... in this scope; ``skip_quotes``: quotes
        are ordinary characters, as in the body of a COPY/ADD here-document."""
        key = (text, escape, skip_quotes)
        expansion = self._expansions.get(key)
        if expansion is None:
            expansion = self._expansions[key] = self._expand(text, escape, skip_quotes)
        return expansion

    def _expand(self, text: str, escape: str, skip_quotes: bool = False) -> Expansion:
        if "$" not in text and "'" not in text and '"' not in text and escape not in text \
                and UNKNOWN_START not in text and not text.startswith("\ufeff"):  # the lexer drops a leading BOM
            return Expansion(text, text, text, _NONE, _NONE, _NONE)  # most words: nothing to expand or unquote
        unresolved: set[str] = set()
        undefined: set[str] = set()

        def lookup(name: str) -> Optional[str]:
            variable = self.get(name)
            if variable is None:
                if self.base_image_env:
                    unresolved.add(name)
                    return unknown_value(name)
                undefined.add(name)
                return None
            if variable.value is None or len(variable.value) > MAX_EXPANDED_VALUE:
                unresolved.add(name)
                return unknown_value(name)
            return variable.value

        try:
            result = Lexer(escape, skip_quotes=skip_quotes).process_word(text, lookup)
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
