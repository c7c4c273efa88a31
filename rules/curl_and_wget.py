"""DF407 curl-and-wget: both curl and wget used to build one image."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.history import histories, image_stages
from dflint.model.layers import Step, run_steps
from dflint.rule import Finding, Rule, RuleContext

_TOOLS = ("curl", "wget")


class CurlAndWget(Rule):
    r"""Using both curl and wget means both must be in the image: pick one.

    ## What it does
    Reports the uses of `wget` in an image whose build also uses `curl`, or
    the other way round: whichever tool appears later is reported, at each
    of its uses, with the first use of the other tool as related location.
    An image is a stage that can ship (the last stage, a stage no other
    stage uses, and the stages they are built `FROM`) with all the stages
    it is built `FROM`; `ONBUILD RUN` triggers form a build of their own.
    Uses are found behind wrappers (`sudo`, `env`, `busybox`, `gosu`,
    `runuser -u`...), in heredoc scripts and in the scripts of `sh -c`,
    `su -c` and `eval`. A use that is only an alternative (`curl ... || wget ...`, a
    branch of an `if` or `case`) does not count: such scripts need only one
    of the tools.

    PowerShell and `cmd` RUNs are not read; an exec-form RUN with no shell
    (`RUN ["wget", "..."]`) is read as its one command.

    Differences from hadolint's DL4001: hadolint checks each stage on its
    own (a stage using curl built FROM one using wget passes), reports
    builder stages whose tools never reach an image, counts alternatives,
    does not look behind `sudo` or `env`, and reports every RUN after both
    were seen, whichever tool it uses.

    ## Why is this bad?
    Two tools for the same job mean two packages (and their libraries) to
    install, patch and scan, in every image. One of them is enough: curl
    (`curl -fsSL -o FILE URL`) and wget (`wget -q -O FILE URL`) do the same
    downloads. BusyBox images (Alpine) ship a small `wget`, so there wget is
    the free choice.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl wget \
        && rm -rf /var/lib/apt/lists/*
    RUN curl -fsSL -o /tmp/a.tgz https://example.com/a.tgz
    RUN wget -q -O /tmp/b.tgz https://example.com/b.tgz
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl \
        && rm -rf /var/lib/apt/lists/*
    RUN curl -fsSL -o /tmp/a.tgz https://example.com/a.tgz
    RUN curl -fsSL -o /tmp/b.tgz https://example.com/b.tgz
    ```

    ## Fix safety
    This rule has no fix: the two tools' options differ.
    """

    code = "DF407"
    name = "curl-and-wget"
    summary = "Both curl and wget used in one image"
    severity = Severity.INFO
    aliases = ("DL4001",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        reported: set[int] = set()
        shipped = image_stages(model)
        # stage index -> each tool's first use in its lineage, in order. A step is reported (or not)
        # the same way in every lineage it is in, so each stage's own RUNs are read once: with the
        # first shipped lineage that holds them, whose earlier stages are known already.
        firsts: dict[int, dict[str, Step]] = {}
        for stage in model.stages:
            if stage.index not in shipped:
                continue
            lineage = model.lineage(stage)
            start = len(lineage)
            while start > 0 and lineage[start - 1].index not in firsts:
                start -= 1
            known = firsts[lineage[start - 1].index] if start else {}
            for member in lineage[start:]:
                uses = _uses(ctx, [node for node in member.instructions if isinstance(node, ast.RunInstruction)])
                known = firsts[member.index] = {**known, **{t: s[0] for t, s in uses.items() if t not in known}}
                yield from _report(ctx, known, uses, reported)
            for history in list(histories(model, stage))[1:]:  # the ONBUILD triggers, on their own
                uses = _uses(ctx, [item.anchor for item in history if isinstance(item.node, ast.RunInstruction)])
                yield from _report(ctx, {t: s[0] for t, s in uses.items()}, uses, reported)


def _uses(ctx: RuleContext, runs: list[ast.Instruction]) -> dict[str, list[Step]]:
    """The steps of ``runs`` that use each tool, tools in the order of their first use."""
    uses: dict[str, list[Step]] = {}
    for node in runs:
        for step in run_steps(ctx.analysis, node):
            tool = _tool(step)
            if tool is not None:
                uses.setdefault(tool, []).append(step)
    return uses


def _report(ctx: RuleContext, firsts: dict[str, Step], uses: dict[str, list[Step]],
            reported: set[int]) -> Iterator[Finding]:
    """The uses of the second tool among ``uses``, when ``firsts`` (the first use of each tool
    in the history, in order) holds both."""
    if len(firsts) < 2:
        return
    other, later = firsts
    first = firsts[other].command
    for step in uses.get(later, ()):
        if id(step.command) in reported:
            continue
        reported.add(id(step.command))
        yield ctx.finding(
            step.command, f"`{later}` is used here and `{other}` on line {first.line}: the image "
            f"needs both tools for the same job; use only `{other}` (or only `{later}`)",
            related=[(f"first use of {other}", first)])


def _tool(step: Step) -> Optional[str]:
    invocation = step.invocation
    if invocation is None:
        return None
    program = invocation.program
    if program == "busybox" and invocation.operands:
        program = invocation.operands[0].value
    if program not in _TOOLS:
        return None
    if step.command.operator == "||" or {"if", "case"}.intersection(step.contexts):
        return None  # an alternative: `curl ... || wget ...`, `if ...; then curl; else wget; fi`
    return program
