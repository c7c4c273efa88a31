"""Commands that cannot put a file in a project's directory (the build's working directory).

Rules that ask whether something before a step may have written a file there
(a lock file, the program a compiler names after the module) skip these:
shell builtins, directory and metadata changes, account tools, and the
system's package managers (which write below /usr, /etc and /var). Not here:
``ln``, ``cp``, ``mv``, ``touch`` (they create files anywhere), and
``corepack`` (``corepack use`` writes package.json and installs, which writes
a lock file; a rule may let its other verbs through).
"""

from __future__ import annotations

from .package_managers import APT, RPM

__all__ = ["NO_PROJECT_FILES"]

NO_PROJECT_FILES = frozenset(
    "true false : echo printf mkdir rmdir rm chmod chown chgrp cd export set umask test [ sleep "
    "addgroup adduser useradd groupadd usermod groupmod update-ca-certificates ldconfig "
    "apk zypper pacman".split()) | APT | RPM
