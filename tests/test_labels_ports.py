"""Model helpers of the metadata rules: label values, labels, EXPOSE specs, legacy key/value rewriting."""

import doctest

import pytest

import dflint.model.label_values
import dflint.model.labels
import dflint.model.legacy_pairs
import dflint.model.ports
from dflint.api import parse
from dflint.expansion import Lexer
from dflint.model.label_values import value_problem
from dflint.model.labels import key_problem, quoted_value
from dflint.model.legacy_pairs import modern_pair


@pytest.mark.parametrize("module", [dflint.model.label_values, dflint.model.labels, dflint.model.ports,
                                    dflint.model.legacy_pairs])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


GOOD = [
    ("url", "https://github.com/example/shop"), ("url", "mailto:ops@example.com"), ("url", "https://x.org/a%20b?q=1#f"),
    ("semver", "1.4.0"), ("semver", "1.0.0-rc.1+build.5"), ("semver", "0.0.0"),
    ("rfc3339", "2024-05-01T12:30:00Z"), ("rfc3339", "2024-02-29t00:00:00.123+05:30"), ("rfc3339", "2016-12-31 23:59:60Z"),
    ("spdx", "MIT"), ("spdx", "mit"), ("spdx", "GPL-2.0+"), ("spdx", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
    ("spdx", "GPL-2.0-only WITH Classpath-exception-2.0"), ("spdx", "LicenseRef-acme"), ("spdx", "NOASSERTION"),
    ("hash", "0f3c2a1"), ("hash", "0f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"), ("hash", "a" * 64),
    ("email", "ops@example.com"), ("email", "Jane Doe <jane@example.com>"), ("email", '"Ops, Team" <ops@example.com>'),
    ("email", "a@example.com, b@example.org"), ("text", ""),
]
BAD = [
    ("url", "github.com/example/shop", "needs a scheme"), ("url", "https://", "needs //host"),
    ("url", "https://x.org/a b", "contains a space"), ("url", "https://x.org/%zz", "percent-encoded"),
    ("semver", "v1.2.3", 'drop the leading "v"'), ("semver", "1.2", "MAJOR.MINOR.PATCH"), ("semver", "01.2.3", "write MAJOR"),
    ("rfc3339", "2024-05-01", "write e.g."), ("rfc3339", "2023-02-29T00:00:00Z", "day is out of range"),
    ("rfc3339", "2024-05-01T24:00:00Z", "out of range"),
    ("spdx", "Apache 2.0", 'unknown license id "Apache"'), ("spdx", "MIT AND", "missing at the end"),
    ("spdx", "(MIT", "not closed"), ("spdx", "MIT WITH", "exception id is missing"), ("spdx", "", "empty"),
    ("spdx", "Apach-2.0", "did you mean Apache-2.0?"),
    ("hash", "main", "git commit hash"), ("hash", "abc", "git commit hash"), ("hash", "g" * 40, "git commit hash"),
    ("email", "ops", "not an e-mail address"), ("email", "Ops <ops>", "not an e-mail address"),
]


@pytest.mark.parametrize("kind, value", GOOD)
def test_values_that_conform(kind, value):
    assert value_problem(kind, value) is None


@pytest.mark.parametrize("kind, value, message", BAD)
def test_values_that_do_not(kind, value, message):
    assert message in (value_problem(kind, value) or "")


@pytest.mark.parametrize("key, problem", [
    ("com.example.version", None), ("maintainer", None), ("com.example/tier_2", None),
    ("Version", "upper-case"), ("com.docker.x", "reserved"), ("io.docker.x", "reserved"),
    ("org.dockerproject.x", "reserved"), ("a b", "contains ' '"), ("1abc", "start"), ("abc-", "end"),
    ("a..b", "consecutive"), ("a--b", "consecutive"), ("", "empty"),
])
def test_label_keys(key, problem):
    found = key_problem(key)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize("escape", ["\\", "`"])
@pytest.mark.parametrize("value", ['plain', 'say "hi"', "cost $5 and ${X}", "back\\slash and `tick`", "", " "])
def test_quoted_values_read_back_unchanged(value, escape):
    quoted = quoted_value(value, escape)
    assert quoted is not None and Lexer(escape).process_word(quoted).value == value


LEGACY = [
    "ENV A b", "ENV A b c", 'ENV A "b c"', "ENV A 'b c' d", "ENV A b${X:-c d} e", "ENV A $X  $Y",
    'ENV A a\\ b c\\"d', "ENV A a\\\\b c", "ENV A <<x y", "LABEL a b c", 'ENV A "x" $Y', "ENV A \\\n  b \\\n  c",
]


@pytest.mark.parametrize("line", LEGACY)
def test_legacy_rewrites_keep_key_and_value_in_every_environment(line):
    text = f"FROM alpine\n{line}\n"
    file = parse(text)
    node = file.instructions[1]
    rewrite = modern_pair(file, node, node.pairs[0])
    if rewrite is None:
        assert "$" in line and ('"' in line or "'" in line or "\\" in line)  # only then no rewrite
        return
    fixed = text
    for start, end, new in sorted(rewrite.edits, reverse=True):
        fixed = fixed[:start] + new + fixed[end:]
    after = parse(fixed)
    assert not after.errors
    old_pair, new_pair = node.pairs[0], after.instructions[1].pairs[0]
    assert not new_pair.legacy
    for env in ({}, {"X": "q r", "Y": ""}, {"X": "", "Y": "$Z"}):
        lexer = Lexer("\\")
        assert lexer.process_word(new_pair.key.value, env.get).value == lexer.process_word(old_pair.key.value, env.get).value
        assert lexer.process_word(new_pair.value.value, env.get).value == \
            lexer.process_word(old_pair.value.value, env.get).value
