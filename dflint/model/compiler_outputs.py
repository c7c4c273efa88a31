"""Where a compiler run in a RUN writes the program it builds, as far as the Dockerfile shows it.

``go build``/``go install``, ``cargo build``/``cargo install``, ``rustc`` and the
C compilers: their ``-o`` (or ``--target-dir``, ``--root``...), else where the tool
puts its output by default (``$GOBIN``, ``$CARGO_HOME/bin``, ``target/release``,
``a.out``), with ARG and ENV values expanded. DF117 build-platform-binary uses
it to tell a copied program from other files a build stage writes.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, NamedTuple, Optional

from .. import ast
from ..shell.tools import Invocation, program_name
from .layers import Step

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel

__all__ = ["Output", "compiles", "outputs"]

#: Compilers whose output runs only on the machine's own architecture (unless told otherwise).
_C_COMPILERS = frozenset("gcc g++ cc c++ clang clang++".split())


def compiles(invocation: Optional[Invocation]) -> bool:
    """A compiler that builds a native program for the machine it runs on."""
    if invocation is None:
        return False
    program = invocation.program
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
    the names in ``exclude``. With ``unnamed``, one file directly in the directory ``path`` whose name
    the Dockerfile does not show (`go build .` names it after the module, in go.mod): any name there
    may be it, and the caller must rule out that something else put the file it means there."""

    path: str
    inside: bool = True
    exclude: frozenset[str] = frozenset()
    unnamed: bool = False


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
    return _c_outputs(model, node, step, args)


def _go_outputs(model: "BuildModel", node, step: Step, invocation: Invocation) -> Optional[list[Output]]:
    operands = [w.value for w in invocation.operands]
    if any("$" in value for value in operands):
        return None
    if invocation.subcommand == "install":
        bins = _go_bins(model, node, step)
        if bins is None:
            return None
        names = [_go_name(value.split("@")[0]) for value in operands or ["."]]
        return [Output(posixpath.join(b, name) if name else b) for b in bins for name in names]
    changed = invocation.has("-C")  # -C: relative paths are in another directory
    target = invocation.value("-o", "--o")
    if target is not None:
        path = _path(model, node, step, target, relative=not changed)
        return None if path is None else [Output(path)]
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
    options: dict[str, Optional[str]] = {}
    operands = []
    bins = []
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            options[name] = value
            if name == "--bin":
                bins.append(value)
        elif word in _CARGO_VALUES:
            i += 1
            options[word] = args[i] if i < len(args) else ""
            if word == "--bin":
                bins.append(options[word])
        elif word.startswith("-"):
            options[word] = None
        elif not word.startswith("+"):  # cargo +nightly build
            operands.append(word)
        i += 1
    if any(value is not None and "$" in value for value in [*options.values(), *bins]):
        return None
    if operands and operands[0] == "install":
        roots, exclude = _cargo_roots(model, node, step, options.get("--root"))
        paths = [_path(model, node, step, root) for root in roots]
        if not paths or None in paths:
            return None
        return [Output(posixpath.join(path, "bin"), exclude=exclude) for path in paths]
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
        found = [Output(posixpath.join(d, profile)) for d in directories]
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
