"""The rule-case harness: YAML case files that say what a rule must (not) report and fix.

Shipped for plugin authors (``pip install dflint[testing]`` brings PyYAML).
A case file holds the cases of one rule::

    rule: untagged-image            # code or name
    cases:
      - name: image without tag
        dockerfile: |
          FROM python
        expect: ["1:6"]             # line:column of each finding, in order
      - name: tagged image
        dockerfile: |
          FROM python:3.12
        expect: []
      - name: message and end position
        dockerfile: |
          FROM python
        expect:
          - "1:6-1:12 has no tag"   # line:col[-end_line:end_col] [message substring]
      - name: with files next to the Dockerfile (paths relative to its directory)
        files: {.dockerignore: "node_modules\n"}
        dockerfile: |
          FROM node:22
          COPY node_modules /app/
        expect: ["2:6"]
      - name: with options and a fix
        options: {allowed: [docker.io]}
        dockerfile: |
          FROM ghcr.io/acme/app:1
        expect: ["1:6"]
        fixed: |                    # the file after `dflint --fix` (add `unsafe: true` for --unsafe-fixes)
          ...

With pytest::

    from dflint.testing import case_params, check_case

    @pytest.mark.parametrize("case", case_params("tests/rules/cases"))
    def test_rule_case(case):
        check_case(case)

``check_case`` raises ``AssertionError`` with a readable diff when a case fails.
"""

from __future__ import annotations

import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence, Union

__all__ = ["Case", "Expectation", "load_cases", "run_case", "check_case", "case_params", "lint_snippet",
           "example_files", "workspace"]

_EXPECT = re.compile(r"^\s*(\d+):(\d+)(?:-(\d+):(\d+))?(?:\s+(.*))?$")


@dataclass(frozen=True)
class Expectation:
    """A finding a case expects: where it starts, optionally where it ends and a part of its message."""

    line: int
    column: int
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    message: Optional[str] = None

    @classmethod
    def parse(cls, value: Union[str, dict]) -> "Expectation":
        if isinstance(value, dict):
            return cls(int(value["line"]), int(value["column"]), value.get("end_line"),
                       value.get("end_column"), value.get("message"))
        match = _EXPECT.match(str(value))
        if not match:
            raise ValueError(f"bad expectation {value!r}: use 'line:col[-end_line:end_col] [message]'")
        line, column, end_line, end_column, message = match.groups()
        return cls(int(line), int(column), int(end_line) if end_line else None,
                   int(end_column) if end_column else None, message or None)

    def matches(self, diagnostic: Any) -> bool:
        if (diagnostic.line, diagnostic.column) != (self.line, self.column):
            return False
        if self.end_line is not None and (diagnostic.end_line, diagnostic.end_column) != (self.end_line, self.end_column):
            return False
        return self.message is None or self.message in diagnostic.message

    def __str__(self) -> str:
        end = f"-{self.end_line}:{self.end_column}" if self.end_line is not None else ""
        return f"{self.line}:{self.column}{end}" + (f" {self.message}" if self.message else "")


@dataclass(frozen=True)
class Case:
    """One rule case: a Dockerfile, the options, the findings expected and, for fixes, the fixed text."""

    rule: str
    name: str
    dockerfile: str
    expect: tuple[Expectation, ...]
    options: dict[str, Any] = field(default_factory=dict)
    fixed: Optional[str] = None
    unsafe: bool = False
    path: str = "Dockerfile"
    source: str = ""
    files: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.rule}: {self.name}"


def load_cases(path: Union[str, Path]) -> list[Case]:
    """The cases of one YAML file."""
    import yaml

    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "rule" not in data or "cases" not in data:
        raise ValueError(f"{path}: a case file needs 'rule' and 'cases'")
    cases = []
    for index, raw in enumerate(data["cases"]):
        unknown = set(raw) - {"name", "dockerfile", "expect", "options", "fixed", "unsafe", "path", "files"}
        if unknown:
            raise ValueError(f"{path}: case {index}: unknown keys {sorted(unknown)}")
        cases.append(Case(
            rule=str(data["rule"]),
            name=str(raw.get("name", f"case {index}")),
            dockerfile=raw["dockerfile"],
            expect=tuple(Expectation.parse(e) for e in raw.get("expect") or ()),
            options=dict(raw.get("options") or {}),
            fixed=raw.get("fixed"),
            unsafe=bool(raw.get("unsafe", False)),
            path=str(raw.get("path", "Dockerfile")),
            source=str(path),
            files={str(k): str(v) for k, v in (raw.get("files") or {}).items()},
        ))
    return cases


def _rule_set(extra: Sequence[type] = ()):
    from .registry import installed
    from .selection import RuleSet

    rules, _ = installed()
    return RuleSet([*rules.rules, *extra]) if extra else rules


def lint_snippet(text: str, rule: str, options: Optional[dict[str, Any]] = None, *, path: str = "Dockerfile",
                 fix: bool = False, unsafe_fixes: bool = False, extra_rules: Sequence[type] = ()):
    """Run one rule (by code or name) on ``text``; returns the linter's FileResult."""
    from dataclasses import replace

    from .config import Overrides, default_config
    from .linter import Linter

    rules = _rule_set(extra_rules)
    target = rules.get(rule)
    if target is None:
        raise LookupError(f"no rule {rule!r}")
    config = default_config(rules).merged_with(Overrides(select=[target.code]), rules)
    if options:
        declared = {o.name: o for o in target.options}
        unknown = set(options) - set(declared)
        if unknown:
            raise ValueError(f"rule {target.name} has no option(s) {sorted(unknown)}")
        values = tuple((k, declared[k].convert(v)) for k, v in options.items())
        config = replace(config, rule_options=((target.code, values),), _cache={})
    return Linter(rules).lint_text(text, path, config, fix=fix, unsafe_fixes=unsafe_fixes)


@contextmanager
def workspace(path: str, files: dict[str, str]) -> Iterator[str]:
    """The Dockerfile path to lint: ``path`` itself, or inside a temporary
    directory holding ``files`` (relative to the Dockerfile's directory)."""
    if not files:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="dflint-case-") as root:
        dockerfile = Path(root) / path
        for name, content in files.items():
            target = dockerfile.parent / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        yield str(dockerfile)


def run_case(case: Case, extra_rules: Sequence[type] = ()) -> list[str]:
    """Problems with ``case`` (empty when it passes)."""
    with workspace(case.path, case.files) as path:
        result = lint_snippet(case.dockerfile, case.rule, case.options, path=path, extra_rules=extra_rules)
        fixed = None
        if case.fixed is not None:
            fixed = lint_snippet(case.dockerfile, case.rule, case.options, path=path, fix=True,
                                 unsafe_fixes=case.unsafe, extra_rules=extra_rules).text
    found = [d for d in result.diagnostics if d.name != "syntax-error" or case.rule in ("syntax-error", "DF000")]
    problems = []
    shown = "\n".join(f"    {d.line}:{d.column}-{d.end_line}:{d.end_column} {d.message}" for d in found) or "    (none)"
    if len(found) != len(case.expect) or not all(e.matches(d) for e, d in zip(case.expect, found)):
        wanted = "\n".join(f"    {e}" for e in case.expect) or "    (none)"
        problems.append(f"expected:\n{wanted}\nfound:\n{shown}")
    if case.fixed is not None and fixed != case.fixed:
        problems.append(f"fixed text differs:\n--- expected\n{case.fixed}--- got\n{fixed}")
    return problems


def check_case(case: Case, extra_rules: Sequence[type] = ()) -> None:
    problems = run_case(case, extra_rules)
    if problems:
        raise AssertionError(f"{case.source}: {case.id}\n" + "\n".join(problems))


def case_params(directory: Union[str, Path], pattern: str = "*.yaml") -> list[Any]:
    """``pytest.param`` objects for every case under ``directory``; ids 'rule: case name', led by the
    file's stem when it is not the rule's name ('DF003 package-cache: ...'), so ``-k DF003`` selects them."""
    import pytest

    params = []
    for path in sorted(Path(directory).glob(pattern)):
        for case in load_cases(path):
            params.append(pytest.param(case, id=case.id if path.stem == case.rule else f"{path.stem} {case.id}"))
    return params


def iter_case_files(directory: Union[str, Path]) -> Iterable[Path]:
    return sorted(Path(directory).glob("*.yaml"))


def example_files(section: str) -> dict[str, str]:
    """Files a rule's docs example needs next to the Dockerfile: each ```dockerignore block."""
    blocks = re.findall(r"```dockerignore\n(.*?)```", section, re.S)
    return {".dockerignore": blocks[0]} if blocks else {}
