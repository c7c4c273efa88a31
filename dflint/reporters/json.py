"""The editor interface: one versioned JSON document per run.

Schema: ``dflint/schemas/lint.schema.json``. Every file linted is listed,
clean ones included, so an editor can clear stale markers. Bump
``FORMAT_VERSION`` (and the schema) on any incompatible change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from ..diagnostic import Diagnostic
from .base import (
    TOOL_NAME,
    Reporter,
    Summary,
    fixable_counts,
    severity_counts,
    sorted_results,
    tool_version,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult

FORMAT_VERSION = 1


class JsonReporter(Reporter):
    name = "json"

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
        # root > files > file > diagnostics > one line per diagnostic
        self.write_json(document(results, summary), inline_depth=4)


def document(results: Sequence["FileResult"], summary: Summary) -> dict[str, Any]:
    ordered = sorted_results(results)
    diagnostics = [d for result in ordered for d in result.diagnostics]
    safe, unsafe = fixable_counts(diagnostics)
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "files": [
            {
                "path": result.path,
                "error": result.error,
                "diagnostics": [d.to_dict() for d in sorted(result.diagnostics, key=Diagnostic.sort_key)],
            }
            for result in ordered
        ],
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
