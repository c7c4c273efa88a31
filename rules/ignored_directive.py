"""DF802 ignored-directive: a comment that looks like a parser directive but is not one."""

from __future__ import annotations

import re
from typing import Iterator

from dflint import suppression
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.suggest import closest

_LOOKS_LIKE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S.*)$")
_NAMES = ("syntax", "escape", "check")


class IgnoredDirective(Rule):
    r"""`# escape=` only works on the first lines of the file.

    ## What it does
    Reports comments written like parser directives (`# name=value`) that
    BuildKit treats as plain comments: a directive after the first line that
    is not a directive (another comment, a blank line, an instruction), and
    a misspelled directive name (`# escpae=`), which also ends the directive
    block.

    A `# check=` comment among the comment lines just above an instruction
    is not ignored: from dockerfile frontend 1.21 (BuildKit v0.27) BuildKit
    applies its `skip=` (and `experimental=`) to the checks it runs for that
    instruction, and dflint's suppressions follow it. Such a comment is
    reported when BuildKit ignores it: the `# syntax=` directive pins an
    older frontend, it is not the first `# check=` comment above that
    instruction, BuildKit cannot read its value, an empty `#` line or the end
    of the file comes before any instruction; and its `error=`, which
    BuildKit reads only in the directive on the first line. Blank lines do
    not end those comment lines in BuildKit, so they do not here either.
    Without a `# syntax=` directive the builder's own frontend decides,
    which the file cannot tell: such a comment is read as a newer frontend
    reads it.

    ## Why is this bad?
    The directive silently does nothing: a ``# escape=` `` that is ignored
    leaves backslash as the escape character, so a Windows Dockerfile's
    `C:\` paths and backtick continuations parse differently; an ignored
    `# syntax=` builds with the default frontend; an ignored `# check=`
    enables checks the author meant to skip.

    ## Example
    ```dockerfile
    # Build the Windows service image.
    # escape=`
    FROM mcr.microsoft.com/windows/servercore:ltsc2022
    ```

    ## Use instead
    ```dockerfile
    # escape=`
    # Build the Windows service image.
    FROM mcr.microsoft.com/windows/servercore:ltsc2022
    ```

    ## Fix safety
    This rule has no fix: moving the directive changes how the file parses.
    """

    code = "DF802"
    name = "ignored-directive"
    summary = "Comment that looks like a parser directive but is ignored"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        check_comments = None
        for comment in ctx.file.comments:
            match = _LOOKS_LIKE.match(comment.text)
            if not match:
                continue
            name = match.group(1).lower()
            if name == "check":
                if check_comments is None:
                    check_comments = {id(found.comment): found for found in suppression.check_comments(ctx.file)}
                found = check_comments.get(id(comment))
                if found is not None:
                    yield from self._check_comment(ctx, found)
                    continue
            if name in _NAMES:
                yield ctx.finding(comment, f"'# {name}=' here is an ordinary comment: parser directives only count "
                                           "on the first lines, before any other comment, blank line or instruction")
            else:
                guess = closest(name, _NAMES)
                if guess is not None:
                    yield ctx.finding(comment, f"unknown parser directive '{match.group(1)}' (did you mean {guess}?): "
                                               "BuildKit ignores it")

    @staticmethod
    def _check_comment(ctx: RuleContext, found: "suppression.CheckComment") -> Iterator[Finding]:
        if not found.applies:
            yield ctx.finding(found.comment, f"'# check=' here is an ordinary comment: {found.why}")
            return
        ignored = [key for key in ("error",) if key in found.options]
        if ignored:
            yield ctx.finding(found.comment, "'error=' in a `# check=` comment above an instruction does nothing: "
                                             "BuildKit reads only skip= and experimental= there; put error= in "
                                             "the `# check=` directive on the first line")
