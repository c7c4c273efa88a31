"""DF601 maintainer-deprecated: the deprecated MAINTAINER instruction."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.labels import label_settings, quoted_value
from dflint.rule import Finding, Rule, RuleContext

AUTHORS = "org.opencontainers.image.authors"


class MaintainerDeprecated(Rule):
    """`MAINTAINER` is deprecated: the image's author belongs in a label.

    ## What it does
    Reports every `MAINTAINER` instruction and offers to replace it with
    `LABEL org.opencontainers.image.authors="..."`, the OCI annotation for the
    people responsible for the image. When the stage already sets that label,
    the message says to delete the `MAINTAINER` instead. Same as hadolint's
    DL4000 and BuildKit's `MaintainerDeprecated`.

    ## Why is this bad?
    `MAINTAINER` has been deprecated since Docker 1.13. It only fills the
    free-form `Author` field of the image config, which is not a label:
    everything that works with labels (`docker images --filter label=...`,
    registries and scanners that show the OCI annotations) never sees it.
    The `org.opencontainers.image.authors` label is the standard place, and
    images built on this one inherit it.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    MAINTAINER Jane Doe <jane@example.com>
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
    ```

    ## Fix safety
    The fix is unsafe: it keeps the text exactly (quotes, `$` and the escape
    character are escaped so the label reads back the same string), but it
    moves it from the image's `Author` field to a label, so anything reading
    `.Author` from the image config sees it empty. No fix is offered when the
    stage already sets `org.opencontainers.image.authors`, or when the
    instruction has comment lines inside its continuation lines.
    """

    code = "DF601"
    name = "maintainer-deprecated"
    summary = "Deprecated MAINTAINER instruction"
    severity = Severity.WARNING
    aliases = ("DL4000", "MaintainerDeprecated")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in ctx.model.stages:
            has_label = None  # read at the first MAINTAINER: most stages have none
            for node in stage.instructions:
                if not isinstance(node, ast.MaintainerInstruction) or node.value is None:
                    continue
                if has_label is None:
                    has_label = any(s.key == AUTHORS for s in label_settings(ctx.model, [stage], triggers=False))
                if has_label:
                    yield ctx.finding(node, f"MAINTAINER is deprecated and this stage already sets the "
                                            f"{AUTHORS} label: delete it")
                    continue
                yield ctx.finding(node, f"MAINTAINER is deprecated: set the {AUTHORS} label instead",
                                  _fix(ctx, node))


def _fix(ctx: RuleContext, node: ast.MaintainerInstruction) -> Optional[Fix]:
    value = node.value.value if node.value is not None else ""
    quoted = quoted_value(value, ctx.file.escape)
    if quoted is None or node.comments:
        return None
    keyword = "label" if node.keyword.text.islower() else "LABEL"
    text = f"{keyword} {AUTHORS}={quoted}"
    return ctx.fix(f"Replace with `{text}`", ctx.edit(node.span.start.offset, node.span.end.offset, text),
                   applicability=Applicability.UNSAFE)
