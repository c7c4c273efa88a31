"""GitLab Code Quality: a JSON array of issues, shown in merge requests.

``location.path`` is relative to the repository root, as GitLab requires to
show an issue in the merge request diff: ``CI_PROJECT_DIR`` (where the runner
cloned the project) when the file lies under it, else the nearest directory
holding ``.git`` (see :mod:`.repo_root`), so a job that runs ``cd services/api
&& dflint .`` still says ``services/api/Dockerfile``. A file in no repository
keeps its path relative to the working directory, or as given.

GitLab matches issues between the base and head pipelines by ``fingerprint``,
so it must survive unrelated edits: it hashes that repository path, rule
code, message and the issue's occurrence index among identical ones, but not
the line number (adding a line above would otherwise make every issue "new").
Line numbers inside the message ("follows the RUN on line 2") are masked for
the same reason. Neither the directory dflint runs from nor where the project
is cloned changes a fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Sequence

from ..diagnostic import Diagnostic, Severity
from .base import Reporter, Summary, display_end_line, sorted_results
from .repo_root import CI_PROJECT_DIR

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "minor", Severity.STYLE: "info"}
IO_ERROR = "io-error"
# "line 2", "(lines 3, 7)", "lines 3 and 7": messages point at other instructions by line number.
_LINE_NUMBERS = re.compile(r"\b(lines?) \d+(?:(?:, | and |-)\d+)*")


def fingerprint(*parts: str) -> str:
    # sha256, not md5: md5 is unavailable on FIPS-mode Pythons. 32 hex digits are plenty.
    joined = "\0".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.sha256(joined).hexdigest()[:32]


class GitlabReporter(Reporter):
    name = "gitlab"
    workspace_variable = CI_PROJECT_DIR

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
        issues: list[dict[str, Any]] = []
        seen: Counter[tuple[str, str, str]] = Counter()
        for result in sorted_results(results):
            path = self.repo_path(result.path)
            if result.error:  # the file was not checked: say so loudly
                issues.append(_issue(result.error, IO_ERROR, fingerprint(path, IO_ERROR), "blocker", path, 1, 1))
            for d in sorted(result.diagnostics, key=Diagnostic.sort_key):
                key = (path, d.code, _LINE_NUMBERS.sub(r"\1 N", d.message))
                occurrence = seen[key]
                seen[key] += 1
                issues.append(_issue(
                    f"{d.code} {d.name}: {d.message}", d.code, fingerprint(*key, str(occurrence)),
                    SEVERITIES[d.severity], path, d.line, display_end_line(d),
                ))
        self.write_json(issues)


def _issue(description: str, check: str, print_: str, severity: str, path: str, begin: int, end: int) -> dict[str, Any]:
    return {
        "description": description,
        "check_name": check,
        "fingerprint": print_,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": begin, "end": end}},
    }
