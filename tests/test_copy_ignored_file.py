"""DF308 copy-ignored-file with .dockerignore files on disk, and the .dockerignore model it uses.

Pattern semantics follow moby/patternmatcher; the expectations of
``test_pattern_match`` are those of its own test suite.
"""

from __future__ import annotations

import doctest

import pytest

from dflint.model import dockerignore, sources
from dflint.model.dockerignore import DockerIgnore, Pattern, find_dockerignore, read_patterns
from dflint.shell import archives
from dflint.syntax import source_kinds
from dflint.testing import lint_snippet


@pytest.mark.parametrize("module", [dockerignore, sources, archives, source_kinds])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("pattern, path, expected", [
    ("**", "file", True), ("**", "file/", True), ("**/", "file", True), ("**", "/", True),
    ("**", "dir/file", True), ("**/", "dir/file/", True), ("**/**", "dir/file", True),
    ("dir/**", "dir/file", True), ("dir/**", "dir/dir2/file", True), ("**/dir", "dir", True),
    ("**/dir", "dir/file", False), ("**/dir2/*", "dir/dir2/file", True), ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**file", "file", True), ("**file", "dir/file", True), ("**/file", "dir/file", True),
    ("**/file", "dir/dir/file", True), ("**/file*", "dir/dir/file.txt", True),
    ("**/file*.txt*", "dir/dir/file.txt", True), ("**/**/*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False), ("**/*.txt", "file.txt", True), ("**/**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/file.txt", True), ("a**/*.txt", "a/dir/dir/file.txt", True), ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True), ("a/*.txt**", "a/file.txt", True), ("a[b-d]e", "ae", False),
    ("a[b-d]e", "ace", True), ("a[b-d]e", "aae", False), ("a[^b-d]e", "aze", True), (".*", ".foo", True),
    (".*", "foo", False), ("abc.def", "abcdef", False), ("abc.def", "abc.def", True), ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False), ("a\\\\", "a\\", True), ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True), ("abc/**", "abc", False), ("abc/**", "abc/def/ghi", True),
    ("**/.foo", ".foo", True), ("**/.foo", "bar.foo", False), ("a(b)c/def", "a(b)c/def", True),
    ("a(b)c/def", "a(b)c/xyz", False), ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("foo/../bar", "bar", True), ("./foo", "foo", True), ("a*", "a/b", False),
])
def test_pattern_match(pattern, path, expected):
    assert Pattern.compile(pattern).match(path) is expected


@pytest.mark.parametrize("line", ["[", "a[b", "a\\", "!"])
def test_patterns_go_rejects(line):
    with pytest.raises(ValueError):
        Pattern.compile(line)


def test_reading_an_ignore_file_like_buildkit():
    text = "\ufeff# comment\r\n  spaced  \r\n #not a comment\n!  kept\n/rooted/\nfoo/../bar\n/\n\n"
    assert read_patterns(text) == ["spaced", "#not a comment", "!kept", "rooted", "bar", "/"]


def test_the_last_matching_pattern_wins_and_parents_count():
    ignore = DockerIgnore.parse("docs\n!docs/README.md\ndocs/README.md\nbuild/**\n")
    assert ignore.excludes("docs/guide/x.md")
    assert ignore.excludes("docs/README.md")  # excluded again by the last line
    assert ignore.excludes("build/out/app")
    assert not ignore.excludes("src/main.py")
    assert not ignore.excludes("build")  # build/** does not match build itself
    assert DockerIgnore.parse("**/dir\n").excludes("dir/file")  # through its parent


def test_an_exception_that_may_reach_a_source_keeps_it():
    ignore = DockerIgnore.parse("*\n!src\n!**/*.keep\n")
    assert ignore.excludes("config") and not ignore.ignored("config")  # `!**/*.keep` may bring files back
    ignore = DockerIgnore.parse("*\n!src\n")
    assert ignore.ignored("config/app.yml")
    assert not ignore.ignored("src/main.py")
    assert not ignore.ignored("*.py")  # a wildcard may match src
    assert not ignore.ignored(".")


def test_the_context_root_only_when_everything_is_excluded():
    assert DockerIgnore.parse("*\n").ignored(".")
    assert DockerIgnore.parse("**\n").ignored("./")
    assert not DockerIgnore.parse("node_modules\n").ignored(".")


def _lint(tmp_path, dockerfile: str, name: str = "Dockerfile"):
    path = tmp_path / name
    path.write_text(dockerfile)
    return [(d.line, d.column, d.message) for d in lint_snippet(dockerfile, "DF308", path=str(path)).diagnostics]


def test_the_rule_reads_the_dockerignore_next_to_the_dockerfile(tmp_path):
    (tmp_path / ".dockerignore").write_text("node_modules\n*.log\n")
    found = _lint(tmp_path, "FROM node:22\nCOPY package.json node_modules/ /app/\nADD debug.log /tmp/\n")
    assert [(line, column) for line, column, _ in found] == [(2, 19), (3, 5)]
    assert "excluded by .dockerignore" in found[0][2]


def test_the_dockerfile_specific_ignore_file_wins(tmp_path):
    (tmp_path / ".dockerignore").write_text("src\n")
    (tmp_path / "api.Dockerfile.dockerignore").write_text("tests\n")
    text = "FROM python:3.12\nCOPY src/ /app/src/\nCOPY tests/ /app/tests/\n"
    assert [(line, column) for line, column, _ in _lint(tmp_path, text, "api.Dockerfile")] == [(3, 6)]
    assert [(line, column) for line, column, _ in _lint(tmp_path, text, "Dockerfile")] == [(2, 6)]


def test_silent_without_an_ignore_file_or_with_a_broken_one(tmp_path):
    text = "FROM python:3.12\nCOPY src/ /app/src/\n"
    assert _lint(tmp_path, text) == []
    (tmp_path / ".dockerignore").write_text("src\n[\n")
    assert _lint(tmp_path, text) == []  # BuildKit fails on the pattern; nothing to compare with
    assert find_dockerignore("-") is None


def test_the_rule_never_writes(tmp_path):
    (tmp_path / ".dockerignore").write_text("src\n")
    _lint(tmp_path, "FROM python:3.12\nCOPY src/ /app/src/\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dockerignore", "Dockerfile"]
