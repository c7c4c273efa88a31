"""Spans of shell commands and words in the Dockerfile: continuations, heredocs, ONBUILD."""

from dflint import ast
from dflint.shell import parse_shell, scripts_for
from dflint.shell.positions import heredoc_positions, json_string_positions, run_positions
from dflint.syntax import parse_syntax


def where(node):
    span = node.span
    return (span.start.line, span.start.column, span.end.line, span.end.column)


def source(text, node):
    return text[node.span.start.offset:node.span.end.offset]


def runs(text):
    return [i for i in parse_syntax(text).walk() if isinstance(i, ast.RunInstruction)]


def only_script(text):
    (run,) = runs(text)
    (script,) = scripts_for(run)
    return script


def test_without_a_map_positions_are_in_the_script():
    command = parse_shell("a\n  b c").commands[1]
    assert where(command) == (2, 3, 2, 6) and where(command.argv[1]) == (2, 5, 2, 6)


def test_run_command_line_through_continuations_and_comment_lines():
    text = (
        "FROM debian\n"
        "RUN apt-get update \\\n"
        "# a comment line inside the continuation\n"
        "\n"
        "    && apt-get install -y \\\n"
        "        curl=7.88 \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    (run,) = runs(text)
    (script,) = scripts_for(run)
    update, install, rm = script.commands
    assert where(update) == (2, 5, 2, 19) and source(text, update) == "apt-get update"
    assert where(install.argv[1]) == (5, 16, 5, 23) and source(text, install.argv[1]) == "install"
    assert where(install.argv[3]) == (6, 9, 6, 18) and source(text, install.argv[3]) == "curl=7.88"
    assert where(install) == (5, 8, 6, 18)  # from `apt-get` to the end of `curl=7.88`
    assert where(rm.argv[2]) == (7, 15, 7, 35) and source(text, rm.argv[2]) == "/var/lib/apt/lists/*"
    assert script.origin is run.shell_text


def test_a_word_split_by_a_continuation_spans_both_lines():
    text = "FROM a\nRUN echo abc\\\ndef && true\n"
    script = only_script(text)
    word = script.commands[0].argv[1]
    assert word.value == "abcdef" and where(word) == (2, 10, 3, 4)


def test_flags_before_the_command_line_are_skipped():
    text = "FROM a\nRUN --mount=type=cache,target=/root/.cache \\\n    pip install flask\n"
    pip = only_script(text).commands[0]
    assert where(pip) == (3, 5, 3, 22) and where(pip.argv[2]) == (3, 17, 3, 22)


def test_nested_substitution_positions():
    text = 'FROM a\nRUN V="$(curl -s \\\n      https://x | jq .tag)" && echo "$V"\n'
    script = only_script(text)
    curl = next(c for c in script.commands if c.name == "curl")
    jq = next(c for c in script.commands if c.name == "jq")
    assert where(curl) == (2, 10, 3, 16) and where(curl.argv[2]) == (3, 7, 3, 16)
    assert where(jq) == (3, 19, 3, 26) and source(text, jq) == "jq .tag"


def test_heredoc_script_positions():
    text = "FROM a\nRUN <<EOF\nset -e\n  apt-get install \\\n     vim\nEOF\n"
    script = only_script(text)
    set_e, install = script.commands
    assert where(set_e) == (3, 1, 3, 7)
    assert where(install.argv[2]) == (5, 6, 5, 9) and source(text, install.argv[2]) == "vim"
    assert where(install) == (4, 3, 5, 9)
    assert isinstance(script.origin, ast.Heredoc)


def test_chomped_heredoc_maps_stripped_text_back_to_the_tabs():
    text = "FROM a\nRUN <<-EOF\n\tapt-get update\n\t\t&& echo ok\n\tEOF\n"
    script = only_script(text)
    update, echo = script.commands
    assert script.text == "apt-get update\n&& echo ok\n"  # tabs stripped, as BuildKit runs it
    assert where(update) == (3, 2, 3, 16) and source(text, update) == "apt-get update"
    assert where(echo) == (4, 6, 4, 13) and source(text, echo) == "echo ok"


def test_crlf_heredoc_and_command_line():
    text = "FROM a\r\nRUN echo a \\\r\n  && echo b\r\nRUN <<EOF\r\necho c\r\nEOF\r\n"
    first, second = (scripts_for(run)[0] for run in runs(text))
    assert [where(c) for c in first.commands] == [(2, 5, 2, 11), (3, 6, 3, 12)]
    assert [c.values for c in second.commands] == [("echo", "c")]
    assert where(second.commands[0]) == (5, 1, 5, 7)


def test_escape_backtick_file_keeps_backslashes_for_the_shell():
    text = "# escape=`\nFROM a\nRUN echo a\\b `\n    && echo c\n"
    script = only_script(text)
    first, second = script.commands
    assert first.argv[1].value == "ab" and where(first.argv[1]) == (3, 10, 3, 13)
    assert where(second) == (4, 8, 4, 14)


def test_onbuild_run_positions():
    text = "FROM a\nONBUILD RUN pip install \\\n  flask\n"
    (onbuild,) = [i for i in parse_syntax(text).instructions if isinstance(i, ast.OnbuildInstruction)]
    (script,) = scripts_for(onbuild)
    pip = script.commands[0]
    assert where(pip) == (2, 13, 3, 8) and where(pip.argv[2]) == (3, 3, 3, 8)


def test_shell_heredoc_inside_a_heredoc_script():
    text = "FROM a\nRUN <<EOF\ncat <<CONF > /etc/x.conf\nkey = $(not run)\nCONF\nchmod 600 /etc/x.conf\nEOF\n"
    script = only_script(text)
    cat, chmod = script.commands
    body = cat.redirects[0].heredoc
    assert body.body == "key = $(not run)\n" and where(body) == (4, 1, 4, 18)
    assert where(chmod) == (6, 1, 6, 22)


def test_position_maps_directly():
    text = "FROM a\nRUN  echo \\\n  hi\n"
    (run,) = runs(text)
    positions = run_positions(run)
    script = parse_shell(run.shell_text.value, positions)
    assert where(script.commands[0].argv[1]) == (3, 3, 3, 5)
    heredoc_text = "FROM a\nCOPY <<-EOF /x\n\t\tbody\n\tEOF\n"
    (copy,) = [i for i in parse_syntax(heredoc_text).instructions if i.name == "COPY"]
    heredoc = copy.heredocs[0]
    stripped = heredoc_positions(heredoc)
    assert stripped.position(0) == (heredoc.body_span.start.offset + 2, 3, 3)
    raw = heredoc_positions(heredoc, strip_tabs=False)
    assert raw.position(0) == (heredoc.body_span.start.offset, 3, 1)


def test_errors_have_file_positions():
    text = "FROM a\nRUN echo ok && \\\n    echo 'unterminated\n"
    script = only_script(text)
    (error,) = script.errors
    assert (error.line, error.column) == (3, 10) and "unterminated" in error.message


def test_exec_form_script_positions_lead_through_json_escapes():
    text = 'FROM a\nRUN ["sh", "-c", "echo \\"caf\\u00e9\\" \\ud83d\\ude00 && \\\n  curl -o /x http://h"]\n'
    script = only_script(text)
    assert script.text == 'echo "café" \U0001F600 &&   curl -o /x http://h'
    echo, curl = script.commands
    assert echo.argv[1].value == "café" and source(text, echo.argv[1]) == '\\"caf\\u00e9\\"'
    assert source(text, echo.argv[2]) == "\\ud83d\\ude00"  # one character, a surrogate pair as written
    assert where(curl) == (3, 3, 3, 22) and source(text, curl.argv[3]) == "http://h"


def test_exec_form_script_end_and_empty_offsets_map_to_the_closing_quote():
    text = 'FROM a\nRUN ["sh", "-c", "ls"]\n'
    script = only_script(text)
    positions = script.positions
    assert positions.position(2) == positions.position(99) == (text.index('"]'), 2, 21)
    assert where(script.commands[0]) == (2, 19, 2, 21)


def test_exec_form_string_that_does_not_decode_to_its_value_is_not_mapped():
    (run,) = runs('FROM a\nRUN ["sh", "-c", "ls"]\n')
    script_argument = run.args[2]
    assert json_string_positions(run, script_argument) is not None
    assert json_string_positions(run, run.args[0]) is not None
    other = ast.Argument(script_argument.span, script_argument.text, "not what it says")
    assert json_string_positions(run, other) is None
