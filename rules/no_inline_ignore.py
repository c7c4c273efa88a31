"""DF809 no-inline-ignore: inline suppression pragmas."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.suppression import collect


class NoInlineIgnore(Rule):
    """Opt-in: keep exceptions in the configuration, not in the Dockerfile.

    ## What it does
    Reports `# dflint: ignore=...`, `# hadolint ignore=...` and their `global`
    forms (hadolint's DL1001). Opt-in: inline suppressions are a normal way
    to record a justified exception; some teams prefer every exception in one
    reviewed configuration file instead.

    ## Why is this bad?
    Suppressions spread across Dockerfiles are easy to add and hard to audit.

    ## Example
    ```dockerfile
    # hadolint ignore=DL3006
    FROM python
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF809"
    name = "no-inline-ignore"
    summary = "Inline suppression pragma"
    severity = Severity.INFO
    aliases = ("DL1001",)
    default_enabled = False

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for pragma in collect(ctx.file):
            if pragma.node.text.lstrip("# \t").lower().startswith(("dflint", "hadolint")):
                yield ctx.finding(pragma.node, "inline suppression: record the exception in the configuration instead")
