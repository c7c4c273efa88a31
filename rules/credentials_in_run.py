"""DF505 credentials-in-run: a RUN handles a credential that ends up in the image history or layer."""

from __future__ import annotations

from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.credentials import CredentialUse, credential_uses
from dflint.rule import Finding, Rule, RuleContext


class CredentialsInRun(Rule):
    r"""A credential set up in a RUN without a secret mount is kept in the image history or layer.

    ## What it does
    Reports a credential a RUN puts on a command line or into a credential
    file when its value is written in the Dockerfile or comes from an `ARG`
    or `ENV`:

    - URLs with a password or token: `git clone https://user:$TOKEN@…`,
      `pip install --index-url https://user:pass@…`,
      `git config url."https://${GITHUB_TOKEN}@github.com/".insteadOf …`;
    - options: `curl -u user:pass`, an `Authorization:`/`PRIVATE-TOKEN:`
      header, `docker login -p`, `--password`, `--token`, `--api-key`…,
      `mysql -ppass`, `sshpass -p`, `openssl -passin pass:…`, `redis-cli -a`,
      the password of `htpasswd -b`, and
      `echo $PASS | docker login --password-stdin`;
    - config values: `npm config set //registry/:_authToken …`,
      `yarn config set npmAuthToken`, `poetry config http-basic.*`,
      `composer config github-oauth.*`;
    - files: `echo "//registry/:_authToken=$NPM_TOKEN" > ~/.npmrc`, and
      `.netrc`, `.pypirc`, `.git-credentials`, `.docker/config.json`,
      `.aws/credentials`… written by `echo`, `printf`, `tee` or a heredoc;
    - provider tokens written anywhere in the RUN (`ghp_…`, `AKIA…`, JWTs).

    A value from a build secret (a `--mount=type=secret` `env=` variable, or
    a file under its target or `/run/secrets`, also read in place:
    `$(cat /run/secrets/gh)`) is not reported, except when
    the RUN writes it into a credential file (or a tool's config) that the
    same RUN does not remove: that file stays in the layer. git keeps a
    URL's credential too: a `git clone` URL as the remote in the clone's
    `.git/config` (unless the RUN resets it with `git remote set-url` or
    `remote remove`, or deletes `.git`), `git config url.….insteadOf` in
    `~/.gitconfig`; `git -c …` keeps nothing. A value that
    stays a literal `${NPM_TOKEN}` in the file (single quotes, `<<'EOF'`)
    is read by the tool at run time and is no secret. Variables the
    Dockerfile does not define (set by the base image) are not guessed.
    Every stage is checked, `ONBUILD RUN` triggers too; PowerShell and
    `cmd` RUNs are not read.

    ## Why is this bad?
    `docker history` shows every RUN with the build arguments it saw, and
    ENV values are in the image config; a literal is in the repository too.
    A file written in a RUN stays in that layer even when a later RUN
    deletes it. Anyone who can pull the image, or read the build cache,
    gets the credential. `RUN --mount=type=secret` gives the RUN a secret
    that is never stored.

    ## Example
    ```dockerfile
    FROM node:22-slim
    ARG NPM_TOKEN
    RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc \
     && npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
    ```

    ## Fix safety
    There is no fix: the build command has to pass the secret
    (`docker build --secret id=npmrc,src=$HOME/.npmrc`).
    """

    code = "DF505"
    name = "credentials-in-run"
    summary = "Credential set up in RUN without a secret mount"
    severity = Severity.WARNING
    security_severity = 7.5

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            run = node.effective
            if not isinstance(run, ast.RunInstruction):
                continue
            for use in credential_uses(ctx.analysis, node):
                related = [(f"{use.source.kind.upper()} {use.source.name} is defined here", use.source.node)] \
                    if use.source.node is not None else []
                yield ctx.finding(use.span, _message(use), related=related)


def _message(use: CredentialUse) -> str:
    source = use.source
    if use.file and use.file.endswith(".git/config"):  # a clone's remote: the repository needs no token any more
        directory = use.file[:-len("/.git/config")] or "."
        advice = (f"reset the URL in the same RUN (`git -C {directory} remote set-url origin <URL without it>`) "
                  f"or delete {directory}/.git")
        if not source.leaks:
            return f"{use.what} comes from a build secret but git keeps it in {use.file}, in the layer; {advice}"
    elif use.file:
        name = use.file.rsplit("/", 1)[-1]
        target = "/root/" + use.file[2:] if use.file.startswith("~/") else use.file
        target = target if target.startswith("/") else f"/root/{name}"
        advice = f"mount the file as a secret instead: `RUN --mount=type=secret,id={name.lstrip('.')},target={target}`"
    elif source.name:
        advice = f"use a secret mount: `RUN --mount=type=secret,id={source.name.lower()},env={source.name}`"
    else:
        advice = "use a secret mount: `RUN --mount=type=secret,id=…,env=…`"
    if not source.leaks:
        return (f"{use.what} comes from a build secret but {use.file} stays in the layer: remove it in the same "
                f"RUN or {advice}")
    if source.kind == "literal":
        why = "is written in the Dockerfile: it is kept in the repository and in the image history"
    elif source.kind == "arg":
        why = f"comes from ARG {source.name}: build arguments are recorded in the image history"
    else:
        why = f"comes from ENV {source.name}: ENV values are stored in the image config and history"
    kept = f", and {use.file} stays in the layer" if use.file and use.kept else ""
    return f"{use.what} {why}{kept}; {advice}"
