"""The Linux distribution an image is built on, when the name of the image its stages start from says so.

Only names tell: ``rockylinux:9``, ``registry.access.redhat.com/ubi9/python-311``,
``quay.io/fedora/fedora``. A base image of another name may be built on
anything, so callers stay silent when these return None.

:func:`shell_less` and :func:`alpine_without_bash` name images known to have
no shell at all, or no bash (checked 2026-11): distroless's README (only its
``debug`` tags carry busybox), Chainguard's documentation (a shell only in
``-dev`` tags, for the images listed), Microsoft's .NET image documentation
(documentation/distroless.md in dotnet/dotnet-docker: its Ubuntu chiseled and
Azure Linux distroless images have "no shell"; the ``-extra`` variants add only
ICU and tzdata, as their Dockerfiles' chisel slices show), Canonical's README of
its chiseled .NET images (``ubuntu/dotnet-deps``, ``-runtime``, ``-aspnet``: no
bash and no package manager, slices of libraries only), and the Dockerfiles of
the official images' Alpine variants, where bash is at most a build dependency
deleted again (postgres keeps it; images not listed are not known). Other images
named "chiseled" are not counted: Chisel can cut a shell into an image too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage
    from .image import ImageReference

__all__ = ["root_reference", "rhel_family", "shell_less", "alpine_without_bash", "alpine_package_without_bash",
           "image_found_via"]

#: Distributions of the Fedora and RHEL family, by a component of the repository's name. Their
#: /bin/sh is bash and their /root is mode 550.
_RHEL_FAMILY = {"fedora": "Fedora", "centos": "CentOS", "rockylinux": "Rocky Linux", "almalinux": "AlmaLinux",
                "amazonlinux": "Amazon Linux", "oraclelinux": "Oracle Linux"}
#: Red Hat's own images: ubi8, ubi9-minimal, rhel8/..., ubi9-init.
_RED_HAT = re.compile(r"(?:ubi|rhel)\d*(?:-minimal|-micro|-init)?")


def root_reference(model: "BuildModel", stage: "Stage") -> Optional["ImageReference"]:
    """The image ``stage``'s lineage starts FROM, when its repository is known."""
    reference = model.lineage(stage)[0].base.reference
    return reference if reference is not None and reference.repository_known and reference.repository else None


def rhel_family(reference: Optional["ImageReference"]) -> Optional[str]:
    """The name of the Fedora/RHEL-family distribution ``reference`` names (``Rocky Linux``, ``RHEL
    and UBI``), None for any other image."""
    if reference is None or not reference.repository:
        return None
    for component in reference.repository.lower().split("/"):
        if component in _RHEL_FAMILY:
            return _RHEL_FAMILY[component]
        if _RED_HAT.fullmatch(component):
            return "RHEL and UBI"
    return None


#: Chainguard images documented to have no shell but in their ``-dev`` tags (others, such as ``go``
#: or ``wolfi-base``, have one).
_CHAINGUARD_SHELL_LESS = frozenset({"static", "glibc-dynamic", "glibc", "python", "nginx"})
#: Official images whose Alpine variants have no bash (their Dockerfiles delete it with the build
#: dependencies, or never add it); ``alpine`` and ``busybox`` have none whatever the tag.
_ALPINE_WITHOUT_BASH = frozenset({"python", "node", "golang", "php", "redis", "ruby", "nginx", "docker"})
_DEV_TAG = re.compile(r"(?:^|[-_.])dev(?:$|[-_.])")


#: Microsoft's .NET images with chiseled (``8.0-jammy-chiseled``, ``9.0-noble-chiseled-extra``) and
#: Azure Linux distroless (``8.0-azurelinux3.0-distroless``) variants; the SDK has none.
_DOTNET_REPOSITORY = re.compile(r"dotnet/(?:nightly/)?(?:runtime-deps|runtime|aspnet|samples)")
_DOTNET_CHISELED_TAG = re.compile(r"(?:^|[-_.])chiseled(?:$|[-_.])")
_DOTNET_DISTROLESS_TAG = re.compile(r"(?:^|[-_.])distroless(?:$|[-_.])")
#: Canonical's chiseled .NET images on Docker Hub (every tag is chiseled).
_CANONICAL_CHISELED = frozenset({"ubuntu/dotnet-deps", "ubuntu/dotnet-runtime", "ubuntu/dotnet-aspnet"})


def shell_less(reference: Optional["ImageReference"], digest_only: bool = False) -> Optional[str]:
    """What kind of image ``reference`` names when it is one known to have no shell at all:
    ``"distroless"`` (Google's), ``"chainguard"``, ``"chiseled"`` (Ubuntu chiseled .NET images, by
    Microsoft or Canonical) or ``"dotnet-distroless"`` (Microsoft's Azure Linux ones); None for any
    other image, for distroless's ``debug`` and Chainguard's ``-dev`` tags, and when the tag is unknown
    or only a digest is given (it may be a debug image's). ``scratch`` is the caller's to test
    (``base.is_scratch``). The one list of shell-less images: DF414 and DF706 both read it.

    With ``digest_only``, a reference given only by digest counts as its repository's default image
    (for advice, as DF706 gives: a digest pinned from a ``debug`` tag is rare; an error must not
    rest on that guess)."""
    if reference is None or not reference.fully_known or not reference.repository or not reference.registry:
        return None
    tag = reference.tag
    if tag is None and reference.digest is not None and not digest_only:
        return None
    registry, repository = reference.registry, reference.repository
    if registry == "gcr.io" and repository.startswith("distroless/"):
        return None if tag is not None and "debug" in tag else "distroless"
    if registry == "cgr.dev" and repository.startswith("chainguard/") \
            and repository[len("chainguard/"):] in _CHAINGUARD_SHELL_LESS:
        return None if tag is not None and _DEV_TAG.search(tag) else "chainguard"
    if registry == "docker.io" and repository in _CANONICAL_CHISELED:
        return "chiseled"
    if tag is None:
        return None  # Microsoft's `latest` tags are not chiseled
    if registry == "mcr.microsoft.com" and _DOTNET_REPOSITORY.fullmatch(repository):
        if _DOTNET_CHISELED_TAG.search(tag):
            return "chiseled"
        return "dotnet-distroless" if _DOTNET_DISTROLESS_TAG.search(tag) else None
    return None


def alpine_without_bash(reference: Optional["ImageReference"]) -> Optional[str]:
    """The official image ``reference`` names (``alpine``, ``busybox``, ``python``...) when it surely
    has no bash: ``alpine`` and ``busybox`` whatever the tag, the others when their tag names an
    Alpine variant (``python:3.12-alpine``, ``nginx:alpine-slim``); None for any other image."""
    if reference is None or not reference.registry_known or not reference.repository_known \
            or reference.registry != "docker.io" or not (reference.repository or "").startswith("library/"):
        return None
    name = reference.repository[len("library/"):]
    if name in ("alpine", "busybox"):
        return name
    if name in _ALPINE_WITHOUT_BASH and reference.tag_known and reference.tag and "alpine" in reference.tag:
        return name
    return None


#: Common Alpine packages that install no bash, nor anything that depends on it. The APKBUILDs of
#: curl, git, openssh, build-base (binutils, gcc, g++, make, patch, libc-dev), python3, py3-pip and
#: nodejs (with npm) in alpinelinux/aports depend on no bash; the others are single tools that need
#: only libraries. Other packages may bring bash: ``libtool`` depends on it.
_ALPINE_WITHOUT_BASH_PACKAGES = frozenset({
    "curl", "wget", "ca-certificates", "git", "openssh-client", "openssl", "tzdata", "jq", "make", "gcc", "g++",
    "musl-dev", "libc-dev", "linux-headers", "binutils", "build-base", "patch", "file", "tar", "gzip", "unzip",
    "zip", "xz", "tini", "su-exec", "python3", "py3-pip", "nodejs", "npm",
})


def alpine_package_without_bash(name: str) -> bool:
    """The Alpine package ``name`` is known to install no bash, nor anything that depends on it;
    False for any package not known here."""
    return name in _ALPINE_WITHOUT_BASH_PACKAGES


def image_found_via(model: "BuildModel", stage: "Stage") -> str:
    """How a message's image was found, in parentheses: an ARG default, the stage the lineage starts with."""
    root = model.lineage(stage)[0]
    base = root.base
    notes = []
    if base.argument is not None and base.expansion is not None and base.argument.value != base.expansion.value:
        notes.append(f"{base.argument.value} with the ARG defaults")
    if root is not stage:
        notes.append(f"the image stage `{root.label}` is built on")
    return f" ({'; '.join(notes)})" if notes else ""
