"""DF605 legacy-key-value: the legacy whitespace-separated ``ENV key value`` / ``LABEL key value`` form."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.legacy_pairs import modern_pair
from dflint.rule import Finding, Rule, RuleContext


class LegacyKeyValue(Rule):
    """`ENV key value` is a deprecated form: write `ENV key=value`.

    ## What it does
    Reports `ENV` and `LABEL` instructions written in the legacy form, where
    a space instead of `=` separates the key from the value
    (`ENV PATH /usr/local/bin:$PATH`), ONBUILD triggers included. Same as
    BuildKit's `LegacyKeyValueFormat`.

    ## Why is this bad?
    The legacy form sets one variable whose value is the whole rest of the
    line, spaces included, while the `key=value` form splits on spaces and
    can set several: `ENV A b c` sets `A` to `b c`, `ENV A=b c` is an error.
    Readers and tools confuse the two; the legacy form is deprecated and
    BuildKit warns about it.

    ## Example
    ```dockerfile
    FROM debian:12
    ENV DEBIAN_FRONTEND noninteractive
    ENV JAVA_OPTS -Xms256m -Xmx1g
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    ENV DEBIAN_FRONTEND=noninteractive
    ENV JAVA_OPTS="-Xms256m -Xmx1g"
    ```

    ## Fix safety
    The fix is safe: it writes `key=value` so that the build gets the same
    key and the same value. A value that is one word is kept as written; a
    value with spaces is wrapped in double quotes when it has no quotes and
    no escape character of its own (variables then expand exactly as
    before); a value with quotes or escapes but no `$` is written out as the
    constant it is, quoted and escaped. A value with quotes or escapes *and*
    variables, or with comment lines inside it, gets no fix.
    """

    code = "DF605"
    name = "legacy-key-value"
    summary = "Legacy `ENV key value` / `LABEL key value` form"
    severity = Severity.WARNING
    aliases = ("LegacyKeyValueFormat",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.file.walk():
            if not isinstance(node, (ast.EnvInstruction, ast.LabelInstruction)):
                continue
            for pair in node.pairs:
                if not pair.legacy:
                    continue
                rewrite = modern_pair(ctx.file, node, pair)
                if rewrite is None:
                    yield ctx.finding(pair, f'legacy "{node.name} key value" form: write {node.name} '
                                      f"{pair.key.value}=<value>, quoting the value if it has spaces")
                    continue
                fix = ctx.fix(f"Write `{_short(rewrite.text)}`",
                              *(ctx.edit(start, end, text) for start, end, text in rewrite.edits))
                yield ctx.finding(pair, f'legacy "{node.name} key value" form: write `{_short(rewrite.text)}`', fix)


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
