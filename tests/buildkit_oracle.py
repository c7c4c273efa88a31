"""Differential comparison with BuildKit's own parser (the `dockerfile` package).

The package wraps BuildKit v0.12.5's Go parser. It is a test-only oracle:
dflint never imports it at runtime.

dflint follows *current* BuildKit where it differs from v0.12.5.
``DOCUMENTED_DIFFERENCES`` lists every such difference with its reason, and
``documented_differences()`` tells which of them a file runs into, so a
disagreement with the oracle on such a file is not counted as a bug. Each
difference also has a unit test that pins dflint's current-BuildKit behaviour
and shows v0.12.5 really does differ (``test_differential.py``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional

import dockerfile

from dflint import ast
from dflint.expansion import GO_SPACES
from dflint.syntax import parse_syntax

#: Where dflint deliberately follows current BuildKit (HEAD of the mirror)
#: rather than v0.12.5, each with the reason. Keys are used in test ids.
DOCUMENTED_DIFFERENCES: dict[str, str] = {
    "json-trailing-text": (
        "Text after a valid JSON array (`CMD [\"a\"] x`, `CMD [1] x`): v0.12.5 decodes with json.Decoder, "
        "which ignores the trailing text (exec form, or the non-string error); current BuildKit uses "
        "json.Unmarshal, so the line is not JSON: shell form."
    ),
    "heredoc-space": (
        "White space between `<<` and the delimiter (`RUN cat << EOF`): a heredoc in current BuildKit "
        "(processPossibleHeredoc and `<<(-?)\\s*` in reHeredoc), not in v0.12.5."
    ),
    "heredoc-modifiers": (
        "`${var#pat}`, `${var%pat}`, `${var/a/b}` on a RUN/COPY/ADD line: v0.12.5's word lexer rejects "
        "them, which silently disables heredoc detection on that line; current BuildKit supports them "
        "(and rejects `${var:#pat}`, which v0.12.5 accepted)."
    ),
    "heredoc-modifier-escapes": (
        "Escapes inside `${var:-word}` (and `+`, `?`) on a RUN/COPY/ADD line: v0.12.5's heredoc lexer "
        "keeps them (its RawEscapes setting reaches the nested word); current BuildKit's processStopOn "
        "drops them for these modifiers, so `${x:- \\<<EOF}` yields a heredoc word only there."
    ),
    "heredoc-word-prefix": (
        "A heredoc marker word containing `${var<modifier>...}` after `<<` (`<<\"${X:-EOF}\"`): current "
        "BuildKit's lexer shares one word buffer with the nested scan of the modifier word (since "
        "v0.15, commit 4c935cf9a), so the `<<` before it is lost and the word is no heredoc; v0.12.5 "
        "keeps it."
    ),
    "check-directive": (
        "`# check=...` is a parser directive in current BuildKit, so a later `# escape=` still counts "
        "(and a second `# check=` is a duplicate); v0.12.5 does not know it and ends the directive "
        "block there."
    ),
    "directive-space": (
        "White space between `#` and a directive name other than `[\\t\\f\\r ]` (`#\\vescape=`): current "
        "BuildKit trims any Unicode space there (bytes.TrimLeftFunc(unicode.IsSpace)); v0.12.5's "
        "directive regexp only allows Go's `\\s`."
    ),
    "flag-escape": (
        "The escape character inside flags in a file with `# escape=``: v0.12.5 always uses backslash "
        "when extracting flags, current BuildKit uses the file's escape character."
    ),
    "flag-bytes": (
        "Non-ASCII characters inside flags or in/after the HEALTHCHECK type word: BuildKit scans those "
        "byte by byte (bytes 0x85/0xA0 count as white space, other bytes are re-encoded as Latin-1 "
        "runes, the type word can end inside a character); dflint works on characters."
    ),
}


class OracleUnusable(Exception):
    """The `dockerfile` package cannot answer for this text (it is not a parser result)."""


@dataclass(frozen=True)
class View:
    """What both parsers must agree on, for one instruction."""

    cmd: str
    sub_cmd: Optional[str]
    json: bool
    start_line: int
    end_line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: tuple[tuple[str, str, int], ...]
    #: The logical line (continuations joined); the package appends each heredoc's body and terminator.
    original: str


def oracle_can_answer(text: str) -> bool:
    """The package passes text through C strings: NUL truncates it, lone surrogates cannot be encoded.

    A JSON escape of NUL (``\\u0000``) decodes to one on the Go side and is cut there on the way back.
    """
    if "\x00" in text or "\\u0000" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def buildkit_views(text: str) -> "list[View] | str":
    """BuildKit's instructions, or its error message when it rejects the file.

    Raises :class:`OracleUnusable` when the package cannot hand back its answer
    (it splits the HEALTHCHECK type word inside a UTF-8 sequence and then fails
    to decode it).
    """
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        return str(exc)
    except UnicodeDecodeError as exc:
        raise OracleUnusable(str(exc)) from None
    return [
        View(c.cmd or "", c.sub_cmd, c.json, c.start_line, c.end_line, tuple(c.flags), tuple(c.value),
             tuple((h.name, h.content, h.file_descriptor) for h in c.heredocs), c.original or "")
        for c in commands
    ]


def _values(node: ast.Instruction) -> tuple[str, ...]:
    if isinstance(node, ast.UnknownInstruction):
        return ("",)  # parseIgnore: one empty node
    if isinstance(node, ast.OnbuildInstruction):
        # BuildKit's ONBUILD value is one node holding the trigger (its Value is empty).
        return ("",) if node.trigger is not None else ()
    return tuple(a.value for a in node.args)


def _logical_index(node: ast.Instruction, offset: int, end: bool) -> int:
    """Index in ``node.original`` of source ``offset`` (an end offset maps past its character)."""
    target = offset - 1 if end else offset
    for segment in node.segments:
        if segment.offset <= target < segment.offset + segment.length:
            return segment.logical + target - segment.offset + (1 if end else 0)
    raise ValueError(f"offset {offset} is not in the logical line")


def keyword_as_written(node: ast.Instruction, keyword: ast.Keyword) -> str:
    """The keyword as BuildKit sees it: from the logical line, continuations removed."""
    start, end = keyword.span.start.offset, keyword.span.end.offset
    if start == end:
        return ""
    return node.original[_logical_index(node, start, False):_logical_index(node, end, True)]


def dflint_view(node: ast.Instruction) -> View:
    heredocs = tuple((h.name, h.content, h.fd) for h in node.heredocs)
    cmd = keyword_as_written(node, node.keyword)
    if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None:
        # The package shows no heredocs for ONBUILD (they hang off the trigger).
        trigger = node.trigger
        return View(cmd, keyword_as_written(node, trigger.keyword), trigger.exec_form, node.line, node.end_line,
                    tuple(f.buildkit_text for f in node.flags), _values(trigger), (), node.original)
    original = node.original
    if node.heredocs:
        original += "\n" + "".join(h.content + h.name + "\n" for h in node.heredocs)
    return View(cmd, None, node.exec_form, node.line, node.end_line,
                tuple(f.buildkit_text for f in node.flags), _values(node), heredocs, original)


def dflint_views(text: str, file: Optional[ast.File] = None) -> "list[View] | str":
    file = parse_syntax(text) if file is None else file
    parser_errors = [e for e in file.errors if e.origin == "parser"]
    if parser_errors:
        return str(parser_errors[0])
    return [dflint_view(node) for node in file.instructions]


# ---------------------------------------------------------------------------
# Which documented differences a file runs into
# ---------------------------------------------------------------------------

_HEREDOC_KEYWORDS = ("RUN", "COPY", "ADD")
_JSON_KEYWORDS = ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK")
_GO_SPACE = "".join(sorted(GO_SPACES))
_NAME = r"(?:\d+|[@*#?$!0-]|\w+)"
_MODIFIER_NEW = re.compile(r"\$\{" + _NAME + r"?:?[#%/]")
# `:` then any character: current BuildKit falls through to processStopOn('}') there too (v0.12.5 does not).
_MODIFIER_ANY = re.compile(r"\$\{" + _NAME + r"(?::|[-+?#%/])")
_MODIFIER_ESCAPE = re.compile(r"\$\{" + _NAME + r":?[-+?][^}]*[\\`]")
_HEREDOC_SPACE = re.compile(r"<<-?[ \t\r]")
_DIRECTIVE_REST = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")


def _all_instructions(file: ast.File) -> list[ast.Instruction]:
    """Every instruction node, those that failed to parse and ONBUILD triggers included."""
    found: list[ast.Instruction] = []
    for node in file.children:
        while isinstance(node, ast.Instruction):
            found.append(node)
            node = node.trigger if isinstance(node, ast.OnbuildInstruction) else None  # ONBUILD ONBUILD ...
    return found


def _json_with_trailing_text(rest: str) -> bool:
    """``rest`` starts with a JSON array that json.Decoder accepts and goes on after it."""
    rest = rest.lstrip(_GO_SPACE)
    if not rest.startswith("["):
        return False

    def reject(_name: str) -> None:
        raise ValueError("not JSON")

    try:
        value, end = json.JSONDecoder(parse_constant=reject).raw_decode(rest)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, list) and rest[end:].strip(_GO_SPACE) != ""


def _directive_lines(text: str) -> list[tuple[str, str]]:
    """(name, text after `#`) of the leading directive block, as current BuildKit reads it."""
    found = []
    for number, line in enumerate(text.split("\n")):
        if number == 0 and line.startswith("\ufeff"):
            line = line[1:]
        line = line.rstrip("\r").lstrip(_GO_SPACE)
        if not line.startswith("#"):
            break
        after = line[1:]
        match = _DIRECTIVE_REST.match(after.lstrip(_GO_SPACE))
        if match is None or match.group(1).lower() not in ("syntax", "escape", "check"):
            break
        found.append((match.group(1).lower(), after))
    return found


_ASCII_SPACE = "\t\n\x0b\x0c\r "


def _leading_flag_words(node: ast.Instruction) -> list[str]:
    """The `--` words right after the keyword, split at ASCII space outside quotes.

    A rough, independent version of BuildKit's extractBuilderFlags (no escape
    handling), so the flag checks also see what dflint did not take as a flag
    (a bare `--`, flags of instructions that failed to parse).
    """
    line = node.original
    if node.keyword.span.start.offset == node.keyword.span.end.offset:
        return []
    pos = _logical_index(node, node.keyword.span.end.offset, True)
    words: list[str] = []
    keyword = node.keyword.name
    while True:
        pos = _scan_flag_words(line, pos, words)
        if keyword != "ONBUILD":
            return words
        # And the trigger's flags (ONBUILD ONBUILD ... too), also when it failed to parse.
        start = pos
        while pos < len(line) and line[pos] not in _ASCII_SPACE:
            pos += 1
        keyword = line[start:pos].upper()


def _scan_flag_words(line: str, pos: int, words: list[str]) -> int:
    while True:
        while pos < len(line) and line[pos] in _ASCII_SPACE:
            pos += 1
        if not line.startswith("--", pos):
            return pos
        start, quote = pos, ""
        while pos < len(line) and (quote or line[pos] not in _ASCII_SPACE):
            if quote and line[pos] == quote:
                quote = ""
            elif not quote and line[pos] in "'\"":
                quote = line[pos]
            pos += 1
        words.append(line[start:pos])


def documented_differences(text: str, file: Optional[ast.File] = None) -> list[str]:
    """Keys of ``DOCUMENTED_DIFFERENCES`` whose construct appears in ``text``.

    The checks are deliberately generous (a construct anywhere on a relevant
    line counts): they only decide whether a disagreement with v0.12.5 may be
    a documented one.
    """
    file = parse_syntax(text) if file is None else file
    found: set[str] = set()

    directives = _directive_lines(text)
    names = [name for name, _ in directives]
    if "check" in names[:-1]:
        found.add("check-directive")
    if any(after.lstrip("\t\n\f\r ")[:1] in GO_SPACES for _, after in directives):  # not Go's \s
        found.add("directive-space")

    for node in _all_instructions(file):
        name = node.keyword.name
        line = node.original
        # (An ONBUILD whose trigger failed to parse has no trigger node: check its line too.)
        if name in _HEREDOC_KEYWORDS + ("ONBUILD",) and not node.exec_form and "<<" in line:
            if _HEREDOC_SPACE.search(line):
                found.add("heredoc-space")
            if _MODIFIER_NEW.search(line):
                found.add("heredoc-modifiers")
            if _MODIFIER_ESCAPE.search(line):
                found.add("heredoc-modifier-escapes")
            if _MODIFIER_ANY.search(line):
                found.add("heredoc-word-prefix")
        if name in _JSON_KEYWORDS and not node.exec_form:
            index = 1 if name == "HEALTHCHECK" else 0
            if len(node.args) > index and node.args[index].origin >= 0:
                if _json_with_trailing_text(line[node.args[index].origin:]):
                    found.add("json-trailing-text")
        if isinstance(node, ast.InvalidInstruction) and "[" in line and _json_with_trailing_text(line[line.find("["):]):
            found.add("json-trailing-text")
        flag_texts = [flag.text for flag in node.flags] + _leading_flag_words(node)
        if file.escape == "`" and any("\\" in t or "`" in t for t in flag_texts):
            found.add("flag-escape")
        if any(not t.isascii() for t in flag_texts):
            found.add("flag-bytes")
        if name == "HEALTHCHECK" and node.args and node.args[0].origin >= 0:
            start = node.args[0].origin
            head = re.match(r"\S*\s*", line[start:])
            if head and not head.group(0).isascii():
                found.add("flag-bytes")
    return sorted(found)
