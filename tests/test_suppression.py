"""Inline suppressions: dflint pragmas, hadolint pragmas, BuildKit's check=skip directive."""

import pytest

from dflint.config import Overrides, default_config
from dflint.linter import Linter
from dflint.registry import installed

RULES = installed()[0]


def codes(text):
    config = default_config(RULES).merged_with(Overrides(select=["DF001", "DF002"]), RULES)
    _, diagnostics = Linter(RULES).check(text, "Dockerfile", config)
    return [(d.code, d.line) for d in diagnostics]


@pytest.mark.parametrize(
    "pragma",
    [
        "# dflint: ignore=DF001",
        "# dflint: ignore=untagged-image",
        "# dflint: ignore=DL3006",
        "# dflint: ignore = DF002, untagged-image -- pinned by the release job",
        "#dflint:ignore=df001",
        "# hadolint ignore=DL3006",
        "# hadolint ignore=DL3006,DL3008",
        "# hadolint ignore=DL3008, DL3006 # pinned by the release job",
        "#hadolint ignore=DL3006#why",
    ],
)
def test_pragma_above_an_instruction_covers_it(pragma):
    assert codes(f"{pragma}\nFROM python\nFROM node\n") == [("DF001", 3)]


def test_hadolint_comment_after_the_rule_list_names_no_rule():
    # As hadolint reads it: only DL3007 is ignored; the rest of the line is a comment.
    assert codes("# hadolint ignore=DL3007 # not DL3006\nFROM python\n") == [("DF001", 2)]


def test_pragma_covers_every_line_of_a_multiline_instruction():
    text = "FROM alpine:3.20\n# dflint: ignore=latest-tag\nCOPY \\\n  --from=busybox:latest \\\n  /bin/busybox /bin/\n"
    assert codes(text) == []


def test_pragma_inside_a_multiline_instruction_covers_it():
    # BuildKit drops comment lines between continuations; a pragma there was written for that instruction.
    text = "FROM alpine:3.20\nCOPY \\\n# dflint: ignore=latest-tag\n  --from=busybox:latest \\\n  /bin/busybox /bin/\n"
    assert codes(text) == []
    text = "FROM alpine:3.20\nCOPY \\\n# hadolint global ignore=DL3006\n  --from=busybox /bin/busybox /bin/\nFROM node\n"
    assert codes(text) == []
    # it covers that instruction only
    text = "FROM python\nCOPY \\\n# dflint: ignore=DF001\n  a b\nFROM node\n"
    assert codes(text) == [("DF001", 1), ("DF001", 5)]


def test_pragma_block_may_hold_other_comments_but_not_a_blank_line():
    assert codes("# dflint: ignore=DF001\n# why: pinned by CI\nFROM python\n") == []
    assert codes("# dflint: ignore=DF001\n\nFROM python\n") == [("DF001", 3)]


def test_pragma_for_another_rule_does_not_suppress():
    assert codes("# dflint: ignore=DF002\nFROM python\n") == [("DF001", 2)]


@pytest.mark.parametrize("pragma", ["# dflint: global ignore=DF001", "# hadolint global ignore=DL3006"])
def test_global_pragmas_cover_the_file_wherever_they_are(pragma):
    assert codes(f"FROM python\nFROM node:latest\n{pragma}\nFROM ruby\n") == [("DF002", 2)]


def test_buildkit_check_skip_directive():
    # dflint's own rules have no BuildKit names, but check=skip=all covers everything.
    assert codes("# check=skip=all\nFROM python\n") == []
    assert codes("# check=skip=JSONArgsRecommended\nFROM python\n") == [("DF001", 2)]


def test_unused_check_skip_names_the_check_as_written():
    config = default_config(RULES).merged_with(Overrides(select=["unused-suppression"]), RULES)
    _, diagnostics = Linter(RULES).check("# check=skip=FromAsCasing\nFROM python:3.12 AS build\n",
                                         "Dockerfile", config)
    assert [d.message for d in diagnostics] == ["'FromAsCasing' suppresses nothing here"]


def test_buildkit_skip_all_does_not_hide_a_syntax_error():
    # `# check=skip=all` silences BuildKit's checks; `docker build` still fails on RUNN.
    config = default_config(RULES)
    _, diagnostics = Linter(RULES).check("# check=skip=all\nFROM python\nRUNN x\n", "Dockerfile", config)
    assert [(d.code, d.line) for d in diagnostics] == [("DF000", 3)]


def test_syntax_errors_and_internal_errors_are_reported_even_under_a_global_ignore_of_others():
    config = default_config(RULES)
    _, diagnostics = Linter(RULES).check("# dflint: global ignore=DF001\nFROM python\nRUNN x\n",
                                         "Dockerfile", config)
    assert [(d.code, d.line) for d in diagnostics] == [("DF000", 3)]
