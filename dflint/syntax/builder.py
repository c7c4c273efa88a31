"""Turns one logical line into an instruction node, through the Lark grammar.

Splitting off the keyword follows BuildKit's ``splitCommand``: trim Unicode
space, split once on ``[\\t\\v\\f\\r ]+``. The keyword picks the grammar's start
rule; the tree's tokens become flags and arguments whose values are what
BuildKit's parser produces and whose spans point into the file.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from .. import ast
from ..ast import Argument, Flag, Keyword, KeyValue, Position, Segment, Span
from ..expansion import GO_SPACES
from .fastpath import fast_tree
from .grammar import ARGUMENT_STYLES, parser_for
from .mounts import parse_mount

if TYPE_CHECKING:  # pragma: no cover
    from lark import Token, Tree

_RWS = re.compile(r"[\t\x0b\x0c\r ]+")
_new = tuple.__new__  # a Position or Span without the namedtuple's Python-level __new__
_QUOTES = ("'", '"')


class ArgumentSyntaxError(ValueError):
    """An instruction's arguments are malformed; ``start``/``end`` index the logical line."""

    def __init__(self, message: str, start: int, end: int, hint: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.hint = hint


def go_lower(text: str) -> str:
    """``strings.ToLower`` of Go: simple case mapping, one rune for one rune."""
    if text.isascii():
        return text.lower()
    return "".join("i" if ch == "\u0130" else ch.lower() for ch in text)


def keyword_name(written: str) -> str:
    """The instruction name a keyword stands for: upper case of Go's lower case when that is ASCII.

    BuildKit looks ``strings.ToLower(keyword)`` up among its instructions;
    Python's ``upper`` maps letters Go leaves alone to ASCII (``ſ`` to S,
    ``ı`` to I, ``ﬆ`` to ST), so ``uſer`` must stay unknown, as it is for BuildKit.
    """
    lowered = go_lower(written)
    return lowered.upper() if lowered.isascii() else written


def go_quote(text: str) -> str:
    """Close to Go's ``%q`` for messages."""
    return json.dumps(text, ensure_ascii=False)


def unquote_flag(raw: str, escape: str) -> tuple[str, list[int]]:
    """BuildKit's flag word: quotes removed, escapes applied; with source indexes."""
    if escape not in raw and "'" not in raw and '"' not in raw:
        return raw, list(range(len(raw)))  # the common case: nothing to remove
    out: list[str] = []
    index: list[int] = []
    quote = ""
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if not quote and ch in _QUOTES:
            quote = ch
            i += 1
            continue
        if quote and ch == quote:
            quote = ""
            i += 1
            continue
        if ch == escape:
            if i + 1 == n:
                quote = ""
                i += 1
                continue
            i += 1
            ch = raw[i]
        out.append(ch)
        index.append(i)
        i += 1
    return "".join(out), index


def strip_dangling_escape(raw: str, escape: str) -> str:
    """BuildKit's parseWords drops an escape character that ends the line."""
    if not raw.endswith(escape):
        return raw
    quote = ""
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if not quote and ch in _QUOTES:
            quote = ch
        elif quote and ch == quote:
            quote = ""
        elif ch == escape and quote != "'":
            if i + 1 == n:
                return raw[:-1]
            i += 1
        i += 1
    return raw


def decode_json_string(token: str) -> str:
    """A JSON string literal as Go decodes it (invalid surrogates become U+FFFD)."""
    value = json.loads(token)
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        value = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def json_array_with_non_strings(text: str) -> bool:
    """True when ``text`` is a JSON array Go decodes but not all of strings (an error)."""
    text = text.lstrip("".join(GO_SPACES))
    if not text.startswith("["):
        return False
    overflow = False

    def number(literal: str) -> float:
        nonlocal overflow
        value = float(literal)
        if value in (float("inf"), float("-inf")):
            overflow = True  # Go fails to decode it: BuildKit falls back to shell form.
        return value

    try:
        value = json.loads(text, parse_float=number, parse_int=number, parse_constant=_reject_constant)
    except ValueError:
        return False
    except RecursionError:
        value = _deep_json(text, number)
    return isinstance(value, list) and not overflow and any(not isinstance(v, str) for v in value)


#: encoding/json's limit: Go decodes arrays and objects nested up to this deep.
_GO_MAX_DEPTH = 10000


def _deep_json(text: str, number: Callable[[str], float]) -> Any:
    """``text`` decoded as Go would when it nests deeper than Python's recursion limit; None when Go fails.

    Decoded on a thread with a large stack and a recursion limit above Go's
    depth, so the C decoder cannot overflow the main thread's stack.
    """
    depth = deepest = 0
    for match in _BRACKET_OR_STRING.finditer(text):
        token = match.group()
        depth += 1 if token in "[{" else -1 if token in "]}" else 0
        deepest = max(deepest, depth)
    if deepest > _GO_MAX_DEPTH:
        return None
    import sys
    import threading

    found: list[Any] = [None]

    def decode() -> None:
        try:
            found[0] = json.loads(text, parse_float=number, parse_int=number, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            pass

    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    try:
        sys.setrecursionlimit(max(limit, 3 * _GO_MAX_DEPTH))
        threading.stack_size(256 << 20)
        worker = threading.Thread(target=decode)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(stack)
        sys.setrecursionlimit(limit)
    return found[0]


_BRACKET_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class InstructionBuilder:
    """Builds the node for one logical line (and, recursively, an ONBUILD trigger).

    The arguments' tree comes from the fast path (``fastpath.py``) or the
    grammar; tokens are ``str`` and trees are not, in both.
    """

    def __init__(self, source: str, logical: str, segments: Sequence[Segment], escape: str) -> None:
        self.source = source
        self.logical = logical
        self.segments = segments
        self.escape = escape
        # Where each segment starts in the logical line, for bisect without a key.
        self._starts = [seg.logical for seg in segments] if len(segments) > 1 else None

    # -- spans ------------------------------------------------------------
    def _segment(self, index: int) -> Segment:
        """The segment holding character ``index``: the last one starting at or before it (else the first)."""
        if self._starts is None:
            return self.segments[0]
        found = bisect_right(self._starts, index)
        return self.segments[found - 1 if found > 1 else 0]

    def span(self, start: int, end: int) -> ast.Span:
        """What :func:`~dflint.ast.span_in` gives, with positions made in place."""
        seg = self._segment(start)
        delta = start - seg.logical
        first = _new(Position, (seg.offset + delta, seg.line, seg.column + delta))
        if end <= start:
            return _new(Span, (first, first))
        if end - 1 - seg.logical >= seg.length:  # the span crosses into a later segment
            seg = self._segment(end - 1)
        delta = end - seg.logical  # the end sits right after character ``end - 1``
        return _new(Span, (first, _new(Position, (seg.offset + delta, seg.line, seg.column + delta))))

    def span_after(self, start: int, end: int) -> ast.Span:
        """Like :meth:`span`, but an empty span sits right after character ``start - 1``.

        The empty value of ``--flag=`` or ``KEY=`` belongs after its ``=``;
        where a continuation follows, "before the next character" would be on
        the next line, outside the flag or pair.
        """
        if end > start or start == 0:
            return self.span(start, end)
        point = self.span(start - 1, start).end
        return ast.Span(point, point)

    def _text(self, span: ast.Span) -> str:
        return self.source[span.start.offset:span.end.offset]

    def argument(self, start: int, end: int, value: Optional[str] = None, verbatim: bool = True,
                 after: bool = False) -> Argument:
        span = self.span_after(start, end) if after else self.span(start, end)
        if value is None:
            value = self.logical[start:end]
        return Argument(span, self._text(span), value, start if verbatim else -1)

    # -- entry point --------------------------------------------------------
    def split_command(self, begin: int, end: int) -> tuple[Keyword, str, int, int]:
        """Keyword node, written keyword, and ``[rest, end)`` of the arguments."""
        text = self.logical
        while begin < end and text[begin] in GO_SPACES:
            begin += 1
        while end > begin and text[end - 1] in GO_SPACES:
            end -= 1
        gap = _RWS.search(text, begin, end)
        keyword_end = gap.start() if gap else end
        rest = gap.end() if gap else end
        written = text[begin:keyword_end]
        span = self.span(begin, keyword_end)
        return Keyword(span, self._text(span), keyword_name(written)), written, rest, end

    def base_fields(self, keyword: Keyword, instruction_span: ast.Span, fields: dict[str, Any]) -> dict[str, Any]:
        return dict(
            span=instruction_span,
            text=self._text(instruction_span),
            keyword=keyword,
            flags=(),
            args=(),
            exec_form=False,
            heredocs=(),
            original=self.logical,
            segments=tuple(self.segments),
            **fields,
        )

    def build(self, begin: int, end: int, instruction_span: ast.Span, fields: dict[str, Any]) -> ast.Instruction:
        """The instruction in ``logical[begin:end]``; ``fields`` completes the node.

        Raises :class:`ArgumentSyntaxError` when BuildKit's parser rejects it.
        An ONBUILD's trigger is built in the same loop, not by recursion:
        BuildKit's parser takes ``ONBUILD ONBUILD ...`` thousands deep (a
        64 KiB line holds 8,000), far beyond Python's recursion limit.
        """
        levels: list[tuple[type, dict[str, Any]]] = []
        while True:
            cls, node_fields, trigger = self._level(begin, end, instruction_span, fields)
            levels.append((cls, node_fields))
            if trigger is None:
                break
            begin, end = trigger
            instruction_span = self.span(begin, end)
            fields = {"comments": (), "empty_continuation_lines": ()}
        node: Optional[ast.Instruction] = None
        for cls, node_fields in reversed(levels):
            if "trigger" in node_fields:
                node_fields["trigger"] = node
            node = cls(**node_fields)
        assert node is not None
        return node

    def _level(self, begin: int, end: int, instruction_span: ast.Span,
               fields: dict[str, Any]) -> tuple[type, dict[str, Any], Optional[tuple[int, int]]]:
        """One instruction's class and fields, and ``[begin, end)`` of its ONBUILD trigger (if any)."""
        keyword, written, rest, end = self.split_command(begin, end)
        style = ARGUMENT_STYLES.get(go_lower(written), "ignored")
        tree = fast_tree(style, self.logical[rest:end], self.escape)  # the common shapes, without Lark
        if tree is None:
            from lark.exceptions import UnexpectedInput

            try:
                tree = parser_for(self.escape).parse(self.logical[rest:end], start=style)
            except UnexpectedInput as exc:
                position = getattr(exc, "pos_in_stream", None)
                start = rest + position if isinstance(position, int) else rest
                raise ArgumentSyntaxError(f"cannot parse the arguments of {written}", start, end) from None
        flags: list[Flag] = []
        items: list[Any] = []
        for child in tree.children:
            if isinstance(child, str) and child.type == "FLAG":
                flags.append(self.flag(child, rest))
            elif not (isinstance(child, str) and child.type == "DASHDASH"):
                items.append(child)
        node_fields = self.base_fields(keyword, instruction_span, fields)
        node_fields["flags"] = tuple(flags)
        getattr(self, "_" + style)(items, rest, end, node_fields, written)
        cls = ast.INSTRUCTION_CLASSES.get(keyword.name, ast.UnknownInstruction)
        if cls is ast.RunInstruction:
            node_fields["mounts"] = tuple(parse_mount(flag) for flag in flags if flag.name == "mount")
        trigger = node_fields.pop("_trigger", None)
        return cls, node_fields, trigger

    def invalid(self, instruction_span: ast.Span, fields: dict[str, Any], error: ast.ParseError) -> ast.InvalidInstruction:
        """A placeholder node for an instruction whose arguments BuildKit rejects."""
        keyword = self.split_command(0, len(self.logical))[0]
        return ast.InvalidInstruction(**self.base_fields(keyword, instruction_span, fields), error=error)

    def flag(self, token: Token, offset: int) -> Flag:
        start = offset + token.start_pos
        end = offset + token.end_pos
        raw = token.value
        word, index = unquote_flag(raw, self.escape)
        span = self.span(start, end)
        eq = word.find("=")
        if eq < 0:
            name, value = word[2:], None
            name_span, value_span = self.span(start + 2, end), None
        else:
            name, value = word[2:eq], word[eq + 1:]
            name_span = self.span(start + 2, start + index[eq])
            value_span = self.span_after(start + index[eq] + 1, end)
        return Flag(span, self._text(span), name, value, name_span, value_span)

    # -- argument styles ------------------------------------------------------
    def _exec_form(self, tree: Tree, offset: int, fields: dict[str, Any]) -> None:
        args = []
        for token in tree.children:
            if token.type == "JSON_STRING":
                start = offset + token.start_pos
                args.append(self.argument(start, offset + token.end_pos, decode_json_string(token.value), False))
        fields["args"] = tuple(args)
        fields["exec_form"] = True

    def _check_json(self, token: Token, offset: int, end: int) -> None:
        self._reject_non_string_json(token.value, offset + token.start_pos, end)

    def _reject_non_string_json(self, text: str, start: int, end: int) -> None:
        """BuildKit's error for a JSON array that is not all strings (``text`` is the rest of the line)."""
        if text.lstrip("".join(GO_SPACES)).startswith("[") and json_array_with_non_strings(text):
            raise ArgumentSyntaxError(
                "when using JSON array syntax, arrays must be comprised of strings only",
                start, end,
                hint='write every element as a "quoted string"',
            )

    def _words(self, tokens: Sequence[Token], offset: int, end: int) -> list[Argument]:
        args = []
        for token in tokens:
            start = offset + token.start_pos
            stop = offset + token.end_pos
            value = token.value
            if token.type == "PW_WORD" and stop == end:
                value = strip_dangling_escape(value, self.escape)
                if not value:
                    # parseWords keeps an empty word only when it had quotes:
                    # a lone escape character ending the line is no word.
                    continue
            args.append(self.argument(start, stop, value))
        return args

    def _maybe_json(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], _kw: str) -> None:
        fields["args"] = ()
        for item in items:
            if not isinstance(item, str):
                self._exec_form(item, offset, fields)
            else:
                self._check_json(item, offset, end)
                fields["args"] = (self.argument(offset + item.start_pos, offset + item.end_pos),)

    def _maybe_json_list(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], _kw: str) -> None:
        fields["args"] = ()
        for item in items:
            if item.data == "exec_form":
                self._exec_form(item, offset, fields)
            else:
                # BuildKit's parseMaybeJSONToList tries JSON on the whole rest
                # before splitting it into words: an array of non-strings
                # (`COPY ["a", 1]`, `VOLUME [42]`) is an error here too.
                leaves = _leaves(item)
                start = offset + leaves[0].start_pos
                self._reject_non_string_json(self.logical[start:end], start, end)
                fields["args"] = tuple(self._words(leaves, offset, end))

    def _split_words(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], _kw: str) -> None:
        fields["args"] = tuple(self._words(_leaves(items[0]), offset, end)) if items else ()

    def _one_string(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], _kw: str) -> None:
        fields["args"] = tuple(self._words(items, offset, end))

    _ignored = _one_string

    def _name_or_vals(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], _kw: str) -> None:
        words = self._words(_leaves(items[0]), offset, end) if items else []
        fields["args"] = tuple(words)
        fields["pairs"] = tuple(self._split_pair(word) for word in words)

    def _name_vals(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], keyword: str) -> None:
        name = keyword_name(keyword)
        if not items:
            fields["args"], fields["pairs"] = (), ()
            return
        item = items[0]
        if item.data == "legacy_pair":
            key_token = item.children[0]
            if len(item.children) < 2 and key_token.value == self.escape:
                # Only a dangling escape character: parseWords finds no word at all.
                fields["args"], fields["pairs"] = (), ()
                return
            if len(item.children) < 2:
                start = offset + key_token.start_pos
                raise ArgumentSyntaxError(
                    f"{name} must have two arguments", start, end,
                    hint=f"write {name} {key_token.value}=<value>",
                )
            key, value = self._words(item.children, offset, end)
            span = ast.Span(key.span.start, value.span.end)
            pair = KeyValue(span, self._text(span), key, value, True)
            fields["args"] = (key, value)
            fields["pairs"] = (pair,)
            return
        words = self._words(_leaves(item), offset, end)
        pairs = []
        for word in words:
            if "=" not in word.value:
                raise ArgumentSyntaxError(
                    f"Syntax error - can't find = in {go_quote(word.value)}. Must be of the form: name=value",
                    word.origin, word.origin + len(word.value),
                )
            pairs.append(self._split_pair(word))
        fields["pairs"] = tuple(pairs)
        fields["args"] = tuple(part for pair in pairs for part in (pair.key, pair.value))

    def _split_pair(self, word: Argument) -> KeyValue:
        eq = word.value.find("=")
        if eq < 0:
            return KeyValue(word.span, word.text, word, None)
        start = word.origin
        key = self.argument(start, start + eq)
        value = self.argument(start + eq + 1, start + len(word.value), after=True)
        return KeyValue(word.span, word.text, key, value)

    def _healthcheck(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], _kw: str) -> None:
        args: list[Argument] = []
        for item in items:
            if not isinstance(item, str):
                self._exec_form(item, offset, fields)
                args.extend(fields["args"])
            elif item.type == "HC_TYPE":
                args.append(self.argument(offset + item.start_pos, offset + item.end_pos))
            else:
                self._check_json(item, offset, end)
                args.append(self.argument(offset + item.start_pos, offset + item.end_pos))
        fields["args"] = tuple(args)

    def _sub_command(self, items: list[Any], offset: int, end: int, fields: dict[str, Any], _kw: str) -> None:
        fields["args"] = ()
        fields["trigger"] = None  # built by build(), from ``_trigger``
        for token in items:
            start, stop = offset + token.start_pos, offset + token.end_pos
            fields["args"] = (self.argument(start, stop),)
            fields["_trigger"] = (start, stop)


def _leaves(tree: Any) -> list[Token]:
    """Tokens of a list rule, in order."""
    return list(tree.children) if not isinstance(tree, str) else [tree]

