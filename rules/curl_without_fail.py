"""DF214 curl-without-fail: curl saves a download to a file without `--fail`."""

from __future__ import annotations

import bisect
import posixpath
import re
from typing import Iterator, Optional, Union

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
    the file, ARG and ENV values put in, or a `-c` list): the check fails on
    an error page too. A digest whose output is compared, piped on or
    written to a file (`sha256sum FILE | grep -q HASH`, `[ "$(sha256sum
    FILE)" = ... ]`) counts as a check; one only printed to the build log
    (`RUN sha256sum FILE`) does not, as nothing compares it. Nor is it
    reported when curl's exit status or HTTP code is looked at otherwise
    (`-w '%{http_code}'`), when it sends data (`-d`, `-F`, `-T`, `-X`,
    `-I`: an API call, not a download), reads a config file (`-K`), or
    when the Dockerfile mentions a `.curlrc` (which may set `fail`). Options held
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
    or inserts `-f` after `curl`. When curl's first argument is `-q` (or
    `-qsS`, `--disable`), which makes curl skip `.curlrc` only in that place,
    `-f` goes after it as a word of its own (`-q -f`). It is safe: the only builds it changes
    are those where the server answered with an HTTP error (400 or above),
    which saved an error page instead of the file.
    """

    code = "DF214"
    name = "curl-without-fail"
    summary = "curl saves a download to a file without --fail"
    severity = Severity.WARNING
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "curl" not in ctx.file.text or ".curlrc" in ctx.file.text:
            return  # no curl (most files); a .curlrc may say `fail`
        checks: dict[ast.Instruction, _Checks] = {}
        for node in ctx.instructions:
            if not isinstance(node.effective, ast.RunInstruction):
                continue
            steps = run_steps(ctx.analysis, node)
            for step in steps:
                invocation = step.invocation
                if invocation is None or invocation.program != "curl" or under_new_root(step):
                    continue
                saved = _saved(ctx, node, invocation)
                if saved is None or _fails(ctx, node, invocation) or not _http(ctx, node, invocation):
                    continue
                if _checks(ctx, node, checks).after(node, step, saved[0]):
                    continue
                fix, shown = _fix(ctx, invocation)
                yield ctx.finding(step.command, f"`curl` saves {saved[1]} without `-f`/`--fail`: on an HTTP "
                                  f"error (404, 500) it exits 0 and writes the server's error page there, and the "
                                  f"build goes on with it; add `-f`{shown} so that the download fails the build",
                                  fix)


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


def _saved(ctx: RuleContext, node: ast.Instruction, invocation: Invocation) -> Optional[tuple[str, str]]:
    """The file curl writes (its name, variables expanded, to look for in checks) and how the message
    names it; None when what it fetches goes to stdout and on (a pipe, the terminal, a command
    substitution)."""
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
        return _name(ctx, node, target), f"the download to {target}"
    outputs = [o.value for o in invocation.options if o.name in ("-o", "--output") and o.value]
    if outputs:
        if all(value.startswith("/dev/") for value in outputs):
            return None
        return _name(ctx, node, outputs[0]), f"the download to {outputs[0]}"
    found = [u for u in urls(invocation) if not u.has_expansion]
    name = posixpath.basename(url_path(found[0].value)) if found else ""
    return name, (f"the download as {name}" if name else "the download under the URL's file name")


def _name(ctx: RuleContext, node: ast.Instruction, path: str) -> str:
    """The file name of ``path`` with ARG and ENV values put in (what is unknown spelled ``${NAME}``,
    as in the expanded texts of the checks)."""
    if "$" in path:
        path = ctx.model.expand(node, path).value
    return posixpath.basename(path)


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


class _Checks:
    """The digest and signature checks of some RUNs (a stage's, or one ONBUILD RUN's), read once, in
    the order they run: ``texts`` joins what each check names, ``starts[i]`` is where check ``i``
    begins in it, ``keys[i]`` where it runs ((RUN, step) indexes)."""

    def __init__(self, ctx: RuleContext, nodes: list[ast.Instruction]) -> None:
        self.position = {node: at for at, node in enumerate(nodes)}
        self.keys: list[tuple[int, int]] = []
        self.starts: list[int] = []
        self.last_list = (-1, -1)  # where the last check of a list (`sha256sum -c SHA256SUMS`) runs
        texts: list[str] = []
        length = 0
        for at, node in enumerate(nodes):
            for step in run_steps(ctx.analysis, node):
                check = _check(ctx, node, step)
                if check is None:
                    continue
                self.keys.append((at, step.index))
                if check is True:
                    self.last_list = (at, step.index)
                    check = ""
                self.starts.append(length)
                texts.append(check)
                length += len(check) + 1
        self.texts = "\0".join(texts)

    def after(self, node: ast.Instruction, step: Step, name: str) -> bool:
        """A check runs after ``step`` of ``node`` that can refer to file ``name``: it names the file
        or checks a list (any check when the name is unknown)."""
        key = (self.position[node], step.index)
        first = bisect.bisect_right(self.keys, key)
        if first == len(self.keys):
            return False
        if not name or self.last_list > key:
            return True
        return self.texts.find(name, self.starts[first]) >= 0


def _checks(ctx: RuleContext, node: ast.Instruction, known: dict[ast.Instruction, _Checks]) -> _Checks:
    """The checks that can run after a download in ``node``: those of its stage's RUNs, or of the
    ONBUILD RUN alone (its trigger runs in another build)."""
    if node in known:
        return known[node]
    runs: list[ast.Instruction] = [node]
    stage = ctx.model.stage_of(node)
    if node.effective is node and stage is not None:
        in_stage = [instruction for instruction in stage.instructions if isinstance(instruction, ast.RunInstruction)]
        if node in in_stage:
            runs = in_stage
    checks = _Checks(ctx, runs)
    for run in runs:
        known[run] = checks
    return checks


def _check(ctx: RuleContext, node: ast.Instruction, step: Step) -> Union[None, bool, str]:
    """What ``step`` checks: True for a list (`sha256sum -c SHA256SUMS`, which may name any file), the
    texts it names joined (`echo "HASH  FILE" | sha256sum -c`, `gpg --verify x.asc x`), None when
    it is no check: not a digest or signature tool, or a digest only printed to the build log
    (`sha256sum FILE`), which nothing compares."""
    invocation = step.invocation
    if invocation is None:
        return None
    program = invocation.program
    if program in _DIGESTS:
        if invocation.has("-c", "--check"):
            if any(word.value != "-" for word in invocation.operands) or \
                    any(r.op == "<" and r.fd in (None, 0) for r in step.command.redirects):
                return True
        elif _printed(step):
            return None
    elif program not in _SIGNATURES:
        return None
    texts = []
    for member in step.script.pipeline(step.command):
        texts += [word.value for word in member.argv]
        texts += [redirect.target.value for redirect in member.redirects]
        texts += [r.heredoc.body for r in member.redirects if r.heredoc is not None]
    texts += [ctx.model.expand(node, text).value for text in texts if "$" in text]
    return "\0".join(texts)


def _printed(step: Step) -> bool:
    """The digest goes to the build log and nowhere else: a command of its own or the last of its
    pipeline, its output not redirected, not in a command substitution, a condition or any other
    construct (whose output may be compared or piped on: counted as a check)."""
    command = step.command
    if step.contexts or command.pipeline_index < command.pipeline_length - 1:
        return False
    return not any(r.fd in (None, 1) and r.op not in ("<", "<<", "<<-", "<<<") for r in command.redirects)


def _fix(ctx: RuleContext, invocation: Invocation) -> tuple[Optional[Fix], str]:
    """The fix, and how the message shows what it writes: `f` added to the first short-option word
    (`-sSL` -> `-fsSL`), else `-f` after `curl`; `-f` after a first `-q`/`--disable` (curl skips
    `.curlrc` only when it is the first argument: `-fq` would read it again)."""
    word = program_word(invocation.command)
    argv = invocation.command.argv
    at = next((i for i, w in enumerate(argv) if w is word), None)
    first = argv[at + 1] if at is not None and at + 1 < len(argv) else None
    if first is not None and (first.value == "--disable" or first.value.startswith("-q")):
        shown = f" as a word of its own after `{first.value}` (which must stay first for curl to skip `.curlrc`)"
        end = _raw_end(ctx, first)
        if end is None:
            return None, shown
        raw = ctx.file.text[first.span.start.offset:end]
        insert = ', "-f"' if raw.startswith('"') and ctx.file.text[end:].lstrip().startswith(",") else " -f"
        return ctx.fix("Add `-f` to curl's options", ctx.edit(end, end, insert)), shown
    for option in invocation.options:
        short = option.word
        if option.name.startswith("--") or not short.value.startswith("-") or short.value.startswith("--"):
            continue
        start = _raw_start(ctx, short)
        if start is not None:
            return (ctx.fix("Add `-f` to curl's options", ctx.edit(start + 1, start + 1, "f")),
                    f" (`-f{short.value[1:]}`)")
        break
    if word is None:
        return None, ""
    text = ctx.file.text[word.span.start.offset:word.span.end.offset]
    if text == word.value:
        return ctx.fix("Add `-f` to curl's options", ctx.edit(word.span.end.offset, word.span.end.offset, " -f")), ""
    if text not in (f'"{word.value}"', f"'{word.value}'"):
        return None, ""
    end = word.span.end.offset
    exec_form = text[0] == '"' and ctx.file.text[end:].lstrip().startswith(",")  # RUN ["curl", ...]
    return ctx.fix("Add `-f` to curl's options", ctx.edit(end, end, ', "-f"' if exec_form else " -f")), ""


def _raw_start(ctx: RuleContext, word: Word) -> Optional[int]:
    """The offset of the `-` that starts ``word`` in the file, when it is written as is (or as a
    JSON string of an exec-form RUN)."""
    raw = ctx.file.text[word.span.start.offset:word.span.end.offset]
    if raw == word.value:
        return word.span.start.offset
    if raw == f'"{word.value}"':
        return word.span.start.offset + 1
    return None


def _raw_end(ctx: RuleContext, word: Word) -> Optional[int]:
    """The offset just after ``word`` in the file (after its closing quote as a JSON string of an
    exec-form RUN), when it is written as is or quoted whole."""
    start, end = word.span.start.offset, word.span.end.offset
    raw = ctx.file.text[start:end]
    if raw == word.value or raw in (f'"{word.value}"', f"'{word.value}'"):
        return end
    return None
