""".dockerignore files: where BuildKit finds them, and which paths they exclude.

The rules follow BuildKit's ``moby/patternmatcher`` (and its ``ignorefile``
reader) exactly:

* lines starting with ``#`` are comments; others are trimmed, a leading ``!``
  marks an exception (a path to include again), the pattern is cleaned like
  Go's ``filepath.Clean`` and a leading ``/`` is dropped;
* ``*`` matches any run of characters but ``/``, ``?`` one character but
  ``/``, ``[...]`` a character class, ``\\`` escapes the next character;
  ``**`` matches any number of directories, zero included;
* a path is excluded when the last pattern that matches it, or matches one
  of its parent directories, is not an exception.

Where the file is (:func:`find_dockerignore`) assumes the build context is
the Dockerfile's directory, as in ``docker build -f dir/Dockerfile dir``:
``<Dockerfile>.dockerignore`` next to the Dockerfile wins, as in BuildKit,
then ``.dockerignore`` in that directory. A context elsewhere cannot be
seen from the Dockerfile.

>>> ignore = DockerIgnore.parse("# build output\\nnode_modules\\n/dist/\\n**/*.log\\n*.md\\n!README.md\\n")
>>> [p.text for p in ignore.patterns]
['node_modules', 'dist', '**/*.log', '*.md', '!README.md']
>>> [ignore.excludes(p) for p in ("node_modules/x/index.js", "dist", "src/a.log", "CHANGES.md", "README.md")]
[True, True, True, True, False]
>>> ignore.ignored("node_modules"), ignore.ignored("CHANGES.md"), ignore.ignored("docs/x.md")
(True, True, False)
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from typing import Optional

__all__ = ["Pattern", "DockerIgnore", "find_dockerignore", "go_clean"]


#: Characters that are special in a regular expression but not in a pattern (BuildKit's list).
_ESCAPED = frozenset(".+()|{}$")
_GLOB = re.compile(r"[*?\[]")


def go_clean(path: str) -> str:
    """Go's ``path.Clean``: the shortest equivalent path (``""`` is ``.``)."""
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


@dataclass(frozen=True)
class Pattern:
    """One line of a .dockerignore: ``text`` as cleaned (``!`` kept), how it matches."""

    text: str
    exclusion: bool
    kind: str  # "exact", "prefix", "suffix" or "regexp"
    body: str
    regexp: Optional[re.Pattern[str]] = None

    @classmethod
    def compile(cls, line: str) -> "Pattern":
        """``line`` as patternmatcher reads it; ValueError for a pattern Go rejects."""
        exclusion = line.startswith("!")
        body = go_clean(line[1:] if exclusion else line)
        if exclusion and not line[1:]:
            raise ValueError('illegal exclusion pattern: "!"')
        kind, regexp = _compile(body)
        return cls(("!" if exclusion else "") + body, exclusion, kind, body, regexp)

    @property
    def parts(self) -> list[str]:
        return self.body.split("/")

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.body
        if self.kind == "prefix":
            return path.startswith(self.body[:-2])
        if self.kind == "suffix":
            suffix = self.body[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        assert self.regexp is not None
        return self.regexp.match(path) is not None


def _compile(pattern: str) -> tuple[str, Optional[re.Pattern[str]]]:
    """patternmatcher's ``Pattern.compile``: the match type and, for globs, the regexp."""
    out, kind, i, first, n = "^", "exact", 0, True, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*" and i < n and pattern[i] == "*":
            i += 1
            if i < n and pattern[i] == "/":
                i += 1
            if i >= n:
                if kind == "exact":
                    kind = "prefix"
                else:
                    out, kind = out + ".*", "regexp"
            else:
                out, kind = out + "(.*/)?", "regexp"
            if first:
                kind = "suffix"
        elif ch == "*":
            out, kind = out + "[^/]*", "regexp"
        elif ch == "?":
            out, kind = out + "[^/]", "regexp"
        elif ch in _ESCAPED:
            out += "\\" + ch
        elif ch == "\\":
            if i < n:
                out, kind = out + "\\" + pattern[i], "regexp"
                i += 1
            else:
                out += "\\\\"
        elif ch in "[]":
            out, kind = out + ch, "regexp"
        else:
            out += ch  # as Go does: a `^` in the middle anchors, and never matches
        first = False
    _check_syntax(pattern)
    if kind != "regexp":
        return kind, None
    try:
        return kind, re.compile(out + "$", re.S)
    except re.error as error:
        raise ValueError(f"bad pattern {pattern!r}: {error}") from None


def _check_syntax(pattern: str) -> None:
    """Go's ``filepath.Match`` rejects an unterminated ``[`` class or a trailing ``\\``."""
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise ValueError(f"bad pattern {pattern!r}: trailing backslash")
            i += 2
            continue
        if ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ValueError(f"bad pattern {pattern!r}: unterminated [")
            i = end
        i += 1


def read_patterns(text: str) -> list[str]:
    """The patterns of a .dockerignore (``ignorefile.ReadAll``)."""
    found = []
    for number, line in enumerate(text.split("\n")):
        line = line.removesuffix("\r")
        if number == 0:
            line = line.removeprefix("\ufeff")
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = line[1:].strip()
        if line:
            line = go_clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        found.append("!" + line if invert else line)
    return found


@dataclass(frozen=True)
class DockerIgnore:
    """The patterns of one .dockerignore file (``path`` None when parsed from text)."""

    patterns: tuple[Pattern, ...]
    path: Optional[str] = None

    @classmethod
    def parse(cls, text: str, path: Optional[str] = None) -> "DockerIgnore":
        """ValueError when a pattern is invalid (BuildKit then fails the build)."""
        return cls(tuple(Pattern.compile(line) for line in read_patterns(text)), path)

    @property
    def exclusions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def _matches(self, pattern: Pattern, path: str) -> bool:
        if pattern.match(path):
            return True
        parent = posixpath.dirname(path)
        if not parent:
            return False
        dirs = parent.split("/")
        return any(pattern.match("/".join(dirs[:i + 1])) for i in range(len(dirs)))

    def excludes(self, path: str) -> bool:
        """``path`` (relative to the context) is left out of the context
        (patternmatcher's ``MatchesOrParentMatches``)."""
        path = go_clean(path)
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            if self._matches(pattern, path):
                matched = not pattern.exclusion
        return matched

    def ignored(self, source: str) -> bool:
        """A COPY source names nothing the context holds: it is excluded, and no
        exception (``!pattern``) could bring back it or anything below it.

        The context root (``.``) counts as ignored only when a pattern
        excludes every entry (``*``, ``**``, ``**/*``). A source with
        wildcards is compared as written, as BuildKit does.
        """
        source = go_clean(source).lstrip("/") or "."
        if source == ".":
            if not any(not p.exclusion and p.body in ("*", "**", "**/*") for p in self.patterns):
                return False
        elif not self.excludes(source):
            return False
        return not any(p.exclusion and _may_reach(p, source) for p in self.patterns)


def _may_reach(pattern: Pattern, source: str) -> bool:
    """The exception ``pattern`` may match ``source``, one of its parents or a path below it."""
    if source == "." or "**" in pattern.body:
        return True
    parts = source.split("/")
    for want, have in zip(pattern.parts, parts):
        if _GLOB.search(have):
            return True
        try:
            if not Pattern.compile(want).match(have):
                return False
        except ValueError:
            return True
    return True


def find_dockerignore(dockerfile: str) -> Optional[DockerIgnore]:
    """The ignore file BuildKit applies to a build of ``dockerfile`` whose context is the
    Dockerfile's directory; None when there is none, or it cannot be read or parsed."""
    if not dockerfile or dockerfile == "-":
        return None
    directory = os.path.dirname(dockerfile) or "."
    for candidate in (dockerfile + ".dockerignore", os.path.join(directory, ".dockerignore")):
        try:
            with open(candidate, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        try:
            return DockerIgnore.parse(data.decode("utf-8", errors="replace"), candidate)
        except ValueError as error:
            import logging

            logging.getLogger(__name__).debug("%s: %s", candidate, error)
            return None
    return None
