"""The parser's own behaviour: positions, directives, continuations, heredocs, recovery."""

import pytest

from dflint import ast
from dflint.syntax import parse_syntax, print_tree


def only(text, kind=ast.Instruction):
    nodes = [i for i in parse_syntax(text).instructions if isinstance(i, kind)]
    assert len(nodes) == 1, nodes
    return nodes[0]


def where(node):
    return (node.span.start.line, node.span.start.column, node.span.end.line, node.span.end.column)


def test_every_part_of_an_instruction_has_its_exact_span():
    text = "FROM alpine\n  run --mount=type=cache,target=/root/.cache  apk add curl\n"
    run = only(text, ast.RunInstruction)
    assert run.keyword.text == "run" and run.name == "RUN"
    assert where(run.keyword) == (2, 3, 2, 6)
    flag = run.flags[0]
    assert (flag.name, flag.value) == ("mount", "type=cache,target=/root/.cache")
    assert where(flag) == (2, 7, 2, 45)
    assert flag.name_span.start.column == 9 and flag.value_span.start.column == 15
    assert where(run.args[0]) == (2, 47, 2, 59) and run.args[0].value == "apk add curl"
    assert run.mounts[0].type == "cache" and run.mounts[0].target == "/root/.cache"
    for node in (run, run.keyword, flag, run.args[0]):
        assert node.text == text[node.span.start.offset:node.span.end.offset]


def test_multiline_arguments_map_back_through_continuations():
    text = "FROM a\nRUN apt-get update && \\\n    apt-get install -y curl\n"
    run = only(text, ast.RunInstruction)
    command = run.args[0]
    assert command.value == "apt-get update &&     apt-get install -y curl"
    index = command.value.index("install")
    position = run.position_at(command.origin + index)
    assert (position.line, position.column) == (3, 13)
    assert text[position.offset:position.offset + 7] == "install"


def test_exec_form_arguments_are_json_strings_with_spans():
    cmd = only('CMD ["python", "-m", "http.server", "\\u00e9"]\n', ast.CmdInstruction)
    assert cmd.exec_form
    assert [a.value for a in cmd.args] == ["python", "-m", "http.server", "é"]
    assert cmd.args[1].text == '"-m"' and cmd.args[1].span.start.column == 16


@pytest.mark.parametrize(
    "line, exec_form, values",
    [
        ('CMD ["a", "b"]', True, ["a", "b"]),
        ("CMD ['a', 'b']", False, ["['a', 'b']"]),
        ('CMD ["a", "b"', False, ['["a", "b"']),
        ("CMD []", True, []),
        ('CMD ["a"] trailing', False, ['["a"] trailing']),  # current BuildKit: shell form
    ],
)
def test_exec_form_or_shell_fallback(line, exec_form, values):
    cmd = only(line + "\n", ast.CmdInstruction)
    assert cmd.exec_form is exec_form
    assert [a.value for a in cmd.args] == values


def test_json_array_with_a_number_is_a_syntax_error_and_the_rest_still_parses():
    file = parse_syntax('FROM a\nCMD ["a", 1]\nRUN echo ok\n')
    assert [e.message for e in file.errors] == [
        "when using JSON array syntax, arrays must be comprised of strings only"
    ]
    assert file.errors[0].line == 2
    assert [i.name for i in file.instructions] == ["FROM", "RUN"]
    assert any(isinstance(n, ast.InvalidInstruction) for n in file.children)


def test_env_forms():
    env = only('ENV A=1 B="two words" C=\\"q\\"\n', ast.EnvInstruction)
    assert [(p.key.value, p.value.value) for p in env.pairs] == [("A", "1"), ("B", '"two words"'), ("C", '\\"q\\"')]
    legacy = only("ENV JAVA_HOME /opt/java home\n", ast.EnvInstruction)
    assert legacy.pairs[0].legacy and legacy.pairs[0].value.value == "/opt/java home"


@pytest.mark.parametrize(
    "text, message",
    [
        ("ENV ONLY\n", "ENV must have two arguments"),
        ("LABEL ONLY\n", "LABEL must have two arguments"),
        ("ENV A=1 B\n", "can't find = in \"B\""),
    ],
)
def test_env_and_label_errors(text, message):
    file = parse_syntax("FROM a\n" + text)
    assert message in file.errors[0].message and file.errors[0].line == 2


def test_arg_declarations():
    arg = only('ARG A B=2 C="x y"\n', ast.ArgInstruction)
    assert [(p.key.value, p.value.value if p.value else None) for p in arg.pairs] == [
        ("A", None), ("B", "2"), ("C", '"x y"')
    ]


def test_directives_only_count_at_the_top():
    file = parse_syntax("# syntax=docker/dockerfile:1\n#ESCAPE = `\n# check=skip=all\n# escape=\\\nFROM a\n")
    assert [(d.name, d.value) for d in file.directives] == [
        ("syntax", "docker/dockerfile:1"), ("escape", "`"), ("check", "skip=all")
    ]
    assert "only one escape parser directive" in file.errors[0].message
    late = parse_syntax("# a comment\n# escape=`\nFROM a\n")
    assert late.directives == () and late.escape == "\\"
    assert [c.value for c in late.comments] == ["a comment", "escape=`"]


def test_backtick_escape_and_windows_paths():
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir C:\\ `\n    && echo done\nCOPY C:\\src\\ C:\\app\\\n"
    file = parse_syntax(text)
    run = file.instructions[1]
    assert run.args[0].value == "dir C:\\     && echo done"
    assert (run.line, run.end_line) == (3, 4)
    assert [a.value for a in file.instructions[2].args] == ["C:\\src\\", "C:\\app\\"]


def test_escaped_escape_character_does_not_continue_the_line():
    file = parse_syntax("FROM a\nRUN echo C:\\\\\n\nRUN next\n")
    assert [(i.line, i.end_line) for i in file.instructions] == [(1, 1), (2, 2), (4, 4)]


def test_comment_and_blank_lines_inside_a_continuation():
    text = "FROM a\nRUN one \\\n# note\n\n   \n    two\nRUN three\n"
    file = parse_syntax(text)
    run = file.instructions[1]
    assert run.args[0].value == "one     two"
    assert [c.value for c in run.comments] == ["note"]
    assert run.empty_continuation_lines == (4, 5)
    assert (run.line, run.end_line) == (2, 6)


def test_heredocs():
    text = "FROM a\nRUN <<EOF bash -ex\n  echo $HOME\nEOF\nCOPY <<-'ONE' <<TWO /dst/\n\tfirst\n\tONE\nsecond\nTWO\nRUN after\n"
    file = parse_syntax(text)
    run, copy, after = file.instructions[1:]
    doc = run.heredocs[0]
    assert (doc.name, doc.content, doc.expand, doc.chomp) == ("EOF", "  echo $HOME\n", True, False)
    assert where(doc.marker) == (2, 5, 2, 10)
    assert doc.span.start.line == 3 and doc.terminator_span.start.line == 4
    one, two = copy.heredocs
    assert (one.name, one.expand, one.chomp, one.content, one.body) == ("ONE", False, True, "\tfirst\n", "first\n")
    assert (two.name, two.content) == ("TWO", "second\n")
    assert (copy.line, copy.end_line) == (5, 9)
    assert after.line == 10
    assert [a.value for a in copy.args] == ["<<-'ONE'", "<<TWO", "/dst/"]


def test_heredoc_marker_in_a_continued_line():
    run = only("RUN cat \\\n  <<EOF\nhello\nEOF\n", ast.RunInstruction)
    assert run.heredocs[0].content == "hello\n"
    assert where(run.heredocs[0].marker) == (2, 3, 2, 8)


def test_unterminated_heredoc():
    file = parse_syntax("FROM a\nRUN <<EOF\necho never ends\n")
    assert file.errors[0].message == "unterminated heredoc" and file.errors[0].line == 2


def test_onbuild_trigger_is_a_parsed_instruction():
    node = only("ONBUILD COPY --chown=app . /src\n", ast.OnbuildInstruction)
    trigger = node.trigger
    assert isinstance(trigger, ast.CopyInstruction)
    assert trigger.flags[0].name == "chown" and trigger.flags[0].span.start.column == 14
    assert [a.value for a in trigger.args] == [".", "/src"]


def test_healthcheck_forms():
    hc = only("HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/ || exit 1\n")
    assert [f.name for f in hc.flags] == ["interval", "retries"]
    assert [a.value for a in hc.args] == ["CMD", "curl -f http://localhost/ || exit 1"]
    none = only("HEALTHCHECK NONE\n")
    assert none.kind.value == "NONE"


def test_flag_quotes_and_dashdash():
    copy = only('COPY --chown="app user" -- --weird-name /dst\n', ast.CopyInstruction)
    assert copy.flags[0].value == "app user"
    assert [a.value for a in copy.args] == ["--weird-name", "/dst"]


def test_keywords_in_any_case_and_unknown_keywords():
    file = parse_syntax("from alpine\nRuN echo\nFROMM x\n")
    assert [i.name for i in file.instructions] == ["FROM", "RUN", "FROMM"]
    assert isinstance(file.instructions[2], ast.UnknownInstruction)


@pytest.mark.parametrize(
    "text",
    [
        "FROM a\r\nRUN x \\\r\n  y\r\n",
        "\ufeffFROM a\n",
        "FROM a\nRUN b",
        "FROM a  \t\n\n\n# tail comment",
        "FROM a\nRUN <<EOF\r\nx\r\nEOF\r\n",
        "",
        "\n\n",
        "# only a comment\n",
    ],
)
def test_round_trip_is_exact(text):
    file = parse_syntax(text)
    assert print_tree(file) == text


def test_empty_and_comment_only_files_have_no_instructions():
    for text in ("", "   \n", "# nothing here\n"):
        file = parse_syntax(text)
        assert file.errors[0].message == "file with no instructions"


def test_crlf_positions_exclude_line_terminators():
    file = parse_syntax("FROM a\r\nRUN x\r\n")
    run = file.instructions[1]
    assert run.text == "RUN x" and where(run) == (2, 1, 2, 6)


def test_trivia_fills_the_gaps_between_top_level_nodes():
    file = parse_syntax("\n  FROM a\n\n# c\n")
    kinds = [type(child).__name__ for child in file.children]
    assert kinds == ["Trivia", "FromInstruction", "Trivia", "Comment", "Trivia"]
