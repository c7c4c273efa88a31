"""scripts_for: which shell scripts a RUN executes."""

import pytest

from dflint import ast
from dflint.analysis import Analysis
from dflint.shell import scripts_for
from dflint.shell.scripts import exec_form_shell, is_posix_shell
from dflint.syntax import parse_syntax


def instruction(text):
    (node,) = [i for i in parse_syntax("FROM a\n" + text).instructions if i.name != "FROM"]
    return node


def script_texts(text, shell=("/bin/sh", "-c")):
    return [s.text for s in scripts_for(instruction(text), shell)]


def test_shell_form_command_line():
    assert script_texts("RUN apt-get update\n") == ["apt-get update"]


def test_exec_form_runs_no_shell_unless_it_names_one_with_a_script():
    assert script_texts('RUN ["apt-get", "update"]\n') == []
    assert script_texts('RUN ["sh", "build.sh"]\n') == []  # a script file, not a script string
    assert script_texts('RUN ["sh", "-c"]\n') == []
    assert script_texts('RUN ["python3", "-c", "print(1)"]\n') == []


@pytest.mark.parametrize("run, shell", [
    ('RUN ["sh", "-c", "apt-get update"]', ("sh", "-c")),
    ('RUN ["/bin/bash", "-o", "pipefail", "-c", "apt-get update"]', ("/bin/bash", "-o", "pipefail", "-c")),
    ('RUN ["bash", "-euxo", "pipefail", "-c", "apt-get update"]', ("bash", "-euxo", "pipefail", "-c")),
    ('RUN ["sh", "-c", "-e", "apt-get update"]', ("sh", "-c", "-e")),
    ('RUN ["/usr/bin/env", "bash", "-c", "apt-get update"]', ("/usr/bin/env", "bash", "-c")),
    ('RUN ["busybox", "sh", "-c", "apt-get update"]', ("busybox", "sh", "-c")),
    ('ONBUILD RUN ["sh", "-c", "apt-get update"]', ("sh", "-c")),
])
def test_exec_form_shell_script_is_read_whatever_the_stage_shell(run, shell):
    node = instruction(run + "\n")
    assert [s.text for s in scripts_for(node, ("powershell", "-Command"))] == ["apt-get update"]
    found = exec_form_shell(node)
    assert found is not None and found[0] == shell and found[1].value == "apt-get update"


def test_the_shell_for_an_exec_form_run_is_its_own():
    file = parse_syntax('FROM a\nSHELL ["/bin/bash", "-c"]\nRUN ["sh", "-ec", "x | y"]\nRUN ["make"]\nRUN x\n')
    analysis = Analysis("Dockerfile", file)
    exec_script, exec_plain, shell_form = file.instructions[2:]
    assert analysis.shell_for(exec_script) == ("sh", "-ec")
    assert analysis.shell_for(exec_plain) == analysis.shell_for(shell_form) == ("/bin/bash", "-c")


def test_other_instructions_have_no_scripts():
    assert script_texts("CMD echo hi\n") == []


@pytest.mark.parametrize("shell", [
    ["powershell", "-Command"], ["pwsh", "-c"], ["cmd", "/S", "/C"], ["C:\\Windows\\System32\\cmd.exe", "/c"],
])
def test_non_posix_shells_are_not_parsed(shell):
    assert script_texts("RUN Write-Host hi\n", shell) == []
    assert script_texts("RUN <<EOF\nWrite-Host hi\nEOF\n", shell) == []


@pytest.mark.parametrize("shell", [["/bin/bash", "-o", "pipefail", "-c"], ["/usr/bin/env", "zsh", "-c"],
                                   ["busybox", "sh", "-c"], ["ash", "-c"]])
def test_posix_shells(shell):
    assert is_posix_shell(shell)
    assert script_texts("RUN echo hi\n", shell) == ["echo hi"]


def test_heredoc_only_runs_the_body():
    assert script_texts("RUN <<EOF\napt-get update\napt-get install -y x\nEOF\n") == [
        "apt-get update\napt-get install -y x\n"]


@pytest.mark.parametrize("shebang, parsed", [
    ("#!/bin/bash", True), ("#!/bin/sh -e", True), ("#!/usr/bin/env bash", True),
    ("#!/usr/bin/env -S bash -eu", True), ("#!/usr/bin/env python3", False), ("#!/usr/bin/python", False),
    ("#!/usr/bin/env node", False),
])
def test_heredoc_shebang_decides(shebang, parsed):
    texts = script_texts(f"RUN <<EOF\n{shebang}\nprint(1)\nEOF\n")
    assert bool(texts) is parsed


def test_shebang_body_runs_even_under_a_non_posix_shell():
    assert script_texts("RUN <<EOF\n#!/bin/sh\necho hi\nEOF\n", ["pwsh", "-c"]) == ["#!/bin/sh\necho hi\n"]


@pytest.mark.parametrize("line", [
    "RUN bash <<EOF", "RUN sh -ex <<'EOF'", "RUN <<EOF bash", "RUN <<-EOF sh -s -- arg",
    "RUN sudo bash <<EOF", "RUN cat <<EOF | sh", "RUN bash -o pipefail <<EOF", "RUN /bin/bash -e <<EOF",
])
def test_heredoc_fed_to_a_shell_is_a_script(line):
    texts = script_texts(f"{line}\necho hi\nEOF\n")
    assert len(texts) == 2 and texts[1] == "echo hi\n", texts


@pytest.mark.parametrize("line", [
    "RUN cat <<EOF > /etc/conf", "RUN python3 <<EOF", "RUN bash -c 'cat' <<EOF", "RUN bash script.sh <<EOF",
    "RUN bash 3<<EOF", "RUN cat <<EOF | grep x",
])
def test_heredoc_data_is_not_a_script(line):
    assert len(script_texts(f"{line}\necho hi\nEOF\n")) == 1


def test_two_heredocs_each_judged():
    text = "RUN cat <<A > /x && bash <<B\nnot a script\nA\napt-get update\nB\n"
    assert script_texts(text) == ["cat <<A > /x && bash <<B\nnot a script\nA\napt-get update\nB",
                                  "apt-get update\n"]


def test_command_line_script_is_what_the_shell_reads():
    text = "FROM a\nRUN cat <<-CONF > /etc/x && \\\n    chmod 600 /etc/x\n\tkey=1\n\tCONF\n"
    (script,) = scripts_for(instruction(text[len("FROM a\n"):]))
    cat, chmod = script.commands
    body = cat.redirects[0].heredoc
    assert body.body == "key=1\n" and body.strip_tabs and body.terminated
    span = body.span
    assert (span.start.line, span.start.column) == (4, 1) and text[span.start.offset:span.end.offset] == "\tkey=1\n"
    assert (chmod.line, chmod.column) == (3, 5) and chmod.values == ("chmod", "600", "/etc/x")


def test_chomped_heredoc_body_is_stripped():
    assert script_texts("RUN <<-EOF\n\techo a\n\tEOF\n") == ["echo a\n"]


def test_onbuild_trigger():
    node = instruction("ONBUILD RUN <<EOF\necho hi\nEOF\n")
    assert isinstance(node, ast.OnbuildInstruction)
    assert [s.text for s in scripts_for(node)] == ["echo hi\n"]
    assert [s.text for s in scripts_for(instruction("ONBUILD RUN make\n"))] == ["make"]
    assert scripts_for(instruction("ONBUILD COPY . /\n")) == ()
