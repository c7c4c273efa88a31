"""DF706 missing-healthcheck: the final image declares no HEALTHCHECK."""

from __future__ import annotations

import fnmatch
import json
import posixpath
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.build import Stage
from dflint.model.history import image_command
from dflint.rule import Finding, Rule, RuleContext


class MissingHealthcheck(Rule):
    """The image built by this Dockerfile has no HEALTHCHECK.

    ## What it does
    Reports the final stage's `FROM` when neither that stage nor a stage it
    is built `FROM` has a HEALTHCHECK instruction. `HEALTHCHECK NONE` is a
    deliberate choice and counts. The rule is opt-in: many images are run by
    orchestrators with probes of their own, or are not services at all.

    On `scratch`, distroless, chiseled and Chainguard's static images, which
    have no shell or curl, the message says to probe with the program itself
    in exec form, naming the program of the image's exec-form ENTRYPOINT
    (or CMD), or a placeholder where there is none.

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
        shell_less = ("; it has no shell or curl to run one: probe with the program itself, in exec form, "
                      f"if it has a health-check mode (`HEALTHCHECK CMD [{_program(ctx, final)}, \"healthcheck\"]`)"
                      ) if _shell_less(lineage[0]) else ""
        yield ctx.finding(final.from_instruction, f"the final image has no HEALTHCHECK{via}: add one so Docker can "
                          f"tell a hung service from a healthy one, or `HEALTHCHECK NONE` to say there is none"
                          f"{shell_less}")


def _program(ctx: RuleContext, stage: Stage) -> str:
    """The program the image runs, as a JSON string, for the advice: the exec-form ENTRYPOINT's (or,
    behind an init such as tini, the CMD's), else the exec-form CMD's; a placeholder when unknown."""
    entrypoint, cmd = image_command(ctx.model, stage)
    for node in (entrypoint, cmd):
        if node is None or not node.exec_form or not node.args:
            continue
        value = node.args[0].value
        if node is entrypoint and posixpath.basename(value) in _INITS:
            continue
        if value.strip() and "$" not in value and not any(c.isspace() for c in value):
            return json.dumps(value)
        break
    return json.dumps("/path/to/program")


_INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "docker-init"})

#: Images without a shell (their :debug tags have busybox): a HEALTHCHECK there runs the application.
_SHELL_LESS = ("gcr.io/distroless/*", "*chiseled*", "cgr.dev/chainguard/static*")


def _shell_less(stage: Stage) -> bool:
    """The stage is built on ``scratch`` or an image that has no shell."""
    base = stage.base
    if base.is_scratch:
        return True
    reference = base.reference
    name = reference.text if reference is not None and reference.valid else None
    return bool(name) and ":debug" not in name and any(fnmatch.fnmatchcase(name, p) for p in _SHELL_LESS)
