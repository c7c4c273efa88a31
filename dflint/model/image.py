"""Image references: ``[registry/]repository[:tag][@digest]``, normalized as Docker does.

``docker.io`` is the default registry and single-name repositories on it live
under ``library/`` (``node`` is ``docker.io/library/node``). A reference can be
partly unknown (``node:${TAG}`` with TAG only known at build time): the parts
that contain an unknown variable are reported as unknown instead of guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..expansion import UNKNOWN_START
from .variables import display

DEFAULT_REGISTRY = "docker.io"
_LEGACY_REGISTRIES = ("index.docker.io", "registry-1.docker.io")
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = (
    r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?"
)
_PATH = re.compile(f"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_DOMAIN_RE = re.compile(_DOMAIN)
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference.

    Parts are None when absent *or* unknown; ``*_known`` tells which
    (``tag is None and tag_known`` means: no tag). ``has_tag``/``has_digest``
    are None when an unknown variable could still add one.
    """

    text: str
    registry: Optional[str]
    repository: Optional[str]
    tag: Optional[str]
    digest: Optional[str]
    registry_known: bool = True
    repository_known: bool = True
    tag_known: bool = True
    digest_known: bool = True
    error: Optional[str] = None
    has_tag: Optional[bool] = None
    has_digest: Optional[bool] = None

    @property
    def valid(self) -> bool:
        return self.error is None

    @property
    def fully_known(self) -> bool:
        return self.registry_known and self.repository_known and self.tag_known and self.digest_known

    @property
    def is_scratch(self) -> bool:
        return self.text == "scratch"

    @property
    def untagged(self) -> Optional[bool]:
        """True: neither tag nor digest. None: cannot tell before the build."""
        if self.has_tag or self.has_digest:
            return False
        if self.has_tag is None or self.has_digest is None:
            return None
        return True

    @property
    def name(self) -> Optional[str]:
        """Full name without tag or digest, e.g. ``docker.io/library/node``."""
        if self.registry is None or self.repository is None:
            return None
        return f"{self.registry}/{self.repository}"

    @property
    def familiar_name(self) -> Optional[str]:
        """The short name people write, e.g. ``node`` or ``ghcr.io/o/app``."""
        if self.repository is None or self.registry is None:
            return None
        if self.registry == DEFAULT_REGISTRY:
            return self.repository.removeprefix("library/")
        return f"{self.registry}/{self.repository}"


def _split_domain(name: str) -> tuple[Optional[str], str]:
    first, sep, rest = name.partition("/")
    if not sep:
        return None, name
    if ("." in first or ":" in first or first == "localhost") or first != first.lower():
        return first, rest
    return None, name


def parse_image_reference(marked: str) -> ImageReference:
    """Parse an expanded FROM/--from value (unknown parts carry expansion markers)."""
    text = display(marked)
    name, at, digest = marked.partition("@")
    digest_value: Optional[str] = digest if at else None
    # A ':' after the last '/' starts the tag (a ':' before it is a registry port).
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag: Optional[str] = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    domain, path = _split_domain(name)
    registry = domain or DEFAULT_REGISTRY
    if registry in _LEGACY_REGISTRIES:
        registry = DEFAULT_REGISTRY

    def known(part: Optional[str]) -> bool:
        return part is None or UNKNOWN_START not in part

    registry_known = known(domain)
    repository_known = known(path)
    first, sep, _ = name.partition("/")
    if sep and UNKNOWN_START in first:
        # `$REG/app` may be a registry or a Docker Hub namespace: both unknown.
        registry_known = repository_known = False
    # Without an explicit ':' or '@', an unknown last component may still carry them.
    last = name[slash + 1:]
    tag_known = known(tag) if tag is not None else UNKNOWN_START not in last
    digest_known = known(digest_value) if digest_value is not None else UNKNOWN_START not in last + (tag or "")
    # Present for sure when written; absent for sure only when nothing unknown could add it.
    has_tag = True if tag is not None else (False if tag_known else None)
    has_digest = True if digest_value is not None else (False if digest_known else None)
    if registry == DEFAULT_REGISTRY and repository_known and "/" not in path:
        path = "library/" + path
    error = None
    if UNKNOWN_START not in marked:
        error = _validate(marked, domain, path, tag, digest_value)
    return ImageReference(
        text=text,
        registry=display(registry) if registry_known else None,
        repository=display(path) if repository_known else None,
        tag=display(tag) if tag is not None and tag_known else None,
        digest=display(digest_value) if digest_value is not None and digest_known else None,
        registry_known=registry_known,
        repository_known=repository_known,
        tag_known=tag_known,
        digest_known=digest_known,
        error=error,
        has_tag=has_tag,
        has_digest=has_digest,
    )


def quoted(text: str) -> str:
    """``text`` in single quotes, as written: not ``repr``, whose ``\\udcXX`` would hide an undecodable
    byte the reporters show as ``\\xNN`` (control characters are theirs to escape too)."""
    return f"'{text}'"


def _validate(text: str, domain: Optional[str], path: str, tag: Optional[str], digest: Optional[str]) -> Optional[str]:
    if not text:
        return "image reference is empty"
    if domain is not None and not _DOMAIN_RE.fullmatch(domain):
        return f"invalid registry {quoted(domain)} in {quoted(text)}"
    if path.lower() != path:
        return f"repository name must be lowercase: {quoted(text)}"
    if not _PATH.fullmatch(path):
        return f"invalid reference format: {quoted(text)}"
    if len(path) + (len(domain) + 1 if domain else 0) > 255:
        return "repository name must not be more than 255 characters"
    if tag is not None and not _TAG.fullmatch(tag):
        return f"invalid tag {quoted(tag)} in {quoted(text)}"
    if digest is not None and not _DIGEST.fullmatch(digest):
        return f"invalid digest {quoted(digest)} in {quoted(text)}"
    return None


def is_latest(tag: Optional[str]) -> bool:
    """``latest`` and its variants (``latest-dev``, ``latest-slim``): whatever was pushed last. Not
    ``22-latest``, the latest of a line, which floats no more than ``22`` does."""
    return tag is not None and (tag == "latest" or tag.startswith("latest-"))


#: Repositories whose free images have no version tags to pin (Chainguard's: only latest and latest-dev).
_DIGEST_ONLY = ("cgr.dev/chainguard/",)


def digest_only(ref: ImageReference) -> bool:
    """``ref``'s repository offers nothing to pin but a digest."""
    return ref.name is not None and ref.name.startswith(_DIGEST_ONLY)


def pin_advice(ref: ImageReference) -> str:
    """How to pin ``ref``: a version, or its digest where the repository has no version tags."""
    if digest_only(ref):
        return f"pin its digest ({ref.familiar_name}@sha256:...): its free images have no version tags"
    return "pin a version"
