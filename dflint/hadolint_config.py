"""hadolint's configuration (``.hadolint.yaml``) written as dflint's, for ``dflint from-hadolint``.

Each key of hadolint's file (``Hadolint.Config.Configfile``) becomes what
does the same in dflint, through the rules' hadolint aliases:

* ``ignored`` -> ``ignore``; ``override: {error: [...], ...}`` -> the
  ``severity`` table; ``failure-threshold`` -> ``fail-level``;
* ``trustedRegistries`` -> the ``registry-allowlist`` rule (DL3026), turned on,
  with its ``allowed`` option;
* ``label-schema`` -> the ``label-schema`` rule (DL3049-DL3058), turned on:
  hadolint requires every key of its schema and checks each value's type,
  so the keys go to ``required`` and the types to ``types``;
  ``strict-labels`` -> its ``strict`` option.

What has no counterpart is written as a comment that says why: ShellCheck's
codes (dflint does not run ShellCheck), DL codes no dflint rule stands for,
and the command-line settings (``format``, ``no-color``, ``no-fail``,
``verbose``, ``disable-ignore-pragma``) with the flag to use instead.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

__all__ = ["HadolintConfigError", "translate"]

#: Where hadolint looks, in its order, for a configuration in the working directory.
LOCAL_NAMES = (".hadolint.yaml", ".hadolint.yml")

_SEVERITIES = ("error", "warning", "info", "style")
_LABEL_TYPES = {"text": "text", "url": "url", "semver": "semver", "hash": "hash", "rfc3339": "rfc3339",
                "spdx": "spdx", "email": "email"}
_COMMAND_LINE = {
    "format": "--format (dflint's: text, json, sarif, github, checkstyle, gitlab)",
    "no-color": "--no-color, or NO_COLOR",
    "no-fail": "--exit-zero",
    "verbose": "nothing: dflint has no verbose output",
    "disable-ignore-pragma": "nothing: dflint always honours `# hadolint ignore=` comments; "
                             "select `no-inline-ignore` to report them",
    "output-file": "--output FILE",
}


class HadolintConfigError(ValueError):
    """The file cannot be read as a hadolint configuration."""


def translate(data: Any, known: Callable[[str], bool], pyproject: bool = False) -> str:
    """dflint's configuration doing what hadolint's ``data`` (the parsed YAML) does, as TOML text:
    top-level keys for ``.dflint.toml``, or ``[tool.dflint]`` tables for pyproject.toml.
    ``known(code)`` says whether a hadolint code selects a dflint rule."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise HadolintConfigError("a hadolint configuration is a mapping of keys (ignored, override, ...)")
    top: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    extend_select: list[str] = []

    def codes(key: str, value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise HadolintConfigError(f"'{key}' must be a list of rule codes")
        kept = []
        for code in value:
            if known(code):
                kept.append(code)
            elif code.upper().startswith("SC"):
                notes.append(f"{key}: {code} is ShellCheck's; dflint does not run ShellCheck")
            else:
                notes.append(f"{key}: {code} has no dflint rule")
        return kept

    for key, value in data.items():
        if key == "ignored":
            top["ignore"] = codes(key, value)
        elif key == "override":
            if not isinstance(value, dict):
                raise HadolintConfigError("'override' must map error, warning, info and style to rule codes")
            severity = tables.setdefault("severity", {})
            for level, listed in value.items():
                if level not in _SEVERITIES:
                    raise HadolintConfigError(f"'override' has an unknown severity {level!r} "
                                              f"(error, warning, info or style)")
                for code in codes(f"override.{level}", listed or []):
                    severity[code] = level
        elif key == "failure-threshold":
            if value in _SEVERITIES:
                top["fail-level"] = value
            elif value in ("ignore", "none"):
                notes.append(f"failure-threshold: {value}: run dflint with --exit-zero")
            else:
                raise HadolintConfigError(f"'failure-threshold' must be error, warning, info, style, ignore "
                                          f"or none, not {value!r}")
        elif key == "trustedRegistries":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise HadolintConfigError("'trustedRegistries' must be a list of registries")
            if value:
                extend_select.append("registry-allowlist")
                tables["rules.registry-allowlist"] = {"allowed": list(value)}
        elif key == "label-schema":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise HadolintConfigError("'label-schema' must map label keys to types")
            unknown = sorted({v for v in value.values() if v not in _LABEL_TYPES})
            if unknown:
                raise HadolintConfigError(f"'label-schema' has unknown types: {', '.join(unknown)} "
                                          f"({', '.join(_LABEL_TYPES)})")
            if value:
                extend_select.append("label-schema")
                schema = tables.setdefault("rules.label-schema", {})
                schema["required"] = list(value)
                schema["types"] = {label: _LABEL_TYPES[kind] for label, kind in value.items()}
        elif key == "strict-labels":
            if value is True:
                if "label-schema" not in extend_select:
                    extend_select.append("label-schema")
                tables.setdefault("rules.label-schema", {})["strict"] = True
        elif key in _COMMAND_LINE:
            if value not in (None, False):
                notes.append(f"{key}: {_COMMAND_LINE[key]}")
        else:
            notes.append(f"{key}: not a hadolint setting dflint knows; left out")
    if extend_select:
        top["extend-select"] = extend_select
    return _toml(top, tables, notes, "tool.dflint" if pyproject else None)


def _toml(top: dict[str, Any], tables: dict[str, dict[str, Any]], notes: list[str], prefix: Optional[str]) -> str:
    lines = ["# Converted from hadolint's configuration by `dflint from-hadolint`."]
    lines += [f"# {note}" for note in notes]
    if prefix:
        lines.append(f"[{prefix}]")
    order = ("extend-select", "ignore", "fail-level")
    lines += [f"{key} = {_value(top[key])}" for key in order if key in top]
    for name, table in tables.items():
        if not table:
            continue
        header = ".".join(_key(part) for part in (prefix.split(".") if prefix else []) + name.split("."))
        lines += ["", f"[{header}]"]
        lines += [f"{_key(key)} = {_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    """A TOML value: JSON's strings and arrays are TOML's too; tables become inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
