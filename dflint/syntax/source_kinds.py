"""How BuildKit's ``dispatchCopy`` tells COPY and ADD sources apart: a git repository, a URL, a local path.

One reading for both the validator (COPY cannot fetch) and the build model
(what ADD fetches, what COPY would copy), so the two never disagree.
"""

from __future__ import annotations

import re
from typing import Optional

# gitutil's implicit SSH transport (`user@host:path`) and URL scheme.
_GIT_SCP = re.compile(r"[a-zA-Z0-9_-]+@[a-zA-Z0-9.-]+:.*")
_PROTOCOL = re.compile(r"([a-zA-Z0-9]+)://")


def source_kind(src: Optional[str]) -> Optional[str]:
    """``git``, ``url`` or ``local``, as ``dispatchCopy`` tells sources apart; None when unknown.

    ``github`` is the deprecated ``github.com/owner/repo`` form: a Git source
    to ``--checksum``, a local path to COPY and ADD alike.

    >>> [source_kind(s) for s in ("git@github.com:o/r.git", "deploy@git.example.com:t/r", "https://x/r.git#v1",
    ...                           "HTTPS://x/r.git", "https://x/a.tgz", "./a@b:c", "github.com/o/r", "src/")]
    ['git', 'git', 'git', 'git', 'url', 'local', 'github', 'local']
    """
    if src is None:
        return None
    if src.startswith(("./", "../")):
        return "local"
    if src.startswith("github.com/"):
        return "github"
    protocol = _PROTOCOL.match(src)
    if protocol:
        scheme = protocol.group(1).lower()
        path = re.split(r"[?#]", src[protocol.end():], maxsplit=1)[0].partition("/")[2]
        if scheme in ("ssh", "git") or scheme in ("http", "https") and path.endswith(".git"):
            return "git"
    elif _GIT_SCP.fullmatch(src):
        return "git"
    return "url" if src.startswith(("http://", "https://")) else "local"
