"""``RUN --mount`` and ``RUN --device`` values, checked as ``docker build`` does.

BuildKit reads a mount twice. When the instruction is parsed it only splits the
CSV and rejects ``from=`` values with variables; every other field is checked
when the stage is dispatched, after variable expansion. dflint runs both passes
now and leaves alone the fields whose value holds a ``$`` (their expanded
value is unknown here). Devices are checked at parse time, unexpanded.

Problems carry offsets into the flag's value so the caller can point at the
offending field.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Union

from ..expansion import ExpansionError, Lexer
from ..suggest import did_you_mean
from .validate_go import go_quote, parse_bool, parse_int, valid_ram_size
from .validate_support import Problem, one_of

_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")
_SHARING = ("shared", "private", "locked")
_KEYS = ("type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode", "uid",
         "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env")
_ALIASES = {"src": "source", "dst": "target", "destination": "target", "ro": "readonly", "rw": "readwrite"}
_FILE_INFO_TYPES = ("secret", "ssh", "cache")  # the only types that take mode, uid and gid
_TYPE_KEYS = {"size": ("tmpfs",), "required": ("secret", "ssh")}  # keys only these types take


class Field(NamedTuple):
    """One CSV field of a flag value and its ``[start, end)`` in that value."""

    text: str
    start: int
    end: int


class _Unknown:
    """The value of a field that holds a variable: not known before the build."""


UNKNOWN = _Unknown()
Value = Union[str, _Unknown]


def split_csv(value: str, what: str) -> Union[list[Field], Problem]:
    """``csvvalue.Fields``: one CSV record, double quotes group; errors as BuildKit words them."""
    if value == "":
        return Problem(f"failed to parse csv {what}: EOF")
    fields: list[Field] = []
    pos = 0
    while True:
        if not value.startswith('"', pos):
            comma = value.find(",", pos)
            end = len(value) if comma < 0 else comma
            quote = value.find('"', pos, end)
            if quote >= 0:
                return _csv_error(what, value, quote, 'bare " in non-quoted-field')
            fields.append(Field(value[pos:end], pos, end))
            if comma < 0:
                return fields
            pos = comma + 1
            continue
        start, pos, text = pos, pos + 1, []
        while True:
            quote = value.find('"', pos)
            if quote < 0:
                return _csv_error(what, value, pos, 'extraneous or missing " in quoted-field')
            text.append(value[pos:quote])
            pos = quote + 1
            if value.startswith('"', pos):
                text.append('"')
                pos += 1
            elif value.startswith(",", pos) or pos == len(value):
                break
            else:
                return _csv_error(what, value, quote, 'extraneous or missing " in quoted-field')
        fields.append(Field("".join(text), start, pos))
        if pos == len(value):
            return fields
        pos += 1


def _csv_error(what: str, value: str, index: int, reason: str) -> Problem:
    column = len(value[:index].encode("utf-8", "surrogateescape")) + 1  # Go counts bytes
    end = min(index + 1, len(value))
    return Problem(f"failed to parse csv {what}: parse error on line 1, column {column}: {reason}", index, end)


def mount_parse_problem(value: str) -> Optional[Problem]:
    """What BuildKit rejects when it parses the instruction: bad CSV, ``from=$VAR``."""
    fields = split_csv(value, "mounts")
    if isinstance(fields, Problem):
        return fields
    for field in fields:
        key, sep, val = field.text.partition("=")
        dollar = val.find("$")
        if sep and key.lower() == "from" and dollar not in (-1, len(val) - 1):
            return Problem("'from' doesn't support variable expansion, define alias stage instead",
                           field.start, field.end, "add a stage `FROM image AS alias` and mount from=alias")
    return None


def mount_dispatch_problem(value: str, escape: str) -> Optional[Problem]:
    """What BuildKit rejects when it runs the stage: every field, once expanded."""
    fields = split_csv(value, "mounts")
    if isinstance(fields, Problem):
        return fields
    lexer = Lexer(escape)
    mount_type: Value = "bind"
    seen: dict[str, tuple[Value, Field]] = {}
    for field in fields:
        key, sep, raw = field.text.partition("=")
        key = key.lower()
        here = (field.start, field.end)
        if not sep:
            if key == "required" and mount_type in ("bind", "cache", "tmpfs"):
                return Problem(f"unexpected key 'required' for mount type '{mount_type}'", *here)
            if key not in ("readonly", "ro", "readwrite", "rw", "required"):
                return Problem(f"invalid field '{field.text}' must be a key=value pair", *here,
                               hint=f"write {field.text}=<value>" if key in _KEYS else None)
            continue
        val: Value = _expand(lexer, raw)
        name = _ALIASES.get(key, key)
        if key not in _KEYS:
            return Problem(f"unexpected key '{key}' in '{field.text}'", *here, hint=did_you_mean(key, _KEYS))
        problem = None if isinstance(val, _Unknown) else _field_problem(name, key, val, mount_type)
        if problem:
            return Problem(problem[0], *here, hint=problem[1])
        if name in ("size", "required") and mount_type in _TYPES and mount_type not in _TYPE_KEYS[name]:
            return Problem(f"unexpected key '{key}' for mount type '{mount_type}'", *here)
        if name == "type":
            mount_type = val if isinstance(val, _Unknown) else val.lower()
        seen[name] = (val, field)
    return _mount_problem(mount_type, seen)


def _expand(lexer: Lexer, raw: str) -> Value:
    if "$" in raw:
        return UNKNOWN
    try:
        return lexer.process_word(raw).value
    except ExpansionError:
        return UNKNOWN  # an expansion error is the expansion layer's to report


def _field_problem(name: str, key: str, val: str, mount_type: Value) -> Optional[tuple[str, Optional[str]]]:
    """The message and hint for one expanded ``key=value``, or None."""
    if name == "type" and val.lower() not in _TYPES:
        return f"unsupported mount type {go_quote(val)}", did_you_mean(val, _TYPES) or one_of(_TYPES)
    if name == "sharing" and val.lower() not in _SHARING:
        return f"unsupported sharing value {go_quote(val)}", did_you_mean(val, _SHARING) or one_of(_SHARING)
    if name in ("readonly", "readwrite") or name == "required" and mount_type in ("secret", "ssh"):
        return None if parse_bool(val) is not None else (f"invalid value for {key}: {val}", "use true or false")
    if name == "size" and mount_type == "tmpfs" and not valid_ram_size(val):
        return f"invalid value for {key}: {val}", "use a size such as 64m or 1g"
    if name == "mode" and isinstance(parse_int(val, 8, 32, signed=False), str):
        return f"invalid value {val} for mode", "use an octal mode such as 0400"
    if name in ("uid", "gid") and isinstance(parse_int(val, 10, 32, signed=False), str):
        return f"invalid value {val} for {name}", None
    return None


def _mount_problem(mount_type: Value, seen: dict[str, tuple[Value, Field]]) -> Optional[Problem]:
    """Checks on the whole mount, after its fields (only once its type is known)."""
    if isinstance(mount_type, _Unknown):
        return None

    def at(name: str) -> tuple[int, int]:
        field = seen[name][1]
        return field.start, field.end

    def has(name: str) -> bool:  # given, with a known value that is not empty
        val = seen.get(name, ("", None))[0]
        return isinstance(val, str) and val != ""

    def lacks(name: str) -> bool:  # absent, or known to be empty
        return seen.get(name, ("", None))[0] == ""

    if mount_type not in _FILE_INFO_TYPES:
        for name in ("mode", "uid", "gid"):
            if name in seen:
                return Problem(f'{name} not allowed for "{mount_type}" type mounts', *at(name))
    if mount_type == "secret":
        if has("from"):
            return Problem("secret mount should not have a from", *at("from"))
        if has("sharing"):
            return Problem("secret mount should not define sharing", *at("sharing"))
        if lacks("source") and lacks("target") and lacks("id"):
            return Problem("invalid secret mount. one of source, target required",
                           hint="add id=<secret id> or target=<path>")
        if has("source") and has("id"):
            return Problem("both source and id can't be set", *at("id"))
    if has("sharing") and mount_type != "cache":
        return Problem(f"invalid cache sharing set for {mount_type} mount", *at("sharing"))
    if mount_type == "ssh" and has("source"):
        return Problem("ssh does not support source", *at("source"))
    if mount_type not in ("secret", "ssh") and seen.get("target", ("", None))[0] == "/":
        return Problem('invalid mount target "/"', *at("target"))
    return None


def device_problem(value: str) -> Optional[Problem]:
    """``ParseDevice``: a CDI device name, ``name=``, ``required[=bool]``."""
    fields = split_csv(value, "devices")
    if isinstance(fields, Problem):
        return fields
    name = ""
    for field in fields:
        key, sep, val = field.text.partition("=")
        key = key.lower()
        here = (field.start, field.end)
        if key == "required":
            if sep and parse_bool(val) is None:
                return Problem(f"invalid value for required: {val}", *here, hint="use true or false")
        elif sep and key == "name":
            if name:
                return Problem(f"device name already set to {name}", *here)
            name = val
        elif not name:
            name = field.text
        elif not sep:
            return Problem(f"invalid field '{field.text}' must be a key=value pair", *here)
        else:
            return Problem(f"unexpected key '{key}' in '{field.text}'", *here,
                           hint=did_you_mean(key, ("name", "required")))
    return None
