"""Differential comparison with BuildKit's own parser (the `dockerfile` package).

The package wraps BuildKit v0.12.5's Go parser. It is a test-only oracle:
dflint never imports it at runtime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import dockerfile

from dflint import ast
from dflint.syntax import parse_syntax


@dataclass(frozen=True)
class View:
    """What both parsers must agree on, for one instruction."""

    cmd: str
    sub_cmd: Optional[str]
    json: bool
    start_line: int
    end_line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: tuple[tuple[str, str], ...]


def buildkit_views(text: str) -> "list[View] | str":
    """BuildKit's instructions, or its error message when it rejects the file."""
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        return str(exc)
    return [
        View(c.cmd or "", c.sub_cmd, c.json, c.start_line, c.end_line, tuple(c.flags), tuple(c.value),
             tuple((h.name, h.content) for h in c.heredocs))
        for c in commands
    ]


def _values(node: ast.Instruction) -> tuple[str, ...]:
    if isinstance(node, ast.UnknownInstruction):
        return ("",)
    return tuple(a.value for a in node.args)


def dflint_view(node: ast.Instruction) -> View:
    heredocs = tuple((h.name, h.content) for h in node.heredocs)
    if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None:
        trigger = node.trigger
        return View(node.keyword.text, trigger.keyword.text, trigger.exec_form, node.line, node.end_line,
                    tuple(f.buildkit_text for f in node.flags), _values(trigger), ())
    return View(node.keyword.text, None, node.exec_form, node.line, node.end_line,
                tuple(f.buildkit_text for f in node.flags), _values(node), heredocs)


def dflint_views(text: str) -> "list[View] | str":
    file = parse_syntax(text)
    parser_errors = [e for e in file.errors if e.origin == "parser"]
    if parser_errors:
        return str(parser_errors[0])
    return [dflint_view(node) for node in file.instructions]
