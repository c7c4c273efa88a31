"""DF409 curl-pipe-shell: code downloaded and run in one go, unverified."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.remote import RemoteRun, remote_code_runs
from dflint.shell.scripts import exec_form_run
from dflint.shell.tools import program_word
from dflint.source import Span


class CurlPipeShell(Rule):
    r"""`curl URL | sh` runs whatever the server sends, unverified, inside your build.

    ## What it does
    Reports a RUN (`ONBUILD RUN` included, inside heredoc scripts and the
    scripts of `sh -c`, `su -c` and `eval`) that runs a download as code
    without writing it to a file first: piped into a shell or interpreter
    that reads its program from stdin (`curl -fsSL URL | sh`,
    `wget -qO- URL | sudo -E bash -`, `curl URL | python3 -`), given as a
    file through process substitution (`bash <(curl URL)`,
    `source <(curl URL)`), or as the program text (`sh -c "$(curl URL)"`,
    `eval "$(curl URL)"`). A download that is saved (`curl -o`, `wget URL`)
    or piped into a program that reads data (`curl URL | tar -xz`,
    `curl URL | python3 -c '...'`) is not reported.

    In PowerShell RUNs (and other RUNs not read as POSIX shell) the
    unambiguous spellings are reported: `iwr URL | iex`, `iex
    ((New-Object System.Net.WebClient).DownloadString(URL))` (Chocolatey's
    install line), `iex (irm URL)`, `iex "& { $(irm URL) }"` and
    `[scriptblock]::Create((irm URL))`.

    ## Why is this bad?
    The script runs with the build's privileges, and nothing checks what
    it is: a compromised server, a hijacked domain, a new release or a
    download cut off half-way (a truncated script still runs) all change
    the image silently, and the build cannot be reproduced. Download the
    script to a file, check it against a known checksum, then run it; or
    install the tool from a package, or COPY it from a pinned image.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN curl -fsSL https://get.example.com/install.sh | sh
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    ARG INSTALL_SHA256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    RUN curl -fsSL -o /tmp/install.sh https://get.example.com/v1.2.3/install.sh \
        && echo "${INSTALL_SHA256}  /tmp/install.sh" | sha256sum -c - \
        && sh /tmp/install.sh && rm /tmp/install.sh
    ```

    ## Fix safety
    This rule has no fix: the checksum to verify against must come from
    the author.
    """

    code = "DF409"
    name = "curl-pipe-shell"
    summary = "Downloaded code run without verification (`curl | sh`)"
    severity = Severity.WARNING
    security_severity = 6.5

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for node in ctx.instructions:
            run = node.effective
            if not isinstance(run, ast.RunInstruction):
                continue
            scripts = ctx.commands(node)
            for script in scripts:
                for found in remote_code_runs(script):
                    yield ctx.finding(_span(found), f"{_shown(found)} runs code downloaded at build time without "
                                      "checking it: a changed or compromised server changes the image; save it to "
                                      "a file, verify its checksum (`sha256sum -c`), then run it")
            # PowerShell, cmd, exec form with no shell (["pwsh", "-Command", ...]): the unambiguous
            # PowerShell spellings only.
            if not scripts or exec_form_run(node) is not None:
                text = run.original
                for match in _POWERSHELL_RUNS.finditer(text):
                    yield ctx.finding(run.span_of(match.start(), match.end()),
                                      f"`{' '.join(match.group().split())}` runs code downloaded at build time without "
                                      "checking it: a changed or compromised server changes the image; save it with "
                                      "`Invoke-WebRequest -OutFile`, check `(Get-FileHash ...).Hash`, then run it")


_DOWNLOAD = r"(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|curl|wget)\b"
_EXECUTE = r"(?:iex|Invoke-Expression)\b"
_WEBCLIENT = r"\(\s*New-Object\s+(?:System\.)?Net\.WebClient\s*\)\s*\.\s*DownloadString\b"
#: `iwr URL | iex`; `iex ((New-Object Net.WebClient).DownloadString(URL))`; `iex (irm URL)`;
#: `iex "& { $(irm URL) }"`; `& ([scriptblock]::Create((irm URL)))`: Chocolatey's, Scoop's and
#: Windows tools' own install lines.
_POWERSHELL_RUNS = re.compile(
    r"(?i)(?<![\w-])" + _DOWNLOAD + r"[^|;\n`]*\|\s*" + _EXECUTE
    + r"|(?<![\w-])" + _EXECUTE + r"\s*\(*\s*(?:[\"'][^\"'\n]*?\$\(\s*)?(?:" + _WEBCLIENT + "|" + _DOWNLOAD + ")"
    + r"|\[scriptblock\]::Create\(\s*\(*\s*(?:" + _DOWNLOAD + "|" + _WEBCLIENT + ")")


def _span(found: RemoteRun) -> Span:
    if found.how == "pipe":
        return Span(found.download.span.start, found.runner.span.end)
    return found.runner.span


def _shown(found: RemoteRun) -> str:
    word = program_word(found.download)  # curl, not the sudo in front of it
    download = posixpath.basename(word.value) if word is not None else "download"
    if found.how == "pipe":
        return f"piping `{download}` into `{found.interpreter}`"
    if found.how == "file":
        return f"`{found.interpreter} <({download} ...)`"
    return f"running the output of `$({download} ...)` with `{found.interpreter}`"
