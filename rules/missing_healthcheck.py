"""DF706 missing-healthcheck: the final image declares no HEALTHCHECK."""

from __future__ import annotations

import fnmatch
import json
import posixpath
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.build import Stage
from dflint.model.distro import shell_less
from dflint.model.history import image_command
from dflint.rule import Finding, Rule, RuleContext


class MissingHealthcheck(Rule):
    """The image built by this Dockerfile has no HEALTHCHECK.

    ## What it does
    Reports the final stage's `FROM` when neither that stage nor a stage it
    is built `FROM` has a HEALTHCHECK instruction. `HEALTHCHECK NONE` is a
    deliberate choice and counts. The rule is opt-in: many images are run by
    orchestrators with probes of their own, or are not services at all.

    On `scratch` and the images known to have no shell (Google's distroless
    images but their `debug` tags, Chainguard's `static`, `glibc-dynamic`,
    `glibc`, `python` and `nginx` but their `-dev` tags, Microsoft's and
    Canonical's Ubuntu chiseled .NET images, Microsoft's Azure Linux
    distroless ones: the list shell-not-in-image reads), which have no
    shell, curl or wget, the message says to probe in exec form with
    the application's own health-check command or with a small static probe
    program copied in from a build stage. It names the program of the
    image's exec-form ENTRYPOINT (or, behind an init such as tini, or on a
    base with no ENTRYPOINT of its own, of its CMD) only when that program
    could have a health-check mode of its own: never an interpreter or
    launcher (`java -jar app.jar`: `java healthcheck` would run a class
    named healthcheck), nor a script (`CMD ["/app/server.js"]` on
    distroless nodejs: a HEALTHCHECK does not go through the image's
    ENTRYPOINT, so it cannot run the .js file), nor a CMD on a base whose
    own ENTRYPOINT cannot be seen.

    Only the image `docker build` produces without `--target` is checked,
    and a HEALTHCHECK the base image may define cannot be seen. hadolint's
    DL3057 reports every stage without one, builder stages included; Checkov's
    CKV_DOCKER_2 checks the whole file like this rule.

    ## Why is this bad?
    Without a health check Docker only knows whether the main process is
    running, not whether it still answers: a deadlocked server stays
    "running", `docker ps` shows no `unhealthy`, and Compose
    `depends_on: condition: service_healthy` or Swarm rolling updates have
    nothing to wait for.

    ## Example
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/api ./cmd/api
    FROM gcr.io/distroless/base-debian12
    COPY --from=build /out/api /api
    ENTRYPOINT ["/api"]
    ```

    ## Use instead
    ```dockerfile
    FROM golang:1.22 AS build
    RUN go build -o /out/api ./cmd/api
    FROM gcr.io/distroless/base-debian12
    COPY --from=build /out/api /api
    HEALTHCHECK --interval=30s --timeout=3s CMD ["/api", "healthcheck"]
    ENTRYPOINT ["/api"]
    ```

    ## Fix safety
    There is no fix: only you know how to probe the service.
    """

    code = "DF706"
    name = "missing-healthcheck"
    summary = "Final image without a HEALTHCHECK"
    severity = Severity.INFO
    aliases = ("DL3057", "CKV_DOCKER_2")
    default_enabled = False

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        final = ctx.model.final_stage
        if final is None:
            return
        lineage = ctx.model.lineage(final)
        if any(isinstance(node, ast.HealthcheckInstruction) for stage in lineage for node in stage.instructions):
            return
        via = " in this stage or the stages it is built FROM" if len(lineage) > 1 else ""
        shell_less = ""
        if _shell_less(lineage[0]):
            program = _program(ctx, final, lineage[0])
            own = (f"the program's own health-check mode, if it has one "
                   f"(`HEALTHCHECK CMD [{json.dumps(program)}, \"healthcheck\"]`)" if program is not None
                   else "the application's own health-check command, if it has one")
            shell_less = (f"; it has no shell, curl or wget to run one: probe in exec form with {own}, or with a "
                          f"small static probe program copied in from a build stage that checks the service's port "
                          f"or health endpoint")
        yield ctx.finding(final.from_instruction, f"the final image has no HEALTHCHECK{via}: add one so Docker can "
                          f"tell a hung service from a healthy one, or `HEALTHCHECK NONE` to say there is none"
                          f"{shell_less}")


def _program(ctx: RuleContext, stage: Stage, first: Stage) -> Optional[str]:
    """The program the image runs, when it is one that could have a health-check mode of its own: the
    exec-form ENTRYPOINT's (or, behind an init such as tini, the CMD's), else the exec-form CMD's on a
    base that has no ENTRYPOINT; None for an interpreter or launcher (`java -jar app.jar`, `node`), a
    script (`/app/server.js`, which a HEALTHCHECK cannot run: it does not go through the ENTRYPOINT),
    or a program that is not known."""
    entrypoint, cmd = image_command(ctx.model, stage)
    for node in (entrypoint, cmd):
        if node is None or not node.exec_form or not node.args:
            continue
        value = node.args[0].value
        name = posixpath.basename(value)
        if node is entrypoint and name in _INITS:
            continue
        if node is cmd and entrypoint is None and not _no_entrypoint(first):
            return None  # the base image's ENTRYPOINT (distroless nodejs's node) runs the CMD
        if (not value.strip() or "$" in value or any(c.isspace() for c in value) or _launcher(name)
                or name.lower().endswith(_SCRIPTS)):
            return None
        return value
    return None


_INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "docker-init"})

#: Programs that run another program, a script or an application given as an argument: a word added
#: after them is not a health-check mode (`java healthcheck` runs a class named healthcheck).
_LAUNCHERS = frozenset({
    "java", "javaw", "node", "nodejs", "deno", "bun", "pypy", "pypy3", "ruby", "php", "perl", "lua", "luajit",
    "dotnet", "mono", "rscript", "r", "erl", "elixir", "iex", "mix", "escript", "julia", "racket", "guile",
    "sh", "bash", "ash", "dash", "zsh", "busybox", "pwsh", "powershell", "env", "exec", "npm", "npx", "yarn",
    "pnpm", "bundle", "bundler", "rails", "rake", "rackup", "puma", "unicorn", "gunicorn", "uvicorn", "hypercorn",
    "daphne", "celery", "flask", "streamlit", "waitress-serve", "mvn", "gradle", "go", "cargo", "qemu-user-static", "python", "php-fpm",
})
#: Files a HEALTHCHECK cannot run directly, or whose first argument belongs to their interpreter.
_SCRIPTS = (".js", ".mjs", ".cjs", ".ts", ".py", ".pyc", ".rb", ".php", ".pl", ".lua", ".jar", ".war", ".dll",
            ".sh", ".r", ".exs", ".jl")


def _launcher(name: str) -> bool:
    """``name`` (``python3.12``, ``php-fpm8.2``) is one of the launchers, version left out."""
    name = name.lower()
    return name in _LAUNCHERS or name.rstrip("0123456789.") in _LAUNCHERS


#: Shell-less bases with no ENTRYPOINT of their own: a CMD there names the program that runs.
_NO_ENTRYPOINT = ("gcr.io/distroless/static*", "gcr.io/distroless/base*", "gcr.io/distroless/cc*",
                  "cgr.dev/chainguard/static*")


def _no_entrypoint(stage: Stage) -> bool:
    """The stage is built on ``scratch`` or a shell-less image known to have no ENTRYPOINT."""
    return _built_on(stage, _NO_ENTRYPOINT)


def _shell_less(stage: Stage) -> bool:
    """The stage is built on ``scratch`` or an image known to have no shell (the list DF414 reads too:
    a HEALTHCHECK there runs the application)."""
    return stage.base.is_scratch or shell_less(stage.base.reference, digest_only=True) is not None


def _built_on(stage: Stage, patterns: tuple[str, ...]) -> bool:
    """The stage is built on ``scratch`` or an image matching one of ``patterns``."""
    base = stage.base
    if base.is_scratch:
        return True
    reference = base.reference
    name = reference.text if reference is not None and reference.valid else None
    return bool(name) and any(fnmatch.fnmatchcase(name, p) for p in patterns)
