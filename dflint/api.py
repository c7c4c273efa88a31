"""The public Python API: parse Dockerfiles, build their model.

>>> import dflint
>>> file = dflint.parse("FROM python:3.12-slim\\nRUN pip install flask\\n")
>>> [i.name for i in file.instructions]
['FROM', 'RUN']
>>> dflint.build_model(file).stages[0].base.reference.tag
'3.12-slim'
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional, Union

from . import ast
from .model import BuildModel
from .source import decode_bytes

__all__ = ["parse", "parse_file", "build_model"]


def parse(text: Union[str, bytes], path: Optional[str] = None) -> ast.File:
    """Parse Dockerfile ``text`` (str, or bytes decoded without loss).

    Never raises for bad input: ``File.errors`` lists what BuildKit's parser
    rejects (``origin="parser"``) and what ``docker build`` rejects one step
    later (``origin="instruction"``), each with line and column.
    """
    from .syntax import parse_syntax
    from .syntax.validate import validate

    if isinstance(text, bytes):
        text = decode_bytes(text)
    file = parse_syntax(text, path)
    from .syntax.encoding import encoding_error

    wrong_encoding = encoding_error(text)
    if wrong_encoding is not None:  # every line fails to parse: one error that says why
        return dataclasses.replace(file, errors=(wrong_encoding,))
    errors = list(file.errors)
    errors.extend(validate(file))
    if len(errors) == len(file.errors):
        return file
    errors.sort(key=lambda e: (e.span.start.offset, e.origin != "parser", e.message))
    return dataclasses.replace(file, errors=tuple(errors))


def parse_file(path: Union[str, "os.PathLike[str]"]) -> ast.File:
    """Read and parse the Dockerfile at ``path``; OSError when it cannot be read."""
    with open(path, "rb") as handle:
        data = handle.read()
    return parse(data, os.fspath(path))


def build_model(file: ast.File) -> BuildModel:
    """Stages, image references and variable scopes of a parsed file."""
    return BuildModel(file)
