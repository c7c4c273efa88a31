"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

``::error file=F,line=L,endLine=E,col=C,endColumn=D,title=CODE name::message``
(``warning`` and ``notice`` for lower severities). Paths are relative to
``root`` (the workspace). Escaping follows @actions/core: ``%``, CR and LF in
the message; those plus ``:`` and ``,`` in property values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..diagnostic import Diagnostic, Severity
from .base import Reporter, Summary, display_end_line, printable, sorted_results

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.STYLE: "notice"}


def escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}\n"


class GithubReporter(Reporter):
    name = "github"

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
        for result in sorted_results(results):
            if result.error:
                self.write(command("error", {"file": self.repo_path(result.path), "title": "dflint"},
                                   result.error))
            for d in sorted(result.diagnostics, key=Diagnostic.sort_key):
                self.write(command(COMMANDS[d.severity], self._properties(d), d.message))

    def _properties(self, d: Diagnostic) -> dict[str, object]:
        end_line = display_end_line(d)
        properties: dict[str, object] = {"file": self.repo_path(d.path), "line": d.line, "endLine": end_line}
        # GitHub rejects columns on annotations that span several lines.
        if end_line == d.line:
            properties["col"] = d.column
            if d.end_line == d.line:
                properties["endColumn"] = d.end_column
        properties["title"] = f"{d.code} {d.name}"
        return properties
