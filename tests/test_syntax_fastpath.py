"""The argument fast path (dflint/syntax/fastpath.py) against the grammar: the same tree, always.

Every file is parsed twice, once as dflint does (the fast path reads the
common argument shapes) and once with the fast path switched off (the Lark
grammar reads every instruction); the whole syntax tree, errors included,
must be identical. Inputs: the fixtures, the rule cases' Dockerfiles, edge
cases and generated Dockerfiles (realistic and adversarial).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dflint.syntax.builder as builder
from dflint.source import decode_bytes
from dflint.syntax import parse_syntax
from dflint.syntax.fastpath import fast_tree

try:  # tests/ is not a package; pytest puts it on sys.path
    from . import strategies
except ImportError:
    import strategies  # type: ignore[no-redef]

TESTS = Path(__file__).parent


def grammar_only(text: str) -> str:
    original = builder.fast_tree
    builder.fast_tree = lambda style, text, escape: None
    try:
        return repr(parse_syntax(text))
    finally:
        builder.fast_tree = original


def assert_same(text: str) -> None:
    assert repr(parse_syntax(text)) == grammar_only(text), text


def _texts() -> list[str]:
    texts = [decode_bytes(path.read_bytes()) for path in sorted((TESTS / "fixtures").rglob("*Dockerfile*"))]
    for path in sorted((TESTS / "rules" / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")).get("cases", []):
            if isinstance(case.get("dockerfile"), str):
                texts.append(case["dockerfile"])
    return texts


def test_fixtures_and_cases():
    for text in _texts():
        assert_same(text)


def test_the_fast_path_reads_the_common_shapes():
    for style, text in [("maybe_json", "--mount=type=cache,target=/x apt-get update"),
                        ("maybe_json", '["a", "b"]'), ("maybe_json_list", "--from=build /a /b"),
                        ("split_words", "--platform=$P golang:1.22 AS build"), ("name_vals", "A=1 B=2"),
                        ("name_vals", "A 1 2"), ("name_or_vals", "A B=1"),
                        ("name_vals", 'PATH="/x:$PATH" B=\'1 2\''), ("name_vals", "A 'x y'"), ("one_string", "app"),
                        ("healthcheck", "--interval=5s CMD curl -f http://x/ || exit 1"),
                        # a `[` that opens no JSON array is text, for the grammar too
                        ("maybe_json", "[ -f /etc/os-release ] && cat /etc/os-release"),
                        ("maybe_json", "--mount=type=cache,target=/x [ -d /x ] || mkdir /x"),
                        ("maybe_json", "[Environment]::SetEnvironmentVariable('PATH', $env:PATH)"),
                        ("maybe_json", '["a", 1]'), ("maybe_json_list", "[a] b"),
                        ("healthcheck", "CMD [ -f /tmp/ready ]")]:
        assert fast_tree(style, text, "\\") is not None, (style, text)


@pytest.mark.parametrize("line", [
    "RUN", "RUN ", "RUN a", "RUN -a", "RUN --a", "RUN --a b", "RUN --a=b c d", "RUN --a --b c", "RUN -- a",
    "RUN --a -- b", "RUN --a\t b", "RUN --a\x0bb", "RUN --a\xa0b", "RUN \xa0a", "RUN a\xa0", "RUN --a='b' c",
    'RUN --a="b c" d', "RUN --a\\ b c", "RUN --a\\", "RUN --mount=type=cache,target=/root/.cache pip install x",
    'RUN ["a"]', 'RUN [ "a" , "b" ]', 'RUN ["a",\t"b"]', 'RUN ["a"] x', 'RUN ["a", 1]', "RUN [1]", "RUN []",
    "RUN [ ]", 'RUN ["\\u00e9", "\\n"]', 'RUN ["\\x"]', 'RUN ["a"', "RUN [", 'RUN --a ["b"]', 'CMD ["a"]',
    'CMD [ "a", "b" ]', "CMD a b", 'ENTRYPOINT ["a"]', 'SHELL ["/bin/sh", "-c"]', "SHELL a",
    "COPY a b", "COPY --from=x a b", "COPY --chown=1:1 --chmod=755 a b/", 'COPY ["a", "b"]', 'COPY ["a", 1]',
    "COPY [a] b", "COPY a  b\tc", "ADD --checksum=sha256:x http://a b", "VOLUME /a /b", 'VOLUME ["/a"]',
    "FROM a", "FROM a AS b", "FROM --platform=$X a AS b", "FROM [a]", "FROM -a", "EXPOSE 80 443/udp",
    "ENV A=1", "ENV A=1 B=2", "ENV A 1", "ENV A 1 2  3", "ENV A", "ENV A=", "ENV =1", "ENV A==1",
    'ENV A="1 2"', "ENV A='1'", "ENV A=\\ 1", "ENV A\\", "ENV \\", "LABEL a=b c=d", "LABEL a b",
    "ARG A", "ARG A=1 B", "ARG A=", 'ARG A="x"', "ARG --a A", "USER app", "USER 1000:1000", "WORKDIR /app",
    "WORKDIR [a]", "STOPSIGNAL SIGTERM", "MAINTAINER a b", "ONBUILD RUN a", "ONBUILD COPY --from=x a b",
    "ONBUILD ONBUILD RUN a", "HEALTHCHECK NONE", "HEALTHCHECK CMD a", 'HEALTHCHECK CMD ["a"]',
    "HEALTHCHECK --interval=5s CMD a b", 'HEALTHCHECK CMD ["a"] b', "HEALTHCHECK CMD [a", "HEALTHCHECK",
    "HEALTHCHECK --a", "HEALTHCHECK CMD", "HEALTHCHECK CMD\t[\"a\"]", "UNKNOWN a b", "UNKNOWN --a b",
    "RUN [ -f /x ] && y", 'RUN [ "$A" = 1 ] || exit 1', "RUN [Environment]::X('a', [T]::M)", 'RUN ["a"]]',
    'RUN ["a",]', 'RUN ["a"\r, "b"]', 'RUN [\r"a"]', 'RUN ["a"]\r', "RUN [\r]", 'CMD [ "$X" ] && y', "CMD [",
    'COPY [ "a" b', "COPY [a b] c", 'VOLUME ["/a", /b]', 'HEALTHCHECK CMD [ -f /x ]', 'HEALTHCHECK CMD ["a"\r]',
    'ONBUILD RUN [ -f /x ] && y',
])
def test_edge_cases(line):
    for escape in ("", "# escape=`\n"):
        assert_same(f"{escape}FROM scratch\n{line}\n")
        assert_same(f"{escape}FROM scratch\n{line} \\\n  more\n")


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.dockerfiles(oracle_safe=False))
def test_generated_dockerfiles(text):
    assert_same(text)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["RUN", "CMD", "COPY", "FROM", "ENV", "ARG", "LABEL", "USER", "HEALTHCHECK", "ONBUILD RUN",
                        "VOLUME", "EXPOSE", "X"]),
       st.text(" \t\x0b-=\"'\\`[],:abc1\xa0\n", max_size=20))
def test_generated_arguments(keyword, arguments):
    assert_same(f"FROM a\n{keyword} {arguments}\n")
    assert_same(f"# escape=`\nFROM a\n{keyword} {arguments}\n")
