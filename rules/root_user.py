"""DF501 root-user: the image runs as root because its last USER is root."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.users import (effective_user, is_root, privilege_drop, root_name, user_settings, windows_stage,
                                without_build_args)
from dflint.rule import Finding, Rule, RuleContext


class RootUser(Rule):
    """The last USER of the image is root: every process in the container runs as root.

    ## What it does
    Reports the `USER` that leaves the final stage running as root: its
    last `USER` is `root` or `0` (with any group: `root:root`, `0:0`), also
    through ARG/ENV values (`USER ${RUN_AS}` with `ARG RUN_AS=root`), or
    `ContainerAdministrator` in a Windows stage. A stage built `FROM` an
    earlier stage inherits that stage's USER, so the `USER root` may sit in
    a parent stage. When an earlier `USER` was not root, the message says
    the image switched back to root and never switched away again.

    Only the final stage counts: build stages may well run as root, their
    user never reaches the image. Nothing is reported when the image drops
    root in its ENTRYPOINT or CMD (`gosu`, `su-exec`, `setpriv`, `runuser`,
    `su … -c`), or installs `gosu`/`su-exec` and has an ENTRYPOINT (the
    usual entrypoint script that ends with `exec gosu app "$@"`). A USER
    only known at build time (`USER ${UID}` without default) is not
    guessed, unless the file's own default makes it root (`USER ${UID:-0}`
    with `ARG UID`: root when the build passes no `UID`); a final stage
    without any USER is `no-user`'s business.

    hadolint's DL3002 reports the last `USER root` of every stage, builder
    stages included, only when written literally, and knows nothing of
    `gosu`-style entrypoints; Checkov's CKV_DOCKER_8 only the literal
    `root` of the file's last USER. Trivy's DS002 covers this rule and
    `no-user` together.

    ## Why is this bad?
    A process running as root in a container is root on the container's
    filesystem and, after a container escape or through a mounted volume,
    on the host. Running the application as an unprivileged user limits
    what a compromised process can do, and is required by Kubernetes
    `runAsNonRoot` and most hardened platforms.

    ## Example
    ```dockerfile
    FROM node:22-slim
    USER node
    COPY --chown=node:node . /app
    USER root
    RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
    CMD ["tini", "--", "node", "/app/server.js"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
    COPY --chown=node:node . /app
    USER node
    CMD ["tini", "--", "node", "/app/server.js"]
    ```

    ## Fix safety
    When the final stage switched back to root from another user, the fix
    appends `USER <that user>` at the end of the final stage. It is unsafe:
    the container's processes then run as that user, and whatever the
    entrypoint needs root for (binding a low port, writing to root-owned
    paths) fails. Without an earlier user there is no fix.
    """

    code = "DF501"
    name = "root-user"
    summary = "The image runs as root"
    severity = Severity.WARNING
    security_severity = 5.0
    aliases = ("DL3002", "CKV_DOCKER_8", "DS002")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        final = model.final_stage
        if final is None:
            return
        windows = windows_stage(model, final)
        setting = effective_user(model, final)
        if setting is None:
            return
        shown = f"USER {setting.written}{setting.via}"
        if not is_root(setting, windows):
            # A default the file writes itself (USER ${UID:-0}, ARG UID) is what the image gets without --build-arg.
            assumed = without_build_args(model, setting) if setting.value is None else None
            if assumed is None or not root_name(assumed[0].split(":", 1)[0], windows):
                return
            value, names = assumed
            passed = " or ".join(f"--build-arg {name}" for name in names) or "a build argument"
            shown = f"USER {setting.written} ({value} unless the build passes {passed})"
        if privilege_drop(ctx.analysis, final) is not None:
            return
        earlier = [s for s in user_settings(model, final)[:-1] if s.value is not None and not is_root(s, windows)]
        related = [("the final stage inherits it", final.from_instruction)] if setting.stage is not final else []
        admin = "ContainerAdministrator" if windows else "root"
        if earlier:
            previous = earlier[-1]
            related.append((f"USER {previous.written} before it", previous.node))
            message = (f"{shown} switches back to {admin} after USER {previous.written} (line {previous.node.line}) "
                       f"and nothing switches away again: the image runs as {admin}; end the final stage with "
                       f"`USER {previous.written}`")
        else:
            message = (f"{shown} is the last USER of the final stage: the image runs as {admin}; create an "
                       f"unprivileged user and end with `USER <uid>`")
        yield ctx.finding(setting.node, message, fix=_fix(ctx, final, setting, earlier[-1] if earlier else None),
                          related=related)


_LINE_BREAK = re.compile(r"[ \t]*(\r?\n)")


def _fix(ctx: RuleContext, final, setting, previous) -> Optional[Fix]:
    if previous is None or setting.stage is not final or not final.instructions or ctx.file.errors:
        return None  # after a parse error (an unterminated heredoc) the end of the file is no place to add to
    text, end = ctx.file.text, final.instructions[-1].span.end.offset
    # After the last instruction's line break, written as the file writes them.
    line_break = _LINE_BREAK.match(text, end)
    if line_break:
        end, newline = line_break.end(), line_break.group(1)
        return ctx.fix(f"Append `USER {previous.written}`", ctx.edit(end, end, f"USER {previous.written}{newline}"),
                       applicability=Applicability.UNSAFE)
    newline = "\r\n" if "\r\n" in text else "\n"
    return ctx.fix(f"Append `USER {previous.written}`", ctx.edit(end, end, f"{newline}USER {previous.written}"),
                   applicability=Applicability.UNSAFE)
