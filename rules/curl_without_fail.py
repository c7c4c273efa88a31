"""DF214 curl-without-fail: curl saves a download to a file without `--fail`."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Fix
from dflint.model.layers import Step, run_steps, under_new_root
from dflint.model.sources import url_path
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.model import Word
from dflint.shell.remote import downloads_to_stdout
from dflint.shell.tools import Invocation, program_word, urls


class CurlWithoutFail(Rule):
    r"""curl without `-f` saves the server's error page as the download, and the build goes on.

    ## What it does
    Reports a `curl` command in a RUN (`ONBUILD RUN`, heredoc scripts and
    exec-form RUNs included) that saves what it fetches over HTTP to a
    file (`-o FILE`, `-O`, `--remote-name-all`, `-J`, `--output-dir`, or
    its output redirected with `>` or `>>`) without `-f`, `--fail` or
    `--fail-with-body`.

    It is not reported when the download is checked afterwards, in the same
    RUN or a later RUN of the stage (`sha256sum -c`, `gpg --verify`... naming
    the file, or a `-c` list): the check fails on an error page too; nor
    when curl's exit status or HTTP code is looked at otherwise (`-w
    '%{http_code}'`), when it sends data (`-d`, `-F`, `-T`, `-X`, `-I`:
    an API call, not a download), reads a config file (`-K`), or when the
    Dockerfile mentions a `.curlrc` (which may set `fail`). Options held
    in an unquoted variable whose value cannot be seen (`curl $CURL_OPTS`)
    may include `-f`: not reported. `curl URL | tar -x` and `curl URL |
    sh` are the business of `pipefail` and `curl-pipe-shell`, and `wget`
    fails on HTTP errors by default.

    ## Why is this bad?
    Without `--fail`, curl exits 0 when the server answers 404 or 500 and
    writes the body of that answer, an HTML or JSON error page, where the
    file should be. The build goes on: `chmod +x` makes the error page
    the program (the container then fails with "syntax error" or "exec
    format error"), or `tar -x` fails later with a confusing "not in gzip
    format". A moved release, a mistyped version or a rate limit thus
    builds an image that does not work.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN curl -sSL -o /usr/local/bin/mill https://repo1.maven.org/maven2/com/lihaoyi/mill-dist/0.12.5/mill \
        && chmod +x /usr/local/bin/mill
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN curl -fsSL -o /usr/local/bin/mill https://repo1.maven.org/maven2/com/lihaoyi/mill-dist/0.12.5/mill \
        && chmod +x /usr/local/bin/mill
    ```

    ## Fix safety
    The fix adds `f` to curl's first short-option word (`-sSL` -> `-fsSL`),
    or inserts `-f` after `curl`. It is safe: the only builds it changes
    are those where the server answered with an HTTP error (400 or above),
    which saved an error page instead of the file.
    """

    code = "DF214"
    name = "curl-without-fail"
    summary = "curl saves a download to a file without --fail"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ".curlrc" in ctx.file.text:
            return  # a .curlrc may say `fail`
        for node in ctx.instructions:
            if not isinstance(node.effective, ast.RunInstruction):
                continue
            steps = run_steps(ctx.analysis, node)
            for step in steps:
                invocation = step.invocation
                if invocation is None or invocation.program != "curl" or under_new_root(step):
                    continue
                saved = _saved(invocation)
                if saved is None or _fails(ctx, node, invocation) or not _http(ctx, node, invocation):
                    continue
                if _checked(ctx, node, step, saved):
                    continue
                yield ctx.finding(step.command, f"`curl` saves {saved[1]} without `-f`/`--fail`: on an HTTP "
                                  f"error (404, 500) it exits 0 and writes the server's error page there, and the "
                                  f"build goes on with it; add `-f` (`-fsSL`) so that the download fails the build",
                                  _fix(ctx, invocation))


#: Options under which the command is not a plain download, or its failure is looked at otherwise.
_NOT_A_DOWNLOAD = ("-K", "--config", "-w", "--write-out", "-d", "--data", "--data-raw", "--data-binary",
                   "--data-urlencode", "--data-ascii", "-F", "--form", "--form-string", "-T", "--upload-file",
                   "-X", "--request", "-I", "--head", "--json")
#: Digest tools (checking with -c, or their output compared) and signature checkers.
_DIGESTS = frozenset(("sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "md5sum", "b2sum", "b3sum",
                      "shasum", "cksum", "rhash"))
_SIGNATURES = frozenset(("gpg", "gpg2", "gpgv", "gpgv2", "sqv", "minisign", "signify", "cosign", "sq",
                         "slsa-verifier", "openssl", "rpmkeys", "jarsigner", "ssh-keygen"))
_SHORT_FAIL = re.compile(r"-[A-Za-z0-9#:]*f")


def _saved(invocation: Invocation) -> Optional[tuple[str, str]]:
    """The file curl writes (a name to look for in checks) and how the message names it; None when
    what it fetches goes to stdout and on (a pipe, the terminal, a command substitution)."""
    command = invocation.command
    if command.pipeline_length > 1 and command.pipeline_index < command.pipeline_length - 1:
        return None  # `curl URL | tar -x`: pipefail's and curl-pipe-shell's
    if invocation.has(*_NOT_A_DOWNLOAD):
        return None
    if downloads_to_stdout(invocation):
        redirect = next((r for r in command.redirects if r.op in (">", ">>", ">|") and r.fd in (None, 1)), None)
        if redirect is None or redirect.target.value.startswith("/dev/"):
            return None
        target = redirect.target.value
        return posixpath.basename(target), f"the download to {target}"
    outputs = [o.value for o in invocation.options if o.name in ("-o", "--output") and o.value]
    if outputs:
        if all(value.startswith("/dev/") for value in outputs):
            return None
        return posixpath.basename(outputs[0]), f"the download to {outputs[0]}"
    found = [u for u in urls(invocation) if not u.has_expansion]
    name = posixpath.basename(url_path(found[0].value)) if found else ""
    return name, (f"the download as {name}" if name else "the download under the URL's file name")


def _fails(ctx: RuleContext, node: ast.Instruction, invocation: Invocation) -> bool:
    """curl is told to fail on HTTP errors, or may be: an unquoted variable whose value cannot be
    seen may hold options."""
    if invocation.has("-f", "--fail", "--fail-with-body"):
        return True
    for word in invocation.operands:
        if not word.has_expansion:
            continue
        expansion = ctx.model.expand(node, word.value)
        if not expansion.resolved:
            if not word.quoted and word.value.startswith("$"):
                return True
            continue
        for value in expansion.value.split():
            if value in ("--fail", "--fail-with-body") or _SHORT_FAIL.match(value) and not value.startswith("--"):
                return True
    return False


def _http(ctx: RuleContext, node: ast.Instruction, invocation: Invocation) -> bool:
    """curl fetches over HTTP(S) (or a scheme-less URL, which it takes as HTTP): FTP and file:
    fail on errors of their own."""
    for word in urls(invocation):
        value = word.value
        if word.has_expansion:
            expansion = ctx.model.expand(node, value)
            value = expansion.value if expansion.resolved else value
        scheme = value.split("://", 1)[0].lower() if "://" in value else ""
        if scheme in ("", "http", "https") and not value.startswith("-"):
            return True
    return False


def _checked(ctx: RuleContext, node: ast.Instruction, step: Step, saved: tuple[str, str]) -> bool:
    """A digest or signature check after the download that can refer to the file: it names the
    file, or checks a list (`sha256sum -c SHA256SUMS`)."""
    name = saved[0]
    for later_node, later in _after(ctx, node, step):
        invocation = later.invocation
        if invocation is None:
            continue
        program = invocation.program
        if program not in _DIGESTS and program not in _SIGNATURES:
            continue
        if program in _DIGESTS and invocation.has("-c", "--check") and \
                any(word.value != "-" for word in invocation.operands):
            return True  # a list (`sha256sum -c SHA256SUMS`), which may name the file
        texts = []
        for member in later.script.pipeline(later.command):
            texts += [word.value for word in member.argv]
            texts += [redirect.target.value for redirect in member.redirects]
            texts += [r.heredoc.body for r in member.redirects if r.heredoc is not None]
        texts += [ctx.model.expand(later_node, text).value for text in texts if "$" in text]
        if not name or any(name in text for text in texts):
            return True
    return False


def _after(ctx: RuleContext, node: ast.Instruction, step: Step) -> Iterator[tuple[ast.Instruction, Step]]:
    """The steps after ``step``: in its RUN, then in the later RUNs of its stage (not for an
    ONBUILD trigger, which runs in another build)."""
    yield from ((node, s) for s in run_steps(ctx.analysis, node) if s.index > step.index)
    stage = ctx.model.stage_of(node)
    if node.effective is not node or stage is None:
        return
    instructions = stage.instructions
    at = next((i for i, instruction in enumerate(instructions) if instruction is node), len(instructions))
    for later in instructions[at + 1:]:
        if isinstance(later, ast.RunInstruction):
            yield from ((later, s) for s in run_steps(ctx.analysis, later))


def _fix(ctx: RuleContext, invocation: Invocation) -> Optional[Fix]:
    """`f` added to the first short-option word (`-sSL` -> `-fsSL`), else `-f` after `curl`."""
    for option in invocation.options:
        word = option.word
        if option.name.startswith("--") or not word.value.startswith("-") or word.value.startswith("--"):
            continue
        at = _raw_start(ctx, word)
        if at is not None:
            return ctx.fix("Add `-f` to curl's options", ctx.edit(at + 1, at + 1, "f"))
        break
    word = program_word(invocation.command)
    if word is None:
        return None
    text = ctx.file.text[word.span.start.offset:word.span.end.offset]
    if text == word.value:
        return ctx.fix("Add `-f` to curl's options", ctx.edit(word.span.end.offset, word.span.end.offset, " -f"))
    if text not in (f'"{word.value}"', f"'{word.value}'"):
        return None
    end = word.span.end.offset
    exec_form = text[0] == '"' and ctx.file.text[end:].lstrip().startswith(",")  # RUN ["curl", ...]
    return ctx.fix("Add `-f` to curl's options", ctx.edit(end, end, ', "-f"' if exec_form else " -f"))


def _raw_start(ctx: RuleContext, word: Word) -> Optional[int]:
    """The offset of the `-` that starts ``word`` in the file, when it is written as is (or as a
    JSON string of an exec-form RUN)."""
    raw = ctx.file.text[word.span.start.offset:word.span.end.offset]
    if raw == word.value:
        return word.span.start.offset
    if raw == f'"{word.value}"':
        return word.span.start.offset + 1
    return None
