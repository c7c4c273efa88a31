"""DF410 arg-not-in-stage: a RUN reads a build argument its stage never declared, which is empty there."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.image_env import image_may_set
from dflint.model.users import windows_stage
from dflint.model.variables import PLATFORM_ARGS
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell import Command
from dflint.shell.positions import PositionMap

#: ``$NAME``, ``${NAME}`` and ``${NAME#...}``-style references: what an unset NAME makes empty (not ``${NAME:-x}``).
_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?=[}#%/])|([A-Za-z_][A-Za-z0-9_]*))")


class ArgNotInStage(Rule):
    r"""A RUN reads an ARG declared only before `FROM`, or a platform ARG, that its stage does not declare.

    ## What it does
    Reports a `$NAME` or `${NAME}` in a RUN's shell commands (continued
    lines, heredocs, `sh -c` scripts) when NAME is a build argument that
    the stage does not declare: one of BuildKit's platform ARGs
    (`TARGETARCH`, `TARGETOS`, `TARGETPLATFORM`, `BUILDPLATFORM`...), or an
    ARG declared before the first `FROM`. Not reported: a name the stage
    (or a stage it is built `FROM`) declares with `ARG` or sets with `ENV`;
    a name the RUN assigns itself (`NAME=...`, `export NAME=...`,
    `for NAME in`, `read NAME`); a reference with a default
    (`${TARGETARCH:-amd64}`), which says what an unset name gives; in a
    stage built on an image that may set the same name in its environment
    (not `scratch`, nor a bare system image such as `debian`, `ubuntu` or
    `alpine`, which set none), a name that widely used images set
    (`PYTHON_VERSION`, `JAVA_HOME`, `GOPATH`, `LANG`...) and a global ARG a
    `FROM` of the stage's lineage uses in the image's tag when it is named
    like a version (ends in `VERSION`, or is one of those names: `ARG
    NODE_VERSION` then `FROM node:${NODE_VERSION}-slim`); single-quoted
    text; ONBUILD triggers; Windows stages. A name used for the image's
    repository or whole reference (`ARG BASE_IMAGE` then `FROM
    ${BASE_IMAGE}`) is reported: no image sets that. BuildKit's
    `UndefinedVar` and hadolint check no RUN commands.

    ## Why is this bad?
    An ARG before `FROM` is only for `FROM` lines; the platform ARGs are
    defined in that global scope too. A stage sees neither until it says
    `ARG NAME`, so the RUN's shell gets an empty variable: `curl -LO
    .../tool-linux-$TARGETARCH.tar.gz` downloads `tool-linux-.tar.gz`
    (a 404, or the wrong file), and `GOARCH=$TARGETARCH go build` quietly
    builds for the build machine.

    ## Example
    ```dockerfile
    ARG TOOL_VERSION=1.4.2
    FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    RUN curl -fsSLO https://example.com/tool-${TOOL_VERSION}-linux-${TARGETARCH}.tar.gz
    ```

    ## Use instead
    ```dockerfile
    ARG TOOL_VERSION=1.4.2
    FROM --platform=$BUILDPLATFORM golang:1.23 AS build
    ARG TOOL_VERSION
    ARG TARGETARCH
    RUN curl -fsSLO https://example.com/tool-${TOOL_VERSION}-linux-${TARGETARCH}.tar.gz
    ```

    ## Fix safety
    The fix adds `ARG NAME` before the RUN, which gives the stage the
    global value (or the platform's). It goes above the comments written
    since the previous instruction, so that a suppression comment
    (`# dflint: ignore=`, `# hadolint ignore=`, `# check=skip=`) keeps
    covering the RUN and a description comment does not become the ARG's
    (BuildKit reads the comments above an ARG as its description). It is
    unsafe because it changes what the build does, although to what its
    author meant: the RUN read an empty variable, which no build can have
    wanted unless the script tests whether the name is set.
    """

    code = "DF410"
    name = "arg-not-in-stage"
    summary = "RUN reads a global or platform ARG its stage does not declare"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        global_args = {variable.name for variable in model.global_args}
        candidates = global_args | set(PLATFORM_ARGS)
        if not _mentions(ctx.file.text, candidates):
            return  # most files: no RUN can read one
        for stage in model.stages:
            if windows_stage(model, stage):
                continue
            in_from = model.args_in_from(stage)
            fixed: set[str] = set()  # one ARG per stage: the first RUN's fix serves the later ones too
            for node in stage.instructions:
                if not isinstance(node, ast.RunInstruction):
                    continue
                scope = model.scope_at(node)
                reported: set[str] = set()
                for script in ctx.commands(node):
                    if "$" not in script.text or not _mentions(script.text, candidates):
                        continue  # the common case, kept cheap: no candidate name in the script at all
                    assigned: Optional[frozenset[str]] = None  # read only for a name that would be reported
                    for command in script.commands:
                        for name, positions, start, end in _references(command):
                            if name not in candidates or name in reported or name in in_from \
                                    or scope.get(name) is not None or image_may_set(model, stage, name):
                                continue
                            if assigned is None:
                                assigned = _assigned(script.text)
                            if name in assigned:
                                continue
                            reported.add(name)
                            fix = None if name in fixed else _fix(ctx, node, name)
                            fixed.add(name)
                            yield ctx.finding(positions.span(start, end), _message(name, name in global_args), fix)


def _mentions(text: str, names: set[str]) -> bool:
    return any((match.group(1) or match.group(2)) in names for match in _REFERENCE.finditer(text))


_NAME = "[A-Za-z_][A-Za-z0-9_]*"
#: What sets a name in a script: ``NAME=``, ``export NAME=``, ``for NAME in``, ``read NAME``.
_ASSIGNED = re.compile(rf"(?:^|[\s;&|(`])(?:(?:export|local|declare|readonly)\s+(?:-\w+\s+)*)?({_NAME})\+?="
                       rf"|\bfor\s+({_NAME})\s|\bread\b[^\n;&|]*\s({_NAME})\b", re.M)


def _assigned(text: str) -> frozenset[str]:
    """The names a script sets itself."""
    return frozenset(name for match in _ASSIGNED.finditer(text) for name in match.groups() if name)


def _references(command: Command) -> Iterator[tuple[str, PositionMap, int, int]]:
    """Each plain ``$NAME`` reference in ``command``'s words, assignments and expanding heredocs, with where
    it is (``positions.span(start, end)``: found only for the few reported)."""
    words = [*command.argv, *(a.value for a in command.assignments),
             *(r.target for r in command.redirects if r.heredoc is None)]
    for word in words:
        if "$" not in word.raw:
            continue
        for start, end, name in _unquoted_references(word.raw):
            yield name, word.positions, word.start + start, word.start + end
    for redirect in command.redirects:
        heredoc = redirect.heredoc
        if heredoc is not None and heredoc.expand and not heredoc.strip_tabs:
            for match in _REFERENCE.finditer(heredoc.body):
                start, end = heredoc.start + match.start(), heredoc.start + _reference_end(heredoc.body, match)
                yield match.group(1) or match.group(2), heredoc.positions, start, end


def _reference_end(text: str, match: re.Match) -> int:
    """Where the reference ``match`` found ends: after the brace of ``${NAME}``."""
    return match.end() + 1 if match.group(1) and text.startswith("}", match.end()) else match.end()


def _unquoted_references(raw: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, NAME)`` of the references in ``raw`` outside single quotes and not escaped."""
    quote: Optional[str] = None
    i = 0
    while i < len(raw):
        char = raw[i]
        if quote == "'":
            quote = None if char == "'" else quote
        elif char == "\\":
            i += 1  # the next character is escaped
        elif char == "'" and quote is None:
            quote = "'"
        elif char == '"':
            quote = None if quote == '"' else '"'
        elif char == "$":
            match = _REFERENCE.match(raw, i)
            if match:
                yield i, _reference_end(raw, match), match.group(1) or match.group(2)
        i += 1


def _message(name: str, global_arg: bool) -> str:
    if global_arg:
        return (f"`${name}` is empty in this RUN: ARG {name} is declared before FROM, which only FROM lines see; "
                f"declare `ARG {name}` in the stage before this RUN")
    return (f"`${name}` is empty in this RUN: a stage sees the platform ARG {name} only after `ARG {name}`; "
            f"declare it in the stage before this RUN")


def _fix(ctx: RuleContext, node: ast.RunInstruction, name: str) -> Optional[Fix]:
    edit = ctx.insertion_before(node, f"ARG {name}")
    return ctx.fix(f"Add `ARG {name}` before the RUN", edit, applicability=Applicability.UNSAFE) if edit else None
