"""Checkstyle XML, which Jenkins, reviewdog, Sonar and many CI plugins read.

Every file linted gets a ``<file>`` element (clean ones too, as Checkstyle
itself does); each finding an ``<error>`` with ``source="dflint.CODE"``. An
unreadable file gets one ``<error>`` without line or column. Written by hand,
not with ElementTree, so escaping is the same on every Python version.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from ..diagnostic import Diagnostic, Severity
from .base import Reporter, Summary, printable, sorted_results

if TYPE_CHECKING:  # pragma: no cover
    from ..linter import FileResult

SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info", Severity.STYLE: "info"}
# Characters XML 1.0 forbids even as references: they become U+FFFD.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Attribute-value normalisation would turn raw tabs and newlines into spaces.
_ATTR_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r]')


def attr(value: object) -> str:
    """``value`` as a double-quoted XML attribute value."""
    text = _NOT_XML.sub("\ufffd", printable(str(value)))
    return '"' + _ATTR_SPECIAL.sub(lambda m: _ATTR_ESCAPES[m.group()], text) + '"'


class CheckstyleReporter(Reporter):
    name = "checkstyle"

    def report(self, results: Sequence["FileResult"], summary: Summary) -> None:
        self.write('<?xml version="1.0" encoding="UTF-8"?>\n<checkstyle version="4.3">\n')
        for result in sorted_results(results):
            self.write(f"  <file name={attr(result.path)}>\n")
            if result.error:
                self.write(f'    <error severity="error" message={attr(result.error)} source="dflint.io-error"/>\n')
            for d in sorted(result.diagnostics, key=Diagnostic.sort_key):
                self.write(
                    f"    <error line={attr(d.line)} column={attr(d.column)} severity={attr(SEVERITIES[d.severity])}"
                    f" message={attr(d.message)} source={attr('dflint.' + d.code)}/>\n"
                )
            self.write("  </file>\n")
        self.write("</checkstyle>\n")
