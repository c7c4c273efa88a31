"""DF703 expose-protocol: an EXPOSE protocol not written in lower case."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.ports import expose_specs
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.validate_go import check_port


class ExposeProtocol(Rule):
    """Write EXPOSE protocols in lower case: `80/tcp`, not `80/TCP`.

    ## What it does
    Reports an EXPOSE port whose protocol is not all lower case
    (`EXPOSE 53/UDP`), as BuildKit's `ExposeProtoCasing` does, also when the
    spec comes from an ARG or ENV default and in ONBUILD EXPOSE triggers.
    Protocols other than `tcp`, `udp` and `sctp` make `docker build` fail and
    are syntax errors (DF000).

    ## Why is this bad?
    `docker build` lower-cases the protocol, so `80/TCP` and `80/tcp` are the
    same port; mixed spellings only make the Dockerfile harder to search and
    compare with `docker inspect`, which shows `80/tcp`.

    ## Example
    ```dockerfile
    FROM coredns/coredns:1.11.1
    EXPOSE 53/UDP 53/TCP
    ```

    ## Use instead
    ```dockerfile
    FROM coredns/coredns:1.11.1
    EXPOSE 53/udp 53/tcp
    ```

    ## Fix safety
    The fix lower-cases the protocol where it is written at the end of the
    argument (`80/TCP`, `$PORT/TCP`); it is safe, since `docker build`
    lower-cases it anyway. A protocol that comes from a variable or sits
    inside quotes is reported without a fix.
    """

    code = "DF703"
    name = "expose-protocol"
    summary = "EXPOSE protocol not in lower case"
    severity = Severity.STYLE
    aliases = ("ExposeProtoCasing",)
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if ctx.model.stage_of(node) is None:
                continue
            for spec in expose_specs(ctx.model, node):
                proto = spec.parts[3]
                if proto == proto.lower() or check_port(spec.spec) is not None:
                    continue  # an unknown protocol is a syntax error (DF000)
                fix = target = None
                end = spec.argument.span.end.offset
                if spec.argument.value.endswith("/" + proto) and ctx.file.text[end - len(proto):end] == proto:
                    target = ctx.edit(end - len(proto), end, "").span  # the protocol as written
                    fix = ctx.fix(f"Write `{proto.lower()}`", ctx.edit(end - len(proto), end, proto.lower()))
                yield ctx.finding(target or spec.argument, f"protocol `{proto}` of {spec.written} should be "
                                  f"lower case: `{proto.lower()}`", fix)
