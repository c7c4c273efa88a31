"""The plugin API: implement these hooks and register under the ``dflint.rules`` entry point.

Example ``pyproject.toml`` of a rule pack::

    [project.entry-points."dflint.rules"]
    my_pack = "my_pack.plugin"

and in ``my_pack/plugin.py``::

    from dflint.plugins import hookimpl

    @hookimpl
    def dflint_rules():
        from .rules import NoCurlBash
        return [NoCurlBash]
"""

from .hookspecs import ENTRY_POINT_GROUP, hookimpl, hookspec

__all__ = ["ENTRY_POINT_GROUP", "hookimpl", "hookspec"]
