"""Inline suppressions: dflint's own pragmas, hadolint's, and BuildKit's ``# check=skip=``.

* ``# dflint: ignore=CODE|name[,...] [-- reason]`` in the comment lines just
  above an instruction covers that whole instruction, however many lines;
* ``# dflint: global ignore=...`` covers the file;
* ``# hadolint ignore=DL3008 [# reason]`` / ``# hadolint global ignore=...``
  work the same through the rules' hadolint aliases;
* the ``# check=skip=Rule1,Rule2`` (or ``skip=all``) directive covers the file
  through the rules' BuildKit aliases, read as BuildKit reads them: names
  case-sensitively, ``all`` only as the whole value; ``skip=all`` covers every
  rule but syntax-error, as BuildKit still fails the build on a Dockerfile it
  cannot parse, and the experimental checks its ``experimental=`` turns on
  (BuildKit runs those whatever ``skip=`` says). :func:`check_options` reads
  the directive's other options (``error=``, ``experimental=``) for the linter;
* a ``# check=skip=...`` comment above an instruction (dockerfile frontend 1.21
  and later) covers the BuildKit checks BuildKit runs for that instruction
  (:data:`INSTRUCTION_CHECKS`), see :func:`check_comments`.

dflint's and hadolint's selectors match a rule's code, name or any alias,
case-insensitively; ``all`` matches everything. Which pragma suppressed
something is recorded, so unused pragmas can be reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Optional, Union

from . import ast
from .diagnostic import Diagnostic

_DFLINT = re.compile(r"#\s*dflint:\s*(global\s+)?ignore\s*=\s*(.*?)\s*(?:--\s*(.*))?\Z", re.I)
_HADOLINT = re.compile(r"#\s*hadolint\s+(global\s+)?ignore\s*=\s*(.*?)\s*\Z", re.I)


@dataclass
class Pragma:
    """One suppression comment (or the check directive) and what it covers."""

    node: ast.Node
    selectors: tuple[str, ...]  # lower case, for matching
    scope: Optional[tuple[int, int]]  # offsets [start, end) covered; None = whole file
    reason: Optional[str] = None
    used: set[str] = field(default_factory=set)
    written: tuple[str, ...] = ()  # the selectors as written
    source: str = "dflint"  # "dflint", "hadolint" or "check"
    #: Keys of what this pragma cannot cover: the experimental checks a ``# check=`` directive turns on
    #: (BuildKit runs them whatever ``skip=`` says).
    exempt: frozenset[str] = frozenset()
    #: A ``# check=`` pragma: its selectors are BuildKit check names as written, matched case-sensitively
    #: against the BuildKit checks a finding stands for; ``all`` skips everything only as the whole value.
    exact: bool = False
    #: For a ``# check=`` comment above an instruction: the only checks it can skip (None: any).
    only: Optional[frozenset[str]] = None

    @property
    def skip_all(self) -> bool:
        return self.exact and self.selectors == ("all",)

    def spelled(self, selector: str) -> str:
        return next((w for w in self.written if w == selector or w.lower() == selector), selector)

    def covers(self, offset: int) -> bool:
        return self.scope is None or self.scope[0] <= offset < self.scope[1]


def _written(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _selectors(text: str) -> tuple[str, ...]:
    return tuple(part.lower() for part in _written(text))


def is_pragma(comment: ast.Comment) -> bool:
    """The comment is a ``# dflint: ignore=`` or ``# hadolint ignore=`` suppression."""
    return _parse_comment(comment) is not None


def _parse_comment(comment: ast.Comment) -> Optional[tuple[bool, str, Optional[str], str]]:
    text = comment.text.strip()
    match = _DFLINT.match(text)
    if match:
        return bool(match.group(1)), match.group(2), match.group(3), "dflint"
    match = _HADOLINT.match(text)
    if match:
        # hadolint (Pragma.hs) reads a `#` after the rule list as a comment running to the end of the line:
        # `# hadolint ignore=DL3008,DL3015 # pinned upstream` ignores two rules, and gives a reason.
        rules, _, comment = match.group(2).partition("#")
        return bool(match.group(1)), rules, comment.strip() or None, "hadolint"
    return None


#: BuildKit's experimental checks (``Experimental: true`` in frontend/dockerfile/linter/ruleset.go): they
#: run only when ``# check=experimental=`` names them or says ``all``, and ``skip=`` does not apply to them.
EXPERIMENTAL_CHECKS = frozenset({"InvalidDefinitionDescription"})

@dataclass(frozen=True)
class CheckOptions:
    """What the ``# check=`` directive tells BuildKit, read as its linter reads it.

    BuildKit (frontend/dockerfile/linter: ParseLintOptions) takes the value up
    to its first space, splits it on ``;`` into at most three options (a
    third one keeps any further ``;``), and reads ``skip=``, ``error=`` and
    ``experimental=``, keys and check names case-sensitively. Anything else,
    an option without ``=`` (an empty one after a trailing ``;`` too), or an
    ``error=`` value Go's ParseBool refuses makes ``docker build`` fail
    ("failed to parse check options"); ``problem`` says so (syntax-error
    reports it), and the options that could be read are kept as the author
    meant them. A later option overrides an earlier one with the same key.
    """

    directive: ast.Directive
    skip: tuple[str, ...] = ()  # as written (``skip=all``: ("all",))
    error: bool = False
    #: The ``error=...`` option as written, for messages (the last one, the one that counts).
    error_written: str = ""
    experimental: tuple[str, ...] = ()
    #: BuildKit's error when it cannot read the value, where in the value (offset, length), and a hint.
    problem: Optional[tuple[str, int, int, str]] = None

    @property
    def skip_all(self) -> bool:
        return self.skip == ("all",)  # only alone: in a list, "all" is one more (unknown) check name

    def enables(self, check: str) -> bool:
        """Whether BuildKit runs the experimental ``check`` on this file."""
        return check in EXPERIMENTAL_CHECKS and (self.experimental == ("all",) or check in self.experimental)

    def runs(self, check: str) -> bool:
        """Whether BuildKit runs ``check`` (a check name, case-sensitive) on this file."""
        if check in EXPERIMENTAL_CHECKS:
            return self.enables(check)
        return not self.skip_all and check not in self.skip


def _names(value: str) -> tuple[str, ...]:
    value = value.strip()
    return (value,) if value == "all" else tuple(name.strip() for name in value.split(","))


def check_options(file: ast.File) -> Optional[CheckOptions]:
    """The file's ``# check=`` directive as BuildKit reads it; None without one."""
    directive = next((d for d in file.directives if d.name == "check"), None)
    if directive is None:
        return None
    found, problem = _read_check_value(directive.value)
    return CheckOptions(directive, problem=problem, **found)  # type: ignore[arg-type]


def _read_check_value(written: str) -> tuple[dict[str, object], Optional[tuple[str, int, int, str]]]:
    """The options of a ``# check=`` value as BuildKit's ParseLintOptions reads them, and its error
    (message, offset in the value, length, hint) when it refuses the value."""
    from .syntax.validate_go import parse_bool  # Go's strconv.ParseBool, which BuildKit reads error= with

    value = written.split(" ", 1)[0]  # Go's strings.Cut(value, " "): the rest is dropped
    start = len(value) - len(value.lstrip())
    found: dict[str, object] = {}
    problem = None
    offset = start
    if not value.strip():
        return found, None
    for part in value.strip().split(";", 2):
        key, equals, option = part.partition("=")
        if not equals:
            if part.strip():
                hint = "write the options as skip=<checks>, error=<bool> or experimental=<checks>, separated by ';'"
            elif " " in written:
                hint = "BuildKit reads the value only up to its first space: write no space after ';'"
            else:
                hint = "remove the ';' at the end"
            problem = problem or (f'invalid check option "{part}"', offset, len(part), hint)
        elif key.strip() not in ("skip", "error", "experimental"):
            spelled = key.strip()
            hint = (f"write {spelled.lower()} in lower case" if spelled.lower() in ("skip", "error", "experimental")
                    else "the options are skip=, error= and experimental=")
            problem = problem or (f'invalid check option "{spelled}"', offset, len(part), hint)
            if spelled.lower() == "skip":  # still read for suppressions: what the author meant
                found["skip"] = _names(option)
        elif key.strip() == "error":
            error = parse_bool(option.strip())
            if error is not None:
                found["error"] = error
                found["error_written"] = part.strip()
            else:
                problem = problem or (f'failed to parse check option "{part}"', offset, len(part),
                                      "error= takes true or false")
        else:
            found[key.strip()] = _names(option)
        offset += len(part) + 1
    if problem is not None:
        message, where, length, hint = problem
        problem = (f"failed to parse check options: {message}", where, length, hint)
    return found, problem


#: The BuildKit checks a ``# check=`` comment above an instruction can skip: those BuildKit runs with
#: the linter it merges that comment into (ParseInstructionWithLinter for the parse-time checks of the
#: instruction, buildDispatchStates for a FROM's, dispatch for the others). Checks run over the whole
#: file (ConsistentInstructionCasing, DuplicateStageName, ReservedStageName, InvalidDefaultArgInFrom,
#: NoEmptyContinuation, InvalidBaseImagePlatform) use the file's linter: such a comment does not skip them.
#: Nor does one above an ONBUILD: BuildKit checks the trigger where it runs, parsed from its text alone.
INSTRUCTION_CHECKS = frozenset({
    "MaintainerDeprecated", "StageNameCasing", "FromAsCasing", "UndefinedArgInFrom", "RedundantTargetPlatform",
    "FromPlatformFlagConstDisallowed", "LegacyKeyValueFormat", "SecretsUsedInArgOrEnv", "WorkdirRelativePath",
    "JSONArgsRecommended", "MultipleInstructionsDisallowed", "UndefinedVar", "CopyIgnoredFile",
    "ExposeProtoCasing", "ExposeInvalidFormat",
})

#: The first dockerfile frontend that reads ``# check=`` comments above an instruction (BuildKit commit
#: a248d48d0, in dockerfile/1.21.0 and BuildKit v0.27.0).
CHECK_COMMENTS_SINCE = (1, 21)

_CHECK_COMMENT = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*\Z")


@dataclass(frozen=True)
class CheckComment:
    """A comment that BuildKit's directive syntax reads as ``check=...``, after the directives.

    ``instruction`` is the instruction whose comments hold it (BuildKit's
    ``PrevComment``: the comment lines since the previous instruction, blank
    lines included, an empty ``#`` line starting afresh), None when no
    instruction follows. ``applies`` says whether BuildKit applies it to
    that instruction: the first ``check`` comment of those lines, a value
    BuildKit can read, a frontend that reads such comments. ``why`` says
    why not, for messages.
    """

    comment: ast.Comment
    value: str
    instruction: Optional[ast.Instruction]
    options: dict
    applies: bool
    why: str = ""


def check_comments(file: ast.File) -> list[CheckComment]:
    """Every ``# check=`` comment after the directives, and whether BuildKit applies it."""
    from .model.frontend import frontend_at_least, frontend_pin

    older = frontend_at_least(file, CHECK_COMMENTS_SINCE) is False
    found: list[CheckComment] = []
    block: list[tuple[ast.Comment, str]] = []

    def close(instruction: Optional[ast.Instruction]) -> None:
        first = True
        for comment, value in block:
            options, problem = _read_check_value(value)
            if instruction is None:
                why = "no instruction follows it"
            elif older:
                pin = frontend_pin(file)
                why = (f"the frontend the `# syntax=` directive selects ({pin.name if pin else 'an older release'}) "
                       "reads `# check=` comments above an instruction only from 1.21")
            elif not first:
                why = "BuildKit reads only the first `# check=` comment above an instruction"
            elif problem is not None:
                why = f"BuildKit cannot read it ({problem[0]}: {problem[3]}), so it ignores the comment"
            else:
                why = ""
            found.append(CheckComment(comment, value, instruction, options, not why, why))
            first = False
        block.clear()

    for child in file.children:
        if isinstance(child, ast.Comment):
            if not child.value:
                _drop_block(block, found, "an empty `#` line comes between it and the instruction below")
                continue
            match = _CHECK_COMMENT.match(child.value)
            if match and match.group(1).lower() == "check":
                block.append((child, match.group(2)))
        elif isinstance(child, ast.Instruction):
            close(child)
    close(None)
    return found


def _drop_block(block: list, found: list[CheckComment], why: str) -> None:
    for comment, value in block:
        found.append(CheckComment(comment, value, None, {}, False, why))
    block.clear()


def collect(file: ast.File) -> list[Pragma]:
    """Every suppression pragma of the file, with the instruction it covers."""
    pragmas: list[Pragma] = []
    for directive in file.directives:
        if directive.name == "check":
            options = check_options(file)
            written = tuple(name for name in options.skip if name) if options is not None else ()
            if options is not None and written:
                exempt = frozenset(check.lower() for check in EXPERIMENTAL_CHECKS if options.enables(check))
                pragmas.append(Pragma(directive, written, None, written=written, source="check", exempt=exempt,
                                      exact=True))
    if any(isinstance(child, ast.Comment) and "=" in child.value for child in file.children):
        for found in check_comments(file):
            written = tuple(name for name in found.options.get("skip", ()) if name)
            if found.applies and written and found.instruction is not None:
                node = found.instruction
                # BuildKit runs an experimental check whatever skip= says, above an instruction too.
                pragmas.append(Pragma(found.comment, written, (node.span.start.offset, node.span.end.offset),
                                      written=written, source="check",
                                      exempt=frozenset(check.lower() for check in EXPERIMENTAL_CHECKS),
                                      exact=True, only=frozenset() if isinstance(node, ast.OnbuildInstruction)
                                      else INSTRUCTION_CHECKS))
    pending: list[tuple[ast.Comment, str, Optional[str], str]] = []
    for child in file.children:
        if isinstance(child, ast.Comment):
            parsed = _parse_comment(child)
            if parsed is None:
                continue
            is_global, text, reason, source = parsed
            if is_global:
                pragmas.append(Pragma(child, _selectors(text), None, reason, written=_written(text), source=source))
            else:
                pending.append((child, text, reason, source))
        elif isinstance(child, ast.Trivia):
            if child.text.count("\n") > 1:  # a blank line ends the comment block
                pending = _orphan(pending, pragmas)
        elif isinstance(child, ast.Instruction):
            scope = (child.span.start.offset, child.span.end.offset)
            for comment, text, reason, source in pending:
                pragmas.append(Pragma(comment, _selectors(text), scope, reason, written=_written(text), source=source))
            # A pragma on a comment line inside the instruction (BuildKit drops comment lines between
            # continuations) was written for that instruction: it covers it, or the file if global.
            for comment in child.comments:
                parsed = _parse_comment(comment)
                if parsed is not None:
                    is_global, text, reason, source = parsed
                    pragmas.append(Pragma(comment, _selectors(text), None if is_global else scope, reason,
                                          written=_written(text), source=source))
            pending = []
        else:
            pending = _orphan(pending, pragmas)
    _orphan(pending, pragmas)
    return pragmas


def _orphan(pending: list, pragmas: list[Pragma]) -> list:
    # A pragma with no instruction right below covers nothing; keep it so it can be reported.
    for comment, text, reason, source in pending:
        offset = comment.span.start.offset
        pragmas.append(Pragma(comment, _selectors(text), (offset, offset), reason, written=_written(text),
                              source=source))
    return []


def rule_keys(code: str, name: str, aliases: tuple[str, ...]) -> set[str]:
    return {code.lower(), name.lower(), *(a.lower() for a in aliases)}


#: Not BuildKit checks: ``docker build`` fails on them whatever ``# check=skip=all`` says.
_NOT_SKIPPED_BY_CHECK_ALL = frozenset({"syntax-error"})


class PragmaIndex:
    """The pragmas covering an offset, in the file's order, without trying each pragma.

    Line pragmas cover the span of one top-level instruction, and instructions
    do not overlap, so the pragmas covering an offset are the file-wide ones
    plus those of the one span holding it (found by bisection). Trying every
    pragma for every finding made a file with a pragma above each instruction
    quadratic. Spans that overlap (never made by :func:`collect`) fall back to
    trying every pragma.
    """

    def __init__(self, pragmas: list[Pragma]) -> None:
        self.pragmas = pragmas
        self._everywhere: list[int] = []
        spans: dict[tuple[int, int], list[int]] = {}
        for index, pragma in enumerate(pragmas):
            if pragma.scope is None:
                self._everywhere.append(index)
            elif pragma.scope[0] < pragma.scope[1]:
                spans.setdefault(pragma.scope, []).append(index)
        self._spans = sorted(spans.items())
        self._starts = [start for (start, _), _ in self._spans]
        self._disjoint = all(a[0][1] <= b[0][0] for a, b in zip(self._spans, self._spans[1:]))

    def covering(self, offset: int) -> list[Pragma]:
        if not self._disjoint:
            return [pragma for pragma in self.pragmas if pragma.covers(offset)]
        found = bisect_right(self._starts, offset) - 1
        (start, end), indexes = self._spans[found] if found >= 0 else ((0, 0), [])
        if not start <= offset < end:
            indexes = []
        if not self._everywhere:
            return [self.pragmas[i] for i in indexes]
        return [self.pragmas[i] for i in sorted(self._everywhere + indexes)]


def suppressed_by(diagnostic: Diagnostic, keys: set[str],
                  pragmas: Union[list[Pragma], PragmaIndex], checks: frozenset[str] = frozenset()) -> Optional[Pragma]:
    """The pragma that suppresses ``diagnostic`` (recording the use), or None.

    ``keys`` are the finding's rule code, name and aliases in lower case;
    ``checks`` the BuildKit checks it stands for, as BuildKit spells them
    (``# check=`` pragmas match those, case-sensitively).
    """
    offset = diagnostic.span.start.offset
    covering = pragmas.covering(offset) if isinstance(pragmas, PragmaIndex) else pragmas
    for pragma in covering:
        if not pragma.covers(offset) or pragma.exempt and not pragma.exempt.isdisjoint(keys):
            continue
        if pragma.exact:
            names = checks if pragma.only is None else checks & pragma.only
            if pragma.skip_all:
                # The directive's skip=all covers every rule (but syntax-error); a comment's, the checks it can skip.
                if names if pragma.only is not None else diagnostic.name not in _NOT_SKIPPED_BY_CHECK_ALL:
                    pragma.used.add("all")
                    return pragma
                continue
            for selector in pragma.selectors:
                if selector in names:
                    pragma.used.add(selector)
                    return pragma
            continue
        for selector in pragma.selectors:
            if selector == "all" and pragma.source == "check" and diagnostic.name in _NOT_SKIPPED_BY_CHECK_ALL:
                continue
            if selector == "all" or selector in keys:
                pragma.used.add(selector)
                return pragma
    return None
