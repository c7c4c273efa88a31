"""The default, human-readable format: ``path:line:col: CODE name message``.

One line per finding, so editors' problem matchers and ``grep`` can read it;
an unreadable file prints ``path: error: message``; optional per-rule
statistics; a closing summary line. Colour only when the CLI asks for it.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Callable, Sequence

from ..diagnostic import Diagnostic, Severity
from ..fix import Applicability
from .base import (
    Reporter,
    Summary,
    fixable_counts,
    plural,
    severity_counts,
    sorted_diagnostics,
    sorted_results,
    terminal_safe,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
SEVERITY_COLORS = {
    Severity.ERROR: "\x1b[1;31m",  # bold red
    Severity.WARNING: "\x1b[33m",  # yellow
    Severity.INFO: "\x1b[36m",  # cyan
    Severity.STYLE: "\x1b[35m",  # magenta
}
# Nouns for the summary's breakdown: "1 error, 2 warnings, 3 info, 1 style".
_NOUNS = {"error": ("error", "errors"), "warning": ("warning", "warnings"),
          "info": ("info", "info"), "style": ("style", "style")}


class TextReporter(Reporter):
    name = "text"

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
        for result in sorted_results(results):
            if result.error:
                self.write(f"{self._path(result.path)}: {self._paint('error', Severity.ERROR)}: "
                           f"{terminal_safe(result.error)}\n")
            for diagnostic in sorted(result.diagnostics, key=Diagnostic.sort_key):
                self.write(self._line(diagnostic))
        if self.statistics:
            write_statistics(self.write, sorted_diagnostics(results))
        if summary.fixed:
            self.write(fixed_line(summary.problems_fixed, summary.fixed) + ".\n")
        self.write(summary_line(results, summary) + "\n")

    def _line(self, d: Diagnostic) -> str:
        return (f"{self._path(d.path)}:{d.line}:{d.column}: {self._paint(d.code, d.severity)} "
                f"{d.name} {terminal_safe(d.message)}\n")

    def _path(self, path: str) -> str:
        path = terminal_safe(path)
        return f"{BOLD}{path}{RESET}" if self.color else path

    def _paint(self, text: str, severity: Severity) -> str:
        return f"{SEVERITY_COLORS[severity]}{text}{RESET}" if self.color else text


def fixed_line(problems: int, fixes: int, verb: str = "Fixed") -> str:
    """``Fixed 3 problems``, or ``Fixed 3 problems with 2 fixes`` when a fix resolved several."""
    counted = f"{verb} {plural(problems, 'problem')}"
    return counted if problems == fixes else f"{counted} with {plural(fixes, 'fix', 'fixes')}"


def summary_line(results: Sequence["FileResult"], summary: Summary) -> str:
    """``Found 3 problems (1 error, 2 warnings) in 2 of 5 files; 1 fixable with --fix.``"""
    diagnostics = [d for result in results for d in result.diagnostics]
    errors = sum(1 for result in results if result.error)
    io_note = f"; {plural(errors, 'file')} could not be read or written (see above)" if errors else ""
    if not diagnostics:
        if errors:
            return f"No problems found ({plural(summary.files, 'file')}){io_note}."
        return f"All checks passed ({plural(summary.files, 'file')})."
    breakdown = ", ".join(
        f"{count} {_NOUNS[label][count != 1]}" for label, count in severity_counts(diagnostics).items() if count
    )
    with_problems = len({d.path for d in diagnostics})
    line = (f"Found {plural(len(diagnostics), 'problem')} ({breakdown}) "
            f"in {with_problems} of {plural(summary.files, 'file')}")
    safe, unsafe = fixable_counts(diagnostics)
    if safe:
        line += f"; {safe} fixable with --fix"
    if unsafe:
        line += f"; {unsafe} {'more ' if safe else 'fixable '}with --fix --unsafe-fixes"
    return line + io_note + "."


def write_statistics(write: Callable[[str], object], diagnostics: Sequence[Diagnostic]) -> None:
    """A line per rule with findings, most first: count, code, ``[*]`` when ``--fix`` would fix
    at least one of them (as in the summary), name."""
    counts = Counter(d.code for d in diagnostics)
    if not counts:
        return
    names = {d.code: d.name for d in diagnostics}
    fixable = {d.code for d in diagnostics if d.fix and d.fix.edits and d.fix.applicability is Applicability.SAFE}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(count)) for _, count in rows)
    code_width = max(len(code) for code, _ in rows)
    for code, count in rows:
        mark = "[*]" if code in fixable else "   "
        write(f"{count:>{count_width}}  {code:<{code_width}}  {mark} {names[code]}\n")
