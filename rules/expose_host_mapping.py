"""DF704 expose-host-mapping: an EXPOSE port with a host port or IP address, which EXPOSE ignores."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.ports import expose_specs
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.validate_go import check_port


class ExposeHostMapping(Rule):
    """EXPOSE takes container ports only: a host port or IP address in it is silently dropped.

    ## What it does
    Reports an EXPOSE spec with a host port or an IP address
    (`EXPOSE 8080:80`, `EXPOSE 127.0.0.1:8080:80`, `EXPOSE 127.0.0.1::80`),
    as BuildKit's `ExposeInvalidFormat` does, also when the spec comes from
    an ARG or ENV default and in ONBUILD EXPOSE triggers. A spec that
    `docker build` rejects (`EXPOSE 127.0.0.1:80`, where `127.0.0.1` is
    read as a host port) is a syntax error (DF000).

    ## Why is this bad?
    EXPOSE only records which container ports the image listens on. The
    host side of `8080:80` is thrown away: nothing is published on host
    port 8080, whatever the Dockerfile seems to say. Publishing is decided
    at run time (`docker run -p 8080:80`, a Compose `ports:` entry).
    BuildKit says this form will become an error.

    ## Example
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 8080:80
    ```

    ## Use instead
    ```dockerfile
    FROM nginx:1.27
    EXPOSE 80
    ```

    ## Fix safety
    The fix keeps the container port and protocol (`8080:80/udp` becomes
    `80/udp`); it is safe because that is all `docker build` records. A spec
    that comes from a variable or sits inside quotes is reported without a
    fix.
    """

    code = "DF704"
    name = "expose-host-mapping"
    summary = "EXPOSE with a host port or IP address"
    severity = Severity.WARNING
    aliases = ("ExposeInvalidFormat",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if ctx.model.stage_of(node) is None:
                continue
            for spec in expose_specs(ctx.model, node):
                ip, host, port, proto = spec.parts
                if not ip and not host or check_port(spec.spec) is not None:
                    continue
                container = port + (f"/{proto}" if proto else "")
                what = " and ".join(part for part, given in (("an IP address", ip), ("a host port", host)) if given)
                fix = None
                if spec.literal:
                    start = spec.argument.span.start.offset
                    fix = ctx.fix(f"Keep the container port `{container}`",
                                  ctx.edit(start, start + len(spec.spec) - len(container), ""))
                yield ctx.finding(spec.argument, f"{spec.written} gives {what}, which EXPOSE ignores: write "
                                  f"`{container}` and publish ports at run time (docker run -p)", fix)
