"""DF508 expose-ssh: the image exposes the SSH port."""

from __future__ import annotations

import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext

_PORT = re.compile(r"(?:.*:)?(\d+)(?:-(\d+))?")


class ExposeSsh(Rule):
    r"""EXPOSE 22 means an SSH server in the container: another service to secure, and a way in.

    ## What it does
    Reports a port of an `EXPOSE` in the final stage (or a stage it is
    built `FROM`) that is the SSH port 22: `22`, `22/tcp`, a range that
    covers it (`20-25`), also through ARG/ENV values
    (`EXPOSE ${SSH_PORT}` with `ARG SSH_PORT=22`). `22/udp` is not SSH and
    is not reported; neither are build stages, whose EXPOSE never reaches
    an image, nor `ONBUILD EXPOSE`.

    Checkov's CKV_DOCKER_1 and Trivy's DS004 look for the literal `22`
    in any stage.

    ## Why is this bad?
    Containers are reached with `docker exec` or `kubectl exec`; an SSH
    daemon adds a service with its own keys, passwords and
    vulnerabilities to every container, usually running as root. Exposing
    its port advertises that way in, and `docker run -P` publishes it.

    ## Example
    ```dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends openssh-server \
     && rm -rf /var/lib/apt/lists/*
    EXPOSE 22 8080
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:24.04
    EXPOSE 8080
    ```

    ## Fix safety
    There is no fix: the SSH server itself has to go, not only its port.
    """

    code = "DF508"
    name = "expose-ssh"
    summary = "EXPOSE publishes the SSH port 22"
    severity = Severity.INFO
    security_severity = 4.0
    aliases = ("CKV_DOCKER_1", "DS004")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage in model.shipped_stages():
            for node in stage.instructions:
                if not isinstance(node, ast.ExposeInstruction):
                    continue
                for port in node.ports:
                    expansion = model.expand(node, port.value)
                    if not expansion.resolved:
                        continue
                    for spec in expansion.value.split():
                        if _ssh(spec):
                            via = f" ({port.value} resolves to {spec})" if spec != port.value else ""
                            yield ctx.finding(port, f"EXPOSE {port.value}{via} publishes the SSH port: don't run "
                                                    f"an SSH server in a container, use `docker exec` or "
                                                    f"`kubectl exec`")
                            break


def _ssh(spec: str) -> bool:
    ports, _, protocol = spec.partition("/")
    if protocol and protocol.lower() != "tcp":
        return False
    match = _PORT.fullmatch(ports)
    if match is None:
        return False
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else low
    return low <= 22 <= high
