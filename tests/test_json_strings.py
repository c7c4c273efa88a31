"""Fixes inside the JSON strings of exec-form instructions: kept only where the edit stays right."""

from __future__ import annotations

import pytest

from dflint.config import default_config
from dflint.diagnostic import Severity
from dflint.fix import Edit, Fix
from dflint.json_strings import json_arrays, json_string_interiors, keeps_json_arrays, keeps_json_strings
from dflint.linter import Linter
from dflint.rule import Rule
from dflint.selection import RuleSet
from dflint.source import LineIndex
from dflint.syntax import parse_syntax

TEXT = 'FROM a\nRUN ["sh", "-c", "echo \\"hi\\" && make"]\nCMD ["app"]\n'


def fix(*edits: tuple[str, str, str]) -> Fix:
    """Edits given as (text before it, the text it replaces, new text), located in TEXT."""
    index = LineIndex(TEXT)
    made = []
    for before, replaced, content in edits:
        start = TEXT.index(before) + len(before)
        assert TEXT.startswith(replaced, start)
        made.append(Edit(index.span(start, start + len(replaced)), content))
    return Fix("f", tuple(made))


def keeps(*edits: tuple[str, str, str]) -> bool:
    return keeps_json_strings(fix(*edits), json_string_interiors(parse_syntax(TEXT)), TEXT)


def test_the_interiors_are_the_text_between_the_quotes_of_every_exec_form_argument():
    interiors = json_string_interiors(parse_syntax(TEXT))
    assert [TEXT[start:end] for start, end in interiors] == ["sh", "-c", 'echo \\"hi\\" && make', "app"]
    onbuild = 'FROM a\nRUN make\nONBUILD RUN ["x"]\n'
    assert json_string_interiors(parse_syntax(onbuild)) == [(onbuild.index("x"), onbuild.index("x") + 1)]


@pytest.mark.parametrize("edit", [
    ("&& make", "", " -j4"),                # inside, plain text added where nothing is escaped
    ("&& ", "make", "make install"),
    ('"-c", ', '"echo \\"hi\\" && make"', '"true"'),  # a whole string, quotes included
    ('"]', "", ', "--verbose"'),            # after the closing quote
    ("FROM ", "a", "b:1"),                  # elsewhere in the file
])
def test_edits_that_keep_the_string_right_are_kept(edit):
    assert keeps(edit)


@pytest.mark.parametrize("edit", [
    ("&& make", "", ' "x"'),                # a quote would end the string
    ("&& make", "", " a\\b"),               # a backslash would start an escape
    ("&& make", "", "\n"),                  # JSON strings hold no raw line breaks
    ("echo ", '\\"hi\\"', "hi"),           # the range holds escapes: offsets of what the rule read do not match
    ("echo \\\"hi\\\" && ", 'make"]', "make"),  # through the closing quote
    ('"-c", ', '"echo', "echo"),            # through the opening quote
])
def test_edits_that_would_break_or_change_the_string_are_not(edit):
    assert not keeps(edit)


def test_one_bad_edit_withdraws_the_whole_fix():
    assert not keeps(("&& ", "make", "make"), ("&& make", "", ' "x"'))


ARRAYS = 'FROM a\nRUN ["pip", "install", \\\n    "flask"]\nCMD ["app"]\n'


def array_edit(before: str, replaced: str, content: str, text: str = ARRAYS) -> bool:
    index = LineIndex(text)
    start = text.index(before) + len(before)
    assert text.startswith(replaced, start)
    edited = Fix("f", (Edit(index.span(start, start + len(replaced)), content),))
    return keeps_json_arrays(edited, json_arrays(parse_syntax(text)), text, parse_syntax(text).escape)


def test_the_arrays_run_from_the_first_strings_opening_quote_to_the_last_ones_closing_quote():
    assert [ARRAYS[start:end] for start, end in json_arrays(parse_syntax(ARRAYS))] == \
        ['"pip", "install", \\\n    "flask"', '"app"']


@pytest.mark.parametrize("edit", [
    ('"install"', "", ', "--no-cache-dir"'),         # a string more, after a string
    ('["', "", 'sudo", "'),                           # a string more at the front
    ('"pip", ', '"install"', '"download"'),           # a whole string replaced
    ("RUN ", '["pip", "install", \\\n    "flask"]', "pip install flask"),  # the whole array rewritten
    ("FROM ", "a", "b:1"),                            # elsewhere
])
def test_edits_that_leave_a_list_of_strings_are_kept(edit):
    assert array_edit(*edit)


@pytest.mark.parametrize("edit", [
    ('"install"', "", " --no-cache-dir"),             # a shell word: no longer JSON, so shell form
    ('"install"', "", ', --no-cache-dir'),
    ('"flask"', "", ", 1"),                           # not a string
    ('"install", ', '\\\n    "flask"', ""),        # no string after the comma
    ("RUN ", '["pip"', "pip"),                       # cuts into the array from outside
])
def test_edits_that_break_the_array_are_not(edit):
    assert not array_edit(*edit)


def test_a_continued_line_inside_an_array_is_read_as_buildkit_joins_it():
    # Blank and comment lines inside the continuation are skipped; with escape=` the backtick continues.
    text = 'FROM a\nRUN ["pip", "install", \\\n\n    # the web framework\n    "flask"]\n'
    assert array_edit('"install"', "", ', "--no-cache-dir"', text)
    windows = '# escape=`\nFROM a\nRUN ["choco", "install", `\n    "git"]\n'
    assert array_edit('"install"', "", ', "-y"', windows)
    assert not array_edit('"install"', "", ' -y', windows)


class QuoteTheTarget(Rule):
    """Offers to quote a bare `make` and to give it a target, wherever it is.

    ## What it does
    A test rule.
    """

    code, name, summary = "DF999", "quote-the-target", "quote it"
    severity, origin = Severity.INFO, "tests"

    def check(self, ctx):
        for node in ctx.instructions:
            for script in ctx.commands(node):
                for command in script.commands:
                    word = command.argv[0] if command.argv else None
                    if word is not None and word.value == "make" and len(command.argv) == 1:
                        start, end = word.span.start.offset, word.span.end.offset
                        yield ctx.finding(word, "quote it", ctx.fix("quote", ctx.edit(start, end, '"make"')))
                        yield ctx.finding(word, "give it a target", ctx.fix("target", ctx.edit(end, end, " all")))


@pytest.mark.parametrize("dockerfile, quoted", [
    ('FROM a\nRUN ["sh", "-c", "make"]\n', False),
    ("FROM a\nRUN make\n", True),
])
def test_the_linter_withdraws_a_fix_that_would_break_an_exec_form_string(dockerfile, quoted):
    rules = RuleSet([QuoteTheTarget])
    _, diagnostics = Linter(rules).check(dockerfile, "Dockerfile", default_config(rules))
    quote, target = sorted(diagnostics, key=lambda d: d.message, reverse=True)
    assert quote.message == "quote it" and (quote.fix is not None) == quoted
    assert target.fix is not None  # " all" needs no escape: kept in either form
    fixed = Linter(rules).lint_text(dockerfile, "Dockerfile", default_config(rules), fix=True).text
    assert fixed == ('FROM a\nRUN "make" all\n' if quoted else 'FROM a\nRUN ["sh", "-c", "make all"]\n')
    assert parse_syntax(fixed).errors == ()


class AddVerbose(Rule):
    """Offers `--verbose` after an exec-form RUN's program, written as a shell word and as a string.

    ## What it does
    A test rule.
    """

    code, name, summary = "DF998", "add-verbose", "add it"
    severity, origin = Severity.INFO, "tests"

    def check(self, ctx):
        for node in ctx.instructions:
            if node.name == "RUN" and node.exec_form:
                end = node.args[0].span.end.offset
                yield ctx.finding(node, "as a word", ctx.fix("word", ctx.edit(end, end, " --verbose")))
                yield ctx.finding(node, "as a string", ctx.fix("string", ctx.edit(end, end, ', "--verbose"')))


def test_the_linter_withdraws_a_fix_that_would_turn_an_exec_form_run_into_shell_form():
    rules = RuleSet([AddVerbose])
    _, diagnostics = Linter(rules).check('FROM a\nRUN ["make", "all"]\n', "Dockerfile", default_config(rules))
    assert {d.message: d.fix is not None for d in diagnostics} == {"as a word": False, "as a string": True}


def test_healthcheck_strings_follow_its_cmd():
    text = 'FROM a\nHEALTHCHECK --interval=5s CMD ["curl", "-f", "http://localhost/"]\n'
    file = parse_syntax(text)
    assert [text[start:end] for start, end in json_string_interiors(file)] == ["curl", "-f", "http://localhost/"]
    assert [text[start:end] for start, end in json_arrays(file)] == ['"curl", "-f", "http://localhost/"']
