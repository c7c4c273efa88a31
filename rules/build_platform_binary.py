"""DF117 build-platform-binary: a stage on $BUILDPLATFORM compiles for the build machine, and an image copies the result."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.compiler_outputs import NativeBuilds, Output, compiles, copy_paths, covers, outputs, tool_verb
from dflint.model.copies import copied, may_have_copied
from dflint.model.paths import has_glob
from dflint.model.layers import Step, program_text, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.inert import NO_PROJECT_FILES

_BUILD_ARCH = frozenset(("BUILDPLATFORM", "BUILDARCH"))
#: Any sign that the stage builds for another platform than its own: the target platform's ARGs,
#: cross-compilation settings and options (not cmake's `--build DIR --target install`), the xx helpers,
#: an architecture named outright.
_CROSS = re.compile(
    r"TARGET(?:PLATFORM|OS|ARCH|VARIANT)|GOARCH|GOOS|GOARM|CARGO_BUILD_TARGET|RUSTFLAGS"
    r"|--target(?![\s=\x22',]+install\b)|(?<![-\w])-target\b"
    r"|\bxx-|from=xx\b|tonistiigi/xx|--?march|CROSS|\bzig\s+c(?:c|\+\+)\b|zigbuild"
    r"|aarch64|arm64|amd64|x86[_-]64|armv[5-8]|armhf|i[36]86"
    r"|riscv|ppc64|s390x|-linux-gnu|-linux-musl", re.I)


class BuildPlatformBinary(Rule):
    """A stage on `$BUILDPLATFORM` compiles for the build machine, and an image copies the binary.

    ## What it does
    Reports a native compiler — `go build` or `go install`, `cargo build`
    or `cargo install`, `rustc`, `gcc`/`g++`/`cc`/`clang`, `ghc`, `cabal
    install`, `stack install` (or `stack build --copy-bins`), `dart compile
    exe`, `swift build`, `zig build` or `zig build-exe`, the install step
    of a configure, cmake or dune build (below) — or `mix release`
    (which bundles the build machine's Erlang runtime, ERTS) run in a stage
    built `FROM --platform=$BUILDPLATFORM` (or `${BUILDPLATFORM}`,
    `$BUILDOS/$BUILDARCH`, or a stage built `FROM` such a stage), when
    nothing in the stage targets another platform, and a stage that follows
    the target platform copies from it (`COPY --from`).

    Nothing targets another platform when the stage and the stages it is
    built `FROM` never mention `TARGETPLATFORM`, `TARGETOS`, `TARGETARCH`
    or `TARGETVARIANT`, `GOOS`/`GOARCH`, `CARGO_BUILD_TARGET`, `RUSTFLAGS`,
    a `--target` or `-target`, `zig cc` or `cargo zigbuild`, the `xx` helpers (`xx-go`, `xx-cargo`, `xx-clang`,
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
      directory (`go build a.go` writes `a`); with `-o` a directory,
      `<name>` in it (`go build -o /out/ ./cmd/server` writes
      `/out/server`), or any file of it when the name is not shown
      (`go build -o /out/ ./...`, `go build -o /out/ .`);
    - for `go build` or `go build .` with no `-o`, whose program is named
      after the module (in `go.mod`), a file named directly in the working
      directory that nothing else in the stage may have put there: no COPY
      or ADD (`COPY . .` may bring any file), and no command of a RUN but
      package managers, `go mod`, compilers whose outputs are elsewhere and
      commands such as `mkdir` or `chown`;
    - for `cargo install`, a file of `bin/` in its `--root`,
      `$CARGO_INSTALL_ROOT` or `$CARGO_HOME` (`/usr/local/cargo` in the
      rust image, else `~/.cargo`), not rustup's own programs there;
    - for `cargo build`, a file of `target/debug` or `target/release` (or
      its `--profile`, below `target/<triple>` with `--target`) in
      `--target-dir` or `$CARGO_TARGET_DIR`, else in the working directory
      (or the directory of `--manifest-path`) or any directory above it: a
      workspace member's `target` is at the workspace's root
      (`WORKDIR /src/crates/app` builds into `/src/target`); with `--bin
      <name>`, only `<name>` there;
    - for `gcc`, `cc`, `clang` with no `-o`, `a.out` in the working
      directory; for `rustc`, the source file's name;
    - for `ghc`, its `-o`, else the Main module's file without its
      extension, next to it (`ghc app/Main.hs` writes `app/Main`);
    - for `cabal install`, a file of `--installdir`, else of
      `$CABAL_DIR/bin`, `~/.cabal/bin` or (cabal 3.10 and later without
      `~/.cabal`) `~/.local/bin`; for `stack install`, of
      `--local-bin-path`, else `~/.local/bin`;
    - for `dart compile exe`, its `-o`, else the source file with `.exe`
      for `.dart` on every platform (`bin/server.dart` writes
      `bin/server.exe`);
    - for `swift build`, a file without a dot in its name in
      `.build/debug` (`.build/release` with `-c release`) in the working
      directory, `--package-path` or `--scratch-path` (not
      `App.swiftmodule` or the `App_App.resources` bundle);
    - for `zig build`, a file of `zig-out/bin` in the working directory
      or a directory above it (the one with build.zig), or of `bin` in
      `--prefix`; for `zig build-exe a.zig`, `a` in the working directory
      (or `--name`, `-femit-bin=`);
    - for `mix release`, `_build/$MIX_ENV/rel` (`dev` without MIX_ENV),
      or `--path`: the release, its `bin` or `erts-*`, not its other
      files (`lib/app-1.0/priv/static`);
    - where a later `cp`, `mv` or `install` of the stage copies one of
      these (`cp .build/release/App /out/app`; `cp target/release/app
      /out/` puts `/out/app`).

    A build system's install step is reported too, with more conditions,
    since an install prefix may hold scripts and data as well as programs:
    - `make install` (`install-strip`) where `./configure` ran, which
      installs in its `--prefix` (`/usr/local`; `--exec-prefix`,
      `--bindir`, `--sbindir`), below `DESTDIR`; `cmake --install DIR`
      (its `--prefix`), `cmake --build DIR --target install`, or `make
      install`/`ninja install` in a directory `cmake` configured, which
      install in `CMAKE_INSTALL_PREFIX` (`-D`, `--install-prefix`, the
      environment; `/usr/local`), below `$DESTDIR`; any configure or cmake
      project counts as native code;
    - `dune build` (or `opam exec -- dune build`), whose `.exe` targets are
      in `_build/default` of the workspace's root (the working directory or
      one above it, or `--root`), the public executables in
      `_build/install/default/bin`; `dune install --prefix P` (`P/bin`,
      below `--destdir`);
    - the COPY takes the install root (the prefix, or `DESTDIR`;
      `_build/default`) or a path below it, not a directory above it
      (`COPY --from=build /opt /opt`), and not the prefix's `lib` or `share`
      alone;
    - the copying stage runs a program of it: its ENTRYPOINT or CMD names
      the place the COPY puts it (`/opt/ffmpeg/bin/ffmpeg`), or the COPY
      puts the programs' directory (`bin`, `sbin`) or a program in a
      directory of its PATH (Docker's default PATH, and what ENV PATH
      adds);
    - nothing in the stage (or a stage it is built FROM) shows a
      cross-compilation: `--host` or `--build=` (configure), `--cross-*`,
      `--arch`, a sysroot, a toolchain (`CMAKE_TOOLCHAIN_FILE`,
      `--toolchain`), `CMAKE_SYSTEM_NAME`/`CMAKE_SYSTEM_PROCESSOR`, a
      `CMAKE_<LANG>_COMPILER`, `CC`/`CXX`/`CHOST` set or named, Conan or
      vcpkg, dune's `-x`, nor any of the signs above.

    In a directory whose programs are named after what the Dockerfile does
    not show (`go build -o /out/ ./...`, `go install ./cmd/...`, `cabal
    install --installdir`, `stack --local-bin-path`, `cargo install`'s
    `bin/`, cargo's `target/release`), a file that a later step of the
    stage may have put there is not taken for the program: a COPY or ADD
    naming it or a directory above it (`COPY config/prod.yaml /out/`), a
    `cp`, `mv` or `install` into it, another compiler's output, a
    redirection, or any other command (a script, `cargo run ... --out
    target/release/assets.json`, running the program), but not one that
    only reads or changes a file in place (`strip`, `upx`, `ls`). A file
    put there before the compiler is still taken (the compiler may have
    overwritten it).

    `mix release` is not reported when the copying stage (or one it is
    built `FROM`) names Erlang or Elixir (an `erlang` image, an
    `erlang-base` package): mix.exs, which the Dockerfile does not show,
    may set `include_erts: false`, and the release then runs on that
    stage's Erlang. Without Erlang there, the release needs its own ERTS,
    the build machine's. Cross-compilation options silence each tool:
    `-Dtarget=`, `-target`, `--target-os`/`--target-arch`,
    `--swift-sdk`/`--triple`, `cabal -w`, `stack --arch`, and a cross GHC
    is a program of another name (`aarch64-linux-gnu-ghc`).

    When the program's place cannot be known from the Dockerfile, nothing
    is reported: `go build .` with no `-o` where the stage may also have
    put the copied file there (after `COPY . .`, or a script run), or when
    the COPY takes the whole directory or a glob, `go build ./...` (several
    packages: nothing written), an output or a COPY source through a
    variable not known here, a relative output in an unknown working
    directory, `cargo -C`, `cabal build` (its `dist-newstyle` path holds
    versions; `cp $(cabal list-bin app)` is not followed), `ghc` given
    several source files, a `zig build` step of build.zig's own (`zig
    build test`), a copy by `cp` whose source is a command substitution.
    `zig build` with no `-Dtarget=` is reported: a build.zig that
    hard-codes its target (`b.resolveTargetQuery(...)` instead of
    `b.standardTargetOptions(...)`) cross-compiles without it, which the
    Dockerfile cannot show, and the report is then a false positive to
    silence with a `# dflint: ignore=build-platform-binary` comment. A build tool run to
    produce portable files (`hugo`, `mdbook`, `protoc`, a generator built
    for the build) is what `$BUILDPLATFORM` is for: copying its output is
    not reported, only copying the program.

    Not reported: JavaScript and other portable builds (`npm run build`,
    `flutter build web`, `javac`, Maven, Gradle, sbt, `mix escript.build`,
    `deno compile --target`, `dotnet publish`, whose output runs anywhere unless
    given a runtime identifier, which names an architecture), build tools
    whose compiler or output cannot be seen (`make` without configure or
    cmake, a configure run as `sh configure`, `cmake --preset`, meson,
    bazel, `setup.py install`, `opam install`, `dune install` without
    `--prefix`), a `make install` in another directory than the one
    configured, or given `prefix=`/`bindir=`, a configure in another
    stage than the install, a prefix's libraries copied for a program the
    Dockerfile does not show to load them, a file that a later step may
    have put in the prefix's `bin` (`COPY entrypoint.sh /opt/x/bin/`, a
    later `make install`: only `rm`, `strip` and the like are known to add
    none), builder stages only other `$BUILDPLATFORM` stages copy from,
    and a stage that ships itself on `$BUILDPLATFORM` (DF116
    `final-stage-build-platform`).

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
    `--target` with its linker, a C cross compiler given to configure's
    `--host` or in a cmake toolchain file, or dropping
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
        copiers: dict[int, list] = {}  # stage index -> (copying stage, COPY --from), in file order
        for other in model.stages:
            for dep in other.dependencies:
                if dep.kind == "copy" and dep.stage is not None:
                    copiers.setdefault(dep.stage, []).append((other, dep.instruction))
        crosses: dict[int, bool] = {}
        for stage in model.stages:
            if not _on_build_platform(model, stage) or model.is_windows(stage):
                continue
            copies = [(other, c) for other, c in copiers.get(stage.index, ()) if not _on_build_platform(model, other)]
            if not copies or _crosses(ctx, stage, crosses):
                continue
            yield from _Stage(ctx, stage).findings(copies)


def _on_build_platform(model, stage) -> bool:
    """The stage (through the first stage of its lineage) is built for the build machine's architecture."""
    platform = model.lineage(stage)[0].platform
    return platform is not None and not platform.error and bool(platform.unresolved & _BUILD_ARCH)


def _crosses(ctx: RuleContext, stage, memo: dict[int, bool]) -> bool:
    """Something in the stage or a stage it is built FROM targets another platform; remembered per
    stage in ``memo``, so that a chain of stages is read once."""
    lineage = ctx.model.lineage(stage)
    i = len(lineage)
    while i > 0 and lineage[i - 1].index not in memo:
        i -= 1
    found = memo[lineage[i - 1].index] if i > 0 else False
    for member in lineage[i:]:
        found = found or any(_CROSS.search(_text(ctx, node)) for node in member.instructions)
        memo[member.index] = found
    return found


class _Index:
    """Outputs by path, each with the compile steps (numbers) whose program it may be: which of them
    a path names, holds or lies below, without comparing the path with every output."""

    def __init__(self) -> None:
        self.origins: dict[Output, set[int]] = {}
        self._at: dict[tuple[str, ...], list[Output]] = {}  # by the output's path
        self._under: dict[tuple[str, ...], list[Output]] = {}  # by each directory above it, and its path

    def add(self, output: Output, origins) -> None:
        known = self.origins.get(output)
        if known is not None:
            known.update(origins)
            return
        self.origins[output] = set(origins)
        parts = tuple(p for p in output.path.split("/") if p)
        self._at.setdefault(parts, []).append(output)
        for end in range(len(parts) + 1):
            self._under.setdefault(parts[:end], []).append(output)

    def covering(self, wanted: list[str], globs: bool = False) -> list[Output]:
        """The outputs that ``wanted`` covers (:func:`covers`), in the order they were added."""
        if globs and any(_GLOB.search(part) for part in wanted):
            found = list(self.origins)
        else:
            key = tuple(wanted)
            found = list(self._under.get(key, ()))
            for end in range(len(key)):
                found.extend(self._at.get(key[:end], ()))
        return [output for output in found if covers(output, wanted, globs=globs)]


_GLOB = re.compile(r"[*?\[]")


class _Stage:
    """One build stage read once: its compile steps, where their programs go (followed through a later
    `cp`, `mv` or `install`), and which COPY --from takes each first."""

    def __init__(self, ctx: RuleContext, stage) -> None:
        self.ctx = ctx
        self.stage = stage
        self.compiled: list[tuple[ast.RunInstruction, Step]] = []
        self.index = _Index()
        self._elsewhere: dict[str, tuple[bool, list[Step]]] = {}
        self._writers = None
        self._numbers: dict[int, int] = {}  # id of a compile step -> its number
        self._later = _Later()
        self._at: list[int] = []  # compile step number -> its position among the stage's steps
        self._cross: Optional[bool] = None
        self._runs_memo: dict[int, tuple[list[str], list[str]]] = {}  # copying stage -> what it runs, its PATH
        self.native: dict = {}  # compile step number -> the build system's install step (Built) it is
        builds = NativeBuilds()
        model = ctx.model
        for node in stage.instructions:
            if not isinstance(node, ast.RunInstruction):
                self._later.instruction(ctx, node)
                continue
            steps = run_steps(ctx.analysis, node)
            if not steps:
                self._later.anything()
            for step in steps:
                written = _writes(model, node, step)
                compiler = compiles(step.invocation)
                if compiler:
                    placed = outputs(model, node, step)
                else:  # a build system's install step: its prefix, known from the configure step
                    built = builds.step(model, node, step)
                    placed = built.outputs if built is not None else None
                    if built is not None:
                        self.native[len(self.compiled)] = built
                if placed:  # else no program, or none the Dockerfile can place
                    self._numbers[id(step)] = len(self.compiled)
                    self._at.append(self._later.position + 1)
                    self.compiled.append((node, step))
                    for output in placed:
                        self.index.add(output, (len(self.compiled) - 1,))
                elif not compiler and self.index.origins:
                    self._follow(node, step)
                self._later.step(model, node, step, written)

    def _follow(self, node: ast.RunInstruction, step: Step) -> None:
        """Where a `cp`, `mv` or `install` copies programs found so far: its destination holds the
        programs of every compile step whose output it copies."""
        copy = copy_paths(self.ctx.model, node, step)
        if copy is None:
            return
        sources, target = copy
        for wanted in sources:
            origins: set[int] = set()
            named = True  # the source is a program (not a directory holding one, nor a glob)
            native = None  # a build system's programs: the copy must be seen to run, as theirs
            for output in self.index.covering(wanted, globs=True):
                if output.native is not None:
                    if not _native_taken(output, wanted):
                        continue
                    native = target
                origins |= self.index.origins[output]
                depth = len([p for p in output.path.split("/") if p])
                named = named and (len(wanted) > depth or not output.inside or output.unnamed)
            if not origins:
                continue
            if named and not any(_GLOB.search(part) for part in wanted):  # the file, or DIR/<its name>
                self.index.add(Output(target, inside=False, native=native), origins)
                self.index.add(Output(posixpath.join(target, wanted[-1]), inside=False,
                                      native=native and posixpath.join(target, wanted[-1])), origins)
            else:
                self.index.add(Output(target, native=native), origins)

    def findings(self, copies) -> Iterator[Finding]:
        ctx, model = self.ctx, self.ctx.model
        first: dict[int, tuple] = {}  # compile step number -> the first (stage, COPY) taking its program
        for other, copy in copies:
            if len(first) == len(self.compiled):
                break
            erlang = None
            for source in getattr(copy, "sources", ()):
                expansion = model.expand(copy, source.value)
                if not expansion.resolved:
                    continue
                wanted = [p for p in posixpath.normpath("/" + expansion.value.lstrip("/")).split("/") if p]
                for output in self.index.covering(wanted, globs=True):
                    numbers = self.index.origins[output]
                    if output.native is not None:  # a build system's: its prefix taken, and a program run
                        if not _native_taken(output, wanted) or not self._runs(other, copy, source, wanted, output):
                            continue
                        numbers = [n for n in numbers if n not in self.native or not self._build_crosses()]
                    if output.unnamed:
                        numbers = self._made_here(numbers, "/" + "/".join(wanted))
                    elif output.loose and len(wanted) > output.path.count("/") and not _GLOB.search(
                            "".join(wanted)):  # a file below a directory of programs named as not shown
                        written = self._later.last(model, self.stage, wanted)
                        numbers = [n for n in numbers if self._at[n] >= written]  # (the compiler's own output: itself)
                    for number in numbers:
                        if number in first:
                            continue
                        node, step = self.compiled[number]
                        if step.invocation.program == "mix":
                            if erlang is None:
                                erlang = _has_erlang(ctx, other)
                            if erlang:
                                continue
                        first[number] = (other, copy)
        for number, (node, step) in enumerate(self.compiled):
            if number in first:
                other, copy = first[number]
                built = self.native.get(number)
                message = (_native_message(model, self.stage, step, built, other, copy) if built is not None
                           else _message(model, self.stage, step, other, copy))
                yield ctx.finding(step.command, message,
                                  related=[("the copy into the image", copy)])

    def _build_crosses(self) -> bool:
        """The stage (or one it is built FROM) shows a sign of cross-compiling a configure, cmake or dune
        build: `--host`, a toolchain file, a compiler chosen by CC..."""
        if self._cross is None:
            ctx = self.ctx
            self._cross = any(_BUILD_CROSS.search(_text(ctx, node)) for member in ctx.model.lineage(self.stage)
                              for node in member.instructions)
        return self._cross

    def _runs(self, other, copy, source, wanted: list[str], output: Output) -> bool:
        """The COPY of ``wanted`` (taking ``output``'s programs) puts one where stage ``other`` runs it: a
        path its ENTRYPOINT or CMD names, or a directory on its PATH."""
        model = self.ctx.model
        if model.is_windows(other):
            return False
        entries = [entry for entry in copied(model, copy) if entry.source is source]
        if len(entries) != 1 or has_glob(entries[0].path) or _GLOB.search("/".join(wanted)):
            return False
        landing = entries[0].path.rstrip("/") or "/"
        depth = len([p for p in output.path.split("/") if p])

        def back(path: str) -> Optional[list[str]]:  # the build stage's path that lands at ``path``
            if path == landing:
                return list(wanted)
            if path.startswith(landing.rstrip("/") + "/"):
                return wanted + [p for p in path[len(landing):].split("/") if p]
            return None

        def program(parts: list[str]) -> bool:
            if not covers(output, parts) or len(parts) < depth or len(parts) == depth and output.inside:
                return False
            if output.loose and len(parts) > depth:  # a file something after the install may have put there
                later = self._later.last(model, self.stage, parts)
                return any(self._at[n] >= later for n in self.index.origins[output])
            return True

        runs = self._runs_memo.get(other.index)
        if runs is None:
            runs = self._runs_memo[other.index] = (_run_programs(model, other), _path_dirs(model, other))
        for name in runs[0]:
            if name.startswith("/"):
                parts = back(name)
                if parts is not None and program(parts):
                    return True
        for directory in runs[1]:
            parts = back(directory)
            if parts is not None and (len(parts) == depth and output.inside and
                                      [p for p in output.path.split("/") if p] == parts):
                return True  # the programs' directory lands on PATH
            if posixpath.dirname(landing) == directory and program(list(wanted)):
                return True  # the program itself lands on PATH
        return False

    def _made_here(self, numbers, path: str):
        """Of the compile steps ``numbers``, those that nothing else in the build stage's lineage
        may have put the file ``path`` there for: a COPY or ADD, or a command of a RUN not known to
        leave it alone (another compile step among them)."""
        known = self._elsewhere.get(path)
        if known is None:
            known = self._elsewhere[path] = self._writers_of(path)
        always, writers = known
        if always or len(writers) > 1:
            return ()
        if not writers:
            return numbers
        number = self._numbers.get(id(writers[0]))
        return (number,) if number in numbers else ()

    def _writers_of(self, path: str) -> tuple[bool, list[Step]]:
        """Whether a COPY or ADD (or a RUN whose shell is not read) may have written ``path``, and the
        first two RUN steps that may have (two: one of them may be the compile step asked about)."""
        ctx = self.ctx
        if self._writers is None:
            self._writers = self._lineage_writers()
        unread, always, named, compiled = self._writers
        if unread:
            return True, []
        wanted = [p for p in path.split("/") if p]
        writers = list(always[:2])
        if len(writers) < 2 and wanted[-1] in ("go.mod", "go.sum", "vendor"):
            writers.extend(named[:2 - len(writers)])
        for output in compiled.covering(wanted) if len(writers) < 2 else ():
            for number in compiled.origins[output]:
                writer = self._lineage_steps[number]
                if all(writer is not w for w in writers):
                    writers.append(writer)
                    if len(writers) == 2:
                        break
        if len(writers) < 2:  # else the answer is known without asking about the COPY instructions
            last = self.stage.instructions[-1]
            if isinstance(last, (ast.CopyInstruction, ast.AddInstruction)) or may_have_copied(ctx.model, last, path):
                return True, []
        return False, writers

    def _lineage_writers(self):
        """The RUN steps of the lineage that may write files: (a RUN whose shell is not read, the steps
        that may write any file, the `go mod`-like steps that write go.mod/go.sum/vendor, an index of
        the compilers' outputs, whose origins number ``self._lineage_steps``)."""
        ctx, model = self.ctx, self.ctx.model
        always: list[Step] = []
        named: list[Step] = []
        compiled = _Index()
        self._lineage_steps: list[Step] = []
        for member in model.lineage(self.stage):
            for node in member.instructions:
                if not isinstance(node, ast.RunInstruction):
                    continue
                steps = run_steps(ctx.analysis, node)
                if not steps:
                    return True, always, named, compiled
                for step in steps:
                    kind = _writes(model, node, step)
                    if kind is True:
                        always.append(step)
                    elif kind == "go.mod":
                        named.append(step)
                    elif kind:  # a compiler's outputs
                        self._lineage_steps.append(step)
                        for output in kind:
                            compiled.add(output, (len(self._lineage_steps) - 1,))
        return False, always, named, compiled


class _Later:
    """Where the steps and instructions of a build stage may write, by position (a count of them), to
    tell which file of a directory of programs something after the compiler may have put there."""

    def __init__(self) -> None:
        self.position = 0
        self.last_any = -1  # the last step that may write any file
        self.last_go_mod = -1
        self.last_copy = None  # the stage's last instruction, when a COPY or ADD
        self.copies: dict[int, int] = {}  # id of a COPY or ADD -> its position
        self.targets: dict[tuple[str, ...], int] = {}  # a cp/mv/install destination -> its last position
        self.compiled = _Index()  # compilers' outputs, whose origins are positions
        self._memo: dict[tuple[str, ...], int] = {}

    def anything(self) -> None:
        self.position += 1
        self.last_any = self.position
        self.last_copy = None

    def instruction(self, ctx: RuleContext, node: ast.Instruction) -> None:
        self.position += 1
        if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
            self.copies[id(node)] = self.position
            self.last_copy = node
        else:
            self.last_copy = None

    def step(self, model, node: ast.RunInstruction, step: Step, written) -> None:
        self.position += 1
        self.last_copy = None
        if written is True:
            invocation = step.invocation
            if invocation is not None and invocation.program in _IN_PLACE and not any(
                    r.writes_a_file for r in step.command.redirects):
                return
            copy = copy_paths(model, node, step) if invocation is not None else None
            if copy is not None:
                self.targets[tuple(p for p in copy[1].split("/") if p)] = self.position
            else:
                self.last_any = self.position
        elif written == "go.mod":
            self.last_go_mod = self.position
        elif written:
            for output in written:
                self.compiled.add(output, (self.position,))

    def last(self, model, stage, wanted: list[str]) -> int:
        """The position of the last step or instruction that may have written the file ``wanted``
        (-1: none)."""
        key = tuple(wanted)
        known = self._memo.get(key)
        if known is not None:
            return known
        found = self.last_any
        if self.last_copy is not None and _copy_writes(model, self.last_copy, "/" + "/".join(wanted)):
            found = max(found, self.copies[id(self.last_copy)])
        if wanted[-1] in ("go.mod", "go.sum", "vendor"):
            found = max(found, self.last_go_mod)
        for end in range(len(key) + 1):  # cp a /out/, cp a /out/x
            found = max(found, self.targets.get(key[:end], -1))
        for output in self.compiled.covering(wanted):
            found = max(found, *self.compiled.origins[output])
        copy = may_have_copied(model, stage.instructions[-1], "/" + "/".join(wanted))
        if copy is not None:
            found = max(found, self.copies.get(id(copy), -1))
        self._memo[key] = found
        return found


def _native_taken(output: Output, wanted: list[str]) -> bool:
    """``wanted`` is a build system's install root (prefix, DESTDIR) or a path below it: not a
    directory above, which may be taken for something else."""
    return len(wanted) >= len([p for p in output.native.split("/") if p])


def _run_programs(model, stage) -> list[str]:
    """The programs the ENTRYPOINT and CMD in effect at the end of ``stage`` (set there or in a stage it
    is built FROM) name, expanded; absolute paths normalized."""
    last: dict[type, ast.Instruction] = {}
    for member in model.lineage(stage):
        for node in member.instructions:
            if isinstance(node, (ast.EntrypointInstruction, ast.CmdInstruction)):
                last[type(node)] = node
    found = []
    for node in last.values():
        if node.args:
            first = node.args[0].value if node.exec_form else (node.args[0].value.split() or [""])[0]
            expansion = model.expand(node, first)
            if expansion.resolved and expansion.value:
                value = expansion.value
                found.append(posixpath.normpath(value) if value.startswith("/") else value)
    return found


#: The PATH of an image that does not set one (Docker's default, which BuildKit gives scratch too).
_DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def _path_dirs(model, stage) -> list[str]:
    """The directories of PATH at the end of ``stage``: its known entries, and Docker's default ones."""
    found = list(_DEFAULT_PATH)
    variable = model.final_scope(stage).get("PATH")
    value = variable.value if variable is not None else None
    if value:  # (a part not known is left out)
        found.extend(posixpath.normpath(p) for p in value.split(":") if p.startswith("/") and "$" not in p
                     and "\ue000" not in p)
    return found


#: Signs that a configure, cmake or dune build of the stage targets another platform than the one it
#: runs on: a host or build triplet, a cross prefix or sysroot, a toolchain (file), cmake's system and
#: compiler settings, a compiler chosen through CC or CXX.
_BUILD_CROSS = re.compile(
    r"--host\b|--build=|--cross|--arch\b|--enable-cross|(?i:toolchain)|CMAKE_SYSTEM_|CMAKE_[A-Za-z]+_COMPILER"
    r"|CMAKE_CROSSCOMPILING|CMAKE_OSX_ARCHITECTURES|CMAKE_FIND_ROOT_PATH|CMAKE_GENERATOR_PLATFORM|VCPKG_"
    r"|(?i:conan)|(?i:sysroot)|\b(?:CC|CXX|CPP|CHOST|HOSTCC|HOST_CC|CROSS_PREFIX|CROSS_COMPILE|LD|AR)\b")


def _copy_writes(model, node: ast.Instruction, path: str) -> bool:
    """The COPY or ADD ``node`` may write the file ``path``: it names it, or a directory above it (where a
    directory's contents may land), or what it writes cannot be known."""
    entries = copied(model, node)
    if len(entries) < len(node.sources):
        return True
    for entry in entries:
        written = entry.path.rstrip("/") or "/"
        if _GLOB.search(written) or path == written or path.startswith(written.rstrip("/") + "/"):
            return True
    return False


#: Commands that change a file in place or only read: they put no other file in a directory of programs.
_IN_PLACE = frozenset("strip upx ls file ldd cat head tail du stat wc which readelf objdump nm sha256sum sha512sum "
                      "sha1sum md5sum rm rmdir".split())


def _writes(model, node: ast.RunInstruction, step: Step):
    """What a RUN step may write: True for any file, "go.mod" for go.mod, go.sum or vendor, a
    compiler's outputs, or nothing (False, [])."""
    command = step.command
    if any(r.writes_a_file for r in command.redirects):
        return True
    invocation = step.invocation
    if invocation is None:
        return bool(command.argv)
    if invocation.program in NO_PROJECT_FILES:
        return False
    if invocation.program == "go" and invocation.subcommand in ("mod", "get", "version", "env", "vet", "fmt"):
        return "go.mod"
    if compiles(invocation):
        placed = outputs(model, node, step)
        return True if placed is None else placed
    return True


def _has_erlang(ctx: RuleContext, stage) -> bool:
    """The stage (or one it is built FROM) names Erlang or Elixir: its image, a package it installs. A
    release built with `include_erts: false` (in mix.exs) runs on that Erlang, built for its platform."""
    return any(_ERLANG.search(_text(ctx, node)) for member in ctx.model.lineage(stage)
               for node in (member.from_instruction, *member.instructions))


_ERLANG = re.compile(r"erlang|elixir|\berl\b|\berts\b|\botp\b", re.I)


def _text(ctx: RuleContext, node: ast.Instruction) -> str:
    return ctx.file.text[node.span.start.offset:node.span.end.offset]


#: How to build for $TARGETPLATFORM, by compiler.
_HOW = {
    "go": "declare `ARG TARGETOS TARGETARCH` and build with `GOOS=$TARGETOS GOARCH=$TARGETARCH`",
    "cargo": "build with `--target` for $TARGETPLATFORM (xx-cargo picks it)",
    "ghc": "build with a GHC that cross-compiles for $TARGETPLATFORM (such as `aarch64-linux-gnu-ghc`)",
    "cabal": "build with a GHC that cross-compiles for $TARGETPLATFORM (`--with-compiler`)",
    "dart": "pass `--target-os=linux --target-arch=` the target's architecture (`x64` for amd64, `arm64`; Dart "
            "3.8 and later)",
    "swift": "build with `--swift-sdk` for $TARGETPLATFORM (the static Linux SDK)",
    "zig": "pass the target (`-Dtarget=aarch64-linux-musl` to `zig build`, `-target` to `zig build-exe`) from "
           "$TARGETARCH",
}


def _message(model, stage, step: Step, target, copy: ast.Instruction) -> str:
    invocation = step.invocation
    verb = tool_verb(invocation)
    if verb is not None:
        shown = " ".join((program_text(invocation), *verb))
    else:
        verb = invocation.subcommand_word or (invocation.operands[0] if invocation.program == "cargo" else None)
        shown = program_text(invocation) + (f" {verb.value}" if verb is not None else "")
    root = model.lineage(stage)[0]
    where = (f"stage {stage.label} runs on {root.from_instruction.platform.value} (line {root.line}) and nothing in "
             f"it targets $TARGETPLATFORM")
    if invocation.program == "mix":
        return (f"`{shown}` bundles the build machine's Erlang runtime (ERTS) unless mix.exs sets `include_erts: "
                f"false`: {where}, so the COPY on line {copy.line} gives stage {target.label} a release whose "
                f"`bin/` starts the build machine's ERTS, and the other platforms of a multi-platform build fail "
                f"with `exec format error`; remove --platform to build the release on each target platform, or "
                f"set `include_erts: false` and install Erlang in stage {target.label}")
    how = _HOW.get(invocation.program, "cross-compile for $TARGETPLATFORM (xx-clang picks the compiler)")
    advice = ("remove --platform (stack does not cross-compile)" if invocation.program == "stack"
              else f"{how}, or remove --platform")
    return (f"`{shown}` compiles for the build machine: {where}, so the COPY on line {copy.line} gives stage "
            f"{target.label} the build machine's binary, and the other platforms of a multi-platform build fail "
            f"with `exec format error`; {advice}")


#: How to cross-compile a build system's build for $TARGETPLATFORM.
_BUILD_HOW = {
    "autotools": "configure with `--host=` the target's triplet and its cross compiler (with the xx helpers: "
                 "`--host=$(xx-clang --print-target-triple)`), or remove --platform",
    "cmake": "configure with a toolchain file for $TARGETPLATFORM (with the xx helpers: `cmake $(xx-clang "
             "--print-cmake-defines)`), or remove --platform",
    "dune": "remove --platform (an OCaml cross compiler is a toolchain of its own, given to dune with `-x`)",
}


_SHOWN_VERBS = frozenset(("install", "install-strip", "install/strip", "install-exec", "--install", "--build",
                          "build"))


def _native_message(model, stage, step: Step, built, target, copy: ast.Instruction) -> str:
    """The message for a build system's install step (`make install`, `cmake --install`, `dune build`)."""
    invocation = step.invocation
    words = [w.value for w in step.command.argv]
    start = next((i for i, w in enumerate(words) if w == program_text(invocation)), 0)
    verb = next((w for w in words[start + 1:] if w in _SHOWN_VERBS), None)
    shown = " ".join(words[start:words.index("dune") + 1]) if invocation.program == "opam" else words[start]
    shown = f"{shown} {verb}" if verb else shown
    root = model.lineage(stage)[0]
    where = (f"stage {stage.label} runs on {root.from_instruction.platform.value} (line {root.line}) and nothing in "
             f"it targets $TARGETPLATFORM")
    if built.tool == "dune":
        what = (f"`{shown}` installs OCaml programs compiled for the build machine" if verb == "install"
                else f"`{shown}` compiles OCaml for the build machine")
    else:
        configure = program_text(built.configure.invocation) if built.configure is not None else "configure"
        how = "no `--host`" if built.tool == "autotools" else "no toolchain file"
        what = (f"`{shown}` installs programs compiled for the build machine: `{configure}` on line "
                f"{built.configure.command.span.start.line} was given {how}")
    return (f"{what}; {where}, so the COPY on line {copy.line} gives stage {target.label} the build machine's "
            f"programs to run, and the other platforms of a multi-platform build fail with `exec format "
            f"error`; {_BUILD_HOW[built.tool]}")
