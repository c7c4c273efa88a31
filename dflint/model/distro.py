"""The Linux distribution an image is built on, when the name of the image its stages start from says so.

Only names tell: ``rockylinux:9``, ``registry.access.redhat.com/ubi9/python-311``,
``quay.io/fedora/fedora``. A base image of another name may be built on
anything, so callers stay silent when these return None.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage
    from .image import ImageReference

__all__ = ["root_reference", "rhel_family"]

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
