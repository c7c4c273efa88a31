"""Reads data files shipped inside dflint's packages (the Lark grammars)."""

from __future__ import annotations

import os
import sys


def read_text(package: str, name: str) -> str:
    """The text of ``name`` in ``package``.

    A plain read beside the package's modules: importlib.resources would
    import pathlib, zipfile and more (~5 ms of every start-up) for the same
    bytes. It remains the way for a package that is not a directory (a zip).
    """
    directory = os.path.dirname(getattr(sys.modules[package], "__file__", None) or "")
    try:
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        from importlib import resources

        return resources.files(package).joinpath(name).read_text(encoding="utf-8")
