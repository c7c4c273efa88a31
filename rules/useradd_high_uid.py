"""DF301 useradd-high-uid: useradd with a high UID and without --no-log-init."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.package_config import insert_after
from dflint.rule import Finding, Option, Rule, RuleContext
from dflint.shell.model import Word
from dflint.source import Span

#: Bytes per UID of /var/log/lastlog (struct lastlog) and /var/log/faillog (struct faillog), glibc x86-64.
_RECORD = 292 + 32


class UseraddHighUid(Rule):
    """`useradd` with a high UID writes a huge sparse /var/log/lastlog into the layer.

    ## What it does
    Reports a `useradd` that sets a UID (`-u`/`--uid`) above `max-uid`
    (99999 by default, hadolint's threshold) without `-l`/`--no-log-init`.
    The UID is read from the command line, ARG defaults and ENV values
    (`ARG APP_UID=1000` then `useradd -u ${APP_UID}`); a UID that cannot be
    known (an ARG without default, a shell variable) is not reported. The
    command is found in continued lines, the scripts of `sh -c`, `su -c` and
    `eval`, heredoc RUNs, behind wrappers (`sudo`, `gosu`, `chroot`...), and
    in ONBUILD RUN triggers; `cmd` and PowerShell RUNs
    are not read.

    Difference from hadolint (DL3046): hadolint counts the characters of
    the `-u` argument as written, so it reports `-u ${NB_UID}` whatever
    `NB_UID` is (ten characters) and misses `--uid=200000`; dflint compares
    the resolved number. `adduser` is not reported: it has no
    `--no-log-init` to add.

    ## Why is this bad?
    `useradd` reserves a record for every UID up to the new one in
    `/var/log/lastlog` and `/var/log/faillog`. The files are sparse on disk,
    but image layers store them in full: UID 1000000 adds about 300 MB of
    zeros to the image.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN useradd --create-home --uid 1000001 app
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN useradd --no-log-init --create-home --uid 1000001 app
    ```

    ## Fix safety
    The fix inserts `--no-log-init` after `useradd`. It is safe: the user,
    its UID, groups and home are created the same; only the lastlog and
    faillog records (which `login` writes again on a user's first login)
    are not.
    """

    code = "DF301"
    name = "useradd-high-uid"
    summary = "useradd with a high UID without --no-log-init bloats the image"
    severity = Severity.WARNING
    aliases = ("DL3046",)
    fixable = True
    options = (Option("max-uid", int, 99999, "UIDs above this are reported (hadolint: more than five digits)",
                      minimum=0),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            run = node.effective
            if not isinstance(run, ast.RunInstruction):
                continue
            for script in ctx.commands(node):
                for command in script.commands:
                    invocation = script.invocation(command)
                    if invocation is None or invocation.program != "useradd" \
                            or invocation.has("-l", "--no-log-init"):
                        continue
                    option = invocation.option("-u", "--uid")
                    if option is None or option.value_word is None:
                        continue
                    uid = _uid(ctx, node, run, option.value_word, option.value or "")
                    if uid is None or uid <= ctx.options["max-uid"]:
                        continue
                    program = next(w for w in command.argv if w.value.rsplit("/", 1)[-1] == "useradd")
                    end, text = insert_after(ctx.analysis, node, program, "--no-log-init")
                    megabytes = uid * _RECORD // 1_000_000
                    yield ctx.finding(
                        Span(option.word.span.start, option.value_word.span.end),
                        f"`useradd` with UID {uid} and without `--no-log-init` writes /var/log/lastlog and "
                        f"/var/log/faillog records for every UID below it: about {megabytes} MB of zeros in the "
                        f"layer; add `--no-log-init`",
                        ctx.fix("Add `--no-log-init`", ctx.edit(end, end, text)),
                    )


def _uid(ctx: RuleContext, node: ast.Instruction, run: ast.Instruction, word: Word, value: str) -> Optional[int]:
    """The UID the option sets, ARG/ENV expanded; None when it is not a known number."""
    if word.has_expansion:
        if node is not run or "$(" in value or "`" in value:
            return None  # an ONBUILD trigger runs with another build's variables
        expansion = ctx.model.expand(node, value)
        if not expansion.resolved:
            return None
        value = expansion.value
    return int(value) if value.isdigit() else None
