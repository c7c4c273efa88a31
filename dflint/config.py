"""Configuration: discovery, TOML reading, validation, merging with the command line.

dflint reads ``[tool.dflint]`` in ``pyproject.toml``, or the top level of
``.dflint.toml`` / ``dflint.toml``. For each linted file the nearest such file
up the directory tree wins (in one directory: ``.dflint.toml``, then
``dflint.toml``, then ``pyproject.toml`` with a ``[tool.dflint]`` table);
``--config`` overrides discovery. Unknown keys, wrong types and invalid TOML
are errors that name the file, the line and the key, with a did-you-mean.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional, Sequence

from .diagnostic import Severity
from .rule import Rule
from .selection import RuleSet, Selection, UnknownSelector
from .suggest import closest

CONFIG_FILES = (".dflint.toml", "dflint.toml", "pyproject.toml")
DEFAULT_FAIL_LEVEL = Severity.INFO

#: Every key of the configuration, with its expected type (documented in the README).
KEYS: dict[str, str] = {
    "select": "list",
    "extend-select": "list",
    "ignore": "list",
    "fail-level": "severity",
    "severity": "table of severities",
    "per-file-ignores": "table of lists",
    "exclude": "list",
    "extend-exclude": "list",
    "rules": "table of tables",
}
DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".tox", ".venv", "venv", "node_modules", "__pycache__")


class ConfigError(ValueError):
    """A configuration problem the user must fix; printed as ``path:line: message``."""

    def __init__(self, message: str, path: Optional[str] = None, line: Optional[int] = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


class Glob:
    """A path pattern: ``*`` and ``?`` stay within a directory, ``**`` crosses them.
    A pattern without ``/`` also matches a file's base name; a leading ``./``
    means the configuration's directory, as the paths matched are relative to it."""

    __slots__ = ("pattern", "regex", "basename")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        body = pattern.rstrip("/")
        self.basename = "/" not in body  # "./Dockerfile" is only the one beside the configuration
        while body.startswith("./"):
            body = body[2:].lstrip("/")
        self.regex = re.compile(_glob_regex(body))

    def match(self, relative: str) -> bool:
        if self.regex.fullmatch(relative):
            return True
        return self.basename and bool(self.regex.fullmatch(relative.rsplit("/", 1)[-1]))


def _exclude_matchers(globs: Sequence[Glob]) -> "tuple[re.Pattern[str], Optional[re.Pattern[str]]]":
    """Two regexes for all the globs at once (a discovery asks about every file it meets): one for a
    path a glob matches, or that lies under a directory a glob matches, and one for a single part of
    a path, which a glob without ``/`` also matches."""
    alternatives = "|".join(f"(?:{glob.regex.pattern})" for glob in globs)
    # A directory is a prefix that ends where a "/" follows it.
    under = re.compile(f"(?:{alternatives})(?:/[\\s\\S]*)?")
    named = [f"(?:{glob.regex.pattern})" for glob in globs if glob.basename]
    return under, re.compile("|".join(named)) if named else None


def _glob_regex(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1:end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _relative(path: str, root: str) -> str:
    """``path`` relative to ``root``, with ``/``; as given when it lies outside."""
    # os.path, not pathlib: pathlib (and the urllib.parse it imports) costs ~5 ms of every start-up.
    absolute, root = os.path.abspath(path), os.path.abspath(root)
    if os.path.normcase(absolute) == os.path.normcase(root):
        return "."
    prefix = root if root.endswith(os.sep) else root + os.sep
    if os.path.normcase(absolute).startswith(os.path.normcase(prefix)):
        return absolute[len(prefix):].replace(os.sep, "/")
    return posix_form(path)  # outside the root: the path as given


def _excluded(cache: dict, key: str, globs: Sequence[Glob], root: str, path: str) -> bool:
    if not globs:
        return False
    matchers = cache.get(key)
    if matchers is None:
        matchers = cache[key] = _exclude_matchers(globs)
    relative = _relative(path, root)
    under, named = matchers
    return bool(under.fullmatch(relative)) or named is not None and any(map(named.fullmatch, relative.split("/")))


@dataclass(frozen=True)
class Config:
    """Effective settings for the files under one configuration file."""

    source: Optional[str] = None
    root: str = "."
    select: Optional[tuple[str, ...]] = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_level: Severity = DEFAULT_FAIL_LEVEL
    severity: tuple[tuple[str, Severity], ...] = ()
    per_file_ignores: tuple[tuple[Glob, tuple[str, ...]], ...] = ()
    exclude: tuple[Glob, ...] = ()
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    #: ``--exclude`` globs, relative to the directory dflint runs from (``command_line_root``), as
    #: ruff reads them: relative to each configuration's directory, ``--exclude sub/vendor`` would
    #: miss the files of ``sub/`` whenever ``sub/`` has a configuration of its own.
    command_line_exclude: tuple[Glob, ...] = ()
    command_line_root: str = "."
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def relative(self, path: str) -> str:
        return _relative(path, self.root)

    def excluded(self, path: str) -> bool:
        """Whether an exclude glob matches the path, or one of its directories (relative to the root;
        ``--exclude`` globs relative to the directory dflint runs from)."""
        return (_excluded(self._cache, "exclude", self.exclude, self.root, path)
                or _excluded(self._cache, "command-line exclude", self.command_line_exclude,
                             self.command_line_root, path))

    def enabled_rules(self, rules: RuleSet, path: str) -> list[type[Rule]]:
        relative = self.relative(path)
        extra = tuple(sel for glob, selectors in self.per_file_ignores if glob.match(relative) for sel in selectors)
        key = (id(rules), extra)
        enabled = self._cache.get(key)
        if enabled is None:
            selection = Selection(self.select, self.extend_select, self.ignore)
            enabled = self._cache[key] = selection.enabled(rules, extra)
        return enabled

    def ignored_aliases(self, rules: RuleSet, path: str) -> frozenset[str]:
        relative = self.relative(path)
        extra = tuple(sel for glob, selectors in self.per_file_ignores if glob.match(relative) for sel in selectors)
        return Selection(self.select, self.extend_select, self.ignore).ignored_aliases(rules, extra)

    def options_for(self, rule: type[Rule]) -> dict[str, Any]:
        # Worked out once per rule (asked for once per rule and file); each caller gets its own dict,
        # and its own copy of a table option, as when it was built afresh.
        key = ("options", rule)
        cached = self._cache.get(key)
        if cached is None:
            options = rule.default_options()
            for code, values in self.rule_options:
                if code == rule.code:
                    options.update(values)
            tables = tuple(name for name, value in options.items() if isinstance(value, dict))
            cached = self._cache[key] = (options, tables)
        options, tables = cached
        copy = dict(options)
        for name in tables:
            copy[name] = dict(copy[name])
        return copy

    def severity_for(self, rule: type[Rule]) -> Severity:
        found, best = rule.severity, -1
        for selector, level in self.severity:  # later entries (the command line) win ties
            rank = _specificity(selector, rule)
            if rank >= 0 and rank >= best:
                found, best = level, rank
        return found

    def merged_with(self, overrides: "Overrides", rules: RuleSet) -> "Config":
        """This configuration with the command line's flags on top."""
        changes: dict[str, Any] = {"_cache": {}}
        # A --select starts the selection afresh, as ruff's does: the configuration's select,
        # extend-select and ignore give way (its per-file-ignores and inline suppressions still apply).
        fresh = overrides.select is not None
        if fresh:
            rules.validate(overrides.select)
            changes["select"] = tuple(overrides.select)
            changes["extend_select"] = changes["ignore"] = ()
        if overrides.extend_select:
            rules.validate(overrides.extend_select)
            changes["extend_select"] = (() if fresh else self.extend_select) + tuple(overrides.extend_select)
        if overrides.ignore:
            rules.validate(overrides.ignore)
            changes["ignore"] = (() if fresh else self.ignore) + tuple(overrides.ignore)
        if overrides.fail_level is not None:
            changes["fail_level"] = overrides.fail_level
        if overrides.severity:
            for selector, _ in overrides.severity:
                rules.validate([selector])
            changes["severity"] = self.severity + tuple(overrides.severity)
        if overrides.exclude:
            changes["command_line_exclude"] = self.command_line_exclude + tuple(Glob(p) for p in overrides.exclude)
            changes["command_line_root"] = os.path.abspath(".")
        return replace(self, **changes)


def _specificity(selector: str, rule: type[Rule]) -> int:
    key = selector.lower()
    if key in (rule.code.lower(), rule.name, *(a.lower() for a in rule.aliases)):
        return 10_000
    if key == "all":
        return 0
    if rule.code.lower().startswith(key):
        return len(key)
    return -1


@dataclass(frozen=True)
class Overrides:
    """What the command line sets; None/empty means: keep the configuration's value."""

    select: Optional[Sequence[str]] = None
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    fail_level: Optional[Severity] = None
    severity: Sequence[tuple[str, Severity]] = ()
    exclude: Sequence[str] = ()


# -- reading and validating ---------------------------------------------------------

def _line_of(text: str, table: str, key: str) -> Optional[int]:
    """Best-effort line of ``key`` inside ``[table]`` (tomllib keeps no positions); for a key
    of an inline table (``name = {key = 1}``), the line of the inline table."""
    line = _line_in_table(text, table, key)
    while line is None and table:
        table, _, key = table.rpartition(".")
        line = _line_in_table(text, table, key)
    return line


def _line_in_table(text: str, table: str, key: str) -> Optional[int]:
    current = ""
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    key_line = re.compile(r'^\s*["\']?' + re.escape(key) + r'["\']?\s*=')
    for number, line in enumerate(text.splitlines(), 1):
        match = header.match(line)
        if match:
            current = match.group(1).replace('"', "").replace("'", "")
            named = f"{table}.{key}".strip(".")
            if current == named or current.startswith(named + "."):  # [key] or [key.sub] holds the key
                return number
            continue
        if current == table and key_line.match(line):
            return number
    return None


def _parse_toml(path: str, text: str) -> dict[str, Any]:
    # Imported here: most runs find no configuration file, and tomllib brings datetime along.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10
        import tomli as tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        match = re.search(r"at line (\d+)", str(exc))
        if line is None and match:
            line = int(match.group(1))
        if line is None and "end of document" in str(exc):
            line = text.count("\n") + 1
        raise ConfigError(f"invalid TOML: {exc}", path, line) from None


def load_file(path: str, rules: RuleSet, defaults: Optional[dict[str, Any]] = None) -> Optional[Config]:
    """The configuration in ``path``; None for a pyproject.toml without ``[tool.dflint]``."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read configuration: {exc.strerror or exc}", path) from None
    if raw.startswith(b"\xef\xbb\xbf"):  # tomllib (and pip) would say "Invalid statement (at line 1, column 1)"
        raise ConfigError("invalid TOML: the file starts with a UTF-8 byte order mark, which TOML does not allow: "
                          "save it as UTF-8 without BOM", path, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:  # TOML is UTF-8: say where the first byte that is not lies
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(f"invalid TOML: byte 0x{raw[exc.start]:02x} at column {column} is not UTF-8 "
                          "(TOML files are UTF-8 text)", path, line) from None
    data = _parse_toml(path, text)
    table = ""
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "dflint" not in tool:
            return None
        data, table = tool["dflint"], "tool.dflint"
        if not isinstance(data, dict):
            raise ConfigError("[tool.dflint] must be a table", path, _line_of(text, "tool", "dflint"))
    merged = _deep_merge(defaults or {}, data)
    return _build(merged, path, text, table, rules)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


class _Checker:
    def __init__(self, path: Optional[str], text: str, table: str, rules: RuleSet) -> None:
        self.path, self.text, self.where, self.rules = path, text, table, rules

    def fail(self, message: str, key: str, table: Optional[str] = None) -> ConfigError:
        return ConfigError(message, self.path, _line_of(self.text, self.where if table is None else table, key))

    def strings(self, value: Any, key: str, table: Optional[str] = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"'{key}' must be a list of strings, got {value!r}", key, table)
        return tuple(value)

    def selectors(self, value: Any, key: str, table: Optional[str] = None) -> tuple[str, ...]:
        selectors = self.strings(value, key, table)
        for selector in selectors:
            try:
                self.rules.match(selector)
            except UnknownSelector as exc:
                raise self.fail(f"'{key}': {exc}", key, table) from None
        return selectors

    def severity(self, value: Any, key: str, table: Optional[str] = None) -> Severity:
        if not isinstance(value, str):
            raise self.fail(f"'{key}' must be a severity name, got {value!r}", key, table)
        try:
            return Severity.parse(value)
        except ValueError as exc:
            raise self.fail(f"'{key}': {exc}", key, table) from None

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"'{key}' must be a table, got {value!r}", key)
        return value


def _build(data: dict[str, Any], path: Optional[str], text: str, table: str, rules: RuleSet) -> Config:
    check = _Checker(path, text, table, rules)
    for key in data:
        if key not in KEYS:
            suggestion = closest(key, KEYS, case_sensitive=False) or closest(key.replace("_", "-"), KEYS)
            hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
            if key == "tool" and not table and isinstance(data[key], dict) and "dflint" in data[key]:
                hint = " ([tool.dflint] is for pyproject.toml: in this file the keys go at the top level)"
            raise check.fail(f"unknown configuration key '{key}'{hint}", key)
    root = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    values: dict[str, Any] = {"source": path, "root": root}
    if "select" in data:
        values["select"] = check.selectors(data["select"], "select")
    if "extend-select" in data:
        values["extend_select"] = check.selectors(data["extend-select"], "extend-select")
    if "ignore" in data:
        values["ignore"] = check.selectors(data["ignore"], "ignore")
    if "fail-level" in data:
        values["fail_level"] = check.severity(data["fail-level"], "fail-level")
    sub = f"{table}.".lstrip(".")
    if "severity" in data:
        levels = []
        for selector, level in check.table(data["severity"], "severity").items():
            check.selectors([selector], selector, f"{sub}severity")
            levels.append((selector, check.severity(level, selector, f"{sub}severity")))
        values["severity"] = tuple(levels)
    if "per-file-ignores" in data:
        entries = []
        for pattern, selectors in check.table(data["per-file-ignores"], "per-file-ignores").items():
            entries.append((Glob(pattern), check.selectors(selectors, pattern, f"{sub}per-file-ignores")))
        values["per_file_ignores"] = tuple(entries)
    exclude = list(DEFAULT_EXCLUDE)
    if "exclude" in data:
        exclude = list(check.strings(data["exclude"], "exclude"))
    if "extend-exclude" in data:
        exclude += check.strings(data["extend-exclude"], "extend-exclude")
    values["exclude"] = tuple(Glob(p) for p in exclude)
    if "rules" in data:
        values["rule_options"] = _rule_options(check, check.table(data["rules"], "rules"), f"{sub}rules")
    return Config(**values)


def _rule_options(check: _Checker, table: dict[str, Any], where: str) -> tuple:
    result = []
    for key, options in table.items():
        rule = check.rules.get(key)
        if rule is None:
            aliased = check.rules.by_key.get(key.lower(), [])  # another linter's name (DL3008): options are per rule
            if aliased:
                tables = " or ".join(f"[{where}.{r.name}]" for r in aliased)
                raise check.fail(f"'{key}' in [{where}] is an alias of {', '.join(r.name for r in aliased)}: "
                                 f"a rule's options go under its own name, {tables}", key, where)
            names = [r.name for r in check.rules.rules] + [r.code for r in check.rules.rules]
            suggestion = closest(key, names, case_sensitive=False)
            hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
            raise check.fail(f"unknown rule '{key}' in [{where}]{hint}", key, where)
        if not isinstance(options, dict):
            raise check.fail(f"[{where}.{key}] must be a table of options", key, where)
        declared = {option.name: option for option in rule.options}
        converted = []
        for name, value in options.items():
            option = declared.get(name)
            if option is None:
                known = ", ".join(declared) or "none"
                suggestion = closest(name, declared, case_sensitive=False)
                hint = f" (did you mean '{suggestion}'?)" if suggestion else f" (options: {known})"
                raise check.fail(f"unknown option '{name}' for rule {rule.name}{hint}", name, f"{where}.{key}")
            try:
                converted.append((name, option.convert(value)))
            except ValueError as exc:
                raise check.fail(f"option '{name}' of rule {rule.name}: {exc}", name, f"{where}.{key}") from None
        result.append((rule.code, tuple(converted)))
    return tuple(result)


def default_config(rules: RuleSet, defaults: Optional[dict[str, Any]] = None, root: Optional[str] = None) -> Config:
    config = _build(dict(defaults or {}), None, "", "", rules)
    return replace(config, root=root or os.getcwd())


def posix_form(path: str) -> str:
    """``PurePath(path).as_posix()``, without importing pathlib on POSIX systems."""
    if os.sep != "/" or os.altsep:
        from pathlib import PurePath

        return PurePath(path).as_posix()
    root = "//" if path.startswith("//") and not path.startswith("///") else "/" if path.startswith("/") else ""
    rest = "/".join(part for part in path.split("/") if part and part != ".")
    return root + rest if root or rest else "."


def find_config_file(start: str, pyprojects: Optional[dict[str, bool]] = None) -> Optional[str]:
    """The nearest configuration file at or above directory ``start``.

    ``pyprojects`` caches which pyproject.toml files configure dflint, so that
    many directories under one project parse its pyproject.toml once.
    """
    folder = os.path.abspath(start)
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                if name == "pyproject.toml":
                    if pyprojects is None:
                        configures = _has_dflint_table(candidate)
                    elif candidate in pyprojects:
                        configures = pyprojects[candidate]
                    else:
                        configures = pyprojects[candidate] = _has_dflint_table(candidate)
                    if not configures:
                        continue
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# [tool.dflint], [ tool . "dflint" ], [tool.dflint.severity], or tool.dflint.x = ... at the top level.
_DFLINT_TABLE = re.compile(r"""^[ \t]*(?:\[[ \t]*)?tool[ \t]*\.[ \t]*["']?dflint["']?[ \t]*[].=]""", re.M)
# Where else the table can be written: dflint = {...} under a bare [tool], or tool = { dflint = ... }.
_TOOL_TABLE = re.compile(r"""^[ \t]*(?:\[[ \t]*["']?tool["']?[ \t]*\]|["']?tool["']?[ \t]*=)""", re.M)


def _has_dflint_table(path: str) -> bool:
    """The pyproject.toml has a ``tool.dflint`` table, in any of TOML's spellings
    (``[tool.dflint]``, ``[ tool . "dflint" ]``, ``dflint = {...}`` under ``[tool]``, dotted keys).

    A ``tool.dflint`` header or dotted key answers at once (a broken file then
    reports its TOML error when loaded); only a file that could hold the table
    another way (a bare ``[tool]`` table, an inline ``tool = {...}``) is
    parsed. A pyproject that merely names dflint (a dependency, dflint's own)
    costs no TOML parse on a cold run.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return False
    if "dflint" not in text:
        return False
    if _DFLINT_TABLE.search(text):
        return True
    if not _TOOL_TABLE.search(text):
        return False
    try:
        data = _parse_toml(path, text)
    except ConfigError:
        return re.search(r"^\s*\[\s*tool\s*\.\s*[\"']?dflint\b", text, re.M) is not None
    tool = data.get("tool")
    return isinstance(tool, dict) and "dflint" in tool


class ConfigResolver:
    """Finds (and caches) the configuration for each linted file."""

    def __init__(self, rules: RuleSet, overrides: Overrides = Overrides(), explicit: Optional[str] = None,
                 defaults: Optional[dict[str, Any]] = None) -> None:
        self.rules = rules
        self.overrides = overrides
        self.defaults = defaults or {}
        self._by_file: dict[Optional[str], Config] = {}
        self._by_dir: dict[str, Optional[str]] = {}
        self._pyprojects: dict[str, bool] = {}
        self.explicit = explicit
        if explicit is not None:
            if not os.path.exists(explicit):  # a directory or a pipe (`--config <(...)`): reading says
                raise ConfigError("configuration file not found", explicit)
            loaded = load_file(explicit, rules, self.defaults)
            if loaded is None:
                raise ConfigError("no [tool.dflint] table", explicit)
            self._by_file[explicit] = loaded.merged_with(overrides, rules)

    def for_path(self, path: str) -> Config:
        if self.explicit is not None:
            return self._by_file[self.explicit]
        directory = os.path.dirname(os.path.abspath(path))
        if directory not in self._by_dir:
            self._by_dir[directory] = find_config_file(directory, self._pyprojects)
        source = self._by_dir[directory]
        config = self._by_file.get(source)
        if config is None:
            loaded = load_file(source, self.rules, self.defaults) if source else None
            base = loaded or default_config(self.rules, self.defaults)
            config = self._by_file[source] = base.merged_with(self.overrides, self.rules)
        return config

    def sources(self) -> Iterable[str]:
        return [s for s in self._by_file if s]
