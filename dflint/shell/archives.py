"""Commands that unpack an archive: ``tar`` in extract mode and the decompressors.

:func:`extraction` reads a command (through :class:`~.tools.Invocation`) and
returns the words that may name the archive it unpacks: the operands and
option values of ``tar x``/``tar --extract``, of ``gunzip``, ``zcat``,
``xz -d``... Which one is the archive is left to the caller, who knows the
archive's name (hadolint also compares names only).

>>> from dflint.shell import parse_shell
>>> from dflint.shell.tools import parse_command
>>> def names(text):
...     found = extraction(parse_command(parse_shell(text).commands[0]))
...     return None if found is None else [name for _, name in found.names]
>>> names("tar xzf /tmp/app.tar.gz -C /opt"), names("tar -C /opt --strip-components=1 -xJf app.tar.xz")
(['/tmp/app.tar.gz', '/opt'], ['/opt', '1', 'app.tar.xz'])
>>> names("tar --file=/tmp/a.tar --extract"), names("gzip -dc a.tar.gz"), names("tar czf out.tgz dir")
(['/tmp/a.tar'], ['a.tar.gz'], None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .model import Word
from .tools import Invocation, program_name

__all__ = ["Extraction", "extraction"]

#: Programs that decompress their operands (hadolint's list, plus the zstd ones).
_DECOMPRESSORS = frozenset({"gunzip", "bunzip2", "unxz", "unlzma", "uncompress", "zcat", "gzcat", "bzcat", "xzcat",
                            "unzstd", "zstdcat"})
#: Compressors that decompress with -d/--decompress.
_COMPRESSORS = frozenset({"gzip", "bzip2", "xz", "lzma", "zstd", "pigz", "pbzip2", "lbzip2", "pixz"})


@dataclass(frozen=True)
class Extraction:
    """A command unpacking an archive; ``names`` are the words that may name it, each with
    the path it gives (the value after ``=`` for ``--file=a.tar``)."""

    invocation: Invocation
    names: tuple[tuple[Word, str], ...]


_TAR = frozenset({"tar", "bsdtar", "gtar"})
_TRADITIONAL = re.compile(r"[A-Za-z]+")


def _tar_extracts(invocation: Invocation) -> tuple[bool, Optional[Word]]:
    """Whether ``tar`` extracts, and the traditional-form mode word (``xzf``) if any."""
    argv = invocation.command.argv
    index = next((i for i, w in enumerate(argv) if program_name(w.value) in _TAR), len(argv))
    first = argv[index + 1] if index + 1 < len(argv) else None
    if first is not None and _TRADITIONAL.fullmatch(first.value) and first in invocation.operands:
        return "x" in first.value, first
    return any(o.name in ("-x", "--extract", "--get") for o in invocation.options), None


def extraction(invocation: Optional[Invocation]) -> Optional[Extraction]:
    """The unpacking ``invocation`` does, or None."""
    if invocation is None:
        return None
    program, mode = invocation.program, None
    if program in _TAR:
        extracts, mode = _tar_extracts(invocation)
        if not extracts:
            return None
    elif program in _COMPRESSORS:
        if not invocation.has("-d", "--decompress", "--uncompress"):
            return None
    elif program not in _DECOMPRESSORS:
        return None
    names: dict[int, tuple[Word, str]] = {}
    for option in invocation.options:
        word = option.value_word
        if word is not None and option.value is not None and (word is not option.word or option.name.startswith("--")):
            names[id(word)] = (word, option.value)
    for word in invocation.operands:
        if word is not mode:
            names[id(word)] = (word, word.value)
    return Extraction(invocation, tuple(sorted(names.values(), key=lambda item: item[0].start)))
