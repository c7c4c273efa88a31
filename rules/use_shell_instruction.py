"""DF403 use-shell-instruction: replacing /bin/sh with a link instead of using SHELL."""

from __future__ import annotations

import posixpath
from typing import Callable, Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import run_steps
from dflint.model.paths import resolve
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.model import Word
from dflint.shell.options import Spec, parse_options

_LN = Spec(values=frozenset({"-t", "--target-directory", "-S", "--suffix"}))
# /usr/bin/sh is /bin/sh where /bin links to usr/bin (Debian 12, Ubuntu 22.04 and later, Fedora).
_SHELL_PATHS = ("/bin/sh", "/usr/bin/sh")
_BIN_DIRS = ("/bin", "/usr/bin")
_COPIERS = frozenset(("cp", "mv", "install"))


class UseShellInstruction(Rule):
    """Linking another shell over `/bin/sh` changes the shell behind every RUN's back: use SHELL.

    ## What it does
    Reports an `ln` in a RUN (`ONBUILD RUN` included) that makes `/bin/sh`
    a link to another program: `ln -sf /bin/bash /bin/sh`, `ln -s bash sh`
    run in `/bin`, `ln -sf /bin/bash -t /bin` with a target named `sh`;
    `/usr/bin/sh` counts as `/bin/sh` (merged `/usr`: Debian 12, Ubuntu
    22.04 and later). Also a `cp`, `mv` or `install` onto `/bin/sh`, and
    Debian's `dpkg-reconfigure dash` after answering `dash/sh boolean
    false` to `debconf-set-selections`. The finding points at the operand
    that names `/bin/sh`, or at the `dpkg-reconfigure` command.

    PowerShell and `cmd` RUNs are not read; an exec-form RUN with no shell
    (`RUN ["wget", "..."]`) is read as its one command.

    Differences from hadolint's DL4005: hadolint reports any `ln` with a
    `/bin/sh` argument, also when `/bin/sh` is the link's target
    (`ln -s /bin/sh /usr/local/bin/sh` leaves the shell alone), and in
    PowerShell RUNs; dflint reports only links that replace the shell.

    ## Why is this bad?
    BuildKit runs every shell-form RUN, CMD and ENTRYPOINT as
    `/bin/sh -c`. Replacing `/bin/sh` silently changes all of them, in this
    image and in every image built from it, and every script on the system
    that expects the distribution's `/bin/sh`. The `SHELL` instruction says
    the same thing openly, for this Dockerfile's instructions only.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN ln -sf /bin/bash /bin/sh
    RUN source /opt/env.sh && make
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    SHELL ["/bin/bash", "-c"]
    RUN source /opt/env.sh && make
    ```

    ## Fix safety
    This rule has no fix: a SHELL instruction does not change the image's
    `/bin/sh`, which scripts run at container start may rely on.
    """

    code = "DF403"
    name = "use-shell-instruction"
    summary = "/bin/sh replaced with a link instead of using SHELL"
    severity = Severity.WARNING
    aliases = ("DL4005",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            trigger = node.effective
            if not isinstance(trigger, ast.RunInstruction):
                continue
            steps = run_steps(ctx.analysis, node)
            for step in steps:
                invocation = step.invocation
                if invocation is not None and invocation.program == "dpkg-reconfigure":
                    finding = _dash_reconfigured(ctx, steps, step)
                    if finding is not None:
                        yield finding
                    continue
                if invocation is not None and invocation.program in _COPIERS:
                    operands = [w for w in invocation.operands]
                    target = resolve(_value(ctx, node, operands[-1]) or "", step.cwd) if len(operands) >= 2 else None
                    if target in _SHELL_PATHS:
                        yield ctx.finding(operands[-1], _message(" ".join(invocation.command.values),
                                                                 _shell(operands[0].value)))
                    continue
                if invocation is None or invocation.program != "ln":
                    continue
                argv = invocation.command.argv
                start = next(i for i, w in enumerate(argv) if posixpath.basename(w.value) == "ln")
                found = _replaces_shell(argv[start + 1:], step.cwd, lambda word: _value(ctx, node, word))
                if found is not None:
                    word, shell = found
                    yield ctx.finding(word, _message(" ".join(invocation.command.values[start:]), shell))


def _message(command: str, shell: str, how: str = "") -> str:
    return (f"`{command}`{how} replaces /bin/sh, which runs every shell-form RUN, CMD and ENTRYPOINT, here and in "
            f'images built from this one: declare the shell with `SHELL ["{shell}", "-c"]` instead')


def _dash_reconfigured(ctx: RuleContext, steps, step) -> Optional[Finding]:
    """``echo "dash dash/sh boolean false" | debconf-set-selections && dpkg-reconfigure dash``:
    Debian's own way to make /bin/sh bash."""
    if not any(w.value == "dash" for w in step.invocation.operands):
        return None
    answered = any("dash/sh" in w.value and "false" in w.value.lower()
                   or w.value == "dash/sh" and any(x.value.lower() == "false" for x in other.command.argv)
                   for other in steps for w in other.command.argv)
    if not answered:
        return None
    return ctx.finding(step.command, _message("dpkg-reconfigure dash", "/bin/bash",
                                              " answering `dash/sh boolean false`"))


def _value(ctx: RuleContext, node: ast.Instruction, word: Word) -> Optional[str]:
    """A word's value with ARG/ENV expanded; None when it cannot be known."""
    if not word.has_expansion:
        return word.value
    expansion = ctx.model.expand(node, word.value)
    return expansion.value if expansion.resolved and "$(" not in word.value else None


def _replaces_shell(words: tuple[Word, ...], cwd: Optional[str],
                    value: Callable[[Word], Optional[str]]) -> Optional[tuple[Word, str]]:
    """The operand of ``ln words`` that names the link /bin/sh, if it makes one, and the program linked."""
    parsed = parse_options(words, _LN)
    operands = parsed.operands
    directory = next((o for o in reversed(parsed.options) if o.name in ("-t", "--target-directory")), None)
    if directory is not None and directory.value is not None:
        word = directory.value_word or directory.word
        where = resolve(value(word) or "", cwd) if word is not directory.word else resolve(directory.value, cwd)
        if where is not None and (where.rstrip("/") or "/") in _BIN_DIRS:
            for target in operands:
                if posixpath.basename(target.value.rstrip("/")) == "sh":
                    return word, _shell(target.value)
        return None
    if len(operands) < 2:
        return None
    last = operands[-1]
    path = resolve(value(last) or "", cwd)
    if path is None:
        return None
    if path in _SHELL_PATHS:
        return last, _shell(operands[0].value)
    if (path.rstrip("/") or "/") in _BIN_DIRS:  # ln -s /opt/busybox/sh /bin: a link named sh in /bin
        target = next((o for o in operands[:-1] if posixpath.basename(o.value.rstrip("/")) == "sh"), None)
        if target is not None:
            return last, _shell(target.value)
    return None


def _shell(target: str) -> str:
    """The program a link to ``target`` from /bin runs, as SHELL would name it."""
    return resolve(target, "/bin") or "/bin/bash"
