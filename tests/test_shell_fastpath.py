"""The shell fast path (dflint/shell/fastpath.py) against the grammar: the same model, always.

Every script is parsed twice, once as dflint does (the fast path reads what it
can) and once with the fast path switched off (the Lark grammar reads
everything); commands, words, redirects, links, contexts and errors must be
identical. Inputs: every RUN and heredoc script of the fixtures and rule
cases, hand-picked edge cases, and generated scripts made of the pieces the
fast path reads plus the ones it must refuse.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dflint.shell.parser as shell_parser
from dflint.shell import parse_shell, scripts_for
from dflint.shell.fastpath import parse_fast
from dflint.source import decode_bytes
from dflint.syntax import parse_syntax

TESTS = Path(__file__).parent


def _model(text: str) -> tuple[str, str]:
    script = parse_shell(text)
    return repr(script.commands), repr(script.errors)


def grammar_only(text: str) -> tuple[str, str]:
    """The model with the fast path switched off."""
    original = shell_parser.parse_fast
    shell_parser.parse_fast = lambda _text: None
    shell_parser._parse_text.cache_clear()
    try:
        return _model(text)
    finally:
        shell_parser.parse_fast = original
        shell_parser._parse_text.cache_clear()


def with_fast_path(text: str) -> tuple[str, str]:
    shell_parser._parse_text.cache_clear()
    return _model(text)


def assert_same(text: str) -> None:
    assert with_fast_path(text) == grammar_only(text), text


def _scripts_of(dockerfile: str) -> list[str]:
    texts = []
    for instruction in parse_syntax(dockerfile).walk():
        for script in scripts_for(instruction):
            texts.append(script.text)
    return texts


def _corpus() -> list[str]:
    texts: set[str] = set()
    for path in sorted((TESTS / "fixtures").rglob("*Dockerfile*")):
        texts.update(_scripts_of(decode_bytes(path.read_bytes())))
    for path in sorted((TESTS / "rules" / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            if isinstance(case.get("dockerfile"), str):
                texts.update(_scripts_of(case["dockerfile"]))
    return sorted(texts)


CORPUS = _corpus()


def test_fixture_and_case_scripts():
    read = 0
    for text in CORPUS:
        assert_same(text)
        read += parse_fast(text) is not None
    assert read > len(CORPUS) // 3, "the fast path reads the common scripts"


@pytest.mark.parametrize("text", [
    "", " ", "\n\n", "# only a comment", "a", "a;", "a &", "a\n", "a\r\nb", "a \\\n b", "a\\\n\\\nb",
    "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "A=1 B=$(uname -m) cmd >/dev/null 2>&1 | tee x; echo \"${X:-y}\" &",
    "pip install a<3 b==1", "cmd >f A=1", ">f A=1 cmd", "A=1 >f B=2", "A=1", ">f", "2>&1", "a 2>&1",
    "a2>f", "12>f a", "a >2>f", "a &>f", "a & >f", "&>f a", "a |& b", "a >| f", "a <> f", "a <<< word",
    "cat <<EOF", "cat <<-'EOF' >x", "a &&\n\n b", "a ||\n b", "a |\n b", "a\n&& b", "a ;; b", "a;&", ";",
    "a; ;", "a &&", "a |", "a >", "a > ;", "> #c", "a #c\nb", "a;#c", "a#b", "#a b",
    "echo 'a b' \"c $d ${e} $(f g)\" h\\ i", "echo \"$(echo \"x\")\"", "echo $'a\\tb'", "echo $\"x\"",
    "echo `date`", "echo $((1+2))", "echo $(a (b))", "diff a <(b)", "a<(b)", "(a)", "a()", "f() { a; }",
    "{ a; }", "a }", "a {", "! a", "a ! b", "find . ! -name x", "if a; then b; fi", "echo if", "echo done",
    "for x in a; do b; done", "a=(1 2)", "a[1]=x b", "cmd a[1]=x", "a+=x b", "_=x", "1a=x b",
    "echo ${a:-'x'}", "echo ${a:-\"x\"}", "echo \"${a:-'x'}\"", "echo ${a", "echo \"${a\"", "echo \"a",
    "echo 'a", "echo a\\", "echo \"a\\\"b\"", "echo \"a\\", "echo $(case x in a) b;; esac)",
    "echo case x esac", "sh -c 'apt-get update && apt-get install x'", "sudo -u a sh -c \"b | c\"",
    "echo $(a $(b))", "echo \"$(a)$(b)\" $(c)", "x=$(a) y=\"$(b)\" c", "a\u00a0b c", "a\x0cb", "a\tb\t",
    "a \\", "\\\na", "a;\n;b", "a\n\n\nb\n", "time a", "select x in a; do b; done",
    # compound commands
    "if a; then b; fi", "if a\nthen\n b\nfi", "if a; then b; elif c; then d; else e; fi", "if a; then b; else c; fi",
    "if a; then b; elif c; then d; elif e; then f; fi", "if a && b || c; then d | e; fi > f 2>&1",
    "if a; then fi", "if then b; fi", "if a then b; fi", "if a; then b fi", "if a; then b; fi fi", "if a; then b;",
    "if a; then b; done", "if (a) then b; fi", "if { a; } then b; fi", "if a; then if b; then c; fi fi",
    "if a; then { b; } fi", "if a; then (b) fi", "if a; then b; fi; c", "if a; then b; fi && c || d",
    "a && if b; then c; fi", "a | if b; then c; fi | d", "if a; then b; fi c", "if a; then b; fi (c)",
    "for x in a b c; do d $x; done", "for x in; do a; done", "for x; do a; done", "for x do a; done",
    "for x\ndo a; done", "for x\nin a\ndo b\ndone", "for x in a b\n\ndo c; done", "for x in a & do b; done",
    "for x in a b do c; done", "for x inside; do a; done", "for x in a; dox; done", "for ((i=0;i<2;i++)); do a; done",
    "for in in a; do b; done", "for x in do; do a; done", "for x in a; do b; done > f", "for x in $(ls); do a; done",
    "for a=b in c; do d; done", "for 2>x in a; do b; done", "for x in a; do; done", "for x in a; do b; done; c",
    "while a; do b; done", "until a; do b; done", "while read x; do echo $x; done < f", "while a do b; done",
    "while a; do b done", "while a; do b; done | c", "while a\ndo\n b\ndone",
    "{ a; }", "{ a; b; } > f", "{ a }", "{a; }", "{ a;}", "{ }", "{ a; } }", "{ a; } b", "a; }", "{ { a; } }",
    "(a)", "(a; b)", "( a )", "(a;)", "( )", "(\n a\n)", "((a))", "( (a) )", "(a) > f", "(a) b", "a)", "(a",
    "(a) && (b)", "(if a; then b; fi)", "(a | b) | c", "x=$(a) (b)", "a () { b; }", "f() { a; }", "function f { a; }",
    "if a; then b; fi\n# c\nd", "if a # c\nthen b; fi", "if a; then\n  b \\\n  c\nfi",
    "if [ -f x ]; then a; fi", "if ! a; then b; fi", "case x in a) b;; esac", "if a; then case x in a) b;; esac; fi",
    "sh -c 'if a; then b; fi'", "echo $(if a; then b; fi)", "while a; do sh -c 'for x in y; do z; done'; done",
    "cat <<EOF\nif\nEOF\n", "if a; then cat <<EOF\nb\nEOF\nfi",
    # case
    "case x in esac", "case x in a) esac", "case x in a) b;; esac", "case x in a) b; esac", "case x in a) b esac",
    "case x in a) b;;esac", "case x in (a) b;; esac", "case x in a|b|c) d;; esac", "case x in a | b ) c ;; esac",
    "case x in a) b;& c) d;;& *) e;; esac", "case x in a) b; c && d || e | f;; esac",
    'case "$(dpkg --print-architecture)" in\n  amd64) a=x86_64 ;;\n  arm64) a=aarch64 ;;\n  *) echo "no $a"; '
    'exit 1 ;;\nesac', "case $x in\n\na)\n\nb\n\n;;\n\nesac", "case x\nin a) b;; esac", "case x in a) b;;",
    "case x in a) b", "case x in a b) c;; esac", "case x in a) b;; c esac", "case x in ) b;; esac",
    "case x in a)) b;; esac", "case in in a) b;; esac", "case x in in) b;; esac", "case x in a) b;; esac > f 2>&1",
    "case x in a) b;; esac; c", "a && case x in a) b;; esac || c", "case x in a) if b; then c; fi;; esac",
    "case x in a) case y in b) c;; esac;; esac", "case x in a) (b);; esac", "case x in a) { b; };; esac",
    "case x inside a) b;; esac", "case x in a) b;; esac c", "if a; then case x in a) b;; esac fi",
    "for y in 1; do case $y in 1) break;; esac; done", "case x in a) sh -c 'c; d';; esac", "case x in a) b; ;; esac",
    "case x in a) b\n;; esac", "case x in a) b &;; esac", "case x in a) b;; ;; esac", "case $(uname) in a) b;; esac",
    "echo $(echo case x) esac", "(echo $(echo case x) esac)", "echo \"$(case x in a) b;; esac)\"", "echo esac",
    # quoted strings inside $( )
    "a=\"$(dpkg --print-architecture | awk -F- '{ print $NF }')\"; case \"$a\" in amd64) b;; esac",
    "v=$(curl -s x | grep '\"tag\"' | sed -E 's/.*\"v([^\"]+)\".*/\\1/')", "echo \"$(echo \")\")\"",
    "echo $(echo ')')", "echo $(echo ')' case x in a) b;; esac)", "echo \"$(echo 'case x in a) b;; esac')\"",
    "echo $(a \"b\\\"c\" 'd')", "echo $(a 'b)", "echo $(a \"b)", "echo $(a\\)b)", "echo $(a # c)", "echo $(a\nb)",
    "x=$(a 'b c') y", "echo $(a \"$(b)\")", "echo $(a \"(b)\")", "echo $(a '(')", "case $(a 'b') in c) d;; esac",
    # parentheses inside $( ), and $(( ))
    "echo $((1024 * 1024))", "make -j$(($(nproc)+1))", "echo $(a (b))", "echo $(a (b (c)))", "echo $(a (b (c (d))))",
    "echo $(a (b (c (d (e)))))", "echo $(a (b (c (d (e (f))))))", "echo $(a \"(\")", "echo $(a '(')", "echo $((a)",
    "echo $(a (b)", "echo $(a ((b)))",
    "echo \"$((1+2))\"", "x=$((a*2)) y", "echo $(a (b 'c)' \"d(\"))", "echo $(a (case x in y) z;; esac))",
    "echo $(( (1+2) * (3+4) ))", "echo $((a\n+b))", "echo $(a (\\)))",
    # ${...} as the grammar reads it
    "echo ${FOO:+\"--foo=$FOO\"}", "echo ${a:-'x y'}", "echo \"${a:-\"x\"}\"", "echo ${a:-${b}}",
    "echo ${a:-${b:-${c}}}",
    "echo ${a:-`b`}", "echo ${a:-$(b)}", "echo ${a:-\\}}", "echo ${a", "echo ${a:-\"x}", "echo ${a:-'x}", "echo ${a}}",
    "echo ${a:-x\ny}", "echo ${a:-(}", "x=${a:-\"b c\"} y", "echo ${a:-{}", "echo ${a#\"x\"}",
    # $'...'
    "printf $'a\\tb\\n' > f", "IFS=$'\\n' x", "echo \"$'x'\"", "echo $'a", "echo $'a\\'b'", "echo $'a'$'b'c",
    "echo x$'\\''", "echo $'",
    # backticks
    "a=`uname -r` && echo $a", "echo `a b`", "echo x`a`y", "echo \"a `b c` d\"", "echo `a", "echo a`",
    "echo `a \\` b`", "echo `a \\\\`", "echo `a;b|c`", "echo `a)`", "echo `(a`", "echo `a # b`", "echo `a\nb`",
    "echo `'`", "echo `\"`", "echo `$(a)`", "echo $(a `b`)", "echo \"$(a `b`)\"", "echo ${a:-`b`}", "`a` b",
    "cmd >`a`", "case `a` in b) c;; esac", "for x in `ls`; do a; done", "sh -c '`a`'", "echo ``", "echo `` x",
    "echo `case x in a) b;; esac`", "echo `a`\\", "echo \\`a`", "if `a`; then b; fi",
    # ! in front of a pipeline
    "! a | b", "a && ! b || ! c", "! ! a", "!a", "a | ! b", "!\na", "! (a)", "! { a; }", "! if a; then b; fi",
    "while ! a; do b; done", "! a; ! b & ! c", "A=1 ! b", "! A=1 b", "! >f", "!", "! ;",
    "if ! command -v x >/dev/null; then y; fi", "case x in a) ! b;; esac", "! case x in a) b;; esac",
    # reserved words after the command name are arguments
    "echo if then else fi", "mix do a, b", "echo { }", "echo !", "echo a done; done", "echo >f done",
    ">f done", "A=1 done", "echo case in esac", "for x in a; do echo done; done", "{ echo } }", "if a; then echo fi fi",
    # process substitution: a word wherever the grammar's WORD may start
    "bash <(curl -fsSL https://x/y.sh)", "cat < <(ls /tmp)", "cat < (ls)", "diff <(sort a) <(sort b)", "2<(x) cmd",
    "cat<(ls)", "echo hi > >(tee log)", "<(ls) cat", "pip install -r <(ls /w) 2>/dev/null || true",
    "tee >(gzip > x.gz) <f", "cmd <( a ( b ) )", "cmd <( a ( b ( c ) ) )", "x=<(ls) cmd", "cmd '<(' x",
    "for f in <(ls); do echo $f; done", "cmd <(case x in a) echo;; esac)", "cmd <(echo \"$(date)\")",
    "cmd <(echo 'a)b')", "cmd <(echo `date`)", "cmd <(a (\"b\"))", "cmd <(a \\) b)", "cmd <(", "cmd <(a",
    "a | <(b) && c", "cmd >(a)>(b)", "cmd <(a)x<(b)", "cmd \"<(a)\"", "{ a; } <(b)", "cmd <(a) ; <(b)",
    "echo <(a)\n<(b) c", "case <(a) in x) ;; esac", "cmd <(a;b)", "cmd <(a\nb)", "cmd <(a # c\n)", "cmd 3>(x)",
    "cmd <<(x)", "cmd <>(x)", "cmd &>(x)", "cmd <(x)>out", "cmd <()", "cmd >(a) <(b) >(c)", "if <(a); then b; fi",
    "while read l; do echo $l; done < <(ls)", "cmd <(a)(b)", "cmd <(a)'x'", "cmd $(<(a))", "cmd \"$(cat <(a))\"",
    "paste 2<(seq 3) x", "echo 2>(cat) >f", "cmd 12<(a)2>&1", "cmd 2<<(a)", "cmd 2< (a)", "cmd 2<&(a)",
    "cmd <(a)\\\n b", "source <(kubectl completion bash)", "echo $(case x in a) b;; esac) <(case y in c) d;; esac)",
    # case inside $(...) and <(...): the grammar's own pattern, and its check where backtracking differs
    "( echo $(case a in b) x esac `y`)", "( echo $(case a in b) x esac (((y))))",
    'echo $(case a in b) x;; esac `y`)', 'echo $(case a in b) x;; esac (((y))))',
    'echo $(case a in b) x;; esac ((y)))',
    'arch="$(case ${TARGETARCH} in amd64) echo 64bit ;; arm64) echo ARM64 ;; esac)"', 'x=$(case a in b) c;; esac) y',
    'echo $(a $(case x in y) z;; esac))', 'echo <(case a in b) c;; esac)', 'echo "$(case a in b) c;; esac)"',
    'echo $(echo esac; case a in b) c;; esac)', 'echo $(case a in b) c;; esac) $(case d in e) f;; esac)',
    'echo $(case a in b) c;; esac', 'echo $(xcase a in b) c;; esac)', 'echo $(case-a in b) c;; esac)',
    'case $(case a in b) c;; esac) in d) e;; esac', "echo $(case a in b) 'c)' ;; esac)",
    'echo $(case a in b) "c)" ;; esac)', 'echo $(case a in (b) c;; esac)', 'echo $(case a in b) c;; esacx)',
    'echo $(case a in b) c;; esac-x)', 'echo $(case\ta in b) c;; esac)', 'echo $(case\na in b) c;; esac)',
    'echo $(case a in b) $(c) ;; esac)', 'echo $(case a in b) $(c (d)) ;; esac)', 'A=$(case a in b) c;; esac)',
    'echo $(case a in b) c;; esac) esac', 'echo $(case a in b) c \\) d;; esac)', 'echo $(case a in b) e c;; esac)',
    'echo $(case a in b) c;; esac; echo `x`)', 'echo $(case a in b) c;; esac)`x`',
    'echo $(case a in b) c;; esac)$(d (e (f (g))))', 'echo $(case a in b) c;; esac)"$(d (e (f (g))))"',
])
def test_edge_cases(text):
    assert_same(text)


_PIECES = st.sampled_from([
    # read by the fast path
    "a", "apt-get", "install", "-y", "--no-cache", "x=1", "A=$B", "PATH=\"/x:$PATH\"", "1", "22", "'q t'",
    "\"d $v ${w:-x} $(u v)\"", "$v", "${w}", "$(u)", "a\\ b", "\\x", "#c", "a#b", "=", "a=", "b==1", "a<3",
    " ", "  ", "\t", "\\\n", "\n", "\r\n", "&&", "||", "|", "|&", ";", "&", ">", ">>", "<", "2>", "2>&1",
    "&>", "&>>", ">|", "<>", "<<<", "<<", "<<-", ">&", "<&", "-",
    # refused: the grammar reads these
    "(", ")", "`", "$(", "${", "$'x'", "$((1))", ";;", "if", "then", "fi", "for", "in", "do", "done",
    "{", "}", "!", "case", "esac", "a[1]=", "\"", "'", "\\",
    "else", "elif", "while", "until", "((", "))", "$(a)", "select", "function", "f()",
    "case x in", "a)", "(a)", ";&", ";;&", "a|b)", "$(a 'b')", "$(a \"b c\")", "\"$(a ')')\"", "$(case",
    "<(a)", ">(a b)", "<(a 'b)')", "<(", ">(", "<(a (b))", "<(case",
])


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=24).map("".join))
def test_generated_scripts(text):
    assert_same(text)


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=24).map(" ".join))
def test_generated_scripts_with_blanks(text):
    assert_same(text)


_WORDS = st.sampled_from([
    "a", "apt-get", "-y", "x=1", "A=$B", 'P="/x:$P"', "1", "22", "'q t'", '"d $v ${w:-x} $(u v)"', "$v",
    "$(a | awk '{ print $1 }')", "\"$(a \"b)\")\"", "x=$(a 'b')", "`a b`", "\"x `a` y\"", "y=`a`", "$((1+$a))",
    "$(a (b c))", "${a:-\"b c\"}", "${a:-'b'}", "$'\\t'", "<(a b)", ">(tee x)", "<(a 'b)')",
    "${w}", "$(u)", "a\\ b", "\\x", "a#b", "=", "a=", "b==1", "-", "a$", "$", '""', "''", "x'y'z", "0",
])
_REDIRECTS = st.sampled_from([">", ">>", "<", "2>", "2>&", "&>", "&>>", ">|", "<>", "<<<", "<<", "<<-", ">&",
                              "<&", "1<", "10>"])
_BLANKS = st.sampled_from([" ", "  ", "\t", " \\\n ", " #c\n"])
_OPERATORS = st.sampled_from(["&&", "||", "|", "|&", ";", "&", "\n", "\r\n", "&&\n", "|\n"])


@st.composite
def flat_scripts(draw) -> str:
    """Lists of simple commands, as the fast path reads them (and a few it must refuse)."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        for _ in range(draw(st.integers(1, 4))):
            if draw(st.integers(0, 9)) == 0:
                out.append(draw(_REDIRECTS) + draw(st.sampled_from(["", " "])) + draw(_WORDS))
            else:
                out.append(draw(_WORDS))
            out.append(draw(_BLANKS))
        out.append(draw(_OPERATORS))
        out.append(draw(_BLANKS))
    return "".join(out[:-2] if draw(st.booleans()) else out)


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(flat_scripts())
def test_generated_flat_scripts(text):
    assert_same(text)


@st.composite
def compound_scripts(draw, depth: int = 0) -> str:
    """Lists of simple and compound commands, nested, with a few slips the fast path must refuse."""
    def command() -> str:
        kind = draw(st.integers(0, 9 if depth < 2 else 0))
        inner = lambda: draw(compound_scripts(depth + 1))  # noqa: E731
        sep = lambda: draw(st.sampled_from(["; ", "\n", ";\n  ", " & ", ";", "\n\n"]))  # noqa: E731
        if kind <= 3:
            return draw(flat_scripts()).strip(" \n;&|")
        if kind == 4:
            text = f"if {inner()}{sep()}then {inner()}{sep()}"
            for _ in range(draw(st.integers(0, 2))):
                text += f"elif {inner()}{sep()}then {inner()}{sep()}"
            if draw(st.booleans()):
                text += f"else {inner()}{sep()}"
            return text + "fi"
        if kind == 5:
            words = " ".join(draw(st.lists(_WORDS, max_size=3)))
            head = draw(st.sampled_from([f"for x in {words}{sep()}", "for x; ", "for x ", "for x\n"]))
            return f"{head}do {inner()}{sep()}done"
        if kind == 6:
            return f"{draw(st.sampled_from(['while', 'until']))} {inner()}{sep()}do {inner()}{sep()}done"
        if kind == 7:
            return f"{{ {inner()}{sep()}}}"
        if kind == 8:
            if draw(st.booleans()):
                return f"({inner()})"
            text = f"case {draw(_WORDS)} in{draw(st.sampled_from([' ', chr(10)]))}"
            for _ in range(draw(st.integers(0, 3))):
                patterns = "|".join(draw(st.lists(st.sampled_from(["a", "*", "'b c'", "x86_64", "\"$v\""]),
                                                  min_size=1, max_size=3)))
                text += f"{draw(st.sampled_from(['', '(']))}{patterns}) {inner()}"
                text += draw(st.sampled_from([";;", " ;;", ";&", ";;&", "\n;;", f"{sep()}"])) + draw(
                    st.sampled_from([" ", "\n", "\n\n"]))
            return text + "esac"
        return draw(st.sampled_from(["if a; then b; fi", "for x in a; do b; done", "{ a; }", "(a)",
                                     "case x in a) b;; esac"]))

    out = [command()]
    for _ in range(draw(st.integers(0, 2))):
        out.append(draw(st.sampled_from([" && ", " || ", " | ", "; ", "\n", " & ", " &&\n "])))
        out.append(command())
    text = "".join(out)
    if draw(st.integers(0, 9)) == 0:
        text += draw(st.sampled_from([" >f", " 2>&1", " x", " fi", " )", "; done"]))
    return text


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(compound_scripts())
def test_generated_compound_scripts(text):
    assert_same(text)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.text(" \t\n\\;&|<>()'\"`$#={}!abx0129-", max_size=30))
def test_generated_characters(text):
    assert_same(text)

# Everyday RUN idioms: the fast path must read them (the tests above only check that
# whatever it reads, it reads as the grammar does; a refusal always passes them).
EVERYDAY = [
    ('set -eux; savedAptMark="$(apt-mark showmanual)"; apt-get update; apt-get install -y '
     '--no-install-recommends ca-certificates wget; rm -rf /var/lib/apt/lists/*'),
    ('dpkgArch="$(dpkg --print-architecture)"; case "${dpkgArch##*-}" in amd64) arch=\'x64\';; arm64) '
     'arch=\'arm64\';; *) echo "unsupported architecture"; exit 1 ;; esac'),
    ('export GNUPGHOME="$(mktemp -d)"; gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys "$KEY"; gpg '
     '--batch --verify x.asc x; gpgconf --kill all; rm -rf "$GNUPGHOME" x.asc'),
    ('find /usr/local -depth \\( \\( -type d -a \\( -name test -o -name tests \\) \\) -o \\( -type f -a \\( '
     "-name '*.pyc' -o -name '*.pyo' \\) \\) \\) -exec rm -rf '{}' +"),
    'apt-mark auto \'.*\' > /dev/null; [ -z "$savedAptMark" ] || apt-mark manual $savedAptMark',
    ("find /usr/local -type f -executable -not \\( -name '*tkinter*' \\) -exec ldd '{}' ';' | awk '/=>/ { print "
     "$(NF-1) }' | sort -u | xargs -r dpkg-query --search | cut -d: -f1 | sort -u | xargs -r apt-mark manual"),
    'make -j "$(nproc)" EXTRA_CFLAGS="${EXTRA_CFLAGS:-}" LDFLAGS="${LDFLAGS:--Wl},--strip-all"',
    'for i in $(seq 1 3); do curl -fsSL https://x && break || sleep 5; done',
    ('if [ "$TARGETARCH" = "arm64" ]; then ARCH=aarch64; else ARCH=x86_64; fi && curl -fsSLo '
     '/usr/local/bin/tool "https://example.com/tool-${ARCH}"'),
    ('VERSION=$(curl -s https://api.example.com/releases/latest | grep \'"tag_name"\' | sed -E '
     '\'s/.*"v([^"]+)".*/\\1/\') && echo $VERSION'),
    'useradd -r -u 1001 -g app app && chown -R app:app /app',
    ('echo "deb [arch=$(dpkg --print-architecture) signed-by=/usr/share/keyrings/x.gpg] https://x $(. '
     '/etc/os-release && echo "$VERSION_CODENAME") stable" > /etc/apt/sources.list.d/x.list'),
    'ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log',
    'pip install --no-cache-dir -r requirements.txt || { echo "install failed"; exit 1; }',
    'npm ci --omit=dev && npm cache clean --force',
    'wget -qO- https://x | tar -xz -C /usr/local --strip-components=1',
    'echo \'export PATH="$HOME/.local/bin:$PATH"\' >> ~/.bashrc',
    '[ -f /etc/os-release ] && . /etc/os-release; echo "$ID"',
    'test "$(id -u)" -eq 0 || exit 1',
    'KERNEL=`uname -r` && echo $KERNEL',
    'echo $((1024 * 1024))',
    'cd /tmp && curl -fsSLO https://x/y.tar.gz && echo "${SHA256}  y.tar.gz" | sha256sum -c - && tar -xzf y.tar.gz',
    'addgroup -S app && adduser -S -G app app',
    'apk add --no-cache --virtual .build-deps gcc musl-dev && pip install x && apk del .build-deps',
    "sed -i -e 's/^#\\(en_US.UTF-8\\)/\\1/' /etc/locale.gen && locale-gen",
    'printf \'%s\\n\' "a" "b" > /etc/x',
    'mkdir -p /run/php && chown www-data: /run/php',
    'curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs',
    'while read -r pkg; do apk add "$pkg"; done < /tmp/packages.txt',
    'ARCH="$(uname -m | sed -e \'s/x86_64/amd64/\' -e \'s/aarch64/arm64/\')"; curl -o /x "https://x/${ARCH}"',
    'groupadd --gid "${GID:-1000}" app',
    'echo "${FOO:+--foo=$FOO}"',
    'echo ${FOO:+"--foo=$FOO"}',
    'diff <(sort a) <(sort b)',
    ('arch="$(case ${TARGETARCH} in amd64) echo x86_64 ;; arm64) echo aarch64 ;; esac)" && curl -fsSLo '
     '/usr/local/bin/tool "https://example.com/tool-${arch}"'),
    'if [[ "$X" == "y" ]]; then echo z; fi',
    'bash <(curl -fsSL https://example.com/install.sh) --version 1.2.3',
    'while read -r line; do echo "$line"; done < <(ls /etc)',
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_idioms_are_read(text):
    assert parse_fast(text) is not None
    assert_same(text)
