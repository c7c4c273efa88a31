"""Regression tests for parser bugs found by the differential fuzzer.

Each test pins one bug: the smallest input that showed it and what BuildKit
does with it (checked against the v0.12.5 oracle where the versions agree,
and against current BuildKit's source where dflint follows it).
"""

from __future__ import annotations

from typing import Optional

from dflint import ast
from dflint.syntax import parse_syntax


def parser_errors(text: str) -> list[ast.ParseError]:
    return [e for e in parse_syntax(text).errors if e.origin == "parser"]


def only(text: str) -> ast.Instruction:
    """The last instruction of ``text``, which must parse without parser errors."""
    file = parse_syntax(text)
    assert not parser_errors(text), file.errors
    return file.instructions[-1]


def values(node: Optional[ast.Instruction]) -> list[str]:
    assert node is not None
    return [a.value for a in node.args]


def flags(node: ast.Instruction) -> list[str]:
    return [f.buildkit_text for f in node.flags]


# -- JSON arrays of non-strings in COPY/ADD/VOLUME ---------------------------

def test_non_string_json_is_an_error_for_copy_add_volume() -> None:
    # parseMaybeJSONToList tries JSON first, like parseMaybeJSON: the
    # not-a-string-array error is returned, not a fall back to words.
    for text in ('FROM a\nCOPY ["a.txt", true]\n', 'FROM a\nVOLUME ["/data", 42]\n', "FROM a\nADD [null]\n",
                 'FROM a\nONBUILD COPY [1, "x"]\n'):
        errors = parser_errors(text)
        assert [e.message for e in errors] == ["when using JSON array syntax, arrays must be comprised of strings only"]


def test_invalid_json_still_falls_back_to_words_for_copy() -> None:
    assert values(only('FROM a\nCOPY ["a" "b"] /c\n')) == ['["a"', '"b"]', "/c"]
    assert values(only("FROM a\nVOLUME [1e400]\n")) == ["[1e400]"]  # Go cannot decode it: words


# -- flags end at a Unicode space ----------------------------------------------

def test_unicode_space_where_a_flag_could_start_ends_the_flags() -> None:
    # extractBuilderFlags skips only ASCII white space (it looks at bytes; the
    # first byte of a non-ASCII character is neither a space nor '-').
    node = only('FROM a\nCOPY \u00a0 --from=build ["src", "/dst/"]\n')
    assert flags(node) == []
    assert values(node) == ["--from=build", '["src",', '"/dst/"]']
    node = only("FROM a\nRUN --a \u2003--b x\n")
    assert flags(node) == ["--a"]
    assert values(node) == ["--b x"]
    node = only("FROM a\nRUN --a=b \u00a0x\n")
    assert flags(node) == ["--a=b"]
    assert values(node) == ["x"]


# -- the word lexer ----------------------------------------------------------------

def test_expansion_with_a_modifier_drops_the_start_of_its_word() -> None:
    # Current BuildKit shares one word buffer with the nested scan of
    # `${X:-word}` (commit 4c935cf9a), so `<<` before it is lost: no heredoc.
    node = only('FROM a\nRUN cat <<"${X:-EOF}"\necho body\n')
    assert node.heredocs == ()
    file = parse_syntax('FROM a\nRUN cat <<"${X:-EOF}"\necho body\n')
    assert [n.keyword.text for n in file.instructions] == ["FROM", "RUN", "echo"]
    # Without a modifier there is no nested scan: a heredoc as before.
    assert [h.name for h in only('FROM a\nRUN cat <<"${X}"\nx\n${X}\n').heredocs] == ["${X}"]


def test_space_after_an_empty_quoted_string_makes_no_empty_word() -> None:
    from dflint.expansion import Lexer

    assert [w.value for w in Lexer().process_words("'' x")] == ["x"]
    assert [w.value for w in Lexer().process_words("''$X y", lambda name: " a")] == ["a", "y"]


# -- spans ---------------------------------------------------------------------------

def test_empty_value_before_a_continuation_stays_inside_its_flag_or_pair() -> None:
    # `--x=` and `A=` right before a line continuation: the empty value's span
    # was placed at the start of the next line, outside the flag/pair.
    text = "FROM a\nLABEL --x=\\\n --unknown A=1\n"
    flag = parse_syntax(text).instructions[-1].flags[0]
    assert flag.value == "" and flag.value_span is not None
    assert flag.value_span.start == flag.value_span.end == flag.span.end
    text = "FROM a\nENV A=\\\n B=1\n"
    pair = parse_syntax(text).instructions[-1].pairs[0]  # type: ignore[attr-defined]
    assert pair.value.value == "" and pair.value.span.start == pair.value.span.end == pair.span.end


# -- a dangling escape character in quote-aware words ---------------------------

def test_lone_dangling_escape_is_no_word() -> None:
    # BuildKit trims Unicode space (here U+00A0, \v) off the line, then
    # parseWords skips an escape character that ends it: no word at all,
    # where dflint had an empty argument or an error.
    assert values(only("FROM a\nARG \\\u00a0\n")) == []
    assert values(only("FROM a\nENV \\\u00a0\n")) == []
    assert values(only("# escape=`\nFROM a\nLABEL `\x0b\n")) == []
    assert values(only("FROM a\nENV a=b \\\x0b\n")) == ["a", "b"]
    assert values(only('FROM a\nARG x \\\u00a0\n')) == ["x"]
    # Quotes make an empty word count; a key alone is still an error.
    assert values(only('FROM a\nENV a=""\\\u00a0\n')) == ["a", '""']
    assert [e.message for e in parser_errors("FROM a\nENV a\\\u00a0\n")] == ["ENV must have two arguments"]


# -- keywords with letters Go's ToLower leaves alone ---------------------------

def test_a_keyword_python_would_upper_case_to_ascii_stays_unknown() -> None:
    # BuildKit looks up strings.ToLower(keyword): `uſer` is not `user` (Python's upper() makes ſ an S).
    for keyword in ("uſer", "ENTRYPOıNT", "ONBUıLD", "ﬆOPSIGNAL"):
        file = parse_syntax(f"FROM a\n{keyword} x\n")
        node = file.instructions[-1]
        assert isinstance(node, ast.UnknownInstruction), keyword
        assert node.keyword.name == keyword
    # A letter Go does lower-case to ASCII still names the instruction: İ.
    assert [i.name for i in parse_syntax("FROM a\nONBUİLD RUN x\nENTRYPOİNT [\"a\"]\n").instructions] == \
        ["FROM", "ONBUILD", "ENTRYPOINT"]


# -- JSON nested deeper than Python's recursion limit ---------------------------

def test_json_nested_up_to_gos_limit_is_still_an_array_of_non_strings() -> None:
    # Go's encoding/json decodes up to 10,000 levels; Python's recursion limit stops near 1,000.
    for depth, error in ((2_000, True), (10_000, True), (10_001, False)):
        text = "FROM a\nRUN " + "[" * depth + "]" * depth + "\n"
        messages = [e.message for e in parse_syntax(text).errors]
        assert any("arrays must be comprised of strings only" in m for m in messages) is error, depth
    unclosed = "FROM a\nRUN " + "[" * 2_000 + "]" * 1_999 + "\n"  # not JSON: shell form, no error
    assert parse_syntax(unclosed).errors == ()


# -- ONBUILD ONBUILD ... nested beyond Python's recursion limit ------------------

def test_deep_onbuild_chain_parses() -> None:
    # BuildKit's parseSubCommand nests as deep as the line goes; dflint built
    # each trigger by recursion and raised RecursionError near 500 levels.
    depth = 3000
    text = "FROM a\n" + "ONBUILD " * depth + "RUN --network=none x\n"
    file = parse_syntax(text)
    node = file.instructions[-1]
    assert [e.message for e in parser_errors(text)] == []
    levels = 0
    while isinstance(node, ast.OnbuildInstruction):
        assert node.span.start.line == 2 and node.keyword.span.start.column == 1 + 8 * levels
        assert node.trigger is not None
        node, levels = node.trigger, levels + 1
    assert levels == depth
    assert node.keyword.name == "RUN" and values(node) == ["x"] and flags(node) == ["--network=none"]
    assert node.keyword.span.start.column == 1 + 8 * depth
    assert node.flags[0].span.start.column == 1 + 8 * depth + 4
