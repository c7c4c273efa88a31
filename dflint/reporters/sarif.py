"""SARIF 2.1.0 for code-scanning services (GitHub code scanning, Azure DevOps, IDE viewers).

One run. ``tool.driver.rules`` describes every rule of the RuleSet (from the
rule's docstring, so nothing is written twice), plus any rule a diagnostic
names that the set lacks. Columns count code points, as dflint's do.

Locations are relative to the repository root, because GitHub code scanning
reads a relative ``uri`` as relative to the root of the repository and ignores
``uriBaseId``/``originalUriBaseIds``; a run from a subdirectory must still say
``services/api/Dockerfile``. The root is found as for the ``github`` format
(``GITHUB_WORKSPACE`` when the files lie under it, else the nearest directory
holding ``.git``; see :mod:`.repo_root`); with no repository at all it is the
working directory, as before. Each relative ``uri`` also carries
``"uriBaseId": "%SRCROOT%"``, and ``run.originalUriBaseIds`` gives that root
as an absolute ``file:`` URI, so other SARIF viewers can resolve it too. When
the files span several repositories, ``%SRCROOT%`` is the one most of them are
in; a file outside it gets an absolute ``file:`` URI without a base, which
upload-sarif makes relative to its ``checkout_path``. Standard input read
without ``--stdin-filename`` is ``-``. No ``invocations[].workingDirectory`` is
written: GitHub would take it as the root for absolute URIs.

A result's ``fixes`` hold its safe and unsafe fixes, not display-only ones:
SARIF has no applicability, and a viewer that offers to apply a fix would
apply a suggestion that changes the build. An unsafe fix's description
starts by saying it is unsafe (``properties.applicability`` says it too, for
tools that read it).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence
from urllib.parse import quote

from ..diagnostic import Diagnostic, Severity
from ..fix import Applicability, Fix
from ..rule import DOC_SECTIONS
from ..source import Span
from .base import (
    INFORMATION_URI,
    TOOL_NAME,
    Reporter,
    Summary,
    file_errors,
    printable,
    rule_docs_url,
    sorted_diagnostics,
    sorted_results,
    tool_version,
)
from .repo_root import GITHUB_WORKSPACE, STDIN, relative_to

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult
    from ..rule import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.STYLE: "note"}


class SarifReporter(Reporter):
    name = "sarif"
    workspace_variable = GITHUB_WORKSPACE
    _base = ""  # %SRCROOT% of the run being reported

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
        self._base = self._source_root(results)
        diagnostics = sorted_diagnostics(results)
        descriptors = [self._descriptor(rule) for rule in self.rules.rules]
        index = {descriptor["id"]: i for i, descriptor in enumerate(descriptors)}
        for d in diagnostics:  # e.g. internal-error, or a rule from a plugin that failed to load
            if d.code not in index:
                index[d.code] = len(descriptors)
                descriptors.append({"id": d.code, "name": d.name, "shortDescription": {"text": d.name}})
        invocation: dict[str, Any] = {"executionSuccessful": summary.exit_code != 2, "exitCode": summary.exit_code}
        notifications = [
            {"level": "error", "message": {"text": printable(result.error or "")},
             "locations": [{"physicalLocation": {"artifactLocation": self._artifact(result.path)}}],
             "descriptor": {"id": "io-error"}}
            for result in file_errors(results)
        ]
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        invocation["properties"] = {"files": summary.files, "fixed": summary.fixed,
                                    "problemsFixed": summary.problems_fixed, "failLevel": summary.fail_level.label}
        run = {
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": tool_version(),
                "semanticVersion": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }},
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(self._base)}},
            "columnKind": "unicodeCodePoints",  # dflint's columns count code points
            "results": [self._result(d, index[d.code]) for d in diagnostics],
        }
        # From depth 7 (a result's physicalLocation, a fix's changes, a rule's descriptions) each piece
        # is one line, by the C encoder: full indentation takes the pure-Python one, 2.4x slower.
        self.write_json({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}, inline_depth=7)

    # -- pieces ------------------------------------------------------------------
    def _descriptor(self, rule: type["Rule"]) -> dict[str, Any]:
        docs = rule.docs()
        summary = rule.summary or rule.name
        markdown = "\n\n".join(f"## {title}\n\n{docs.section(title)}"
                               for title in DOC_SECTIONS if docs.section(title))
        descriptor: dict[str, Any] = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": docs.section("What it does") or summary},
            "help": {"text": markdown or summary, "markdown": markdown or summary},
        }
        url = rule_docs_url(rule)
        if url:
            descriptor["helpUri"] = url
        descriptor["defaultConfiguration"] = {"level": LEVELS[rule.severity]}
        tags = ["dockerfile", *getattr(rule, "tags", ())]  # Rule has no tags yet; honour them if it gains some
        severity = getattr(rule, "security_severity", None)  # checked when the plugin was loaded
        if severity is not None:
            tags.append("security")
        descriptor["properties"] = {
            "aliases": list(rule.aliases),
            "tags": list(dict.fromkeys(tags)),
            "fixable": rule.fixable,
            "origin": rule.origin,
        }
        if severity is not None:  # GitHub code scanning reads it as a string: "7.5"
            descriptor["properties"]["security-severity"] = f"{severity:.1f}"
        return descriptor

    def _source_root(self, results: Sequence["FileResult"]) -> str:
        """``%SRCROOT%``: the repository most files are in (the working directory's on a tie), else the cwd."""
        paths = self.paths
        here = paths.directory_root(paths.cwd)
        roots = Counter(root for root in (paths.root_of(r.path) for r in sorted_results(results)) if root)
        if not roots:
            return here or paths.cwd
        return max(sorted(roots), key=lambda root: (roots[root], root == here))

    def _artifact(self, path: str) -> dict[str, str]:
        if path == STDIN:
            relative: Optional[str] = STDIN
        else:
            located = self.paths.locate(path)
            if located is not None and located[0] == self._base:
                relative = located[1]
            else:  # in another repository nested in this one, or in none: relative if it is inside at all
                relative = relative_to(self.paths.absolute(path), self._base)
        if relative is None:  # outside the root: an absolute URI, no base
            return {"uri": Path(self.paths.absolute(path)).as_uri()}
        # surrogateescape: an undecodable file name percent-encodes as its real bytes
        return {"uri": quote(relative, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}

    def _result(self, d: Diagnostic, rule_index: int) -> dict[str, Any]:
        artifact = self._artifact(d.path)
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": rule_index,
            "level": LEVELS[d.severity],
            "message": {"text": printable(d.message)},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(d.span)}}],
        }
        if d.related:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": printable(note)},
                 "physicalLocation": {"artifactLocation": artifact, "region": _region(span)}}
                for i, (note, span) in enumerate(d.related, 1)
            ]
        # SARIF has no applicability: a viewer offering "apply fix" would apply a display-only one.
        if d.fix and d.fix.edits and d.fix.applicability is not Applicability.DISPLAY:
            result["fixes"] = [_fix(d.fix, artifact)]
        return result


def _directory_uri(directory: str) -> str:
    """An absolute directory as a ``file://`` URI ending in ``/`` (SARIF requires the slash)."""
    uri = Path(directory).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _region(span: Span) -> dict[str, Any]:
    start, end = span
    # SARIF's endColumn is "the column after the last character", as dflint's span end.
    return {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column}


def _fix(fix: Fix, artifact: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": printable(_fix_description(fix))},
        "artifactChanges": [{
            "artifactLocation": artifact,
            "replacements": [
                {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}
                for edit in sorted(fix.edits, key=lambda e: (e.start, e.end))
            ],
        }],
        "properties": {"applicability": fix.applicability.value},
    }


def _fix_description(fix: Fix) -> str:
    """The fix's message; an unsafe fix says so first, as a viewer shows only this text before applying it."""
    if fix.applicability is Applicability.UNSAFE:
        return f"Unsafe fix, review before applying (it may change what the build does): {fix.message}"
    return fix.message
