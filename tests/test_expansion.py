"""BuildKit's word processing: quotes, escapes, every ${...} form, word splitting."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dflint.expansion import ExpansionError, Lexer, _Scan, unknown_value

ENV = {"NAME": "world", "EMPTY": "", "PATH": "/usr/bin:/bin", "FILE": "archive.tar.gz"}


def expand(text, escape="\\", **options):
    return Lexer(escape, **options).process_word(text, ENV.get).value


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hello", "hello"),
        ("$NAME", "world"),
        ("${NAME}", "world"),
        ("a${NAME}b", "aworldb"),
        ("$NAME.txt", "world.txt"),
        ("$UNSET", ""),
        ("${UNSET:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${UNSET-fallback}", "fallback"),
        ("${NAME:+set}", "set"),
        ("${EMPTY:+set}", ""),
        ("${EMPTY+set}", "set"),
        ("${UNSET+set}", ""),
        ("${FILE#*.}", "tar.gz"),
        ("${FILE##*.}", "gz"),
        ("${FILE%.*}", "archive.tar"),
        ("${FILE%%.*}", "archive"),
        ("${PATH/bin/sbin}", "/usr/sbin:/bin"),
        ("${PATH//bin/sbin}", "/usr/sbin:/sbin"),
        ("'$NAME'", "$NAME"),
        ('"$NAME"', "world"),
        ('"a \\"b\\" c"', 'a "b" c'),
        ("\\$NAME", "$NAME"),
        ('"\\$NAME"', "$NAME"),
        ('"keep \\n"', "keep \\n"),
        ("$", "$"),
        ("$1", ""),
        ("it''s", "its"),
        # Replace-all is Go's ReplaceAllString (checked against BuildKit's lexer): an empty match where
        # the previous match ended is not replaced, and the replacement is a template ($0 the match).
        ("${NAME//*/x}", "x"),
        ("${EMPTY//*/x}", "x"),
        ("${NAME///-}", "-w-o-r-l-d-"),
        ("${NAME//o/'<$0>'}", "w<o>rld"),
        ("${NAME//o/'${0}'}", "world"),
        ("${NAME//o/'$$'}", "w$rld"),
        ("${NAME//o/'$1$x${x}$00'}", "wrld"),
        ("${NAME//o/'$ ${ $-'}", "w$ ${ $-rld"),
        ("${NAME//o/\\$NAME}", "w\\rld"),
        ("${NAME/o/'$0'}", "w$0rld"),  # replacing the first match only: the text as it is
        # Go's text/scanner, which reads the pattern, skips a byte-order mark at its start (at the end
        # for % and %%, whose pattern is reversed first).
        ("${NAME/\ufeffo/0}", "w0rld"),
        ("${NAME%d\ufeff}", "worl"),
        ("${NAME#\ufeffw}", "orld"),
    ],
)
def test_expansion_forms(text, expected):
    assert expand(text) == expected


def test_backtick_escape_character():
    assert expand("`$NAME", escape="`") == "$NAME"
    assert expand("C:\\dir", escape="`") == "C:\\dir"


@pytest.mark.parametrize(
    "text, message",
    [
        ("${", "missing '}'"),
        ("${}", "bad substitution"),
        ("${:x}", "bad substitution"),
        ("${NAME", "unsupported modifier"),  # BuildKit reads EOF as the modifier
        ("${NAME:#x}", "unsupported modifier"),
        ("${NAME*x}", "unsupported modifier"),
        ("${UNSET?must be set}", "must be set"),
        ("${EMPTY:?}", "is not allowed to be empty"),
        ("'open", "matching single-quote"),
        ('"open', "matching double-quote"),
    ],
)
def test_expansion_errors(text, message):
    with pytest.raises(ExpansionError, match=message):
        expand(text)


def test_skip_unset_keeps_references_as_written():
    lexer = Lexer(skip_unset=True)
    assert lexer.process_word("$UNSET ${UNSET} ${UNSET:-x}", ENV.get).value == "$UNSET ${UNSET} ${UNSET:-x}"


def test_words_split_on_unicode_space_outside_quotes():
    words = Lexer().process_words('a "b c"\u00a0d $NAME', ENV.get)
    assert [w.value for w in words] == ["a", "b c", "d", "world"]
    assert [(w.start, w.end) for w in words][:2] == [(0, 1), (2, 7)]


def test_raw_quotes_and_escapes_are_kept_when_asked():
    words = Lexer(raw_quotes=True, raw_escapes=True).process_words("<<'EOF' \\x", ENV.get)
    assert [w.value for w in words] == ["<<'EOF'", "\\x"]


def test_matched_and_unmatched_names_are_reported():
    result = Lexer().process_word("$NAME ${MISSING:-x}", ENV.get)
    assert result.matched == {"NAME"}
    assert result.unmatched == {"MISSING"}


def test_unknown_values_absorb_modifiers():
    marker = unknown_value("TAG")
    lookup = {"TAG": marker}.get
    lexer = Lexer()
    assert lexer.process_word("${TAG:-1.0}", lookup).value == marker
    assert lexer.process_word("${TAG#v}", lookup).value == marker
    assert lexer.process_word("v$TAG", lookup).value == "v" + marker
    with pytest.raises(ExpansionError, match="unsupported modifier"):  # BuildKit fails whatever TAG is
        lexer.process_word("${TAG:=1.0}", lookup)


def test_replace_all_with_a_star_does_not_replace_the_empty_match_after_a_line():
    """`.*` matches each line and then the empty string at its end: BuildKit (Go) skips the second."""
    assert Lexer().process_word("${V//*/x}", {"V": "ab\ncd"}.get).value == "x\nx"


_OPTIONS = [{}, {"raw_quotes": True}, {"raw_escapes": True}, {"skip_unset": True}, {"skip_quotes": True}]


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.text("ab/.:-=\t \xa0\u3000\n$'\"\\`<{}\ufeff", max_size=16), st.sampled_from(["\\", "`"]),
       st.sampled_from(_OPTIONS))
def test_plain_text_skips_the_scan_with_the_same_result(text, escape, options):
    """Text with nothing to expand or unquote is split directly: exactly what the scan makes of it."""
    scan = _Scan(Lexer(escape, **options), text, ENV.get)
    try:
        expected = scan.scan()
    except ExpansionError:
        with pytest.raises(ExpansionError):
            _Scan(Lexer(escape, **options), text, ENV.get).run()
        return
    got = _Scan(Lexer(escape, **options), text, ENV.get).run()
    assert (got.value, got.words, got.matched, got.unmatched) == \
        (expected.value, expected.words, expected.matched, expected.unmatched)


def test_plain_words_keep_their_offsets():
    result = Lexer().process_word("  python:3.12-slim\u3000AS\tbuild ", ENV.get)
    assert [(w.value, w.start, w.end) for w in result.words] == [
        ("python:3.12-slim", 2, 18), ("AS", 19, 21), ("build", 22, 27)]


@given(st.text(alphabet=st.characters(blacklist_characters="$'\"\\\ue000"), max_size=40))
@settings(max_examples=300, deadline=None)
@example("\ufeff")  # Go's scanner skips a byte-order mark at the start: the lexer drops it
def test_a_word_without_quotes_escapes_or_variables_expands_to_itself(text):
    """Scope.expand returns such words as they are without running the lexer: the lexer agrees."""
    from dflint.model.variables import Scope

    expected = text[1:] if text.startswith("\ufeff") else text
    assert Lexer("\\").process_word(text).value == expected
    expansion = Scope({}, base_image_env=True).expand(text)
    assert (expansion.value, expansion.used, expansion.resolved) == (expected, frozenset(), True)


# ---- ${VAR#pattern}, ${VAR%pattern}, ${VAR/pattern/x}: stars matched without backtracking ----------------

_PATTERN_PIECES = st.sampled_from(["a", "b", "*", "?", "\\*", "\\?", "\\\\", "ab"])


@settings(max_examples=600, deadline=None, derandomize=True)
@given(pattern=st.lists(_PATTERN_PIECES, min_size=1, max_size=6).map("".join),
       value=st.text(alphabet="ab*?\\\n", max_size=12))
def test_star_patterns_match_as_the_regex_does(pattern, value):
    """The linear matcher (_Glob) agrees with the regex translation it replaces, which matches as
    BuildKit's Go regexp does: shortest and longest prefix and suffix, first and every replacement."""
    from dflint.expansion import _Glob, _pattern_regex, _reverse_pattern

    glob = _Glob.of(pattern)
    if glob is None:
        return  # no star, no literal or a newline: the regex itself is used
    newline = value.find("\n")
    stop = len(value) if newline < 0 else newline
    for greedy in (True, False):
        match = _pattern_regex(pattern, greedy=greedy, anchored=True).search(value)
        assert glob.end_at(value, 0, greedy, stop) == (match.end() if match else None)
    reverse = _Glob.of(_reverse_pattern(pattern))
    if reverse is not None:
        rvalue = value[::-1]
        rnewline = rvalue.find("\n")
        match = _pattern_regex(_reverse_pattern(pattern), greedy=True, anchored=True).search(rvalue)
        assert reverse.end_at(rvalue, 0, True, len(rvalue) if rnewline < 0 else rnewline) == \
            (match.end() if match else None)
    regex = _pattern_regex(pattern, greedy=True, anchored=False)
    for position in range(len(value) + 1):  # the replacements search on from each match's end
        match = regex.search(value, position)
        assert glob.search(value, position) == (match.span() if match else None)


@pytest.mark.parametrize("modifier", ["#*a*a*a*a*b", "##*a*a*a*a*b", "%a*a*a*a*b*", "/*a*a*a*b/c", "//a*a*b/c"])
def test_star_patterns_cost_linear_time_on_long_values(monkeypatch, modifier):
    """`${V#*a*a*a*a*b}` on 200 `a`s took 52 s through the backtracking regex (n^5)."""
    from dflint import expansion

    calls = []
    fits = expansion._Glob._fits
    monkeypatch.setattr(expansion._Glob, "_fits", staticmethod(lambda *a: calls.append(1) or fits(*a)))
    value = "a" * 2000
    lexer = Lexer()
    result = lexer.process_word("${V" + modifier + "}", {"V": value}.get).value
    assert result in (value, "c")  # no b: nothing trimmed; the replacements match the whole value
    assert len(calls) <= 6 * len(value)


def test_defaults_nested_past_the_limit_expand_to_an_unknown_value():
    """`${V300:-${V299:-...}}` exhausted Python's stack in every rule that expanded it (65 internal
    errors at 1:1); past MAX_NESTING the word's value is unknown, as one only the build knows."""
    from dflint.expansion import MAX_NESTING, UNKNOWN_START

    def nested(depth: int) -> str:
        return "".join(f"${{V{i}:-" for i in range(depth)) + "x" + "}" * depth

    assert Lexer().process_word(nested(MAX_NESTING), {}.get).value == "x"
    assert UNKNOWN_START in Lexer().process_word(nested(300), {}.get).value


def test_a_deeply_nested_default_does_not_crash_the_rules():
    from dflint.config import Overrides, default_config
    from dflint.linter import Linter
    from dflint.registry import installed

    rules, _ = installed()
    config = default_config(rules).merged_with(Overrides(select=["ALL"]), rules)
    text = "FROM alpine:3.20\nENV X=" + "".join(f"${{V{i}:-" for i in range(300)) + "x" + "}" * 300 + "\n"
    result = Linter(rules).lint_text(text, "Dockerfile", config)
    assert not [d for d in result.diagnostics if d.name == "internal-error"]
