"""The rules available in this installation: plugins' rules plus the engine's own."""

from __future__ import annotations

from functools import lru_cache

from .linter import InternalError
from .plugins.manager import PluginSet, load_plugins
from .selection import RuleSet


@lru_cache(maxsize=1)
def installed() -> tuple[RuleSet, PluginSet]:
    """Every rule from every ``dflint.rules`` entry point (dflint's own included)."""
    plugins = load_plugins()
    return RuleSet([*plugins.rules, InternalError]), plugins
