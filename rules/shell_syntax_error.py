"""DF412 shell-syntax-error: a RUN whose shell script does not parse, so the build fails at that step."""

from __future__ import annotations

import re
from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.users import windows_stage
from dflint.rule import Finding, Rule, RuleContext

# Bash syntax the script parser does not model: reporting it would be a false alarm. A select
# loop is `select NAME in ...` or `select NAME; do`: a `select` in SQL text does not look like one.
_UNMODELLED = re.compile(r"\bselect\s+[A-Za-z_]\w*\s*(?:in\b|;|\n|do\b)"
                         r"|\b(?:declare|typeset|local|readonly|export)\b[^;&|\n]*=\(")


class ShellSyntaxError(Rule):
    r"""A RUN whose script the shell cannot parse fails the build, after every step before it ran.

    ## What it does
    Reports a RUN (`ONBUILD RUN` included, and the scripts of `RUN <<EOF`
    heredocs) whose shell script has a syntax error: an `if` without `fi`,
    a loop without `done`, an unterminated quote, `$(`, `$((` or `${`, a line ending in
    `&&` or `|` with nothing after it (often the last line of a continued
    RUN that was deleted), `&& &&`, a stray `then` or `;;`, a comment
    inside a one-line `$( )` (`$(date # UTC)`: the comment runs to the end
    of the line, over the `)`; BuildKit joins a continued RUN into one line
    first, so a trailing comment before `\` does the same). The finding
    points at the exact line and column where the parse failed, inside a
    multi-line RUN or a heredoc.

    The script is read as bash reads it, the most permissive of the shells
    a build runs (`[[ ]]`, arrays, `$'...'`, `<(...)` and the like are
    accepted), so what it reports fails under `sh`, `dash`, `ash` and bash
    alike. A RUN whose SHELL is not a POSIX shell (PowerShell, `cmd`), a
    Windows stage, a file with `# escape=\`` (a Windows Dockerfile in
    practice) and exec-form RUNs other than a shell given a script
    (`RUN ["sh", "-c", "..."]`) are not read. Two bash forms the parser
    does not model are never reported: `select` loops and array values
    given to `declare`, `local`, `export`... (`declare -A m=([a]=1)`).

    BuildKit does not check the script: `docker build --check` passes such
    a file and the build fails when it reaches the step. hadolint reports
    these through ShellCheck's parse errors (SC1009, SC1073...).

    ## Why is this bad?
    The shell rejects the whole script before running any of it, so the
    build stops at that step with `syntax error: unexpected end of file`,
    after all the steps before it ran: minutes lost on each attempt, in CI
    more than anywhere.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN if [ -f /etc/debian_version ]; then \
            apt-get update && apt-get install -y --no-install-recommends curl; \
        rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN if [ -f /etc/debian_version ]; then \
            apt-get update && apt-get install -y --no-install-recommends curl; \
        fi \
        && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    There is no fix: what the script meant cannot be known.
    """

    code = "DF412"
    name = "shell-syntax-error"
    summary = "RUN script the shell cannot parse: the build fails at that step"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.file.escape == "`":
            return
        for node in ctx.instructions:
            for script in ctx.commands(node):
                if not script.errors or _UNMODELLED.search(script.text):
                    continue
                stage = ctx.model.stage_of(node)  # asked only here: most scripts parse
                if stage is not None and windows_stage(ctx.model, stage):
                    break
                error = script.errors[0]  # the first: the parser recovers, and what follows it is guesswork
                span = error.span
                if error.start >= len(script.text.rstrip()):  # at the end: after the last word, not past a newline
                    end = len(script.text.rstrip())
                    span = error.positions.span(end, end)
                yield ctx.finding(span, f"the shell cannot parse this script: {error.message}; the build "
                                  f"fails at this step")
