"""unverified-download's advice: when `ADD --checksum` is offered besides `sha256sum -c` (the case
files match messages by substring, so they cannot show that it is absent)."""

from __future__ import annotations

import pytest

from dflint.testing import lint_snippet

ADD = "ADD --checksum"


@pytest.mark.parametrize("dockerfile, offered", [
    # a single program at a fixed URL: ADD --checksum --chmod does it all
    ("FROM debian:12\nRUN curl -fsSLo /usr/local/bin/yq https://example.com/yq\n", True),
    ("FROM debian:12\nARG V=1.2\nRUN curl -fsSLo /usr/local/bin/yq https://example.com/yq-${V}\n", True),
    ("# syntax=docker/dockerfile:1.6\nFROM debian:12\nRUN curl -fsSLo /usr/local/bin/yq https://example.com/yq\n",
     True),
    # before Dockerfile 1.6 ADD has no --checksum (syntax-too-old would report it)
    ("# syntax=docker/dockerfile:1.4\nFROM debian:12\nRUN curl -fsSLo /usr/local/bin/yq https://example.com/yq\n",
     False),
    # one digest cannot cover every target platform
    ("FROM debian:12\nARG TARGETARCH\n"
     "RUN curl -fsSLo /usr/local/bin/yq https://example.com/yq_linux_${TARGETARCH}\n", False),
    # a value only the RUN knows
    ("FROM debian:12\nRUN A=$(uname -m); curl -fsSLo /usr/local/bin/yq https://example.com/yq_$A\n", False),
    # an archive would stay in ADD's layer
    ("FROM debian:12\nRUN curl -fsSLo /tmp/t.tgz https://example.com/t.tgz && tar -xzf /tmp/t.tgz -C /opt\n", False),
    # `~` is the image user's home, which ADD does not expand
    ("FROM debian:12\nUSER dev\nRUN curl -fsSLo ~/.local/bin/yq https://example.com/yq\n", False),
])
def test_add_checksum_is_offered_only_where_it_fits(dockerfile, offered):
    [finding] = lint_snippet(dockerfile, "unverified-download").diagnostics
    assert "sha256sum -c" in finding.message
    assert (ADD in finding.message) is offered


def test_a_download_is_followed_past_unrelated_steps_without_reading_them(monkeypatch):
    """N downloads in N RUNs, each unpacked N RUNs later: only the steps naming a download's
    file are read closely, not every later step once per download (which took 6 s at 1,000)."""
    import dflint.model.downloads as downloads

    calls = []
    read = downloads._use
    monkeypatch.setattr(downloads, "_use", lambda *args: calls.append(1) or read(*args))
    count = 300
    lines = ["FROM debian:12"]
    lines += [f"RUN curl -fsSLo /tmp/f{i}.tgz https://example.com/{i}.tgz" for i in range(count)]
    lines += [f"RUN tar -xzf /tmp/f{i}.tgz" for i in range(count)]
    result = lint_snippet("\n".join(lines) + "\n", "unverified-download")
    assert len(result.diagnostics) == count
    assert len(calls) <= 2 * count
