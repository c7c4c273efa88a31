"""DF006 consecutive-run: RUN instructions in a row that could be one layer."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability
from dflint.model.history import image_stages
from dflint.rule import Finding, Option, Rule, RuleContext
from dflint.shell.merge import merge_runs
from dflint.source import Span
from dflint.suppression import collect, is_pragma

_ONLY_COMMENTS = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*")


class ConsecutiveRun(Rule):
    r"""Each RUN is a layer: two short RUNs in a row can usually be one.

    ## What it does
    Reports a RUN that directly follows another RUN of the same stage (only
    comments or blank lines between) when both are short shell-form commands
    (at most `max-commands` commands each; one by default) with the same
    `--mount`, `--network` and `--security` flags. Two ONBUILD RUNs in a row
    are reported the same way.

    It never reports across different flags (a cache or secret mount belongs
    to its own step), exec-form or heredoc RUNs, RUNs whose SHELL is not a
    POSIX shell (PowerShell, cmd), or RUNs in a stage that is only used
    through `COPY --from` (a builder): that stage's layers never reach an
    image, and separate RUNs there only buy finer caching.

    A RUN that follows one ending with `exec` or `exit` is not reported
    (merged, its commands would never run), and when a suppression
    comment (`# dflint: ignore=…`, `# hadolint ignore=…`) sits between the
    two RUNs, the merge is not offered: inside the merged RUN the comment
    would stop suppressing anything. Nor is it when a suppression comment
    covers the first RUN (`# dflint: ignore=…`, `# hadolint ignore=…` or
    `# check=skip=…` above it, or a pragma on a comment line inside it):
    it would then cover the merged RUN, and hide what the second RUN's
    commands are reported for (a fix cannot tell whether the comment's
    rules would report them, so it never merges under one).

    Like hadolint's DL3059, a RUN with more than one command (`a && b`,
    `a | b`, `$(...)`; the script of `sh -c`, `su -c` or `eval` is not
    counted) is taken as deliberately separate. Deliberate differences:
    hadolint also reports exec-form and heredoc RUNs (they cannot be joined with `&&` as they
    are), builder stages, Windows stages and RUNs whose script does not
    parse, and does not count a `[ ... ]` test as a command; it never
    reports ONBUILD RUNs.

    ## Why is this bad?
    Every RUN adds a layer and a snapshot to the build. Files a later RUN
    deletes or changes stay in the earlier layer, so the image carries them
    anyway, and a split like `RUN apt-get update` / `RUN apt-get install`
    lets the first step be served from a stale cache.

    ## Example
    ```dockerfile
    FROM debian:12
    RUN apt-get update
    # the tools we need
    RUN apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    RUN apt-get update \
        # the tools we need
        && apt-get install -y --no-install-recommends curl
    ```

    ## Fix safety
    The fix appends the second command to the first with `&&`, keeping the
    file's continuation style and the comments between them. It always
    changes caching: the merged step reruns when either command changes. It
    is unsafe when the two RUNs then provably run the same commands the same
    way; display-only when the first leaves shell state behind (`cd`,
    `export`, `set`, a variable, a function, a background job) or the second
    is not a single `&&` chain (`b || c` would run `c` after the first
    failed). When the merged text would not parse back into both commands
    (`RUN a;`), or a suppression comment sits between the RUNs or covers
    the first (see above), no fix is offered.
    """

    code = "DF006"
    name = "consecutive-run"
    summary = "Consecutive RUN instructions that could be one layer"
    severity = Severity.INFO
    aliases = ("DL3059",)
    fixable = True
    options = (Option("max-commands", int, 1, "A RUN with more commands than this (`a && b` is two) "
                      "is taken as deliberately separate; hadolint's threshold is effectively 1", minimum=1),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        shipped = image_stages(ctx.model)
        text = ctx.file.text
        pragmas = [node.span.start.offset for node in ctx.file.children
                   if isinstance(node, ast.Comment) and is_pragma(node)]  # in file order
        covered: Optional[set[int]] = None  # where the instructions a suppression comment covers start
        for first, second in zip(ctx.instructions, ctx.instructions[1:]):
            stage = ctx.model.stage_of(second)
            if stage is None or stage.index not in shipped or ctx.model.stage_of(first) is not stage \
                    or not _ONLY_COMMENTS.fullmatch(text, first.span.end.offset, second.span.start.offset):
                continue
            runs = [_run(node) for node in (first, second)]
            if None in runs or type(first) is not type(second) or _flags(runs[0]) != _flags(runs[1]):
                continue
            scripts = [ctx.commands(node) for node in (first, second)]
            if any(len(s) != 1 or not s[0].ok or _count(s[0]) > ctx.options["max-commands"] for s in scripts):
                continue
            if _ends_the_shell(scripts[0][0]):
                continue  # `exec` or `exit` last: the second RUN's commands would never run after it
            merge = merge_runs(ctx.file, first, second, (scripts[0][0], scripts[1][0]),
                               ctx.analysis.shell_for(first))
            if merge is not None and _pragma_between(pragmas, first, second):
                merge = None  # merged, the suppression above the second RUN would stop applying to it
            if merge is not None:
                if covered is None:  # read once, only for a file with a merge to offer
                    covered = {p.scope[0] for p in collect(ctx.file) if p.scope and p.scope[0] < p.scope[1]}
                if first.span.start.offset in covered:
                    merge = None  # merged, the suppression written for the first RUN would cover the second too
            flags = "".join(f"{flag.text} " for flag in first.flags)  # the merged RUN keeps them
            shown = "" if merge is None else f": RUN {flags}{_short(merge.text)}"
            if merge is not None and merge.reason:  # the text alone would read as safe advice
                shown = f", though not simply as `RUN {flags}{_short(merge.text)}`: {merge.reason}"
            fix = None if merge is None else ctx.fix(
                "Merge into the previous RUN" + (f" (display only: {merge.reason})" if merge.reason else ""),
                ctx.edit(merge.start, merge.end, merge.content),
                applicability=Applicability.DISPLAY if merge.reason else Applicability.UNSAFE)
            yield ctx.finding(Span(second.keyword.span.start, second.span.end), f"this RUN directly follows the RUN on line {first.line}: "
                              f"merge them into one layer{shown}", fix, [("previous RUN", first)])


def _ends_the_shell(script) -> bool:
    commands = [c for c in script.commands if "shell" not in c.contexts and "substitution" not in c.contexts]
    return bool(commands) and commands[-1].name in ("exec", "exit") and not commands[-1].conditional


def _pragma_between(pragmas: list[int], first: ast.Instruction, second: ast.Instruction) -> bool:
    """A suppression pragma (``pragmas``: their sorted offsets) starts between the two RUNs."""
    index = bisect_left(pragmas, first.span.end.offset)  # one search per pair: N RUNs stay linear
    return index < len(pragmas) and pragmas[index] < second.span.start.offset


def _run(node: ast.Instruction) -> Optional[ast.RunInstruction]:
    run = node.effective
    if not isinstance(run, ast.RunInstruction) or run.exec_form or run.heredocs or run.shell_text is None:
        return None
    return run


def _flags(run: ast.RunInstruction) -> list[str]:
    """The RUN's flags, a mount's options in any order (`type=cache,target=/x` is `target=/x,type=cache`)."""
    return sorted(",".join(sorted(flag.value.split(","))) if flag.name == "mount" and flag.value
                  and '"' not in flag.value else flag.buildkit_text for flag in run.flags)


def _count(script) -> int:
    return sum(1 for command in script.commands if command.argv and "shell" not in command.contexts)


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
