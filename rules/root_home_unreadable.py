"""DF510 root-home-unreadable: files put under /root for an image that runs as another user."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import copied
from dflint.model.distro import rhel_family, root_reference
from dflint.model.history import image_command
from dflint.model.layers import Step, program_text, run_steps, user_home
from dflint.model.paths import inside, resolve
from dflint.model.python_env import (TRUE, activated, created_venv, externally_managed, unmanages, variable,
                                     venv_first)
from dflint.model.users import final_non_root_user, root_image
from dflint.rule import Finding, Rule, RuleContext

#: Paths under /root that an image uses at run time: Python's user site (`pip install --user`).
_RUNTIME = ("/root/.local",)
_ROOT_PATH = re.compile(r"/root(?:/[^\s:;\"']*)?")
#: The first word of a shell-form CMD or ENTRYPOINT, when it is a path under /root.
_SHELL_PROGRAM = re.compile(r"\s*(/root/[\w./@+-]+)(?:\s|$)")
#: Wrappers running their command as another user.
_SWITCHERS = frozenset(("sudo", "doas", "su", "runuser", "setpriv", "gosu", "su-exec", "chpst", "s6-setuidgid",
                        "setuidgid"))
#: pip options that send an install elsewhere (pip refuses them with --user).
_PIP_ELSEWHERE = ("--target", "-t", "--prefix", "--root", "--no-user")


class RootHomeUnreadable(Rule):
    """Files, WORKDIR or program under `/root` are out of reach of the non-root user the image runs as.

    ## What it does
    Reports a COPY or ADD of the final stage's lineage that writes under
    `/root` when the image runs as a user other than root (its last USER),
    and the files are for run time: Python's user site `/root/.local` (the
    `pip install --user` in a builder, then `COPY --from=builder /root/.local
    /root/.local` pattern), or a path an ENV of the lineage points at
    (`ENV PATH=/root/.local/bin:$PATH`, `PYTHONPATH=/root/app`...). For
    such an image it also reports a WORKDIR that leaves the image's working
    directory in `/root` (the last WORKDIR of the lineage), and an
    ENTRYPOINT (or, without one, a CMD) whose program is an absolute path
    under `/root` (`ENTRYPOINT ["/root/server"]`, `CMD /root/bin/app`).

    It also reports a RUN of the lineage that installs into root's home
    while running as root, for an image that then runs as another user:
    `pip install --user` (or with `PIP_USER` set), which installs into
    `/root/.local` (or the `PYTHONUSERBASE` under /root it is given), and
    `gem install --user-install` (`/root/.local/share/gem` or
    `/root/.gem`). The RUN runs as root after `USER root` (or `0`), or
    before any USER on an official image that runs as root (`python`,
    `pypy`, `ruby`, `node`, `debian`, `ubuntu`, `alpine`,
    `buildpack-deps`); on another base, before any USER, its user is not
    known here.

    Not reported: a RUN of the lineage that runs `chmod`, `chown` or
    `chgrp` on `/root` (`chmod 755 /root`, `chmod o+rx /root`, `chown -R
    app /root`); a user install that a later command of the lineage
    follows by naming root's `~/.local` or `~/.gem` (moving or copying
    the files, or running a tool from there at build time); a `pip
    install --user` that pip refuses, so the build fails for another
    reason: in a virtual environment (activated with `source`/`.`, its
    pip called by path, or its `bin` put on PATH before the system's
    directories, as `ENV PATH=/opt/venv/bin:$PATH` does; a directory
    counts as one when a RUN made it with `python -m venv`, `virtualenv`
    or `uv venv --seed`, when `VIRTUAL_ENV` names it, or when it is named
    like one, `/opt/venv`, `.venv`; but not one made with
    `--system-site-packages`, whose pip takes `--user`, nor `VIRTUAL_ENV`
    alone, which does not change which pip runs), or in the externally
    managed Python (PEP 668) of `debian` 12+, `ubuntu` 23.04+ and `alpine`
    3.19+ (and the `node`, `ruby` and `buildpack-deps` images on them; a
    tag naming no release counts as a current one) unless
    `--break-system-packages`, `PIP_BREAK_SYSTEM_PACKAGES`, `pip config`
    or a removed `EXTERNALLY-MANAGED` file lets pip install (the
    `python` and `pypy` images build their own Python, which is not
    externally managed, and are reported); a `pip install --user` with
    `--target`/`--prefix`/`--root`, or with a `PYTHONUSERBASE` outside
    /root; a user install run through `sudo`, `su` or another user
    switcher; other installers whose files under /root may only serve
    the build (`pipx`, `npm --prefix ~/...`, `cargo install` with rustup's
    `~/.cargo`: the golang image's GOPATH is `/go`, not under /root;
    model caches such as Hugging Face's `~/.cache/huggingface`); a USER that is root or only
    known at build time; an image built on `scratch`, which has no
    `/root` until a COPY or WORKDIR creates it with mode 755; images of
    the Fedora and RHEL family (`ubi9`, `fedora`, `rockylinux`,
    `amazonlinux`...), whose `/root` is mode 550, which the root group
    may enter (images built for OpenShift run with group 0); a program
    named by a relative path or a variable, and the CMD's words after an
    ENTRYPOINT, which are its arguments; Windows stages.

    ## Why is this bad?
    Debian, Ubuntu, Alpine and the images built on them create `/root` with
    mode 700: only root may enter it. `--chown` on the COPY does not help,
    as the user cannot get through `/root` itself. The image builds, then
    fails at run time: `ModuleNotFoundError` for the packages installed with
    `--user`, or "permission denied" for the tools on PATH and for the
    program of ENTRYPOINT or CMD. A working directory under `/root` keeps
    the container from starting at all (runc: "chdir to cwd ... failed:
    permission denied").

    ## Example
    ```dockerfile
    FROM python:3.12-slim AS build
    COPY requirements.txt .
    RUN pip install --user --no-cache-dir -r requirements.txt
    FROM python:3.12-slim
    RUN useradd --create-home app
    COPY --from=build /root/.local /root/.local
    ENV PATH=/root/.local/bin:$PATH
    USER app
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim AS build
    COPY requirements.txt .
    RUN pip install --user --no-cache-dir -r requirements.txt
    FROM python:3.12-slim
    RUN useradd --create-home app
    COPY --from=build --chown=app:app /root/.local /home/app/.local
    ENV PATH=/home/app/.local/bin:$PATH
    USER app
    ```

    ## Fix safety
    This rule has no fix: where the files should go is yours to choose.
    """

    code = "DF510"
    name = "root-home-unreadable"
    summary = "Files under /root for an image that runs as another user"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        setting = final_non_root_user(model)
        if setting is None or model.lineage(model.final_stage)[0].base.is_scratch \
                or rhel_family(root_reference(model, model.final_stage)) is not None:  # /root 550, group 0 may enter
            return
        steps = [node for member in model.lineage(model.final_stage) for node in member.instructions]
        if any(isinstance(node, ast.RunInstruction) and _opens_root(ctx, node) for node in steps):
            return
        related = [(f"the image runs as {setting.written}", setting.node)]
        used = _runtime_paths(ctx, steps)
        for node in steps:
            if not isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) or node.destination is None:
                continue
            path = _under_root(ctx, node, used)
            if path is not None:
                yield ctx.finding(node.destination, _message(node, path, setting), related=related)
        workdir = _last_workdir(ctx, steps)
        if workdir is not None:
            node, path = workdir
            yield ctx.finding(node.value, _workdir_message(path, setting), related=related)
        program = _program(model)
        if program is not None:
            node, target, path = program
            yield ctx.finding(target, _program_message(node, path, setting), related=related)
        for node, step, place in _user_installs(ctx, steps):
            yield ctx.finding(step.command, _install_message(step, place, setting), related=related)


def _user_installs(ctx: RuleContext, steps: list[ast.Instruction]) -> Iterator[tuple[ast.Instruction, Step, str]]:
    """The ``pip install --user`` and ``gem install --user-install`` commands of the lineage's RUNs that run
    as root, with where they install (under /root), unless a later command names the place (moves it,
    copies it, runs a program from it)."""
    model = ctx.model
    root_base = root_image(model, model.final_stage)
    managed = externally_managed(root_reference(model, model.final_stage))
    found: list[tuple[ast.Instruction, Step, str]] = []
    seen_user = False
    venvs: dict[str, bool] = {}  # the virtual environments created so far -> whether their pip refuses --user
    for node in steps:
        if isinstance(node, ast.UserInstruction):
            seen_user = True
        if not isinstance(node, ast.RunInstruction):
            continue
        for step in run_steps(ctx.analysis, node):
            created = created_venv(ctx.analysis, node, step)
            if created is not None:
                venvs[created[0]] = created[1]
            if managed and unmanages(step):
                managed = False
            if found:
                words = [word.value for word in step.command.argv]
                if any(_names_home(word) for word in words):
                    found = [f for f in found if not f[2].startswith(("/root/.local", "/root/.gem"))]
                places = {f[2] for f in found}
                if places and any(place in word for word in words for place in places):
                    found = [f for f in found if not any(f[2] in word for word in words)]
            place = _user_install(ctx, node, step, venvs, managed)
            if place is None:
                continue
            home = user_home(ctx.analysis, node, step)
            if home is None and not seen_user and root_base and "shell" not in step.contexts \
                    and step.invocation is not None and not _SWITCHERS.intersection(step.invocation.via) \
                    and variable(ctx.analysis, node, step, "HOME") is None:
                home = "/root"  # no USER yet, on an image that runs as root
            if home is not None and inside(home, "/root"):
                found.append((node, step, place.replace("~", home, 1)))
    yield from found


def _names_home(word: str) -> bool:
    """``word`` names root's ~/.local or ~/.gem (or a path in them), spelled out or from ``~``/``$HOME``."""
    return any(f"{home}/{name}" in word for home in ("/root", "~", "$HOME", "${HOME}") for name in (".local", ".gem"))


def _user_install(ctx: RuleContext, node: ast.Instruction, step: Step, venvs: dict[str, bool],
                  managed: bool) -> Optional[str]:
    """Where ``step`` installs in the user's home (``~/.local``...), when it is a user install that pip
    performs: not in a virtual environment (``venvs``: those created before) nor, unless told to break
    system packages, in the distribution's externally managed Python (``managed``), where pip refuses."""
    invocation = step.invocation
    if invocation is None or invocation.subcommand != "install":
        return None
    if invocation.program == "gem":
        return "~/.local/share/gem" if invocation.has("--user-install") else None
    if invocation.program != "pip" or invocation.has(*_PIP_ELSEWHERE):
        return None
    if not invocation.has("--user") and (variable(ctx.analysis, node, step, "PIP_USER") or "").lower() not in (
            "1", "true", "yes", "on"):
        return None
    program = program_text(invocation).split()[0]
    if "/" in program and not program.startswith("/usr/"):
        return None  # a virtual environment's pip (refuses --user), or another installation's
    if venv_first(ctx.analysis, node, step, venvs) or activated(ctx.analysis, node, step):
        return None  # in a virtual environment pip refuses --user
    if managed and not invocation.has("--break-system-packages") \
            and (variable(ctx.analysis, node, step, "PIP_BREAK_SYSTEM_PACKAGES") or "").lower() not in TRUE:
        return None  # the distribution's Python is externally managed (PEP 668): pip refuses, the build fails
    base = variable(ctx.analysis, node, step, "PYTHONUSERBASE")
    if base is not None:
        return base.rstrip("/") if base.startswith("/root/") else None
    return "~/.local"


def _last_workdir(ctx: RuleContext, steps: list[ast.Instruction]) -> Optional[tuple[ast.WorkdirInstruction, str]]:
    """The image's WORKDIR, set by the last WORKDIR of the lineage, when it is /root or under it."""
    node = next((n for n in reversed(steps) if isinstance(n, ast.WorkdirInstruction) and n.value is not None), None)
    if node is None:
        return None
    expansion = ctx.model.expand(node, node.value.value)
    path = resolve(expansion.value, ctx.model.workdir_at(node), home=False) if expansion.resolved else None
    path = path.rstrip("/") or "/" if path is not None else None
    return (node, path) if path is not None and inside(path, "/root") else None


def _program(model) -> Optional[tuple[ast.Instruction, object, str]]:
    """The ENTRYPOINT (or, without one, the CMD) of the image whose program is an absolute path under
    /root: the instruction, what to point at and the path."""
    entrypoint, cmd = image_command(model, model.final_stage)
    node = entrypoint or cmd
    if node is None or not node.args:
        return None
    first = node.args[0]
    if node.exec_form:
        path = posixpath.normpath(first.value) if first.value.startswith("/") else ""
        return (node, first, path) if path.startswith("/root/") else None
    match = _SHELL_PROGRAM.match(first.value)  # a shell-form command: its first word
    if match is None:
        return None
    start = first.origin + len(first.value) - len(first.value.lstrip())
    return node, node.span_of(start, start + len(match.group(1))), posixpath.normpath(match.group(1))


def _runtime_paths(ctx: RuleContext, steps: list[ast.Instruction]) -> tuple[str, ...]:
    """Paths under /root the image uses at run time: Python's user site, and what ENVs point at."""
    found = list(_RUNTIME)
    for node in steps:
        if isinstance(node, ast.EnvInstruction):
            for pair in node.pairs:
                value = ctx.model.expand(node, pair.value.value).value if pair.value is not None else ""
                if "/root" in value:
                    found.extend(path for path in (m.group(0).rstrip("/") for m in _ROOT_PATH.finditer(value))
                                 if path != "/root")  # HOME=/root names the directory, not files in it
    return tuple(found)


def _under_root(ctx: RuleContext, node: ast.Instruction, used: tuple[str, ...]) -> Optional[str]:
    """The first path under /root that ``node`` writes and the image uses at run time."""
    for entry in copied(ctx.model, node):
        path = entry.path
        if path == "/root" or not path.startswith("/root/"):
            continue
        if any(path == use or path.startswith(use + "/") or use.startswith(path + "/") for use in used):
            return path
    return None


def _opens_root(ctx: RuleContext, node: ast.RunInstruction) -> bool:
    """A ``chmod`` (or ``chown``, ``chgrp``) of /root itself in the RUN: whoever wrote it knows /root's mode."""
    for script in ctx.commands(node):
        for command in script.commands:
            if command.program in ("chmod", "chown", "chgrp") and any(word.value.rstrip("/") == "/root" for word in command.argv[1:]):
                return True
    return False


def _workdir_message(path: str, setting) -> str:
    user = f"user {setting.user}" if setting.user.isdigit() else setting.user
    return (f"WORKDIR {path} is under /root, but the image runs as {setting.written} (line {setting.node.line}), "
            f"and /root is mode 700 in most images: the container cannot start, as {user} cannot enter its "
            f"working directory (runc: chdir to cwd (\"{path}\") set in config.json failed: permission denied); "
            f"work in a directory {user} can enter (/app, /home/...)")


def _program_message(node: ast.Instruction, path: str, setting) -> str:
    user = f"user {setting.user}" if setting.user.isdigit() else setting.user
    return (f"{node.name} runs {path}, but the image runs as {setting.written} (line {setting.node.line}), and "
            f"/root is mode 700 in most images: {user} cannot reach the program (permission denied); put it "
            f"where {user} can run it (/usr/local/bin/... or /app/...)")


def _message(node: ast.Instruction, path: str, setting) -> str:
    user = f"user {setting.user}" if setting.user.isdigit() else setting.user
    home = f"/home/{setting.user}" if not setting.user.isdigit() else "/home/<user>"
    return (f"{node.name} writes {path}, but the image runs as {setting.written} (line {setting.node.line}), "
            f"and /root is mode 700 in most images: {user} cannot reach it, whatever --chown says; put the files "
            f"where {user} can read them ({home}/... or /opt/...) and point PATH or PYTHONPATH there")


def _install_message(step: Step, place: str, setting) -> str:
    user = f"user {setting.user}" if setting.user.isdigit() else setting.user
    invocation = step.invocation
    if invocation is not None and invocation.program == "gem":
        return (f"`gem install --user-install` runs as root and installs the gems under {place} (or /root/.gem), "
                f"but the image runs as {setting.written} (line {setting.node.line}): {user}'s RubyGems looks in "
                f"its own home, and /root is mode 700 in most images, so the gems are missing at run time "
                f"(LoadError); install without --user-install (into GEM_HOME), or after `USER {setting.written}`")
    shown = f"`{program_text(invocation)} install --user`" if invocation is not None and invocation.has("--user") \
        else "`pip install` with PIP_USER set"
    return (f"{shown} runs as root and installs the packages into {place}, but the image "
            f"runs as {setting.written} (line {setting.node.line}): {user}'s Python looks for user packages in "
            f"its own home, and /root is mode 700 in most images, so they are missing at run time "
            f"(ModuleNotFoundError); install without --user (system site-packages or a virtual environment), "
            f"or after `USER {setting.written}`, or set `ENV PYTHONUSERBASE=` to a directory outside /root")
