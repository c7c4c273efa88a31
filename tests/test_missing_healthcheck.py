"""missing-healthcheck's advice for images without a shell (the case files match messages by substring)."""

from __future__ import annotations

import pytest

from dflint.testing import lint_snippet

SHELL_LESS = "it has no shell, curl or wget to run one"
GENERIC = "probe in exec form with the application's own health-check command, if it has one"


@pytest.mark.parametrize("base, shell_less", [
    ("scratch", True),
    ("gcr.io/distroless/static-debian12:nonroot", True),
    ("gcr.io/distroless/python3-debian12", True),
    ("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled", True),
    ("cgr.dev/chainguard/static:latest", True),
    ("cgr.dev/chainguard/python:latest", True),
    ("mcr.microsoft.com/dotnet/aspnet:8.0-noble-chiseled-extra", True),  # ICU and tzdata, no shell
    ("mcr.microsoft.com/dotnet/runtime-deps:8.0-azurelinux3.0-distroless", True),
    ("ubuntu/dotnet-deps:8.0-24.04_stable", True),
    ("gcr.io/distroless/static-debian12@sha256:" + "0" * 64, True),  # advice only: a debug digest is rare
    ("gcr.io/distroless/static-debian12:debug", False),  # busybox
    ("cgr.dev/chainguard/static:latest-dev", False),  # -dev tags have a shell
    ("cgr.dev/chainguard/python:latest-dev", False),
    ("myorg/api:chiseled", False),  # Chisel can cut a shell in too
    ("mcr.microsoft.com/dotnet/sdk:8.0", False),
    ("python:3.12-slim", False),
])
def test_the_advice_fits_the_base(base, shell_less):
    result = lint_snippet(f"FROM {base}\nCOPY app /app\n", "missing-healthcheck")
    [finding] = result.diagnostics
    assert (SHELL_LESS in finding.message) is shell_less


@pytest.mark.parametrize("base, commands, program", [
    ("scratch", 'ENTRYPOINT ["/main"]\n', '"/main"'),
    ("scratch", 'ENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["/srv/api", "serve"]\n', '"/srv/api"'),
    ("scratch", 'CMD ["/srv/api"]\n', '"/srv/api"'),
    ("gcr.io/distroless/cc-debian12", 'CMD ["api"]\n', '"api"'),
    ("scratch", 'ENTRYPOINT /main\n', None),  # shell form: no shell to run it on scratch anyway
    ("scratch", 'ENTRYPOINT ["$APP"]\n', None),
    ("scratch", '', None),
    # interpreters and launchers: a word after them is not a health-check mode
    ("gcr.io/distroless/java21-debian12", 'ENTRYPOINT ["java", "-jar", "/app/app.jar"]\n', None),
    ("gcr.io/distroless/python3-debian12", 'ENTRYPOINT ["/usr/bin/python3.11", "main.py"]\n', None),
    ("gcr.io/distroless/base-debian12", 'ENTRYPOINT ["/usr/local/bin/gunicorn", "app:app"]\n', None),
    # scripts, which a HEALTHCHECK cannot run directly
    ("gcr.io/distroless/nodejs20-debian12", 'CMD ["/app/server.js"]\n', None),
    ("scratch", 'ENTRYPOINT ["/app/app.JAR"]\n', None),
    # a CMD on a base whose ENTRYPOINT cannot be seen
    ("gcr.io/distroless/nodejs20-debian12", 'CMD ["/app/server"]\n', None),
    ("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled", 'CMD ["/app/api"]\n', None),
    ("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled", 'ENTRYPOINT ["/app/api"]\n', '"/app/api"'),
])
def test_the_advice_names_the_image_program(base, commands, program):
    result = lint_snippet(f"FROM {base}\nCOPY app /main\n{commands}", "missing-healthcheck")
    [finding] = result.diagnostics
    if program is None:
        assert GENERIC in finding.message and "HEALTHCHECK CMD [" not in finding.message
    else:
        assert f"`HEALTHCHECK CMD [{program}, \"healthcheck\"]`" in finding.message
