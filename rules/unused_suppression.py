"""DF810 unused-suppression: a pragma that suppresses nothing."""

from __future__ import annotations

from typing import Iterable

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext


class UnusedSuppression(Rule):
    """Opt-in: an inline ignore that suppresses nothing should go.

    ## What it does
    Opt-in. Reports each rule named in a `# dflint: ignore=...`,
    `# hadolint ignore=...` (or `global`) pragma or a `# check=skip=...`
    directive that suppressed no finding in this run, and pragmas with no
    instruction right below them. Rules that did not run (not selected) are
    not judged: whether they would have found something is unknown. The
    engine reports this rule itself, after every other rule has run.

    ## Why is this bad?
    A stale suppression hides the next real problem on that line, and it
    tells readers an exception exists where there is none.

    ## Example
    ```dockerfile
    # dflint: ignore=untagged-image
    FROM python:3.12-slim
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    ```

    ## Fix safety
    This rule has no fix.
    """

    code = "DF810"
    name = "unused-suppression"
    summary = "Suppression pragma that suppresses nothing"
    severity = Severity.INFO
    default_enabled = False

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        return ()  # reported by the linter once suppressions have been applied
