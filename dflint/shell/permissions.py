"""chmod, chown and chgrp read as "set this mode/owner on these paths".

>>> from dflint.shell import parse_shell
>>> script = parse_shell("chmod -R 0755 /app ./bin && chown --from=root app:app /srv")
>>> [(c.tool, c.value, [p.value for p in c.paths], c.recursive, c.plain) for c in permission_changes(script)]
[('chmod', '0755', ['/app', './bin'], True, True), ('chown', 'app:app', ['/srv'], False, False)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from .model import Command, Script, Word
from .tools import in_new_root, unwrap

__all__ = ["PermissionChange", "find_change", "permission_change", "permission_changes", "static_path"]

_TOOLS = ("chmod", "chown", "chgrp")
#: Options that change nothing but the output or error reporting (and -R).
_PLAIN = frozenset({"-R", "--recursive", "-v", "--verbose", "-c", "--changes", "-f", "--silent", "--quiet"})
_MODE_LIKE = re.compile(r"-[rwxXst]+")  # chmod -x is a mode, not an option
_OWNER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(?::[A-Za-z0-9_][A-Za-z0-9_-]*)?")
_CHANGES_CWD = frozenset({"cd", "pushd", "popd"})
_SETS_VARIABLES = frozenset({"export", "read", "local", "declare", "typeset", "readonly", "unset", "set",
                             "eval", "source", ".", "mapfile", "readarray", "getopts"})


@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class PermissionChange:
    """``tool`` sets ``value`` (mode, owner or group; None with ``--reference``) on ``paths``.

    ``plain`` is true when the only options are ``-R`` and output/error ones,
    so the change means exactly "this value on these paths".
    """

    command: Command
    tool: str
    value: Optional[str]
    value_word: Optional[Word]
    paths: tuple[Word, ...]
    recursive: bool
    plain: bool
    #: Set by ``find ... -exec``: only the files its expression matches change.
    selective: bool = False

    @property
    def literal_owner(self) -> Optional[str]:
        """``user`` or ``user:group`` when chown names them literally."""
        word = self.value_word
        ok = self.tool == "chown" and word is not None and word.literal and _OWNER.fullmatch(word.value)
        return word.value if ok else None  # type: ignore[union-attr]


def permission_change(script: Script, command: Command) -> Optional[PermissionChange]:
    invocation = script.invocation(command)
    if invocation is None or invocation.program not in _TOOLS:
        return None
    operands = invocation.operands
    reference = invocation.has("--reference")
    value_word = None if reference or not operands else operands[0]
    paths = operands if reference else operands[1:]
    return PermissionChange(
        command, invocation.program, value_word.value if value_word else None, value_word, paths,
        invocation.has("-R", "--recursive"), all(o.name in _PLAIN for o in invocation.options),
    )


def find_change(script: Script, command: Command) -> Optional[PermissionChange]:
    """``find ROOT... -exec chmod|chown|chgrp VALUE {} +`` read as a recursive change of the roots.

    Only some files below the roots may match the expression, so the change
    is never ``plain``: it says which copied trees get new metadata, not
    exactly what a ``--chmod`` would set.
    """
    invocation = script.invocation(command)
    if invocation is None or invocation.program != "find":
        return None
    words = command.argv[unwrap(command.argv)[0] + 1:]  # not len(via): `sudo -u app find ...`
    start = 0
    while start < len(words) and words[start].value in ("-H", "-L", "-P"):
        start += 1
    roots = []
    for word in words[start:]:
        if word.value.startswith(("-", "(", "!", ",")) and word.literal:
            break
        roots.append(word)
    values = [w.value for w in words]
    if any(values[i] == "-type" and values[i + 1] == "d" for i in range(len(values) - 1)):
        return None  # directories only: their entries are all a new layer stores, not the files' data
    for index, value in enumerate(values):
        if value not in ("-exec", "-execdir", "-ok", "-okdir") or index + 1 >= len(values):
            continue
        tool = values[index + 1].rsplit("/", 1)[-1]
        if tool not in _TOOLS:
            continue
        arguments = [w for w in words[index + 2:] if w.value not in (";", "+")][:8]
        value_word = next((w for w in arguments if not w.value.startswith("-") or _MODE_LIKE.fullmatch(w.value)),
                          None)
        if value_word is None or value_word.value == "{}" or not roots:
            return None
        return PermissionChange(command, tool, value_word.value, value_word, tuple(roots), True, False, True)
    return None


def permission_changes(script: Script) -> Iterator[PermissionChange]:
    """The changes of ``script`` to the image's files: not those under chroot, whose paths are
    below the new root (``chroot /t chmod 755 /app`` changes /t/app)."""
    for command in script.commands:
        invocation = script.invocation(command)
        if invocation is None or invocation.program not in _TOOLS and invocation.program != "find":
            continue  # most commands: no change to look for
        if in_new_root(command):
            continue
        change = permission_change(script, command) or find_change(script, command)
        if change is not None and change.paths:
            yield change


def static_path(script: Script, word: Word, expand: Callable[[str], Optional[str]]) -> Optional[str]:
    """``word`` as a path the Dockerfile alone determines, or None.

    Variables are expanded with ``expand`` (the Dockerfile's ARG/ENV scope,
    which the RUN's environment holds) unless the script itself may set
    variables; a relative path is returned as is, or None when the script
    changes directory. ``~``, command substitutions and loops are unknown.
    """
    value = word.value
    if value.startswith("~") or "$(" in word.raw or "`" in word.raw:
        return None
    if value.startswith("/") and not word.has_expansion:
        return value  # most paths: nothing in the script can change what they name
    programs = {c.program for c in script.commands}
    if not value.startswith("/") and "$" not in value and programs & _CHANGES_CWD:
        return None
    if word.has_expansion:
        if programs & _SETS_VARIABLES or any(c.assignments or "loop" in c.contexts for c in script.commands):
            return None
        value = expand(value)
        if value is None or (not value.startswith("/") and programs & _CHANGES_CWD):
            return None
    return value
