"""DF105 undefined-arg-in-from: a variable in FROM that no global ARG declares."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.variables import PLATFORM_ARGS, Expansion
from dflint.rule import Finding, Rule, RuleContext
from dflint.source import Span
from dflint.suggest import closest


class UndefinedArgInFrom(Rule):
    """FROM can only use build arguments declared by an ARG before the first FROM.

    ## What it does
    Reports a variable in a `FROM` image or its `--platform` that no global
    `ARG` (one before the first `FROM`) declares, as BuildKit's
    `UndefinedArgInFrom` check does. The platform arguments
    (`BUILDPLATFORM`, `TARGETARCH` ...) are predefined. The message suggests
    the closest declared name, and says so when the `ARG` is declared, but
    inside a stage, where FROM cannot see it. A `${NAME:-default}` is
    reported too: without the `ARG`, `--build-arg NAME=...` has no effect.

    ## Why is this bad?
    An undeclared variable expands to the empty string: `FROM node:22${VARIANT}`
    quietly becomes `FROM node:22`, and passing `--build-arg VARIANT=-alpine`
    changes nothing. It is usually a typo or an `ARG` that sits in the wrong
    place.

    ## Example
    ```dockerfile
    ARG NODE_VERSION=22
    FROM node:${NODE_VERSON}-alpine
    ```

    ## Use instead
    ```dockerfile
    ARG NODE_VERSION=22
    FROM node:${NODE_VERSION}-alpine
    ```

    ## Fix safety
    This rule has no fix: the intended name or value is not certain.
    """

    code = "DF105"
    name = "undefined-arg-in-from"
    summary = "Variable in FROM not declared by a global ARG"
    severity = Severity.WARNING
    aliases = ("UndefinedArgInFrom",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        declared = [*PLATFORM_ARGS, *dict.fromkeys(v.name for v in model.global_args)]
        in_stages = _stage_args(ctx)
        for stage in model.stages:
            node = stage.from_instruction
            places: list[tuple[ast.Node, Expansion]] = []
            if node.platform is not None and stage.platform is not None:
                places.append((node.platform, stage.platform))
            if node.image is not None and stage.base.expansion is not None:
                places.append((node.image, stage.base.expansion))
            places.sort(key=lambda place: place[0].span.start.offset)
            for target, expansion in places:
                for name in sorted(expansion.undefined, key=lambda n: _find(target.text, n)[0]):
                    yield ctx.finding(self._span(ctx, target, name),
                                      _message(name, declared, in_stages.get(name)))

    @staticmethod
    def _span(ctx: RuleContext, target: ast.Node, name: str) -> Span:
        start, end = _find(target.text, name)
        if start < 0:
            return target.span
        base = target.span.start.offset
        return Span(ctx.position(base + start), ctx.position(base + end))


def _find(text: str, name: str) -> tuple[int, int]:
    found = re.search(r"\$\{?%s(?![A-Za-z0-9_])\}?" % re.escape(name), text)
    return (found.start(), found.end()) if found else (-1, -1)


def _message(name: str, declared: list[str], stage_arg: Optional[tuple[str, int]]) -> str:
    text = f"FROM uses ${name}, which no ARG before the first FROM declares: it is unset there, " \
           f"whatever --build-arg {name}=... says"
    if stage_arg is not None:
        return text + f"; the ARG {name} on line {stage_arg[1]} is inside stage {stage_arg[0]}: " \
                      f"move it before the first FROM"
    match = next((option for option in declared if option.lower() == name.lower()), None) \
        or closest(name, declared) or _insensitive(name, declared)
    return text + (f"; did you mean {match}?" if match else f"; declare ARG {name} before the first FROM")


def _insensitive(name: str, options: list[str]) -> Optional[str]:
    lowered = closest(name, options, case_sensitive=False)
    return next((option for option in options if option.lower() == (lowered or "").lower()), None)


def _stage_args(ctx: RuleContext) -> dict[str, tuple[str, int]]:
    """ARGs declared inside a stage: the first stage and line for each name."""
    found: dict[str, tuple[str, int]] = {}
    for stage in ctx.model.stages:
        for node in stage.instructions:
            if isinstance(node, ast.ArgInstruction):
                for pair in node.pairs:
                    found.setdefault(pair.key.value, (stage.label, node.line))
    return found
