"""What a word of a RUN gives the command it is in, after the shell expands it.

* :func:`expand_word`: the words the shell makes of one word: ARG/ENV values,
  a plain value the RUN assigns before the command (``OPTS=-y; apt-get
  install $OPTS``), or a loop's values over its iterations (``for p in curl
  git``, ``echo curl | while read p``); None whenever a part cannot be known;
* :func:`expanded_command`: a package tool's command read with those values in
  place (loops excepted: one command, several argument lists), each field
  a word of its own, so that options a variable holds are options.

Field splitting is the default IFS's (space, tab, newline): an ``IFS`` set by
ARG/ENV or assigned in the RUN makes unquoted values unknown. A quoted
expansion stays one word. Globs are not expanded: a value assigned in the RUN
that holds one is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Optional

from .. import ast
from ..shell.model import Script, Word
from ..shell.package_managers import PACKAGE_TOOLS, reread
from ..shell.tools import Invocation, parse_command, program_name, unwrap
from .layers import Step, run_steps

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis

__all__ = ["expand_word", "field_split", "expanded_command", "ExpandedCommand"]

_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def expand_word(analysis: "Analysis", node: ast.Instruction, step: Step, word: Word) -> Optional[list[str]]:
    """The words the shell makes of ``word`` with the ARG/ENV values in scope, a plain value the RUN
    assigns before ``step`` (:meth:`_RunVariables.value_for`), or the values of a loop's variable (the words
    of every iteration, in turn); None when a variable has no known value there, or the word holds a
    command substitution or xargs's replace-string. ONBUILD triggers expand in the downstream build: None."""
    if not word.has_expansion:
        return [word.value]
    looped = _loop_expansion(analysis, node, step, word)
    return looped if looped is not None else _expand_once(analysis, node, step, word)


def _expandable(node: ast.Instruction, word: Word) -> bool:
    text = word.value
    if isinstance(node, ast.OnbuildInstruction) or "$(" in text or "`" in text or "$((" in text:
        return False
    return "$" in text  # else not literal, yet nothing expands: an xargs replace-string (`{}`)


def _loop_expansion(analysis: "Analysis", node: ast.Instruction, step: Step, word: Word) -> Optional[list[str]]:
    """What ``word`` gives over the iterations of the loop whose variable it names, or None."""
    if "loop" not in step.command.contexts or not _expandable(node, word):
        return None
    names = set(_VARIABLE.findall(word.value))
    if len(names) != 1:
        return None
    name = names.pop()
    scripts = _run_variables(analysis, node).scripts
    loop_words = _loop_words(name, step, scripts)
    if loop_words is None:
        loop_words = _piped_lines(name, step, scripts)
    return None if loop_words is None else _each_loop_word(name, word.value, loop_words, word.quoted)


def _expand_once(analysis: "Analysis", node: ast.Instruction, step: Step, word: Word) -> Optional[list[str]]:
    """``word`` expanded with one value per variable (ARG/ENV, or assigned earlier in the RUN)."""
    if not _expandable(node, word):
        return None
    text = word.value
    run = _run_variables(analysis, node)
    own = _own_assignments(step)
    for name in set(_VARIABLE.findall(text)):
        if name in step.exported or run.sets(name, own):
            value = run.value_for(name, step, own)
            if value is None:
                return None
            # only `$NAME` and `${NAME}` take the value as it is (not `${NAME:-x}`, `${#NAME}`)
            text = re.sub(rf"\$(?:\{{{name}\}}|{name}(?!\w))", lambda _: value, text)
            if re.search(rf"\$\{{?#?{name}\b", text):
                return None
    if not word.quoted and run.ifs_changed(analysis, node):
        return None  # fields split at other characters than space, tab and newline
    expansion = analysis.model.expand(node, text)
    if not expansion.resolved or expansion.undefined:
        return None
    return field_split(expansion.value) if not word.quoted else [expansion.value]


#: Field splitting with the default IFS: at spaces, tabs and newlines only.
_IFS_WHITESPACE = re.compile(r"[ \t\n]+")


def field_split(value: str) -> list[str]:
    """The fields an unquoted expansion of ``value`` gives with the default IFS (no globbing)."""
    return [field for field in _IFS_WHITESPACE.split(value) if field]


_DECLARING = frozenset(("export", "readonly", "declare", "typeset", "local"))
#: Characters a value must not hold to be read as it is: expansions, escapes, globs.
_NOT_PLAIN = re.compile(r"[$`\\*?\[]")


class _RunVariables:
    """What one RUN's scripts do with shell variables, found once per RUN (and name): every
    command of a big RUN asks the same questions."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.scripts = list({id(s.script): s.script for s in steps}.values())
        self._ifs: Optional[bool] = None
        self._sets: dict[str, int] = {}
        self._assignments: dict[tuple[str, int], Optional[tuple[Step, str]]] = {}

    def sets(self, name: str, own: tuple[str, ...] = ()) -> bool:
        """Some script of the RUN assigns ``name``, or reads it with ``for`` or ``read``, other
        than in ``own``, the text of the assignments of the command whose words are expanded
        (:func:`_own_assignments`)."""
        found = self._sets.get(name)
        if found is None:
            found = self._sets[name] = sum(len(_sets_pattern(name).findall(s.text)) for s in self.scripts)
        return found > (sum(len(_sets_pattern(name).findall(text)) for text in own) if own else 0)

    def value_for(self, name: str, step: Step, own: tuple[str, ...] = ()) -> Optional[str]:
        """The value ``NAME=value`` (alone, or ``export NAME=value``) gives ``name`` for ``step``,
        when it is plain (no expansion, escape or glob), it is the one place the RUN names
        ``name`` other than ``$name`` references and ``own`` (the assignments of ``step``'s
        command, which its words do not see), and it has run whenever ``step`` runs
        (:func:`_always_before`); else None."""
        key = (name, sum(_mentions(name, text) for text in own) if own else 0)
        if key not in self._assignments:
            self._assignments[key] = self._plain_assignment(*key)
        found = self._assignments[key]
        if found is None:
            return None
        earlier, value = found
        return value if earlier.index < step.index and _always_before(earlier, step) else None

    def _plain_assignment(self, name: str, own: int) -> Optional[tuple[Step, str]]:
        mentions = sum(_mentions(name, s.text) for s in self.scripts) - own
        if mentions != 1:
            return None  # set twice, read, unset, looped over...
        for earlier in self.steps:
            value = _assignment(name, earlier)
            if value is not None:
                return (earlier, value.value) if value.literal and not _NOT_PLAIN.search(value.value) else None
        return None

    def ifs_changed(self, analysis: "Analysis", node: ast.Instruction) -> bool:
        """IFS is set by ARG/ENV, or in the RUN by an assignment alone or ``export`` (not ``IFS=
        read``, which sets it for ``read`` only)."""
        if self._ifs is None:
            self._ifs = analysis.model.scope_at(node).get("IFS") is not None or any(
                not s.command.argv and any(a.name == "IFS" for a in s.command.assignments)
                or s.invocation is not None and s.invocation.program in _DECLARING
                and any(w.value.startswith("IFS=") for w in s.invocation.operands)
                for s in self.steps)
        return self._ifs


def _sets_pattern(name: str) -> "re.Pattern[str]":
    """Where a text assigns ``name``, or reads it with ``for`` or ``read``."""
    return re.compile(rf"(?<![\w$]){name}=|\b(?:for|read)\s+(?:-\w+\s+)*{name}\b")  # re's cache keeps it


def _mentions(name: str, text: str) -> int:
    """How many times ``text`` names ``name`` other than in a ``$name`` reference."""
    return len(re.findall(rf"\b{name}\b", text)) - len(re.findall(rf"\${{?{name}\b", text))


def _own_assignments(step: Step) -> tuple[str, ...]:
    """The text of the assignments that go into the environment of ``step``'s command only:
    ``NAME=value`` in front of it, and given to a wrapper (``env NAME=value``, ``sudo
    NAME=value``). The shell expands the command's words before, with the values it had:
    ``OPTS=-y apt-get install $OPTS`` runs without ``-y`` (unless OPTS held it already)."""
    command = step.command
    own = tuple(a.word.raw for a in command.assignments)
    if step.invocation is not None and step.invocation.via:
        own += tuple(w.raw for w in command.argv[:unwrap(command.argv)[0]] if _ASSIGNMENT.match(w.value))
    return own


def _run_variables(analysis: "Analysis", node: ast.Instruction) -> _RunVariables:
    memo = analysis.memo("shell_values: runs")
    found = memo.get(node)
    if found is None:
        found = memo[node] = _RunVariables(run_steps(analysis, node))
    return found


def _assignment(name: str, step: Step) -> Optional[Word]:
    """The value word of ``name=value`` when ``step`` is that assignment alone or ``export name=value``."""
    command = step.command
    if not command.argv:
        return next((a.value for a in command.assignments if a.name == name and not a.append), None)
    invocation = step.invocation
    if invocation is None or invocation.program != "export":
        return None
    for word in invocation.operands:
        match = _ASSIGNMENT.match(word.value)
        if match and match.group(1) == name:
            return replace(word, value=match.group(2))
    return None


_CHAINED = frozenset(("&&", "|", "|&"))


def _always_before(earlier: Step, step: Step) -> bool:
    """``earlier`` has run in ``step``'s shell whenever ``step`` runs: both in one script,
    ``earlier`` not in a pipeline, ``step`` not in a function or an ``sh -c`` below it, and
    ``earlier`` either unconditional at the top of the script (``A=1; ...``) or joined to
    ``step`` by ``&&`` and pipes only (``x && A=1 && y | cmd``)."""
    first, last = earlier.command, step.command
    if earlier.script is not step.script or first.pipeline_length > 1 or \
            any(c in ("function", "shell") for c in last.contexts[len(first.contexts):]):
        return False
    if not first.contexts and not first.conditional:
        return True
    if first.contexts != last.contexts or first.operator == "||":
        return False
    return all(c.operator in _CHAINED for c in step.script.commands
               if first.start < c.start <= last.start and c.contexts == first.contexts)


# `for NAME in a b c; do` (or a newline before `do`) with plain words: the values NAME takes.
_PLAIN_WORD = r"[A-Za-z0-9_.:+=@/,%~^-]+"
_LOOP_HEADER = r"\bfor\s+{name}\s+in((?:[ \t]+{word})+)[ \t]*(?:;|\n)\s*do\b"


def _loop_words(name: str, step: Step, scripts: Iterable[Script]) -> Optional[list[str]]:
    """The words of the one ``for name in ...`` loop of the RUN, when they are plain words and
    nothing else sets ``name`` (an assignment, ``read``, an export, another loop); else None."""
    if name in step.exported:
        return None
    header = re.compile(_LOOP_HEADER.format(name=re.escape(name), word=_PLAIN_WORD))
    found: list[str] = []
    loops = 0
    for script in scripts:
        if re.search(rf"(?<![\w$]){name}=", script.text) or re.search(rf"\bread\s+(?:-\w+\s+)*(?:\w+\s+)*{name}\b",
                                                                   script.text):
            return None
        loops += len(re.findall(rf"\b(?:for|select)\s+{name}\b", script.text))
        found += [w for match in header.finditer(script.text) for w in match.group(1).split()]
    return found if loops == 1 and found else None


# `echo WORD | while read NAME; do`, `printf 'a\nb\n' | while IFS= read -r NAME; do`.
_READ_HEADER = (r"\b(?P<program>echo|printf)[ \t]+(?P<arg>'[^'\n]*'|\"[^\"\n]*\"|[^\s|;&'\"\\]+)[ \t]*\|[ \t]*"
                r"while[ \t]+(?:IFS=[ \t]+)?read[ \t]+(?:-r[ \t]+)?{name}[ \t]*(?:;|\n)\s*do\b")


def _piped_lines(name: str, step: Step, scripts: Iterable[Script]) -> Optional[list[str]]:
    """The lines a ``while read name`` loop reads from an ``echo`` or ``printf`` of plain words
    piped into it, one plain word a line, when ``step`` is in that loop's body before its first
    ``done`` and nothing else sets ``name`` or IFS; else None."""
    if name in step.exported:
        return None
    text = step.script.text
    matches = list(re.finditer(_READ_HEADER.format(name=re.escape(name)), text))
    if len(matches) != 1:
        return None
    match = matches[0]
    end = re.compile(r"\bdone\b").search(text, match.end())
    if end is None or not match.end() <= step.command.start < end.start():
        return None
    for script in scripts:
        if re.search(rf"(?<![\w$]){name}=", script.text) or re.search(rf"\b(?:for|select)\s+{name}\b", script.text) \
                or len(re.findall(rf"\bread\s+(?:-\w+\s+)*(?:\w+\s+)*{name}\b", script.text)) \
                != (script is step.script) or script.text.count("IFS") != ("IFS=" in match.group()):
            return None
    arg = match.group("arg")
    arg = arg[1:-1] if arg[0] in "'\"" else arg
    if match.group("program") == "echo":
        lines = [arg]
    elif "%" in arg or "\\" in arg.replace("\\n", ""):
        return None
    else:
        lines = arg.split("\\n")[:-1]  # `read` fails on a last line without its newline: no iteration
    plain = re.compile(_PLAIN_WORD)
    return lines if lines and all(plain.fullmatch(line) and line[0] != "-" for line in lines) else None


def _each_loop_word(name: str, text: str, values: list[str], quoted: bool) -> list[str]:
    """The words a command gets from ``text`` over the iterations of a loop over ``values``."""
    reference = re.compile(rf"\$(?:\{{{name}\}}|{name}(?!\w))")
    words = []
    for value in values:
        expanded = reference.sub(lambda _: value, text)
        words += [expanded] if quoted else field_split(expanded)
    return words


@dataclass(frozen=True)
class ExpandedCommand:
    """A command as :func:`expanded_command` reads it."""

    invocation: Optional[Invocation]
    #: id of each field read in place -> the word as written.
    origins: dict[int, Word]
    #: ids of the words as written that were read in place.
    replaced: frozenset[int]


def expanded_command(analysis: "Analysis", node: ast.Instruction, step: Step) -> ExpandedCommand:
    """``step``'s command as the package tools read it (:func:`~dflint.shell.package_managers.reread`)
    after the shell expands its arguments: each argument of the tool with one known value is
    replaced by the fields it gives (same span and raw text). Unknown values, loop variables and a
    quoted value that is not one option (``"$APT_OPTS"`` is one argument, ``-y
    --no-install-recommends``, which apt-get rejects) stay as written; programs other than
    :data:`~dflint.shell.package_managers.PACKAGE_TOOLS` are not read again."""
    memo = analysis.memo("shell_values: expanded")
    found = memo.get(step)
    if found is None:
        found = memo[step] = _expand_arguments(analysis, node, step)
    return found


def _expand_arguments(analysis: "Analysis", node: ast.Instruction, step: Step) -> ExpandedCommand:
    invocation = reread(step.invocation)
    unchanged = ExpandedCommand(invocation, {}, frozenset())
    if invocation is None or invocation.program not in PACKAGE_TOOLS:
        return unchanged
    argv = step.command.argv
    start = next((i for i, w in enumerate(argv) if program_name(w.value) == invocation.program), None)
    if start is None or not any(w.has_expansion for w in argv[start + 1:]):
        return unchanged
    words, origins, replaced = list(argv[:start + 1]), {}, set()
    for word in argv[start + 1:]:
        fields = _fields(analysis, node, step, word)
        if fields is None:
            words.append(word)
            continue
        replaced.add(id(word))
        for value in fields:
            field = replace(word, value=value)  # has_expansion stays: pins read from it are found again
            origins[id(field)] = word
            words.append(field)
    if not replaced:
        return unchanged
    command = replace(step.command, argv=tuple(words))
    return ExpandedCommand(reread(parse_command(command)), origins, frozenset(replaced))


def _fields(analysis: "Analysis", node: ast.Instruction, step: Step, word: Word) -> Optional[list[str]]:
    """The arguments ``word`` gives when it has one known value, else None."""
    if not word.has_expansion or _loop_expansion(analysis, node, step, word) is not None:
        return None
    fields = _expand_once(analysis, node, step, word)
    if fields is not None and word.quoted and len(fields) == 1 and fields[0].startswith("-") \
            and _IFS_WHITESPACE.search(fields[0]):
        return None  # `"$APT_OPTS"`: one argument the tool cannot read as the options it lists
    return fields
