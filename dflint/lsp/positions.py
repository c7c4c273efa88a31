"""dflint positions (code points, 1-based) to and from LSP positions (0-based, in the negotiated unit).

LSP counts a line's characters in UTF-16 code units unless client and server
agree on another encoding; dflint counts code points. Lines are split at
``\\n`` as dflint splits them (a ``\\r`` before it stays part of the line).
"""

from __future__ import annotations

from typing import Any

from ..source import LineIndex, Position, Span

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
ENCODINGS = (UTF32, UTF16, UTF8)  # preference order: utf-32 needs no conversion at all


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
        self.index = LineIndex(text)

    def lsp_position(self, position: Position) -> dict[str, int]:
        offset = max(0, min(position.offset, len(self.text)))
        line = position.line - 1
        start = self.index.line_start(position.line)
        return {"line": line, "character": _units(self.text[start:offset], self.encoding)}

    def lsp_range(self, span: Span) -> dict[str, dict[str, int]]:
        return {"start": self.lsp_position(span.start), "end": self.lsp_position(span.end)}

    def offset(self, position: Any) -> int:
        """The text offset of an LSP position; out-of-range lines and characters are clamped."""
        line = int(position.get("line", 0))
        character = max(0, int(position.get("character", 0)))
        if line < 0:
            return 0
        if line >= self.index.line_count:
            return len(self.text)
        start = self.index.line_start(line + 1)
        end = self.index.starts[line + 1] - 1 if line + 1 < self.index.line_count else len(self.text)
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
        return self.lsp_range(Span(self.index.position(0), self.index.position(len(self.text))))
