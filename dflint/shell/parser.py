"""``parse_shell``: a script's text to a :class:`~dflint.shell.model.Script`, never raising.

The work, per region of text (the script, then each command substitution and
``sh -c`` string inside it):

1. shell heredoc bodies are found by the tokenizer and blanked out with
   spaces, so the grammar sees only command lines and every offset stays put;
2. the region is read by the fast path for common scripts (``fastpath.py``)
   or, when it holds anything else, parsed by the Lark grammar;
3. on a syntax error, the longest prefix that parses (cut at a control
   operator before the error) is kept, the failing piece up to the next
   control operator goes through the fallback tokenizer, the error is
   recorded, and parsing resumes after that piece.

Trees are cached by text: an editor re-lints the file on every
keystroke while most RUNs stay the same. The walk that makes the model
objects, and binds them to this call's position map, runs every time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Optional, Union

from .builder import Emitter, TreeWalker
from .fallback import fallback_commands
from .fastpath import FastScript, FastWalker, parse_fast
from .model import Script
from .positions import PositionMap, TextPositions
from .tokens import HeredocBody, tokenize
from .words import unterminated_substitution

if TYPE_CHECKING:  # pragma: no cover
    from lark import Tree
    from lark.exceptions import LarkError

__all__ = ["parse_shell"]


#: Nesting of substitutions / ``sh -c`` strings parsed; deeper ones are kept as words only.
MAX_DEPTH = 12
#: Prefixes tried before an error before giving the whole piece to the fallback.
MAX_PREFIX_TRIES = 4

_CUTS = frozenset({";", "&", "&&", "||", "\n", ";;", ";&", ";;&"})
_OPENERS = {"if": "fi", "case": "esac", "for": "done", "while": "done", "until": "done", "select": "done",
            "{": "}"}
# After these words the next word is still in command position.
_KEEP_COMMAND_POSITION = frozenset({"if", "then", "else", "elif", "while", "until", "do", "{", "!", "time"})
_QUOTE_NAMES = {"'": "single-quoted string", '"': "double-quoted string", "`": "backtick substitution"}


def parse_shell(text: str, position_map: Optional[PositionMap] = None) -> Script:
    """Parse a shell script; ``position_map`` maps its offsets into the Dockerfile.

    Without a map, spans are positions in ``text`` itself (lines from 1).
    Never raises: syntax errors are in ``Script.errors``, and the commands
    around them are still found.
    """
    positions = position_map if position_map is not None else TextPositions(text)
    return _ScriptParser(text, positions).run()


class _ScriptParser:
    def __init__(self, text: str, positions: PositionMap) -> None:
        self.original = text
        self.work = text  # the text with heredoc bodies blanked out
        self.heredocs: dict[int, HeredocBody] = {}
        self.emitter = Emitter(text, positions, self.heredocs, self.region)
        self.depth = 0

    def run(self) -> Script:
        try:
            self.region(0, len(self.original), (), False, None)
        finally:
            # The emitter calls back into this parser: break the cycle, so that
            # the commands are freed as soon as the script is, not by the collector.
            self.emitter.nested = _no_nesting
        commands = sorted(self.emitter.commands, key=lambda c: (c.start, c.depth))
        unique = {(e.start, e.end, e.message): e for e in self.emitter.errors}  # fallback may repeat one
        errors = sorted(unique.values(), key=lambda e: e.start)
        return Script(self.original, tuple(commands), tuple(errors), self.emitter.positions)

    # -- regions --------------------------------------------------------------
    def region(self, start: int, end: int, contexts: tuple[str, ...], conditional: bool,
               first_operator: Optional[str]) -> None:
        """Parses ``text[start:end]`` and emits its commands (the emitter's nested callback)."""
        if self.depth >= MAX_DEPTH or start >= end:
            return
        self.depth += 1
        try:
            self._blank_heredocs(start, end)
            self._parse(start, end, contexts, conditional, first_operator)
        finally:
            self.depth -= 1

    def _blank_heredocs(self, start: int, end: int) -> None:
        if "<<" not in self.work[start:end]:
            return
        found: list[HeredocBody] = []
        tokenize(self.work, start, end, heredocs=found)
        for body in found:
            if body.op_start in self.heredocs:
                continue
            self.heredocs[body.op_start] = body
            if body.stop > body.start:
                self.work = self.work[:body.start] + " " * (body.stop - body.start) + self.work[body.stop:]

    def _parse(self, start: int, end: int, contexts: tuple[str, ...], conditional: bool,
               first_operator: Optional[str]) -> None:
        while start < end:
            try:
                tree = _parse_text(self.work[start:end])
            except Exception as exc:
                if not _syntax_error(exc):
                    raise
                start, first_operator = self._recover(exc, start, end, contexts, conditional, first_operator)
            else:
                self._walk(tree, start, end, contexts, conditional, first_operator)
                return

    def _walk(self, tree: "Union[Tree, FastScript]", start: int, end: int, contexts: tuple[str, ...],
              conditional: bool, first_operator: Optional[str], last_operator: Optional[str] = None) -> None:
        emitter = self.emitter
        counts = len(emitter.commands), len(emitter.errors)
        try:
            walker = FastWalker if isinstance(tree, FastScript) else TreeWalker
            walker(emitter, start).walk(tree, contexts, conditional, first_operator,  # type: ignore[arg-type]
                                        last_operator)
        except RecursionError:  # hundreds of nested constructs: keep the commands, lose the structure
            del emitter.commands[counts[0]:], emitter.errors[counts[1]:]
            emitter.error("too deeply nested", start, end)
            fallback_commands(emitter, self.work, start, end, contexts, conditional,
                              first_operator, last_operator)

    def _recover(self, exc: "LarkError", start: int, end: int, contexts: tuple[str, ...], conditional: bool,
                 first_operator: Optional[str]) -> tuple[int, Optional[str]]:
        """Handles the error in ``[start, end)``; returns where to resume and the operator there."""
        error_start, error_end, message = _describe(exc, self.work, start, end)
        self.emitter.error(message, error_start, error_end)
        tokens = tokenize(self.work, start, end, read_bodies=False)
        # Cut only between and-or lists: a pipeline stays in one piece.
        cuts = [t for t in tokens if t.kind == "op" and t.value in _CUTS]
        before = [t for t in cuts if t.end <= error_start]
        after = next((t for t in cuts if t.start >= error_end), None)
        resume, next_operator = (after.end, after.value) if after is not None else (end, None)
        failed_from, operator = start, first_operator
        for cut in reversed(before[-MAX_PREFIX_TRIES:]):
            try:
                tree = _parse_text(self.work[start:cut.start])
            except Exception as prefix_error:  # not `exc`: that would unbind the parameter
                if not _syntax_error(prefix_error):
                    raise
                continue
            self._walk(tree, start, cut.start, contexts, conditional, first_operator, cut.value)
            failed_from, operator = cut.end, cut.value
            break
        failed_to = after.start if after is not None else end
        fallback_commands(self.emitter, self.work, failed_from, failed_to, contexts, conditional,
                          operator, next_operator)
        return resume, next_operator


def _no_nesting(start: int, end: int, contexts: tuple[str, ...], conditional: bool,
                first_operator: Optional[str]) -> None:
    raise AssertionError("the script is parsed")


@lru_cache(maxsize=256)
def _parse_text(text: str) -> "Union[FastScript, Tree]":
    """The fast path's reading of ``text``, else the grammar's tree; cached: neither is ever mutated.

    Raises Lark's errors (see :func:`_syntax_error`) when the grammar rejects the text.
    """
    fast = parse_fast(text)
    if fast is not None:
        return fast
    from .grammar import shell_parser  # Lark loads only for scripts the fast path does not read

    return shell_parser().parse(text)


def _syntax_error(exc: Exception) -> bool:
    """True for the grammar's errors (only the grammar raises: Lark is loaded by then)."""
    from lark.exceptions import LarkError

    return isinstance(exc, LarkError)


def _describe(exc: "LarkError", text: str, start: int, end: int) -> tuple[int, int, str]:
    """``(start, end, message)`` of a Lark error, in script offsets."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedCharacters):
        pos = start + exc.pos_in_stream
        char = text[pos] if pos < len(text) else ""
        if char in _QUOTE_NAMES:
            return pos, pos + 1, f"unterminated {_QUOTE_NAMES[char]}"
        if text.startswith("$(", pos):
            return pos, pos + 2, unterminated_substitution(text, pos + 2)
        if text.startswith("${", pos):
            return pos, pos + 2, "unterminated `${`"
        return pos, pos + 1, f"unexpected character `{char}`"
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        pos = start + token.start_pos
        if token == "(" and pos > start and text[pos - 1] == "$":  # `$` lexed alone: nothing closes its `(`
            return pos - 1, pos + 1, unterminated_substitution(text, pos + 1)
        if token.type == "NEWLINE":  # as bash says it: a line ends where a word must follow
            return pos, pos + len(token), "unexpected end of line"
        value = str(token).replace("\n", "\\n")  # a quoted word may hold line breaks
        return pos, pos + len(token), f"unexpected `{value}`"
    if not isinstance(exc, (UnexpectedToken, UnexpectedEOF)):
        import logging

        logging.getLogger(__name__).debug("unexpected parser error: %r", exc)
    closer = _missing_closer(text, start, end)
    hint = f" (missing `{closer}`)" if closer else ""
    return end, end, f"unexpected end of script{hint}"


def _missing_closer(text: str, start: int, end: int) -> Optional[str]:
    """The word closing the innermost construct left open, from reserved words in command position."""
    stack: list[str] = []
    command_position = True
    for token in tokenize(text, start, end, read_bodies=False):
        value = token.value
        if token.kind == "op":
            if value == "(" and command_position:
                stack.append(")")
            elif value == ")" and stack and stack[-1] == ")":
                stack.pop()
            command_position = value not in (")",) or not stack or stack[-1] == "esac"
            continue
        if command_position and value in _OPENERS:
            stack.append(_OPENERS[value])
        elif command_position and stack and value == stack[-1]:
            stack.pop()
        command_position = value in _KEEP_COMMAND_POSITION
    return stack[-1] if stack else None
