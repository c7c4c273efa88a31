"""Output formats: one module per format behind a lazy registry.

``REPORTERS`` maps a format name to its :class:`Reporter` class; looking a
name up imports only that format's module, so listing the names (for
``--format`` choices) costs nothing at start-up.
"""

from __future__ import annotations

import importlib
from typing import Iterator, Mapping

from .base import Reporter, Summary

__all__ = ["REPORTERS", "Reporter", "Summary", "UnknownFormat", "get_reporter"]

# name -> "module:Class", relative to this package
_BUILTIN = {
    "text": "text:TextReporter",
    "json": "json:JsonReporter",
    "sarif": "sarif:SarifReporter",
    "github": "github:GithubReporter",
    "checkstyle": "checkstyle:CheckstyleReporter",
    "gitlab": "gitlab:GitlabReporter",
}


class UnknownFormat(ValueError):
    def __init__(self, name: str, known: list[str]) -> None:
        from ..suggest import did_you_mean

        hint = did_you_mean(name, known, case_sensitive=False)
        super().__init__(f"unknown output format {name!r}" + (f" ({hint})" if hint else "")
                         + f"; expected one of: {', '.join(known)}")
        self.name = name


class _LazyReporters(Mapping[str, "type[Reporter]"]):
    """A read-only mapping that imports a reporter's module on first lookup."""

    def __init__(self, specs: Mapping[str, str]) -> None:
        self._specs = dict(specs)
        self._loaded: dict[str, type[Reporter]] = {}

    def __getitem__(self, name: str) -> type[Reporter]:
        if name not in self._loaded:
            module, _, attr = self._specs[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(f".{module}", __name__), attr)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        return f"REPORTERS({', '.join(self._specs)})"


REPORTERS: Mapping[str, type[Reporter]] = _LazyReporters(_BUILTIN)


def get_reporter(name: str) -> type[Reporter]:
    """The reporter class for a format name; :class:`UnknownFormat` (a ValueError) if none."""
    try:
        return REPORTERS[name]
    except KeyError:
        raise UnknownFormat(name, list(REPORTERS)) from None
