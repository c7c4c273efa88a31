"""A small table-driven command-line option parser, getopt style.

A :class:`Spec` says which options take a value; :func:`parse_options` then
reads argv words the way most Unix tools do: short options bundle (``-yq``),
a short option with a value takes the rest of its word or the next word
(``-ofile``, ``-o file``, ``-q=2``), long options take ``--opt=value`` or, when
declared, ``--opt value``; ``--`` ends the options. Options and operands may
be interleaved (GNU style). Words with expansions are read like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Sequence

from .model import Word

__all__ = ["Spec", "Option", "Parsed", "parse_options"]


@dataclass(frozen=True)
class Spec:
    """How one program reads its arguments.

    ``values``: options that take a value (``-o``, ``--output``).
    ``words``: single-dash options longer than one letter, never bundled
    (``wget -nv``); ``single_dash_long`` makes every single-dash option a
    whole word (``go build -ldflags=...``). ``subcommands`` maps the names the
    tool accepts (aliases included) to canonical ones; None when the tool has
    no subcommand. ``operand``: a predicate for words that look like options
    but are operands (``chmod -x file``).
    """

    values: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    single_dash_long: bool = False
    subcommands: Optional[Mapping[str, str]] = None
    operand: Optional[Callable[[str], bool]] = field(default=None, compare=False)


# Not frozen, for the cost of a frozen __init__ (see shell.model); nothing assigns to it once built.
@dataclass(slots=True, eq=False)
class Option:
    """One option as given: ``name`` as written (``-y``, ``--no-cache-dir``), its value if any.

    ``value_word`` is the word holding the value: the next word for
    ``-o file``, the option's own word for ``--out=file`` or ``-ofile``.
    """

    name: str
    value: Optional[str]
    word: Word
    value_word: Optional[Word] = None


# Not frozen, for the cost of a frozen __init__ (see shell.model); unsafe_hash keeps the hash it had.
@dataclass(slots=True, unsafe_hash=True)
class Parsed:
    """A command's arguments read against its option spec."""

    options: tuple[Option, ...]
    operands: tuple[Word, ...]
    subcommand: Optional[Word]


def parse_options(words: Sequence[Word], spec: Spec) -> Parsed:
    """Options, operands and (per ``spec``) the subcommand word of ``words`` (argv without argv[0])."""
    options: list[Option] = []
    operands: list[Word] = []
    subcommand: Optional[Word] = None
    ended = False
    # The spec's fields, read once: a Spec is a dataclass, each read a lookup in its __dict__.
    values, long_words, single_dash_long = spec.values, spec.words, spec.single_dash_long
    subcommands, operand = spec.subcommands, spec.operand
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        value = word.value
        i += 1
        if ended or len(value) < 2 or value[0] != "-" or (operand is not None and operand(value)):
            if subcommands is not None and subcommand is None and not operands:
                subcommand = word
            else:
                operands.append(word)
            continue
        if value == "--":
            ended = True
            continue
        if value[1] == "-" or value in long_words or single_dash_long:
            name, eq, rest = value.partition("=")
            if eq:
                options.append(Option(name, rest, word, word))
            elif name in values and i < n:
                options.append(Option(name, words[i].value, word, words[i]))
                i += 1
            else:
                options.append(Option(name, None, word))
            continue
        i = _short_bundle(words, i, word, values, options)
    return Parsed(tuple(options), tuple(operands), subcommand)


def _short_bundle(words: Sequence[Word], i: int, word: Word, values: frozenset[str], options: list[Option]) -> int:
    """Reads ``-abc`` (``i`` is the index after it; ``values``: the options taking a value); returns the next index."""
    letters = word.value[1:]
    for k, letter in enumerate(letters):
        name = "-" + letter
        rest = letters[k + 1:]
        if rest.startswith("="):  # -q=2 (apt-get)
            options.append(Option(name, rest[1:], word, word))
            return i
        if name in values:
            if rest:
                options.append(Option(name, rest, word, word))
            elif i < len(words):
                options.append(Option(name, words[i].value, word, words[i]))
                return i + 1
            else:
                options.append(Option(name, None, word))
            return i
        options.append(Option(name, None, word))
    return i
