"""Diagnostic: one finding, immutable, sortable, serializable."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional

from .fix import Fix
from .source import Span, Spanned


class Severity(enum.IntEnum):
    """How much a finding matters; higher is worse."""

    STYLE = 1
    INFO = 2
    WARNING = 3
    ERROR = 4

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Diagnostic(Spanned):
    """A finding, as the engine stamps it: rule identity, severity, place, message, fix."""

    path: str
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    fix: Optional[Fix] = None
    docs_url: Optional[str] = None
    related: tuple[tuple[str, Span], ...] = field(default=())
    #: The other linter's name for this very finding, when the rule has partial aliases.
    alias: Optional[str] = None

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (schema: dflint/schemas/lint.schema.json)."""
        start, end = self.span
        data: dict[str, Any] = {
            "path": self.path,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "start": {"line": start.line, "column": start.column, "offset": start.offset},
            "end": {"line": end.line, "column": end.column, "offset": end.offset},
            "docs": self.docs_url,
            "fix": self.fix.to_dict() if self.fix else None,
        }
        if self.alias:
            data["alias"] = self.alias
        if self.related:
            data["related"] = [
                {"message": note, "start": {"line": s.start.line, "column": s.start.column, "offset": s.start.offset},
                 "end": {"line": s.end.line, "column": s.end.column, "offset": s.end.offset}}
                for note, s in self.related
            ]
        return data
