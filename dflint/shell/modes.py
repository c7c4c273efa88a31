"""chmod's modes, octal (``755``) and symbolic (``u+x,go-w``), applied to a file's mode as chmod applies them.

``COPY --chmod`` takes the same modes (symbolic ones from Dockerfile 1.14),
but applies a symbolic mode as if the umask were 0, where chmod in a RUN
leaves the bits of its umask (022 in a build) alone when a clause names no
one (``+w`` is ``u+w`` there, ``a+w`` for COPY). :func:`copy_equivalent`
says when the two agree.

>>> oct(apply_mode("+x", 0o644))
'0o755'
>>> oct(apply_mode("u=rwX,go=rX", 0o600))
'0o644'
>>> copy_equivalent("+x"), copy_equivalent("+w"), copy_equivalent("0755")
('+x', None, '0755')
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["BUILD_UMASK", "apply_mode", "copy_equivalent", "is_octal", "is_symbolic"]

#: The umask a RUN starts with.
BUILD_UMASK = 0o022

_OCTAL = re.compile(r"[0-7]{1,4}")
# A clause: who letters, then one or more operators, each with permission letters or one class to copy.
_CLAUSE = re.compile(r"([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)")
_ACTION = re.compile(r"([-+=])([ugo]|[rwxXst]*)")
_CLASS_BITS = {"u": 0o4700, "g": 0o2070, "o": 0o1007}  # a class's permissions, its set-id bit, sticky with o
_SHIFT = {"u": 6, "g": 3, "o": 0}


def is_octal(text: str) -> bool:
    return bool(_OCTAL.fullmatch(text))


def is_symbolic(text: str) -> bool:
    return bool(text) and all(_CLAUSE.fullmatch(clause) for clause in text.split(","))


def apply_mode(text: str, mode: int, umask: int = BUILD_UMASK, directory: bool = False) -> Optional[int]:
    """The mode (permission, set-id and sticky bits) of a file of ``mode`` after ``chmod text``,
    under ``umask``; None when ``text`` is not a mode."""
    if is_octal(text):
        return int(text, 8)
    if not is_symbolic(text):
        return None
    mode &= 0o7777
    for clause in text.split(","):
        match = _CLAUSE.fullmatch(clause)
        assert match is not None  # is_symbolic checked every clause
        who_letters, actions = match.groups()
        classes = "ugo" if not who_letters or "a" in who_letters else "".join(c for c in "ugo" if c in who_letters)
        affected = sum(_CLASS_BITS[c] for c in classes)
        # With no one named, the umask's bits are neither set nor cleared (`=` still clears them).
        who = affected & ~umask if not who_letters else affected
        for operator, permissions in _ACTION.findall(actions):
            bits = _permission_bits(permissions, mode, directory) & who
            if operator == "+":
                mode |= bits
            elif operator == "-":
                mode &= ~bits
            else:  # =: the class's bits are these and only these (chmod keeps a directory's set-id bits)
                cleared = affected & ~(0o6000 if directory else 0)
                mode = (mode & ~cleared) | bits
    return mode


def _permission_bits(permissions: str, mode: int, directory: bool) -> int:
    """The bits ``permissions`` (letters, or one class to copy) stand for, before who and the umask select."""
    if permissions in _SHIFT:  # g=u: the class's current rwx, for each class named
        rwx = (mode >> _SHIFT[permissions]) & 0o7
        return rwx * 0o111
    bits = 0
    for letter in permissions:
        if letter == "r":
            bits |= 0o444
        elif letter == "w":
            bits |= 0o222
        elif letter == "x" or letter == "X" and (directory or mode & 0o111):
            bits |= 0o111
        elif letter == "s":
            bits |= 0o6000
        elif letter == "t":
            bits |= 0o1000
    return bits


def copy_equivalent(text: str) -> Optional[str]:
    """What ``COPY --chmod=`` must say to do what ``chmod text`` does in a RUN, or None when no
    mode does it for every file: a symbolic clause that names no one does the same only when the
    umask cannot matter (no ``w``, no ``=``, no class copied)."""
    if is_octal(text):
        return text
    if not is_symbolic(text):
        return None
    for clause in text.split(","):
        match = _CLAUSE.fullmatch(clause)
        assert match is not None
        who_letters, actions = match.groups()
        if not who_letters and any(c in actions for c in "w=ugo"):
            return None
    return text
