"""DF812 continuation-swallows-instruction: a line continuation that makes the next instruction part of this one."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.swallowed import keyword_lines

#: The keywords reported inside a RUN's shell script: none of them is a command or a usual argument.
_IN_RUN = frozenset({"FROM", "RUN", "COPY", "ADD", "WORKDIR", "ENTRYPOINT", "CMD"})
#: Commands whose arguments are text: `echo \` then `FROM scratch` may write a Dockerfile.
_TEXT_WRITERS = frozenset({"echo", "printf"})
_WINDOWS_PATH = re.compile(r"(?:^|[\s=\"'\[,])((?:[A-Za-z]:|\\)[^\s\"']*)$")


class ContinuationSwallowsInstruction(Rule):
    r"""A line ending in the escape character makes the next instruction part of this one.

    ## What it does
    Reports a continued line (the line after one that ends with the escape
    character, `\` unless a `# escape=` directive says otherwise) that
    starts, after its indentation, with an upper-case instruction keyword
    followed by a blank: `FROM`, `RUN`, `COPY`, `ADD`, `ENV`, `ARG`,
    `WORKDIR`, `USER`, `CMD`, `ENTRYPOINT`, `EXPOSE`, `LABEL`, `VOLUME`,
    `SHELL`, `HEALTHCHECK`, `ONBUILD`, `STOPSIGNAL` or `MAINTAINER`. Such a
    line is not an instruction: BuildKit joins it to the one before, as it
    joins any continued line (comment and empty lines between them are
    skipped and do not end the instruction). It explains the syntax error
    that often follows (`ENV A=1 \` then `EXPOSE 80`: "can't find = in
    EXPOSE").

    The typical cause on Windows is a path ending in a backslash: `COPY
    testfile.txt c:\` followed by `RUN dir c:\` is read as `COPY
    testfile.txt c:RUN dir c:`, a COPY of `testfile.txt`, `c:RUN` and `dir`
    to `c:` (the example of Docker's `escape` directive documentation).
    On Linux it is a `\` left behind when a line was split or moved.

    In a RUN (and an ONBUILD RUN) the continued line is shell script, so
    only `FROM`, `RUN`, `COPY`, `ADD`, `WORKDIR`, `ENTRYPOINT` and `CMD`
    are reported there, and only when the shell reads the keyword as a
    word of its own: as a command (`RUN make \` then `COPY . .` runs `make
    COPY . .`) or as an argument, except of `echo` and `printf`, which
    may be writing a Dockerfile. In a RUN whose shell is not a POSIX shell
    (cmd, PowerShell), whose script dflint does not read, they are reported
    only after a Windows path ending in the escape (`RUN mkdir c:\app\`
    then `COPY . c:/app`).

    Not reported: a keyword inside quotes (a continued string), in a
    heredoc body, the `CMD` of a `HEALTHCHECK` and the trigger of an
    `ONBUILD` written on the next line (`HEALTHCHECK --interval=5m \` then
    `CMD curl -f http://localhost/`), and lower-case keywords, which in a
    RUN are commands (`env`, `cd`...).

    ## Why is this bad?
    The swallowed instruction never runs, and the instruction it joins gets
    wrong arguments: `WORKDIR /app \` followed by `COPY . .` creates a
    directory named `/app COPY . .` and copies nothing; the Windows COPY
    above looks for sources named `c:RUN` and `dir`, and the `RUN` is gone. The
    build may even succeed, so the mistake shows only in the image.

    ## Example
    ```dockerfile
    FROM debian:12.6-slim
    WORKDIR /app \
    COPY . .
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12.6-slim
    WORKDIR /app
    COPY . .
    ```

    ## Fix safety
    There is no fix: whether the line was meant to be an instruction, or
    the continuation was meant to go on with other text, only the author
    knows; on Windows, the path can be written with a forward slash
    (`c:/`) or the escape character changed to the backtick (``# escape=` ``).
    """

    code = "DF812"
    name = "continuation-swallows-instruction"
    summary = "Line continuation that makes the next instruction part of this one"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.file.children:  # instructions that failed to parse too: `ENV A=1 \` then `EXPOSE 80`
            if not isinstance(node, ast.Instruction):
                continue
            for previous, segment, index, keyword, text in keyword_lines(node):
                if _quoted(node.original[:index], ctx.file.escape) or _legitimate(node, node.position_at(index)):
                    continue
                kind = node.effective.name if node.effective is not None else node.name
                before = node.original[previous.logical:previous.logical + previous.length]
                if kind == "RUN" and not _swallowed_in_run(ctx, node, keyword, node.position_at(index), before):
                    continue
                shown = text.strip()
                span = node.span_of(index, segment.logical + len(text.rstrip()))
                yield ctx.finding(span, _message(ctx, node, previous, segment, shown))


def _quoted(before: str, escape: str) -> bool:
    """``before`` (the logical line up to the keyword) leaves a quoted string open."""
    quote: Optional[str] = None
    i = 0
    while i < len(before):
        char = before[i]
        if char == escape and quote != "'":
            i += 2
            continue
        if quote is None and char in "\"'":
            quote = char
        elif char == quote:
            quote = None
        i += 1
    return quote is not None


def _legitimate(node: ast.Instruction, position: ast.Position) -> bool:
    """The keyword is the trigger of an ONBUILD, or the CMD/NONE of a HEALTHCHECK, on a line of its own."""
    if isinstance(node, ast.OnbuildInstruction):
        return node.trigger is not None and node.trigger.keyword.span.start.offset == position.offset
    if isinstance(node, ast.HealthcheckInstruction):
        return node.kind is not None and node.kind.span.start.offset == position.offset
    return False


def _swallowed_in_run(ctx: RuleContext, node: ast.Instruction, keyword: str, position: ast.Position,
                      before: str) -> bool:
    """In a RUN's script, the keyword is a word of its own, a command or an argument not of echo/printf;
    in a script that is not read (cmd, PowerShell), the line before ends in a Windows path."""
    if keyword not in _IN_RUN:
        return False
    scripts = ctx.commands(node)
    if not scripts:
        return ctx.file.escape == "\\" and _WINDOWS_PATH.search(before) is not None
    for script in scripts:
        for command in script.commands:
            for i, word in enumerate(command.argv):
                if word.span.start.offset == position.offset and word.raw == keyword:
                    return i == 0 or command.program not in _TEXT_WRITERS
    return False


def _message(ctx: RuleContext, node: ast.Instruction, previous: ast.Segment, segment: ast.Segment,
             shown: str) -> str:
    escape = ctx.file.escape
    shown_escape = f"`{escape}`" if escape != "`" else "`` ` ``"
    before = node.original[previous.logical:previous.logical + previous.length]
    joined = " ".join(node.original.split())
    joined = joined if len(joined) <= 70 else joined[:67] + "..."
    head = (f"`{_short(shown)}` on line {segment.line} is not an instruction: the {shown_escape} ending line "
            f"{previous.line} continues the {node.name} onto it, which BuildKit reads as `{joined}`; ")
    path = _WINDOWS_PATH.search(before) if escape == "\\" else None
    if path is not None and _windows_hint(ctx, node, path.group(1)):
        fixed = path.group(1).replace("\\", "/") + "/"
        return head + (f"write the path as `{fixed}`, or make the backtick the escape character (``# escape=` `` "
                       "on the first line)")
    return head + f"remove the {shown_escape} at the end of line {previous.line}"


def _windows_hint(ctx: RuleContext, node: ast.Instruction, path: str) -> bool:
    """``path`` (what precedes the escape) is a Windows path: a drive, or backslashes in a Windows stage."""
    if re.match(r"[A-Za-z]:", path):
        return True
    stage = ctx.model.stage_of(node)
    return stage is not None and ctx.model.is_windows(stage)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."

