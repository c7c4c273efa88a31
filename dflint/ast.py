"""The Dockerfile syntax tree: immutable nodes, each with its exact source span.

Every node records its ``span`` (offsets, 1-based line and column of start and
end, end exclusive) and ``text``, the exact source it covers. ``File.children``
partitions the file: concatenating the children's ``text`` gives back the file
character for character (see :func:`dflint.syntax.print_tree`).

Values follow BuildKit: ``Argument.value`` is the string BuildKit's parser
hands to the builder for that argument (quotes kept where BuildKit keeps them),
so a rule sees what ``docker build`` sees.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from operator import attrgetter
from typing import Iterator, NamedTuple, Optional

from .source import Position, Span, Spanned

__all__ = [
    "Node", "Trivia", "Comment", "Directive", "Keyword", "Flag", "Argument",
    "KeyValue", "Heredoc", "Mount", "Segment", "ParseError", "Instruction",
    "FromInstruction", "RunInstruction", "CmdInstruction", "EntrypointInstruction",
    "ShellInstruction", "EnvInstruction", "LabelInstruction", "ArgInstruction",
    "CopyInstruction", "AddInstruction", "ExposeInstruction", "VolumeInstruction",
    "UserInstruction", "WorkdirInstruction", "StopsignalInstruction",
    "MaintainerInstruction", "HealthcheckInstruction", "OnbuildInstruction",
    "UnknownInstruction", "InvalidInstruction", "File", "Position", "Span",
]

_LEADING_TABS = re.compile(r"^\t+", re.MULTILINE)


@dataclass(frozen=True, slots=True, eq=False)
class Node(Spanned):
    """Base of every node: where it is and what it says."""

    span: Span
    text: str


@dataclass(frozen=True, slots=True, eq=False)
class Trivia(Node):
    """Text with no meaning of its own: blank lines, indentation, newlines, a BOM."""


@dataclass(frozen=True, slots=True, eq=False)
class Comment(Node):
    """A comment line; ``value`` is the text after ``#``, stripped."""

    value: str


@dataclass(frozen=True, slots=True, eq=False)
class Directive(Node):
    """A parser directive such as ``# escape=`` or ``# syntax=``."""

    name: str
    value: str
    name_span: Span
    value_span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Keyword(Node):
    """The instruction keyword; ``name`` is upper case, ``text`` as written."""

    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Flag(Node):
    """A ``--name[=value]`` flag. ``value`` is unquoted as BuildKit does; None without ``=``."""

    name: str
    value: Optional[str]
    name_span: Span
    value_span: Optional[Span]

    @property
    def buildkit_text(self) -> str:
        """The flag as BuildKit's parser reports it (quotes and escapes removed)."""
        return "--" + self.name if self.value is None else f"--{self.name}={self.value}"


@dataclass(frozen=True, slots=True, eq=False)
class Argument(Node):
    """One argument as BuildKit splits it.

    ``origin`` is the index of ``value`` in the instruction's logical line
    (``Instruction.original``) when ``value`` is a verbatim slice of it, else -1
    (decoded JSON strings). Use ``Instruction.position_at`` to map into the file.
    """

    value: str
    origin: int = -1


@dataclass(frozen=True, slots=True, eq=False)
class KeyValue(Node):
    """``key=value`` of ENV/LABEL/ARG, or the legacy ``ENV key value`` form.

    ``value`` is None for ``ARG name`` without a default. Values are raw, with
    quotes, as BuildKit's parser keeps them; expansion unquotes them.
    """

    key: Argument
    value: Optional[Argument]
    legacy: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Heredoc(Node):
    """A here-document: the ``<<NAME`` marker and the body lines that follow.

    ``span``/``text`` cover the body and the terminator line. ``content`` is the
    body exactly as BuildKit's parser keeps it (line endings included, tabs not
    stripped); :attr:`body` applies ``<<-`` tab stripping.
    """

    name: str
    fd: int
    expand: bool
    chomp: bool
    content: str
    marker: Argument
    body_span: Span
    terminator_span: Span

    @property
    def body(self) -> str:
        if not self.chomp:
            return self.content
        return _LEADING_TABS.sub("", self.content)


@dataclass(frozen=True, slots=True)
class Mount:
    """One ``RUN --mount=`` specification, split into its fields.

    ``fields`` keeps every ``key=value`` in order with keys lower-cased;
    a bare key such as ``ro`` maps to None.
    """

    flag: Flag
    type: str
    fields: tuple[tuple[str, Optional[str]], ...]

    def get(self, *keys: str) -> Optional[str]:
        """The last value given for any of ``keys`` (aliases such as target/dst)."""
        found = None
        for key, value in self.fields:
            if key in keys:
                found = value
        return found

    @property
    def target(self) -> Optional[str]:
        return self.get("target", "dst", "destination")

    @property
    def source(self) -> Optional[str]:
        return self.get("source", "src")

    @property
    def from_(self) -> Optional[str]:
        return self.get("from")


class Segment(NamedTuple):
    """A run of the logical line copied verbatim from one physical line."""

    logical: int
    offset: int
    line: int
    column: int
    length: int


_LOGICAL = attrgetter("logical")


def position_in(segments: "tuple[Segment, ...] | list[Segment]", index: int) -> Position:
    """Source position of character ``index`` of a logical line made of ``segments``."""
    seg = segments[0]
    if len(segments) > 1:  # the last segment starting at or before ``index`` (the first, if none does)
        found = bisect_right(segments, index, key=_LOGICAL)
        if found > 1:
            seg = segments[found - 1]
    delta = index - seg.logical
    return Position(seg.offset + delta, seg.line, seg.column + delta)


def span_in(segments: "tuple[Segment, ...] | list[Segment]", start: int, end: int) -> Span:
    """Source span of ``[start, end)`` of a logical line (may cross lines)."""
    first = position_in(segments, start)
    if end <= start:
        return Span(first, first)
    last = position_in(segments, end - 1)
    return Span(first, Position(last.offset + 1, last.line, last.column + 1))


@dataclass(frozen=True, slots=True)
class ParseError(Spanned):
    """A syntax error with its location; ``origin`` tells who rejects it.

    ``origin`` is ``"parser"`` when BuildKit's parser rejects the file and
    ``"instruction"`` when ``docker build`` rejects it one step later
    (unknown instruction, bad flag, wrong argument count).
    """

    message: str
    span: Span
    hint: Optional[str] = None
    origin: str = "parser"

    def __str__(self) -> str:
        text = f"{self.line}:{self.column}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True, slots=True, eq=False)
class Instruction(Node):
    """Fields shared by every instruction.

    ``span`` runs from the keyword to the end of the instruction's last line,
    heredoc bodies included. ``args`` are the arguments as BuildKit's parser
    splits them; subclasses add typed views. ``original`` is BuildKit's logical
    line: continuations joined, comment and empty lines inside them dropped.
    """

    keyword: Keyword
    flags: tuple[Flag, ...]
    args: tuple[Argument, ...]
    exec_form: bool
    heredocs: tuple[Heredoc, ...]
    original: str
    segments: tuple[Segment, ...]
    comments: tuple[Comment, ...]
    empty_continuation_lines: tuple[int, ...]

    @property
    def name(self) -> str:
        """Upper-case instruction name, e.g. ``RUN``."""
        return self.keyword.name

    @property
    def effective(self) -> Optional["Instruction"]:
        """The instruction that does the work: this one, or an ONBUILD's trigger (None if it has none)."""
        return self

    def flag(self, name: str) -> Optional[Flag]:
        """The last flag called ``name`` (BuildKit lets the last one win)."""
        found = None
        for flag in self.flags:
            if flag.name == name:
                found = flag
        return found

    def flags_named(self, name: str) -> tuple[Flag, ...]:
        return tuple(flag for flag in self.flags if flag.name == name)

    def position_at(self, index: int) -> Position:
        """Source position of character ``index`` of the logical line ``original``."""
        return position_in(self.segments, index)

    def span_of(self, start: int, end: int) -> Span:
        """Source span of ``original[start:end]`` (end exclusive, may cross lines)."""
        return span_in(self.segments, start, end)

    @property
    def logical_lines(self) -> tuple[int, ...]:
        """Physical line numbers that contribute text to ``original``."""
        return tuple(seg.line for seg in self.segments)


@dataclass(frozen=True, slots=True, eq=False)
class _ShellCommand(Instruction):
    """RUN/CMD/ENTRYPOINT/SHELL: shell form (one argument) or exec form (JSON)."""

    @property
    def shell_text(self) -> Optional[Argument]:
        """The command line in shell form; None in exec form or when empty."""
        if self.exec_form or not self.args:
            return None
        return self.args[0]

    @property
    def exec_args(self) -> tuple[Argument, ...]:
        return self.args if self.exec_form else ()


@dataclass(frozen=True, slots=True, eq=False)
class FromInstruction(Instruction):
    """``FROM [--platform=...] image [AS name]``."""

    @property
    def image(self) -> Optional[Argument]:
        return self.args[0] if self.args else None

    @property
    def as_keyword(self) -> Optional[Argument]:
        return self.args[1] if len(self.args) == 3 and self.args[1].value.lower() == "as" else None

    @property
    def stage_name(self) -> Optional[Argument]:
        return self.args[2] if self.as_keyword is not None else None

    @property
    def platform(self) -> Optional[Flag]:
        return self.flag("platform")


@dataclass(frozen=True, slots=True, eq=False)
class RunInstruction(_ShellCommand):
    """``RUN``; ``mounts`` are the parsed ``--mount`` flags."""

    mounts: tuple[Mount, ...] = ()

    @property
    def network(self) -> Optional[str]:
        flag = self.flag("network")
        return flag.value if flag else None

    @property
    def security(self) -> Optional[str]:
        flag = self.flag("security")
        return flag.value if flag else None


@dataclass(frozen=True, slots=True, eq=False)
class CmdInstruction(_ShellCommand):
    """``CMD``."""


@dataclass(frozen=True, slots=True, eq=False)
class EntrypointInstruction(_ShellCommand):
    """``ENTRYPOINT``."""


@dataclass(frozen=True, slots=True, eq=False)
class ShellInstruction(_ShellCommand):
    """``SHELL ["executable", "param"]`` (exec form required by docker build)."""


@dataclass(frozen=True, slots=True, eq=False)
class _KeyValues(Instruction):
    """ENV/LABEL/ARG: a list of key/value pairs."""

    pairs: tuple[KeyValue, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class EnvInstruction(_KeyValues):
    """``ENV key=value ...`` or legacy ``ENV key value``."""


@dataclass(frozen=True, slots=True, eq=False)
class LabelInstruction(_KeyValues):
    """``LABEL key=value ...``."""


@dataclass(frozen=True, slots=True, eq=False)
class ArgInstruction(_KeyValues):
    """``ARG name[=default] ...``."""


@dataclass(frozen=True, slots=True, eq=False)
class _CopyLike(Instruction):
    """COPY/ADD: sources then destination (exec or whitespace form)."""

    @property
    def sources(self) -> tuple[Argument, ...]:
        return self.args[:-1]

    @property
    def destination(self) -> Optional[Argument]:
        return self.args[-1] if len(self.args) >= 2 else None

    @property
    def heredoc_sources(self) -> tuple[Heredoc, ...]:
        return self.heredocs


@dataclass(frozen=True, slots=True, eq=False)
class CopyInstruction(_CopyLike):
    """``COPY``."""


@dataclass(frozen=True, slots=True, eq=False)
class AddInstruction(_CopyLike):
    """``ADD``."""


@dataclass(frozen=True, slots=True, eq=False)
class ExposeInstruction(Instruction):
    """``EXPOSE port[/proto] ...``."""

    @property
    def ports(self) -> tuple[Argument, ...]:
        return self.args


@dataclass(frozen=True, slots=True, eq=False)
class VolumeInstruction(Instruction):
    """``VOLUME path ...`` or ``VOLUME ["path", ...]``."""

    @property
    def paths(self) -> tuple[Argument, ...]:
        return self.args


@dataclass(frozen=True, slots=True, eq=False)
class _SingleValue(Instruction):
    """Instructions whose whole argument is one string."""

    @property
    def value(self) -> Optional[Argument]:
        return self.args[0] if self.args else None


@dataclass(frozen=True, slots=True, eq=False)
class UserInstruction(_SingleValue):
    """``USER name[:group]``."""


@dataclass(frozen=True, slots=True, eq=False)
class WorkdirInstruction(_SingleValue):
    """``WORKDIR path``."""


@dataclass(frozen=True, slots=True, eq=False)
class StopsignalInstruction(_SingleValue):
    """``STOPSIGNAL signal``."""


@dataclass(frozen=True, slots=True, eq=False)
class MaintainerInstruction(_SingleValue):
    """``MAINTAINER name`` (deprecated)."""


@dataclass(frozen=True, slots=True, eq=False)
class HealthcheckInstruction(Instruction):
    """``HEALTHCHECK [options] CMD command`` or ``HEALTHCHECK NONE``.

    ``args[0]`` is the type word (CMD/NONE); the command follows.
    """

    @property
    def kind(self) -> Optional[Argument]:
        return self.args[0] if self.args else None

    @property
    def command_args(self) -> tuple[Argument, ...]:
        return self.args[1:]


@dataclass(frozen=True, slots=True, eq=False)
class OnbuildInstruction(Instruction):
    """``ONBUILD <instruction>``; ``trigger`` is that instruction, fully parsed."""

    trigger: Optional[Instruction] = None

    @property
    def effective(self) -> Optional[Instruction]:
        return self.trigger


@dataclass(frozen=True, slots=True, eq=False)
class UnknownInstruction(Instruction):
    """A keyword BuildKit's parser accepts but ``docker build`` rejects."""


@dataclass(frozen=True, slots=True, eq=False)
class InvalidInstruction(Instruction):
    """An instruction whose arguments do not parse; ``error`` says why."""

    error: Optional[ParseError] = None


INSTRUCTION_CLASSES: dict[str, type[Instruction]] = {
    "FROM": FromInstruction, "RUN": RunInstruction, "CMD": CmdInstruction,
    "ENTRYPOINT": EntrypointInstruction, "SHELL": ShellInstruction,
    "ENV": EnvInstruction, "LABEL": LabelInstruction, "ARG": ArgInstruction,
    "COPY": CopyInstruction, "ADD": AddInstruction, "EXPOSE": ExposeInstruction,
    "VOLUME": VolumeInstruction, "USER": UserInstruction,
    "WORKDIR": WorkdirInstruction, "STOPSIGNAL": StopsignalInstruction,
    "MAINTAINER": MaintainerInstruction, "HEALTHCHECK": HealthcheckInstruction,
    "ONBUILD": OnbuildInstruction,
}

#: Every instruction docker build knows, upper case.
INSTRUCTION_NAMES: tuple[str, ...] = tuple(INSTRUCTION_CLASSES)


@dataclass(frozen=True, slots=True, eq=False)
class File:
    """A parsed Dockerfile.

    ``children`` partitions the text (directives, comments, instructions,
    trivia, in order); ``instructions`` excludes the ones that failed to parse.
    ``errors`` lists every syntax error, sorted by position.
    """

    path: Optional[str]
    text: str
    escape: str
    directives: tuple[Directive, ...]
    comments: tuple[Comment, ...]
    instructions: tuple[Instruction, ...]
    children: tuple[Node, ...]
    errors: tuple[ParseError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def directive(self, name: str) -> Optional[Directive]:
        for directive in self.directives:
            if directive.name == name:
                return directive
        return None

    def walk(self) -> Iterator[Instruction]:
        """Every instruction, ONBUILD triggers after their ONBUILD."""
        for instruction in self.instructions:
            yield instruction
            if isinstance(instruction, OnbuildInstruction) and instruction.trigger is not None:
                yield instruction.trigger
