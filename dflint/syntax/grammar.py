"""Builds the Lark LALR parser for instruction arguments, once per escape character."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from lark import Lark

#: Start rule (argument style) for each instruction, keyed by lower-case keyword.
#: Unknown keywords use ``ignored``, as BuildKit's parser does.
ARGUMENT_STYLES: dict[str, str] = {
    "add": "maybe_json_list",
    "arg": "name_or_vals",
    "cmd": "maybe_json",
    "copy": "maybe_json_list",
    "entrypoint": "maybe_json",
    "env": "name_vals",
    "expose": "split_words",
    "from": "split_words",
    "healthcheck": "healthcheck",
    "label": "name_vals",
    "maintainer": "one_string",
    "onbuild": "sub_command",
    "run": "maybe_json",
    "shell": "maybe_json",
    "stopsignal": "one_string",
    "user": "one_string",
    "volume": "maybe_json_list",
    "workdir": "one_string",
}
START_RULES = tuple(sorted(set(ARGUMENT_STYLES.values()) | {"ignored"}))

_ESCAPE_IN_REGEX = {"\\": "\\\\", "`": "`"}


@lru_cache(maxsize=1)
def _template() -> str:
    from ..package_data import read_text

    return read_text(__package__, "dockerfile.lark")


def grammar_text(escape: str) -> str:
    """The grammar for files whose escape character is ``escape``."""
    return _template().replace("@E@", _ESCAPE_IN_REGEX[escape])


@lru_cache(maxsize=2)
def parser_for(escape: str) -> Lark:
    """The argument parser for files whose escape character is ``escape``."""
    from lark import Lark  # loaded only for arguments the fast path does not read

    grammar = grammar_text(escape)
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        start=list(START_RULES),
        maybe_placeholders=False,
        cache=True,
    )
