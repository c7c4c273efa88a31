"""dflint positions (code points, 1-based) to and from LSP positions (0-based, in the negotiated unit).

LSP counts a line's characters in UTF-16 code units unless client and server
agree on another encoding; dflint counts code points. Lines are split as LSP
splits them, at ``\\r\\n``, ``\\n`` and a lone ``\\r`` (which dflint, like
BuildKit, does not take for a line break): dflint's own line numbers are not
used. A dflint position inside a ``\\r\\n`` is the end of its line, as a client
would clamp it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from ..source import Position, Span

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
ENCODINGS = (UTF32, UTF16, UTF8)  # preference order: utf-32 needs no conversion at all
_LINE_BREAK = re.compile(r"\r\n?|\n")


def choose_encoding(offered: Any) -> str:
    """The encoding to use given the client's ``general.positionEncodings`` (UTF-16 when it offers none)."""
    if isinstance(offered, list):
        for encoding in ENCODINGS:
            if encoding in offered:
                return encoding
    return UTF16


def _units(text: str, encoding: str) -> int:
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF16:
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogateescape"))


class Document:
    """One open document's text, with what is needed to convert positions."""

    def __init__(self, text: str, encoding: str) -> None:
        self.text = text
        self.encoding = encoding
        self._starts = [0]  # where each LSP line starts, and where its text ends (before its line break)
        self._ends = []
        for match in _LINE_BREAK.finditer(text):
            self._ends.append(match.start())
            self._starts.append(match.end())
        self._ends.append(len(text))

    def _position(self, offset: int) -> dict[str, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        return {"line": line, "character": _units(self.text[start:min(offset, self._ends[line])], self.encoding)}

    def lsp_position(self, position: Position) -> dict[str, int]:
        return self._position(position.offset)

    def lsp_range(self, span: Span) -> dict[str, dict[str, int]]:
        return {"start": self._position(span.start.offset), "end": self._position(span.end.offset)}

    def offset(self, position: Any) -> int:
        """The text offset of an LSP position; out-of-range lines and characters are clamped."""
        line = int(position.get("line", 0))
        character = max(0, int(position.get("character", 0)))
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        start, end = self._starts[line], self._ends[line]
        text = self.text[start:end]
        if self.encoding == UTF32 or text.isascii():
            return start + min(character, len(text))
        units = 0
        for index, char in enumerate(text):
            if units >= character:
                return start + index
            units += _units(char, self.encoding)
        return end

    def full_range(self) -> dict[str, dict[str, int]]:
        return {"start": {"line": 0, "character": 0}, "end": self._position(len(self.text))}
