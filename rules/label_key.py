"""DF602 label-key: label keys that break Docker's key guidelines."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.labels import key_problem, label_settings
from dflint.rule import Finding, Rule, RuleContext


class LabelKey(Rule):
    r"""Label keys should be lower-case, dotted names outside Docker's reserved namespaces.

    ## What it does
    Reports a LABEL key that has upper-case letters, characters other than
    lower-case letters, digits, `.`, `-`, `_` and `/`, a first character
    that is not a letter, a last one that is neither a letter nor a digit,
    `..` or `--`, or the `com.docker.*`, `io.docker.*` and
    `org.dockerproject.*` namespaces. These are exactly hadolint's DL3048
    checks. Keys are judged as the build sees them: quotes removed
    (`"com.example.vendor"=...` is fine) and ENV values substituted; a key
    that depends on a build argument is not judged. ONBUILD LABEL triggers
    are checked too.

    ## Why is this bad?
    Tools find labels by exact key, and keys are case-sensitive: `Version`,
    `version` and `VERSION` are three labels. Docker's guidelines ask for
    lower-case reverse-DNS keys (`com.example.version`) so that labels from
    different tools do not collide, and keep the `com.docker.*`,
    `io.docker.*` and `org.dockerproject.*` namespaces for Docker itself.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL Version="1.4.0" \
          com.docker.compose.project=shop
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.version="1.4.0" \
          com.example.shop.project=shop
    ```

    ## Fix safety
    There is no fix: renaming a label changes what the tools that read it
    find.
    """

    code = "DF602"
    name = "label-key"
    summary = "Label key against Docker's key guidelines"
    severity = Severity.STYLE
    aliases = ("DL3048",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for setting in label_settings(ctx.model, ctx.model.stages):
            if setting.key is None:
                continue
            problem = key_problem(setting.key)
            if problem is not None:
                yield ctx.finding(setting.pair.key, f"label key `{setting.key}` {problem}: "
                                                    f"{_advice(setting.key)}")


def _advice(key: str) -> str:
    problem = key_problem(key) or ""
    lower = key.lower()
    if lower != key and key_problem(lower) is None:
        return f"label keys are lower case, write `{lower}`"
    if problem.startswith("is in"):
        return "use a reverse-DNS prefix of your own, e.g. com.example."
    if problem.startswith("has consecutive"):
        return "separate the parts with a single '.' or '-'"
    if problem.startswith(("does not start", "does not end")):
        return "start with a letter and end with a letter or a digit"
    return "use lower-case letters, digits, '.', '-', '_' and '/' (reverse-DNS, e.g. com.example.version)"
