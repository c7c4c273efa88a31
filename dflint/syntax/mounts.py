"""Splitting ``RUN --mount=`` values into fields, as BuildKit does (CSV, one record)."""

from __future__ import annotations

import csv
from typing import Optional

from ..ast import Flag, Mount


class MountSyntaxError(ValueError):
    """The mount value is not a valid CSV record."""


def split_fields(value: str) -> list[str]:
    """The comma-separated fields of a mount value; double quotes group a field."""
    if value == "":
        return []
    try:
        return next(csv.reader([value], strict=True))
    except csv.Error as exc:
        raise MountSyntaxError(f"failed to parse csv mounts: {exc}") from None


def parse_mount(flag: Flag) -> Mount:
    """A :class:`Mount` from a ``--mount`` flag (fields unvalidated; see validate.py)."""
    fields: list[tuple[str, Optional[str]]] = []
    mount_type = "bind"
    try:
        parts = split_fields(flag.value or "")
    except MountSyntaxError:
        parts = []
    for field in parts:
        key, sep, value = field.partition("=")
        key = key.lower()
        fields.append((key, value if sep else None))
        if key == "type" and sep:
            mount_type = value.lower()
    return Mount(flag, mount_type, tuple(fields))
