"""The build model: stages, image references, ARG/ENV scopes and expansion."""

from .build import BaseImage, BuildModel, Dependency, ImageUse, Stage
from .image import ImageReference, parse_image_reference
from .variables import Expansion, Scope, Variable

__all__ = [
    "BaseImage", "BuildModel", "Dependency", "ImageUse", "Stage", "ImageReference",
    "parse_image_reference", "Expansion", "Scope", "Variable",
]
