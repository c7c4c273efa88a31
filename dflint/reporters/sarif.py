"""SARIF 2.1.0 for code-scanning services (GitHub code scanning, Azure DevOps, IDE viewers).

One run. ``tool.driver.rules`` describes every rule of the RuleSet (from the
rule's docstring, so nothing is written twice), plus any rule a diagnostic
names that the set lacks. Locations are relative to ``%SRCROOT%`` (the
reporter's ``root``); columns count code points, as dflint's do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence
from urllib.parse import quote

from ..diagnostic import Diagnostic, Severity
from ..fix import Fix
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
    tool_version,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult
    from ..rule import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.STYLE: "note"}


class SarifReporter(Reporter):
    name = "sarif"

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
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
                                    "failLevel": summary.fail_level.label}
        run = {
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": tool_version(),
                "semanticVersion": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }},
            "invocations": [invocation],
            "originalUriBaseIds": {SRCROOT: {"uri": self.root_uri()}},
            "columnKind": "unicodeCodePoints",  # dflint's columns count code points
            "results": [self._result(d, index[d.code]) for d in diagnostics],
        }
        self.write_json({"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]})

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
        descriptor["properties"] = {
            "aliases": list(rule.aliases),
            "tags": list(dict.fromkeys(tags)),
            "fixable": rule.fixable,
            "origin": rule.origin,
        }
        return descriptor

    def _artifact(self, path: str) -> dict[str, str]:
        relative = self.relative_path(path)
        if relative is None:  # outside the root: an absolute URI, no base
            return {"uri": Path(os.path.abspath(path)).as_uri()}
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
        if d.fix and d.fix.edits:
            result["fixes"] = [_fix(d.fix, artifact)]
        return result


def _region(span: Span) -> dict[str, Any]:
    start, end = span
    # SARIF's endColumn is "the column after the last character", as dflint's span end.
    return {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column}


def _fix(fix: Fix, artifact: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": printable(fix.message)},
        "artifactChanges": [{
            "artifactLocation": artifact,
            "replacements": [
                {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}
                for edit in sorted(fix.edits, key=lambda e: (e.start, e.end))
            ],
        }],
        "properties": {"applicability": fix.applicability.value},
    }
