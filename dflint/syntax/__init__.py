"""Dockerfile syntax: the only package that imports lark.

``parse_syntax`` turns text into a :class:`dflint.ast.File`; ``print_tree``
turns the tree back into the exact text.
"""

from .parser import parse_syntax, print_tree

__all__ = ["parse_syntax", "print_tree"]
