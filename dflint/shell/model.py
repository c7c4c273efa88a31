"""The shell model of a script: simple commands, their words, and where they are.

Offsets (``start``/``end``, end exclusive) index the script's text; ``span``
maps them into the Dockerfile through the script's :class:`PositionMap`, so a
rule can point at ``install`` on the third line of a continued RUN, or at a
command inside a heredoc body.

Every simple command the script may run is in :attr:`Script.commands`, nested
ones included (subshells, ``if`` bodies, ``$(...)``, ``sh -c '...'``), in
source order, each with the context it runs in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union

from ..source import Position, Span
from .positions import PositionMap

if TYPE_CHECKING:
    from ..ast import Argument, Heredoc
    from .tools import Invocation

__all__ = ["Word", "Assignment", "HereDocument", "Redirect", "Command", "ShellError", "Script", "CONTEXTS"]

#: The contexts a command can run in, innermost last in :attr:`Command.contexts`.
CONTEXTS = (
    "subshell",      # ( ... )
    "brace",         # { ...; }
    "condition",     # the test of if/elif/while/until
    "if",            # the then/elif/else branches
    "loop",          # the body of for/while/until
    "case",          # a case branch
    "function",      # a function body: runs only when called
    "substitution",  # $(...), `...`, <(...)
    "shell",         # the script string of sh -c '...', su -c '...' or eval '...'
    "chroot",        # after "shell": the shell runs under chroot, its paths are below the new root
)


# Not frozen, unlike the AST: a file's scripts are tens of thousands of these, and a frozen
# dataclass's __init__ sets every field through object.__setattr__ (with Invocation, Option and
# layers.Step, ~9% of a lint's instructions). Nothing assigns to them once built; with eq=False
# they compare and hash by identity, as they did.
@dataclass(slots=True, eq=False)
class _Located:
    """A node of the shell model: offsets in its script, and the map to Dockerfile positions."""

    start: int
    end: int
    positions: PositionMap = field(repr=False, kw_only=True)

    @property
    def span(self) -> Span:
        """Exact span in the Dockerfile (or in the script, without a map)."""
        return self.positions.span(self.start, self.end)

    @property
    def position(self) -> Position:
        return self.positions.position(self.start)

    @property
    def line(self) -> int:
        return self.position.line

    @property
    def column(self) -> int:
        return self.position.column


@dataclass(slots=True, eq=False)
class Word(_Located):
    """One shell word.

    ``value`` has quotes removed and escapes applied; expansions stay as
    written (``"$HOME/x"`` -> ``$HOME/x``). ``quoted`` is true when quoting or
    escaping was removed; ``has_expansion`` when the value holds a parameter
    expansion, a command substitution or arithmetic, so it is not literal.
    """

    value: str
    raw: str
    quoted: bool = False
    has_expansion: bool = False

    @property
    def literal(self) -> bool:
        """The value is exactly what the shell passes (no expansion)."""
        return not self.has_expansion

    def __str__(self) -> str:
        return self.value


@dataclass(slots=True, eq=False)
class Assignment(_Located):
    """``NAME=value`` (or ``NAME+=value``) before a command or alone."""

    name: str
    value: Word
    word: Word
    append: bool = False


@dataclass(slots=True, eq=False)
class HereDocument(_Located):
    """The body of a shell heredoc (``<<EOF`` inside a script); ``start``/``end`` cover the body."""

    delimiter: str
    strip_tabs: bool
    expand: bool
    body: str
    terminated: bool = True


_WRITING = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})


@dataclass(slots=True, eq=False)
class Redirect(_Located):
    """A redirection: ``op`` is the operator (``>``, ``2>&1`` has op ``>&``), ``fd`` the number written before it."""

    op: str
    fd: Optional[int]
    target: Word
    heredoc: Optional[HereDocument] = None

    @property
    def writes_a_file(self) -> bool:
        """It writes a file that a command dropped with it would no longer write (``> /app/log``);
        ``2>/dev/null``, ``2>&1`` and input redirections write none."""
        target = self.target.value
        if self.op not in _WRITING or target == "/dev/null":
            return False
        return not (self.op == ">&" and (target.isdigit() or target == "-"))


@dataclass(slots=True, eq=False)
class Command(_Located):
    """A simple command and where it sits in the script.

    ``operator`` joins it to what runs before it in the same list or pipeline
    (``&&``, ``||``, ``;``, ``&``, ``|``, ``|&``, ``"\\n"``; None first in a
    list), ``next_operator`` to what runs after it. ``pipeline_id`` groups the
    commands of one pipeline, ``pipeline_index`` is the place in it.
    ``contexts`` lists the enclosing constructs, outermost first (see
    :data:`CONTEXTS`); ``conditional`` is true when whether it runs depends on
    another command's status, a loop, a case branch or a function call.
    """

    argv: tuple[Word, ...]
    assignments: tuple[Assignment, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    operator: Optional[str] = None
    next_operator: Optional[str] = None
    pipeline_id: int = 0
    pipeline_index: int = 0
    pipeline_length: int = 1
    negated: bool = False
    contexts: tuple[str, ...] = ()
    conditional: bool = False

    @property
    def name(self) -> Optional[str]:
        """``argv[0]``'s value, or None for a command of assignments/redirects only."""
        return self.argv[0].value if self.argv else None

    @property
    def program(self) -> Optional[str]:
        """The name without its directory: ``/usr/bin/apt-get`` -> ``apt-get``."""
        name = self.name
        return name[name.rfind("/") + 1:] if name else name  # posixpath.basename's own slice: a hot path

    @property
    def args(self) -> tuple[Word, ...]:
        return self.argv[1:]

    @property
    def values(self) -> tuple[str, ...]:
        """The argv values."""
        return tuple(word.value for word in self.argv)

    @property
    def context(self) -> str:
        """The innermost context, ``"top"`` at the top of the script."""
        return self.contexts[-1] if self.contexts else "top"

    @property
    def depth(self) -> int:
        return len(self.contexts)

    @property
    def in_pipeline(self) -> bool:
        return self.pipeline_length > 1

    @property
    def masked(self) -> bool:
        """In a pipeline but not last: its exit status is lost unless ``pipefail`` is set."""
        return self.pipeline_index < self.pipeline_length - 1

    @property
    def background(self) -> bool:
        return self.next_operator == "&"


@dataclass(slots=True, eq=False)
class ShellError(_Located):
    """A syntax error; the part it covers was analysed by the fallback tokenizer."""

    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass(slots=True, eq=False)
class Script:
    """A parsed shell script.

    ``origin`` is the Dockerfile node the text comes from, when known: the
    RUN's ``shell_text`` argument or a :class:`~dflint.ast.Heredoc`.
    """

    text: str
    commands: tuple[Command, ...]
    errors: tuple[ShellError, ...]
    positions: PositionMap = field(repr=False)
    origin: "Union[Argument, Heredoc, None]" = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def invocation(self, command: Command) -> "Optional[Invocation]":
        """``command`` read with its tool's options (:func:`dflint.shell.tools.parse_command`, memoised)."""
        return parse_command(command)

    def span(self, start: int, end: int) -> Span:
        return self.positions.span(start, end)

    def find(self, name: str, *subcommands: str) -> tuple[Command, ...]:
        """Commands running program ``name`` whose first operands are ``subcommands``.

        ``script.find("apt-get", "install")`` finds ``apt-get -y install x``,
        ``/usr/bin/apt-get install`` and ``sudo apt-get install``; options and
        their values are skipped with the tool's own option table
        (:mod:`dflint.shell.tools`); ``find("pip", "install")`` also finds
        ``python3 -m pip install``.
        """
        found = []
        for command in self.commands:
            invocation = self.invocation(command)
            if invocation is None or invocation.program != name:
                continue
            operands = [w.value for w in invocation.operands]
            if invocation.subcommand is not None:
                operands.insert(0, invocation.subcommand)
            if tuple(operands[:len(subcommands)]) == subcommands:
                found.append(command)
        return tuple(found)

    def has_command(self, name: str) -> bool:
        """True when some command runs program ``name`` (see :meth:`find`)."""
        return bool(self.find(name))

    @property
    def has_pipes(self) -> bool:
        """Some pipeline has more than one command (hadolint's ``hasPipes``)."""
        return any(command.in_pipeline for command in self.commands)

    def pipeline(self, command: Command) -> tuple[Command, ...]:
        """The simple commands of ``command``'s pipeline, in pipeline order."""
        members = [c for c in self.commands if c.pipeline_id == command.pipeline_id]
        return tuple(sorted(members, key=lambda c: c.pipeline_index))


from .tools import parse_command  # noqa: E402  (last: tools builds on the classes above)
