"""Selection and partial aliases: ignoring one other-linter code drops only its findings."""

import pytest

from dflint.config import Overrides, default_config
from dflint.linter import Linter
from dflint.rule import Rule
from dflint.selection import RuleSet, UnknownSelector


class TwoKinds(Rule):
    """Toy rule with two kinds of findings, each known to hadolint by its own code."""

    code = "XT100"
    name = "two-kinds"
    partial_aliases = ("DL9001", "DL9002")

    def check(self, ctx):
        for node in ctx.instructions:
            if node.name == "RUN":
                yield ctx.finding(node, "first kind", alias="DL9001")
                yield ctx.finding(node.keyword, "second kind", alias="DL9002")


RULES = RuleSet([TwoKinds])


def found(text, **overrides):
    config = default_config(RULES).merged_with(Overrides(**overrides), RULES)
    return [d.message for d in Linter(RULES).check(text, "Dockerfile", config)[1]]


def test_all_findings_by_default():
    assert found("FROM a:1\nRUN x\n") == ["first kind", "second kind"]


def test_ignoring_a_partial_alias_drops_only_its_findings():
    assert found("FROM a:1\nRUN x\n", ignore=["DL9001"]) == ["second kind"]
    assert found("FROM a:1\nRUN x\n", ignore=["two-kinds"]) == []


def test_pragma_with_a_partial_alias():
    assert found("FROM a:1\n# hadolint ignore=DL9002\nRUN x\n") == ["first kind"]


def test_selecting_a_partial_alias_enables_the_rule():
    assert found("FROM a:1\nRUN x\n", select=["DL9002"]) == ["first kind", "second kind"]


def test_unknown_selector_suggests_the_rule_as_it_is_spelled():
    for typo in ("XT10x", "xt10", "Two-Kind", "dl9003"):
        with pytest.raises(UnknownSelector) as error:
            RULES.match(typo)
        assert error.value.suggestion in ("XT100", "two-kinds", "DL9001"), (typo, error.value.suggestion)
