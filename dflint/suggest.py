"""Did-you-mean suggestions, with BuildKit's rule so hints match ``docker build``.

BuildKit (``util/suggest``) proposes the closest option whose Levenshtein
distance is below 3, says nothing when the value is itself an option, and, when
matching ignores case, spells the suggestion in the value's case (all lower or
all upper). The config layer uses the same rule for unknown keys.
"""

from __future__ import annotations

from typing import Iterable, Optional

__all__ = ["levenshtein", "closest", "did_you_mean"]

_MAX_DISTANCE = 3  # exclusive, as in BuildKit and HCL


def levenshtein(a: str, b: str, limit: Optional[int] = None) -> int:
    """Edit distance (insert, delete, substitute; each costs 1) between two strings.

    With ``limit``, a distance of ``limit`` or more is given as ``limit``: the
    work stops at the first row of the table with nothing below it, since no
    row is smaller than the one before it.
    """
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if limit is not None and min(current) >= limit:
            return limit
        previous = current
    return previous[-1] if limit is None else min(previous[-1], limit)


def closest(value: str, options: Iterable[str], case_sensitive: bool = True) -> Optional[str]:
    """The option BuildKit would suggest for ``value``, or None.

    The first option at the smallest distance (< 3) wins; an exact match means
    the value was not the problem, so nothing is suggested.
    """
    probe = value if case_sensitive else value.lower()
    best: Optional[str] = None
    best_distance = _MAX_DISTANCE
    for option in options:
        candidate = option if case_sensitive else option.lower()
        if candidate == probe:
            return None
        if abs(len(candidate) - len(probe)) >= best_distance:
            continue  # the distance is at least the difference in length: cannot win
        distance = levenshtein(probe, candidate, best_distance)
        if distance < best_distance:
            best, best_distance = candidate, distance
    if best is None or case_sensitive:
        return best
    if value == value.upper() and value != value.lower():
        return best.upper()
    return best


def did_you_mean(value: str, options: Iterable[str], case_sensitive: bool = True) -> Optional[str]:
    """``"did you mean X?"`` for the closest option, or None."""
    match = closest(value, options, case_sensitive)
    return f"did you mean {match}?" if match else None
