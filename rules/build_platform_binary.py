"""DF117 build-platform-binary: a stage on $BUILDPLATFORM compiles for the build machine, and an image copies the result."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Iterator, NamedTuple, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import Step, program_text, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.tools import Invocation, program_name

_BUILD_ARCH = frozenset(("BUILDPLATFORM", "BUILDARCH"))
#: Any sign that the stage builds for another platform than its own: the target platform's ARGs,
#: cross-compilation settings and options, the xx helpers, an architecture named outright.
_CROSS = re.compile(
    r"TARGET(?:PLATFORM|OS|ARCH|VARIANT)|GOARCH|GOOS|GOARM|CARGO_BUILD_TARGET|RUSTFLAGS|--target|-target\b"
    r"|\bxx-|from=xx\b|tonistiigi/xx|--?march|CROSS|\bzig\b|aarch64|arm64|amd64|x86[_-]64|armv[5-8]|armhf|i[36]86"
    r"|riscv|ppc64|s390x|-linux-gnu|-linux-musl", re.I)
#: Compilers whose output runs only on the machine's own architecture (unless told otherwise).
_C_COMPILERS = frozenset("gcc g++ cc c++ clang clang++".split())


class BuildPlatformBinary(Rule):
    """A stage on `$BUILDPLATFORM` compiles for the build machine, and an image copies the binary.

    ## What it does
    Reports a native compiler — `go build` or `go install`, `cargo build`
    or `cargo install`, `rustc`, `gcc`/`g++`/`cc`/`clang` — run in a stage
    built `FROM --platform=$BUILDPLATFORM` (or `${BUILDPLATFORM}`,
    `$BUILDOS/$BUILDARCH`, or a stage built `FROM` such a stage), when
    nothing in the stage targets another platform, and a stage that follows
    the target platform copies from it (`COPY --from`).

    Nothing targets another platform when the stage and the stages it is
    built `FROM` never mention `TARGETPLATFORM`, `TARGETOS`, `TARGETARCH`
    or `TARGETVARIANT`, `GOOS`/`GOARCH`, `CARGO_BUILD_TARGET`, `RUSTFLAGS`,
    a `--target`, the `xx` helpers (`xx-go`, `xx-cargo`, `xx-clang`,
    `tonistiigi/xx`), nor an architecture by name (`arm64`, `x86_64`,
    `aarch64-linux-gnu-gcc`). The COPY must take the program the compiler
    writes (the file, a directory holding it, or a glob matching it):
    - its `-o` (`go build -o`, `gcc -o`, `rustc -o` or `--out-dir`);
    - for `go install`, `$GOBIN/<name>`, else `$GOPATH/bin/<name>` (`/go`
      in the golang image, else `~/go`), `<name>` being the package path's
      last element without its `@version` or major version (`.../hugo/v2`
      is `hugo`); any file of that directory when the name is not shown
      (`go install ./cmd/...`);
    - for `go build` of one package with no `-o`, `<name>` in the working
      directory (`go build a.go` writes `a`);
    - for `cargo install`, a file of `bin/` in its `--root`,
      `$CARGO_INSTALL_ROOT` or `$CARGO_HOME` (`/usr/local/cargo` in the
      rust image, else `~/.cargo`), not rustup's own programs there;
    - for `cargo build`, a file of `target/debug` or `target/release` (or
      its `--profile`) in the working directory or in `--target-dir` or
      `$CARGO_TARGET_DIR`;
    - for `gcc`, `cc`, `clang` with no `-o`, `a.out` in the working
      directory; for `rustc`, the source file's name.

    When the program's place cannot be known from the Dockerfile, nothing
    is reported: `go build .` with no `-o` (named after the module, in
    `go.mod`), `go build ./...` (several packages: nothing written), an
    output or a COPY source through a variable not known here, a relative
    output in an unknown working directory, `cargo build --manifest-path`
    (a workspace's target directory is at its root). A build tool run to
    produce portable files (`hugo`, `mdbook`, `protoc`, a generator built
    for the build) is what `$BUILDPLATFORM` is for: copying its output is
    not reported, only copying the program.

    Not reported: JavaScript and other portable builds (`npm run build`,
    `javac`, Maven, `dotnet publish`, whose output runs anywhere unless
    given a runtime identifier, which names an architecture), `make`,
    `cmake` and other build tools whose compiler cannot be seen, builder
    stages only other `$BUILDPLATFORM` stages copy from, and a stage that
    ships itself on `$BUILDPLATFORM` (DF116 `final-stage-build-platform`).

    ## Why is this bad?
    `--platform=$BUILDPLATFORM` makes the stage run natively on the build
    machine, so that it can cross-compile quickly for each
    `$TARGETPLATFORM`. Without the cross-compilation the compiler builds
    for the build machine: `docker buildx build --platform
    linux/amd64,linux/arm64` then puts the same amd64 binary in both
    images, and the arm64 one fails with `exec format error`. A build for
    the build machine's own platform hides the problem.

    ## Example
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /out/app .
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /out/app /app
    ENTRYPOINT ["/app"]
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    ARG TARGETOS TARGETARCH
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /out/app /app
    ENTRYPOINT ["/app"]
    ```

    ## Fix safety
    There is no fix: how to cross-compile (Go's `GOOS`/`GOARCH`, a Rust
    `--target` with its linker, a C cross compiler, or dropping
    `--platform` to compile under emulation) is yours to choose.
    """

    code = "DF117"
    name = "build-platform-binary"
    summary = "Stage on $BUILDPLATFORM compiles for the build machine, and a target-platform stage copies it"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        if "BUILD" not in ctx.file.text or "tonistiigi/xx" in ctx.file.text:
            return
        for stage in model.stages:
            if not _on_build_platform(model, stage) or model.is_windows(stage):
                continue
            copies = [(other, dep.instruction) for other in model.stages for dep in other.dependencies
                      if dep.kind == "copy" and dep.stage == stage.index and not _on_build_platform(model, other)]
            if not copies:
                continue
            lineage = model.lineage(stage)
            if any(_CROSS.search(_text(ctx, node)) for member in lineage for node in member.instructions):
                continue
            for node in stage.instructions:
                if not isinstance(node, ast.RunInstruction):
                    continue
                for step in run_steps(ctx.analysis, node):
                    if not _compiles(step.invocation):
                        continue
                    outputs = _outputs(ctx, node, step)
                    if not outputs:
                        continue  # no program, or none the Dockerfile can place
                    copy = next(((other, c) for other, c in copies if _takes(ctx, c, outputs)), None)
                    if copy is None:
                        continue
                    yield ctx.finding(step.command, _message(model, stage, step, copy[0], copy[1]),
                                      related=[("the copy into the image", copy[1])])


def _on_build_platform(model, stage) -> bool:
    """The stage (through the first stage of its lineage) is built for the build machine's architecture."""
    platform = model.lineage(stage)[0].platform
    return platform is not None and not platform.error and bool(platform.unresolved & _BUILD_ARCH)


def _text(ctx: RuleContext, node: ast.Instruction) -> str:
    return ctx.file.text[node.span.start.offset:node.span.end.offset]


def _compiles(invocation: Optional[Invocation]) -> bool:
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


class _Output(NamedTuple):
    """Where a compiler writes its program: the file ``path`` (with ``inside``, also any file below it:
    ``path`` is a directory, or may be one, such as an existing directory given to ``-o``), but not
    the names in ``exclude``."""

    path: str
    inside: bool = True
    exclude: frozenset[str] = frozenset()


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


def _outputs(ctx: RuleContext, node: ast.Instruction, step: Step) -> Optional[list[_Output]]:
    """Where the compiler's program goes, as far as the Dockerfile shows it: None when that
    cannot be known (and nothing is reported), an empty list when it writes no program."""
    invocation = step.invocation
    program = invocation.program
    if program == "go":
        return _go_outputs(ctx, node, step, invocation)
    words = [w.value for w in invocation.command.argv]
    start = next((i for i, w in enumerate(words) if program_name(w) == program), len(words))
    args = words[start + 1:]
    if program == "cargo":
        return _cargo_outputs(ctx, node, step, args)
    if program == "rustc":
        return _rustc_outputs(ctx, node, step, args)
    return _c_outputs(ctx, node, step, args)


def _go_outputs(ctx, node, step: Step, invocation: Invocation) -> Optional[list[_Output]]:
    operands = [w.value for w in invocation.operands]
    if any("$" in value for value in operands):
        return None
    if invocation.subcommand == "install":
        bins = _go_bins(ctx, node, step)
        if bins is None:
            return None
        names = [_go_name(value.split("@")[0]) for value in operands or ["."]]
        return [_Output(posixpath.join(b, name) if name else b) for b in bins for name in names]
    changed = invocation.has("-C")  # -C: relative paths are in another directory
    target = invocation.value("-o", "--o")
    if target is not None:
        path = _path(ctx, node, step, target, relative=not changed)
        return None if path is None else [_Output(path)]
    if changed or step.cwd is None:
        return None
    sources = [value for value in operands if value.endswith(".go")]
    if sources:  # go build a.go b.go writes `a`
        return [_Output(posixpath.join(step.cwd, posixpath.basename(sources[0])[:-3]), inside=False)]
    if len(operands) > 1:
        return []  # several packages: built and discarded, a check
    name = _go_name(operands[0]) if operands else None
    return None if name is None else [_Output(posixpath.join(step.cwd, name), inside=False)]


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


def _go_bins(ctx, node, step: Step) -> Optional[list[str]]:
    """Where `go install` puts programs: $GOBIN, else the first $GOPATH's bin (the golang image's
    /go, or the default ~/go)."""
    found, value = _env(ctx, node, step, "GOBIN")
    if found and value != "":
        return [value] if value and value.startswith("/") else None
    found, value = _env(ctx, node, step, "GOPATH")
    if found and value != "":
        first = (value or "").split(":")[0]
        return [posixpath.join(first, "bin")] if first.startswith("/") else None
    return ["/go/bin", "/root/go/bin"]


def _cargo_outputs(ctx, node, step: Step, args: list[str]) -> Optional[list[_Output]]:
    options: dict[str, Optional[str]] = {}
    operands = []
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            options[name] = value
        elif word in _CARGO_VALUES:
            i += 1
            options[word] = args[i] if i < len(args) else ""
        elif word.startswith("-"):
            options[word] = None
        elif not word.startswith("+"):  # cargo +nightly build
            operands.append(word)
        i += 1
    if any(value is not None and "$" in value for value in options.values()):
        return None
    if operands and operands[0] == "install":
        roots, exclude = _cargo_roots(ctx, node, step, options.get("--root"))
        paths = [_path(ctx, node, step, root) for root in roots]
        if not paths or None in paths:
            return None
        return [_Output(posixpath.join(path, "bin"), exclude=exclude) for path in paths]
    if "-C" in options or "--manifest-path" in options and "--target-dir" not in options:
        return None  # the workspace, and its target directory, are elsewhere
    target = options.get("--target-dir")
    if target is None:
        for variable in ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"):
            found, target = _env(ctx, node, step, variable)
            if found:
                if target is None:
                    return None
                break
        else:
            target = "target"
    directory = _path(ctx, node, step, target or "target")
    if directory is None:
        return None
    profile = options.get("--profile") or ("release" if "--release" in options or "-r" in options else "dev")
    profile = {"dev": "debug", "test": "debug", "bench": "release"}.get(profile, profile)
    found = [_Output(posixpath.join(directory, profile))]
    for option in ("--artifact-dir", "--out-dir"):
        if options.get(option):
            path = _path(ctx, node, step, options[option])
            if path is None:
                return None
            found.append(_Output(path))
    return found


def _cargo_roots(ctx, node, step: Step, root: Optional[str]) -> tuple[list[str], frozenset[str]]:
    """Where `cargo install` puts `bin/`: --root, else $CARGO_INSTALL_ROOT, else $CARGO_HOME (the rust
    image's /usr/local/cargo, or the default ~/.cargo), whose bin/ also holds rustup's proxies; no
    root when a variable's value is not known."""
    if root is not None:
        return [root], frozenset()
    found, value = _env(ctx, node, step, "CARGO_INSTALL_ROOT")
    if found and value != "":
        return ([value] if value is not None else []), frozenset()
    found, value = _env(ctx, node, step, "CARGO_HOME")
    if found and value != "":
        return ([value] if value is not None else []), _RUSTUP_PROXIES
    return ["/usr/local/cargo", "/root/.cargo"], _RUSTUP_PROXIES


def _rustc_outputs(ctx, node, step: Step, args: list[str]) -> Optional[list[_Output]]:
    for i, word in enumerate(args):
        if word in ("-o", "--out-dir") and i + 1 < len(args) or word.startswith("--out-dir="):
            value = word.partition("=")[2] if "=" in word else args[i + 1]
            path = _path(ctx, node, step, value)
            return None if path is None else [_Output(path)]
    if any(word.startswith(("--crate-name", "--crate-type", "--emit")) for word in args):
        return None
    sources = [word for word in args if word.endswith(".rs") and not word.startswith("-")]
    if not sources or step.cwd is None:
        return None
    stem = posixpath.basename(sources[0])[:-3]
    if "-" in stem:
        return None  # named after the crate, whose name may be `tool_x` or set in the source
    return [_Output(posixpath.join(step.cwd, stem), inside=False)]


def _c_outputs(ctx, node, step: Step, args: list[str]) -> Optional[list[_Output]]:
    for i, word in enumerate(args):
        if word == "-o" and i + 1 < len(args) or word.startswith("-o") and len(word) > 2:
            path = _path(ctx, node, step, args[i + 1] if word == "-o" else word[2:])
            return None if path is None else [_Output(path, inside=False)]
    if step.cwd is None:
        return None
    return [_Output(posixpath.join(step.cwd, "a.out"), inside=False)]


def _path(ctx, node, step: Step, value: str, relative: bool = True) -> Optional[str]:
    """``value`` as an absolute path (ARG and ENV values expanded), or None when not known."""
    if "$" in value:
        names = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", value))
        if "$(" in value or names & (set(step.exported) | {a.name for a in step.command.assignments}):
            return None
        expansion = ctx.model.expand(node, value)
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


def _env(ctx, node, step: Step, name: str) -> tuple[bool, Optional[str]]:
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
    variable = ctx.model.scope_at(node).get(name)
    if variable is not None:
        return True, variable.value
    return False, None


def _takes(ctx: RuleContext, copy: ast.Instruction, outputs: list[_Output]) -> bool:
    """The COPY --from takes one of ``outputs``: names it, a directory holding it, or a glob
    matching it (or a file below an output that may be a directory). A source that cannot be
    resolved takes nothing that can be shown."""
    for source in getattr(copy, "sources", ()):
        expansion = ctx.model.expand(copy, source.value)
        if not expansion.resolved:
            continue
        wanted = [p for p in posixpath.normpath("/" + expansion.value.lstrip("/")).split("/") if p]
        for output in outputs:
            parts = [p for p in output.path.split("/") if p]
            common = min(len(wanted), len(parts))
            if not all(fnmatch.fnmatchcase(have, pattern) for pattern, have in zip(wanted[:common], parts)):
                continue
            if len(wanted) <= len(parts):
                return True
            if output.inside and not (wanted[len(parts)] in output.exclude):
                return True
    return False


def _message(model, stage, step: Step, target, copy: ast.Instruction) -> str:
    invocation = step.invocation
    verb = invocation.subcommand_word or (invocation.operands[0] if invocation.program == "cargo" else None)
    shown = program_text(invocation) + (f" {verb.value}" if verb is not None else "")
    root = model.lineage(stage)[0]
    how = {"go": "declare `ARG TARGETOS TARGETARCH` and build with `GOOS=$TARGETOS GOARCH=$TARGETARCH`",
           "cargo": "build with `--target` for $TARGETPLATFORM (xx-cargo picks it)"}.get(
        invocation.program, "cross-compile for $TARGETPLATFORM (xx-clang picks the compiler)")
    return (f"`{shown}` compiles for the build machine: stage {stage.label} runs on "
            f"{root.from_instruction.platform.value} (line {root.line}) and nothing in it targets $TARGETPLATFORM, "
            f"so the COPY on line {copy.line} gives stage {target.label} the build machine's binary, and the other "
            f"platforms of a multi-platform build fail with `exec format error`; {how}, or remove --platform")
