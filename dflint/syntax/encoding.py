"""Files that are not text BuildKit can read at all: UTF-16, or not text at all.

Windows PowerShell 5 writes UTF-16 with ``>`` and ``Out-File``, so
``echo "FROM alpine" > Dockerfile`` gives a file BuildKit reads as bytes
with NULs between the letters: every line is an unknown instruction. One
error that names the encoding says what to do instead. A binary file (a
program, an archive) named like a Dockerfile gets one error too, instead of
dozens of unknown instructions made of control bytes.
"""

from __future__ import annotations

from typing import Optional

from ..ast import ParseError
from ..source import Position, Span

_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: As much of the start of a file as git looks at to call it binary.
_SAMPLE = 8000
#: C0 control characters text does not use: NUL, and all but tab, line feed, vertical tab, form
#: feed, carriage return and escape (colour codes in an ``echo`` are text).
_CONTROLS = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}
#: So many such bytes may be strays in text: a short file is not called binary for one NUL in it.
_STRAY = 3
_NOT_CONTROLS = bytes(byte for byte in range(256) if byte not in _CONTROLS)


def encoding_error(text: str) -> Optional[ParseError]:
    """One error for the whole file when ``text`` (decoded as UTF-8) is UTF-16 or binary, else None."""
    sample = _bytes(text[:_SAMPLE])
    if _is_utf16(sample):
        end = text.find("\n")
        end = len(text) if end < 0 else end
        span = Span(Position(0, 1, 1), Position(end, 1, end + 1))
        return ParseError("the file is UTF-16 encoded; BuildKit reads UTF-8 only", span,
                          "save it as UTF-8; Windows PowerShell 5's `>` and Out-File write UTF-16, "
                          "`Set-Content -Encoding utf8` writes UTF-8", "parser")
    if _is_binary(sample):
        start = Position(0, 1, 1)
        return ParseError("the file is binary, not text", Span(start, start),
                          "a Dockerfile is UTF-8 text; is this the file you meant to lint?", "parser")
    return None


def _bytes(text: str) -> bytes:
    """The bytes ``text`` was decoded from (decode_bytes keeps undecodable bytes as lone surrogates)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a str from the API with other lone surrogates
        return text.encode("utf-8", "surrogatepass")


def _is_utf16(sample: bytes) -> bool:
    """A byte order mark, or (no BOM) a NUL in the same half of most 2-byte units and in few of the others.

    A Dockerfile's instructions are ASCII, so UTF-16 without a BOM has a NUL
    in every other byte; a binary file's NULs come in runs and fit neither order.
    """
    if sample.startswith(_BOMS):
        return True
    units = len(sample) // 2
    if not units or b"\x00" not in sample:
        return False
    even, odd = sample[0:units * 2:2].count(0), sample[1:units * 2:2].count(0)
    return max(even, odd) * 4 >= units * 3 and min(even, odd) * 4 <= units


def _is_binary(sample: bytes) -> bool:
    """More than 1 byte in 32 of the sample, and more than a stray few, are control characters text does not use.

    Not "any NUL", as git decides: a script may hold a stray NUL and is still
    a Dockerfile, however short. Not undecodable UTF-8 either: a Latin-1 or GBK comment is
    text in the wrong encoding, not binary. Programs are full of NULs, and
    compressed data has one such control byte in ten.
    """
    controls = len(sample.translate(None, _NOT_CONTROLS))
    return controls > _STRAY and controls * 32 > len(sample)
