"""Keeps what Python compiles at every start-up between runs, as .pyc files keep a module's code.

Two things dominated dflint's cold start once its modules' .pyc files existed:

* every ``@dataclass`` compiles its ``__init__``, ``__repr__``, frozen
  ``__setattr__``... from generated source: about 580 small compiles, 60-75 ms
  (namedtuples' ``__new__`` and typing's forward references, ~2 ms more);
* every regular expression is parsed and compiled by the pure-Python
  ``re`` compiler: about 200 patterns, 20-25 ms.

Both results depend only on their input text, so :func:`startup_cache` keeps
them in one marshal file beside dflint's .pyc files: code objects keyed by the
generated source, regex programs keyed by pattern and flags. What is built
from the cache is what Python would build: the same code compiled with the
same flags, the same program handed to the same ``_sre.compile``.

It also packs dflint's own modules' code (see :mod:`dflint.module_pack`), so
that importing them costs one read of this file instead of a lookup, a stat
and a .pyc read each.

The hooks are module-level stand-ins for builtins that stdlib modules call
by name (``exec`` in ``dataclasses``, ``eval`` in ``collections``,
``compile`` in ``typing``), ``compile`` in the ``re`` compiler module and the
pack's finder first on ``sys.meta_path``, all present only inside the context. The
regex hook relies on the compiler's internal steps, unchanged from Python
3.10 to 3.13; it is installed only after a probe pattern built through it
matches what ``re`` itself builds, so a Python that does it differently just
runs without that part of the cache. The file is
keyed by the exact interpreter version and optimization level; a damaged or
foreign file is ignored.
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Optional

# Past this many entries a save keeps only what the run used (no unbounded growth).
_MAX_ENTRIES = 6000
_FILE_NAME = f"startup.{sys.implementation.cache_tag}.marshal"
_PROBE = r"(?P<word>\w+)-(\d+)|[^\s:]+"
# Modules of these top-level packages are packed (dflint's own; its rules are dflint.rules).
_PACKAGES = ("dflint",)


# The layout of the file's entries; a file of another layout is ignored (it outlives upgrades of dflint).
_FORMAT = 2


def _version() -> tuple[int, int, int]:
    """What the cache depends on: the exact interpreter, -O/-OO (asserts, docstrings), the file's layout."""
    return (sys.hexversion, sys.flags.optimize, _FORMAT)


def cache_path() -> Optional[str]:
    """Where the cache lives; None without a cache tag, or when ``DFLINT_NO_CACHE`` is set.

    Beside dflint's .pyc files (following ``sys.pycache_prefix`` like them);
    when dflint is installed where this user cannot write, in the user's
    cache directory instead, one file per installation. It is written under
    ``PYTHONDONTWRITEBYTECODE`` too: that setting is about the .pyc files of
    imports, which pip has already written for dflint, and without this file
    every cold run compiles ~580 dataclass methods and ~200 regular
    expressions again (twice the start-up). ``DFLINT_NO_CACHE`` turns it off.
    """
    if sys.implementation.cache_tag is None or os.environ.get("DFLINT_NO_CACHE"):
        return None
    package_dir = os.path.dirname(os.path.abspath(__file__))
    if sys.pycache_prefix:
        drive, rest = os.path.splitdrive(package_dir)
        return os.path.join(sys.pycache_prefix, drive.replace(":", ""), rest.lstrip(os.sep), _FILE_NAME)
    pycache = os.path.join(package_dir, "__pycache__")
    if os.access(pycache if os.path.isdir(pycache) else package_dir, os.W_OK):
        return os.path.join(pycache, _FILE_NAME)
    return os.path.join(_user_cache_dir(), f"{_installation_key(package_dir)}.{_FILE_NAME}")


def _user_cache_dir() -> str:
    if sys.platform == "win32":  # pragma: no cover
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":  # pragma: no cover
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "dflint")


def _installation_key(package_dir: str) -> str:
    import zlib

    return format(zlib.crc32(package_dir.encode("utf-8", "surrogateescape")), "08x")


def _regex_modules() -> Optional[tuple[Any, Any, Any]]:
    """The regex compiler, parser and ``_sre`` of this Python, or None if their shape is unknown."""
    try:
        import _sre
        if sys.version_info >= (3, 11):
            from re import _compiler as compiler, _parser as parser
        else:  # pragma: no cover - Python 3.10
            import sre_compile as compiler
            import sre_parse as parser
    except ImportError:  # pragma: no cover - another implementation
        return None
    if not all(callable(getattr(module, name, None)) for module, name in
               ((compiler, "compile"), (compiler, "_code"), (parser, "parse"), (_sre, "compile"))):
        return None  # pragma: no cover
    return compiler, parser, _sre


class StartupCache:
    """Generated dataclass code, regex programs and dflint's modules' code, loaded from and saved to ``path``."""

    def __init__(self, path: Optional[str]) -> None:
        self.path = path
        self.codes: dict[str, Any] = {}
        self.programs: dict[tuple, tuple] = {}
        self.modules: dict[str, tuple] = {}
        if path:
            self._load()
        self.used_codes: dict[str, Any] = {}
        self.used_programs: dict[tuple, tuple] = {}
        self.used_modules: dict[str, tuple] = {}
        self.missed = 0

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:  # type: ignore[arg-type]
                version, codes, programs, modules = marshal.loads(handle.read())
        except (OSError, EOFError, ValueError, TypeError):  # absent, truncated or foreign: start empty
            return
        if version == _version() and all(isinstance(part, dict) for part in (codes, programs, modules)):
            self.codes, self.programs, self.modules = codes, programs, modules

    # dataclasses, namedtuples, typing's forward references

    def _code(self, source: str, mode: str) -> Any:
        """``source`` compiled as ``exec``/``eval`` of a string would, from the cache when it is there."""
        key: Any = source if mode == "exec" else (mode, source)
        code = self.codes.get(key)
        if code is None:
            # dont_inherit: compiled as the stdlib module's own call would, not with this module's __future__ flags.
            code = compile(source, "<string>", mode, dont_inherit=True)
            self.codes[key] = code
            self.missed += 1
        self.used_codes[key] = code
        return code

    def exec(self, source: Any, globals: Optional[dict] = None, locals: Optional[dict] = None) -> None:
        """Stands in for ``exec`` inside ``dataclasses`` (its generated methods)."""
        builtins.exec(self._code(source, "exec") if isinstance(source, str) else source, globals, locals)

    def eval(self, source: Any, globals: Optional[dict] = None, locals: Optional[dict] = None) -> Any:
        """Stands in for ``eval`` inside ``collections`` (each namedtuple's ``__new__``)."""
        return builtins.eval(self._code(source, "eval") if isinstance(source, str) else source, globals, locals)

    def compile(self, source: Any, filename: Any, mode: str, flags: int = 0, dont_inherit: bool = False,
                optimize: int = -1) -> Any:
        """Stands in for ``compile`` inside ``typing`` (a ForwardRef compiles its annotation string)."""
        if isinstance(source, str) and filename == "<string>" and mode == "eval" and not flags and optimize == -1:
            return self._code(source, "eval")
        return builtins.compile(source, filename, mode, flags, True, optimize)  # typing has no __future__ flags

    # regular expressions

    def regex_compiler(self, original: Callable, parser: Any, sre: Any, compiler: Any) -> Callable:
        """A stand-in for the ``re`` compiler's ``compile`` that serves programs from the cache."""
        debug = getattr(compiler, "SRE_FLAG_DEBUG", 128)

        def build(pattern: Any, flags: int = 0) -> Any:
            if not isinstance(pattern, (str, bytes)) or flags & debug:
                return original(pattern, flags)  # parsed subpatterns (re.Scanner) and debug output
            key = (pattern, int(flags))  # int: a RegexFlag (an int subclass) cannot be marshalled
            program = self.programs.get(key)
            if program is None:
                program = _program(pattern, flags, parser, compiler)
                self.programs[key] = program
                self.missed += 1
            self.used_programs[key] = program
            return sre.compile(*program)

        return build

    # dflint's modules

    def pack_modules(self, imported: Iterable[str], served: dict[str, tuple]) -> None:
        """Packs the modules this run imported the usual way (new, or edited since they were packed)."""
        if not self.path:
            return  # nothing will be saved
        from .module_pack import record

        fresh = record((name for name in imported if name not in served), _PACKAGES)
        self.modules.update(fresh)
        self.missed += len(fresh)
        self.used_modules = {**served, **fresh}

    def save(self) -> None:
        """Writes the cache when this run compiled something new; atomically, never failing the run."""
        if not self.missed or not self.path:
            return
        codes, programs, modules = self.codes, self.programs, self.modules
        if len(codes) + len(programs) + len(modules) > _MAX_ENTRIES:
            codes, programs = self.used_codes, self.used_programs
            modules = self.used_modules
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.write(marshal.dumps((_version(), codes, programs, modules)))
            os.replace(temporary, self.path)
        except (OSError, ValueError):  # read-only installation: behave like Python without a writable __pycache__
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _program(pattern: Any, flags: int, parser: Any, compiler: Any) -> tuple:
    """The arguments the ``re`` compiler hands to ``_sre.compile`` for this pattern (its own steps)."""
    parsed = parser.parse(pattern, flags)
    code = [int(op) for op in compiler._code(parsed, flags)]  # opcodes are int subclasses marshal refuses
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return (pattern, int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))


def _same_pattern(a: Any, b: Any) -> bool:
    sample = "some-12 words: x"
    return (a.pattern, a.flags, a.groups, dict(a.groupindex)) == (b.pattern, b.flags, b.groups, dict(b.groupindex)) \
        and [m.groups() for m in a.finditer(sample)] == [m.groups() for m in b.finditer(sample)]


def _install_regex_hook(cache: StartupCache) -> Optional[Callable[[], None]]:
    modules = _regex_modules()
    if modules is None:
        return None  # pragma: no cover
    compiler, parser, sre = modules
    original = compiler.compile
    build = cache.regex_compiler(original, parser, sre, compiler)
    try:
        if not _same_pattern(sre.compile(*_program(_PROBE, 0, parser, compiler)), original(_PROBE, 0)):
            return None  # pragma: no cover - a compiler that works differently
    except Exception:  # pragma: no cover
        return None
    compiler.compile = build

    def uninstall() -> None:
        if compiler.compile is build:
            compiler.compile = original

    return uninstall


@contextmanager
def startup_cache(path: Optional[str] = None) -> Iterator[Optional[StartupCache]]:
    """Serves compiled start-up code, regex programs and dflint's modules from the cache while the block runs,
    then saves what the run added.

    Nested use is a no-op: the outermost context owns the cache.
    """
    import collections
    import dataclasses
    import typing

    if "exec" in vars(dataclasses):
        yield None
        return
    from .module_pack import PackFinder

    cache = StartupCache(path or cache_path())
    # Each stdlib module calls the builtin by name: a module global of that name stands in.
    stand_ins = ((dataclasses, "exec", cache.exec), (collections, "eval", cache.eval),
                 (typing, "compile", cache.compile))
    for module, name, stand_in in stand_ins:
        if name not in vars(module):
            setattr(module, name, stand_in)
    uninstall_regex = _install_regex_hook(cache)
    finder = PackFinder(cache.modules)
    sys.meta_path.insert(0, finder)
    already = dict(sys.modules)
    try:
        yield cache
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        if uninstall_regex:
            uninstall_regex()
        for module, name, stand_in in stand_ins:
            if vars(module).get(name) == stand_in:
                delattr(module, name)
        cache.pack_modules([name for name, module in list(sys.modules.items()) if already.get(name) is not module],
                           finder.served)
        cache.save()
