"""Every rule is complete: docs sections, examples that fire and don't, a case file, aliases."""

import ast
import inspect
from pathlib import Path

import pytest

from dflint.rule import DOC_SECTIONS
from dflint.registry import installed
from dflint.testing import example_files, lint_snippet, load_cases, workspace

CASES = Path(__file__).parent / "rules" / "cases"
RULES = [r for r in installed()[0].rules if r.origin == "dflint"]
ENGINE_ONLY = {"DF999"}  # internal-error is reported by the engine, never by checking a file
#: The rules the project exists for need many cases, hard ones included.
HEADLINE = {"DF001", "DF002", "DF003", "DF004", "DF005", "DF006", "DF007"}
#: Rules that report nothing with their default options: the options their docs' examples assume.
EXAMPLE_OPTIONS = {"DF101": {"allowed": ["docker.io"]}}


def ids(rules):
    return [f"{r.code}-{r.name}" for r in rules]


@pytest.mark.parametrize("rule", RULES, ids=ids(RULES))
def test_identity_and_documentation(rule):
    assert rule.summary and not rule.summary.endswith(".")
    docs = rule.docs()
    for title in DOC_SECTIONS:
        assert docs.section(title), f"{rule.code}: missing '## {title}'"
    if rule.fixable:
        assert any(word in docs.section("Fix safety").lower() for word in ("safe", "unsafe", "display"))
    for alias in rule.aliases + rule.partial_aliases:
        assert alias.startswith("DL") or alias[0].isupper(), alias


def docstring_as_written(rule) -> str:
    """The rule's docstring as its source file spells it, with no escape sequence interpreted."""
    source = Path(inspect.getsourcefile(rule)).read_text(encoding="utf-8")
    (node,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef) and n.name == rule.__name__]
    literal = ast.get_source_segment(source, node.body[0].value)
    return literal.lstrip("rR")[3:-3]


@pytest.mark.parametrize("rule", RULES, ids=ids(RULES))
def test_docs_keep_every_backslash_of_the_source(rule):
    # In a plain docstring Python eats a "\" before a newline (joining a RUN example onto one line)
    # and turns "\\" into one backslash; a docstring with backslashes must be raw (r""" ... """).
    assert rule.__doc__ == docstring_as_written(rule), f"{rule.code}: make the docstring raw: r\"\"\""


CHECKED = [r for r in RULES if r.code not in ENGINE_ONLY]


@pytest.mark.parametrize("rule", CHECKED, ids=ids(CHECKED))
def test_bad_example_fires_and_good_example_does_not(rule):
    docs = rule.docs()
    assert docs.bad_examples and docs.good_examples
    options = EXAMPLE_OPTIONS.get(rule.code)
    for title, examples, should_fire in (("Example", docs.bad_examples, True),
                                         ("Use instead", docs.good_examples, False)):
        with workspace("Dockerfile", example_files(docs.section(title))) as path:
            for example in examples:
                found = [d for d in lint_snippet(example, rule.code, options, path=path).diagnostics
                         if d.code == rule.code]
                assert bool(found) is should_fire, (
                    f"{rule.code}: the {title} example {'does not fire' if should_fire else 'fires'}:\n{example}"
                    f"{[d.message for d in found]}")


@pytest.mark.parametrize("rule", CHECKED, ids=ids(CHECKED))
def test_every_rule_has_a_case_file_with_firing_and_silent_cases(rule):
    path = CASES / f"{rule.code}.yaml"
    assert path.is_file(), f"missing {path}"
    cases = load_cases(path)
    assert all(c.rule in (rule.code, rule.name) for c in cases)
    firing = [c for c in cases if c.expect]
    silent = [c for c in cases if not c.expect]
    minimum = 8 if rule.code in HEADLINE else 3
    assert len(firing) >= minimum and len(silent) >= minimum, (len(firing), len(silent))
    if rule.fixable:
        assert any(c.fixed is not None for c in cases), f"{rule.code}: no case shows its fix"
