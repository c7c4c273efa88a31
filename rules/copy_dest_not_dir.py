"""DF305 copy-dest-not-dir: COPY/ADD of several sources to a destination without a trailing slash."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.paths import resolve
from dflint.model.sources import destination as destination_value
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.swallowed import keyword_lines


class CopyDestNotDir(Rule):
    r"""Several sources need a destination directory written with a trailing `/`.

    ## What it does
    Reports a COPY or ADD with more than one source (here-documents count)
    whose destination does not end with `/` (or `\` in a Windows path),
    also when the destination comes from an ARG or ENV value. A destination
    whose value cannot be known is not reported. A single source with a
    wildcard is not reported either: `COPY target/*.jar /app.jar` names one
    file on purpose, nor is an instruction whose arguments run on into a
    continued line that starts with an instruction keyword (`COPY
    testfile.txt c:\` then `RUN dir c:\`, read as `COPY testfile.txt
    c:RUN dir c:`): its sources and destination are not the ones meant, and
    DF812 continuation-swallows-instruction reports the mistake.

    Same as hadolint's DL3021 and Trivy's DS011, which check COPY only;
    dflint checks ADD too, as docker build treats both alike.

    ## Why is this bad?
    The classic builder, kaniko and the Dockerfile reference reject it: "When
    using COPY with more than one source file, the destination must be a
    directory and end with a /". BuildKit accepts it, but unless the
    destination already exists as a directory it copies every source to
    that one path, each overwriting the last: the image ends up with one
    file named like the directory.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json .
    COPY config/default.json config/production.json /app/config
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    COPY config/default.json config/production.json /app/config/
    ```

    ## Fix safety
    The fix appends `/` to the destination. It is safe when the destination
    is the working directory (`.`, or the WORKDIR's path), which exists as a
    directory: BuildKit already copies into it. Otherwise it is unsafe: when
    the directory does not exist yet, the fixed build creates it and copies
    every source into it, where BuildKit used to leave a single file.
    """

    code = "DF305"
    name = "copy-dest-not-dir"
    summary = "COPY/ADD of several sources to a destination without a trailing slash"
    severity = Severity.ERROR
    aliases = ("DL3021", "DS011")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            copy = node.effective
            if not isinstance(copy, (ast.CopyInstruction, ast.AddInstruction)) or copy.destination is None \
                    or len(copy.sources) < 2 or _swallows_instruction(copy):
                continue
            destination = copy.destination
            value = destination_value(ctx.model, copy, node)
            if value is None or value.endswith(("/", "\\")):
                continue
            separator = _separator(ctx, value)
            yield ctx.finding(destination, f"{copy.name} of {len(copy.sources)} sources to `{destination.value}`, "
                                           f"which does not end with `{separator}`: the classic builder and kaniko "
                                           f"reject it, BuildKit copies every source to that one path unless it "
                                           f"already is a directory; write `{destination.value}{separator}`",
                              _fix(ctx, node, copy, value))


def _swallows_instruction(copy: ast.Instruction) -> bool:
    """A continued line of ``copy`` starts with an instruction keyword (`COPY a c:\\` then `RUN dir c:\\`
    reads as `COPY a c:RUN dir c:`): its sources and destination are not what the author wrote, and
    DF812 continuation-swallows-instruction says why. (`ONBUILD \\` then `COPY ...` is no such line.)"""
    return any(copy.position_at(line.index).offset != copy.keyword.span.start.offset
               for line in keyword_lines(copy))


def _separator(ctx: RuleContext, value: str) -> str:
    """``\\`` for a Windows path (``C:\\app``) in a file whose escape is the backtick; ``/`` otherwise
    (with ``\\`` as the escape, a trailing ``\\`` would continue the line)."""
    windows = "\\" in value or (len(value) > 1 and value[1] == ":" and value[0].isalpha())
    return "\\" if windows and ctx.file.escape == "`" else "/"


def _fix(ctx: RuleContext, node: ast.Instruction, copy: ast.Instruction, value: str) -> Optional[Fix]:
    destination = copy.destination
    assert destination is not None
    end = destination.span.end.offset
    if destination.text.endswith(('"', "'")) and destination.text[:1] == destination.text[-1:]:
        end -= 1  # inside the quotes
    elif destination.text != destination.value or destination.text.startswith("<<"):
        return None  # escaped as written, or `<</` would start a heredoc: leave it to the author
    workdir = ctx.model.workdir_at(node) if copy is node else None
    safe = value in (".", "./.") or (workdir is not None and resolve(value, workdir) == workdir)
    separator = _separator(ctx, value)
    return ctx.fix(f"Add a trailing `{separator}` to the destination", ctx.edit(end, end, separator),
                   applicability=Applicability.SAFE if safe else Applicability.UNSAFE)
