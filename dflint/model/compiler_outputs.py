"""Where a compiler run in a RUN writes the program it builds, as far as the Dockerfile shows it.

``go build``/``go install``, ``cargo build``/``cargo install``, ``rustc``, the
C compilers, ``ghc``, ``cabal install``, ``stack install``, ``dart compile exe``,
``swift build``, ``zig build``/``zig build-exe`` and ``mix release``: their
``-o`` (or ``--target-dir``, ``--root``, ``--installdir``, ``--prefix``...), else
where the tool puts its output by default (``$GOBIN``, ``$CARGO_HOME/bin``,
``target/release``, ``a.out``, ``~/.local/bin``, ``.build/release``,
``zig-out/bin``, ``_build/$MIX_ENV/rel``), with ARG and ENV values expanded.
DF117 build-platform-binary uses it to tell a copied program from other files a
build stage writes; :func:`copy_paths` reads a later ``cp``, ``mv`` or ``install``
that may put a program elsewhere. :class:`NativeBuilds` follows a stage's
``./configure`` and ``cmake`` steps to place what a later ``make install``,
``ninja install`` or ``cmake --install`` puts in the prefix (below DESTDIR), and
dune's ``_build``.
"""

from __future__ import annotations

import fnmatch
import itertools
import posixpath
import re
from typing import TYPE_CHECKING, NamedTuple, Optional

from .. import ast
from ..shell.tools import Invocation, program_name
from .layers import Step

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel

__all__ = ["Output", "compiles", "outputs", "tool_verb", "copy_paths", "covers", "NativeBuilds", "Built"]

#: Compilers whose output runs only on the machine's own architecture (unless told otherwise).
_C_COMPILERS = frozenset("gcc g++ cc c++ clang clang++".split())


#: ghc options after which it links no program.
_GHC_NO_PROGRAM = frozenset("-c -E -C -S -M -e -no-link --interactive --run --version --numeric-version --info "
                            "--print-libdir --supported-extensions --supported-languages --show-options "
                            "--abi-hash --show-iface --make-dependencies".split())
#: The tools below, and the words naming what they do that builds a native program.
_VERBS = {"cabal": (("install",), ("v2-install",), ("new-install",)), "stack": (("install",), ("build",)),
          "dart": (("compile", "exe"),), "swift": (("build",),), "zig": (("build",), ("build-exe",)),
          "mix": (("release",),)}


def _args(invocation: Invocation) -> list[str]:
    """The words after the program's own."""
    words = [w.value for w in invocation.command.argv]
    start = next((i for i, w in enumerate(words) if program_name(w) == invocation.program), len(words))
    return words[start + 1:]


def tool_verb(invocation: Invocation) -> Optional[tuple[str, ...]]:
    """For a tool of ``_VERBS`` (cabal, stack, dart...), the words of what it is told to do that builds
    a program (``("compile", "exe")``), from its first words that are not options; None otherwise."""
    choices = _VERBS.get(invocation.program)
    if choices is None:
        return None
    verbs = [w for w in _args(invocation) if not w.startswith("-")]
    return next((choice for choice in choices if tuple(verbs[:len(choice)]) == choice), None)


def compiles(invocation: Optional[Invocation]) -> bool:
    """A compiler that builds a native program for the machine it runs on."""
    if invocation is None:
        return False
    program = invocation.program
    if program == "ghc":
        return not any(w.value in _GHC_NO_PROGRAM for w in invocation.command.argv)
    if program in _VERBS:
        verb = tool_verb(invocation)
        if verb == ("build",) and program == "stack":
            return "--copy-bins" in _args(invocation)
        return verb is not None
    if program == "go":
        return invocation.subcommand in ("build", "install")
    if program == "cargo":
        return bool(invocation.operands) and invocation.operands[0].value in ("build", "b", "install")
    if program == "rustc" or program in _C_COMPILERS:
        return not any(w.value in ("-E", "-S", "-c", "-M", "-MM", "-fsyntax-only", "--version", "-v",
                                   "-dumpmachine", "--print")
                       for w in invocation.command.argv)
    return False


class Output(NamedTuple):
    """Where a compiler writes its program: the file ``path`` (with ``inside``, also any file below it:
    ``path`` is a directory, or may be one, such as an existing directory given to ``-o``), but not
    the names in ``exclude``, and with ``below``, only the paths below ``path`` (`a/b`) this regular
    expression matches (the programs of `.build/release`, not its `App_App.resources`). With
    ``unnamed``, one file directly in the directory ``path`` whose name the Dockerfile does not show
    (`go build .` names it after the module, in go.mod): any name there may be it, and the caller
    must rule out that something else put the file it means there. With ``loose``, a directory whose
    files the tool names after what the Dockerfile does not show (`go build -o /out/ .`, `cabal
    install --installdir=/out`): a file below it that a later step may have put there (`COPY
    config/prod.yaml /out/`) may not be the program, and the caller must rule that out. With
    ``native``, the install root of a build system's install step (`make install`'s prefix, or its
    DESTDIR; `_build/default` for dune): a copy must take that directory or a path below it, and
    the caller must see the copying stage run a program of it."""

    path: str
    inside: bool = True
    exclude: frozenset[str] = frozenset()
    unnamed: bool = False
    below: Optional[str] = None
    loose: bool = False
    native: Optional[str] = None


#: The rustup proxies the rust image keeps in $CARGO_HOME/bin beside what `cargo install` puts there.
_RUSTUP_PROXIES = frozenset("cargo cargo-clippy cargo-fmt cargo-miri clippy-driver rls rust-analyzer rust-gdb "
                            "rust-gdbgui rust-lldb rustc rustdoc rustfmt rustup".split())
#: cargo options that take a value (as the next word, or after `=`).
_CARGO_VALUES = frozenset("--target-dir --root --profile --manifest-path --bin --example --test --bench -p --package "
                          "-F --features -j --jobs --target --config -Z --color --message-format --index --registry "
                          "--git --branch --tag --rev --path --version --vers --artifact-dir --out-dir --exclude "
                          "--lockfile-path -C".split())
_MAJOR_VERSION = re.compile(r"v[0-9]+")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)


def outputs(model: "BuildModel", node: ast.Instruction, step: Step) -> Optional[list[Output]]:
    """Where the compiler's program goes, as far as the Dockerfile shows it: None when that
    cannot be known (and nothing is reported), an empty list when it writes no program."""
    invocation = step.invocation
    program = invocation.program
    if program == "go":
        return _go_outputs(model, node, step, invocation)
    words = [w.value for w in invocation.command.argv]
    start = next((i for i, w in enumerate(words) if program_name(w) == program), len(words))
    args = words[start + 1:]
    if program == "cargo":
        return _cargo_outputs(model, node, step, args)
    if program == "rustc":
        return _rustc_outputs(model, node, step, args)
    if program in _C_COMPILERS:
        return _c_outputs(model, node, step, args)
    if any("$(" in word or "`" in word for word in args):
        return None  # a command substitution: its words are not known
    reader = _READERS.get(program)
    return reader(model, node, step, args) if reader is not None else None


def _go_outputs(model: "BuildModel", node, step: Step, invocation: Invocation) -> Optional[list[Output]]:
    operands = [w.value for w in invocation.operands]
    if any("$" in value for value in operands):
        return None
    if invocation.subcommand == "install":
        bins = _go_bins(model, node, step)
        if bins is None:
            return None
        names = [_go_name(value.split("@")[0]) for value in operands or ["."]]
        return [Output(posixpath.join(b, name), inside=False) if name else Output(b, loose=True)
                for b in bins for name in names]
    changed = invocation.has("-C")  # -C: relative paths are in another directory
    target = invocation.value("-o", "--o")
    if target is not None:
        path = _path(model, node, step, target, relative=not changed)
        if path is None:
            return None
        name = _go_program(operands)
        if name is None:  # a directory holds programs named after what is not shown (or -o names the file)
            return [Output(path, loose=True)]
        named = Output(posixpath.join(path, name), inside=False)  # `-o DIR/` (or an existing DIR): DIR/<name>
        return [named] if target.endswith("/") else [Output(path, inside=False), named]
    if changed or step.cwd is None:
        return None
    sources = [value for value in operands if value.endswith(".go")]
    if sources:  # go build a.go b.go writes `a`
        return [Output(posixpath.join(step.cwd, posixpath.basename(sources[0])[:-3]), inside=False)]
    if len(operands) > 1:
        return []  # several packages: built and discarded, a check
    if not operands or operands[0].rstrip("/") in (".", ""):  # the module's (or package's) own name
        return [Output(step.cwd, inside=False, unnamed=True)]
    name = _go_name(operands[0])
    return None if name is None else [Output(posixpath.join(step.cwd, name), inside=False)]


def _go_program(operands: list[str]) -> Optional[str]:
    """The name of the one program `go build` writes for ``operands`` (`a.go` -> `a`, `./cmd/server` ->
    `server`), None when that is not shown (the module's own name, several packages, a pattern)."""
    sources = [value for value in operands if value.endswith(".go")]
    if sources:
        return posixpath.basename(sources[0])[:-3] or None
    return _go_name(operands[0]) if len(operands) == 1 else None


def _go_name(package: str) -> Optional[str]:
    """The program `go build`/`go install` names after ``package``: its last path element that is
    not a major version (`github.com/a/b/v2` -> `b`); None when that is not in the Dockerfile (`.`,
    the module's own name) or when a pattern (`./...`) may match several packages."""
    parts = [p for p in package.rstrip("/").split("/") if p and p != "."]
    if "..." in package or not parts or ".." in parts:
        return None
    if len(parts) > 1 and _MAJOR_VERSION.fullmatch(parts[-1]):
        parts.pop()
    return parts[-1]


def _go_bins(model: "BuildModel", node, step: Step) -> Optional[list[str]]:
    """Where `go install` puts programs: $GOBIN, else the first $GOPATH's bin (the golang image's
    /go, or the default ~/go)."""
    found, value = _env(model, node, step, "GOBIN")
    if found and value != "":
        return [value] if value and value.startswith("/") else None
    found, value = _env(model, node, step, "GOPATH")
    if found and value != "":
        first = (value or "").split(":")[0]
        return [posixpath.join(first, "bin")] if first.startswith("/") else None
    return ["/go/bin", "/root/go/bin"]


def _cargo_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    repeated: dict[str, list[str]] = {"--bin": []}
    options, operands = _options(args, _CARGO_VALUES, repeated)
    operands = [word for word in operands if not word.startswith("+")]  # cargo +nightly build
    bins = repeated["--bin"]
    if any(value is not None and "$" in value for value in [*options.values(), *bins]):
        return None
    if operands and operands[0] == "install":
        roots, exclude = _cargo_roots(model, node, step, options.get("--root"))
        paths = [_path(model, node, step, root) for root in roots]
        if not paths or None in paths:
            return None
        return [Output(posixpath.join(path, "bin"), exclude=exclude, loose=True) for path in paths]
    if "-C" in options:
        return None  # another directory, and its own configuration
    target = options.get("--target-dir")
    if target is None:
        for variable in ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"):
            found, target = _env(model, node, step, variable)
            if found:
                if target is None:
                    return None
                break
    if target:
        directory = _path(model, node, step, target)
        if directory is None:
            return None
        directories = [directory]
    else:  # `target` at the workspace's root: the package's directory or any directory above it
        package = step.cwd
        if "--manifest-path" in options:
            manifest = _path(model, node, step, options["--manifest-path"] or "")
            package = posixpath.dirname(manifest) if manifest is not None else None
        if package is None:
            return None
        directories = [posixpath.join(package, "target")]
        while package != "/":
            package = posixpath.dirname(package)
            directories.append(posixpath.join(package, "target"))
    profile = options.get("--profile") or ("release" if "--release" in options or "-r" in options else "dev")
    profile = {"dev": "debug", "test": "debug", "bench": "release"}.get(profile, profile)
    if options.get("--target"):
        profile = posixpath.join(options["--target"], profile)
    if bins and not any(o in options for o in ("--bins", "--example", "--examples", "--all-targets")):
        found = [Output(posixpath.join(d, profile, name), inside=False) for d in directories for name in bins]
    else:
        found = [Output(posixpath.join(d, profile), loose=True) for d in directories]
    for option in ("--artifact-dir", "--out-dir"):
        if options.get(option):
            path = _path(model, node, step, options[option])
            if path is None:
                return None
            found.append(Output(path))
    return found


def _cargo_roots(model: "BuildModel", node, step: Step, root: Optional[str]) -> tuple[list[str], frozenset[str]]:
    """Where `cargo install` puts `bin/`: --root, else $CARGO_INSTALL_ROOT, else $CARGO_HOME (the rust
    image's /usr/local/cargo, or the default ~/.cargo), whose bin/ also holds rustup's proxies; no
    root when a variable's value is not known."""
    if root is not None:
        return [root], frozenset()
    found, value = _env(model, node, step, "CARGO_INSTALL_ROOT")
    if found and value != "":
        return ([value] if value is not None else []), frozenset()
    found, value = _env(model, node, step, "CARGO_HOME")
    if found and value != "":
        return ([value] if value is not None else []), _RUSTUP_PROXIES
    return ["/usr/local/cargo", "/root/.cargo"], _RUSTUP_PROXIES


def _rustc_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    for i, word in enumerate(args):
        if word in ("-o", "--out-dir") and i + 1 < len(args) or word.startswith("--out-dir="):
            value = word.partition("=")[2] if "=" in word else args[i + 1]
            path = _path(model, node, step, value)
            return None if path is None else [Output(path)]
    if any(word.startswith(("--crate-name", "--crate-type", "--emit")) for word in args):
        return None
    sources = [word for word in args if word.endswith(".rs") and not word.startswith("-")]
    if not sources or step.cwd is None:
        return None
    stem = posixpath.basename(sources[0])[:-3]
    if "-" in stem:
        return None  # named after the crate, whose name may be `tool_x` or set in the source
    return [Output(posixpath.join(step.cwd, stem), inside=False)]


def _c_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    for i, word in enumerate(args):
        if word == "-o" and i + 1 < len(args) or word.startswith("-o") and len(word) > 2:
            path = _path(model, node, step, args[i + 1] if word == "-o" else word[2:])
            return None if path is None else [Output(path, inside=False)]
    if step.cwd is None:
        return None
    return [Output(posixpath.join(step.cwd, "a.out"), inside=False)]


def _options(args: list[str], values: frozenset[str], repeated: Optional[dict[str, list[str]]] = None,
             ) -> tuple[dict[str, Optional[str]], list[str]]:
    """The options (`--name=value`, one of ``values`` and the next word, a flag: None; the last one
    wins) and the operands; ``repeated`` gets every value of the options it names (cargo's --bin)."""
    options: dict[str, Optional[str]] = {}
    operands = []
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("--") and "=" in word or word in values:
            if word in values:
                i += 1
                name, value = word, args[i] if i < len(args) else ""
            else:
                name, _, value = word.partition("=")
            options[name] = value
            if repeated is not None and name in repeated:
                repeated[name].append(value)
        elif word.startswith("-"):
            options[word] = None
        else:
            operands.append(word)
        i += 1
    return options, operands


def _place(model: "BuildModel", node, step: Step, value: Optional[str]) -> Optional[list[Output]]:
    """An option's directory, as the one output (any file of it)."""
    path = _path(model, node, step, value or "")
    return None if path is None else [Output(path, loose=True)]


_GHC_VALUES = frozenset("-o -odir -hidir -outputdir -stubdir -dumpdir -hiedir -i -I -L -l -package -package-id "
                        "-package-db -main-is -x -optl -optc -pgmc -pgml -j".split())


def _ghc_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    """`-o`, else the Main module's source file without its extension (`ghc src/Main.hs` writes
    `src/Main`); nothing known when several files are named (which holds Main is not shown)."""
    options, operands = _options(args, _GHC_VALUES)
    if "-o" in options:
        path = _path(model, node, step, options["-o"] or "")
        return None if path is None else [Output(path, inside=False)]
    sources = [word for word in operands if not word.endswith((".o", ".a", ".so", ".c"))]
    if len(sources) != 1 or not sources[0].endswith((".hs", ".lhs")):
        return None
    path = _path(model, node, step, sources[0].rpartition(".")[0])
    return None if path is None else [Output(path, inside=False)]


_CABAL_VALUES = frozenset("--installdir --install-method --project-file --project-dir -w --with-compiler "
                          "--with-ghc --builddir --store-dir -j --jobs --ghc-options --constraint --allow-newer "
                          "--allow-older --index-state --overwrite-policy --enable-tests --config-file".split())


def _cabal_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    """`cabal install` copies (or links) the executables to --installdir, else $CABAL_DIR/bin, else
    ~/.cabal/bin or, from cabal 3.10 when ~/.cabal does not exist, ~/.local/bin."""
    options, _ = _options(args, _CABAL_VALUES)
    if any(o in options for o in ("--lib", "--only-dependencies", "--dry-run", "--only-download")):
        return []
    if any(o in options for o in ("-w", "--with-compiler", "--with-ghc")):
        return None  # another compiler, which may be a cross compiler
    if "--installdir" in options:
        return _place(model, node, step, options["--installdir"])
    found, value = _env(model, node, step, "CABAL_DIR")
    if found:
        return _place(model, node, step, posixpath.join(value, "bin")) if value else None
    return [Output("/root/.cabal/bin", loose=True), Output("/root/.local/bin", loose=True)]


_STACK_VALUES = frozenset("--local-bin-path --stack-yaml --work-dir --resolver --snapshot --compiler "
                          "--ghc-options --flag --stack-root -j --jobs --arch --docker-image".split())


def _stack_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    """`stack install` (`stack build --copy-bins`) copies the executables to --local-bin-path, else
    ~/.local/bin."""
    options, _ = _options(args, _STACK_VALUES)
    if any(o in options for o in ("--arch", "--docker", "--dry-run")):
        return None
    if "--local-bin-path" in options:
        return _place(model, node, step, options["--local-bin-path"])
    return [Output("/root/.local/bin", loose=True)]


_DART_VALUES = frozenset("-o --output -D --define -p --packages -S --save-debugging-info --depfile --verbosity "
                         "--target-os --target-arch --extra-gen-snapshot-options --extra-gen-kernel-options "
                         "--enable-experiment".split())


def _dart_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    """`-o`, else the source file with `.exe` for `.dart` (on every platform: `bin/server.dart` writes
    `bin/server.exe`)."""
    options, operands = _options(args, _DART_VALUES)
    if "--target-os" in options or "--target-arch" in options:
        return None  # compiled for another platform (Dart 3.8 and later)
    target = options.get("-o", options.get("--output"))
    if target is not None:
        path = _path(model, node, step, target)
        return None if path is None else [Output(path, inside=False)]
    sources = operands[2:]  # after `compile exe`
    if len(sources) != 1:
        return None
    stem = sources[0][:-5] if sources[0].endswith(".dart") else sources[0]
    path = _path(model, node, step, stem + ".exe")
    return None if path is None else [Output(path, inside=False)]


_SWIFT_VALUES = frozenset("-c --configuration --scratch-path --build-path --package-path --cache-path "
                          "--config-path --security-path --product --target --swift-sdk --experimental-swift-sdk "
                          "--triple --destination --arch --sdk --toolchain -j --jobs -Xswiftc -Xcc -Xcxx -Xlinker "
                          "--swift-sdks-path --build-system".split())


def _swift_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    """`swift build` puts the products in `.build/<configuration>` (`debug`, `-c release`), below
    --scratch-path, else in the package's directory (--package-path, else the working directory):
    the files there without a dot in their names (not `App.swiftmodule`, `App_App.resources`)."""
    options, _ = _options(args, _SWIFT_VALUES)
    if any(o in options for o in ("--swift-sdk", "--experimental-swift-sdk", "--triple", "--destination",
                                  "--arch", "--sdk", "--target")):
        return None  # another platform (or, for --target, one module)
    if "--show-bin-path" in options:
        return []  # prints where the products go, builds nothing
    configuration = options.get("-c", options.get("--configuration")) or "debug"
    scratch = options.get("--scratch-path", options.get("--build-path"))
    if scratch is None:
        scratch = posixpath.join(options.get("--package-path") or ".", ".build")
    directory = _path(model, node, step, scratch)
    if directory is None or "$" in configuration:
        return None
    # (`.build/release` links to `.build/<triple>/release`, whose architecture in a COPY is a sign of cross builds)
    return [Output(posixpath.join(directory, configuration), below=r"[^./][^/.]*")]


_ZIG_VALUES = frozenset("-p --prefix --prefix-exe-dir --prefix-lib-dir --prefix-include-dir --build-file "
                        "--cache-dir --global-cache-dir --zig-lib-dir --search-prefix --sysroot --libc -j "
                        "--name -target -mcpu -femit-bin -O --release --color --summary --build-runner "
                        "-I -L -l --maxrss --seed --debug-log --libc-runtimes --glibc-runtimes".split())


def _zig_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    """`zig build` installs the executables in `zig-out/bin` of the build root (the directory of
    build.zig, the working directory or one above it), or of --prefix; `zig build-exe a.zig` writes
    `a` in the working directory (or --name's, or -femit-bin's path)."""
    options, operands = _options(args, _ZIG_VALUES)
    if "-target" in options or "--sysroot" in options or "--libc" in options or any(
            o.startswith("-Dtarget=") or o.startswith("-Dcpu=") for o in options):
        return None  # another platform
    if operands[0] == "build-exe":
        if "-fno-emit-bin" in options:
            return []
        emit = next((o[len("-femit-bin="):] for o in options if o.startswith("-femit-bin=")), None)
        if emit is not None or options.get("--name"):
            path = _path(model, node, step, emit if emit is not None else options["--name"] or "")
            return None if path is None else [Output(path, inside=False)]
        sources = [w for w in operands[1:] if w.endswith(".zig")]
        if not sources:
            return None
        path = _path(model, node, step, posixpath.basename(sources[0])[:-4])
        return None if path is None else [Output(path, inside=False)]
    if any(step_name != "install" for step_name in operands[1:]) or "--prefix-exe-dir" in options:
        return None  # a step of build.zig's own, or a directory given relative to what is not known here
    prefix = options.get("-p", options.get("--prefix"))
    if prefix is not None:
        path = _path(model, node, step, posixpath.join(prefix, "bin"))
        return None if path is None else [Output(path)]
    if "--build-file" in options:
        build = _path(model, node, step, options["--build-file"] or "")
        return None if build is None else [Output(posixpath.join(posixpath.dirname(build), "zig-out", "bin"))]
    directory = step.cwd
    if directory is None:
        return None
    found = [Output(posixpath.join(directory, "zig-out", "bin"))]
    while directory != "/":
        directory = posixpath.dirname(directory)
        found.append(Output(posixpath.join(directory, "zig-out", "bin")))
    return found


_MIX_VALUES = frozenset(("--path",))


def _mix_outputs(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[list[Output]]:
    """`mix release` assembles the release in `_build/$MIX_ENV/rel/<name>` (`dev` without MIX_ENV), or
    --path: its `bin` and the Erlang runtime it bundles (`erts-*`), not the rest (`lib/*/priv`)."""
    options, _ = _options(args, _MIX_VALUES)
    native = r"(?:bin|erts-[^/]*)(?:/.*)?"
    if "--path" in options:
        path = _path(model, node, step, options["--path"] or "")
        return None if path is None else [Output(path, below=native)]
    for variable in ("MIX_BUILD_PATH", "MIX_BUILD_ROOT"):
        if _env(model, node, step, variable)[0]:
            return None
    found, environment = _env(model, node, step, "MIX_ENV")
    if found and (not environment or "$" in environment):
        return None
    path = _path(model, node, step, posixpath.join("_build", environment or "dev", "rel"))
    return None if path is None else [Output(path, below=r"[^/]+(?:/" + native + ")?")]


_READERS = {"ghc": _ghc_outputs, "cabal": _cabal_outputs, "stack": _stack_outputs, "dart": _dart_outputs,
            "swift": _swift_outputs, "zig": _zig_outputs, "mix": _mix_outputs}
#: cp, mv and install options that take a value.
_COPY_VALUES = frozenset("-t --target-directory -S --suffix -m --mode -o --owner -g --group -Z --context".split())


def copy_paths(model: "BuildModel", node: ast.Instruction, step: Step) -> Optional[tuple[list[list[str]], str]]:
    """For a `cp`, `mv` or `install` step, the path parts of its sources (those that can be known) and
    its destination, a file or a directory; None for another command or a destination not known."""
    invocation = step.invocation
    if invocation is None or invocation.program not in ("cp", "mv", "install"):
        return None
    options, operands = _options(_args(invocation), _COPY_VALUES)
    target = options.get("-t", options.get("--target-directory"))
    if target is None:
        if len(operands) < 2:
            return None
        target = operands.pop()
    path = _path(model, node, step, target)
    if path is None:
        return None
    sources = [_path(model, node, step, word) for word in operands]
    return [[p for p in source.split("/") if p] for source in sources if source is not None], path


def covers(output: Output, wanted: list[str], globs: bool = False) -> bool:
    """``wanted`` (path parts; with ``globs``, patterns) names the output, a directory holding it, or
    (for an unnamed output) a plain name in its directory."""
    parts = [p for p in output.path.split("/") if p]
    common = min(len(wanted), len(parts))
    match = fnmatch.fnmatchcase if globs else str.__eq__
    if not all(match(have, pattern) for pattern, have in zip(wanted[:common], parts)):
        return False
    if output.unnamed:
        name = wanted[-1]
        return len(wanted) == len(parts) + 1 and not (globs and _GLOB.search(name))
    if len(wanted) <= len(parts):
        return True
    if not output.inside or wanted[len(parts)] in output.exclude:
        return False
    return output.below is None or re.fullmatch(output.below, "/".join(wanted[len(parts):])) is not None


_GLOB = re.compile(r"[*?\[]")


def _path(model: "BuildModel", node, step: Step, value: str, relative: bool = True) -> Optional[str]:
    """``value`` as an absolute path (ARG and ENV values expanded), or None when not known."""
    if "$" in value:
        names = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", value))
        if "$(" in value or names & (set(step.exported) | {a.name for a in step.command.assignments}):
            return None
        expansion = model.expand(node, value)
        if not expansion.resolved or expansion.undefined:
            return None
        value = expansion.value
    if not value or "`" in value or value.startswith("~"):
        return None
    if not value.startswith("/"):
        if not relative or step.cwd is None:
            return None
        value = posixpath.join(step.cwd, value)
    return posixpath.normpath(value)


def _env(model: "BuildModel", node, step: Step, name: str) -> tuple[bool, Optional[str]]:
    """Whether the compiler's environment sets ``name`` (on its command line, by an `export` before
    it, or an ARG or ENV), and its value (None when not known)."""
    argv = step.command.argv
    start = next((i for i, w in enumerate(argv) if program_name(w.value) == step.invocation.program), len(argv))
    settings = [(a.name, a.value.value if a.value.literal else None) for a in step.command.assignments]
    for word in argv[:start]:  # env NAME=value go ...
        match = _ASSIGNMENT.fullmatch(word.value)
        if match:
            settings.append((match.group(1), match.group(2) if word.literal else None))
    for key, value in reversed(settings):
        if key == name:
            return True, value
    if name in step.exported:
        return True, step.exported[name]
    variable = model.scope_at(node).get(name)
    if variable is not None:
        return True, variable.value
    return False, None


class Built(NamedTuple):
    """An install step of a build system (`make install`, `cmake --install`, `dune build`): where its
    programs go, the build system (``"autotools"``, ``"cmake"``, ``"dune"``), and the configure step
    whose build it installs (its RUN and its Step; None for dune)."""

    outputs: list[Output]
    tool: str
    node: Optional[ast.Instruction] = None
    configure: Optional[Step] = None


class _Configured(NamedTuple):
    """A configured build directory: the build system, its install prefix, its programs' directories
    (relative to the prefix, or absolute), where it was configured."""

    tool: str
    prefix: str
    bindirs: tuple[str, ...]
    node: ast.Instruction
    step: Step


#: Programs' directories of an install prefix.
_BINDIRS = ("bin", "sbin")
#: Make and ninja targets that install the build.
_INSTALL_TARGETS = frozenset(("install", "install-strip", "install/strip", "install-exec"))
#: make variables that move the installed files elsewhere than the configured prefix.
_MAKE_PLACES = frozenset("prefix exec_prefix bindir sbindir PREFIX BINDIR DESTROOT INSTALL_ROOT".split())
_CMAKE_VALUES = frozenset("-S -B -G -T -A -C -U -P -E --preset --install-prefix --toolchain --graphviz "
                          "--log-level --workflow".split())
_DUNE_VALUES = frozenset("--root --build-dir --profile -p --only-packages --for-release-of-packages -j -x "
                         "--workspace --prefix --destdir --bindir --libdir --sbindir --context --display "
                         "--mandir --docdir --etcdir --datadir --libexecdir --sections".split())
#: dune's programs: a native executable (`.exe`, also `.bc.exe`, which holds the OCaml runtime).
_DUNE_EXE = r"(?:[^/]+/)*[^/]+\.exe"


class NativeBuilds:
    """The build directories configured so far in a build stage (`./configure`, `cmake -B build`), to
    place the programs a later install step of them puts in the prefix: `make install` where
    configure ran (with `DESTDIR`), `cmake --install`/`cmake --build --target install`, `make install`
    or `ninja install` in a cmake build directory; and dune's `_build`. Read the steps in order."""

    def __init__(self) -> None:
        self._dirs: dict[str, Optional[_Configured]] = {}

    def step(self, model: "BuildModel", node: ast.Instruction, step: Step) -> Optional[Built]:
        """For an install step, where its programs go; None for another step, or when that is not
        known. A configure step is remembered."""
        invocation = step.invocation
        if invocation is None or step.cwd is None:
            return None
        program = invocation.program
        args = _args(invocation)
        if program == "configure":
            self._autoconf(model, node, step, args)
        elif program == "cmake":
            return self._cmake(model, node, step, args)
        elif program in ("make", "gmake", "ninja"):
            return self._install(model, node, step, program, args)
        elif program == "dune":
            return _dune(model, node, step, args)
        elif program == "opam" and args[:1] == ["exec"]:
            words = args[args.index("--") + 1:] if "--" in args else args[1:]
            if words[:1] == ["dune"]:
                return _dune(model, node, step, words[1:])
        return None

    def _autoconf(self, model: "BuildModel", node, step: Step, args: list[str]) -> None:
        values: dict[str, Optional[str]] = {}
        i = 0
        while i < len(args):
            name, equal, value = args[i].partition("=")
            if name in ("--prefix", "--exec-prefix", "--bindir", "--sbindir"):
                if not equal:
                    i += 1
                    value = args[i] if i < len(args) else ""
                values[name] = _path(model, node, step, value, relative=False)
            i += 1
        prefix = values.get("--prefix", _DEFAULT_PREFIX)
        bindirs = tuple(_BINDIRS)
        if "--exec-prefix" in values:
            bindirs = tuple(posixpath.join(values["--exec-prefix"] or "", b) if values["--exec-prefix"] else None
                            for b in _BINDIRS)
        for i, name in enumerate(("--bindir", "--sbindir")):
            if name in values:
                bindirs = (*bindirs[:i], values[name], *bindirs[i + 1:])
        known = prefix is not None and None not in bindirs
        self._dirs[step.cwd] = _Configured("autotools", prefix, bindirs, node, step) if known else None

    def _cmake(self, model: "BuildModel", node, step: Step, args: list[str]) -> Optional[Built]:
        if "--install" in args:
            where = args[args.index("--install") + 1:]
            options, operands = _options(where, frozenset(("--prefix", "--config", "--component",
                                                           "--default-directory-permissions")))
            directory = _path(model, node, step, operands[0]) if operands else None
            prefix = options.get("--prefix")
            if prefix is not None:
                prefix = _path(model, node, step, prefix, relative=False)
                if prefix is None:
                    return None
            return self._installed(model, node, step, directory, ("cmake",), prefix, None)
        if "--build" in args:
            where = args[args.index("--build") + 1:]
            targets: list[str] = []
            for i, word in enumerate(where):
                if word.startswith("--target=") or word.startswith("-t") and len(word) > 2:
                    targets.append(word.partition("=")[2] if word.startswith("--") else word[2:])
                elif word in ("--target", "-t"):
                    targets.extend(w for w in itertools.takewhile(lambda w: not w.startswith("-"), where[i + 1:]))
            if not where or where[0].startswith("-") or not _INSTALL_TARGETS & set(targets):
                return None
            return self._installed(model, node, step, _path(model, node, step, where[0]), ("cmake",), None, None)
        options, operands = _options(_joined(args, "-D"), _CMAKE_VALUES)
        if any(o in options for o in ("-E", "-P", "--preset", "--workflow", "--help", "--version", "-N",
                                      "--system-information", "-C", "-A", "--toolchain")):
            return None
        binary = next((w[2:] for w in args if w.startswith("-B") and len(w) > 2), options.get("-B"))
        directory = _path(model, node, step, binary) if binary is not None else step.cwd
        if directory is None:
            return None
        defines = {}
        for word in args:
            if word.startswith("-D") and "=" in word:
                name, _, value = word[2:].partition("=")
                defines[name.partition(":")[0].strip()] = value
        for i, word in enumerate(args[:-1]):
            if word == "-D" and "=" in args[i + 1]:
                name, _, value = args[i + 1].partition("=")
                defines[name.partition(":")[0].strip()] = value
        prefix: Optional[str] = _DEFAULT_PREFIX
        found, value = _env(model, node, step, "CMAKE_INSTALL_PREFIX")  # (read from the environment by cmake 3.29)
        if found:
            prefix = _path(model, node, step, value or "", relative=False) if value else None
        given = defines.get("CMAKE_INSTALL_PREFIX", options.get("--install-prefix"))
        if given is not None:  # (a relative one: not known here which directory it is relative to)
            prefix = _path(model, node, step, given, relative=False)
        bindirs = []
        for name, default in (("CMAKE_INSTALL_BINDIR", "bin"), ("CMAKE_INSTALL_SBINDIR", "sbin")):
            value = defines.get(name, default)
            bindirs.append(None if "$" in value or not value else value)
        known = prefix is not None and None not in bindirs
        self._dirs[directory] = _Configured("cmake", prefix, tuple(bindirs), node, step) if known else None
        return None

    def _install(self, model: "BuildModel", node, step: Step, program: str, args: list[str]) -> Optional[Built]:
        directory = step.cwd
        targets: list[str] = []
        destdir = None
        i = 0
        while i < len(args):
            word = args[i]
            if word in ("-C", "--directory") or word.startswith("-C") or word.startswith("--directory="):
                if word in ("-C", "--directory"):
                    i += 1
                    value = args[i] if i < len(args) else ""
                else:
                    value = word[2:] if word.startswith("-C") else word.partition("=")[2]
                directory = _path(model, node, step, posixpath.join(directory or "", value))
            elif word in ("-f", "--file", "--makefile") or word.startswith(("-f", "--file=", "--makefile=")):
                return None  # another makefile
            elif word in ("-j", "-l", "-k", "-d") and program == "ninja" or word in ("-l", "-o", "-W"):
                i += 1
            elif not word.startswith("-"):
                name, equal, value = word.partition("=")
                if equal and name == "DESTDIR" and program != "ninja":
                    destdir = value
                elif equal and name in _MAKE_PLACES:
                    return None
                elif not equal:
                    targets.append(word)
            i += 1
        if not _INSTALL_TARGETS & set(targets):
            return None
        tools = ("autotools", "cmake") if program != "ninja" else ("cmake",)
        return self._installed(model, node, step, directory, tools, None, destdir)

    def _installed(self, model: "BuildModel", node, step: Step, directory: Optional[str], tools: tuple[str, ...],
                   prefix: Optional[str], destdir: Optional[str]) -> Optional[Built]:
        """The programs the build configured in ``directory`` installs: in its bin and sbin below
        ``prefix`` (else the configured one), and ``destdir`` (else $DESTDIR)."""
        configured = self._dirs.get(directory) if directory is not None else None
        if configured is None or configured.tool not in tools:
            return None
        if destdir is None:
            found, destdir = _env(model, node, step, "DESTDIR")
            if found and destdir is None:
                return None
        if destdir:
            destdir = _path(model, node, step, destdir)
            if destdir is None:
                return None
        prefix = prefix or configured.prefix
        found = []
        for bindir in configured.bindirs:
            place = posixpath.normpath(posixpath.join(prefix, bindir))
            root = prefix if place == prefix or place.startswith(prefix.rstrip("/") + "/") else place
            if destdir:
                place, root = posixpath.join(destdir, place.lstrip("/")), destdir
            found.append(Output(place, below=r"[^/]+", loose=True, native=root))
        return Built(found, configured.tool, configured.node, configured.step)


_DEFAULT_PREFIX = "/usr/local"


def _joined(args: list[str], option: str) -> list[str]:
    """``args`` with ``option`` and its value as one word (`-D NAME=value` -> `-DNAME=value`)."""
    joined: list[str] = []
    for word in args:
        if joined and joined[-1] == option:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _dune(model: "BuildModel", node, step: Step, args: list[str]) -> Optional[Built]:
    """`dune build` builds in `_build/default` of the workspace's root (the working directory or one
    above it, or --root): the named targets, or, for the default aliases, any `.exe` there and the
    public executables in `_build/install/default/bin`; `dune install --prefix P` installs them in
    `P/bin` (below --destdir)."""
    options, operands = _options(args, _DUNE_VALUES)
    if not operands or any(o in options for o in ("-x", "--build-dir", "--workspace", "--context", "--bindir")):
        return None  # cross-compiled (-x), or a build directory not known here
    if _env(model, node, step, "DUNE_BUILD_DIR")[0] or any("$(" in w or "`" in w for w in args):
        return None
    if operands[0] == "install":
        if not options.get("--prefix") or _env(model, node, step, "DESTDIR")[0]:
            return None  # opam's switch prefix, not shown
        prefix = _path(model, node, step, options["--prefix"])
        destdir = _path(model, node, step, options["--destdir"]) if options.get("--destdir") else ""
        if prefix is None or destdir is None:
            return None
        root = posixpath.join(destdir, prefix.lstrip("/")) if destdir else prefix
        return Built([Output(posixpath.join(root, "bin"), below=r"[^/]+", loose=True, native=destdir or root)],
                     "dune")
    if operands[0] != "build":
        return None
    cwd = step.cwd
    if "--root" in options:
        root = _path(model, node, step, options["--root"] or "")
        if root is None:
            return None
        roots = [root]
    else:
        roots = [cwd]
        while roots[-1] != "/":
            roots.append(posixpath.dirname(roots[-1]))
    targets = operands[1:]
    general = not targets or any(t in ("@install", "@default", "@@default", "@all") for t in targets)
    found: list[Output] = []
    for root in roots:
        relative = posixpath.relpath(cwd, root) if cwd == root or cwd.startswith(root.rstrip("/") + "/") else None
        build = posixpath.join(root, "_build")
        if general:
            found.append(Output(posixpath.join(build, "default"), below=_DUNE_EXE,
                                native=posixpath.join(build, "default")))
            found.append(Output(posixpath.join(build, "install", "default", "bin"), below=r"[^/]+", loose=True,
                                native=posixpath.join(build, "install", "default")))
        for target in targets:
            if target.startswith("@") or not target.endswith(".exe") or relative is None:
                continue
            target = posixpath.normpath(target)
            if target.startswith("_build/"):
                path = posixpath.join(cwd, target) if root == cwd else None
            else:
                path = posixpath.normpath(posixpath.join(build, "default", relative, target))
            if path is not None:
                found.append(Output(path, inside=False, native=path))
    return Built(found, "dune") if found else None
