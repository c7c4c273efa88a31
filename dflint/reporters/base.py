"""What every reporter shares: the run summary, the Reporter base and small helpers.

A reporter turns finished :class:`~dflint.linter.FileResult` objects into one
output format. It never decides anything (exit codes, colour, which rules ran):
the CLI passes those in. Output is deterministic: files sorted by path,
diagnostics by path, line, column, code.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Optional, Sequence, TextIO

from ..diagnostic import Diagnostic, Severity
from ..fix import Applicability

if TYPE_CHECKING:  # pragma: no cover - typing only; keeps `import dflint.reporters` cheap
    from ..linter import FileResult
    from ..rule import Rule
    from ..selection import RuleSet
    from .repo_root import RepositoryPaths

TOOL_NAME = "dflint"
INFORMATION_URI = "https://github.com/dflint/dflint"  # pyproject's Homepage

# Bytes that were not UTF-8 survive decoding as lone surrogates U+DC80..U+DCFF.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Summary:
    """Facts about the whole run that the results alone do not tell."""

    files: int  # files linted, unreadable ones included
    fixed: int  # fixes applied (0 without --fix)
    fail_level: Severity  # findings at or above it fail the run
    exit_code: int  # 0, 1 or 2, computed by the CLI
    problems_fixed: int = 0  # findings the fixes made go away (one fix may resolve several)


class Reporter:
    """Base class: one subclass per output format, registered under ``name``.

    ``root`` is the directory the results' relative paths are relative to (the
    CLI passes the working directory). Formats that a CI platform reads set
    ``workspace_variable`` and report :meth:`repo_path`, relative to the
    repository root (see :mod:`.repo_root`); the others report paths as given.
    ``environ`` (default: ``os.environ``) is where that variable is looked up.
    """

    name: ClassVar[str] = ""
    #: The variable naming the platform's checkout directory (GITHUB_WORKSPACE, CI_PROJECT_DIR), if any.
    workspace_variable: ClassVar[Optional[str]] = None

    def __init__(
        self,
        stream: TextIO,
        *,
        rules: "RuleSet",
        color: bool = False,
        statistics: bool = False,
        root: str = ".",
        environ: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.stream = stream
        self.rules = rules
        self.color = color
        self.statistics = statistics
        self.root = root
        self.environ = environ
        self._paths: Optional["RepositoryPaths"] = None

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def file_renderer(cls) -> "Optional[Callable[[FileResult], str]]":
        """A function giving one file's part of the report from its result alone, for formats
        whose parts do not depend on the other files; ``report`` then uses the
        ``FileResult.rendered`` parts it finds. The parallel run calls it on the workers,
        so it must be picklable (a module-level function, or a partial of one). None: the
        format renders the whole run at once."""
        return None

    # -- helpers for subclasses ---------------------------------------------------
    def write(self, text: str) -> None:
        self.stream.write(text)

    def write_json(self, data: Any, inline_depth: Optional[int] = None) -> None:
        self.write(dump_json(data, inline_depth) + "\n")

    @property
    def paths(self) -> "RepositoryPaths":
        """Repository roots for this run, found once per directory."""
        if self._paths is None:
            from .repo_root import RepositoryPaths  # only the CI formats need it

            self._paths = RepositoryPaths(self.root, self.workspace_variable, self.environ)
        return self._paths

    def repo_path(self, path: str) -> str:
        """The path CI services want: relative to the file's repository root, else as before."""
        return self.paths.path(path)


def sorted_results(results: Sequence["FileResult"]) -> list["FileResult"]:
    return sorted(results, key=lambda result: result.path)


def sorted_diagnostics(results: Sequence["FileResult"]) -> list[Diagnostic]:
    """Every diagnostic of the run, in output order."""
    return sorted((d for result in results for d in result.diagnostics), key=Diagnostic.sort_key)


def file_errors(results: Sequence["FileResult"]) -> list["FileResult"]:
    return [result for result in sorted_results(results) if result.error]


def severity_counts(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    """Counts per severity label, worst first, every label present."""
    counts = Counter(d.severity for d in diagnostics)
    return {severity.label: counts[severity] for severity in sorted(Severity, reverse=True)}


def fixable_counts(diagnostics: Sequence[Diagnostic]) -> tuple[int, int]:
    """How many diagnostics ``--fix`` would fix, and how many more ``--unsafe-fixes`` would."""
    kinds = Counter(d.fix.applicability for d in diagnostics if d.fix and d.fix.edits)
    return kinds[Applicability.SAFE], kinds[Applicability.UNSAFE]


def tool_version() -> str:
    import dflint  # read at call time so tests can pin it for snapshots

    return dflint.__version__


def rule_docs_url(rule: type["Rule"]) -> Optional[str]:
    """Where a rule's documentation lives (None for plugin rules without one)."""
    return rule.docs_url()


def printable(text: str) -> str:
    """``text`` safe to encode as UTF-8: undecodable bytes shown as ``\\xNN``."""
    if not _LONE_SURROGATE.search(text):
        return text
    text = _ESCAPED_BYTE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)
    return _LONE_SURROGATE.sub("\ufffd", text)


# Control characters a terminal would act on (ESC sequences, NUL, carriage return), tab aside.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """:func:`printable`, with control characters shown as ``\\xNN``: a Dockerfile's bytes quoted in a
    message cannot move the cursor, recolour or clear a terminal, nor split a finding over lines."""
    text = printable(text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _CONTROL.search(text) else text


class RawJson(str):
    """JSON text already rendered (a file's part of a report): written as it is."""

    __slots__ = ()


def dump_json(data: Any, inline_depth: Optional[int] = None, depth: int = 0) -> str:
    """Indented JSON; escapes non-ASCII only if the data holds undecodable bytes.

    With ``inline_depth``, containers nested that deep are written on one line
    each (one finding per line): easier to scan than 40 indented lines per
    finding, and the C encoder does that part; ``indent=2`` alone forces
    Python's pure-Python encoder, several times slower on large reports.
    ``depth`` is where ``data`` sits in an enclosing document (its
    indentation); with ``inline_depth``, :class:`RawJson` values in ``data``
    are written as they are.
    """
    text = _dump_json(data, False, inline_depth, depth)
    if not _encodable(text):  # undecodable bytes (lone surrogates): use \u escapes
        text = _dump_json(data, True, inline_depth, depth)
    return text


def _encodable(text: str) -> bool:
    """Whether UTF-8 can encode ``text`` (it has no lone surrogate). Encoding a large report to
    find out is several times faster than searching it for one."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _dump_json(data: Any, ensure_ascii: bool, inline_depth: Optional[int], depth: int) -> str:
    if inline_depth is None:
        return json.dumps(data, indent=2, ensure_ascii=ensure_ascii)
    inline = json.JSONEncoder(ensure_ascii=ensure_ascii, separators=(", ", ": ")).encode

    def render(value: Any, depth: int) -> str:
        if isinstance(value, RawJson):
            return value
        if depth >= inline_depth or not value or not isinstance(value, (dict, list)):
            return inline(value)
        pad = "\n" + "  " * (depth + 1)
        if isinstance(value, dict):
            items = [f"{inline(str(key))}: {render(item, depth + 1)}" for key, item in value.items()]
            opening, closing = "{", "}"
        else:
            items = [render(item, depth + 1) for item in value]
            opening, closing = "[", "]"
        # one join: a report's outer levels hold megabytes, and each + would copy them again
        return "".join((opening, pad, ("," + pad).join(items), "\n", "  " * depth, closing))

    return render(data, depth)


def display_end_line(diagnostic: Diagnostic) -> int:
    """The last line a span really covers: a span ending at column 1 stops on the line before."""
    start, end = diagnostic.span
    if end.line > start.line and end.column == 1:
        return end.line - 1
    return end.line


def plural(count: int, noun: str, plural_form: Optional[str] = None) -> str:
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"
