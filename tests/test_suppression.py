"""Inline suppressions: dflint pragmas, hadolint pragmas, BuildKit's check=skip directive."""

import pytest

from dflint.config import Overrides, default_config
from dflint.diagnostic import Severity
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


# -- `# check=error=true` and `# check=experimental=` --------------------------------------------

def lint(text, **overrides):
    config = default_config(RULES).merged_with(Overrides(**overrides), RULES) if overrides else default_config(RULES)
    return Linter(RULES).check(text, "Dockerfile", config)[1]


def test_check_error_true_makes_buildkit_findings_errors_with_a_reason():
    found = lint("# check=error=true\nFROM python:3.12-slim as base\n", select=["DF104"])
    assert [(d.code, d.severity.label) for d in found] == [("DF104", "error")]
    assert found[0].message.endswith("(an error here: `error=true` in the `# check=` directive on line 1 "
                                     "makes `docker build` fail on it)")


@pytest.mark.parametrize("value", ["error=True", "error=1", "skip=JSONArgsRecommended;error=t",
                                   "error=false;error=TRUE"])
def test_check_error_reads_values_as_buildkit_does(value):
    found = lint(f"# check={value}\nFROM python:3.12-slim as base\n", select=["DF104"])
    assert [d.severity.label for d in found] == ["error"]


@pytest.mark.parametrize("value", [
    "error=false", "error=true;error=false", "skip=FromAsCasing;error=true", "skip=all;error=true",
    "skip=A error=true",  # BuildKit reads the value up to its first space
])
def test_check_error_does_not_apply(value):
    found = lint(f"# check={value}\nFROM python:3.12-slim as base\n", select=["DF104"])
    assert all(d.severity.label == "style" and "an error here" not in d.message for d in found)


def test_check_error_leaves_rules_without_a_buildkit_check_alone():
    # DF001 is hadolint's DL3006; BuildKit has no such check, so the build does not fail on it.
    found = lint("# check=error=true\nFROM python as base\n", select=["DF001", "DF104"])
    assert [(d.code, d.severity.label) for d in found] == [("DF001", "warning"), ("DF104", "error")]


def test_check_error_beats_a_lower_severity_override():
    found = lint("# check=error=true\nFROM python:3.12-slim as base\n", select=["DF104"],
                 severity=[("DF104", Severity.INFO)])
    assert [d.severity.label for d in found] == ["error"]


_TOKEN = "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.mark.parametrize("text, raised", [
    # a global ARG: BuildKit's buildMetaArgs runs no SecretsUsedInArgOrEnv, by name or by value
    (f"ARG GITHUB_TOKEN={_TOKEN}\nFROM alpine:3.20\n", []),
    ("ARG DB=postgres://app:s3cr3tPw@db:5432/app\nFROM alpine:3.20\n", []),
    # in a stage: BuildKit reports the key by its name alone
    (f"FROM alpine:3.20\nARG GITHUB_TOKEN\nENV API_KEY={_TOKEN}\n", [2, 3]),
    # a secret value under a name BuildKit passes, and a name only dflint reads as a secret's
    ("FROM alpine:3.20\nENV DATABASE_URL=postgres://app:s3cr3tPw@db:5432/app\nARG NPM_PAT\n", []),
    # two keys in one ARG: each finding by its own key
    ("FROM alpine:3.20\nARG NPM_PAT GITHUB_TOKEN\n", [2]),
    # an ONBUILD trigger is checked only where a stage of the file is built FROM its stage
    ("FROM alpine:3.20 AS base\nONBUILD ARG DB_PASSWORD\n", []),
    ("FROM alpine:3.20 AS base\nONBUILD ARG DB_PASSWORD\nFROM base\n", [2]),
])
def test_check_error_raises_secrets_only_where_buildkit_checks_them(text, raised):
    found = lint("# check=error=true\n" + text, select=["DF504"])
    assert found, "DF504 reports every case"
    assert [d.line - 1 for d in found if d.severity.label == "error"] == raised
    assert all(("an error here" in d.message) == (d.severity.label == "error") for d in found)


@pytest.mark.parametrize("line", ["ENV SECRET_KEY_BASE_DUMMY=1", "ENV PASSWORD_MIN_LENGTH=12",
                                  "ENV DJANGO_SECRET_KEY=changeme", "ENV MYSQL_ALLOW_EMPTY_PASSWORD=yes",
                                  "ARG TOKEN_URL", "ONBUILD ENV GPG_KEY=A035C8C1"])
def test_check_error_reports_names_buildkit_fails_whatever_the_value(line):
    """DF504 passes these for their value or an about word; BuildKit's check fails the build on the name."""
    text = f"FROM alpine:3.20 AS base\n{line}\nFROM base\n"
    found = lint("# check=error=true\n" + text, select=["DF504"])
    assert [(d.line, d.severity.label) for d in found] == [(3, "error")]
    assert "reports this name whatever its value" in found[0].message
    assert "skip=SecretsUsedInArgOrEnv" in found[0].message and "an error here" in found[0].message
    for directive in ("", "# check=error=false\n", "# check=error=true;skip=SecretsUsedInArgOrEnv\n",
                      "# check=skip=all;error=true\n"):
        assert lint(directive + text, select=["DF504"]) == []


def test_check_error_counts_experimental_checks_only_when_enabled():
    text = "# The Go version\nARG GO=1.22\nFROM golang:${GO}\n"
    found = lint("# check=error=true\n" + text, select=["DF808"])
    assert [(d.code, d.severity.label) for d in found] == [("DF808", "style")]
    found = lint("# check=error=true;experimental=InvalidDefinitionDescription\n" + text, select=["DF808"])
    assert [(d.code, d.severity.label) for d in found] == [("DF808", "error")]


@pytest.mark.parametrize("value", ["experimental=all", "experimental=InvalidDefinitionDescription",
                                   "skip=all;experimental=all"])
def test_check_experimental_turns_on_the_rule_of_that_check(value):
    text = f"# check={value}\n# The Go version\nARG GO=1.22\nFROM golang:${{GO}}\n"
    assert "DF808" not in [d.code for d in lint("# The Go version\nARG GO=1.22\nFROM golang:${GO}\n")]
    assert [d.code for d in lint(text, select=["DF001"])] == ["DF808"]


@pytest.mark.parametrize("value", ["experimental=invaliddefinitiondescription", "skip=all", "error=true"])
def test_check_experimental_as_buildkit_reads_it(value):
    # check names are case-sensitive in BuildKit
    text = f"# check={value}\n# The Go version\nARG GO=1.22\nFROM golang:${{GO}}\n"
    assert "DF808" not in [d.code for d in lint(text, select=["DF001"])]


def test_an_unreadable_check_directive_is_reported_and_still_read_as_meant():
    text = "# check=experimental=all;\n# The Go version\nARG GO=1.22\nFROM golang:${GO}\n"
    assert [d.code for d in lint(text, select=["DF001"])] == ["DF000", "DF808"]


def test_skip_does_not_cover_an_experimental_check_the_directive_turns_on():
    # BuildKit runs an enabled experimental check whatever skip= says; unused-suppression says so
    text = ("# check=skip=InvalidDefinitionDescription;experimental=all\n# The Go version\nARG GO=1.22\n"
            "FROM golang:${GO}\n")
    found = lint(text, select=["DF808", "DF810"])
    assert [(d.code, d.line) for d in found] == [("DF810", 1), ("DF808", 2)]
    assert found[0].message == "'InvalidDefinitionDescription' suppresses nothing here"
    # without experimental=, BuildKit does not run the check, and the skip says what the author wants
    assert lint(text.replace(";experimental=all", ""), select=["DF808"]) == []


@pytest.mark.parametrize("ignore", [["DF808"], ["invalid-definition-description"], ["InvalidDefinitionDescription"],
                                    ["DF8"], ["ALL"]])
def test_the_users_ignore_beats_the_files_experimental(ignore):
    text = "# check=experimental=all\n# The Go version\nARG GO=1.22\nFROM golang:${GO}\n"
    assert "DF808" not in [d.code for d in lint(text, select=["DF001"], ignore=ignore)]


@pytest.mark.parametrize("value, message, column", [
    ("Skip=A", 'invalid check option "Skip" (write skip in lower case)', 9),
    ("error=yes", 'failed to parse check option "error=yes" (error= takes true or false)', 9),
    ("skip=A;", 'invalid check option "" (remove the \';\' at the end)', 15),
    ("skip=A; error=true", "invalid check option \"\" (BuildKit reads the value only up to its first space", 15),
    ("skip=A;erorr=true", 'invalid check option "erorr" (the options are skip=, error= and experimental=)', 16),
    ("skip", 'invalid check option "skip" (write the options as', 9),
])
def test_unreadable_check_directive_is_a_syntax_error(value, message, column):
    found = lint(f"# check={value}\nFROM python:3.12-slim\n", select=["DF001"])
    assert [(d.code, d.line, d.column) for d in found] == [("DF000", 1, column)]
    assert found[0].message.startswith("failed to parse check options: ")
    assert message in found[0].message


# -- `# check=skip=` read as BuildKit reads it (names case-sensitive, `all` only alone) --------------

@pytest.mark.parametrize("value", ["skip=fromascasing", "skip=All", "skip=all,JSONArgsRecommended",
                                   "skip=FROMASCASING", "skip= all ,FromAs",
                                   # the value ends at its first space
                                   "skip= all ", "skip=JSONArgsRecommended, FromAsCasing"])
def test_check_skip_names_buildkit_does_not_match_skip_nothing(value):
    found = lint(f"# check=error=true;{value}\nFROM python:3.12-slim as base\n", select=["DF104"])
    assert [(d.code, d.severity.label) for d in found] == [("DF104", "error")]


@pytest.mark.parametrize("value", ["skip=FromAsCasing", "skip=all", "skip=all,FromAsCasing",
                                   "skip=JSONArgsRecommended,FromAsCasing"])
def test_check_skip_names_buildkit_matches_skip(value):
    assert lint(f"# check=error=true;{value}\nFROM python:3.12-slim as base\n", select=["DF104"]) == []


def test_check_skip_all_in_a_list_is_reported_with_the_truth():
    found = lint("# check=skip=all,FromAsCasing;error=true\nFROM python:3.12-slim as base\n",
                 select=["DF104", "DF810"])
    assert [d.message for d in found] == [
        "'all' skips nothing here: BuildKit skips every check only for `skip=all` alone; "
        "in a list it reads 'all' as the name of a check"]


def test_dflint_and_hadolint_pragmas_stay_case_insensitive():
    assert codes("# dflint: ignore=UNTAGGED-IMAGE\nFROM python\n") == []
    assert codes("# hadolint ignore=dl3006\nFROM python\n") == []


# -- `# check=` comments above an instruction (dockerfile frontend 1.21) -------------------------

def test_check_comment_above_an_instruction_skips_its_checks_only():
    text = ("# check=error=true\nFROM python:3.12-slim AS base\n# check=skip=JSONArgsRecommended\nCMD echo hi\n"
            "ENTRYPOINT echo hi\n")
    found = lint(text, select=["DF401"])
    assert [(d.line, d.severity.label) for d in found] == [(5, "error")]


def test_check_comment_skip_all_covers_only_buildkit_checks_of_that_instruction():
    text = "FROM python:3.12-slim\n# check=skip=all\nCMD echo hi\nFROM python\n"
    assert [(d.code, d.line) for d in lint(text, select=["DF401", "DF001"])] == [("DF001", 4)]
    # not a check BuildKit runs per instruction: DuplicateStageName uses the file's settings
    text = "FROM python:3.12-slim AS a\n# check=skip=all\nFROM python:3.12-slim AS a\n"
    assert [d.code for d in lint(text, select=["DF110"])] == ["DF110"]


@pytest.mark.parametrize("text", [
    "# syntax=docker/dockerfile:1.20\nFROM python:3.12-slim\n# check=skip=JSONArgsRecommended\nCMD echo hi\n",
    "FROM python:3.12-slim\n# check=skip=JSONArgsRecommended;\nCMD echo hi\n",
    "FROM python:3.12-slim\n# check=skip=JSONArgsRecommended\n#\nCMD echo hi\n",
    "FROM python:3.12-slim\n# check=skip=WorkdirRelativePath\n# check=skip=JSONArgsRecommended\nCMD echo hi\n",
    "FROM python:3.12-slim\n# check=skip=all\nONBUILD CMD echo hi\nCMD echo hi\n",
])
def test_check_comments_buildkit_ignores_skip_nothing(text):
    assert [d.code for d in lint(text, select=["DF401"])] == ["DF401"]


# -- `# check=error=true`: what fails, and when ---------------------------------------------------

def test_check_error_with_a_value_buildkit_refuses_adds_no_note():
    found = lint("# check=error=true;\nFROM python:3.12-slim as base\n", select=["DF104"])
    assert [(d.code, d.severity.label) for d in found] == [("DF000", "error"), ("DF104", "style")]
    assert "error=true" not in found[1].message


def test_check_error_in_a_stage_the_default_build_does_not_run():
    text = ("# check=error=true\nFROM debian:12 AS debug\nCMD echo debug\n\nFROM debian:12 as prod\n"
            "CMD [\"echo\", \"prod\"]\n")
    found = lint(text, select=["DF401", "DF104"])
    assert [(d.code, d.line, d.severity.label) for d in found] == [
        ("DF401", 3, "warning"), ("DF104", 5, "error")]
    assert found[0].message.endswith(
        "(with `error=true` in the `# check=` directive on line 1, `docker build --target debug` or "
        "`docker build --check` fails on it; the default build does not run this stage)")


def test_check_error_in_a_stage_the_default_build_needs():
    text = ("# check=error=true\nFROM debian:12 AS build\nWORKDIR app\n"
            "FROM debian:12\nCOPY --from=build /app /app\n")
    assert [(d.line, d.severity.label) for d in lint(text, select=["DF701"])] == [(3, "error")]
