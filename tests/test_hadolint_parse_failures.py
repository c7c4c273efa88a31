"""Files hadolint cannot parse but BuildKit (and dflint) can: the categories from real-world Dockerfiles."""

import pytest

try:
    from .buildkit_oracle import buildkit_views, dflint_views
except ImportError:
    from buildkit_oracle import buildkit_views, dflint_views  # type: ignore[no-redef]

CASES = {
    # hadolint: "unexpected 'R' expecting a new line followed by the next instruction"
    "a line directly after a heredoc terminator": "FROM alpine:3.20\nRUN <<EOF\necho hi\nEOF\nRUN echo next\n",
    "RUN --mount without target=": "FROM alpine:3.20\nRUN --mount=type=bind,source=go.sum go mod download\n",
    # An escaped escape character ends the line: no continuation, the blank line ends nothing.
    "Windows: escaped escape at line end before a blank line":
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir C:\\ ``\n\nRUN echo next\n",
    "a whitespace-only line inside a continuation": "FROM alpine:3.20\nRUN echo a && \\\n   \n    echo b\n",
}


@pytest.mark.parametrize("name", CASES)
def test_dflint_parses_what_buildkit_parses(name):
    text = CASES[name]
    views = dflint_views(text)
    assert not isinstance(views, str), views
    assert views == buildkit_views(text)
