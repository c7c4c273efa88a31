"""Formats of label values: URL, SemVer, RFC 3339 time, SPDX expression, git hash, e-mail.

:func:`value_problem` says what is wrong with a value for a declared type, or
None when it conforms. Each check is a little more lenient than hadolint's
(DL3052-DL3058), never stricter, where the standard allows it: an SPDX
*expression* (`MIT OR Apache-2.0`, what the OCI `licenses` annotation asks
for) rather than one id, abbreviated git hashes of any length from 7 and
SHA-256 ones, a name with the e-mail address (`Jane <jane@example.com>`).

>>> value_problem("url", "https://example.com/repo")
>>> value_problem("semver", "v1.2.3")
'not semantic versioning: drop the leading "v" (1.2.3)'
>>> value_problem("spdx", "MIT OR Apache-2.0")
>>> value_problem("spdx", "proprietary")
'not an SPDX license expression: unknown license id "proprietary" (a licence outside the SPDX list is written LicenseRef-<name>)'
>>> value_problem("spdx", "Apach-2.0")
'not an SPDX license expression: unknown license id "Apach-2.0" (did you mean Apache-2.0?)'
>>> value_problem("hash", "0f3c2a1")
>>> value_problem("rfc3339", "2024-02-30T10:00:00Z")
'not an RFC 3339 date and time: day is out of range for month'
"""

from __future__ import annotations

import re
from typing import Callable, Optional

__all__ = ["TYPES", "value_problem"]

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(.*)", re.S)
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_NEEDS_HOST = ("http", "https", "ftp", "ftps", "ws", "wss", "ssh", "git", "git+ssh", "git+https")


def _url(value: str) -> Optional[str]:
    """An absolute URI (RFC 3986): a scheme, then only URI characters; web schemes need a host."""
    match = _SCHEME.fullmatch(value)
    if not match or not match.group(2):
        return "not a URL: it needs a scheme, e.g. https://..."
    rest = match.group(2)
    bad = next((ch for ch in rest if ch in ' "<>\\^`{|}' or ord(ch) < 0x21 or ord(ch) > 0x7e), None)
    if bad is not None:
        return f"not a URL: {bad!r} must be percent-encoded" if bad != " " else "not a URL: it contains a space"
    if not _URI_CHARS.fullmatch(rest):
        return "not a URL: a % must start a percent-encoded byte (%XX)"
    if match.group(1).lower() in _NEEDS_HOST and not re.match(r"//[^/?#]+", rest):
        return f"not a URL: {match.group(1)}: needs //host"
    return None


_NUMBER = r"(?:0|[1-9][0-9]*)"
_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_IDENT}(?:\.{_IDENT})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?")


def _semver(value: str) -> Optional[str]:
    """Semantic Versioning 2.0.0: MAJOR.MINOR.PATCH[-pre-release][+build], no leading zeros."""
    if _SEMVER.fullmatch(value):
        return None
    if value[:1] in "vV" and _SEMVER.fullmatch(value[1:]):
        return f'not semantic versioning: drop the leading "{value[0]}" ({value[1:]})'
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", value):
        return "not semantic versioning: it needs MAJOR.MINOR.PATCH, e.g. 1.4.0"
    return "not semantic versioning: write MAJOR.MINOR.PATCH[-pre-release][+build], e.g. 1.4.0-rc.1"


_RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
                      r"(?:[Zz]|[+-]([0-9]{2}):([0-9]{2}))")


def _rfc3339(value: str) -> Optional[str]:
    """A full date and time with its offset (RFC 3339 section 5.6), e.g. 2024-05-01T12:30:00Z."""
    match = _RFC3339.fullmatch(value)
    if not match:
        return "not an RFC 3339 date and time: write e.g. 2024-05-01T12:30:00Z"
    year, month, day, hour, minute, second, off_h, off_m = (int(g) if g else 0 for g in match.groups())
    import datetime  # only for labels that hold a date: not worth its import at every start-up

    try:
        datetime.date(year, month, day)
    except ValueError as exc:
        return f"not an RFC 3339 date and time: {exc}"
    if hour > 23 or minute > 59 or second > 60 or off_h > 23 or off_m > 59:  # 60: a leap second
        return "not an RFC 3339 date and time: the time of day is out of range"
    return None


_LICENSE_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+")
_ADDITION_REF = re.compile(r"(?:DocumentRef-[A-Za-z0-9.-]+:)?AdditionRef-[A-Za-z0-9.-]+")


def _spdx(value: str) -> Optional[str]:
    """An SPDX license expression: ids (optionally `+`), `WITH` exceptions, `AND`, `OR`, parentheses."""
    if value in ("NONE", "NOASSERTION"):
        return None  # SPDX's "no licence" and "not stated"
    tokens = re.findall(r"[()]|[^\s()]+", value)
    try:
        position = _SpdxParser(tokens).parse()
    except ValueError as exc:
        return f"not an SPDX license expression: {exc}"
    if position != len(tokens):
        return f'not an SPDX license expression: unexpected "{tokens[position]}"'
    return None


class _SpdxParser:
    """Recursive descent over the tokens of an SPDX expression (operators in any case)."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def parse(self) -> int:
        if not self.tokens:
            raise ValueError("it is empty")
        self.expression()
        return self.pos

    def expression(self) -> None:
        self.term()
        while self.peek().upper() in ("AND", "OR"):
            self.pos += 1
            self.term()

    def term(self) -> None:
        token = self.peek()
        if token == "(":
            self.pos += 1
            self.expression()
            if self.peek() != ")":
                raise ValueError("a parenthesis is not closed")
            self.pos += 1
        elif not token or token == ")" or token.upper() in ("AND", "OR", "WITH"):
            raise ValueError(f'a license id is missing{" before " + repr(token) if token else " at the end"}')
        else:
            self.pos += 1
            self.license(token)
        if self.peek().upper() == "WITH":
            self.pos += 1
            self.exception(self.peek())

    def license(self, token: str) -> None:
        from .spdx_ids import LICENSES

        name = token[:-1] if token.endswith("+") else token
        if name.lower() in LICENSES or _LICENSE_REF.fullmatch(token):
            return
        hint = _suggest(name, LICENSES) or " (a licence outside the SPDX list is written LicenseRef-<name>)"
        raise ValueError(f'unknown license id "{token}"{hint}')

    def exception(self, token: str) -> None:
        from .spdx_ids import EXCEPTIONS

        if not token or token in "()":
            raise ValueError("an exception id is missing after WITH")
        self.pos += 1
        if token.lower() not in EXCEPTIONS and not _ADDITION_REF.fullmatch(token):
            raise ValueError(f'unknown license exception "{token}"{_suggest(token, EXCEPTIONS)}')


def _suggest(name: str, ids: dict[str, str]) -> str:
    """BuildKit's did-you-mean over the lower-cased ids, shown as the list spells the id."""
    from ..suggest import closest

    found = closest(name.lower(), ids)
    return f" (did you mean {ids[found]}?)" if found else ""


def _hash(value: str) -> Optional[str]:
    """A git commit id: 7 to 40 hex digits (abbreviated or full SHA-1), or 64 (SHA-256 repositories)."""
    if re.fullmatch(r"[0-9a-fA-F]+", value) and (7 <= len(value) <= 40 or len(value) == 64):
        return None
    return "not a git commit hash: write 7 to 40 hexadecimal digits (64 for a SHA-256 repository)"


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = rf'(?:{_ATOM}(?:\.{_ATOM})*|"(?:[^"\\\r\n]|\\.)*")'
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[^\[\]\\]*\])"
_ADDR_SPEC = re.compile(rf"{_LOCAL}@{_DOMAIN}")
_NAME_ADDR = re.compile(r'(?:[^<>"]|"(?:[^"\\]|\\.)*")*<(.*)>\s*')


def _email(value: str) -> Optional[str]:
    """An RFC 5322 mailbox: `user@example.com` or `Name <user@example.com>`; a comma-separated list of them."""
    for part in _split_mailboxes(value):
        part = part.strip()
        named = _NAME_ADDR.fullmatch(part)
        address = named.group(1).strip() if named else part
        if not _ADDR_SPEC.fullmatch(address):
            return f'not an e-mail address: "{part}"; write user@example.com or Name <user@example.com>'
    return None


def _split_mailboxes(value: str) -> list[str]:
    parts, current, quoted, angle = [], [], False, False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        elif ch == "<" and not quoted:
            angle = True
        elif ch == ">" and not quoted:
            angle = False
        if ch == "," and not quoted and not angle:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


#: Every type a label can be declared with; ``text`` takes any value.
TYPES: dict[str, Callable[[str], Optional[str]]] = {
    "url": _url, "semver": _semver, "rfc3339": _rfc3339, "spdx": _spdx, "hash": _hash, "email": _email,
    "text": lambda value: None,
}


def value_problem(kind: str, value: str) -> Optional[str]:
    """Why ``value`` is not a ``kind`` (one of :data:`TYPES`), or None."""
    return TYPES[kind](value)
