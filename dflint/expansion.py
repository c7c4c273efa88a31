"""BuildKit's word processing: quote removal, ``$VAR`` expansion, word splitting.

This follows the semantics of BuildKit's ``shell.Lex`` (the lexer behind
variable expansion in FROM, ENV, COPY ... and behind heredoc detection):

* ``'...'`` is literal, ``"..."`` allows ``$`` and escapes of ``"``, ``$`` and
  the escape character, the escape character outside quotes takes the next
  character literally;
* ``$NAME``, ``${NAME}``, ``${NAME:-w}``, ``${NAME-w}``, ``${NAME:+w}``,
  ``${NAME+w}``, ``${NAME:?w}``, ``${NAME?w}``, ``${NAME#p}``, ``${NAME##p}``,
  ``${NAME%p}``, ``${NAME%%p}``, ``${NAME/p/r}`` and ``${NAME//p/r}``;
* words split on Unicode white space outside quotes.

``${NAME//p/r}`` replaces as Go's ``Regexp.ReplaceAllString`` does (an empty match where the previous
match ended is skipped; ``$0``/``${0}`` in the replacement is the match, ``$$`` a dollar, any other
``$name`` nothing), ``${NAME/p/r}`` inserts ``r`` as it is. All of this was checked against BuildKit's
own lexer on generated words.

Deliberate differences: a value only the build knows (``unknown_value``) stays unknown through any
modifier instead of being guessed; names are case-sensitive (BuildKit on Windows compares them
upper-cased).

``lookup`` returns a variable's value or None when it is not set. Every name
looked up is reported in ``matched`` or ``unmatched`` so callers can tell what
could not be resolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

__all__ = [
    "ExpansionError", "Lexer", "WordResult", "Word", "is_go_space", "GO_SPACES",
    "unknown_value", "UNKNOWN_START", "UNKNOWN_END",
]

#: Characters Go's ``unicode.IsSpace`` accepts.
GO_SPACES = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_NOT_SPACE = re.compile("[^" + re.escape("".join(sorted(GO_SPACES))) + "]+")
# Text without these (per escape character) is its own value, split on white space: no scan needed.
_SCANNED = {"\\": re.compile(r"[$<'\"\\\ufeff]"), "`": re.compile(r"[$<'\"`\ufeff]")}
_EOF = ""
#: How Go prints the end of input as a character (in BuildKit's messages).
_GO_EOF = "\ufffd"

Lookup = Callable[[str], Optional[str]]

# A lookup may answer "set, but its value is only known at build time" with
# unknown_value(name). Such markers pass through expansion untouched, and any
# modifier applied to them (${X:-d}, ${X#p} ...) yields the marker again:
# the result cannot be known, so nothing is guessed.
UNKNOWN_START = "\ue000"
UNKNOWN_END = "\ue001"


def unknown_value(name: str) -> str:
    return f"{UNKNOWN_START}{name}{UNKNOWN_END}"


def is_go_space(ch: str) -> bool:
    return ch in GO_SPACES


def _no_env(_name: str) -> Optional[str]:
    return None


class ExpansionError(ValueError):
    """A word BuildKit cannot process (bad substitution, unmatched quote)."""


# Not frozen, for the cost of a frozen __init__ (see shell.model); unsafe_hash keeps the hash it had.
@dataclass(unsafe_hash=True)
class Word:
    """A word of a split string and the ``[start, end)`` of source it came from."""

    value: str
    start: int
    end: int


@dataclass
class WordResult:
    """A word expanded: its value, its words, and the variables it did and did not find."""

    value: str
    words: list[Word]
    matched: set[str] = field(default_factory=set)
    unmatched: set[str] = field(default_factory=set)


class _Buffer:
    """The word being built, with the ``[start, end)`` of source it came from.

    Current BuildKit (since v0.15, commit 4c935cf9a "optimize memory usage on
    env processing") keeps one such buffer per lexer and every nested scan
    (the word of ``${name:-word}``, ``${name#pat}``, ``${name/a/b}`` ...)
    resets it on entry. So the part of a word before such an expansion is
    lost: ``<<"${X:-EOF}"`` splits to the word ``"${X:-EOF}"``. We keep that
    behaviour, since it decides what BuildKit takes for a heredoc.
    """

    __slots__ = ("parts", "start", "end")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.start = -1
        self.end = -1

    def reset(self) -> None:
        self.parts = []
        self.start = -1

    def has_text(self) -> bool:
        return any(self.parts)


class _Words:
    """Accumulates split words the way BuildKit's ``wordsStruct`` does."""

    __slots__ = ("buf", "words", "in_word")

    def __init__(self, buf: _Buffer) -> None:
        self.buf = buf
        self.words: list[Word] = []
        self.in_word = False

    def _flush(self) -> None:
        buf = self.buf
        self.words.append(Word("".join(buf.parts), buf.start, buf.end))
        buf.reset()

    def add_char(self, ch: str, start: int, end: int) -> None:
        if ch in GO_SPACES:
            # A space ends a word only when the buffer holds text: after an
            # empty quoted string (`'' x`) BuildKit stays "in the word".
            if self.in_word and self.buf.has_text():
                self._flush()
                self.in_word = False
        else:
            self.add_raw(ch, start, end)

    def add_raw(self, text: str, start: int, end: int) -> None:
        buf = self.buf
        if buf.start < 0:
            buf.start = start
        buf.parts.append(text)
        buf.end = end
        self.in_word = True

    def add_string(self, text: str, start: int, end: int) -> None:
        for ch in text:
            self.add_char(ch, start, end)

    def result(self) -> list[Word]:
        if self.buf.has_text():
            self._flush()
            self.in_word = False
        return self.words


class Lexer:
    """A configured BuildKit word lexer.

    ``raw_quotes`` keeps quote characters in the result, ``raw_escapes`` keeps
    escape characters, ``skip_unset`` leaves references to unset variables as
    written, ``skip_quotes`` treats quotes as ordinary characters.
    """

    def __init__(
        self,
        escape: str = "\\",
        *,
        raw_quotes: bool = False,
        raw_escapes: bool = False,
        skip_unset: bool = False,
        skip_quotes: bool = False,
    ) -> None:
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.skip_unset = skip_unset
        self.skip_quotes = skip_quotes

    def process_word(self, text: str, lookup: Lookup = _no_env) -> WordResult:
        """Expand and unquote ``text`` as one word (spaces kept)."""
        return _Scan(self, text, lookup).run()

    def process_words(self, text: str, lookup: Lookup = _no_env) -> list[Word]:
        """Expand, unquote and split ``text`` into words."""
        return _Scan(self, text, lookup).run().words


#: ``${A:-${B:-...}}`` nested deeper than this is not expanded (its value counts as unknown): each level
#: is a few Python frames, and 250 levels exhausted the stack in every rule that expanded the word.
MAX_NESTING = 64


class _TooDeep(Exception):
    """Raised out of a nesting past :data:`MAX_NESTING`."""


class _Scan:
    """One pass of the lexer over one string."""

    def __init__(self, lexer: Lexer, text: str, lookup: Lookup) -> None:
        self.lx = lexer
        # Go's text/scanner skips a byte-order mark at the very start.
        self.pos = 1 if text.startswith("\ufeff") else 0
        self.text = text
        self.lookup = lookup
        self.raw_escapes = lexer.raw_escapes
        self.buffer = _Buffer()
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()
        self.depth = 0

    # -- scanner primitives -------------------------------------------------
    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else _EOF

    def next(self) -> str:
        if self.pos < len(self.text):
            ch = self.text[self.pos]
            self.pos += 1
            return ch
        return _EOF

    def run(self) -> WordResult:
        scanned = _SCANNED.get(self.lx.escape)
        if scanned is not None and scanned.search(self.text) is None:
            # Most words are plain (image names, paths, versions): what the scan would make, directly.
            words = [Word(m.group(), m.start(), m.end()) for m in _NOT_SPACE.finditer(self.text)]
            return WordResult(self.text, words, self.matched, self.unmatched)
        return self.scan()

    def scan(self) -> WordResult:
        """The character-by-character pass, as BuildKit's lexer makes it."""
        try:
            value, words = self.stop_on(_EOF, self.raw_escapes)
        except ExpansionError as exc:
            raise ExpansionError(f"failed to process {self.text!r}: {exc}") from None
        except _TooDeep:  # what it expands to is not worked out: unknown, like a value only the build knows
            value = unknown_value("nested")
            return WordResult(value, [Word(value, 0, len(self.text))], self.matched, self.unmatched)
        return WordResult(value, words, self.matched, self.unmatched)

    def get_env(self, name: str) -> Optional[str]:
        value = self.lookup(name)
        (self.unmatched if value is None else self.matched).add(name)
        return value

    # -- grammar ------------------------------------------------------------
    def stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[Word]]:
        saved, self.raw_escapes = self.raw_escapes, raw_escapes
        try:
            return self._stop_on(stop)
        finally:
            self.raw_escapes = saved

    def _stop_on(self, stop: str) -> tuple[str, list[Word]]:
        result: list[str] = []
        # BuildKit resets its one word buffer at the start of every scan, nested ones included.
        self.buffer.reset()
        words = _Words(self.buffer)
        escape = self.lx.escape
        quotes = not self.lx.skip_quotes
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            start = self.pos
            if stop and ch == stop:
                self.pos += 1
                return "".join(result), words.result()
            if ch == "$":
                tmp = self.dollar()
                result.append(tmp)
                words.add_string(tmp, start, self.pos)
            elif ch == "<":
                tmp = self.possible_heredoc()
                result.append(tmp)
                words.add_raw(tmp, start, self.pos)
            elif quotes and ch == "'":
                tmp = self.single_quote()
                result.append(tmp)
                words.add_raw(tmp, start, self.pos)
            elif quotes and ch == '"':
                tmp = self.double_quote()
                result.append(tmp)
                words.add_raw(tmp, start, self.pos)
            else:
                self.pos += 1
                if ch == escape:
                    if self.raw_escapes:
                        words.add_raw(ch, start, self.pos)
                        result.append(ch)
                    ch = self.next()
                    if ch == _EOF:
                        break
                    words.add_raw(ch, start, self.pos)
                else:
                    words.add_char(ch, start, self.pos)
                result.append(ch)
        if stop:
            raise ExpansionError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.result()

    def single_quote(self) -> str:
        out = []
        ch = self.next()
        if self.lx.raw_quotes:
            out.append(ch)
        while True:
            ch = self.next()
            if ch == _EOF:
                raise ExpansionError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.lx.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def double_quote(self) -> str:
        out = []
        ch = self.next()
        if self.lx.raw_quotes:
            out.append(ch)
        escape = self.lx.escape
        while True:
            nxt = self.peek()
            if nxt == _EOF:
                raise ExpansionError("unexpected end of statement while looking for matching double-quote")
            if nxt == '"':
                ch = self.next()
                if self.lx.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if nxt == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == escape:
                if self.raw_escapes:
                    out.append(ch)
                after = self.peek()
                if after == _EOF:
                    continue
                if after in ('"', "$", escape):
                    ch = self.next()
            out.append(ch)

    def possible_heredoc(self) -> str:
        self.next()
        if self.peek() != "<":
            return "<"
        self.next()
        # Whitespace between << and the delimiter belongs to the word.
        space = []
        while self.peek() in ("\t", "\r", " ") and self.peek() != _EOF:
            space.append(self.next())
        return "<<" + "".join(space)

    def name(self) -> str:
        text, pos, n = self.text, self.pos, len(self.text)
        if pos >= n:
            return ""
        ch = text[pos]
        if ch.isdecimal():
            end = pos
            while end < n and text[end].isdecimal():
                end += 1
            self.pos = end
            return text[pos:end]
        if ch in _SPECIAL_PARAMS:
            self.pos += 1
            return ch
        end = pos
        while end < n and (text[end].isalpha() or text[end].isdecimal() or text[end] == "_"):
            end += 1
        self.pos = end
        return text[pos:end]

    def dollar(self) -> str:
        self.next()
        skip = self.lx.skip_unset
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$"
            value = self.get_env(name)
            if value is None:
                return "$" + name if skip else ""
            return value
        self.next()
        self.depth += 1
        try:
            return self._braced(skip)
        finally:
            self.depth -= 1

    def _braced(self, skip: bool) -> str:
        """``${...}``, after the brace."""
        if self.depth > MAX_NESTING:
            raise _TooDeep
        nxt = self.peek()
        if nxt == _EOF:
            raise ExpansionError("syntax error: missing '}'")
        if nxt in "{}:":
            raise ExpansionError("syntax error: bad substitution")
        name = self.name()
        ch = self.next()
        chs = ch if ch else "\ufffd"
        if ch == "}":
            value = self.get_env(name)
            if value is None:
                return "${%s}" % name if skip else ""
            return value
        if ch == "/":
            return self.replace(name)
        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            chs += ch if ch else "\ufffd"
        elif ch not in ("+", "-", "?", "#", "%"):
            raise ExpansionError(f"unsupported modifier ({chs}) in substitution")
        raw = ch in ("#", "%")
        if null_is_unset and raw:
            raise ExpansionError(f"unsupported modifier ({chs}) in substitution")
        word = self.until_brace(raw)
        value = self.get_env(name)
        if skip and value is None:
            return "${%s%s%s}" % (name, chs, word)
        if ch not in ("-", "+", "?", "#", "%"):  # `${X:=d}`: an error whatever X holds, unknown or not
            raise ExpansionError(f"unsupported modifier ({chs}) in substitution")
        if value is not None and UNKNOWN_START in value:
            return unknown_value(name)
        if ch == "-":
            return word if value is None or (null_is_unset and value == "") else value
        if ch == "+":
            return "" if value is None or (null_is_unset and value == "") else word
        if ch == "?":
            if value is None:
                raise ExpansionError(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise ExpansionError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if ch in ("#", "%"):
            greedy = word[:1] == ch
            if greedy:
                word = word[1:]
            if ch == "%":
                return _trim_suffix(word, value or "", greedy)
            return _trim_prefix(word, value or "", greedy)
        raise AssertionError(ch)  # pragma: no cover - every other modifier raised above

    def until_brace(self, raw: bool) -> str:
        try:
            word, _ = self.stop_on("}", raw)
        except ExpansionError:
            if self.peek() == _EOF:
                raise ExpansionError("syntax error: missing '}'") from None
            raise
        return word

    def replace(self, name: str) -> str:
        replace_all = self.peek() == "/"
        if replace_all:
            self.next()
        try:
            pattern, _ = self.stop_on("/", True)
        except ExpansionError:
            if self.peek() == _EOF:
                raise ExpansionError("syntax error: missing '/' in ${}") from None
            raise
        replacement = self.until_brace(True)
        value = self.get_env(name)
        if self.lx.skip_unset and value is None:
            return "${%s/%s/%s}" % (name, pattern, replacement)
        if value is not None and UNKNOWN_START in value:
            return unknown_value(name)
        value = value or ""
        glob = _Glob.of(pattern)
        if glob is not None:
            search = glob.search
        else:
            regex = _pattern_regex(pattern, greedy=True, anchored=False)

            def search(text: str, position: int) -> Optional[tuple[int, int]]:
                match = regex.search(text, position)
                return match.span() if match else None
        if not replace_all:  # the first match, replaced by the text as it is
            found = search(value, 0)
            return value if found is None else value[:found[0]] + replacement + value[found[1]:]
        return _replace_all(value, search, replacement)


def _replace_all(value: str, search: Callable[[str, int], Optional[tuple[int, int]]], template: str) -> str:
    """``${NAME//pattern/template}`` as BuildKit makes it, with Go's ``Regexp.ReplaceAllString``: an
    empty match right where the previous match ended is not replaced (``${X//*/y}`` of ``abc`` is ``y``,
    where Python's ``re.sub`` gives ``yy``), and ``template`` is expanded per match (see
    :func:`_expand_template`)."""
    out: list[str] = []
    last = position = 0
    while position <= len(value):
        found = search(value, position)
        if found is None:
            break
        start, end = found
        out.append(value[last:start])
        if end > last or start == 0:
            out.append(_expand_template(template, value[start:end]))
        last = end
        position = position + 1 if position + 1 > end else end  # always at least one character on
    out.append(value[last:])
    return "".join(out)


def _expand_template(template: str, match: str) -> str:
    """Go's template expansion of a replacement (``Regexp.Expand``), which BuildKit's replace-all
    applies to the already expanded replacement: ``$$`` is ``$``, ``$0`` and ``${0}`` the matched
    text, any other ``$name``/``${name}`` a group the pattern does not have (nothing: its regex has
    no groups), and a ``$`` followed by no name stays."""
    if "$" not in template:
        return template
    out: list[str] = []
    i, n = 0, len(template)
    while True:
        dollar = template.find("$", i)
        if dollar < 0:
            out.append(template[i:])
            return "".join(out)
        out.append(template[i:dollar])
        i = dollar + 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        brace = i < n and template[i] == "{"
        start = end = i + 1 if brace else i
        while end < n and (template[end].isalpha() or template[end].isdecimal() or template[end] == "_"):
            end += 1
        if end == start or (brace and (end >= n or template[end] != "}")):
            out.append("$")  # not a reference: the dollar is text, and what follows is read on
            continue
        if template[start:end] == "0":
            out.append(match)
        i = end + 1 if brace else end


def _pattern_start(pattern: str) -> int:
    """Where a pattern's translation starts: after a byte-order mark that opens it, which Go's
    text/scanner (BuildKit reads patterns with it) skips."""
    return 1 if pattern.startswith("\ufeff") else 0


def _pattern_regex(pattern: str, *, greedy: bool, anchored: bool) -> re.Pattern[str]:
    """Translate a shell pattern (``*``, ``?``, escapes; no brackets) to a regex."""
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i, n = _pattern_start(pattern), len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(".")
        elif ch == "\\":
            nxt = pattern[i] if i < n else ""
            if nxt in ("}", "/"):
                continue
            if nxt not in ("*", "?", "\\"):
                escaped = nxt or _GO_EOF
                raise ExpansionError(f"invalid pattern ({pattern}) in substitution: invalid escape '\\{escaped}'")
            out.append(re.escape(nxt))
            i += 1
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out))


def _reverse_pattern(pattern: str) -> str:
    # Reverse, keeping each escape in front of the character it escapes.
    chars = list(pattern)
    out = [""] * len(chars)
    last = len(chars) - 1
    i = 0
    while i <= last:
        if chars[i] == "\\" and i != last:
            out[last - i - 1] = "\\"
            out[last - i] = chars[i + 1]
            i += 2
        else:
            out[last - i] = chars[i]
            i += 1
    return "".join(out)


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    glob = _Glob.of(pattern)
    if glob is not None:
        newline = value.find("\n")  # `*` and `?` never match a newline (neither does the regex's `.`)
        end = glob.end_at(value, 0, greedy, len(value) if newline < 0 else newline)
        return value if end is None else value[end:]
    match = _pattern_regex(pattern, greedy=greedy, anchored=True).search(value)
    return value[match.end():] if match else value


class _Glob:
    """A shell pattern with stars, matched as :func:`_pattern_regex`'s regex would match it, in
    O(len(value) x len(pattern)) instead of backtracking: ``${V#*a*a*a*b}`` on a 200-character
    value made the regex take a minute (each star multiplies the ways to split the value).

    The pattern is chunks of literal characters and ``?`` (None) between stars. A regex of greedy
    stars anchored at a start ends its match as late as any match can end, a lazy one as early:
    chunks placed from the last backwards at their latest positions, or from the first forwards at
    their earliest. No match crosses a newline.
    """

    __slots__ = ("chunks",)

    def __init__(self, chunks: list[list[Optional[str]]]) -> None:
        self.chunks = chunks

    @staticmethod
    def of(pattern: str) -> Optional["_Glob"]:
        """The pattern as chunks, or None where the regex is as fast or the two could differ: no
        star (a fixed-length match), no literal character at all (it may match empty), a newline."""
        chunks: list[list[Optional[str]]] = [[]]
        i, n = _pattern_start(pattern), len(pattern)
        while i < n:
            ch = pattern[i]
            i += 1
            if ch == "*":
                chunks.append([])
            elif ch == "?":
                chunks[-1].append(None)
            elif ch == "\\":
                nxt = pattern[i] if i < n else ""
                if nxt in ("}", "/"):
                    continue
                if nxt not in ("*", "?", "\\"):
                    return None  # the regex reports the invalid escape
                chunks[-1].append(nxt)
                i += 1
            else:
                chunks[-1].append(ch)
        if len(chunks) == 1 or not any(chunks) or "\n" in pattern:
            return None
        return _Glob(chunks)

    @staticmethod
    def _fits(text: str, chunk: list[Optional[str]], at: int) -> bool:
        return all(text[at + k] == c if c is not None else text[at + k] != "\n" for k, c in enumerate(chunk))

    def _first(self, text: str, chunk: list[Optional[str]], low: int, stop: int) -> Optional[int]:
        for at in range(low, stop - len(chunk) + 1):
            if self._fits(text, chunk, at):
                return at
        return None

    def _last(self, text: str, chunk: list[Optional[str]], low: int, high: int) -> Optional[int]:
        for at in range(high, low - 1, -1):
            if self._fits(text, chunk, at):
                return at
        return None

    def end_at(self, text: str, start: int, greedy: bool, stop: Optional[int] = None) -> Optional[int]:
        """Where the match starting at ``start`` ends (the latest end when ``greedy``), or None; the
        match lies before ``stop`` (the end of the line; the text's end by default)."""
        stop = len(text) if stop is None else stop
        first, *rest = self.chunks
        if stop - start < len(first) or not self._fits(text, first, start):
            return None
        position = start + len(first)
        if not greedy:
            for chunk in rest:
                at = self._first(text, chunk, position, stop)
                if at is None:
                    return None
                position = at + len(chunk)
            return position
        limit, end = stop, None
        for chunk in reversed(rest):
            at = self._last(text, chunk, position, limit - len(chunk))
            if at is None:
                return None
            end = at + len(chunk) if end is None else end
            limit = at
        return end

    def search(self, value: str, position: int) -> Optional[tuple[int, int]]:
        """The leftmost match at or after ``position`` (with its greedy end), as ``re.search`` finds it."""
        first = self.chunks[0]
        while position <= len(value):
            newline = value.find("\n", position)
            stop = len(value) if newline < 0 else newline
            # The earliest start of the first chunk; a later one leaves the rest less room, so when the
            # rest cannot follow this one, nothing on this line matches.
            at = self._first(value, first, position, stop) if first else position
            if at is not None:
                end = self.end_at(value, at, True, stop)
                if end is not None:
                    return at, end
            position = stop + 1
        return None


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]
