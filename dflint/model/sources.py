"""What each source of a COPY or ADD names, as BuildKit reads it.

:func:`copy_sources` classifies every source of a COPY/ADD after ARG/ENV
expansion: a ``heredoc`` body, a ``git`` repository, an ``http`` download, a
``local`` path in the build context (or in the ``--from`` stage or image), or
``unknown`` when a variable in it cannot be resolved. ONBUILD triggers run in
another build, whose variables cannot be seen: only their literal sources are
classified.

Git and HTTP sources follow BuildKit's ``dfgitutil.ParseGitRef``: ``git@``,
``ssh://`` and ``git://`` addresses are git, and so is an ``http(s)://`` URL
whose path ends in ``.git``; any other ``http(s)://`` URL is a download.

:func:`unpackable` tells whether ADD may unpack a local file, judging by its
name: BuildKit unpacks any tar archive, plain or compressed with gzip, bzip2,
xz or zstd, whatever its name, so a name that merely looks compressed
(``data.gz``) counts too.

>>> [archive_name(n) for n in ("app.tar.gz", "app.TGZ", "data.gz", "app.zip", "app.tar.lz")]
[True, True, False, False, False]
>>> is_git_source("https://github.com/moby/buildkit.git#v0.10.1"), is_http_source("https://example.com/a.tar.gz")
(True, True)
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .. import ast
from ..syntax.source_kinds import source_kind
from ..syntax.validate_support import is_heredoc_word

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel

__all__ = ["Source", "copy_sources", "destination", "is_git_source", "is_http_source", "archive_name", "unpackable",
           "url_path", "keeps_parents", "parents_path", "git_dir_kept", "ADD_ONLY_FLAGS"]

#: Flags ADD accepts and COPY does not.
ADD_ONLY_FLAGS = ("checksum", "keep-git-dir", "unpack")
_HEREDOC = re.compile(r"<<-?([\"']?)(.+)\1")
_GLOB = re.compile(r"[*?\[]")
#: Tar archives ADD unpacks (tar, optionally gzip/bzip2/xz/zstd compressed), by their usual names.
_TAR = re.compile(r"(?i).*\.(?:tar|tar\.(?:gz|bz2|xz|zst)|tgz|tbz2?|tb2|txz|tzst)$")
#: Names of compressed files that may be tar archives under another name, and older
#: compression formats hadolint counts as archives: ADD is not reported for them.
_COMPRESSED = re.compile(r"(?i).*\.(?:gz|bz2|xz|zst|z|lz|lzma|tlz|tpz)$")
#: What Go's strconv.ParseBool reads as true and as false (BuildKit reads ``?keep-git-dir=`` with it).
_GO_TRUE = frozenset(("1", "t", "T", "true", "TRUE", "True"))


@dataclass(frozen=True)
class Source:
    """One source of a COPY/ADD.

    ``value`` is the source after ARG/ENV expansion (None when ``kind`` is
    ``unknown``); ``kind`` is ``heredoc``, ``git``, ``http``, ``local`` or
    ``unknown``.
    """

    argument: ast.Argument
    value: Optional[str]
    kind: str

    @property
    def glob(self) -> bool:
        return self.value is not None and bool(_GLOB.search(self.value))


def url_path(url: str) -> str:
    """The path of ``url``; empty when it is no URL Python can split (``https://a[b/c``: a bad IPv6 host)."""
    from urllib.parse import urlsplit  # only for URL sources; urllib.parse costs ~3 ms to import

    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def is_git_source(value: str) -> bool:
    """BuildKit reads ``value`` as a git repository (``deploy@git.example.com:team/app.git`` too)."""
    return source_kind(value) == "git"


def is_http_source(value: str) -> bool:
    """BuildKit downloads ``value`` over HTTP(S) (a URL that is not a git repository)."""
    return value.startswith(("http://", "https://")) and not is_git_source(value)


def archive_name(value: str) -> bool:
    """``value`` is named like a tar archive ADD unpacks (``.tar``, ``.tar.gz``, ``.tgz``...)."""
    return bool(_TAR.fullmatch(value.rstrip("/").rsplit("/", 1)[-1]))


def unpackable(value: str) -> bool:
    """A local file with this name may be a tar archive that ADD unpacks."""
    return archive_name(value) or bool(_COMPRESSED.fullmatch(value.rstrip("/").rsplit("/", 1)[-1]))


def _kind(value: str) -> str:
    if is_git_source(value):
        return "git"
    if is_http_source(value):
        return "http"
    return "local"


def copy_sources(model: "BuildModel", node: ast.Instruction,
                 anchor: Optional[ast.Instruction] = None) -> tuple[Source, ...]:
    """The sources of COPY/ADD ``node``; ``anchor`` is the ONBUILD holding it, for a trigger."""
    if not isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
        return ()
    heredocs = {heredoc.name for heredoc in node.heredocs}
    trigger = anchor is not None and anchor is not node
    found = []
    for argument in node.sources:
        raw = argument.value
        marker = _HEREDOC.fullmatch(raw)
        if marker is not None and marker.group(2) in heredocs:
            found.append(Source(argument, raw, "heredoc"))
            continue
        if "$" in raw:
            expansion = None if trigger else model.expand(node, raw)
            if expansion is None or not expansion.resolved:
                scheme = raw.find("://")
                if 0 < scheme < raw.find("$"):  # https://.../${VERSION}/tool: a download, whatever the version
                    found.append(Source(argument, raw, _kind(raw)))
                else:
                    found.append(Source(argument, None, "unknown"))
                continue
            raw = expansion.value
        elif '"' in raw or "'" in raw or model.escape in raw:  # BuildKit removes quotes: `ADD "https://..." /`
            raw = model.expand(node, raw).value
        found.append(Source(argument, raw, _kind(raw)))
    return tuple(found)


def git_dir_kept(node: ast.Instruction, source: str) -> Optional[str]:
    r"""How ADD ``node`` is told to keep the ``.git`` directory of the git ``source`` (expanded):
    ``"flag"`` (``--keep-git-dir``, ``--keep-git-dir=true``), ``"query"`` (``?keep-git-dir``,
    ``?keep-git-dir=1``), or None when it keeps none. BuildKit's git source keeps ``.git`` only
    when the whole repository is checked out: not with a subdirectory (``#main:docs``,
    ``?subdir=docs``).

    >>> from dflint.api import parse
    >>> add = parse("FROM a\nADD --keep-git-dir https://x/p.git#main /p\n").instructions[1]
    >>> [git_dir_kept(add, s) for s in ("https://x/p.git#main", "https://x/p.git#main:docs",
    ...                                  "git@x:p.git?keep-git-dir=1&subdir=.")]
    ['flag', None, 'flag']
    """
    if not isinstance(node, ast.AddInstruction) or not is_git_source(source):
        return None
    before, _, fragment = source.partition("#")
    query = dict(pair.partition("=")[::2] for pair in before.partition("?")[2].split("&") if pair)
    subdir = query.get("subdir") or fragment.partition(":")[2]
    if posixpath.normpath("/" + subdir) != "/":
        return None
    flag = node.flag("keep-git-dir")
    if flag is not None:  # BuildKit refuses a flag and a query that disagree
        return "flag" if flag.value is None or flag.value.lower() == "true" else None
    if "keep-git-dir" in query:
        value = query["keep-git-dir"]
        return "query" if value == "" or value in _GO_TRUE else None
    return None


def keeps_parents(node: ast.Instruction) -> bool:
    """COPY ``--parents`` (``--parents=true``): each local source keeps its path below the destination."""
    flag = node.flag("parents") if isinstance(node, ast.CopyInstruction) else None
    return flag is not None and (flag.value is None or flag.value.lower() == "true")


def parents_path(source: str) -> str:
    """The path a local ``source`` keeps below the destination of ``COPY --parents`` (empty: the
    source is the root it is copied from), as BuildKit's dispatchCopy cuts it: after the last
    pivot ``/./`` when there is one, else the whole path, normalized and relative.

    >>> [parents_path(s) for s in ("./x/a.txt", "apps/web/", "/src/./out/bin", ".", "./packages/*/package.json")]
    ['x/a.txt', 'apps/web', 'out/bin', '', 'packages/*/package.json']
    """
    _, pivot, rest = source.partition("/./")
    return posixpath.normpath("/" + (rest if pivot else source)).lstrip("/")


def into_directory(destination: str, sources: int) -> bool:
    """COPY/ADD puts its sources *into* ``destination`` (as written, variables expanded) rather than
    at it: several sources, a trailing ``/``, or ``.`` (BuildKit adds the separator to ``.``)."""
    return sources > 1 or destination.endswith(("/", "/.")) or destination == "."


def destination(model: "BuildModel", node: ast.Instruction, anchor: Optional[ast.Instruction] = None) -> Optional[str]:
    """The destination of COPY/ADD ``node`` as BuildKit reads it (variables expanded, quotes
    removed); None when a variable in it cannot be resolved (always, in an ONBUILD trigger)."""
    if not isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) or node.destination is None:
        return None
    raw = node.destination.value
    if is_heredoc_word(raw):  # a syntax error (a heredoc is only a source): no destination
        return None
    if anchor is not None and anchor is not node:
        return None if "$" in raw else model.expand(node, raw).value
    expansion = model.expand(node, raw)
    return expansion.value if expansion.resolved else None
