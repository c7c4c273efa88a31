"""Loads plugins from the ``dflint.rules`` entry points; one broken plugin never stops the rest."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import pluggy

from .hookspecs import ENTRY_POINT_GROUP, PROJECT, DflintSpec

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_CODE = re.compile(r"^[A-Z]{1,8}[0-9]{1,5}$")


@dataclass(frozen=True)
class PluginError:
    """A plugin that failed to load or register, and why."""

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


@dataclass(frozen=True)
class _EntryPoint:
    """One ``dflint.rules`` entry point, as read from entry_points.txt."""

    name: str
    value: str

    def load(self) -> Any:
        import importlib

        module, _, attr = self.value.partition(":")
        obj = importlib.import_module(module.strip())
        for part in filter(None, attr.strip().split(".")):
            obj = getattr(obj, part)
        return obj


def _entry_points() -> Iterable[Any]:
    """Entry points of the ``dflint.rules`` group.

    Reading ``entry_points.txt`` directly costs a few milliseconds where
    importing importlib.metadata costs tens (it pulls in email, socket...):
    start-up matters for pre-commit and editors. Anything unusual on sys.path
    (zip files, eggs) falls back to importlib.metadata.
    """
    found: dict[str, _EntryPoint] = {}
    seen_dists: set[str] = set()
    for entry in sys.path:
        directory = entry or "."
        if not os.path.isdir(directory):
            if os.path.exists(directory):
                return _metadata_entry_points()
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            dist = _normalize(name.rsplit("-", 1)[0] if name.endswith(".dist-info") else name[:-9])
            if dist in seen_dists:
                continue  # the first distribution of a name on sys.path wins, as for imports
            seen_dists.add(dist)
            path = os.path.join(directory, name, "entry_points.txt")
            for ep in _read_group(path):
                found.setdefault(ep.name, ep)
    return list(found.values())


def _normalize(dist: str) -> str:
    return re.sub(r"[-_.]+", "_", dist.split("-")[0]).lower()


def _read_group(path: str) -> list[_EntryPoint]:
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    result, in_group = [], False
    for line in lines:
        line = line.strip()
        if line.startswith("["):
            in_group = line == f"[{ENTRY_POINT_GROUP}]"
        elif in_group and "=" in line and not line.startswith(("#", ";")):
            name, value = line.split("=", 1)
            result.append(_EntryPoint(name.strip(), value.split("[", 1)[0].strip()))
    return result


def _metadata_entry_points() -> Iterable[Any]:
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
    score = rule.security_severity
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 10):
        return f"rule {rule.code} has an invalid security_severity {score!r} (a number from 0.0 to 10.0 expected)"
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
    if result.errors:
        import logging  # only when something went wrong

        for error in result.errors:
            logging.getLogger(__name__).warning("%s", error)
    return result
