"""Where ``bundle install`` puts gems when the build configures it: the gem cache is below that.

Bundler installs into its default gem directory unless a path is set:
``bundle config set [--local|--global] path DIR`` (or the older
``bundle config path DIR``), ``bundle install --path DIR``, or deployment
mode (``bundle config set deployment true``, ``--deployment``,
``BUNDLE_DEPLOYMENT=1``), which installs into ``vendor/bundle`` of the
application. The configuration persists in a file, so it is read from every
earlier step of the stage's lineage, not only from the installing RUN.
``BUNDLE_PATH`` sets the path too. Bundler reads the command line, then the
application's configuration (``bundle config set --local``), then the
environment, then the user's configuration; ``bundle config set`` without a
scope wrote the user's configuration in older Bundlers (newer ones write the
application's inside an application) and is read as the user's.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from ..shell.model import Word

_TRUE = frozenset(("true", "1", "yes"))
#: The setting that says "install into the default gem directory" again.
_SYSTEM = "path.system"
_DEPLOYMENT_PATH = "vendor/bundle"


def _flag_value(argv: Sequence[Word], name: str) -> Optional[str]:
    """``--name VALUE`` or ``--name=VALUE`` in ``argv``, else None."""
    for index, word in enumerate(argv):
        if word.value == name and index + 1 < len(argv):
            return argv[index + 1].value
        if word.value.startswith(name + "="):
            return word.value[len(name) + 1:]
    return None


def _config_setting(operands: Sequence[str]) -> Optional[tuple[str, Optional[str]]]:
    """(name, value) a ``bundle config ...`` command sets; value None for ``unset``."""
    words = list(operands)
    if words[:1] == ["unset"] and len(words) >= 2:
        return words[1], None
    if words[:1] == ["set"]:
        words = words[1:]
    if len(words) >= 2:
        return words[0], words[1]
    return None


class BundlerSettings:
    """The install path that ``bundle`` commands and variables have set so far."""

    def __init__(self) -> None:
        self.path: Optional[str] = None
        #: The path was set in the application's configuration (``--local``): it wins over ``BUNDLE_PATH``.
        self.local = False
        self.deployment = False
        self.system = False

    def read(self, program: str, operands: Sequence[str], argv: Sequence[Word]) -> None:
        """Take in one command (``program`` as read, ``operands`` without options)."""
        if program not in ("bundle", "bundler") or not operands:
            return
        if operands[0] == "config":
            setting = _config_setting(operands[1:])
            if setting is None:
                return
            name, value = setting
            if name == "path":
                self.path, self.system = value, False
                self.local = value is not None and any(word.value == "--local" for word in argv)
            elif name == "deployment":
                self.deployment = value is not None and value.strip("'\"").lower() in _TRUE
            elif name == _SYSTEM:
                self.system = value is not None and value.strip("'\"").lower() in _TRUE

    def install_directory(self, argv: Sequence[Word],
                          lookup: Callable[[str], tuple[bool, Optional[str]]]) -> Optional[str]:
        """Where the ``bundle install`` written as ``argv`` installs, as written (may be relative):
        ``--path``, then a path configured ``--local``, then ``BUNDLE_PATH``, then another
        configured path, then ``vendor/bundle`` in deployment mode. None when it installs into
        the gem directory (no path, or ``path.system``) or the place cannot be known
        (``BUNDLE_PATH`` from an unset ARG).
        ``lookup(name)`` is (set, value or None when unknown). Bundler appends
        ``ruby/<version>`` to a path it is given; the gem cache is ``cache`` below that."""
        system_set, system = lookup("BUNDLE_PATH__SYSTEM")
        if self.system or system_set and (system or "true").strip("'\"").lower() in _TRUE:
            return None
        flag = _flag_value(argv, "--path")
        if flag is not None:
            return flag
        if self.path is not None and self.local:
            return self.path
        is_set, value = lookup("BUNDLE_PATH")
        if is_set:
            return value or None
        if self.path is not None:
            return self.path
        deployment = self.deployment or any(word.value == "--deployment" for word in argv) \
            or (lookup("BUNDLE_DEPLOYMENT")[1] or "").lower() in _TRUE
        return _DEPLOYMENT_PATH if deployment else None
