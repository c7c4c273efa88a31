"""Loads plugins from the ``dflint.rules`` entry points; one broken plugin never stops the rest."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import pluggy

from .hookspecs import ENTRY_POINT_GROUP, PROJECT, DflintSpec

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_CODE = re.compile(r"^[A-Z]{1,8}[0-9]{1,5}$")


@dataclass(frozen=True)
class PluginError:
    plugin: str
    message: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r}: {self.message}"


@dataclass
class PluginSet:
    """Every rule the installed plugins provide, and what went wrong loading them."""

    rules: list[type] = field(default_factory=list)
    default_config: dict[str, Any] = field(default_factory=dict)
    errors: list[PluginError] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)


def _entry_points() -> Iterable[Any]:
    from importlib.metadata import entry_points

    return entry_points(group=ENTRY_POINT_GROUP)


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _check_rule(rule: Any, plugin: str, seen: dict[str, str]) -> Optional[str]:
    from ..rule import Rule

    if not (isinstance(rule, type) and issubclass(rule, Rule)):
        return f"{rule!r} is not a dflint.rule.Rule subclass"
    if not _CODE.match(rule.code or ""):
        return f"rule {rule.__name__} has an invalid code {rule.code!r}"
    if plugin != "dflint" and rule.code.startswith("DF"):
        return f"rule code {rule.code} uses the DF prefix reserved for built-in rules"
    if not _NAME.match(rule.name or ""):
        return f"rule {rule.code} has an invalid name {rule.name!r} (kebab-case expected)"
    for key in (rule.code, rule.name):
        if key in seen:
            return f"rule {rule.code} ({rule.name}) clashes with {key!r} from plugin {seen[key]!r}"
    return None


def load_plugins(extra: Iterable[tuple[str, Any]] = (), entry_points: bool = True) -> PluginSet:
    """Register every plugin and collect its rules; ``extra`` adds (name, plugin) pairs."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(DflintSpec)
    result = PluginSet()
    candidates: list[tuple[str, Any]] = []
    if entry_points:
        for ep in sorted(_entry_points(), key=lambda e: (e.name != "dflint", e.name)):
            try:
                candidates.append((ep.name, ep.load()))
            except Exception as exc:  # a plugin's import error must not stop dflint
                result.errors.append(PluginError(ep.name, f"failed to load: {type(exc).__name__}: {exc}"))
    candidates.extend(extra)
    seen: dict[str, str] = {}
    for name, plugin in candidates:
        try:
            manager.register(plugin, name=name)
        except Exception as exc:
            result.errors.append(PluginError(name, f"failed to register: {exc}"))
            continue
        result.plugins.append(name)
        for impl in manager.hook.dflint_rules.get_hookimpls():
            if impl.plugin_name != name:
                continue
            try:
                rules = list(impl.function() or [])
            except Exception as exc:
                result.errors.append(PluginError(name, f"dflint_rules failed: {type(exc).__name__}: {exc}"))
                continue
            for rule in rules:
                problem = _check_rule(rule, name, seen)
                if problem:
                    result.errors.append(PluginError(name, problem))
                    continue
                rule.origin = name
                seen[rule.code] = seen[rule.name] = name
                result.rules.append(rule)
        for impl in manager.hook.dflint_default_config.get_hookimpls():
            if impl.plugin_name != name:
                continue
            try:
                _merge(result.default_config, dict(impl.function() or {}))
            except Exception as exc:
                result.errors.append(PluginError(name, f"dflint_default_config failed: {exc}"))
    for error in result.errors:
        log.warning("%s", error)
    return result
