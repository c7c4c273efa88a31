"""Hook specifications: how a plugin contributes rules and default configuration.

A plugin is any object with ``@hookimpl`` functions, registered through the
``dflint.rules`` entry-point group. dflint's own rules arrive the same way.
Hooks are called with keyword arguments only.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "dflint"
ENTRY_POINT_GROUP = "dflint.rules"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class DflintSpec:
    """The hooks a dflint plugin may implement."""

    @hookspec
    def dflint_rules(self) -> "list[type]":  # type: ignore[empty-body]
        """Return the rule classes (subclasses of :class:`dflint.rule.Rule`) this plugin provides.

        Import rule modules inside the hook, not at module import, so that
        loading a plugin stays cheap.
        """

    @hookspec
    def dflint_default_config(self) -> "dict[str, Any]":  # type: ignore[empty-body]
        """Return default configuration, as in ``[tool.dflint]``: typically
        ``{"rules": {"<rule-name>": {"<option>": value}}}`` for this plugin's rules.
        User configuration overrides it."""
