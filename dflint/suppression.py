"""Inline suppressions: dflint's own pragmas, hadolint's, and BuildKit's ``# check=skip=``.

* ``# dflint: ignore=CODE|name[,...] [-- reason]`` in the comment lines just
  above an instruction covers that whole instruction, however many lines;
* ``# dflint: global ignore=...`` covers the file;
* ``# hadolint ignore=DL3008 [# reason]`` / ``# hadolint global ignore=...``
  work the same through the rules' hadolint aliases;
* the ``# check=skip=Rule1,Rule2`` (or ``skip=all``) directive covers the file
  through the rules' BuildKit aliases; ``skip=all`` covers every rule but
  syntax-error, as BuildKit still fails the build on a Dockerfile it cannot parse.

Selectors match a rule's code, name or any alias, case-insensitively; ``all``
matches everything. Which pragma suppressed something is recorded, so unused
pragmas can be reported.
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

    def spelled(self, selector: str) -> str:
        return next((w for w in self.written if w.lower() == selector), selector)

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


def _check_directive(directive: ast.Directive) -> tuple[str, ...]:
    """The check names of `# check=skip=A,B;error=true` (options separated by ';'), as written."""
    for option in directive.value.split(";"):
        key, _, value = option.partition("=")
        if key.strip().lower() == "skip":
            return _written(value)
    return ()


def collect(file: ast.File) -> list[Pragma]:
    """Every suppression pragma of the file, with the instruction it covers."""
    pragmas: list[Pragma] = []
    for directive in file.directives:
        if directive.name == "check":
            written = _check_directive(directive)
            if written:
                pragmas.append(Pragma(directive, tuple(w.lower() for w in written), None, written=written,
                                      source="check"))
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
                  pragmas: Union[list[Pragma], PragmaIndex]) -> Optional[Pragma]:
    """The pragma that suppresses ``diagnostic`` (recording the use), or None."""
    offset = diagnostic.span.start.offset
    covering = pragmas.covering(offset) if isinstance(pragmas, PragmaIndex) else pragmas
    for pragma in covering:
        if not pragma.covers(offset):
            continue
        for selector in pragma.selectors:
            if selector == "all" and pragma.source == "check" and diagnostic.name in _NOT_SKIPPED_BY_CHECK_ALL:
                continue
            if selector == "all" or selector in keys:
                pragma.used.add(selector)
                return pragma
    return None
