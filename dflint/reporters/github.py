"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

``::error file=F,line=L,endLine=E,col=C,endColumn=D,title=CODE name::message``
(``warning`` and ``notice`` for lower severities). Escaping follows
@actions/core: ``%``, CR and LF in the message; those plus ``:`` and ``,`` in
property values. Other control characters are shown as ``\\xNN``, as in the
text output: raw, an ESC sequence from a Dockerfile would recolour or hide
lines of the job log.

``file=`` is relative to the repository root, whatever the step's
``working-directory``: the runner reads a relative ``file`` as relative to
``GITHUB_WORKSPACE`` (and makes an absolute one relative to it), so the root is
``GITHUB_WORKSPACE`` when the file lies under it, else the nearest directory
holding ``.git`` (see :mod:`.repo_root`). A file in no repository keeps its
path relative to the working directory, or as given.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from ..diagnostic import Diagnostic, Severity
from .base import Reporter, Summary, display_end_line, sorted_results, terminal_safe
from .repo_root import GITHUB_WORKSPACE

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.STYLE: "notice"}
_LINE_BREAKS = {"\r": "%0D", "\n": "%0A"}


def escape_data(text: str) -> str:
    # CR and LF keep GitHub's encoding, so a multi-line message stays multi-line in the annotation.
    return "".join(_LINE_BREAKS.get(part) or terminal_safe(part).replace("%", "%25")
                   for part in re.split("([\r\n])", text))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {props}::{escape_data(message)}\n"


class GithubReporter(Reporter):
    name = "github"
    workspace_variable = GITHUB_WORKSPACE

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
