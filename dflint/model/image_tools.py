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
    ``"none"`` for busybox) and ``why``, a phrase saying why (for a message)."""

    missing: frozenset[str]
    family: str
    why: str


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
        return ImageTools(_BOTH, "apt", f"{name}'s slim variants are debian:*-slim and purge the tools their "
                                        f"Dockerfile downloads {_SLIM_IMAGES[name]} with")
    if name in _ALPINE_IMAGES and _ALPINE.search(tag):
        return ImageTools(_CURL, "apk", f"{name}'s Alpine variants have BusyBox's wget but no curl")
    return None


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
