"""DF510 root-home-unreadable: files put under /root for an image that runs as another user."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import copied
from dflint.model.users import final_non_root_user
from dflint.rule import Finding, Rule, RuleContext

#: Paths under /root that an image uses at run time: Python's user site (`pip install --user`).
_RUNTIME = ("/root/.local",)
_ROOT_PATH = re.compile(r"/root(?:/[^\s:;\"']*)?")


class RootHomeUnreadable(Rule):
    """Files copied under `/root` are out of reach of the non-root user the image runs as.

    ## What it does
    Reports a COPY or ADD of the final stage's lineage that writes under
    `/root` when the image runs as a user other than root (its last USER),
    and the files are for run time: Python's user site `/root/.local` (the
    `pip install --user` in a builder, then `COPY --from=builder /root/.local
    /root/.local` pattern), or a path an ENV of the lineage points at
    (`ENV PATH=/root/.local/bin:$PATH`, `PYTHONPATH=/root/app`...). Not
    reported: a RUN of the lineage that runs `chmod` on `/root`; a USER
    that is root or only known at build time; Windows stages.

    ## Why is this bad?
    Debian, Ubuntu, Alpine and the images built on them create `/root` with
    mode 700: only root may enter it. `--chown` on the COPY does not help,
    as the user cannot get through `/root` itself. The image builds, then
    fails at run time: `ModuleNotFoundError` for the packages installed with
    `--user`, or "permission denied" for the tools on PATH.

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
        if setting is None:
            return
        steps = [node for member in model.lineage(model.final_stage) for node in member.instructions]
        if any(isinstance(node, ast.RunInstruction) and _opens_root(ctx, node) for node in steps):
            return
        used = _runtime_paths(ctx, steps)
        for node in steps:
            if not isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) or node.destination is None:
                continue
            path = _under_root(ctx, node, used)
            if path is not None:
                yield ctx.finding(node.destination, _message(node, path, setting),
                                  related=[(f"the image runs as {setting.written}", setting.node)])


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
    """A ``chmod`` of /root itself in the RUN: whoever wrote it knows /root's mode."""
    for script in ctx.commands(node):
        for command in script.commands:
            if command.program == "chmod" and any(word.value.rstrip("/") == "/root" for word in command.argv[1:]):
                return True
    return False


def _message(node: ast.Instruction, path: str, setting) -> str:
    user = f"user {setting.user}" if setting.user.isdigit() else setting.user
    home = f"/home/{setting.user}" if not setting.user.isdigit() else "/home/<user>"
    return (f"{node.name} writes {path}, but the image runs as {setting.written} (line {setting.node.line}), "
            f"and /root is mode 700 in most images: {user} cannot reach it, whatever --chown says; put the files "
            f"where {user} can read them ({home}/... or /opt/...) and point PATH or PYTHONPATH there")
