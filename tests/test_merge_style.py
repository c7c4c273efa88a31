"""consecutive-run's merge reads the file's continuation style line by line, as two regexes would."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dflint.shell.merge import _continued_lines

_LINES = ["RUN a \\", "  && b \\", "&& c", "# c \\", "  #x", "  b", "", "\t&&d \\", "x && \\", "x &&\\", "# && \\",
          " ", "RUN a `", "  && b `", "\\", "`"]


def _regexes(text: str, escape: str) -> tuple[list[str], list[str]]:
    esc = re.escape(escape)
    return (re.findall(r"&&[ \t]*%s\r?\n([ \t]*)[^\s#]" % esc, text),
            re.findall(r"%s\r?\n(?:[ \t]*#[^\n]*\n)*([ \t]*)&&" % esc, text))


@settings(max_examples=500, deadline=None, derandomize=True)
@given(lines=st.lists(st.tuples(st.sampled_from(_LINES), st.sampled_from(["\n", "\r\n"])), max_size=10),
       escape=st.sampled_from(["\\", "`"]), cut=st.booleans())
def test_the_line_reading_finds_what_the_regexes_find(lines, escape, cut):
    text = "".join(line + end for line, end in lines)
    text = text[:-1] if cut and text else text
    assert _continued_lines(text, escape) == _regexes(text, escape)


def test_comment_lines_ending_in_the_escape_are_read_once():
    """Each such line started the second regex again over the comments after it: 16,000 took 34 s."""
    text = "FROM alpine:3.20\nRUN apk add a \\\n" + "# note \\\n" * 20000 + "  b\nRUN apk add c\n"
    assert _continued_lines(text, "\\") == ([], [])
