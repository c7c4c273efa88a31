"""dflint's built-in rules, shipped as the ``dflint.rules`` package.

They reach dflint exactly as a third-party rule pack does: this package is the
``dflint`` entry point of the ``dflint.rules`` group and implements the
``dflint_rules`` hook. Each module holds one rule, its docs in its docstring.
"""

from __future__ import annotations

import importlib
import pkgutil

from dflint.plugins import hookimpl


@hookimpl
def dflint_rules() -> list[type]:
    from dflint.rule import Rule

    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__:
                found.append(value)
    return found
