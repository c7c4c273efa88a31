"""dflint: a Dockerfile linter and static analyzer that parses exactly as BuildKit does."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "parse", "parse_file", "build_model"]


def __getattr__(name: str):
    # Lazy: `import dflint` stays cheap for the CLI's start-up.
    if name in ("parse", "parse_file", "build_model"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'dflint' has no attribute {name!r}")
