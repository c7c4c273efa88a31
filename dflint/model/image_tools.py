"""Which official images come without ``curl`` or ``wget``.

:func:`missing_download_tools` names the download tools an image surely lacks, for the few
official Docker Hub images whose contents were checked; for any other image (another registry, a
repository or tag not listed here, a tag held in an ARG with no known value) it returns None and
callers stay silent.

Checked 2026-11 against the images' Dockerfiles (read with ``git show HEAD:<path>``):

* ``debian`` and ``ubuntu``, every tag: neither tool. Their root filesystems are minimal
  (debuerreotype's minbase for Debian); docker-library/buildpack-deps' ``debian/bookworm/curl``
  Dockerfile exists to add ``curl`` and ``wget`` to ``debian:bookworm``.
* ``alpine``: BusyBox's ``wget`` applet, no ``curl``. ``busybox``: the same (built from
  ``make defconfig``, which has wget), and no package manager.
* ``node`` (nodejs/docker-node, 20/*, 22/*): the ``*-slim`` variants are ``debian:*-slim`` whose
  RUNs install ``curl`` and ``wget`` to download Node.js and yarn, then ``apt-mark auto '.*'`` and
  ``apt-get purge --auto-remove`` them; the Alpine variants add ``curl`` only as ``--virtual
  .build-deps`` and ``apk del`` it. The full variants are built on ``buildpack-deps`` (curl and
  wget kept).
* ``python`` and ``ruby`` (docker-library): ``slim-*`` variants are ``debian:*-slim`` plus
  ``ca-certificates`` (and ``netbase``, ``tzdata``); the ``wget`` they build with is purged the
  same way (``savedAptMark``). Alpine variants: build dependencies deleted, BusyBox wget only.
  Full variants: ``buildpack-deps`` (both kept).
* ``golang`` (docker-library): Debian variants are ``buildpack-deps:*-scm`` (both kept); Alpine
  variants are ``alpine`` plus ``ca-certificates``, Go copied from a build stage.
* Older tags (read from the images' git history and the official-images library files):
  docker-node's slim Dockerfiles kept ``curl`` and ``wget`` (``buildDeps='xz-utils'`` was all they
  purged) until f99660df (2020-01-04, "uninstall download helpers from slim image"), first
  published with 10.18.0, 12.14.1 and 13.6.0 (official-images ef3bfdb2, 2020-01-08; 12.14.0 and
  13.5.0 were never rebuilt); Node.js 4 to 9 and 11 (argon, boron, carbon) were gone by then. So a
  ``node`` slim tag counts only from those versions (a partial version such as ``10`` or ``12.14``
  names the series' last release), for ``lts``/``current``/codename/bare tags of a release after
  them, and never on ``jessie``/``wheezy`` without a version. docker-library/ruby's slim and Alpine
  Dockerfiles kept ``curl`` as a runtime package until 281978ef8 (2016-09-20), published as 2.1.10,
  2.2.5 and 2.3.1 (official-images dcfcc35d, 2016-09-21); Ruby 2.0 and older were gone. So a
  ``ruby`` slim or Alpine tag counts from those versions (and ``slim``/``alpine`` tags without
  one). No later Dockerfile of either brought the tools back. A tag whose version cannot be read
  counts as not known.
* ``php`` is not listed: its Debian and Alpine variants keep ``curl`` as a runtime dependency.
* ``buildpack-deps``: every variant (``curl``, ``scm``, full) has both; not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .image import ImageReference

__all__ = ["ImageTools", "missing_download_tools", "DOWNLOAD_TOOLS", "package_brings_no_download_tool"]

#: The tools this table knows about.
DOWNLOAD_TOOLS = ("curl", "wget")


@dataclass(frozen=True)
class ImageTools:
    """What an image lacks: ``missing`` tools, its package ``family`` (``"apt"``, ``"apk"`` or
    ``"none"`` for busybox) and ``why``, a phrase saying why (for a message); ``path``: the
    directories its ENV puts on PATH besides the usual /usr/local/sbin to /bin."""

    missing: frozenset[str]
    family: str
    why: str
    path: tuple[str, ...] = ()


_SLIM = re.compile(r"(?:^|[-_.])slim(?:$|[-_.])")
_ALPINE = re.compile(r"(?:^|[-_.])alpine")
_WINDOWS = re.compile(r"windows|nanoserver|servercore|ltsc")
_BOTH = frozenset(DOWNLOAD_TOOLS)
_CURL = frozenset({"curl"})

#: Official images with slim (Debian) and Alpine variants as described above.
_SLIM_IMAGES = {"node": "Node.js", "python": "Python", "ruby": "Ruby"}
_ALPINE_IMAGES = frozenset({"node", "python", "ruby", "golang"})


def missing_download_tools(reference: Optional["ImageReference"]) -> Optional[ImageTools]:
    """The download tools the image ``reference`` names surely lacks, or None when it lacks none or
    is not known here."""
    if reference is None or not reference.registry_known or not reference.repository_known \
            or not reference.tag_known or reference.registry != "docker.io" \
            or not (reference.repository or "").startswith("library/"):
        return None
    name = reference.repository[len("library/"):]
    tag = reference.tag
    if name in ("debian", "ubuntu"):
        if tag is not None and _WINDOWS.search(tag):
            return None
        return ImageTools(_BOTH, "apt", f"{'Debian' if name == 'debian' else 'Ubuntu'}'s images have neither "
                                        "curl nor wget")
    if name == "alpine":
        return ImageTools(_CURL, "apk", "Alpine has BusyBox's wget but no curl")
    if name == "busybox":
        return ImageTools(_CURL, "none", "BusyBox has its own wget but no curl, and no package manager")
    if tag is None or _WINDOWS.search(tag):
        return None  # `latest`: the full variant, which has both
    if name in _SLIM_IMAGES and _SLIM.search(tag):
        if not _after_purge(name, tag):
            return None
        return ImageTools(_BOTH, "apt", f"{name}'s slim variants are debian:*-slim and purge the tools their "
                                        f"Dockerfile downloads {_SLIM_IMAGES[name]} with", _IMAGE_PATH.get(name, ()))
    if name in _ALPINE_IMAGES and _ALPINE.search(tag):
        if name == "ruby" and not _after_purge(name, tag):
            return None
        return ImageTools(_CURL, "apk", f"{name}'s Alpine variants have BusyBox's wget but no curl",
                          _IMAGE_PATH.get(name, ()))
    return None


#: Directories the images' ENV adds to PATH (ruby: ``$GEM_HOME/bin``; golang: ``$GOPATH/bin`` and Go's).
_IMAGE_PATH = {"ruby": ("/usr/local/bundle/bin",), "golang": ("/go/bin", "/usr/local/go/bin")}
_LATEST = 10 ** 9  # a component a partial version leaves out: the series' last release
_VERSION_TAG = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")
#: The first version of each series built from a Dockerfile that removes the tools; a series not
#: listed and older than the first listed never was (see the module's docstring).
_FIRST_WITHOUT = {
    "node": {10: (10, 18, 0), 12: (12, 14, 1), 13: (13, 6, 0)},
    "ruby": {(2, 1): (2, 1, 10), (2, 2): (2, 2, 5), (2, 3): (2, 3, 1)},
}
#: Node.js release codenames: the tag follows the series' last release.
_NODE_CODENAMES = {"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14,
                   "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}
#: The first word of a node tag naming no version: the current release (``slim``, ``bookworm-slim``).
_NODE_CURRENT = frozenset({"lts", "current", "slim", "stretch", "buster", "bullseye", "bookworm", "trixie"})


def _after_purge(name: str, tag: str) -> bool:
    """The ``node`` or ``ruby`` slim (ruby also Alpine) ``tag`` was built from a Dockerfile that removes
    curl and wget; False for older tags and tags whose version cannot be read."""
    first = tag.split("-", 1)[0]
    match = _VERSION_TAG.fullmatch(first)
    if match is not None:
        version = tuple(int(part) if part is not None else _LATEST for part in match.groups())
    elif name == "node" and first in _NODE_CODENAMES:
        version = (_NODE_CODENAMES[first], _LATEST, _LATEST)
    elif name == "node" and first in _NODE_CURRENT:
        return "jessie" not in tag and "wheezy" not in tag
    elif name == "ruby" and (first.startswith("slim") or first.startswith("alpine")):
        return True  # `slim`, `slim-bookworm`, `alpine3.20`: the current release
    else:
        return False
    if name == "node":
        major = version[0]
        if major in _FIRST_WITHOUT["node"]:
            return version >= _FIRST_WITHOUT["node"][major]
        return major >= 14
    series = version[:2]
    if series in _FIRST_WITHOUT["ruby"]:
        return version >= _FIRST_WITHOUT["ruby"][series]
    return series >= (2, 4)


#: Packages known not to install curl or wget (nor to depend on them; each of the two brings only
#: itself), in Debian/Ubuntu (also with recommends) and Alpine: after an install of others, a
#: tool may be there and nothing is said.
_PACKAGES_WITHOUT_TOOLS = frozenset({
    "curl", "wget", "ca-certificates", "gnupg", "gnupg2", "gpg", "dirmngr", "git", "openssh-client", "openssl",
    "tzdata", "jq",
    "make", "gcc", "g++", "cmake", "build-essential", "build-base", "musl-dev", "libc-dev", "libc6-dev",
    "linux-headers", "binutils", "patch", "file", "tar", "gzip", "bzip2", "unzip", "zip", "xz", "xz-utils",
    "tini", "su-exec", "gosu", "python3", "python3-pip", "python3-venv", "py3-pip", "bash",
    "procps", "less", "vim", "nano", "netbase", "locales", "sudo", "pkg-config", "pkgconf", "libssl-dev",
    "openssl-dev", "zlib1g-dev", "zlib-dev", "libffi-dev", "libpq-dev", "postgresql-client", "iputils-ping",
    "dumb-init", "shadow", "coreutils", "findutils", "grep", "sed", "gawk", "rsync",
})


def package_brings_no_download_tool(name: str) -> bool:
    """The Debian/Ubuntu or Alpine package ``name`` is known to install neither curl nor wget;
    False for any package not known here."""
    return name in _PACKAGES_WITHOUT_TOOLS
