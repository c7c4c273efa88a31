"""DF604 empty-label: a label set to the empty string."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.history import image_stages
from dflint.model.labels import label_settings
from dflint.rule import Finding, Option, Rule, RuleContext


class EmptyLabel(Rule):
    """A label whose value is empty tells the tools that read it nothing.

    ## What it does
    Reports a LABEL that sets a key to the empty string: `LABEL version=""`,
    `LABEL version=`, or a value made only of ENV variables that are empty.
    With the `labels` option, only those keys are checked (hadolint's DL3051
    checks the keys of its label schema); by default every key is.

    The rule is opt-in because an empty value is also the only way to clear
    a label inherited from the base image (`LABEL maintainer=""` in an
    image built on one that sets it), which is deliberate. A value that
    depends on a build argument (`LABEL org.opencontainers.image.revision=$GIT_SHA`
    with `ARG GIT_SHA=`) is not reported: the build is expected to pass
    `--build-arg`. Builder stages only used through `COPY --from` ship no
    labels and are not checked; ONBUILD LABEL triggers are.

    ## Why is this bad?
    An empty label is usually a placeholder that was never filled in
    (`LABEL description=""`) or a value whose variable was never set. Tools
    that rely on the label then find it present but useless, which is
    harder to notice than a missing one.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.description=""
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    LABEL org.opencontainers.image.description="Order service of the shop"
    ```

    ## Fix safety
    There is no fix: only you know the value.
    """

    code = "DF604"
    name = "empty-label"
    summary = "Label with an empty value"
    severity = Severity.WARNING
    aliases = ("DL3051",)
    default_enabled = False
    options = (Option("labels", list, [], "Only check these label keys (empty: every key)"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        only = set(ctx.options["labels"])
        shipped = image_stages(ctx.model)
        stages = [stage for stage in ctx.model.stages if stage.index in shipped]
        for setting in label_settings(ctx.model, stages):
            if setting.key is None or setting.value != "" or only and setting.key not in only:
                continue
            yield ctx.finding(setting.pair, f"label `{setting.key}` is empty: give it a value, or drop it "
                              "unless it clears a label of the base image")
