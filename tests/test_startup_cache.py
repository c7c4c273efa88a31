"""The start-up cache: what it builds must be exactly what Python builds, and it must never hurt a run."""

import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dflint import startup_cache as sc
from dflint.module_pack import PackFinder, stamp
from dflint.startup_cache import StartupCache, startup_cache

ROOT = Path(__file__).resolve().parent.parent

# Patterns that exercise the compiler's corners: named groups and references, lookarounds,
# inline and passed flags, verbose mode, unicode classes, bytes, repeats and alternations.
PATTERNS = [
    (r"(?P<name>[a-z]+)=(?P<value>.*)", 0),
    (r"(?i)^from\s+(\S+)(?:\s+as\s+(\S+))?$", 0),
    (r"(?<=\$)\{?([A-Za-z_][A-Za-z0-9_]*)\}?", 0),
    (r"^\s*#\s*(?:dflint|hadolint)\b(?!-)", re.MULTILINE),
    (r"""
        (?P<key> [^=\s]+ )   # the key
        =
        (?P<q>["']?) (?P<val> .*? ) (?P=q) $
    """, re.VERBOSE),
    (r"[\w.-]+@sha256:[0-9a-f]{64}", re.ASCII),
    (r"ü+|ß{2,3}?|[^\W\d]+", re.UNICODE | re.IGNORECASE),
    (rb"\x00+(?:abc|de)*\Z", 0),
    (r"a{3,}|b*?c+?|(x|y|z)\1", re.DOTALL),
    (r"(?s:.)(?x: a b )(?-i:Q)", re.IGNORECASE),
]
SAMPLES = ["name=value", "FROM python:3 AS build", "echo ${HOME} $PATH", "# dflint: ignore=DF001",
           "  # hadolint-x", 'key = "quoted"', "key='v'", "img@sha256:" + "a" * 64, "ÜüSSßß straße",
           "aaab bbbccc xx yy zz", "Q q A B", ""]


@pytest.fixture(autouse=True)
def writes_bytecode(monkeypatch):
    # Imports write .pyc files, as on a machine without PYTHONDONTWRITEBYTECODE (it may be set here):
    # the tests of packed modules compare with, and remove, those files.
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def _behaviour(pattern: re.Pattern):
    samples = [s.encode("latin-1", "replace") for s in SAMPLES] + [b"\x00\x00abcde"] \
        if isinstance(pattern.pattern, bytes) else SAMPLES
    return (pattern.pattern, pattern.flags, pattern.groups, dict(pattern.groupindex),
            [[(m.span(), m.groups()) for m in pattern.finditer(s)] for s in samples])


def _fresh(pattern, flags):
    re.purge()  # the re module's own cache would hide the compiler
    return re.compile(pattern, flags)


def test_regex_programs_from_the_cache_behave_like_re(tmp_path):
    path = str(tmp_path / "cache.marshal")
    expected = [_behaviour(re.compile(p, f)) for p, f in PATTERNS]
    with startup_cache(path) as first:
        built = [_behaviour(_fresh(p, f)) for p, f in PATTERNS]
    assert built == expected
    assert first.missed >= len(PATTERNS)
    with startup_cache(path) as second:
        loaded = [_behaviour(_fresh(p, f)) for p, f in PATTERNS]
    assert loaded == expected
    assert second.missed == 0  # every program came from the file


def test_invalid_patterns_fail_as_in_re(tmp_path):
    with startup_cache(str(tmp_path / "cache.marshal")):
        with pytest.raises(re.error, match="missing \\)"):
            _fresh(r"(unclosed", 0)


def _define():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: int = 0
        tags: tuple = dataclasses.field(default_factory=tuple)
        note: str = dataclasses.field(default="", repr=False, compare=False)

    @dataclasses.dataclass(eq=False)
    class Box:
        items: list = dataclasses.field(default_factory=list)

    return Point, Box


def _dataclass_behaviour(Point, Box):
    p = Point(1, tags=("a",), note="n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3
    box = Box()
    box.items.append(1)
    return (repr(p), p == Point(1, 0, ("a",), "other"), hash(p) == hash(Point(1, 0, ("a",))),
            p.__slots__, repr(box), Box() == Box(), Box().items is not Box().items,
            [f.name for f in dataclasses.fields(Point)], str(dataclasses.replace(p, y=5)))


def test_dataclasses_from_the_cache_behave_like_dataclasses(tmp_path):
    path = str(tmp_path / "cache.marshal")
    expected = _dataclass_behaviour(*_define())
    with startup_cache(path) as first:
        built = _dataclass_behaviour(*_define())
    assert first.missed > 0
    with startup_cache(path) as second:
        loaded = _dataclass_behaviour(*_define())
    assert second.missed == 0
    assert built == loaded == expected


def _define_tuples():
    import collections
    import typing

    Pair = collections.namedtuple("Pair", "left right", defaults=(0,))
    # String annotations, as under `from __future__ import annotations`: each becomes a compiled ForwardRef.
    Span = typing.NamedTuple("Span", [("start", "int"), ("end", "typing.Optional[int]")])
    return Pair, Span


def _tuple_behaviour(Pair, Span):
    import typing

    pair = Pair(1)
    refs = {name: ref.__forward_arg__ for name, ref in Span.__annotations__.items()}
    hints = typing.get_type_hints(Span, globalns={"typing": typing})
    with pytest.raises(TypeError):
        Pair()
    return (repr(pair), pair == (1, 0), Pair._fields, Pair._make([3, 4]).right, repr(Span(1, None)), refs,
            hints, [ref.__forward_code__.co_code for ref in Span.__annotations__.values()])


def test_namedtuples_and_forward_references_from_the_cache_behave_alike(tmp_path):
    path = str(tmp_path / "cache.marshal")
    expected = _tuple_behaviour(*_define_tuples())
    with startup_cache(path) as first:
        built = _tuple_behaviour(*_define_tuples())
    assert first.missed >= 3  # Pair's __new__, two annotations
    with startup_cache(path) as second:
        loaded = _tuple_behaviour(*_define_tuples())
    assert second.missed == 0
    assert built == loaded == expected


def test_a_forward_reference_that_does_not_compile_fails_as_in_typing(tmp_path):
    import typing

    with pytest.raises(SyntaxError) as outside:
        typing.ForwardRef("not valid(")
    with startup_cache(str(tmp_path / "cache.marshal")):
        with pytest.raises(SyntaxError) as inside:
            typing.ForwardRef("not valid(")
    assert str(inside.value) == str(outside.value)


def test_hooks_exist_only_inside_the_context(tmp_path):
    import collections
    import typing

    _compiler = sc._regex_modules()[0]  # re._compiler, sre_compile on Python 3.10
    original = _compiler.compile
    with startup_cache(str(tmp_path / "c")) as cache:
        assert dataclasses.exec == cache.exec
        assert collections.eval == cache.eval and typing.compile == cache.compile
        assert _compiler.compile is not original
        assert isinstance(sys.meta_path[0], PackFinder)
        with startup_cache(str(tmp_path / "other")) as nested:
            assert nested is None  # the outer context owns the hooks
    assert "exec" not in vars(dataclasses) and "eval" not in vars(collections) and "compile" not in vars(typing)
    assert _compiler.compile is original
    assert not any(isinstance(finder, PackFinder) for finder in sys.meta_path)
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("content", [b"", b"not marshal at all", b"\xe3\x00\x00", None])
def test_damaged_or_foreign_files_are_ignored_and_replaced(tmp_path, content):
    import marshal

    path = tmp_path / "cache.marshal"
    path.write_bytes(marshal.dumps(((sys.hexversion - 1, 0, sc._FORMAT), {"x": 1}, {}, {})) if content is None
                     else content)
    with startup_cache(str(path)) as cache:
        assert cache.codes == {} and cache.programs == {} and cache.modules == {}
        _fresh(r"fresh-(\d+)", 0)
    version, codes, programs, modules = marshal.loads(path.read_bytes())
    assert version == (sys.hexversion, sys.flags.optimize, sc._FORMAT) and (r"fresh-(\d+)", 0) in programs


def test_a_run_that_compiled_nothing_new_does_not_write(tmp_path):
    path = tmp_path / "cache.marshal"
    with startup_cache(str(path)):
        _fresh(r"only-(once)", 0)
    stamp = path.stat().st_mtime_ns
    os.utime(path, ns=(stamp - 10**9, stamp - 10**9))
    with startup_cache(str(path)):
        _fresh(r"only-(once)", 0)
    assert path.stat().st_mtime_ns == stamp - 10**9


def test_an_unwritable_location_never_fails(tmp_path):
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    with startup_cache(str(blocked / "cache.marshal")):  # its directory cannot be created
        _fresh(r"unwritable-(\w)", 0)
    assert list(tmp_path.iterdir()) == [blocked]


def test_the_cache_is_kept_under_dont_write_bytecode_and_dflint_no_cache_turns_it_off(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # PYTHONDONTWRITEBYTECODE: .pyc files only
    path = tmp_path / "cache.marshal"
    with startup_cache(str(path)):
        _fresh(r"no-bytecode-(\w)", 0)
    assert (r"no-bytecode-(\w)", 0) in StartupCache(str(path)).programs
    monkeypatch.setenv("DFLINT_NO_CACHE", "1")
    assert sc.cache_path() is None
    with startup_cache() as cache:
        assert cache is not None and cache.path is None and not cache.programs
        _fresh(r"not-kept-(\w)", 0)
        assert cache.missed  # compiled as usual, and saved nowhere


def test_a_bloated_cache_keeps_only_what_the_run_used(tmp_path, monkeypatch):
    path = str(tmp_path / "cache.marshal")
    with startup_cache(path):
        for index in range(30):
            _fresh(f"old-{index}", 0)
    monkeypatch.setattr(sc, "_MAX_ENTRIES", 10)
    with startup_cache(path):
        _fresh("new-one", 0)
    assert set(StartupCache(path).programs) == {("new-one", 0)}


def test_the_cache_follows_pycache_prefix_or_falls_back_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path))
    assert sc.cache_path().startswith(str(tmp_path))
    monkeypatch.setattr(sys, "pycache_prefix", None)
    beside = os.path.join(os.path.dirname(sc.__file__), "__pycache__", sc._FILE_NAME)
    monkeypatch.setattr(os, "access", lambda path, mode: True)
    assert sc.cache_path() == beside
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # a read-only installation
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    fallback = sc.cache_path()
    assert fallback.startswith(str(tmp_path / "xdg" / "dflint")) and fallback.endswith(sc._FILE_NAME)


def test_flags_given_as_regexflag_are_cached(tmp_path):
    path = str(tmp_path / "cache.marshal")
    with startup_cache(path):
        _fresh(r"flagged-(\w+)", re.IGNORECASE | re.MULTILINE)
    assert (r"flagged-(\w+)", int(re.IGNORECASE | re.MULTILINE)) in StartupCache(path).programs


def test_cold_and_warm_runs_of_the_command_report_the_same(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(textwrap.dedent("""\
        FROM python
        RUN apt-get update && apt-get install -y curl
        COPY . /app
        RUN pip install -r /app/requirements.txt
        RUN chmod -R 755 /app
    """))
    prefix = tmp_path / "pycache"
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(prefix), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def run():
        done = subprocess.run([sys.executable, "-m", "dflint", "--format", "json", str(dockerfile)],
                              capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 1, done.stderr
        return json.loads(done.stdout)

    cold = run()
    caches = list(prefix.rglob(sc._FILE_NAME))
    assert len(caches) == 1
    packed = StartupCache(str(caches[0])).modules
    assert {"dflint.app", "dflint.rules.untagged_image", "dflint.shell.parser"} <= set(packed)
    warm = run()
    assert warm == cold
    assert {d["name"] for f in cold["files"] for d in f["diagnostics"]} >= {"untagged-image", "package-cache", "copy-before-install"}


def test_every_pattern_dflint_compiles_behaves_alike_on_real_dockerfiles(tmp_path):
    # Every regex compiled while the command loads and lints (a fresh process, so module-level patterns
    # count too), rebuilt through the cache's program and matched against the fixtures like re's own.
    collect = textwrap.dedent("""\
        import json, sys
        import dflint.startup_cache as sc
        output = sys.argv[1]
        def save(cache):  # the run's patterns, instead of the cache file
            with open(output, "w") as handle:
                json.dump([[p, f] for p, f in cache.programs if isinstance(p, str)], handle)
        sc.StartupCache.save = save
        sys.argv = ["dflint", "--format", "json", "--output", sys.argv[2], sys.argv[3]]
        from dflint.cli import main
        main()
    """)
    out = tmp_path / "patterns.json"
    fixtures = ROOT / "tests" / "fixtures"
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "empty")}  # a cold cache: every pattern compiles
    done = subprocess.run([sys.executable, "-c", collect, str(out), str(tmp_path / "report.json"),
                           str(fixtures / "realworld")], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    patterns = json.loads(out.read_text())
    assert len(patterns) > 150  # the rules' and the engine's patterns, not a handful
    lines = sorted({line for p in sorted(fixtures.rglob("*Dockerfile*")) if p.is_file()
                    for line in p.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
                    if len(line) <= 200})  # patterns meant for a word can be quadratic on a 20k-char line
    lines = lines[:: max(1, len(lines) // 1500)]  # ~1,500 distinct lines: every pattern on each, alone
    modules = sc._regex_modules()
    assert modules is not None
    compiler, parser, sre = modules
    for pattern, flags in patterns:
        cached = sre.compile(*sc._program(pattern, flags, parser, compiler))
        reference = _fresh(pattern, flags)
        assert (cached.flags, cached.groups, dict(cached.groupindex)) == \
            (reference.flags, reference.groups, dict(reference.groupindex)), pattern
        for line in lines:
            assert [(m.span(), m.groups()) for m in cached.finditer(line)] == \
                [(m.span(), m.groups()) for m in reference.finditer(line)], (pattern, line)


# -- dflint's modules, packed -------------------------------------------------------------------------------------

PACKAGE_FILES = {
    "__init__.py": '"""A package."""\nVALUE = 1\n',
    "mod.py": 'import re\n\n\ndef shout(text):\n    """Upper case."""\n    return re.sub(r"\\s+", " ", text).upper()\n',
    "data.txt": "a resource\n",
}


@pytest.fixture
def demo_package(tmp_path, monkeypatch):
    """A package of its own, packed like dflint's: (its directory, the cache path)."""
    name = f"packdemo_{os.getpid()}_{len(str(tmp_path))}"
    root = tmp_path / "site" / name
    root.mkdir(parents=True)
    for file, text in PACKAGE_FILES.items():
        (root / file).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(sc, "_PACKAGES", (name,))
    yield root, str(tmp_path / "cache.marshal")
    for module in [m for m in sys.modules if m.partition(".")[0] == name]:
        del sys.modules[module]


def _import_fresh(name):
    import importlib

    for module in [m for m in sys.modules if m.partition(".")[0] == name.partition(".")[0]]:
        del sys.modules[module]
    importlib.invalidate_caches()
    return importlib.import_module(name)


def test_packed_modules_are_the_modules_python_would_import(demo_package):
    import importlib.resources
    import inspect

    from dflint.module_pack import PackedLoader

    root, path = demo_package
    name = root.name
    with startup_cache(path):
        first = _import_fresh(f"{name}.mod")
    assert type(first.__spec__.loader).__name__ == "SourceFileLoader"
    assert set(StartupCache(path).modules) == {f"{name}.mod"}  # a top-level package is left to the path finder
    with startup_cache(path) as cache:
        packed = _import_fresh(f"{name}.mod")
    assert cache.missed == 0  # nothing new to pack
    assert isinstance(packed.__spec__.loader, PackedLoader)
    assert packed.__file__ == first.__file__ == str(root / "mod.py")
    assert packed.__cached__ == first.__cached__
    assert sys.modules[name].__path__ == [str(root)]
    assert packed.shout("a  b") == "A B" and packed.shout.__doc__ == "Upper case."
    assert inspect.getsource(packed.shout).startswith("def shout(text):")
    assert packed.shout.__code__ == compile((root / "mod.py").read_text(), str(root / "mod.py"), "exec",
                                            dont_inherit=True).co_consts[2]
    assert importlib.resources.files(name).joinpath("data.txt").read_text() == "a resource\n"


def test_an_edited_module_is_imported_from_its_source_and_packed_again(demo_package):
    root, path = demo_package
    name = root.name
    with startup_cache(path):
        _import_fresh(f"{name}.mod")
    (root / "mod.py").write_text("def shout(text):\n    return text + '!'\n")
    with startup_cache(path) as cache:
        edited = _import_fresh(f"{name}.mod")
    assert edited.shout("hi") == "hi!"
    assert type(edited.__spec__.loader).__name__ == "SourceFileLoader"
    assert cache.missed == 1
    with startup_cache(path):
        again = _import_fresh(f"{name}.mod")
    assert type(again.__spec__.loader).__name__ == "PackedLoader" and again.shout("hi") == "hi!"


def test_a_damaged_packed_module_is_read_from_its_source(demo_package):
    import marshal

    root, path = demo_package
    name = root.name
    with startup_cache(path):
        _import_fresh(f"{name}.mod")
    version, codes, programs, modules = marshal.loads(open(path, "rb").read())
    entry = modules[f"{name}.mod"]
    modules[f"{name}.mod"] = (*entry[:3], b"\xe3 not marshal")
    with open(path, "wb") as handle:
        handle.write(marshal.dumps((version, codes, programs, modules)))
    with startup_cache(path):
        module = _import_fresh(f"{name}.mod")
    assert module.shout("x  y") == "X Y"


def test_only_the_packages_modules_are_packed(demo_package):
    root, path = demo_package
    with startup_cache(path):
        _import_fresh(f"{root.name}.mod")
        _import_fresh("json.tool")
    modules = StartupCache(path).modules
    assert modules and all(m.partition(".")[0] == root.name for m in modules)
    assert sys.meta_path[0].__class__.__name__ != "PackFinder"  # the finder left with the context


def test_a_module_packed_from_another_copy_of_the_package_is_not_served(demo_package, tmp_path):
    import shutil

    root, path = demo_package
    name = root.name
    with startup_cache(path):
        _import_fresh(f"{name}.mod")
    copy = tmp_path / "copy"
    shutil.copytree(root.parent, copy)  # a copied installation: same files, same cache entries
    (copy / name / "mod.py").write_text("def shout(text):\n    return 'the copy'\n")
    sys.path.insert(0, str(copy))
    try:
        with startup_cache(path):
            module = _import_fresh(f"{name}.mod")
    finally:
        sys.path.remove(str(copy))
    assert module.__file__ == str(copy / name / "mod.py") and module.shout("x") == "the copy"


def test_a_module_mapped_outside_its_parent_is_not_packed(demo_package, tmp_path):
    # An editable install maps dflint.rules to the checkout's rules/: the path finder would not find it
    # beside dflint, so it is never served, and packing it would rewrite the cache on every run.
    import importlib.util

    root, path = demo_package
    name = root.name
    elsewhere = tmp_path / "elsewhere" / "mapped.py"
    elsewhere.parent.mkdir()
    elsewhere.write_text("WHERE = 'elsewhere'\n")
    with startup_cache(path) as cache:
        _import_fresh(name)
        spec = importlib.util.spec_from_file_location(f"{name}.mapped", elsewhere)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        importlib.import_module(f"{name}.mod")
    assert set(cache.modules) == {f"{name}.mod"}


def test_every_dataclass_of_dflint_has_a_docstring():
    # Without one, @dataclass builds __doc__ from inspect.signature(cls) at import: ~80 µs a class, at every
    # start-up. (A docstring also says what the class is for.)
    import importlib
    import inspect
    import pkgutil

    import dflint
    import dflint.rules

    undocumented = []
    names = [info.name for path, prefix in ((dflint.__path__, "dflint."), (dflint.rules.__path__, "dflint.rules."))
             for info in pkgutil.walk_packages(path, prefix)]
    for name in sorted(set(names) - {"dflint.__main__"}):  # __main__ runs the command
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                generated = value.__name__ + str(inspect.signature(value)).replace(" -> None", "")
                if value.__doc__ == generated:
                    undocumented.append(f"{module.__name__}.{value.__qualname__}")
    assert not undocumented


def test_a_reinstalled_module_with_the_same_size_and_mtime_is_not_served(demo_package):
    # Wheels built with fixed timestamps reinstall files with the same size and mtime; the cache outlives
    # the uninstall (it is not in the wheel's RECORD). Rewriting the file changes its status-change time.
    import shutil

    root, path = demo_package
    name = root.name
    source = root / "mod.py"
    with startup_cache(path):
        _import_fresh(f"{name}.mod")
    before = source.stat()
    text = source.read_text().replace("upper()", "lower()")  # same size
    source.unlink()  # an uninstall removes the file and its .pyc (those are in RECORD)
    shutil.rmtree(root / "__pycache__")
    source.write_text(text)
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (source.stat().st_size, source.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with startup_cache(path):
        module = _import_fresh(f"{name}.mod")
    assert module.shout("AB") == "ab"


def test_a_cache_of_another_layout_or_with_odd_entries_never_hurts_a_run(demo_package):
    # The cache outlives upgrades of dflint: a file an older version wrote must be ignored, and an entry
    # this version does not understand must only mean the usual import.
    import marshal

    root, path = demo_package
    name = root.name
    old_layout = ((sys.hexversion, sys.flags.optimize, sc._FORMAT - 1), {}, {},
                  {f"{name}.mod": (str(root / "mod.py"), None, 1, 2, b"")})
    with open(path, "wb") as handle:
        handle.write(marshal.dumps(old_layout))
    assert StartupCache(path).modules == {}
    source = str(root / "mod.py")
    right_stamp = stamp(os.stat(source))
    odd = [(), ("a",), (1, 2, 3, 4), (source, 5, right_stamp, b""), (source, None, right_stamp, "not bytes"),
           (source, ("dir", 3), right_stamp, b""), (7, None, right_stamp, b""), None, "text", (None,) * 5]
    for entry in odd:
        with open(path, "wb") as handle:
            handle.write(marshal.dumps((sc._version(), {}, {}, {f"{name}.mod": entry})))
        with startup_cache(path):
            module = _import_fresh(f"{name}.mod")
        assert module.shout("a  b") == "A B", entry
