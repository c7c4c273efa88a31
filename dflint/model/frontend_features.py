"""When each Dockerfile flag and feature first appeared, per release channel of the frontend.

Read from BuildKit's ``dockerfile/*`` release tags (see :mod:`dflint.model.frontend`):
DF811 syntax-too-old reports what a pinned ``# syntax=`` release lacks, and
fixes that would write a flag (DF005's ``COPY --chmod``) check the pin first.
"""

from __future__ import annotations

from .frontend import Availability as A

__all__ = ["ADD_GIT", "FLAGS", "GIT_CHECKSUM", "HEREDOCS", "MOUNT_KEYS", "SYMBOLIC_CHMOD"]

#: (instruction, flag) -> the releases that first read it, per channel. Checked against BuildKit's
#: dockerfile/* tags: the flags each parse.go registers, the Go build tags of the files that
#: register or allow them, and the channels' frontend/dockerfile/release/*/tags.
FLAGS: dict[tuple[str, str], A] = {
    ("RUN", "mount"): A((1, 2), experimental=(1, 0, 0)),
    ("RUN", "network"): A((1, 3), labs=(1, 2), experimental=(1, 1, 6)),
    ("RUN", "security"): A((1, 20), labs=(1, 2), experimental=(1, 1, 2)),
    ("RUN", "device"): A(None, labs=(1, 14)),
    ("ADD", "checksum"): A((1, 6), labs=(1, 5)),
    ("ADD", "chmod"): A((1, 2)),
    ("ADD", "link"): A((1, 4)),
    ("ADD", "keep-git-dir"): A((1, 5)),
    ("ADD", "unpack"): A((1, 17)),
    ("ADD", "exclude"): A((1, 19), labs=(1, 7)),
    ("COPY", "chmod"): A((1, 2)),
    ("COPY", "link"): A((1, 4)),
    ("COPY", "parents"): A((1, 20), labs=(1, 7)),
    ("COPY", "exclude"): A((1, 19), labs=(1, 7)),
    ("HEALTHCHECK", "start-interval"): A((1, 6)),
}
HEREDOCS = A((1, 4), labs=(1, 3))
SYMBOLIC_CHMOD = A((1, 14), labs=(1, 13))  # 1.11/1.12-labs built it under a misspelled Go tag
ADD_GIT = A((1, 6), labs=(1, 5))  # older releases download an https://....git URL as a file
GIT_CHECKSUM = A((1, 16))  # ADD --checksum of a git source (the commit); HTTP only before
#: RUN --mount keys newer than the flag itself (``required`` only in its ``required=<bool>`` form).
MOUNT_KEYS = {
    "size": A((1, 4)),
    "env": A((1, 10)),
    "mode": A((1, 2), experimental=(1, 1, 0)),
    "uid": A((1, 2), experimental=(1, 1, 0)),
    "gid": A((1, 2), experimental=(1, 1, 0)),
    "required": A((1, 2), experimental=(1, 1, 2)),
}
