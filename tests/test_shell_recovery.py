"""Syntax errors: recorded with a position, the rest of the script still analysed, never an exception."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dflint.shell import parse_shell, scripts_for
from dflint.shell.tools import packages, parse_command
from dflint.syntax import parse_syntax


def names(script):
    return [c.name for c in script.commands]


def test_unterminated_quote_keeps_the_commands_before_it():
    script = parse_shell("apt-get update && apt-get install -y curl && echo 'oops")
    assert names(script) == ["apt-get", "apt-get", "echo"]
    assert script.commands[1].values == ("apt-get", "install", "-y", "curl")
    assert script.commands[1].next_operator == "&&"
    (error,) = script.errors
    assert error.message == "unterminated single-quoted string" and error.start == script.text.index("'")


def test_error_in_one_line_does_not_hide_the_next_lines():
    script = parse_shell("echo a\nfoo ) bar\npip install x\nrm -rf /tmp/*")
    assert names(script) == ["echo", "foo", "bar", "pip", "rm"]
    assert [e.message for e in script.errors] == ["unexpected `)`"]
    assert script.commands[3].values == ("pip", "install", "x")


def test_error_inside_a_compound_command_falls_back_for_that_part():
    script = parse_shell("if true; then\n  apt-get install (x)\nfi\napt-get clean")
    assert "apt-get" in names(script) and script.commands[-1].values == ("apt-get", "clean")
    assert script.errors


@pytest.mark.parametrize("text, closer", [
    ("if true; then\n  echo a\n", "fi"), ("while x; do y", "done"), ("{ a;", "}"), ("(a", ")"),
    ("case x in a) (b);;", "esac"), ("f() {", "}"), ("for x in a; do if b; then c; fi", "done"),
])
def test_missing_closing_word(text, closer):
    script = parse_shell(text)
    assert [e.message for e in script.errors] == [f"unexpected end of script (missing `{closer}`)"]
    assert script.errors[0].start == len(text)
    assert parse_shell("if true; then\n  echo a\n").commands[1].values == ("echo", "a")


def test_stray_closing_word_is_an_error_not_a_command():
    script = parse_shell("echo a; fi; echo b")
    assert [c.values for c in script.commands] == [("echo", "a"), ("echo", "b")]
    assert [e.message for e in script.errors] == ["unexpected `fi`"]


def test_unterminated_substitution():
    script = parse_shell('echo "$(date" && ls')
    assert "ls" in names(script) and script.errors


@pytest.mark.parametrize("text, at", [
    ("echo ${X", 5), ('echo "v${X" && ls', 7), ("A=${X", 2), ("cat > ${F", 6), ("echo ${X:-${Y}", 5),
])
def test_unterminated_parameter_expansion_is_an_error_where_it_starts(text, at):
    script = parse_shell(text)
    assert [(e.message, e.start, e.end) for e in script.errors] == [("unterminated `${`", at, at + 2)]
    assert names(script)[0] in ("echo", "cat", None)


@pytest.mark.parametrize("text", [
    "echo ${X:-${Y:-${Z}}}", 'echo "${X:-${Y}}"', "echo ${X:-\"}\"}", "echo '${X'", "echo \\${X", "echo ${#a[@]} ${a:-{b}}",
])
def test_closed_or_quoted_parameter_expansions_are_no_error(text):
    assert parse_shell(text).errors == ()


def test_fallback_keeps_redirects_assignments_and_pipelines():
    script = parse_shell("A=1 curl -o /tmp/x https://x 2>/dev/null | sh ) ; ok")
    curl, sh, ok = script.commands
    assert curl.assignments[0].name == "A" and curl.redirects[0].fd == 2
    assert curl.pipeline_id == sh.pipeline_id and sh.pipeline_index == 1
    assert ok.values == ("ok",)


def test_fallback_never_reads_heredoc_bodies_as_commands():
    script = parse_shell("cat <<EOF && (\nrm -rf /\nEOF\n")
    assert [c.values for c in script.commands] == [("cat",)] and script.errors


def test_deep_nesting_is_bounded():
    text = "echo " + "$(" * 40 + "x" + ")" * 40
    script = parse_shell(text)
    assert script.commands[0].name == "echo"


@pytest.mark.parametrize("text", [
    "(" * 2000 + "a" + ")" * 2000,
    "{ " * 600 + "a; " + "}; " * 600,
    "if a; then " * 500 + "b; " + "fi; " * 500,
    "echo " + '"$(' * 1000 + "x" + ')"' * 1000 + " <<EOF\nx\nEOF",
    "echo ${" * 1000 + "x" + "}" * 1000,
    "echo " + "$(" * 3000,
])
def test_pathological_nesting_never_raises(text):
    script = parse_shell(text)
    assert script.commands


@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "#", ";", "&&", "|", "((", "))", "(", ")", "{", "}", "$(", "`", "'", '"', "\\",
    "<<", "<<EOF", "cat <<", ">", "2>", "a >", "case", "case x in", "for", "for x in", "if", "fi",
    "function", "f()", "f() {", "!", "! !", "a=(", "$'", "${", "x=$((", "<(", "a;;b", "a |& b", "&",
    "a\x00b", "\r\n", "a\\\r\nb", "\u00a0", "echo \udcff",
])
def test_odd_inputs_never_raise(text):
    script = parse_shell(text)
    for command in script.commands:
        assert 0 <= command.start <= command.end <= len(text)
        command.span  # noqa: B018 - positions must map
        parse_command(command)
        packages(command)


_SHELL_ALPHABET = st.sampled_from(list("ab $(){}[];&|<>'\"`\\#=\n\t!*-~0129") + [
    "if ", "then ", "fi", "do ", "done", "for ", "in ", "case ", "esac", "<<EOF\n", "\nEOF\n",
    "apt-get install -y ", "$(", "${", "&&", "||", ";;", "<<-", "'x'", '"y"',
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SHELL_ALPHABET, max_size=40).map("".join))
def test_random_shell_text_never_raises(text):
    script = parse_shell(text)
    assert script.text == text
    offsets = [0]
    for command in script.commands:
        assert 0 <= command.start <= command.end <= len(text)
        for word in command.argv:
            assert text[word.start:word.end] == word.raw
        parse_command(command)
        packages(command)
        offsets.append(command.start)
    assert offsets[1:] == sorted(offsets[1:])
    for error in script.errors:
        assert 0 <= error.start <= error.end <= len(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_arbitrary_unicode_never_raises(text):
    parse_shell(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SHELL_ALPHABET, max_size=30).map("".join))
def test_random_run_instructions_never_raise(body):
    dockerfile = f"FROM a\nRUN {body.replace(chr(10), ' ')}\nRUN <<EOF\n{body}\nEOF\n"
    for instruction in parse_syntax(dockerfile).walk():
        for script in scripts_for(instruction):
            for command in script.commands:
                span = command.span
                assert span.start.offset <= span.end.offset <= len(dockerfile)
