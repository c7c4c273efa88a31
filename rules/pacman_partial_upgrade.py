r"""DF213 pacman-partial-upgrade: `pacman -Sy <pkg>`, or `pacman -S <pkg>` after `pacman -Sy`: a partial upgrade."""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.layers import Step, command_text, run_steps, under_new_root
from dflint.model.package_config import insert_after
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.package_managers import pacman_installs
from dflint.shell.tools import Invocation, unwrap

#: Options that make pacman work on another system's databases, or only download.
_ELSEWHERE = ("-r", "--root", "-b", "--dbpath", "--sysroot", "--config")
_DOWNLOAD_ONLY = ("-w", "--downloadonly")
#: Options with which a refresh made `-Syu` would not upgrade: it would upgrade already, only download,
#: search, list, print or clean.
_NOT_UPGRADABLE = ("-u", "--sysupgrade", *_DOWNLOAD_ONLY, "-s", "--search", "-i", "--info", "-l", "--list",
                   "-g", "--groups", "-p", "--print", "-c", "--clean")
#: A word holding `-S`, `-y` and only options that keep their meaning with `-u` (`-Sy`, `-Syy`, `-Sydd`).
_FLAGS = re.compile(r"-[Sydqv]*S[Sydqv]*")
#: `pacman` as a word of a command pacman is not its program of (`retry pacman -Syu`), not `pacman-key`.
_MENTION = re.compile(r"(?<![\w.-])pacman(?![\w.-])")
#: AUR helpers, which run pacman: `yay -Syu` upgrades the system like `pacman -Syu`.
_HELPERS = frozenset(("yay", "paru", "pikaur", "trizen", "aura", "pakku", "aurman"))
#: `-Su`, `-Syu`, `--sysupgrade` in an AUR helper's words.
_HELPER_UPGRADE = re.compile(r"-[A-Za-z]*S[A-Za-z]*u[A-Za-z]*|-[A-Za-z]*u[A-Za-z]*S[A-Za-z]*|--sysupgrade")
#: yay's long options that name an operation (its short ones are capitals: `-S`, `-Y`, `-G`...), and
#: those that print and exit.
_YAY_OPERATIONS = frozenset(("--database", "--files", "--query", "--remove", "--sync", "--deptest", "--upgrade",
                             "--version", "--yay", "--show", "--getpkgbuild", "--web", "--build", "--help"))
#: yay's options whose value is the next word (`--editor vim`; from its parser, which knows no others).
_YAY_VALUED = frozenset((
    "-b", "--dbpath", "-r", "--root", "--sysroot", "--config", "--ignore", "--assume-installed", "--overwrite",
    "--ask", "--cachedir", "--hookdir", "--logfile", "--ignoregroup", "--arch", "--print-format", "--gpgdir",
    "--color", "--aururl", "--aurrpcurl", "--mflags", "--gpgflags", "--gitflags", "--builddir", "--editor",
    "--editorflags", "--makepkg", "--makepkgconf", "--pacman", "--git", "--gpg", "--sudo", "--sudoflags",
    "--requestsplitn", "--answerclean", "--answerdiff", "--answeredit", "--answerupgrade", "--completioninterval",
    "--sortby", "--searchby"))


class Sync(NamedTuple):
    """A `pacman -Sy` that refreshed the sync databases without upgrading."""

    step: Step
    run: ast.Instruction


class PacmanPartialUpgrade(Rule):
    r"""`pacman -Sy <pkg>` installs from refreshed databases without upgrading: a partial upgrade.

    ## What it does
    Reports a `pacman -S` of named packages that runs with sync databases
    refreshed without upgrading the installed packages:
    - `pacman -Sy <pkg>` (also `-Syy`, `--sync --refresh`): it refreshes
      the databases and installs, without `-u`;
    - `pacman -S <pkg>` after a `pacman -Sy` that installed nothing, in the
      same RUN or an earlier one of the stage (or of a stage it is built
      `FROM`), with no `pacman -Su`/`-Syu` between them.

    Not reported:
    - `pacman -Syu <pkg>` (the way Arch installs; DF208, system-upgrade,
      does not report it either);
    - `pacman -S <pkg>` with no refresh in the file: it reads whatever sync
      databases the base image holds, which the Dockerfile does not show.
      The official `archlinux` images hold none (their build leaves
      `/var/lib/pacman/sync` out), so there the install fails with
      `target not found` rather than installing partially; another image
      may hold databases from the `-Syu` that built it;
    - an install followed in the same stage by `pacman -Su` or `-Syu`
      (`pacman -Sy archlinux-keyring && pacman -Su`, which the Arch wiki
      gives for an outdated keyring), or by an AUR helper's `yay -Syu` or
      `paru -Syu`, or a bare `yay` or `paru`, which is the same (yay with
      options but no operation and no target too: `yay --noconfirm`; not
      `paru --noconfirm`, which stops with "no operation specified"), or
      one whose words are not known here (`yay $FLAGS`), which may be:
      the upgrade completes it;
    - a refresh or upgrade in a branch (`if`, `||`), which may not run:
      what follows is not judged, nor what follows an AUR helper (`yay`,
      `paru`) or a command with a `pacman` word (`retry 3 pacman -Syu`;
      not `pacman-key`, `/etc/pacman.conf`); searches, listings, `--print`
      and `--downloadonly` (nothing installed); pacman working on another
      root or database (`--root`, `--dbpath`, `--sysroot`, `--config`);
      scripts not read here;
    - an ONBUILD trigger is judged on its own: it runs in another build,
      whose databases this file does not show.

    To keep the two rules from contradicting each other, the advice is
    always an upgrade that installs: `pacman -Syu --noconfirm <pkg>`, or,
    for a plain refresh and an install in the same RUN, making the refresh
    `-Syu` (DF208 does not report a `pacman -Syu` followed by an install in
    its RUN), with `--noconfirm` if it has none: `pacman -Sy` never asks,
    but `-Syu` asks before upgrading, and a build cannot answer (DF201,
    assume-yes). A refresh that only downloads (`-Syuw`), searches or
    prints is not made `-Syu`: the advice is to install with
    `pacman -Syu --noconfirm <pkg>`.

    ## Why is this bad?
    Arch Linux is a rolling release, and its packages are built against
    the current versions of the libraries they use. After `-y`, pacman
    installs the current version of the package, but leaves the image's
    other packages as they were: the new package may need a newer `glibc`,
    `openssl` or `icu` than the image has, and fail at run time (`error
    while loading shared libraries`, `version GLIBC_2.xx not found`), or a
    library it upgrades as a dependency breaks programs already installed.
    The Arch wiki: "Partial upgrades are unsupported". Upgrading in the
    same command (`-Syu`) keeps everything at one consistent version.

    ## Example
    ```dockerfile
    FROM archlinux:base
    RUN pacman -Sy --noconfirm git \
        && pacman -Scc --noconfirm
    ```

    ## Use instead
    ```dockerfile
    FROM archlinux:base
    RUN pacman -Syu --noconfirm git \
        && pacman -Scc --noconfirm
    ```

    ## Fix safety
    Where the refresh's options are one plain word of `S`, `y`, `d`, `q`
    and `v` (`-Sy`, `-Syy`, `-Sydd`), the fix appends `u` to it (`-Syu`),
    on the install itself or on the refresh in the same RUN, and adds
    `--noconfirm` after it if the command has none; otherwise there is no
    fix (`--sync --refresh`, `-Syuw`, `-Syw`, `-Sys`, a refresh in an
    earlier RUN). The fixed command upgrades, so the rule no longer
    reports it and the fix never applies twice. It is unsafe: the build
    now upgrades every installed package, which takes longer, makes the
    image larger and changes what it holds.
    """

    code = "DF213"
    name = "pacman-partial-upgrade"
    summary = "pacman -Sy <pkg>, or pacman -S <pkg> after pacman -Sy: a partial upgrade, unsupported on Arch"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "pacman" not in ctx.file.text:
            return
        ends: dict[int, Optional[Sync]] = {}
        for stage in ctx.model.stages:
            synced = ends.get(stage.parent) if stage.parent is not None else None
            pending: list[Finding] = []
            for node in stage.instructions:
                if isinstance(node, ast.OnbuildInstruction):
                    if isinstance(node.effective, ast.RunInstruction):
                        findings: list[Finding] = []
                        _run(ctx, node, None, findings)
                        yield from findings
                elif isinstance(node, ast.RunInstruction):
                    synced = _run(ctx, node, synced, pending)
            ends[stage.index] = synced
            yield from pending


def _run(ctx: RuleContext, node: ast.Instruction, synced: Optional[Sync], pending: list[Finding]) -> Optional[Sync]:
    """Adds the RUN's partial upgrades to ``pending``; returns the refresh in effect after it."""
    steps = run_steps(ctx.analysis, node)
    if not steps:
        return None  # not read (PowerShell, cmd): anything may have run
    for step in steps:
        invocation = step.invocation
        if invocation is None or under_new_root(step):
            continue
        if invocation.program in _HELPERS:
            if _helper_upgrades(step.command.argv, invocation.program):
                pending.clear()  # `yay -Syu` upgrades the repositories' packages too
            synced = None  # a helper may refresh: what follows is not judged
            continue
        if invocation.program != "pacman":
            if any(_MENTION.search(word.value) for word in step.command.argv):
                synced = None  # `retry pacman -Syu`, `sh -c "pacman ..."` not read as its own step
            continue
        if not invocation.has("-S", "--sync") or invocation.has(*_ELSEWHERE):
            continue
        certain = not step.branch and step.command.operator != "||" and step.command.next_operator != "||"
        if invocation.has("-u", "--sysupgrade") and not invocation.has(*_DOWNLOAD_ONLY):
            pending.clear()  # the upgrade completes what came before it
            synced = None
            continue
        installs = pacman_installs(invocation) and not invocation.has(*_DOWNLOAD_ONLY)
        if invocation.has("-y", "--refresh"):
            if installs:
                pending.append(_finding(ctx, step, invocation, None, node))
            synced = Sync(step, node) if certain else None
        elif installs and synced is not None:
            pending.append(_finding(ctx, step, invocation, synced, node))
    return synced


def _helper_upgrades(argv, program: str) -> bool:
    """The AUR helper's command surely upgrades the system: `-Syu` (`-Su`, `--sysupgrade`) among its
    words, or, as yay and paru do with no arguments, no operation at all: a bare `paru`, a `yay` with
    no operation and no target (`yay --noconfirm`; with a target yay searches interactively)."""
    index, _ = unwrap(argv)
    words = argv[index + 1:]
    if any(_HELPER_UPGRADE.fullmatch(word.value) for word in words):
        return True
    if program not in ("yay", "paru"):
        return False
    if not all(word.literal for word in words):
        # `yay $ARGS` may be `yay -Syu`, or nothing: unless an operation shows, it may upgrade
        return not any(word.literal and _operation(word.value) for word in words)
    if program == "paru":
        return not words  # `paru --noconfirm` stops: "no operation specified"
    valued = False
    for word in words:
        value = word.value
        if valued:
            valued = False
        elif value == "--" or value == "-" or not value.startswith("-"):
            return False  # a target follows (`-` reads them from stdin)
        elif _operation(value):
            return False  # an operation (`-S`, `-Y`, `-Qi`, `--sync`), or -h for help
        else:
            valued = value in _YAY_VALUED
    return not valued


def _operation(value: str) -> bool:
    """The word names an AUR helper's operation (`-S`, `-Qi`, `--sync`), or asks for its help."""
    if value.startswith("--"):
        return value in _YAY_OPERATIONS
    return value.startswith("-") and any(c.isupper() or c == "h" for c in value[1:])


def _finding(ctx: RuleContext, step: Step, invocation: Invocation, synced: Optional[Sync],
             node: ast.Instruction) -> Finding:
    shown = command_text(invocation)
    operands = [word.value for word in invocation.operands]
    names = " ".join(operands[:3]) + (" ..." if len(operands) > 3 else "")
    why = ("without upgrading the image's packages: a partial upgrade, which Arch does not support "
           "(the new packages may need newer libraries than the image has)")
    install = f"pacman -Syu --noconfirm {names}"  # without --noconfirm, -Syu asks before upgrading (DF201)
    if synced is None:
        return ctx.finding(
            step.command,
            f"`{shown}` installs `{names}` from sync databases it has just refreshed {why}; "
            f"write `{install}` to upgrade and install in one step",
            _fix(ctx, invocation, node))
    refresh = synced.step.invocation
    sync = command_text(refresh)
    fix = _fix(ctx, refresh, node) if synced.run is node else None
    if fix is not None:
        advice = "make that refresh `pacman -Syu" + ("`" if refresh.has("--noconfirm") else " --noconfirm`")
    elif synced.run is node:
        advice = f"install with `{install}` instead"
    else:
        advice = f"install with `{install}` in this RUN"
    return ctx.finding(
        step.command,
        f"`{shown}` installs `{names}` from the sync databases `{sync}` refreshed on line "
        f"{synced.step.command.line} {why}; {advice}",
        fix, related=[("the refresh", synced.step.command)])


def _fix(ctx: RuleContext, invocation: Optional[Invocation], node: ast.Instruction) -> Optional[Fix]:
    """Appends `u` to the one plain word holding `-S` and `-y` (`-Sy` -> `-Syu`), and `--noconfirm`
    after it if the command has none; None where `u` would not make it upgrade (`-Syuw`, `-Sys`).

    The fixed command upgrades, so the rule no longer reports it: the fix cannot apply twice.
    """
    if invocation is None or invocation.has(*_NOT_UPGRADABLE):
        return None
    option = invocation.option("-y")
    operation = invocation.option("-S")
    if option is None or operation is None or option.word is not operation.word:
        return None
    word = option.word
    if not _FLAGS.fullmatch(word.value) or not word.literal:
        return None
    raw = ctx.file.text[word.span.start.offset:word.span.end.offset]
    end = word.span.end.offset
    if raw == word.value:
        at = end
    elif raw == f'"{word.value}"':
        at = end - 1  # a JSON string of an exec-form RUN, or a quoted word
    else:
        return None
    if invocation.has("--noconfirm"):
        return ctx.fix(f"Change `{word.value}` to `{word.value}u`", ctx.edit(at, at, "u"),
                       applicability=Applicability.UNSAFE)
    point, text = insert_after(ctx.analysis, node, word, "--noconfirm")
    if point == at:
        edits = [ctx.edit(at, at, "u" + text)]
    else:
        edits = [ctx.edit(at, at, "u"), ctx.edit(point, point, text)]
    return ctx.fix(f"Change `{word.value}` to `{word.value}u --noconfirm`", *edits,
                   applicability=Applicability.UNSAFE)
