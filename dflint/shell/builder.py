"""From the grammar's tree (or the fallback's tokens) to :mod:`model` objects.

:class:`Emitter` makes words, redirects and commands and collects them; both
the tree walker here and the fallback path (``fallback.py``) feed it, so a
command looks the same whichever path found it. Command substitutions and
``sh -c '...'`` strings are handed back to the parser as nested scripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional, Protocol, Sequence, TypeVar, Union

from .model import Assignment, Command, HereDocument, Redirect, ShellError, Word
from .positions import PositionMap
from .tokens import HeredocBody
from .tools import new_root, program_name, unwrap  # loaded already: .model imports it
from .words import decode, special_character, unterminated_substitution

if TYPE_CHECKING:  # pragma: no cover
    from lark import Token, Tree

__all__ = ["Emitter", "Link", "TreeWalker", "POSIX_SHELLS", "CLOSING_WORDS", "command_string"]

#: Program names of POSIX-compatible shells (``sh -c`` strings are parsed).
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "pdksh", "yash", "posh", "busybox"})
#: Reserved words that close a construct: never a command name.
CLOSING_WORDS = frozenset({"then", "elif", "else", "fi", "do", "done", "esac", "}"})


class _HasValue(Protocol):
    """A shell word or a Dockerfile argument: anything with the string it stands for."""

    @property
    def value(self) -> str: ...


_Valued = TypeVar("_Valued", bound=_HasValue)

_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?)(\+?)=")
_CASE_ENDS = frozenset({"DSEMI", "SEMI_AND", "DSEMI_AND"})

#: ``parse(start, end, contexts, conditional, first_operator)`` parses a nested region.
NestedParser = Callable[[int, int, "tuple[str, ...]", bool, Optional[str]], None]


class Link(NamedTuple):
    """How a simple command is joined to its neighbours."""

    operator: Optional[str]
    next_operator: Optional[str]
    pipeline_id: int
    index: int
    length: int
    negated: bool


@dataclass
class RawRedirect:
    """A redirection before its words are decoded: offsets into the script."""

    fd: Optional[str]
    op: str
    start: int
    target: str
    target_start: int


class Emitter:
    """Collects the commands and errors of one script (all nesting levels)."""

    def __init__(self, text: str, positions: PositionMap, heredocs: dict[int, HeredocBody],
                 nested: NestedParser) -> None:
        self.text = text
        self.positions = positions
        self.heredocs = heredocs
        self.nested = nested
        self.commands: list[Command] = []
        self.errors: list[ShellError] = []
        self._pipelines = 0
        #: Starts of the substitutions read already, in the words of the shell script being read
        #: again as a script (see :meth:`_script`): not read a second time.
        self._read: frozenset[int] = frozenset()

    def new_pipeline(self) -> int:
        self._pipelines += 1
        return self._pipelines

    def error(self, message: str, start: int, end: int) -> None:
        self.errors.append(ShellError(start, end, message, positions=self.positions))

    # -- words ------------------------------------------------------------
    def word(self, raw: str, start: int, contexts: tuple[str, ...], conditional: bool) -> Word:
        """A word at ``start``; its command substitutions are parsed as nested scripts."""
        if special_character(raw) is None:  # most words: the value is the text, nothing in it to read
            return Word(start, start + len(raw), raw, raw, positions=self.positions)
        decoded = decode(raw)
        if decoded.unterminated >= 0:
            at = decoded.unterminated
            opener = "$((" if raw.startswith("$((", at) else "$(" if raw.startswith("$(", at) else "${"
            message = unterminated_substitution(raw, at + 2) if opener == "$(" else f"unterminated `{opener}`"
            self.error(message, start + at, start + at + len(opener))
        for sub_start, sub_end in decoded.substitutions:
            if start + sub_start not in self._read:
                self.nested(start + sub_start, start + sub_end, contexts + ("substitution",), conditional, None)
        return Word(start, start + len(raw), decoded.value, raw, decoded.quoted, decoded.has_expansion,
                    positions=self.positions)

    def assignment(self, raw: str, start: int, contexts: tuple[str, ...], conditional: bool) -> Assignment:
        match = _ASSIGNMENT.match(raw)
        assert match is not None  # the grammar and the fallback only pass NAME=... here
        value_start = start + match.end()
        rest = raw[match.end():]
        if rest.startswith("("):  # an array: elements as written
            value = Word(value_start, value_start + len(rest), rest, rest, positions=self.positions)
        else:
            value = self.word(rest, value_start, contexts, conditional)
        whole = Word(start, start + len(raw), match.group(1) + match.group(2) + "=" + value.value, raw,
                     value.quoted, value.has_expansion, positions=self.positions)
        return Assignment(start, start + len(raw), match.group(1), value, whole, bool(match.group(2)),
                          positions=self.positions)

    def redirect(self, raw: RawRedirect, contexts: tuple[str, ...], conditional: bool) -> Redirect:
        target = self.word(raw.target, raw.target_start, contexts, conditional)
        heredoc = None
        if raw.op in ("<<", "<<-"):
            body = self.heredocs.get(raw.start if raw.fd is None else raw.start + len(raw.fd))
            if body is not None:
                heredoc = self.heredoc(body)
        fd = int(raw.fd) if raw.fd is not None and raw.fd.isdigit() else None
        return Redirect(raw.start, target.end, raw.op, fd, target, heredoc, positions=self.positions)

    def heredoc(self, body: HeredocBody) -> HereDocument:
        text = self.text[body.start:body.end]
        if body.strip_tabs:
            text = re.sub(r"(?m)^\t+", "", text)
        return HereDocument(body.start, body.end, body.delimiter, body.strip_tabs, body.expand, text,
                            body.terminated, positions=self.positions)

    # -- commands ---------------------------------------------------------------
    def command(self, words: Sequence[tuple[str, int]], assignments: Sequence[tuple[str, int]],
                redirects: Sequence[RawRedirect], link: Link, contexts: tuple[str, ...],
                conditional: bool) -> None:
        """Emits one simple command; ``words``/``assignments`` are ``(raw, start)`` pairs."""
        if words and words[0][0] in CLOSING_WORDS and _first_in_command(words[0][1], assignments, redirects):
            raw, start = words[0]
            self.error(f"unexpected `{raw}`", start, start + len(raw))
            words = words[1:]
        word = self.word
        argv = tuple([word(raw, start, contexts, conditional) for raw, start in words])
        assigns = tuple([self.assignment(raw, start, contexts, conditional) for raw, start in assignments])
        redirs = tuple([self.redirect(raw, contexts, conditional) for raw in redirects])
        if assigns or redirs:
            parts: list[Union[Word, Assignment, Redirect]] = [*argv, *assigns, *redirs]
            start = min(part.start for part in parts)
            end = max(part.end for part in parts)
        elif argv:  # words only, in order
            start, end = argv[0].start, argv[-1].end
        else:
            return
        command = Command(start, end, argv, assigns, redirs, link.operator, link.next_operator,
                          link.pipeline_id, link.index, link.length, link.negated, contexts, conditional,
                          positions=self.positions)
        self.commands.append(command)
        self._shell_string(command, contexts, conditional)

    def _shell_string(self, command: Command, contexts: tuple[str, ...], conditional: bool) -> None:
        """``sh -c 'script'`` (also behind sudo, env, busybox, chroot...), ``su -c 'script'`` and
        ``eval 'script'``: the script string is parsed too, when its offsets map 1:1."""
        argv = command.argv
        index, _ = unwrap(argv)
        if (index >= len(argv) or program_name(argv[index].value) not in _SCRIPT_RUNNERS) \
                and not (argv and argv[0].value == "eval"):
            return  # most commands: no shell, su or eval runs a script string
        start = _shell_index(argv, index)
        if start is not None and len(argv) >= start + 3:
            script = command_string(argv[start + 1:])
        elif argv and argv[0].value == "eval":
            self._eval_string(command, contexts, conditional)
            return
        else:
            script = _su_command_string(argv, index)
        if script is None:
            return
        raw, value = script.raw, script.value
        if script.has_expansion and not any(ch in value for ch in " \t\n;&|"):
            return  # sh -c "$CMD": nothing to read
        # Under chroot the script's paths are below the new root: the "chroot" context says so.
        inner = contexts + (("shell", "chroot") if new_root(argv) is not None else ("shell",))
        if raw == value:
            self._script(script.start, script.end, (script,), inner, conditional)
        elif len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw[1:-1] == value:
            self._script(script.start + 1, script.end - 1, (script,), inner, conditional)

    def _eval_string(self, command: Command, contexts: tuple[str, ...], conditional: bool) -> None:
        """``eval 'script'`` runs its arguments, joined by spaces, as a script. Read, in the "shell"
        context as sh -c's script, when the joined text is the text as written: one argument
        that maps 1:1, or several plain unquoted words with no redirection among them. Not read
        when the script starts with an expansion (``eval "$(curl ...)"``, ``eval $CMD``): its
        command is unknown, and its substitutions are read once already.

        eval runs the script in this shell, not a child: a ``cd`` or ``set -o pipefail`` in it
        lasts. Readers of the "shell" context take it as sh -c's and carry neither to the commands
        after it (a pipefail set by ``eval 'set -o pipefail'`` is missed, as before eval was read)."""
        args = command.argv[1:]
        if args and args[0].value == "--":
            args = args[1:]
        if not args or args[0].value.lstrip().startswith(("$", "`")):
            return
        first, last = args[0], args[-1]
        if len(args) == 1 and len(first.raw) >= 2 and first.raw[0] == first.raw[-1] and first.raw[0] in "'\"" \
                and first.raw[1:-1] == first.value:
            start, end = first.start + 1, first.end - 1
        elif all(word.raw == word.value for word in args) \
                and not any(first.start < redirect.start < last.end for redirect in command.redirects):
            start, end = first.start, last.end
        else:
            return
        self._script(start, end, args, contexts + ("shell",), conditional)

    def _script(self, start: int, end: int, words: Sequence[Word], contexts: tuple[str, ...],
                conditional: bool) -> None:
        """Reads ``[start, end)``, the text of ``words``, as the script a shell runs. The command
        substitutions in those words are the calling shell's: it runs them, before the script,
        to make the script's text, and the words have read them already, in the caller's
        contexts. Read again as part of the script they would be counted twice
        (``sh -c "$(curl URL)"``), so they are not."""
        read = frozenset(word.start + sub_start for word in words if word.has_expansion
                         for sub_start, _ in decode(word.raw).substitutions)
        saved = self._read
        self._read = saved | read
        try:
            self.nested(start, end, contexts, conditional, None)
        finally:
            self._read = saved


def _shell_index(argv: Sequence[Word], index: int) -> Optional[int]:
    """Where the shell of ``[wrappers...] [busybox] sh ...`` is in ``argv``, or None; ``index`` is
    the program's, behind the wrappers (:func:`~dflint.shell.tools.unwrap`)."""
    if index < len(argv) and program_name(argv[index].value) == "busybox":
        index += 1
    if index < len(argv) and program_name(argv[index].value) in POSIX_SHELLS:
        return index
    return None


#: Options of su and runuser (util-linux, busybox) that take the next word as their value.
_SU_VALUES = frozenset({"-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment"})
_SU_COMMAND = frozenset({"-c", "--command", "--session-command"})
#: Programs that may run a script string given as an argument (eval is found by the first word).
_SCRIPT_RUNNERS = POSIX_SHELLS | {"su", "runuser"}


def _su_command_string(argv: Sequence[Word], index: int) -> Optional[Word]:
    """The script of ``su [options] [-] [user] -c 'script'`` (or ``runuser``), which the user's
    shell runs as ``sh -c`` does; None when a ``-s`` names a shell that is not POSIX, or the
    script is attached (``--command=...``) or after ``--`` (an argument of the shell);
    ``index`` is the program's, behind the wrappers."""
    if index >= len(argv) or program_name(argv[index].value) not in ("su", "runuser"):
        return None
    args = argv[index + 1:]
    k = 0
    while k < len(args):
        value = args[k].value
        if value in _SU_COMMAND or (len(value) > 2 and value[0] == "-" and value[1] != "-"
                                    and value.endswith("c") and set(value[1:-1]) <= set("lmpfP")):
            return args[k + 1] if k + 1 < len(args) else None
        if value in _SU_VALUES:
            if value in ("-s", "--shell") and (k + 1 >= len(args)
                                               or program_name(args[k + 1].value) not in POSIX_SHELLS):
                return None
            k += 2
            continue
        if value == "--" or value.startswith(("--command=", "--session-command=", "--shell=")):
            return None
        k += 1
    return None


def command_string(args: Sequence[_Valued]) -> Optional[_Valued]:
    """The operand read as a script by ``sh [options] -c script``, if any: ``args`` are the words
    after the shell's name (shell words, or the JSON strings of an exec-form RUN)."""
    seen_c = False
    takes_value = False
    for word in args:
        value = word.value
        if takes_value:
            takes_value = False
            continue
        if value == "--":
            continue
        if len(value) > 1 and value[0] in "-+" and not value.startswith("--"):
            seen_c = seen_c or "c" in value[1:]
            takes_value = value[-1] == "o"  # -o pipefail, +o posix
            continue
        if value.startswith("--"):
            continue
        return word if seen_c else None
    return None


class TreeWalker:
    """Walks the grammar's tree of one region and emits its commands.

    A Lark ``Token`` is a ``str`` and a ``Tree`` is not: ``isinstance(x, str)``
    tells them apart without importing Lark, which scripts the fast path
    (``fastpath.py``) reads never load.
    """

    def __init__(self, emitter: Emitter, base: int) -> None:
        self.emit = emitter
        self.base = base  # offset of the parsed region in the script

    # -- lists ------------------------------------------------------------------
    def walk(self, tree: Tree, contexts: tuple[str, ...], conditional: bool,
             first_operator: Optional[str] = None, last_operator: Optional[str] = None) -> None:
        """Emits the commands of a parsed region; the operators join it to text around it."""
        self.list(tree.children, contexts, conditional, first_operator, last_operator)

    def list(self, children: Sequence[Union[Tree, Token]], contexts: tuple[str, ...], conditional: bool,
             first_operator: Optional[str] = None, last_operator: Optional[str] = None) -> None:
        """A sequence of and-or lists with their separators (``;``, ``&``, newline, ``;;``)."""
        items = [c for c in children
                 if (not isinstance(c, str) and c.data in ("and_or", "sep"))
                 or (isinstance(c, str) and c.type in _CASE_ENDS)]
        before = first_operator
        for k, item in enumerate(items):
            if isinstance(item, str) or item.data == "sep":
                before = _separator(item)
                continue
            after = _separator(items[k + 1]) if k + 1 < len(items) else last_operator
            self.and_or(item, before, after, contexts, conditional)
            before = None

    def and_or(self, tree: Tree, before: Optional[str], after: Optional[str],
               contexts: tuple[str, ...], conditional: bool) -> None:
        chain: list[tuple[Optional[str], Tree]] = []
        node = tree
        while len(node.children) > 1:  # and_or: and_or OP NEWLINE* pipeline (left recursive)
            chain.append((str(node.children[1]), node.children[-1]))
            node = node.children[0]
        chain.append((before, node.children[0]))
        chain.reverse()
        for i, (operator, pipeline) in enumerate(chain):
            following = chain[i + 1][0] if i + 1 < len(chain) else after
            self.pipeline(pipeline, operator, following, contexts, conditional or i > 0)

    def pipeline(self, tree: Tree, before: Optional[str], after: Optional[str],
                 contexts: tuple[str, ...], conditional: bool) -> None:
        negated = False
        elements: list[Tree] = []
        pipes: list[str] = []
        for child in tree.children:
            if isinstance(child, str):
                if child.type == "BANG":
                    negated = True
                elif child.type in ("PIPE", "PIPE_AMP"):
                    pipes.append(str(child))
            else:
                elements.append(child)
        pipeline_id = self.emit.new_pipeline()
        for j, element in enumerate(elements):
            link = Link(before if j == 0 else pipes[j - 1], pipes[j] if j < len(pipes) else after,
                        pipeline_id, j, len(elements), negated)
            self.command(element, link, contexts, conditional)

    # -- commands ---------------------------------------------------------------
    def command(self, tree: Tree, link: Link, contexts: tuple[str, ...], conditional: bool) -> None:
        if tree.data == "simple_command":
            self.simple(tree, link, contexts, conditional)
        elif tree.data == "compound":
            self.compound(tree, contexts, conditional)
        elif tree.data == "function_def":
            body = tree.children[-1]
            self.compound(body, contexts + ("function",), True)

    def simple(self, tree: Tree, link: Link, contexts: tuple[str, ...], conditional: bool) -> None:
        words: list[tuple[str, int]] = []
        assignments: list[tuple[str, int]] = []
        redirects: list[RawRedirect] = []
        base = self.base
        for child in tree.children:
            if not isinstance(child, str):
                redirects.append(self.raw_redirect(child))
            elif child.type == "ASSIGNMENT_WORD":
                assignments.append((str(child), base + child.start_pos))
            else:
                words.append((str(child), base + child.start_pos))
        self.emit.command(words, assignments, redirects, link, contexts, conditional)

    def raw_redirect(self, tree: Tree) -> RawRedirect:
        tokens = tree.children
        fd = str(tokens[0]) if len(tokens) == 3 else None
        op, target = tokens[-2], tokens[-1]
        return RawRedirect(fd, str(op), self.base + tokens[0].start_pos, str(target), self.base + target.start_pos)

    def compound(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        inner = tree.children[0]
        for child in tree.children[1:]:  # redirections of the whole construct
            raw = self.raw_redirect(child)
            self.emit.word(raw.target, raw.target_start, contexts, conditional)
        getattr(self, "_" + inner.data)(inner, contexts, conditional)

    def _subshell(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        self.list(tree.children, contexts + ("subshell",), conditional)

    def _brace_group(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        self.list(tree.children[1].children, contexts + ("brace",), conditional)

    def _arith_command(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        pass  # (( ... )) runs no command

    def _if_clause(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        clists = [c for c in tree.children if not isinstance(c, str) and c.data == "clist"]
        self.list(clists[0].children, contexts + ("condition",), conditional)
        self.list(clists[1].children, contexts + ("if",), True)
        for part in tree.children:
            if not isinstance(part, str) and part.data == "elif_part":
                self.list(part.children[1].children, contexts + ("condition",), True)
                self.list(part.children[3].children, contexts + ("if",), True)
            elif not isinstance(part, str) and part.data == "else_part":
                self.list(part.children[1].children, contexts + ("if",), True)

    def _for_clause(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        for child in tree.children[1:]:
            if isinstance(child, str) and child.type == "WORD":  # the name and the word list
                self.emit.word(str(child), self.base + child.start_pos, contexts, conditional)
        self.list(tree.children[-2].children, contexts + ("loop",), True)

    def _while_clause(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        self.list(tree.children[1].children, contexts + ("condition",), conditional)
        self.list(tree.children[3].children, contexts + ("loop",), True)

    _until_clause = _while_clause

    def _case_clause(self, tree: Tree, contexts: tuple[str, ...], conditional: bool) -> None:
        subject = tree.children[1]
        self.emit.word(str(subject), self.base + subject.start_pos, contexts, conditional)
        for item in tree.children:
            if not isinstance(item, str):  # case_item / last_case_item: pattern words, then the body
                close = next(i for i, c in enumerate(item.children) if isinstance(c, str) and c.type == "RPAREN")
                self.list(item.children[close + 1:], contexts + ("case",), True)


def _separator(item: Union[Tree, Token]) -> str:
    token = item if isinstance(item, str) else item.children[0]
    value = str(token)
    return "\n" if value.endswith("\n") else value


def _first_in_command(start: int, assignments: Sequence[tuple[str, int]], redirects: Sequence[RawRedirect]) -> bool:
    """The word at ``start`` opens its command: a reserved word only there (``A=1 fi`` and ``<x done``
    run commands named fi and done, in bash and dash alike)."""
    return all(start < at for _, at in assignments) and all(start < redirect.start for redirect in redirects)
