"""DF504 secrets-in-arg-env: ARG or ENV used for a secret, by its name or by its value."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.secrets import (buildkit_secret_key, connection_string_password, harmless_value, secret_name,
                                  secret_value, url_credentials)
from dflint.rule import Finding, Rule, RuleContext
from dflint.suppression import check_options

_PLAIN_WORD = re.compile(r"[\w.,:/@%+=-]+")
_NOT_THE_SECRET = re.compile(r"[\"']?(?:/|~/|\$\{?HOME\b|[a-z][a-z0-9+.-]*://[^@\s]*$)", re.I)


class SecretsInArgEnv(Rule):
    """A secret passed through ARG or ENV ends up in the image's history or config.

    ## What it does
    Reports an `ARG` or `ENV` whose name says it holds a secret
    (`NPM_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, `apiKey`,
    `OKTA_CLIENTSECRET`...), and any `ARG` default or `ENV` value that looks
    like a secret whatever its name: a private key block, a provider token
    (`ghp_…`, `github_pat_…`, `glpat-…`, AWS `AKIA…`, `xoxb-…`,
    `sk_live_…`, `npm_…`, `pypi-…`, `AIza…`, Tailscale's `tskey-auth-…`),
    a JWT, a URL with a
    password (`https://user:pass@host`), or a connection string with one
    (`Server=db;User Id=sa;Password=…`). `ONBUILD ARG`/`ENV` are checked too.

    Names are split into words (`_`, `-`, `.`, camelCase) and match
    BuildKit's secret words (`password`, `passwd`, `pword`, `secret`,
    `token`, `key`, `auth`, `apikey`, `credential(s)`) plus `pat`, `creds`,
    `passphrase`, `pwd`, `authkey` (Tailscale's `TS_AUTHKEY`) and a final
    `pass`, or a word ending in one (`DBPASSWORD`, `TSAUTHKEY`). A word saying the variable is *about* a secret vetoes
    the name, as BuildKit's `public`/`file`/`version` do: `SECRET_FILE`,
    `TOKEN_URL`, `GPG_KEY` (a public key fingerprint), `AUTH_ENABLED`,
    `NEXT_PUBLIC_API_KEY`, `TOKEN_LIFETIME`, `MAX_PASSWORD_ATTEMPTS`,
    `SIGNING_KEY_ID`. A value that cannot be the secret vetoes it too:
    empty, a boolean, `0`/`1`, a placeholder (`changeme`, `***`,
    `<token>`), an absolute path (`GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp.json`)
    or a URL without credentials.

    BuildKit's `SecretsUsedInArgOrEnv` looks at names only; dflint also
    reads values. Like BuildKit, a global `ARG` (before the first `FROM`)
    is not reported by its name alone: it only reaches `FROM` lines, and
    the `ARG NAME` that brings it into a stage is reported there. Its
    default is still checked for secret values. hadolint's DL3064 matches
    fixed names and substrings anywhere in the name: it also reports
    `USERNAME`, `DOCKER_EMAIL`, `TRAVIS_OS_NAME`, `PRIVATE_REGISTRY` and
    `TOKENIZERS_PARALLELISM`, which hold no secret, global ARGs, and the
    empty, boolean and path values above; dflint does not.

    Under `# check=error=true` (unless `skip=` names
    `SecretsUsedInArgOrEnv`) BuildKit fails the build on every stage
    `ARG`/`ENV` whose key its pattern matches (`key`, `token`, `secret`,
    `password`, `auth`... as a word between `_` or the key's ends, without
    `public`, `file` or `version`), whatever the value. There dflint also
    reports, as errors, the keys it otherwise passes for their value or an
    *about* word: `ENV SECRET_KEY_BASE_DUMMY=1` (Rails' generated
    Dockerfile), `PASSWORD_MIN_LENGTH=12`, `MYSQL_ALLOW_EMPTY_PASSWORD=yes`,
    `GPG_KEY`. Not a global `ARG` or an `ONBUILD` trigger no stage of the
    file runs (BuildKit checks neither), nor a key holding a variable
    (BuildKit expands it first, with the build's arguments).

    ## Why is this bad?
    Build arguments are recorded in the image history (every `RUN` that
    sees one shows `|1 NPM_TOKEN=…` in `docker history`) and in
    max-mode provenance; ENV values are stored in the image config, where
    `docker inspect` shows them to anyone who can pull the image. A value
    written in the Dockerfile is also in the repository. Build secrets
    (`RUN --mount=type=secret`) reach only the RUN that needs them and are
    never stored.

    ## Example
    ```dockerfile
    FROM node:22-slim
    ARG NPM_TOKEN
    ENV DATABASE_URL=postgres://app:s3cr3t@db:5432/app
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    ENV DATABASE_HOST=db
    RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
    ```

    ## Fix safety
    There is no fix: the secret has to move to `--secret` on the build
    command line and a secret mount in the RUNs that use it.
    """

    code = "DF504"
    name = "secrets-in-arg-env"
    summary = "Secret passed through ARG or ENV"
    severity = Severity.WARNING
    security_severity = 7.5
    aliases = ("DL3064", "SecretsUsedInArgOrEnv")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        failing = _buildkit_fails_on_names(ctx)
        for anchor in ctx.instructions:
            node = anchor.effective
            if not isinstance(node, (ast.ArgInstruction, ast.EnvInstruction)):
                continue
            stage = ctx.model.stage_of(anchor)
            in_stage = stage is not None
            # Where BuildKit checks the key: a stage's ARG/ENV, or an ONBUILD one a stage of the file runs.
            checked = failing and stage is not None and (
                not isinstance(anchor, ast.OnbuildInstruction)
                or any(other.parent == stage.index for other in ctx.model.stages))
            for pair in node.pairs:
                finding = _by_value(ctx, node, pair) or (_by_name(ctx, anchor, node, pair) if in_stage else None)
                if finding is None and checked:
                    finding = _by_buildkit_name(ctx, node, pair)
                if finding is not None:
                    yield finding


def _buildkit_fails_on_names(ctx: RuleContext) -> bool:
    """Whether the file's ``# check=`` directive makes BuildKit's SecretsUsedInArgOrEnv fail the build:
    ``error=true``, a value BuildKit can read, and the check not skipped."""
    checks = check_options(ctx.file) if ctx.file.directives else None
    return checks is not None and checks.error and checks.problem is None and checks.runs("SecretsUsedInArgOrEnv")


def _by_buildkit_name(ctx: RuleContext, node: ast.Instruction, pair: ast.KeyValue) -> Optional[Finding]:
    """A key BuildKit's check reports by its name alone, whose value (or name) told DF504 it holds no
    secret: under ``# check=error=true`` the build fails on it all the same."""
    name = pair.key.value
    if "$" in name or not buildkit_secret_key(name):
        return None  # a key BuildKit expands first: its name is known only at build time
    value = pair.value.value if pair.value is not None else ""
    shown = value if _PLAIN_WORD.fullmatch(value) else "<value>"  # a value the shell reads as one word
    where = f"`RUN {name}={shown} ...` in the build" + (", `docker run -e` at run time"
                                                         if isinstance(node, ast.EnvInstruction) else "")
    return ctx.finding(pair.key, (
        f"{node.name} {name}: BuildKit's SecretsUsedInArgOrEnv check reports this name whatever its value; "
        f"rename the variable, set it where it is used instead ({where}), pass a real secret with `--secret` "
        "and a secret mount, or, when the value is no secret, add `skip=SecretsUsedInArgOrEnv` to the "
        "`# check=` directive"))


def _by_value(ctx: RuleContext, node: ast.Instruction, pair: ast.KeyValue) -> Optional[Finding]:
    value = pair.value
    if value is None:
        return None
    found = secret_value(value.value)
    if found is not None:
        start, end, what = found.start, found.end, found.kind
    else:
        credentials = url_credentials(value.value)
        password = connection_string_password(value.value) if not credentials else None
        if credentials:
            start, end, what = credentials[0].start, credentials[0].end, f"a URL with a {credentials[0].what}"
        elif password is not None:
            (start, end), what = password, "a connection string with a password"
        else:
            return None
    span = node.span_of(value.origin + start, value.origin + end) if value.origin >= 0 else value.span
    where = "the image config" if isinstance(node, ast.EnvInstruction) else "the image history"
    return ctx.finding(span, f"{node.name} {pair.key.value} holds {what}: it is written in the Dockerfile and "
                             f"stored in {where}; revoke or rotate it and pass it as a build secret "
                             f"(`RUN --mount=type=secret,id={pair.key.value.lower()},env={pair.key.value} ...`)")


def _by_name(ctx: RuleContext, anchor: ast.Instruction, node: ast.Instruction, pair: ast.KeyValue) -> Optional[Finding]:
    name = pair.key.value
    word = secret_name(name)
    if word is None:
        return None
    if pair.value is not None:
        raw = pair.value.value
        expanded = ctx.model.expand(anchor, raw)
        shown = expanded.value if expanded.resolved else raw
        if isinstance(node, ast.EnvInstruction) and (harmless_value(shown) or _NOT_THE_SECRET.match(raw)):
            return None
        if isinstance(node, ast.ArgInstruction) and (harmless_value(raw) or _NOT_THE_SECRET.match(raw)):
            return None
    mount = f"`RUN --mount=type=secret,id={name.lower()},env={name} ...`"
    if isinstance(node, ast.ArgInstruction):
        why = "build arguments are recorded in the image history"
        advice = f"pass it with `--secret id={name.lower()}` and {mount}"
    else:
        why = "ENV values are stored in the image config, readable by anyone who can pull the image"
        advice = f"use {mount} during the build and set it at run time"
    return ctx.finding(pair.key, f"{node.name} {name} looks like a secret (`{word}` in its name): {why}; {advice}")
