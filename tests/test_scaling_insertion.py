"""RuleContext.insertion_before finds a node among the file's children through a table made once per
file: a scan of the children per fix made DF410's and DF806's fixes quadratic. Counted, never timed."""

import builtins

import pytest

import dflint.rule
from dflint.testing import lint_snippet


@pytest.mark.parametrize("rule, body", [("DF410", "RUN echo $A"), ("DF806", "ENV X=$A")])
def test_insertion_before_walks_the_children_once_per_file(monkeypatch, rule, body):
    walks = []

    def counting(iterable, *args, **kwargs):
        walks.append(1)
        return builtins.enumerate(iterable, *args, **kwargs)

    monkeypatch.setattr(dflint.rule, "enumerate", counting, raising=False)
    stages = 200
    text = "ARG A=1\n" + "".join(f"FROM alpine AS s{i}\n# c\n{body}\n" for i in range(stages))
    result = lint_snippet(text, rule)
    fixes = [d for d in result.diagnostics if d.fix is not None]
    assert len(fixes) == stages
    assert all(d.fix.edits[0].content == "ARG A\n" for d in fixes)
    assert len(walks) <= 1
