"""The editor interface: one versioned JSON document per run.

Schema: ``dflint/schemas/lint.schema.json``. Every file linted is listed,
clean ones included, so an editor can clear stale markers. Bump
``FORMAT_VERSION`` (and the schema) on any incompatible change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from ..diagnostic import Diagnostic
from .base import (
    TOOL_NAME,
    RawJson,
    Reporter,
    Summary,
    dump_json,
    fixable_counts,
    severity_counts,
    sorted_results,
    tool_version,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult

FORMAT_VERSION = 1


# root > files > file > diagnostics > one line per diagnostic
_INLINE_DEPTH = 4
_FILE_DEPTH = 2


class JsonReporter(Reporter):
    name = "json"

    @classmethod
    def file_renderer(cls) -> "Optional[Callable[[FileResult], str]]":
        return file_entry

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
        self.write_json(document(results, summary), inline_depth=_INLINE_DEPTH)


def file_entry(result: "FileResult") -> str:
    """One file's entry of ``files``, as JSON text indented for its place in the document."""
    entry = {
        "path": result.path,
        "error": result.error,
        "diagnostics": [d.to_dict() for d in sorted(result.diagnostics, key=Diagnostic.sort_key)],
    }
    return dump_json(entry, _INLINE_DEPTH, _FILE_DEPTH)


def document(results: Sequence["FileResult"], summary: Summary) -> dict[str, Any]:
    """The report; each file's entry is the one rendered with the file, when it was."""
    ordered = sorted_results(results)
    diagnostics = [d for result in ordered for d in result.diagnostics]
    safe, unsafe = fixable_counts(diagnostics)
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "files": [RawJson(result.rendered if result.rendered is not None else file_entry(result))
                  for result in ordered],
        "summary": {
            "files": summary.files,
            "files_with_problems": len({d.path for d in diagnostics}),
            "file_errors": sum(1 for result in ordered if result.error),
            "problems": len(diagnostics),
            "by_severity": severity_counts(diagnostics),
            "fixable": safe,
            "unsafe_fixable": unsafe,
            "fixed": summary.fixed,
            "problems_fixed": summary.problems_fixed,
            "fail_level": summary.fail_level.label,
            "exit_code": summary.exit_code,
        },
    }
