"""Configuration: discovery, validation with positions, merging, per-file ignores, severities."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dflint.config import Config, ConfigError, ConfigResolver, Glob, Overrides, load_file
from dflint.diagnostic import Severity
from dflint.registry import installed


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def run(*args, cwd):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "dflint", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


RULES = installed()[0]


def test_nearest_configuration_wins(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.dflint]\nignore = ["latest-tag"]\n')
    write(tmp_path / "svc" / "dflint.toml", 'ignore = ["untagged-image"]\n')
    write(tmp_path / "svc" / "inner" / "pyproject.toml", '[project]\nname = "x"\n')  # no [tool.dflint]
    resolver = ConfigResolver(RULES)
    top = resolver.for_path(str(tmp_path / "Dockerfile"))
    inner = resolver.for_path(str(tmp_path / "svc" / "inner" / "Dockerfile"))
    assert top.ignore == ("latest-tag",)
    assert inner.ignore == ("untagged-image",) and inner.source.endswith("svc/dflint.toml")


def test_dot_file_beats_plain_name_and_pyproject_in_one_directory(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.dflint]\nfail-level = "error"\n')
    write(tmp_path / "dflint.toml", 'fail-level = "warning"\n')
    write(tmp_path / ".dflint.toml", 'fail-level = "style"\n')
    assert ConfigResolver(RULES).for_path(str(tmp_path / "Dockerfile")).fail_level == Severity.STYLE


def test_explicit_config_overrides_discovery(tmp_path):
    write(tmp_path / ".dflint.toml", 'ignore = ["untagged-image"]\n')
    explicit = write(tmp_path / "ci.toml", 'select = ["latest-tag"]\n')
    config = ConfigResolver(RULES, explicit=str(explicit)).for_path(str(tmp_path / "Dockerfile"))
    assert config.select == ("latest-tag",) and config.ignore == ()


@pytest.mark.parametrize(
    "text, message, line",
    [
        ('[tool.dflint]\nselect = ["DF001"]\nignor = ["DF002"]\n', "unknown configuration key 'ignor' (did you mean 'ignore'?)", 3),
        ('[tool.dflint]\nfail-level = "severe"\n', "unknown severity 'severe'", 2),
        ('[tool.dflint]\nselect = "DF001"\n', "'select' must be a list of strings", 2),
        ('[tool.dflint]\nignore = ["untaged-image"]\n', "did you mean untagged-image?", 2),
        ('[tool.dflint]\nselect = [\n', "invalid TOML", 3),
        ('[tool.dflint.rules.untaged-image]\nx = 1\n', "unknown rule 'untaged-image'", 1),
        ('[tool.dflint.rules.DL3008]\nexact = false\n',
         "'DL3008' in [tool.dflint.rules] is an alias of pin-system-packages: a rule's options go under its own "
         "name, [tool.dflint.rules.pin-system-packages]", 1),
        ('[tool.dflint.severity]\nDF001 = 3\n', "'DF001' must be a severity name", 2),
        ('[tool.dflint.per-file-ignores]\n"**/dev/*" = "DF001"\n', "must be a list of strings", 2),
        # inline tables: the line of the table that holds the bad value
        ('[tool.dflint]\nignore = []\nseverity = { DF001 = "bad" }\n', "unknown severity 'bad'", 3),
        ('[tool.dflint.rules]\n\nregistry-allowlist = { allowed = 3 }\n', "option 'allowed'", 3),
    ],
)
def test_invalid_configuration_names_file_line_and_key(tmp_path, text, message, line):
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as info:
        load_file(str(path), RULES)
    assert message in str(info.value)
    assert info.value.line == line and info.value.path == str(path)


@pytest.mark.parametrize(
    "data, message, line",
    [
        (b'select = ["ALL"]\n# caf\xe9\n', "invalid TOML: byte 0xe9 at column 6 is not UTF-8", 2),
        (b'\xef\xbb\xbfselect = ["ALL"]\n', "the file starts with a UTF-8 byte order mark", 1),
    ],
)
def test_configuration_that_is_not_utf8_names_the_line(tmp_path, data, message, line):
    path = tmp_path / ".dflint.toml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_file(str(path), RULES)
    assert message in str(info.value)
    assert info.value.line == line and info.value.path == str(path)


def test_explicit_config_that_is_a_directory_says_so(tmp_path):
    (tmp_path / "conf.toml").mkdir()
    write(tmp_path / "Dockerfile", "FROM python\n")
    result = run("--config", "conf.toml", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "dflint: error: conf.toml: cannot read configuration: Is a directory\n"


def test_invalid_configuration_is_exit_2_through_the_cli(tmp_path):
    write(tmp_path / ".dflint.toml", 'selct = ["DF001"]\n')
    write(tmp_path / "Dockerfile", "FROM python\n")
    result = run("Dockerfile", cwd=tmp_path)
    assert result.returncode == 2
    assert ".dflint.toml:1: unknown configuration key 'selct' (did you mean 'select'?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_per_file_ignores_are_globs_relative_to_the_config(tmp_path):
    write(tmp_path / "pyproject.toml", textwrap.dedent("""\
        [tool.dflint.per-file-ignores]
        "legacy/**" = ["untagged-image"]
        "Dockerfile.dev" = ["DF002"]
        """))
    write(tmp_path / "legacy" / "a" / "Dockerfile", "FROM python\n")
    write(tmp_path / "app" / "Dockerfile.dev", "FROM node:latest\n")
    write(tmp_path / "app" / "Dockerfile", "FROM node:latest\n")
    data = json.loads(run("--format", "json", ".", cwd=tmp_path).stdout)
    found = {f["path"]: [d["code"] for d in f["diagnostics"]] for f in data["files"]}
    assert found == {"./app/Dockerfile": ["DF002"], "./app/Dockerfile.dev": [], "./legacy/a/Dockerfile": []}


@pytest.mark.parametrize("text", [
    '[tool.dflint]\nignore = ["latest-tag"]\n',
    '[ tool . dflint ]\nignore = ["latest-tag"]\n',
    '[tool."dflint"]\nignore = ["latest-tag"]\n',
    '[tool]\ndflint = { ignore = ["latest-tag"] }\n',
    '[tool]\ndflint.ignore = ["latest-tag"]\n',
])
def test_pyproject_table_found_in_every_toml_spelling(tmp_path, text):
    write(tmp_path / "pyproject.toml", text)
    assert ConfigResolver(RULES).for_path(str(tmp_path / "Dockerfile")).ignore == ("latest-tag",)


def test_a_pyproject_is_read_once_for_many_directories(tmp_path, monkeypatch):
    import dflint.config

    write(tmp_path / "pyproject.toml", '[tool.dflint]\nignore = ["latest-tag"]\n')
    checked = []
    original = dflint.config._has_dflint_table
    monkeypatch.setattr(dflint.config, "_has_dflint_table", lambda path: checked.append(path) or original(path))
    resolver = ConfigResolver(RULES)
    for name in ("a", "b", "c/d"):
        assert resolver.for_path(str(tmp_path / name / "Dockerfile")).ignore == ("latest-tag",)
    assert checked == [str(tmp_path / "pyproject.toml")]


def test_pyproject_that_only_names_dflint_elsewhere_is_passed_over(tmp_path):
    write(tmp_path / ".dflint.toml", 'ignore = ["latest-tag"]\n')
    write(tmp_path / "svc" / "pyproject.toml", '[tool.poetry.dependencies]\ndflint = "^0.1"\n')
    assert ConfigResolver(RULES).for_path(str(tmp_path / "svc" / "Dockerfile")).ignore == ("latest-tag",)


def test_pyproject_that_only_names_dflint_costs_no_toml_parse(tmp_path, monkeypatch):
    import dflint.config

    monkeypatch.setattr(dflint.config, "_parse_toml", lambda *args: pytest.fail("parsed"))
    write(tmp_path / "pyproject.toml", '[project]\nname = "dflint"\n[project.scripts]\ndflint = "dflint.cli:run"\n'
                                       '[tool.poetry.dependencies]\ndflint = "^0.1"\n')
    assert not dflint.config._has_dflint_table(str(tmp_path / "pyproject.toml"))


def test_pyproject_with_broken_dflint_table_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.dflint]\nignore = ["latest-tag"\n')
    with pytest.raises(ConfigError, match="invalid TOML"):
        ConfigResolver(RULES).for_path(str(tmp_path / "Dockerfile"))


def test_severity_overrides_and_fail_level(tmp_path):
    write(tmp_path / ".dflint.toml", 'fail-level = "error"\n[severity]\nDF001 = "error"\n')
    write(tmp_path / "Dockerfile", "FROM python\nFROM node:latest\n")
    result = run("--format", "json", "Dockerfile", cwd=tmp_path)
    levels = {d["code"]: d["severity"] for d in json.loads(result.stdout)["files"][0]["diagnostics"]}
    assert levels == {"DF001": "error", "DF002": "warning"} and result.returncode == 1
    # The command line's severity override beats the file's.
    result = run("--severity", "DF001=info", "Dockerfile", cwd=tmp_path)
    assert result.returncode == 0


def test_exclude_applies_when_walking_not_to_explicit_files(tmp_path):
    write(tmp_path / ".dflint.toml", 'extend-exclude = ["vendor"]\n')
    write(tmp_path / "vendor" / "Dockerfile", "FROM python\n")
    write(tmp_path / "Dockerfile", "FROM python:3.12\n")
    walked = json.loads(run("--format", "json", ".", cwd=tmp_path).stdout)
    assert [f["path"] for f in walked["files"]] == ["./Dockerfile"]
    explicit = json.loads(run("--format", "json", "vendor/Dockerfile", cwd=tmp_path).stdout)
    assert [f["path"] for f in explicit["files"]] == ["vendor/Dockerfile"]


def test_exclude_and_per_file_ignores_accept_a_leading_dot_slash(tmp_path):
    write(tmp_path / ".dflint.toml",
          'extend-exclude = ["./vendor"]\n[per-file-ignores]\n"./svc/*" = ["DF001"]\n')
    write(tmp_path / "vendor" / "Dockerfile", "FROM python\n")
    write(tmp_path / "svc" / "Dockerfile", "FROM python\n")
    write(tmp_path / "Dockerfile", "FROM python:3.12\n")
    walked = json.loads(run("--format", "json", ".", cwd=tmp_path).stdout)
    assert {f["path"]: len(f["diagnostics"]) for f in walked["files"]} == {"./Dockerfile": 0, "./svc/Dockerfile": 0}


_GLOBS = [".git", "**/b", "a/*/c", "*.tmp", "**", "b**c", "./x", "x/", "[ab]*", "[!a]c", "e?", "**/e/**", "f/**"]
_PARTS = ["a", "b", "c", "x", "e", "f", "..", ".git", "ac", "ex", "q.tmp", "b\nc"]


@settings(max_examples=500, derandomize=True)
@given(st.lists(st.sampled_from(_GLOBS), min_size=1, max_size=3, unique=True),
       st.lists(st.sampled_from(_PARTS), min_size=1, max_size=5), st.booleans())
def test_exclude_matches_as_each_glob_on_the_path_and_its_directories(patterns, parts, inside):
    # excluded() asks all the globs at once; the answer must be the one glob by glob gives.
    config = Config(root="/r", exclude=tuple(Glob(p) for p in patterns))
    path = ("/r/" if inside else "../") + "/".join(parts)
    relative = config.relative(path)
    prefixes = ["/".join(relative.split("/")[:i]) for i in range(1, relative.count("/") + 2)]
    assert config.excluded(path) == any(glob.match(prefix) for glob in config.exclude for prefix in prefixes)


def test_command_line_exclude_is_relative_to_the_current_directory(tmp_path):
    # as ruff reads --exclude: not relative to each file's configuration, which sub/ has of its own
    write(tmp_path / ".dflint.toml", "select = ['DF001']\n")
    write(tmp_path / "sub" / ".dflint.toml", "select = ['DF001']\n")
    for directory in (tmp_path, tmp_path / "sub", tmp_path / "sub" / "vendor"):
        write(directory / "Dockerfile", "FROM python\n")
    result = run("--exclude", "sub/vendor", ".", cwd=tmp_path)
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == ["./Dockerfile", "./sub/Dockerfile"]
    result = run("--exclude", "vendor", "..", cwd=tmp_path / "sub")
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == ["../Dockerfile", "../sub/Dockerfile"]
    result = run("--exclude", "./vendor", ".", cwd=tmp_path / "sub")
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:-1]] == ["./Dockerfile"]


def test_command_line_flags_go_on_top_of_the_file(tmp_path):
    write(tmp_path / ".dflint.toml", 'select = ["DF001"]\nextend-select = ["DF003"]\nignore = ["DF002"]\n')
    path = str(tmp_path / "Dockerfile")
    # A --select starts afresh: the file's select, extend-select and ignore give way to it.
    config = ConfigResolver(RULES, Overrides(select=["DF002"], fail_level=Severity.ERROR)).for_path(path)
    assert (config.select, config.extend_select, config.ignore) == (("DF002",), (), ())
    assert [rule.code for rule in config.enabled_rules(RULES, path)] == ["DF000", "DF002"]
    assert config.fail_level == Severity.ERROR
    # Without it, the command line's --ignore and --extend-select add to the file's.
    config = ConfigResolver(RULES, Overrides(ignore=["DF001"], extend_select=["DF004"])).for_path(path)
    assert (config.select, config.extend_select, config.ignore) == (("DF001",), ("DF003", "DF004"), ("DF002", "DF001"))


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("**/Dockerfile.dev", "a/b/Dockerfile.dev", True),
        ("**/Dockerfile.dev", "Dockerfile.dev", True),
        ("legacy/*", "legacy/Dockerfile", True),
        ("legacy/*", "legacy/x/Dockerfile", False),
        ("legacy/**", "legacy/x/Dockerfile", True),
        ("Dockerfile.*", "svc/Dockerfile.prod", True),
        ("svc/[ab]/Dockerfile", "svc/b/Dockerfile", True),
        ("svc/[!ab]/Dockerfile", "svc/b/Dockerfile", False),
        # "./" is the configuration's directory, which the paths matched are relative to.
        ("./legacy/*", "legacy/Dockerfile", True),
        ("./legacy", "legacy", True),
        ("./Dockerfile", "svc/Dockerfile", False),
        ("./Dockerfile", "Dockerfile", True),
    ],
)
def test_globs(pattern, path, expected):
    assert Glob(pattern).match(path) is expected


@pytest.mark.parametrize("path", ["a/b", "./a//b/", "/abs/./x", "//net/x", "///three", ".", "./", "", "a/../b",
                                  "Dockerfile", "/", "//", "x/./.", "~/a"])
def test_posix_form_matches_pathlib(path):
    from pathlib import PurePosixPath

    from dflint.config import posix_form

    assert posix_form(path) == PurePosixPath(path).as_posix()


def test_a_tool_dflint_table_in_a_dflint_toml_says_where_the_keys_go(tmp_path):
    path = write(tmp_path / ".dflint.toml", '# settings\n\n[tool.dflint]\nselect = ["DF001"]\n')
    with pytest.raises(ConfigError) as info:
        load_file(str(path), RULES)
    assert "[tool.dflint] is for pyproject.toml: in this file the keys go at the top level" in str(info.value)
    assert info.value.line == 3
