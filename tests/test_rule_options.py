"""Typed rule options: conversion and errors of each type, tables (dict) included, through the config file."""

import pickle
import textwrap

import pytest

from dflint.config import ConfigError, load_file
from dflint.registry import installed
from dflint.rule import Option

RULES = installed()[0]


@pytest.mark.parametrize(
    "option, value, expected",
    [
        (Option("n", int, 1, ""), 3, 3),
        (Option("f", float, 1.0, ""), 2, 2.0),
        (Option("b", bool, False, ""), True, True),
        (Option("s", str, "", ""), "x", "x"),
        (Option("l", list, [], ""), ["a", "b"], ("a", "b")),
        (Option("t", dict, {}, ""), {"a": "url", "b": "text"}, {"a": "url", "b": "text"}),
        (Option("t", dict, {}, "", choices=("url", "text")), {"a": "url"}, {"a": "url"}),
    ],
)
def test_values_are_converted(option, value, expected):
    assert option.convert(value) == expected


@pytest.mark.parametrize(
    "option, value, message",
    [
        (Option("n", int, 1, ""), True, "expected integer"),
        (Option("l", list, [], ""), ["a", 1], "expected a list of strings"),
        (Option("t", dict, {}, ""), ["a"], "expected a table of strings"),
        (Option("t", dict, {}, ""), {"a": 1}, "expected a table of strings"),
        (Option("t", dict, {}, "", choices=("url", "text")), {"a": "uri"}, "expected values among url, text, got a = 'uri'"),
    ],
)
def test_bad_values_are_errors(option, value, message):
    with pytest.raises(ValueError) as info:
        option.convert(value)
    assert message in str(info.value)


def test_a_table_is_a_copy_and_pickles():
    given = {"a": "url"}
    converted = Option("t", dict, {}, "").convert(given)
    assert converted == given and converted is not given
    assert pickle.loads(pickle.dumps(converted)) == given  # configs travel to worker processes
    assert Option("t", dict, {}, "").type_name == "table of strings"


def test_a_table_option_from_the_configuration_file(tmp_path):
    path = tmp_path / "dflint.toml"
    path.write_text(textwrap.dedent("""\
        [rules.label-schema]
        required = ["org.opencontainers.image.source"]
        [rules.label-schema.types]
        "org.opencontainers.image.version" = "semver"
        """))
    config = load_file(str(path), RULES)
    options = config.options_for(RULES.get("label-schema"))
    assert options["types"] == {"org.opencontainers.image.version": "semver"}  # replaces the default table
    assert options["required"] == ("org.opencontainers.image.source",)


def test_a_table_value_outside_the_choices_names_the_option(tmp_path):
    path = tmp_path / "dflint.toml"
    path.write_text('[rules.label-schema.types]\n"org.opencontainers.image.version" = "version"\n')
    with pytest.raises(ConfigError) as info:
        load_file(str(path), RULES)
    assert "option 'types' of rule label-schema" in str(info.value) and "semver" in str(info.value)
