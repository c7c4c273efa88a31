"""DF411 unverified-download: a RUN downloads a program or archive and uses it unchecked."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.downloads import Download, unverified_downloads
from dflint.model.frontend import frontend_at_least
from dflint.rule import Finding, Rule, RuleContext


class UnverifiedDownload(Rule):
    r"""A file a RUN downloads and then runs, installs or unpacks is whatever the server sent that day.

    ## What it does
    Reports a `curl` or `wget` download in a RUN (or ONBUILD RUN) that
    the build then uses as code or content of the image, unchecked:

    - saved, moved or copied into a directory on the `PATH`
      (`/usr/local/bin`, a `.local/bin`, what `ENV PATH` adds), or made
      executable (`chmod +x`, `chmod 755`, `install` without a
      non-executable `-m`);
    - run (`sh install.sh`, `./installer`, `java -jar`);
    - unpacked (`tar -xzf`, `unzip`, `python3 -m zipfile -e`, also
      `curl URL | tar -xz`; listing with `tar -t` does not count);
    - installed (`dpkg -i`, `apt-get install ./x.deb`, `rpm -i`,
      `apk add --allow-untrusted`, `pip install x.whl`; apk without
      `--allow-untrusted` and pip with `--require-hashes` check the
      package themselves).

    The file is followed by the name it is saved under (`-o`, `-O`,
    `wget -O`/`-P`, a `>` redirection, `| tee`), through `mv`, `cp` and
    globs, in its RUN and the later RUNs of the stage. A check counts for
    the files it can refer to: a digest tool in its checking form
    (`sha256sum -c`, `shasum -a 256 -c`, `b3sum --check`, or its output
    compared: `[ "$(sha256sum f | cut -c1-64)" = "$SHA" ]`) or a signature
    tool (`gpg --verify`, `gpgv`, `sqv`, `cosign verify-blob`, `minisign`,
    `rpmkeys --checksig`, `ssh-keygen -Y verify`, `jarsigner -verify`...)
    whose command line, pipeline or input names the file or its `.sha256`
    or `.asc` companion, a `-c` list the RUN downloaded itself (a
    published `SHA256SUMS`), or inline code hashing the file (Composer's
    documented `php -r "hash_file('sha384', ...)"` check). A check after a
    use counts unless the use runs the file: a failed check still fails
    the build. A bare `sha256sum f` that only prints checks nothing.
    Signing keys, checksum lists and data the build only reads are not
    reported; a download piped into a shell is `curl-pipe-shell`'s;
    Windows shells are not read; an exec-form RUN is read as the script
    it gives a shell (`RUN ["sh", "-c", "..."]`), or as its one command.

    The advice is a `sha256sum -c` line naming the file; for a single
    program at a URL the Dockerfile fixes, also `ADD --checksum`, unless
    the `# syntax=` pin predates it (1.6) or the URL depends on the
    target platform (one digest cannot cover every platform). For
    archives ADD is not advised: the archive would stay in ADD's layer.

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

    Or let BuildKit check it (Dockerfile 1.6 and later):
    `ADD --checksum=sha256:<digest> --chmod=755 <url> /usr/local/bin/yq`.

    ## Fix safety
    There is no fix: only you can obtain the digest of the file you expect
    (the one the project publishes, or `sha256sum` of a download you trust).
    """

    code = "DF411"
    name = "unverified-download"
    summary = "RUN downloads a program or archive and uses it without a checksum or signature check"
    severity = Severity.WARNING
    security_severity = 5.5

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        add_known = frontend_at_least(ctx.file, _ADD_CHECKSUM) is not False
        for node in ctx.instructions:
            if not isinstance(node.effective, ast.RunInstruction):
                continue
            for download in unverified_downloads(ctx.analysis, node):
                url = download.url
                expansion = ctx.model.expand(node, url.value) if url.has_expansion else None
                resolved = expansion is None or expansion.resolved
                # What the Dockerfile fixes, the rest as `${NAME}`: (https://dl.k8s.io/v1.31.0/${TARGETARCH}/kubectl)
                shown = f" ({expansion.value})" if expansion is not None and expansion.value != url.value else ""
                # One digest per URL: ADD --checksum suits a single program at a URL the Dockerfile fixes.
                add = add_known and resolved and download.use == "program" and download.shown == download.path \
                    and not _PER_PLATFORM.search(url.value)
                yield ctx.finding(url.span, _message(download, shown, add))


#: The release whose ADD first took --checksum.
_ADD_CHECKSUM = (1, 6)
_PER_PLATFORM = re.compile(r"\$\{?(?:TARGET|BUILD)(?:PLATFORM|OS|ARCH|VARIANT)\b")
_USES = {
    "program": "saves it as a program in {directory}",
    "make executable": "makes it executable",
    "run": "runs it",
    "extract": "unpacks it",
    "install": "installs it",
}


def _message(download: Download, shown: str, add: bool) -> str:
    invocation = download.step.invocation
    tool = invocation.program if invocation is not None else "the download"
    path = download.path
    use = _USES[download.use].format(directory=posixpath.dirname(download.shown or ""))
    where = f"the RUN on line {download.use_node.span.start.line}" if download.use_node is not None else "the RUN"
    check = (f"check its digest first (`echo \"<sha256>  {download.shown}\" | sha256sum -c -`)" if path
             else "save it to a file and check its digest first (`sha256sum -c`)")
    also = ""
    if add and path:
        also = f", or let BuildKit check it: `ADD --checksum=sha256:<digest> --chmod=755 <url> {path}`"
    return f"`{tool}` downloads {download.url.value}{shown} and {where} {use} unverified: {check}{also}"
