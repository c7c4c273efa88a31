"""DF304 add-url-checksum: ADD of an HTTP(S) URL without --checksum."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.sources import copy_sources
from dflint.rule import Finding, Rule, RuleContext


class AddUrlChecksum(Rule):
    r"""A file ADD downloads without `--checksum` is whatever the server sends that day.

    ## What it does
    Reports each `http://` or `https://` source of an ADD that has no
    `--checksum` flag, also when the URL comes from an ARG or ENV value.
    Git sources (`https://host/repo.git#ref`, `git@host:repo`) are not
    reported: git checks what it fetches against the commit, and pinning
    that commit (`#<commit sha>` or `--checksum=<commit sha>`) is a question
    of which version to build, not of an unverified download. ONBUILD ADD
    triggers are checked.

    ## Why is this bad?
    The download is not verified: a compromised or changed server, a moved
    release or a proxy can put different bytes in the image without the
    build noticing, and two builds of the same commit can differ.
    `ADD --checksum=sha256:<digest>` (Dockerfile syntax 1.6 and later)
    fails the build when the content does not match.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /usr/local/bin/tini
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c \
        https://github.com/krallin/tini/releases/download/v0.19.0/tini /usr/local/bin/tini
    ```

    ## Fix safety
    There is no fix: only you can obtain the digest of the file you expect
    (`curl -sL <url> | sha256sum`, or the checksum the project publishes).
    """

    code = "DF304"
    name = "add-url-checksum"
    summary = "ADD of a URL without --checksum"
    severity = Severity.WARNING
    security_severity = 5.0

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            add = node.effective
            if not isinstance(add, ast.AddInstruction) or add.flag("checksum") is not None:
                continue
            downloads = [s for s in copy_sources(ctx.model, add, node) if s.kind == "http"]
            for source in downloads:
                written = source.argument.value  # with variables, what they expand to too; quotes go
                shown = f"{written} ({source.value})" if "$" in written and source.value != written else source.value
                advice = "add `--checksum=sha256:<digest>`" if len(downloads) == 1 \
                    else "give each URL its own ADD with `--checksum=sha256:<digest>`"
                yield ctx.finding(source.argument, f"ADD downloads {shown} without "
                                                   f"`--checksum`: the file is not verified; {advice}")
