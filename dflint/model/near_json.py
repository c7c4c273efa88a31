"""Arguments that look like a JSON array but are not one, so BuildKit reads them in shell form.

BuildKit takes an instruction's arguments as the exec form only when they are
a valid JSON array of strings; anything else (``['a', 'b']``, ``["a", "b",]``,
``[a, b]``, ``["a", 1]``, ``["a"] extra``) silently falls back to the shell
form. :func:`read_near_json` reads such text leniently and says what is wrong
with it, element by element, and :func:`repaired` gives the JSON it most
likely meant, when that is unambiguous.

>>> found = read_near_json("['node', 'server.js',]")
>>> [(p.kind, found.text[p.start:p.end]) for p in found.problems]
[('single-quotes', "'node'"), ('single-quotes', "'server.js'"), ('trailing-comma', ',')]
>>> repaired(found)
'["node", "server.js"]'
>>> read_near_json('[ -f /etc/os-release ]') is None
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

__all__ = ["Element", "Problem", "NearJson", "read_near_json", "repaired", "replacements"]

_SPACE = " \t\r\n"


@dataclass(frozen=True)
class Element:
    """One element as written: ``kind`` is ``double``, ``single`` or ``bare``;
    ``value`` its string (None when it cannot be known: a bad escape, a
    backslash in single quotes)."""

    start: int
    end: int
    kind: str
    value: Optional[str]


@dataclass(frozen=True)
class Problem:
    """What keeps the text from being JSON, at ``[start, end)``.

    ``kind``: ``single-quotes``, ``unquoted`` (a bare word, number, ``true``
    or ``null``: not a string), ``bad-string`` (a double-quoted string that
    is not valid JSON), ``trailing-comma``, ``empty-element`` (``,,``),
    ``missing-comma`` (the space between two strings), ``unclosed`` (no
    ``]``: an empty span at the end), ``trailing-text`` (after the closing
    bracket).
    """

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class NearJson:
    """A bracketed list read leniently; ``close`` is the index of its ``]``."""

    text: str
    elements: tuple[Element, ...]
    problems: tuple[Problem, ...]
    open: int
    close: int
    commas: tuple[int, ...]


def read_near_json(text: str) -> Optional[NearJson]:
    """``text`` read as a bracketed, comma-separated list, when it is one and is not valid
    JSON of strings; None otherwise (valid JSON, or not list-like: ``[ -f x ]``, ``[abc]``).

    A single element without commas counts when it is quoted (``['app']``)
    or nothing follows the bracket (``[app]``, not the glob ``[abc]* /dst``);
    callers decide about ``[ 'x' ]``, which is also a shell test.
    """
    i = _skip(text, 0)
    if i >= len(text) or text[i] != "[":
        return None
    opening = i
    elements: list[Element] = []
    problems: list[Problem] = []
    commas: list[int] = []
    i = _skip(text, i + 1)
    if i < len(text) and text[i] == "]" and not text[i + 1:].strip():
        return None  # [] is valid JSON
    while True:
        if i >= len(text):
            return _unclosed(text, elements, problems, opening, commas)
        ch = text[i]
        if ch in ",]":
            if ch == "]" and not commas and not elements:
                return None
            kind = "trailing-comma" if ch == "]" else "empty-element"
            problems.append(Problem(kind, commas[-1], commas[-1] + 1) if kind == "trailing-comma" and commas
                            else Problem(kind, i, i + 1))
        else:
            element = _element(text, i)
            if element is None:
                return None
            elements.append(element)
            if element.kind != "double" or element.value is None:
                kind = {"single": "single-quotes", "bare": "unquoted"}.get(element.kind, "bad-string")
                problems.append(Problem(kind, element.start, element.end))
            i = _skip(text, element.end)
            if i >= len(text):
                return _unclosed(text, elements, problems, opening, commas)
            if text[i] in "\"'" and element.kind != "bare" and i > element.end:
                problems.append(Problem("missing-comma", element.end, i))  # ["a" "b"]
                continue
            if text[i] not in ",]":
                return None  # two words in a row: not a list
            ch = text[i]
        if ch == "]":
            break
        commas.append(i)
        i = _skip(text, i + 1)
    close = i
    rest = _skip(text, close + 1)
    if rest < len(text):
        problems.append(Problem("trailing-text", rest, len(text.rstrip(_SPACE))))
    if not commas and (len(elements) != 1 or (elements[0].kind == "bare" and rest < len(text))) \
            and not any(p.kind == "missing-comma" for p in problems):
        return None
    if not problems:
        return None
    return NearJson(text, tuple(elements), tuple(problems), opening, close, tuple(commas))


def _unclosed(text: str, elements: list[Element], problems: list[Problem], opening: int,
              commas: list[int]) -> Optional[NearJson]:
    """The text ends inside the list: a list only when a comma was seen (``["a",``, ``["a", "b"``)."""
    if not commas:
        return None
    end = len(text.rstrip(_SPACE))
    problems.append(Problem("unclosed", end, end))
    return NearJson(text, tuple(elements), tuple(problems), opening, len(text), tuple(commas))


def repaired(found: NearJson) -> Optional[str]:
    """The JSON array ``found`` means when its only problems are single quotes and a
    trailing comma (spacing kept); None otherwise."""
    if any(p.kind not in ("single-quotes", "trailing-comma") for p in found.problems):
        return None
    if any(e.value is None for e in found.elements):
        return None
    out, last = [], found.open
    for start, end, replacement in replacements(found):
        out.append(found.text[last:start])
        out.append(replacement)
        last = end
    out.append(found.text[last:found.close + 1])
    result = "".join(out)
    try:
        value = json.loads(result)
    except ValueError:
        return None
    return result if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def replacements(found: NearJson) -> list[tuple[int, int, str]]:
    """The edits (start, end, new text) :func:`repaired` makes, in order."""
    edits = []
    for problem in found.problems:
        if problem.kind == "trailing-comma":
            edits.append((problem.start, problem.end, ""))
    for element in found.elements:
        if element.kind == "single" and element.value is not None:
            edits.append((element.start, element.end, json.dumps(element.value, ensure_ascii=False)))
    return sorted(edits)


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACE:
        i += 1
    return i


def _element(text: str, i: int) -> Optional[Element]:
    ch = text[i]
    if ch == '"':
        j = i + 1
        while j < len(text) and text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        if j >= len(text):
            return None
        try:
            value = json.loads(text[i:j + 1])
        except ValueError:
            value = None
        return Element(i, j + 1, "double", value)
    if ch == "'":
        j = text.find("'", i + 1)
        if j < 0:
            return None
        inner = text[i + 1:j]
        return Element(i, j + 1, "single", None if "\\" in inner else inner)
    j = i
    while j < len(text) and text[j] not in _SPACE and text[j] not in ",]'\"[":
        j += 1
    if j == i:
        return None
    return Element(i, j, "bare", text[i:j])
