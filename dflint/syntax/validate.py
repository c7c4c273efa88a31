"""What ``docker build`` rejects after BuildKit's parser has accepted the file.

BuildKit's parser (mirrored by :func:`~dflint.syntax.parse_syntax`) only splits
lines into instructions. Its instruction layer (``frontend/dockerfile/
instructions``) then rejects unknown instructions and flags, wrong argument
counts, bad stage names, HEALTHCHECK values and so on; the dispatcher
(``dockerfile2llb``) rejects a few more values once variables are expanded.
:func:`validate` reports all of these with ``origin="instruction"``: the first
problem of every instruction, in BuildKit's order, where BuildKit stops at the
first problem of the file.

Each instruction's checks are a generator, so stopping at its first problem
also stops the checks that assume the earlier ones passed.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from .. import ast
from ..ast import Instruction, ParseError
from ..expansion import GO_SPACES
from ..suggest import did_you_mean
from .builder import go_lower
from .validate_dispatch import dispatch_problems
from .validate_go import go_quote, parse_duration, parse_int
from .validate_mounts import device_problem, mount_parse_problem
from .validate_support import cover, error, is_heredoc_word, logical_text, one_of, problem_error, value_span

__all__ = ["validate", "FLAGS"]

Problems = Iterator[ParseError]

# BFlags types: a bool takes no value or true/false; a string needs `=value`;
# a strings flag may repeat.
BOOL, STRING, STRINGS = "bool", "string", "strings"

#: The flags each instruction declares before parsing them. Instructions not
#: listed declare none, so every flag is unknown. None: flags never parsed
#: (BuildKit ignores them).
FLAGS: dict[str, Optional[dict[str, str]]] = {
    "ADD": {"chown": STRING, "chmod": STRING, "link": BOOL, "keep-git-dir": BOOL, "checksum": STRING,
            "unpack": BOOL, "exclude": STRINGS},
    "COPY": {"chown": STRING, "from": STRING, "chmod": STRING, "link": BOOL, "exclude": STRINGS, "parents": BOOL},
    "FROM": {"platform": STRING},
    "RUN": {"device": STRINGS, "mount": STRINGS, "network": STRING, "security": STRING},
    "HEALTHCHECK": dict.fromkeys(("interval", "timeout", "start-period", "start-interval", "retries"), STRING),
    "ARG": None,
    "STOPSIGNAL": None,
}
_NETWORKS = ("default", "none", "host")
_SECURITY = ("insecure", "sandbox")
_STAGE_NAME = re.compile(r"[a-z][a-z0-9_.-]*")
_SPACES = "".join(GO_SPACES)


def validate(file: ast.File) -> list[ParseError]:
    """Every instruction ``docker build`` would reject, one problem each, in file order."""
    errors: list[ParseError] = []
    in_stage = False
    for node in file.children:
        if not isinstance(node, Instruction) or isinstance(node, ast.InvalidInstruction):
            in_stage = in_stage or isinstance(node, ast.InvalidInstruction) and node.name == "FROM"
            continue
        problem = next(_problems(node), None)
        if problem is None and not in_stage and node.name not in ("FROM", "ARG"):
            problem = error("no build stage in current context", node.keyword.span,
                            "start a stage with FROM; only ARG may come before the first FROM")
        if problem is None:  # the dispatcher only runs once the whole file has parsed
            problem = next(dispatch_problems(node, file.escape), None)
        if problem is not None:
            errors.append(problem)
        in_stage = in_stage or node.name == "FROM"
    return errors


# -- the instruction layer ----------------------------------------------------------

def _problems(node: Instruction) -> Problems:
    if isinstance(node, ast.UnknownInstruction):
        written = logical_text(node, node.keyword.span)
        yield error(f"unknown instruction: {written}", node.keyword.span,
                    did_you_mean(written, ast.INSTRUCTION_NAMES, case_sensitive=False))
        return
    yield from _CHECKS.get(node.name, _flags)(node)  # CMD, ENTRYPOINT: only their flags


def _flags(node: Instruction) -> Problems:
    """``BFlags.Parse`` with the flags the instruction declares."""
    declared = FLAGS.get(node.name, {})
    if declared is None:
        return
    used: set[str] = set()
    for flag in node.flags:
        kind, written = declared.get(flag.name), "--" + flag.name
        if kind is None:
            # Suggest the flag as it is written ("--from"), not BuildKit's bare name ("from").
            spelled = ["--" + name for name in declared]
            yield error(f"unknown flag: {written}", flag.span, did_you_mean(written, spelled))
        elif flag.name in used and kind != STRINGS:
            yield error(f"duplicate flag specified: {written}", flag.span, f"give {written} once")
        elif flag.value == "" and kind == BOOL or flag.value is None and kind != BOOL:
            yield error(f"missing a value on flag: {written}", flag.span, f"write {written}=<value>")
        elif kind == BOOL and flag.value is not None and flag.value.lower() not in ("true", "false"):
            yield error(f"expecting boolean value for flag {written}, not: {flag.value}",
                        value_span(node, flag), "use true or false")
        used.add(flag.name)


def _at_least_one(node: Instruction, count: int) -> Problems:
    if count == 0:
        yield error(f"{node.name} requires at least one argument", node.keyword.span)


def _exactly_one(node: Instruction) -> Problems:
    if len(node.args) != 1:
        yield error(f"{node.name} requires exactly one argument", node.keyword.span)


def _one_then_flags(node: Instruction) -> Problems:  # MAINTAINER, WORKDIR, USER
    yield from _exactly_one(node)
    yield from _flags(node)


def _list_then_flags(node: Instruction) -> Problems:  # EXPOSE, VOLUME
    yield from _at_least_one(node, len(node.args))
    yield from _flags(node)
    for arg in node.args if node.name == "VOLUME" else ():
        if not arg.value.strip(_SPACES):
            yield error("VOLUME specified can not be an empty string", arg.span)


def _key_values(node: Instruction) -> Problems:  # ENV, LABEL
    assert isinstance(node, (ast.EnvInstruction, ast.LabelInstruction))
    yield from _flags(node)
    yield from _at_least_one(node, len(node.pairs))
    for pair in node.pairs:
        if not pair.key.value:
            yield error(f"{node.name} names can not be blank", pair.span, "write name=value")


def _arg(node: Instruction) -> Problems:
    yield from _at_least_one(node, len(node.args))
    for arg in node.args:
        if arg.value.startswith("="):
            yield error("ARG names can not be blank", arg.span, "write ARG name or ARG name=default")


def _copy(node: Instruction) -> Problems:  # COPY, ADD
    if len(node.args) < 2:
        yield error(f"{node.name} requires at least two arguments, but only one was provided. "
                    "Destination could not be determined", cover(node.args) if node.args else node.keyword.span,
                    f"write {node.name} <source> <destination>")
    yield from _flags(node)
    if is_heredoc_word(node.args[-1].value):
        yield error(f"{node.name} cannot accept a heredoc as a destination", node.args[-1].span,
                    "a heredoc can only be a source; name a destination path last")


def _from(node: Instruction) -> Problems:
    args = node.args
    if len(args) == 3 and go_lower(args[1].value) == "as":
        if not _STAGE_NAME.fullmatch(go_lower(args[2].value)):
            yield error(f"invalid name for build stage: {go_quote(args[2].value)}, name can't start with a number "
                        "or contain symbols", args[2].span,
                        "start with a letter; use only letters, digits, '-', '_' and '.'")
    elif len(args) != 1:
        yield error("FROM requires either one or three arguments", cover(args[1:]) if len(args) > 1
                    else node.keyword.span, "write FROM <image> [AS <name>]")
    yield from _flags(node)


def _onbuild(node: Instruction) -> Problems:
    assert isinstance(node, ast.OnbuildInstruction)
    trigger = node.trigger
    if trigger is None:
        yield from _at_least_one(node, 0)
        return
    yield from _flags(node)
    # docker build stores the trigger unparsed: only its keyword is checked now.
    if trigger.name == "ONBUILD":
        yield error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", trigger.keyword.span)
    elif trigger.name in ("FROM", "MAINTAINER"):
        yield error(f"{trigger.name} isn't allowed as an ONBUILD trigger", trigger.keyword.span)


def _run(node: Instruction) -> Problems:
    yield from _flags(node)
    # The RUN hooks run in the order of their files: device, mount, network, security.
    for name, check in (("device", device_problem), ("mount", mount_parse_problem)):
        for flag in node.flags_named(name):
            found = check(flag.value or "")
            if found:
                yield problem_error(node, flag, found)
    for name, allowed, message in (("network", _NETWORKS, "invalid network mode {}"),
                                   ("security", _SECURITY, "security {} is not valid")):
        flag = node.flag(name)
        if flag is not None and flag.value not in allowed:
            yield error(message.format(go_quote(flag.value or "")), value_span(node, flag),
                        did_you_mean(flag.value or "", allowed) or one_of(allowed))


def _healthcheck(node: Instruction) -> Problems:
    args = node.args
    yield from _at_least_one(node, len(args))
    kind = args[0].value.upper()
    if kind == "NONE":  # flags are not even parsed
        if len(args) > 1:
            yield error("HEALTHCHECK NONE takes no arguments", cover(args[1:]))
        return
    yield from _flags(node)
    if kind != "CMD":
        yield error(f"Unknown type {go_quote(kind)} in HEALTHCHECK (try CMD)", args[0].span)
    elif len(args) == 1:
        yield error("Missing command after HEALTHCHECK CMD", args[0].span, "write HEALTHCHECK CMD <command>")
    for name in ("interval", "timeout", "start-period", "start-interval"):
        flag = node.flag(name)
        if flag is None or not flag.value:
            continue
        nanos = parse_duration(flag.value)
        if isinstance(nanos, str):
            yield error(nanos, value_span(node, flag), "use a duration such as 30s, 1m30s or 500ms")
        elif nanos != 0 and nanos < 1_000_000:
            yield error(f'Interval "{name}" cannot be less than 1ms', value_span(node, flag))
    flag = node.flag("retries")
    if flag is not None and flag.value:
        retries = parse_int(flag.value, 10, 32, signed=True)
        if isinstance(retries, str) or retries < 0:
            message = retries if isinstance(retries, str) else f"--retries cannot be negative ({retries})"
            yield error(message, value_span(node, flag), "use a whole number of retries, 0 or more")


def _shell(node: Instruction) -> Problems:
    yield from _flags(node)
    yield from _at_least_one(node, len(node.args))
    if not node.exec_form:
        yield error("SHELL requires the arguments to be in JSON form", node.args[0].span,
                    'write SHELL ["executable", "parameter"]')


_CHECKS = {
    "ENV": _key_values, "LABEL": _key_values, "MAINTAINER": _one_then_flags, "WORKDIR": _one_then_flags,
    "USER": _one_then_flags, "STOPSIGNAL": _exactly_one, "EXPOSE": _list_then_flags,
    "VOLUME": _list_then_flags, "ARG": _arg, "ADD": _copy, "COPY": _copy, "FROM": _from,
    "ONBUILD": _onbuild, "RUN": _run, "HEALTHCHECK": _healthcheck, "SHELL": _shell,
}

