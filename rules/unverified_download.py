"""DF411 unverified-download: a RUN downloads a program or archive and uses it unchecked."""

from __future__ import annotations

import posixpath
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.downloads import Download, unverified_downloads
from dflint.rule import Finding, Rule, RuleContext


class UnverifiedDownload(Rule):
    r"""A file a RUN downloads and then runs, installs or unpacks is whatever the server sent that day.

    ## What it does
    Reports a `curl` or `wget` download in a RUN (or ONBUILD RUN) that
    the same RUN then uses as code or content of the image, when nothing
    in the build checks it against a digest or a signature:

    - saved into a directory on the `PATH` (`curl -o /usr/local/bin/yq`),
      or made executable (`chmod +x`, `chmod 755`, `install`);
    - run (`sh install.sh`, `./installer`, `java -jar`);
    - unpacked (`tar -xzf`, `unzip`, also `curl URL | tar -xz`);
    - installed (`dpkg -i`, `apt-get install ./x.deb`, `rpm -i`,
      `pip install x.whl`).

    The file is followed by the name it is saved under (`-o`, `-O`,
    `wget -O`/`-P`, a `>` redirection) through `mv` and `cp`. Any
    checksum or signature tool in the RUN
    (`sha256sum`, `shasum`, `gpg --verify`, `gpgv`, `cosign`, `minisign`,
    `openssl dgst`, `rpm -K`, `gh attestation verify`) counts as the
    check. Downloads the RUN only reads (a signing key for apt, a JSON
    file) are not reported; a download piped into a shell is
    `curl-pipe-shell`'s.

    ## Why is this bad?
    Nothing verifies the bytes: a compromised or changed release, a
    re-tagged version, a mirror or a proxy can put a different program in
    the image without the build noticing, and two builds of the same
    commit can differ. HTTPS only proves which server answered. Official
    images check every download against a published digest or signature.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    ARG YQ_VERSION=v4.44.3
    RUN curl -fsSL -o /usr/local/bin/yq \
          "https://github.com/mikefarah/yq/releases/download/${YQ_VERSION}/yq_linux_amd64" \
        && chmod +x /usr/local/bin/yq
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    ARG YQ_VERSION=v4.44.3
    ARG YQ_SHA256=0000000000000000000000000000000000000000000000000000000000000000
    RUN curl -fsSL -o /usr/local/bin/yq \
          "https://github.com/mikefarah/yq/releases/download/${YQ_VERSION}/yq_linux_amd64" \
        && echo "${YQ_SHA256}  /usr/local/bin/yq" | sha256sum -c - \
        && chmod +x /usr/local/bin/yq
    ```

    Or let BuildKit check it: `ADD --checksum=sha256:<digest> <url> <dest>`.

    ## Fix safety
    There is no fix: only you can obtain the digest of the file you expect
    (the one the project publishes, or `sha256sum` of a download you trust).
    """

    code = "DF411"
    name = "unverified-download"
    summary = "RUN downloads a program or archive and uses it without a checksum or signature check"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            if not isinstance(node.effective, ast.RunInstruction):
                continue
            for download in unverified_downloads(ctx.analysis, node):
                url = download.url
                expansion = ctx.model.expand(node, url.value) if url.has_expansion else None
                shown = f" ({expansion.value})" if expansion is not None and expansion.resolved \
                    and expansion.value != url.value else ""
                yield ctx.finding(url.span, _message(download, shown))


_USES = {
    "program": "saves it as a program in {directory}",
    "make executable": "makes it executable",
    "run": "runs it",
    "extract": "unpacks it",
    "install": "installs it",
}


def _message(download: Download, shown: str) -> str:
    invocation = download.step.invocation
    tool = invocation.program if invocation is not None else "the download"
    path = download.path
    use = _USES[download.use].format(directory=posixpath.dirname(path) if path else "")
    check = f"`echo \"<sha256>  {path}\" | sha256sum -c -`" if path else "save it to a file, `sha256sum -c` it"
    return (f"`{tool}` downloads {download.url.value}{shown} and the RUN {use} without checking it: a changed or "
            f"compromised download changes the image; verify it ({check}) or fetch it with "
            f"`ADD --checksum=sha256:<digest>`")
