"""missing-healthcheck's advice for images without a shell (the case files match messages by substring)."""

from __future__ import annotations

import pytest

from dflint.testing import lint_snippet

SHELL_LESS = "it has no shell or curl to run one"


@pytest.mark.parametrize("base, shell_less", [
    ("scratch", True),
    ("gcr.io/distroless/static-debian12:nonroot", True),
    ("gcr.io/distroless/python3-debian12", True),
    ("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled", True),
    ("cgr.dev/chainguard/static:latest", True),
    ("gcr.io/distroless/static-debian12:debug", False),  # busybox
    ("cgr.dev/chainguard/python:latest", False),
    ("python:3.12-slim", False),
])
def test_the_advice_fits_the_base(base, shell_less):
    result = lint_snippet(f"FROM {base}\nCOPY app /app\n", "missing-healthcheck")
    [finding] = result.diagnostics
    assert (SHELL_LESS in finding.message) is shell_less


@pytest.mark.parametrize("commands, program", [
    ('ENTRYPOINT ["/main"]\n', '"/main"'),
    ('ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["/srv/api", "serve"]\n', '"/srv/api"'),
    ('CMD ["/srv/api"]\n', '"/srv/api"'),
    ('ENTRYPOINT /main\n', '"/path/to/program"'),  # shell form: no shell to run it on scratch anyway
    ('ENTRYPOINT ["$APP"]\n', '"/path/to/program"'),
    ('', '"/path/to/program"'),
])
def test_the_advice_names_the_image_program(commands, program):
    result = lint_snippet(f"FROM scratch\nCOPY app /main\n{commands}", "missing-healthcheck")
    [finding] = result.diagnostics
    assert f"`HEALTHCHECK CMD [{program}, \"healthcheck\"]`" in finding.message
