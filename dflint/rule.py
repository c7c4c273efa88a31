"""What a rule is: identity, severity, options, documentation and a ``check``.

A rule module holds one :class:`Rule` subclass. Its docstring *is* its
documentation, in fixed sections::

    ## What it does
    ## Why is this bad?
    ## Example          (a ```dockerfile block that must fire)
    ## Use instead      (a ```dockerfile block that must not fire)
    ## Fix safety

``dflint rule NAME``, the README's rule table and the JSON/SARIF rule metadata
are all rendered from it. Rules only *find*: selection, severity overrides,
suppressions and fixing are the engine's business.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Iterator, Optional, Sequence, Union

from . import ast
from .diagnostic import Severity
from .fix import Applicability, Edit, Fix
from .source import Position, Span

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis
    from .model import BuildModel

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")
#: Built-in rules' documentation, generated from their docstrings into docs/rules/.
DOCS_BASE = "https://github.com/dflint/dflint/blob/main/docs/rules/"
_SECTION = re.compile(r"^## (.+?)\s*$", re.M)
_CODE_BLOCK = re.compile(r"```(?:dockerfile|Dockerfile)?\n(.*?)```", re.S)
_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean", list: "list of strings", float: "number",
               dict: "table of strings"}


@dataclass(frozen=True)
class Option:
    """A typed, documented rule option (set in ``[tool.dflint.rules.<name>]``)."""

    name: str
    type: type
    default: Any
    description: str
    choices: Optional[tuple[Any, ...]] = None
    #: The smallest value a number option accepts (a count or size below it means nothing).
    minimum: Optional[float] = None

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES.get(self.type, self.type.__name__)

    def convert(self, value: Any) -> Any:
        """The validated value; ValueError with a message for the user."""
        if self.type is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"expected a list of strings, got {value!r}")
            return tuple(value)
        if self.type is dict:
            # A table of string values (choices, when given, constrain the values); a copy, keys in order.
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                      for k, v in value.items()):
                raise ValueError(f"expected a table of strings, got {value!r}")
            bad = [f"{k} = {v!r}" for k, v in value.items() if self.choices is not None and v not in self.choices]
            if bad:
                raise ValueError(f"expected values among {', '.join(map(str, self.choices))}, got {', '.join(bad)}")
            return dict(value)
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            raise ValueError(f"expected {self.type_name}, got {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"expected one of {', '.join(map(str, self.choices))}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"expected {self.type_name} of at least {self.minimum}, got {value!r}")
        return value


@dataclass(frozen=True)
class Finding:
    """What a rule reports; the engine turns it into a :class:`~dflint.diagnostic.Diagnostic`."""

    span: Span
    message: str
    fix: Optional[Fix] = None
    related: tuple[tuple[str, Span], ...] = ()
    alias: Optional[str] = None


@dataclass(frozen=True)
class RuleDocs:
    """The sections of a rule's docstring."""

    sections: dict[str, str] = field(default_factory=dict)

    def section(self, title: str) -> str:
        return self.sections.get(title, "")

    def examples(self, title: str) -> list[str]:
        return [block for block in _CODE_BLOCK.findall(self.section(title))]

    @property
    def bad_examples(self) -> list[str]:
        return self.examples("Example")

    @property
    def good_examples(self) -> list[str]:
        return self.examples("Use instead")


class Rule:
    """Base class of every rule, built-in or from a plugin."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    #: Other linters' names for exactly this rule (hadolint DL codes, BuildKit check names).
    aliases: ClassVar[tuple[str, ...]] = ()
    #: Names for some of this rule's findings only (each finding says which, in ``Finding.alias``):
    #: ignoring one drops those findings, not the rule.
    partial_aliases: ClassVar[tuple[str, ...]] = ()
    options: ClassVar[tuple[Option, ...]] = ()
    fixable: ClassVar[bool] = False
    #: Off unless selected (rules that are policy, not a problem for everyone).
    default_enabled: ClassVar[bool] = True
    #: Runs whatever the selection, the ignores and the suppressions say (syntax-error: a file
    #: ``docker build`` rejects must never pass because a selection left the rule out).
    always_enabled: ClassVar[bool] = False
    #: For a rule whose findings are security weaknesses: how severe, from 0.0 to 10.0 as in CVSS
    #: (GitHub: 9.0 and up critical, 7.0 high, 4.0 medium, below that low). SARIF output tags such a
    #: rule `security` with this `security-severity`, which is how code scanning lists and ranks it.
    security_severity: ClassVar[Optional[float]] = None
    #: Documentation URL; built-in rules get theirs from DOCS_BASE.
    url: ClassVar[Optional[str]] = None
    #: Where the rule came from (set by the plugin manager).
    origin: ClassVar[str] = ""

    def check(self, ctx: "RuleContext") -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def docs(cls) -> RuleDocs:
        text = inspect.cleandoc(cls.__doc__ or "")
        parts = _SECTION.split(text)
        sections = {title.strip(): body.strip() for title, body in zip(parts[1::2], parts[2::2])}
        return RuleDocs(sections)

    @classmethod
    def docs_url(cls) -> Optional[str]:
        if cls.url:
            return cls.url
        return f"{DOCS_BASE}{cls.name}.md" if cls.origin == "dflint" else None

    @classmethod
    def default_options(cls) -> dict[str, Any]:
        return {option.name: option.convert(option.default) for option in cls.options}

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        docs = cls.docs()
        return {
            "code": cls.code,
            "name": cls.name,
            "summary": cls.summary,
            "severity": cls.severity.label,
            "aliases": list(cls.aliases),
            "partial_aliases": list(cls.partial_aliases),
            "fixable": cls.fixable,
            "default_enabled": cls.default_enabled,
            "security_severity": cls.security_severity,
            "origin": cls.origin,
            "docs_url": cls.docs_url(),
            "options": [
                {"name": o.name, "type": o.type_name, "default": o.default, "description": o.description,
                 **({"choices": list(o.choices)} if o.choices else {}),
                 **({"minimum": o.minimum} if o.minimum is not None else {})}
                for o in cls.options
            ],
            "docs": {title: docs.section(title) for title in DOC_SECTIONS},
        }


class RuleContext:
    """What one rule sees of one file: the tree, the model, its options, helpers to report."""

    __slots__ = ("analysis", "options", "rule")

    def __init__(self, analysis: "Analysis", rule: Rule, options: dict[str, Any]) -> None:
        self.analysis = analysis
        self.rule = rule
        self.options = options

    @property
    def path(self) -> str:
        return self.analysis.path

    @property
    def file(self) -> ast.File:
        return self.analysis.file

    @property
    def model(self) -> "BuildModel":
        model = self.analysis._model  # built already, but for the first rule asking: one property call, not two
        return model if model is not None else self.analysis.model

    @property
    def instructions(self) -> tuple[ast.Instruction, ...]:
        return self.analysis.file.instructions

    def commands(self, node: ast.Instruction):
        """The shell commands a RUN (or heredoc script) executes; see :mod:`dflint.shell`."""
        return self.analysis.commands(node)

    # -- reporting -------------------------------------------------------------
    def finding(
        self,
        target: Union[ast.Node, Span],
        message: str,
        fix: Optional[Fix] = None,
        related: Sequence[tuple[str, Union[ast.Node, Span]]] = (),
        alias: Optional[str] = None,
    ) -> Finding:
        """A finding at ``target`` (a node, or anything with a ``span``, or a Span)."""
        span = target if isinstance(target, Span) else target.span
        notes = tuple((note, t if isinstance(t, Span) else t.span) for note, t in related)
        return Finding(span, message, fix, notes, alias)

    # -- fix helpers -----------------------------------------------------------
    def position(self, offset: int) -> Position:
        return self.analysis.line_index.position(offset)

    def edit(self, start: int, end: int, content: str) -> Edit:
        index = self.analysis.line_index
        return Edit(Span(index.position(start), index.position(end)), content)

    def fix(self, message: str, *edits: Edit, applicability: Applicability = Applicability.SAFE) -> Fix:
        return Fix(message, tuple(edits), applicability)

    def removal(self, node: ast.Instruction) -> Edit:
        """An edit that deletes ``node``: its whole lines, line break included, when nothing else is
        on them before it (else from the instruction on).

        The comments written for ``node`` go with it (:meth:`own_comments`): left behind, a suppression
        comment would cover the next instruction and silence its findings, and a description would
        describe it. The lines between them that stay (blank lines, other comments) are kept as written."""
        text = self.file.text
        start, end = node.span.start.offset, node.span.end.offset
        line_start = text.rfind("\n", 0, start) + 1
        end += 2 if text.startswith("\r\n", end) else 1 if text.startswith("\n", end) else 0
        if text[line_start:start].strip():
            return self.edit(start, end, "")
        comments = self.own_comments(node)
        if not comments:
            return self.edit(line_start, end, "")
        first = text.rfind("\n", 0, comments[0].span.start.offset) + 1
        kept, at = [], first
        for comment in comments:
            kept.append(text[at:text.rfind("\n", 0, comment.span.start.offset) + 1])
            after = comment.span.end.offset
            at = after + (2 if text.startswith("\r\n", after) else 1 if text.startswith("\n", after) else 0)
        kept.append(text[at:line_start])
        return self.edit(first, end, "".join(kept))

    def own_comments(self, node: ast.Instruction) -> list[ast.Comment]:
        """The comment lines written for ``node``, in order: those right above it with no blank line
        between (its description, its ``# dflint: ignore=`` and ``# hadolint ignore=`` pragmas; a
        ``global`` pragma, written for the file, is not among them), and the ``# check=`` comments
        BuildKit reads as ``node``'s, which may stand higher, blank lines between (``PrevComment``)."""
        from .suppression import check_comments, collect

        children = self.file.children
        index = next((i for i, child in enumerate(children) if child is node), None)
        if index is None:
            return []
        found: dict[int, ast.Comment] = {}
        before = index - 1
        while before >= 0 and isinstance(children[before], (ast.Comment, ast.Trivia)):
            child = children[before]
            if isinstance(child, ast.Trivia) and child.text.count("\n") > 1:
                break  # a blank line: what stands above it is not only node's
            if isinstance(child, ast.Comment):
                found[child.span.start.offset] = child
            before -= 1
        if found:
            for pragma in collect(self.file):
                if pragma.scope is None and isinstance(pragma.node, ast.Comment):
                    found.pop(pragma.node.span.start.offset, None)
        for check in check_comments(self.file):
            if check.instruction is node:
                found[check.comment.span.start.offset] = check.comment
        return [found[offset] for offset in sorted(found)]

    def insertion_before(self, node: ast.Instruction, line: str) -> Optional[Edit]:
        """An edit that puts ``line`` (an instruction) on a line of its own before ``node``, indented and
        ended like it; None when something else precedes ``node`` on its line.

        The line goes above the comments written since the previous instruction (after the blank lines
        that follow it), not between them and ``node``: a suppression comment (``# dflint: ignore=``,
        ``# hadolint ignore=``, ``# check=skip=``) covers the instruction right below it, and BuildKit
        reads the comments above an ARG or FROM as its description, so the new line would take over
        comments written for ``node``."""
        text = self.file.text
        start = node.span.start.offset
        line_start = text.rfind("\n", 0, start) + 1
        indent = text[line_start:start]
        if indent.strip():
            return None
        at = line_start
        children = self.file.children
        positions = self.analysis.memo("rule: child positions")
        if not positions:  # made once per file: a scan per fix made the fixes of a file quadratic
            positions.update((child, i) for i, child in enumerate(children))
        index = positions.get(node)
        if index is not None:
            before = index - 1
            while before >= 0 and isinstance(children[before], (ast.Comment, ast.Trivia)):
                if isinstance(children[before], ast.Comment):
                    offset = children[before].span.start.offset
                    at = text.rfind("\n", 0, offset) + 1
                before -= 1
        newline = "\r\n" if text[line_start - 2:line_start] == "\r\n" else "\n"
        return self.edit(at, at, f"{indent}{line}{newline}")

    def flag_removal(self, flag: ast.Flag) -> Edit:
        """An edit that deletes ``flag`` and the blanks after it; its whole line when it is alone on a
        continued line (``FROM \\`` / ``--platform=... \\`` / ``image``)."""
        text, escape = self.file.text, self.file.escape
        start, end = flag.span.start.offset, flag.span.end.offset
        while end < len(text) and text[end] in " \t":
            end += 1
        line_start = text.rfind("\n", 0, start) + 1
        if not text[line_start:start].strip(" \t") and text.startswith(escape, end):
            after = end + len(escape)
            newline = 2 if text.startswith("\r\n", after) else 1 if text.startswith("\n", after) else 0
            if newline:
                return self.edit(line_start, after + newline, "")
        return self.edit(start, end, "")


def iter_findings(rule: Rule, ctx: RuleContext) -> Iterator[Finding]:
    result = rule.check(ctx)
    if result is None:
        return iter(())
    return iter(result)
