"""DF705 multiple-instructions: more than one CMD, ENTRYPOINT or HEALTHCHECK in a stage."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext

_ALIASES = {"CMD": "DL4003", "ENTRYPOINT": "DL4004", "HEALTHCHECK": "DL3012"}


class MultipleInstructions(Rule):
    """Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect.

    ## What it does
    Reports each CMD, ENTRYPOINT or HEALTHCHECK that follows another one of
    the same kind in the same stage; the message names the earlier one,
    which has no effect. Stages are counted separately (a stage built
    `FROM` another may set its own CMD), and ONBUILD triggers are not
    counted: they run in another build. `HEALTHCHECK NONE` counts like any
    HEALTHCHECK.

    BuildKit's `MultipleInstructionsDisallowed` reports the same pairs on the
    earlier instruction, the one that is ignored; dflint reports the later
    one, like hadolint's DL4003, DL4004 and DL3012, so that existing
    `# hadolint ignore=` comments keep working (BuildKit's
    `# check=skip=` covers the whole file, so the place does not matter
    there).

    ## Why is this bad?
    An image has one command, one entrypoint and one health check: every
    such instruction replaces the one before. Two CMDs usually mean someone
    expected both to run (a worker and a web server), and only the last
    one does; the earlier line misleads every reader.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD ["celery", "-A", "shop", "worker"]
    CMD ["gunicorn", "shop.wsgi"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["gunicorn", "shop.wsgi"]
    ```

    ## Fix safety
    There is no fix: deleting the earlier instruction would not change the
    image, but the usual bug is that both were meant to take effect, which
    only you can resolve (a process manager, two images, or two services).
    """

    code = "DF705"
    name = "multiple-instructions"
    summary = "More than one CMD, ENTRYPOINT or HEALTHCHECK in a stage"
    severity = Severity.WARNING
    aliases = ("MultipleInstructionsDisallowed",)
    partial_aliases = ("DL4003", "DL4004", "DL3012")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in ctx.model.stages:
            last = {}
            for node in stage.instructions:
                if node.name not in _ALIASES:
                    continue
                earlier = last.get(node.name)
                last[node.name] = node
                if earlier is None:
                    continue
                yield ctx.finding(node.keyword, f"another {node.name} in this stage: it replaces the {node.name} "
                                  f"on line {earlier.line}, which has no effect; keep one {node.name}",
                                  related=[(f"the {node.name} this one replaces", earlier)],
                                  alias=_ALIASES[node.name])
