"""DF506 verification-disabled: TLS or package signature verification switched off."""

from __future__ import annotations

import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.insecure import Insecure, insecure_command, insecure_raw, insecure_text, insecure_variable
from dflint.source import Span

_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)
_SETTERS = frozenset(("export", "env", "declare", "typeset", "readonly"))
#: How each tool is given a CA certificate, found by the tool's name in what was switched off (uv before pip:
#: `uv pip --trusted-host`).
_CA_OPTIONS = tuple((re.compile(pattern), how) for pattern, how in (
    (r"\bcurl\b", "`curl --cacert FILE`"),
    (r"\bwget\b", "`wget --ca-certificate=FILE`"),
    (r"\buv\b|UV_", "uv's `--native-tls` (the system store) or `SSL_CERT_FILE`"),
    (r"\bpip\b|PIP_", "`pip --cert FILE` or `PIP_CERT`"),
    (r"\byarn\b|YARN_", "yarn's `httpsCaFilePath` (Yarn 2+) or `cafile` (Yarn 1)"),
    (r"\b(?:npm|pnpm)\b|NPM_CONFIG_|strict-ssl", "npm's `cafile` setting or `NODE_EXTRA_CA_CERTS`"),
    (r"Node\.js|NODE_TLS", "`NODE_EXTRA_CA_CERTS`"),
    (r"\bgit\b|GIT_SSL", "git's `http.sslCAInfo` or `GIT_SSL_CAINFO`"),
    (r"\b(?:conda|mamba|micromamba)\b|CONDA_", "`conda config --set ssl_verify /path/to/ca.pem`"),
    (r"Maven|maven", "a Java truststore (`-Djavax.net.ssl.trustStore=FILE`)"),
    (r"Python|PYTHONHTTPSVERIFY|bundler|BUNDLE_", "`SSL_CERT_FILE`"),
))


class VerificationDisabled(Rule):
    r"""Switching off TLS or signature checks lets anyone on the network path change what the build installs.

    ## What it does
    Reports what turns verification off during the build or in the image:

    - options: `curl -k`/`--insecure`, `wget --no-check-certificate`,
      `pip --trusted-host`, `uv --allow-insecure-host`,
      `apt-get --allow-unauthenticated`/`--force-yes`/`--allow-insecure-repositories`,
      `apk --allow-untrusted`, `yum`/`dnf` `--nogpgcheck`,
      `rpm --nosignature`/`--nodigest`/`--nofiledigest`,
      `zypper --no-gpg-checks`, `npm --strict-ssl=false`,
      `--insecure-skip-tls-verify`, `--tls-verify=false`...;
    - config commands: `npm`/`yarn config set strict-ssl false`,
      `git -c http.sslVerify=false`, `git config http.sslVerify false`,
      `pip config set global.trusted-host`, `conda config --set ssl_verify false`;
    - variables, set by `ENV`, an `ARG` default, `export`, `env` or an
      assignment before a command: `PYTHONHTTPSVERIFY=0`,
      `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY` (any value),
      `NPM_CONFIG_STRICT_SSL=false`, `PIP_TRUSTED_HOST`, `GOINSECURE`,
      `GOSUMDB=off`...;
    - configuration text written by `echo`, `printf`, `sed`, heredocs or
      `COPY <<EOF`: `gpgcheck=0`, `sslverify=false`, apt's `[trusted=yes]`
      and `Verify-Peer "false"`, `StrictHostKeyChecking no`,
      `strict-ssl=false`, Maven's `maven.wagon.http.ssl.insecure=true`.
      In a `sed s/…/…/` only the replacement counts.

    Every stage is checked (a builder that downloads without verification
    passes what it got on), `ONBUILD` triggers too. PowerShell, `cmd` and
    exec-form RUNs (other than a shell given a script, `RUN ["sh", "-c",
    "..."]`, read as shell form is) are searched for unambiguous spellings only
    (`-SkipCertificateCheck`, `--insecure`, `--nogpgcheck`...).

    Each finding Checkov has a check for carries that check's id
    (CKV2_DOCKER_2 to _16 and _18); dflint finds the options after
    wrappers (`sudo`, `env`, `gosu`, `runuser -u`...), in bundles
    (`curl -fsSLk`), inside heredocs and the scripts of `sh -c`, `su -c` and
    `eval`, and does not mistake `grep gpgcheck=0` for a setting.

    ## Why is this bad?
    TLS and package signatures are what make sure the build gets what it
    asked for. Without them a proxy, a compromised mirror or anyone on the
    network path can replace a download or a package, and the result ships
    in the image. A certificate or key error is better fixed by installing
    the missing CA certificate (in the image's trust store with
    `ca-certificates`, or given to the tool: `curl --cacert`,
    `pip --cert`/`PIP_CERT`, `NODE_EXTRA_CA_CERTS`...; the message names
    the tool's own option) or importing the repository's signing key.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    RUN curl -fsSLk https://example.com/install.sh -o /tmp/install.sh
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
     && rm -rf /var/lib/apt/lists/*
    RUN curl -fsSL https://example.com/install.sh -o /tmp/install.sh
    ```

    ## Fix safety
    There is no fix: removing the option makes the build fail until the
    certificate or key problem it hid is solved.
    """

    code = "DF506"
    name = "verification-disabled"
    summary = "TLS or signature verification switched off"
    severity = Severity.WARNING
    security_severity = 7.0
    partial_aliases = tuple(f"CKV2_DOCKER_{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18))

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for anchor in ctx.instructions:
            node = anchor.effective
            if isinstance(node, (ast.EnvInstruction, ast.ArgInstruction)):
                found = self._pairs(ctx, anchor, node)
            elif isinstance(node, ast.RunInstruction):
                found = self._run(ctx, anchor, node)
            elif isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
                found = self._heredocs(ctx, node)
            else:
                continue
            seen = set()
            for span, item in found:
                if (span.start.offset, span.end.offset) not in seen:
                    seen.add((span.start.offset, span.end.offset))
                    yield ctx.finding(span, _message(item), alias=item.alias)

    def _pairs(self, ctx: RuleContext, anchor: ast.Instruction, node: ast.Instruction):
        for pair in node.pairs:
            if pair.value is None:
                continue  # an ARG without default sets nothing unless the build passes it
            expansion = ctx.model.expand(anchor, pair.value.value)
            value = expansion.value if expansion.resolved else pair.value.value
            item = insecure_variable(pair.key.value, value)
            if item is None:
                continue
            index = pair.value.value.find(value[item.start:item.end]) if item.start >= 0 else -1
            if index >= 0 and pair.value.origin >= 0:
                start = pair.value.origin + index
                yield node.span_of(start, start + item.end - item.start), item
            else:
                yield pair.span, item

    def _run(self, ctx: RuleContext, anchor: ast.Instruction, run: ast.RunInstruction):
        steps = run_steps(ctx.analysis, anchor)
        if not steps:
            text = run.original
            for item in insecure_raw(text):
                yield run.span_of(item.start, item.end), item
            return
        for step in steps:
            command = step.command
            for assignment in command.assignments:
                item = insecure_variable(assignment.name, assignment.value.value)
                if item is not None:
                    yield _in(assignment.word, assignment.value.value, item, assignment.span), item
            setter = command.name in _SETTERS
            for word in command.argv[1:] if setter else ():
                match = _ASSIGNMENT.fullmatch(word.value)
                item = insecure_variable(match.group(1), match.group(2)) if match else None
                if item is not None:
                    yield _in(word, match.group(2), item, word.span), item
            if not setter:
                for item in insecure_command(step.invocation):
                    yield _word_span(item), item
            for redirect in command.redirects:
                body = redirect.heredoc
                if body is None:
                    continue
                for item in insecure_text(body.body):
                    span = body.span if body.strip_tabs else body.positions.span(body.start + item.start,
                                                                                 body.start + item.end)
                    yield span, item

    def _heredocs(self, ctx: RuleContext, node: ast.Instruction):
        for heredoc in node.heredocs:
            base = heredoc.body_span.start.offset
            for item in insecure_text(heredoc.content):
                yield ctx.analysis.line_index.span(base + item.start, base + item.end), item


def _in(word, value: str, item: Insecure, whole: Span) -> Span:
    """The span of a text setting found in ``value`` inside ``word`` (``whole`` for a variable itself)."""
    if item.start < 0:
        return whole
    index = word.raw.find(value[item.start:item.end])
    return word.positions.span(word.start + index, word.start + index + item.end - item.start) if index >= 0 \
        else whole


def _word_span(item: Insecure) -> Span:
    word = item.word
    assert word is not None
    if item.start >= 0:
        return word.positions.span(word.start + item.start, word.start + item.end)
    return word.span


_SIGNATURES = re.compile(r"(?i)signature|gpg|unauthenticated|unsigned|untrusted|trusts an apt|digest|checksum")


def _message(item: Insecure) -> str:
    if "host key" in item.what:
        advice = ("record the host's key instead (`ssh-keyscan github.com >> ~/.ssh/known_hosts`, "
                  "checked against the published fingerprint)")
    elif _SIGNATURES.search(item.what):
        advice = "import the repository's signing key instead"
    else:
        tool = next((how for pattern, how in _CA_OPTIONS if pattern.search(item.what)), None)
        advice = ("add the missing CA certificate to the image's trust store instead (`ca-certificates`, "
                  "`update-ca-certificates`)" + (f", or give it to the tool: {tool}" if tool else ""))
    return f"{item.what}: anyone on the network path can then change what the build downloads; {advice}"
