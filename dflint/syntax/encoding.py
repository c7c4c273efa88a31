"""Files that are not text BuildKit can read at all: UTF-16, the usual Windows accident.

Windows PowerShell 5 writes UTF-16 with ``>`` and ``Out-File``, so
``echo "FROM alpine" > Dockerfile`` gives a file BuildKit reads as bytes
with NULs between the letters: every line is an unknown instruction. One
error that names the encoding says what to do instead.
"""

from __future__ import annotations

from typing import Optional

from ..ast import ParseError
from ..source import Position, Span

# decode_bytes keeps undecodable bytes as lone surrogates: FF FE and FE FF are the UTF-16 byte order marks.
_BOMS = ("\udcff\udcfe", "\udcfe\udcff")
_SAMPLE = 256


def utf16_error(text: str) -> Optional[ParseError]:
    """One error for the whole file when ``text`` (decoded as UTF-8) is really UTF-16, else None."""
    sample = text[:_SAMPLE]
    if not sample.startswith(_BOMS) and (not sample or sample.count("\x00") * 3 < len(sample)):
        return None  # ASCII in UTF-16 without a BOM has a NUL in every other character
    end = text.find("\n")
    end = len(text) if end < 0 else end
    span = Span(Position(0, 1, 1), Position(end, 1, end + 1))
    return ParseError("the file is UTF-16 encoded; BuildKit reads UTF-8 only", span,
                      "save it as UTF-8; Windows PowerShell 5's `>` and Out-File write UTF-16, "
                      "`Set-Content -Encoding utf8` writes UTF-8", "parser")
