"""The shell grammar: every construct, words, operators and contexts."""

import pytest

from dflint.shell import parse_shell


def commands(text):
    script = parse_shell(text)
    assert script.errors == (), script.errors
    return script.commands


def argvs(text):
    return [c.values for c in commands(text)]


# ---- words ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, value, quoted, expansion",
    [
        ("plain", "plain", False, False),
        ("'single $X'", "single $X", True, False),
        ('"$HOME/x"', "$HOME/x", True, True),
        ('"a\\"b\\$c\\d"', 'a"b$c\\d', True, False),
        ("a\\ b", "a b", True, False),
        ("$'tab\\there\\x41\\n'", "tab\there" + "A\n", True, False),
        ("${X:-default}", "${X:-default}", False, True),
        ('${X:-"a b"}', '${X:-"a b"}', False, True),
        ("$(echo hi)", "$(echo hi)", False, True),
        ("`date`", "`date`", False, True),
        ("$((1 + 2))", "$((1 + 2))", False, True),
        ('pre"mid"\'post\'', "premidpost", True, False),
        ('"$(cmd "inner quoted")"', '$(cmd "inner quoted")', True, True),
        ("$", "$", False, False),
        ("a$", "a$", False, False),
        ("$1", "$1", False, True),
        ("a#b", "a#b", False, False),
        ("{a,b}", "{a,b}", False, False),
        ("[[", "[[", False, False),
        ("trailing\\", "trailing\\", False, False),
    ],
)
def test_words_are_decoded(raw, value, quoted, expansion):
    command = commands(f"echo {raw}")[0]
    word = command.argv[1]
    assert (word.raw, word.value, word.quoted, word.has_expansion) == (raw, value, quoted, expansion)


@pytest.mark.parametrize("text, words", [
    ("echo ${X:-{a} b}", ["echo", "${X:-{a}", "b}"]),  # bash and dash: `echo ${X:-{a} b}` prints {a b}
    ("echo ${X:-${Y} b} c", ["echo", "${X:-${Y} b}", "c"]),  # an inner ${...} nests
    ('echo "${X:-{}" ${Y:-$Z}', ["echo", '"${X:-{}"', "${Y:-$Z}"]),
])
def test_a_brace_inside_a_parameter_expansion_opens_nothing(text, words):
    """In ``${...}`` the first ``}`` that closes no inner ``${`` ends it, as in bash and dash."""
    (command,) = commands(text)
    assert [word.raw for word in command.argv] == words
    assert not parse_shell(text).errors


@pytest.mark.parametrize("text", ["A=1 fi", "GOCACHE=/tmp/gc done ./build", "<in fi", "2>/dev/null esac",
                                  "if true; then X=- elif y; fi"])
def test_a_reserved_word_after_an_assignment_or_redirection_is_a_command_name(text):
    """Only a command's first word can be reserved: bash and dash run a command named ``fi`` here."""
    assert not parse_shell(text).errors


@pytest.mark.parametrize("text, word", [("echo x; fi", "fi"), ("fi >x", "fi"), ("true; done A=1", "done")])
def test_a_closing_reserved_word_that_opens_a_command_is_an_error(text, word):
    assert [e.message for e in parse_shell(text).errors] == [f"unexpected `{word}`"]


def test_words_span_their_raw_text():
    text = "echo  'a b'   \"c\"d"
    (command,) = commands(text)
    for word in command.argv:
        assert text[word.start:word.end] == word.raw
    assert [w.value for w in command.argv] == ["echo", "a b", "cd"]


def test_line_continuation_inside_a_heredoc_script_joins_words():
    assert argvs("apt-get install \\\n    curl \\\n    git") == [("apt-get", "install", "curl", "git")]
    assert argvs("ec\\\nho hi") == [("echo", "hi")]


def test_comments_start_only_at_a_word():
    assert argvs("echo a#b # comment here\necho c") == [("echo", "a#b"), ("echo", "c")]
    assert argvs("# only a comment") == []


# ---- assignments, redirects ---------------------------------------------------

def test_assignments_before_a_command_and_alone():
    first, second, date = commands("A=1 B+=\"x y\" make install; C=$(date)")
    assert first.name == "make" and [a.name for a in first.assignments] == ["A", "B"]
    assert first.assignments[1].value.value == "x y" and first.assignments[1].append
    assert second.name is None and second.argv == () and second.assignments[0].name == "C"
    assert second.assignments[0].value.has_expansion and date.context == "substitution"


def test_an_assignment_after_the_command_name_is_an_argument():
    (command,) = commands("export PATH=/x:$PATH")
    assert command.values == ("export", "PATH=/x:$PATH") and command.assignments == ()


def test_array_assignment_is_kept_as_one_word():
    (command,) = commands("ARR=(a 'b c') cmd")
    assert command.assignments[0].value.value == "(a 'b c')" and command.name == "cmd"


@pytest.mark.parametrize(
    "text, op, fd, target",
    [
        ("cmd > out", ">", None, "out"),
        ("cmd >> out", ">>", None, "out"),
        ("cmd < in", "<", None, "in"),
        ("cmd 2>&1", ">&", 2, "1"),
        ("cmd &> /dev/null", "&>", None, "/dev/null"),
        ("cmd &>> log", "&>>", None, "log"),
        ("cmd >| f", ">|", None, "f"),
        ("cmd <<< \"$x\"", "<<<", None, "$x"),
        ("cmd 3<> f", "<>", 3, "f"),
        ("cmd <&0", "<&", None, "0"),
    ],
)
def test_redirections(text, op, fd, target):
    (command,) = commands(text)
    (redirect,) = command.redirects
    assert (redirect.op, redirect.fd, redirect.target.value) == (op, fd, target)
    assert command.values == ("cmd",)


def test_a_number_not_touching_the_operator_is_an_argument():
    (command,) = commands("echo 2 >x")
    assert command.values == ("echo", "2") and command.redirects[0].fd is None


def test_shell_heredoc_body_is_not_parsed_as_commands():
    text = "cat <<EOF > /etc/conf\nnot a $(command)\n  'unbalanced\nEOF\necho after"
    cat, echo = commands(text)
    heredoc = cat.redirects[0].heredoc
    assert heredoc.delimiter == "EOF" and heredoc.expand and heredoc.terminated
    assert heredoc.body == "not a $(command)\n  'unbalanced\n"
    assert text[heredoc.start:heredoc.end] == heredoc.body
    assert cat.redirects[1].target.value == "/etc/conf"
    assert echo.values == ("echo", "after") and echo.operator == "\n"


def test_heredoc_variants():
    text = "cat <<-'END' | tr a b\n\tquoted $body\n\tEND\ncat << \"X\"\nx\nX\n"
    first, tr, second = commands(text)
    heredoc = first.redirects[0].heredoc
    assert heredoc.strip_tabs and not heredoc.expand and heredoc.body == "quoted $body\n"
    assert tr.values == ("tr", "a", "b") and tr.pipeline_index == 1
    assert second.redirects[0].heredoc.body == "x\n"


def test_two_heredocs_on_one_line():
    (command,) = commands("paste <<A /dev/stdin 3<<B\na\nA\nb\nB\n")
    bodies = [r.heredoc.body for r in command.redirects]
    assert bodies == ["a\n", "b\n"] and command.values == ("paste", "/dev/stdin")


def test_unterminated_heredoc_runs_to_the_end_without_error():
    (command,) = commands("cat <<EOF\nbody")
    assert command.redirects[0].heredoc.body == "body" and not command.redirects[0].heredoc.terminated


# ---- lists, pipelines, operators ----------------------------------------------

def test_operators_join_commands():
    cmds = commands("a && b || c; d & e | f |& g\nh")
    assert [(c.name, c.operator, c.next_operator) for c in cmds] == [
        ("a", None, "&&"), ("b", "&&", "||"), ("c", "||", ";"), ("d", ";", "&"),
        ("e", "&", "|"), ("f", "|", "|&"), ("g", "|&", "\n"), ("h", "\n", None),
    ]
    assert cmds[3].background


def test_pipelines():
    cmds = commands("! curl -fsSL x | tar -xz -C /opt | tee log; echo done")
    curl, tar, tee, echo = cmds
    assert {curl.pipeline_id, tar.pipeline_id, tee.pipeline_id} == {curl.pipeline_id} != {echo.pipeline_id}
    assert [c.pipeline_index for c in (curl, tar, tee)] == [0, 1, 2]
    assert curl.in_pipeline and curl.masked and not tee.masked and curl.negated
    assert not echo.in_pipeline and not echo.negated
    script = parse_shell("a | b; c")
    assert [c.name for c in script.pipeline(script.commands[1])] == ["a", "b"]
    assert script.has_pipes and not parse_shell("a; b").has_pipes


def test_newlines_after_operators_continue_the_list():
    assert [(c.name, c.operator) for c in commands("a &&\n\n  b |\n c")] == [("a", None), ("b", "&&"), ("c", "|")]


def test_conditional_commands():
    cmds = {c.name: c for c in commands("a && b || c; d")}
    assert [cmds[n].conditional for n in "abcd"] == [False, True, True, False]


# ---- compound commands ------------------------------------------------------

def contexts(text):
    return [(c.name, c.contexts, c.conditional) for c in commands(text)]


def test_subshell_and_brace_group():
    assert contexts("(cd /x && make) ; { echo a; echo b; } > log") == [
        ("cd", ("subshell",), False), ("make", ("subshell",), True),
        ("echo", ("brace",), False), ("echo", ("brace",), False),
    ]


def test_if_elif_else():
    assert contexts("if test -f a; then x; elif [ -d b ]; then y; else z; fi") == [
        ("test", ("condition",), False), ("x", ("if",), True), ("[", ("condition",), True),
        ("y", ("if",), True), ("z", ("if",), True),
    ]


def test_loops():
    assert contexts("for f in a $(ls) c; do rm \"$f\"; done; while read l; do echo $l; done < in; "
                    "until false; do :; done") == [
        ("ls", ("substitution",), False), ("rm", ("loop",), True),
        ("read", ("condition",), False), ("echo", ("loop",), True),
        ("false", ("condition",), False), (":", ("loop",), True),
    ]
    assert contexts("for x\ndo\n  y\ndone") == [("y", ("loop",), True)]
    assert contexts("for x; do y; done") == [("y", ("loop",), True)]
    assert contexts("for ((i = 0; i < 3; i++)); do y; done") == [("y", ("loop",), True)]


def test_case():
    text = 'case "$(uname -m)" in\n  x86_64|amd64) a ;;\n  (arm*) b; c ;&\n  *) d\nesac'
    assert contexts(text) == [
        ("uname", ("substitution",), False), ("a", ("case",), True),
        ("b", ("case",), True), ("c", ("case",), True), ("d", ("case",), True),
    ]
    assert commands(text)[1].next_operator == ";;"
    assert contexts("case x in esac; y") == [("y", (), False)]


def test_functions():
    assert contexts("f() { g; }; function h { i; }; function j() ( k )") == [
        ("g", ("function", "brace"), True), ("i", ("function", "brace"), True),
        ("k", ("function", "subshell"), True),
    ]


def test_closing_word_right_after_a_compound_command():
    assert contexts("if (true) then echo a; fi") == [("true", ("condition", "subshell"), False),
                                                     ("echo", ("if",), True)]
    assert contexts("while (x) do { y; } >log 2>&1 done") == [("x", ("condition", "subshell"), False),
                                                               ("y", ("loop", "brace"), True)]
    assert contexts("{ { a; } }") == [("a", ("brace", "brace"), False)]
    script = parse_shell("(a) >x done")  # but never after a simple command's words
    assert [e.message for e in script.errors] == ["unexpected `done`"]


def test_arithmetic_command_runs_nothing():
    assert contexts("(( n = n + 1 )) && echo $((n))") == [("echo", (), True)]


def test_nested_contexts_and_depth():
    (inner,) = [c for c in commands("if a; then for x in y; do (echo $(date)); done; fi") if c.name == "date"]
    assert inner.contexts == ("if", "loop", "subshell", "substitution") and inner.depth == 4
    assert inner.context == "substitution"
    assert commands("a")[0].context == "top"


def test_command_substitution_is_parsed_recursively():
    cmds = commands('VERSION="$(curl -s https://x | jq -r .tag_name)" && echo `cat /v`')
    assert [(c.name, c.context) for c in cmds] == [
        (None, "top"), ("curl", "substitution"), ("jq", "substitution"),
        ("echo", "top"), ("cat", "substitution"),
    ]
    assert cmds[1].in_pipeline and cmds[1].masked


def test_case_inside_command_substitution():
    text = 'arch="$(case ${TARGETARCH} in amd64) echo x64 ;; arm64) echo arm ;; esac)"; curl "$arch"'
    assert [(c.name, c.contexts) for c in commands(text)] == [
        (None, ()), ("echo", ("substitution", "case")), ("echo", ("substitution", "case")), ("curl", ()),
    ]


def test_sh_c_strings_are_parsed():
    text = "git -c a=b status; bash -ec 'pip install x && cd /y'; sh -c \"$CMD\"; sh script.sh -c; su app -c true"
    cmds = commands(text)
    # sh -c "$CMD": a lone expansion is no script to parse; su -c hands its script to the user's shell
    assert [(c.name, c.context) for c in cmds] == [
        ("git", "top"), ("bash", "top"), ("pip", "shell"), ("cd", "shell"), ("sh", "top"), ("sh", "top"),
        ("su", "top"), ("true", "shell"),
    ]
    pip = cmds[2]
    assert text[pip.start:pip.end] == "pip install x"


@pytest.mark.parametrize(
    "text, expected",
    [
        # the calling shell runs a substitution of a double-quoted (or unquoted) script, once
        ('sh -c "$(wget -O- https://x/a; wget -O- https://x/b)"',
         [("sh", ()), ("$(wget", ("shell",)), ("wget", ("substitution",)), ("wget", ("substitution",))]),
        ('bash -c "echo $(uname -m) && ls"',
         [("bash", ()), ("echo", ("shell",)), ("uname", ("substitution",)), ("ls", ("shell",))]),
        ('sh -c "$(a $(b))"', [("sh", ()), ("$(a", ("shell",)), ("a", ("substitution",)),
                               ("b", ("substitution", "substitution"))]),
        ('chroot /t sh -c "cat `ls /x`"',
         [("chroot", ()), ("cat", ("shell", "chroot")), ("ls", ("substitution",))]),
        ('su app -c "id $(whoami)"', [("su", ()), ("id", ("shell",)), ("whoami", ("substitution",))]),
        ('eval "echo $(uname)"', [("eval", ()), ("echo", ("shell",)), ("uname", ("substitution",))]),
        # in a single-quoted script the substitution is the inner shell's
        ("sh -c 'echo $(uname)'", [("sh", ()), ("echo", ("shell",)), ("uname", ("shell", "substitution"))]),
        ("sh -c 'sh -c \"echo $(uname)\"'",
         [("sh", ()), ("sh", ("shell",)), ("echo", ("shell", "shell")), ("uname", ("shell", "substitution"))]),
    ],
)
def test_a_script_strings_substitutions_are_read_once(text, expected):
    assert [(c.values[0].split()[0], c.contexts) for c in commands(text)] == expected


# ---- reserved words in command position only ---------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("echo if then else fi do done case esac in { } !", [("echo", "if", "then", "else", "fi", "do", "done",
                                                              "case", "esac", "in", "{", "}", "!")]),
        ("for x in a b; do echo done; done", [("echo", "done")]),
        ("for x in do done; do y; done", [("y",)]),
        ("A=1 if", [("if",)]),
        ("if true; then echo fi; fi", [("true",), ("echo", "fi")]),
        ("echo {a,b} }", [("echo", "{a,b}", "}")]),
        ("[[ -f x ]] && y", [("[[", "-f", "x", "]]"), ("y",)]),
        ("iffy; done_x; fi_", [("iffy",), ("done_x",), ("fi_",)]),
    ],
)
def test_reserved_words_only_in_command_position(text, expected):
    assert argvs(text) == expected


def test_unsupported_bash_syntax_degrades_to_words():
    script = parse_shell("select x in a b; do echo $x; done")
    assert [c.values for c in script.commands] == [("select", "x", "in", "a", "b"), ("echo", "$x")]
    assert [e.message for e in script.errors] == ["unexpected `do`", "unexpected `done`"]
    cmds = parse_shell("diff <(sort a) <(sort b)").commands
    assert [c.name for c in cmds] == ["diff", "sort", "sort"]
    assert cmds[0].argv[1].value == "<(sort a)" and cmds[1].context == "substitution"


@pytest.mark.parametrize("text, word", [("paste 2<(seq 3) x", "2<(seq 3)"), ("echo 12>(cat)", "12>(cat)")])
def test_digits_before_a_process_substitution_are_part_of_the_word(text, word):
    """bash reads `2<(cmd)` as one word (it prints `2/dev/fd/63`), not as a redirection of fd 2."""
    command = parse_shell(text).commands[0]
    assert word in command.values and command.redirects == ()


def test_find_and_has_command():
    script = parse_shell("sudo apt-get -o X=1 install -y curl && /usr/bin/apt-get update; "
                         "python3 -m pip install flask; pip3 install x")
    assert [c.argv[0].value for c in script.find("apt-get", "install")] == ["sudo"]
    assert [c.name for c in script.find("apt-get")] == ["sudo", "/usr/bin/apt-get"]
    assert [c.name for c in script.find("pip", "install")] == ["python3", "pip3"]
    assert script.has_command("apt-get") and not script.has_command("yum")
    assert script.find("apt-get", "install", "curl")  # -y is an option, curl the first operand
    assert not script.find("apt-get", "curl")
    assert script.find("apt-get", "install")[0].program == "sudo"
