"""DF804 empty-continuation: blank lines inside a continued instruction."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


class EmptyContinuation(Rule):
    r"""A blank line inside a line continuation does not end the instruction.

    ## What it does
    Reports empty or whitespace-only lines inside an instruction continued
    with the escape character (BuildKit's `NoEmptyContinuation`). BuildKit
    skips them and goes on reading the instruction.

    ## Why is this bad?
    A blank line looks like the end of the instruction, but the next line is
    still part of it: a reader (and hadolint, which fails to parse such
    files) sees two instructions where Docker sees one. BuildKit warns that
    empty continuation lines will become errors in a future release.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN apt-get update && \

        apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update && \
        apt-get install -y --no-install-recommends curl
    ```

    ## Fix safety
    Safe: the blank lines are removed; BuildKit ignores them anyway.
    """

    code = "DF804"
    name = "empty-continuation"
    summary = "Blank line inside a continued instruction"
    severity = Severity.WARNING
    aliases = ("NoEmptyContinuation",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        index = ctx.analysis.line_index
        text = ctx.file.text
        for node in ctx.file.walk():
            for line in node.empty_continuation_lines:
                start = index.line_start(line)
                end = text.find("\n", start)
                end = len(text) if end == -1 else end + 1
                content_end = len(text[start:end].rstrip("\r\n")) + start  # the line without its line break
                span = index.span(start, content_end)
                fix = ctx.fix("remove the blank line", ctx.edit(start, end, ""))
                yield ctx.finding(span, f"empty line {line} inside the {node.name} that starts on line {node.line}: "
                                        "the instruction goes on after it; remove it", fix=fix)
