"""DF702 expose-port-range: EXPOSE ports outside 1-65535."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.model.ports import PortSpec, expose_specs
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.validate_go import check_port

_NUMERIC = ("invalid containerPort", "invalid hostPort", "invalid ranges")


class ExposePortRange(Rule):
    """EXPOSE needs real port numbers: 1 to 65535.

    ## What it does
    Reports an EXPOSE port outside 1-65535 that `docker build` does not
    already reject while parsing:

    * a port given through a variable (`EXPOSE $PORT`) whose ARG/ENV default
      is not a valid port or range (`ARG PORT=80800`): the default build
      fails at this EXPOSE. Literal values such as `EXPOSE 70000` are syntax
      errors (DF000);
    * port 0, or a range starting at 0: it builds, but nothing can connect
      to port 0.

    A variable without a default, or set by the base image, is not judged.
    ONBUILD EXPOSE triggers are checked when they hold no variable. hadolint's
    DL3011 reports literal ports above 65535, which dflint reports as
    syntax errors, and accepts port 0.

    ## Why is this bad?
    A port above 65535 does not exist: `docker build` stops with
    "invalid containerPort" as soon as it expands the default. Port 0 means
    "any free port" to a program that binds it, so it documents nothing and
    `docker run -P` cannot publish it.

    ## Example
    ```dockerfile
    FROM node:20-alpine
    ARG PORT=80800
    EXPOSE $PORT
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-alpine
    ARG PORT=8080
    EXPOSE $PORT
    ```

    ## Fix safety
    There is no fix: only you know which port the service listens on.
    """

    code = "DF702"
    name = "expose-port-range"
    summary = "EXPOSE port outside 1-65535"
    severity = Severity.ERROR
    aliases = ("DL3011",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if ctx.model.stage_of(node) is None:
                continue
            for spec in expose_specs(ctx.model, node):
                message = _problem(spec)
                if message is not None:
                    yield ctx.finding(spec.argument, message)


def _problem(spec: PortSpec) -> Optional[str]:
    error = check_port(spec.spec)
    if error is None:
        port = spec.parts[2]
        start, dash, end = port.partition("-")
        if not re.fullmatch(r"\+?0+", start):
            return None
        what = f"{spec.written} " + ("starts at" if dash and end != start else "exposes")
        return f"{what} port 0, which nothing can connect to: expose the port the service listens on"
    if "$" not in spec.argument.value or not error.startswith(_NUMERIC):
        return None  # a literal port docker build rejects is a syntax error (DF000)
    return f"port {spec.written} makes docker build fail ({error}): ports range from 1 to 65535"
