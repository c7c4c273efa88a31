"""What ``docker build`` rejects when it dispatches a stage (``dockerfile2llb``).

These checks run on values after variable expansion, so a value holding a
``$`` is skipped: its expanded value depends on build arguments and the base
image. Only checks that need neither the build context nor a registry are
here; stage references (``--from``, ``FROM stage``) and image references are
the build model's (:mod:`dflint.model`).

BuildKit dispatches only the stages the target needs; dflint checks every
stage, since another ``--target`` reaches them.
"""

from __future__ import annotations

from typing import Iterator, Optional

from .. import ast
from ..ast import Instruction, ParseError
from ..expansion import ExpansionError, Lexer
from .source_kinds import source_kind
from .validate_support import error, is_heredoc_word, problem_error, value_span
from .validate_go import check_chmod, check_digest, check_platform, check_port, check_signal
from .validate_mounts import mount_dispatch_problem

Problems = Iterator[ParseError]

def dispatch_problems(node: Instruction, escape: str) -> Problems:
    """The dispatcher's checks for ``node``, in the order BuildKit runs them."""
    check = _CHECKS.get(node.name)
    return check(node, Lexer(escape)) if check else iter(())


def _expanded(lexer: Lexer, text: Optional[str]) -> Optional[str]:
    """``text`` after quote removal, or None when it holds a variable (unknown now)."""
    if text is None or "$" in text:
        return None
    try:
        return lexer.process_word(text).value
    except ExpansionError:
        return None  # expansion errors are the expansion layer's to report


def _from(node: Instruction, lexer: Lexer) -> Problems:
    assert isinstance(node, ast.FromInstruction)
    if node.image is not None and _expanded(lexer, node.image.value) == "":
        yield error(f"base name ({node.image.value}) should not be blank", node.image.span, "name an image")
    flag = node.platform
    platform = _expanded(lexer, flag.value) if flag is not None and flag.value else None
    if flag is not None and platform == "":
        yield error(f"empty platform value from expression {flag.value}", value_span(node, flag))
    found = check_platform(platform) if platform else None
    if flag is not None and found:
        yield error(f"failed to parse platform {flag.value}: {found}", value_span(node, flag),
                    "write os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8")


def _copy(node: Instruction, lexer: Lexer) -> Problems:
    """COPY and ADD: --from, --chmod, --checksum, then each source."""
    add = node.name == "ADD"
    copy_from = node.flag("from")
    if copy_from is not None and copy_from.value:
        try:
            expanded = lexer.process_word(copy_from.value).value
        except ExpansionError:
            expanded = copy_from.value
        if expanded != copy_from.value:
            yield error("variable expansion is not supported for --from, define a new stage with FROM using ARG "
                        "from global scope as a workaround", value_span(node, copy_from),
                        "add `FROM ${VAR} AS alias` and copy --from=alias")
    chmod = node.flag("chmod")
    mode = _expanded(lexer, chmod.value) if chmod is not None else None
    found = check_chmod(mode) if mode else None
    if chmod is not None and found:
        yield error(found, value_span(node, chmod), "use an octal mode such as 755 or a symbolic one such as u+x")
    sources = [arg for arg in node.args[:-1] if not is_heredoc_word(arg.value)]
    checksum = node.flag("checksum") if add else None
    digest = _expanded(lexer, checksum.value) if checksum is not None else None
    kinds = [source_kind(_expanded(lexer, arg.value)) for arg in sources]
    if checksum is not None and digest:
        if len(sources) != 1:
            yield error("checksum can't be specified for multiple sources", value_span(node, checksum))
        elif kinds[0] == "local":
            yield error("checksum requires HTTP(S) or Git sources", value_span(node, checksum),
                        "--checksum verifies a URL or a Git repository; drop it for local files")
    for arg, kind in zip(sources, kinds):
        if not add and kind in ("git", "url"):
            what = "a git ref" if kind == "git" else "a URL"
            yield error(f"source can't be {what} for COPY", arg.span, "use ADD to fetch remote sources")
        bad_digest = check_digest(digest) if checksum is not None and digest and kind == "url" else None
        if bad_digest and checksum is not None:
            yield error(bad_digest, value_span(node, checksum), "write sha256:<64 hex digits>")


def _run(node: Instruction, lexer: Lexer) -> Problems:
    for flag in node.flags_named("mount"):
        found = mount_dispatch_problem(flag.value or "", lexer.escape)
        if found:
            yield problem_error(node, flag, found)


def _expose(node: Instruction, lexer: Lexer) -> Problems:
    for arg in node.args:
        if "$" in arg.value:
            continue
        try:
            words = lexer.process_words(arg.value)
        except ExpansionError:
            continue
        for word in words:
            found = check_port(word.value)
            if found:
                yield error(found, arg.span, "write <port>[/tcp|/udp|/sctp] or a range <from>-<to>")


def _stopsignal(node: Instruction, lexer: Lexer) -> Problems:
    signal = _expanded(lexer, node.args[0].value)
    found = check_signal(signal) if signal is not None else None
    if found:
        yield error(found, node.args[0].span, "use a signal name such as SIGTERM or its number")


def _volume(node: Instruction, lexer: Lexer) -> Problems:
    for arg in node.args:
        if _expanded(lexer, arg.value) == "":
            yield error("VOLUME specified can not be an empty string", arg.span)


_CHECKS = {"FROM": _from, "COPY": _copy, "ADD": _copy, "RUN": _run, "EXPOSE": _expose,
           "STOPSIGNAL": _stopsignal, "VOLUME": _volume}
