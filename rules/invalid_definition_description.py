"""DF808 invalid-definition-description: comments that describe ARGs and stages."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


class InvalidDefinitionDescription(Rule):
    """A comment just above an ARG or a named FROM should start with what it describes.

    ## What it does
    Opt-in. Reports the comment line directly above `ARG NAME` or
    `FROM image AS name` when its first word is not the name it precedes
    (BuildKit's experimental `InvalidDefinitionDescription`). Tools such as
    `docker buildx build --call=outline` show such comments as descriptions.

    ## Why is this bad?
    The comment will not be shown as the description of the build argument or
    target, or the wrong one will.

    ## Example
    ```dockerfile
    # The Go version to build with
    ARG GO_VERSION=1.22
    FROM golang:${GO_VERSION}
    ```

    ## Use instead
    ```dockerfile
    # GO_VERSION is the Go version to build with
    ARG GO_VERSION=1.22
    FROM golang:${GO_VERSION}
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF808"
    name = "invalid-definition-description"
    summary = "Comment above ARG or FROM AS does not start with the name"
    severity = Severity.STYLE
    aliases = ("InvalidDefinitionDescription",)
    default_enabled = False

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        children = ctx.file.children
        for index, node in enumerate(children):
            names: list[str] = []
            if isinstance(node, ast.ArgInstruction):
                names = [pair.key.value for pair in node.pairs]
            elif isinstance(node, ast.FromInstruction) and node.stage_name is not None:
                names = [node.stage_name.value]
            if not names or index < 2:
                continue
            gap, above = children[index - 1], children[index - 2]
            if not (isinstance(gap, ast.Trivia) and gap.text.count("\n") == 1 and isinstance(above, ast.Comment)):
                continue
            first = above.value.split(" ", 1)[0]
            if above.value and first not in names:
                example = names[0] if len(names) == 1 else "<arg_key>"
                yield ctx.finding(above, f"a comment describing {node.name} {names[0]} should start with "
                                         f"'{example} ...'")
