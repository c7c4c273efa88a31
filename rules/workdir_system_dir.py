"""DF509 workdir-system-dir: WORKDIR set to a directory that belongs to the operating system."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.history import image_stages
from dflint.model.paths import resolve
from dflint.model.users import windows_stage
from dflint.rule import Finding, Option, Rule, RuleContext

#: Exact directories, with why a working directory there is a problem.
_SYSTEM = {
    **dict.fromkeys(("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"),
                    "is on the command search path: a stray file there becomes, or shadows, a command"),
    **dict.fromkeys(("/lib", "/lib32", "/lib64", "/libx32", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec"),
                    "holds the system's libraries: files dropped there can be loaded in their place"),
    "/etc": "holds the system configuration: files dropped there can be read as configuration",
    "/usr": "is the operating system's own tree, managed by the package manager",
    "/var": "is the operating system's variable data, managed by its services",
    "/run": "holds runtime state and is often a tmpfs at run time",
    "/var/run": "holds runtime state and is often a tmpfs at run time",
    "/boot": "holds the kernel and boot loader, which a container never uses",
}
#: Directories the runtime mounts a kernel filesystem over: anything below them is hidden.
_MOUNTED = ("/proc", "/sys", "/dev")


class WorkdirSystemDir(Rule):
    r"""A WORKDIR in a system directory mixes the application with the operating system's files.

    ## What it does
    Reports a `WORKDIR` that resolves (after ARG/ENV expansion, and
    against the previous WORKDIR when relative) to a directory of the
    operating system:

    - `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/bin`,
      `/usr/local/sbin`: on `PATH`, so a file copied there becomes a
      command or shadows one;
    - `/lib*`, `/usr/lib*`, `/usr/libexec`: the system's libraries;
    - `/etc`: system configuration (a stray `hosts` or `passwd` is read);
    - `/usr`, `/var`: the roots of the trees the package manager owns;
    - `/run`, `/var/run`: runtime state, often a tmpfs at run time;
    - `/boot`: unused in a container;
    - `/proc`, `/sys`, `/dev` and anything below them: the runtime mounts
      kernel filesystems there, hiding whatever the build wrote;
    - on Windows, `C:\Windows` and below.

    Subdirectories are fine (`/etc/nginx/conf.d`, `/usr/src/app`,
    `/var/www/html`, `/usr/local/go`), and so are `/` (the default working
    directory of most images; a `WORKDIR /` usually resets it after
    building elsewhere), `/root` (a home directory: running as root is
    `root-user`'s business), `/tmp`, `C:\Windows\Temp` and `/usr/local`.
    A WORKDIR that only some RUNs use before the next WORKDIR (`WORKDIR
    /usr/local/bin`, `RUN curl -fsSLO …`, `WORKDIR /app`) is not reported
    either: nothing is copied there by a relative path, and it is not the
    image's working directory. The `allowed` option
    lists directories you accept anyway. Stages whose layers can reach an
    image are checked; a builder only used through `COPY --from` is not.

    ## Why is this bad?
    `COPY . .` then drops the build context among system files, build
    tools write their output (`node_modules`, `target/`, `*.pyc`) next to
    them, and the application's relative paths resolve into them at run
    time. Files become hard to tell from the operating system's, can
    shadow commands or libraries, and package upgrades may overwrite
    them. A directory of the application's own (`/app`, `/srv/app`,
    `/opt/app`) keeps them apart.

    ## Example
    ```dockerfile
    FROM golang:1.22
    WORKDIR /usr/bin
    COPY . .
    RUN go build -o server .
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22
    WORKDIR /src
    COPY . .
    RUN go build -o /usr/local/bin/server .
    ```

    ## Fix safety
    There is no fix: the instructions that follow may rely on the
    directory.
    """

    code = "DF509"
    name = "workdir-system-dir"
    summary = "WORKDIR set to a system directory"
    severity = Severity.WARNING
    security_severity = 3.0
    options = (Option("allowed", list, [], "System directories accepted as WORKDIR anyway (absolute paths)"),)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        shipped = image_stages(model)
        allowed = {path.rstrip("/") or "/" for path in ctx.options["allowed"]}
        for stage in model.stages:
            if stage.index not in shipped:
                continue
            windows = windows_stage(model, stage)
            instructions = list(stage.instructions)
            for index, node in enumerate(instructions):
                if not isinstance(node, ast.WorkdirInstruction) or node.value is None:
                    continue
                if not _matters(instructions[index + 1:]):
                    continue  # a step or two run there, then another WORKDIR: nothing lands there by accident
                expansion = model.expand(node, node.value.value)
                if not expansion.resolved:
                    continue
                path, why = (_windows(expansion.value) if windows
                             else _linux(resolve(expansion.value, model.workdir_at(node))))
                if path is None or path in allowed:
                    continue
                via = f" (resolves to {path})" if path != node.value.value.rstrip("/") else ""
                yield ctx.finding(node.value, f"WORKDIR {node.value.value}{via} is a system directory: it {why}; "
                                              f"use a directory of the application's own, such as /app")


def _matters(after: list) -> bool:
    """The WORKDIR is the image's working directory (no later one in the stage), or a COPY/ADD
    with a relative destination copies into it before the next WORKDIR."""
    for node in after:
        if isinstance(node, ast.WorkdirInstruction):
            return False
        if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) and node.destination is not None \
                and not node.destination.value.startswith(("/", "$", "\\")) \
                and not (len(node.destination.value) > 1 and node.destination.value[1] == ":"):
            return True
    return True


def _linux(path: Optional[str]) -> tuple[Optional[str], str]:
    if path is None:
        return None, ""
    path = path.rstrip("/") or "/"
    if path in _SYSTEM:
        return path, _SYSTEM[path]
    for mounted in _MOUNTED:
        if path == mounted or path.startswith(mounted + "/"):
            return path, (f"is under {mounted}, where the runtime mounts a kernel filesystem that hides the "
                          f"build's files")
    return None, ""


def _windows(value: str) -> tuple[Optional[str], str]:
    path = value.replace("/", "\\").rstrip("\\").lower()
    if any(path == root or path.startswith(root + "\\") for root in ("c:\\windows\\temp", "\\windows\\temp")):
        return None, ""  # like /tmp
    if path in ("c:\\windows", "\\windows") or path.startswith(("c:\\windows\\", "\\windows\\")):
        return value, "holds the Windows system files"
    return None, ""
