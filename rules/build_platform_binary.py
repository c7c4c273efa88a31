"""DF117 build-platform-binary: a stage on $BUILDPLATFORM compiles for the build machine, and an image copies the result."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.compiler_outputs import Output, copied_to, compiles, covers, outputs, tool_verb
from dflint.model.copies import may_have_copied
from dflint.model.layers import Step, program_text, run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.inert import NO_PROJECT_FILES

_BUILD_ARCH = frozenset(("BUILDPLATFORM", "BUILDARCH"))
#: Any sign that the stage builds for another platform than its own: the target platform's ARGs,
#: cross-compilation settings and options, the xx helpers, an architecture named outright.
_CROSS = re.compile(
    r"TARGET(?:PLATFORM|OS|ARCH|VARIANT)|GOARCH|GOOS|GOARM|CARGO_BUILD_TARGET|RUSTFLAGS|--target|-target\b"
    r"|\bxx-|from=xx\b|tonistiigi/xx|--?march|CROSS|\bzig\s+c(?:c|\+\+)\b|zigbuild"
    r"|aarch64|arm64|amd64|x86[_-]64|armv[5-8]|armhf|i[36]86"
    r"|riscv|ppc64|s390x|-linux-gnu|-linux-musl", re.I)


class BuildPlatformBinary(Rule):
    """A stage on `$BUILDPLATFORM` compiles for the build machine, and an image copies the binary.

    ## What it does
    Reports a native compiler — `go build` or `go install`, `cargo build`
    or `cargo install`, `rustc`, `gcc`/`g++`/`cc`/`clang`, `ghc`, `cabal
    install`, `stack install` (or `stack build --copy-bins`), `dart compile
    exe`, `swift build`, `zig build` or `zig build-exe` — or `mix release`
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
      directory (`go build a.go` writes `a`); with `-o` a directory
      (`go build -o /out/ ./...`), any file of it;
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
      these (`cp .build/release/App /out/app`).

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
    build test`), a target hard-coded in build.zig, a copy by `cp` whose
    source is a command substitution. A build tool run to
    produce portable files (`hugo`, `mdbook`, `protoc`, a generator built
    for the build) is what `$BUILDPLATFORM` is for: copying its output is
    not reported, only copying the program.

    Not reported: JavaScript and other portable builds (`npm run build`,
    `flutter build web`, `javac`, Maven, Gradle, sbt, `mix escript.build`,
    `deno compile --target`, `dotnet publish`, whose output runs anywhere unless
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
                    if not compiles(step.invocation):
                        continue
                    placed = outputs(model, node, step)
                    if not placed:
                        continue  # no program, or none the Dockerfile can place
                    placed = _copied_on(ctx, stage, node, step, placed)
                    copy = next(((other, c) for other, c in copies if _takes(ctx, c, placed, node, step)
                                 and not (step.invocation.program == "mix" and _has_erlang(ctx, other))), None)
                    if copy is None:
                        continue
                    yield ctx.finding(step.command, _message(model, stage, step, copy[0], copy[1]),
                                      related=[("the copy into the image", copy[1])])


def _on_build_platform(model, stage) -> bool:
    """The stage (through the first stage of its lineage) is built for the build machine's architecture."""
    platform = model.lineage(stage)[0].platform
    return platform is not None and not platform.error and bool(platform.unresolved & _BUILD_ARCH)


def _copied_on(ctx: RuleContext, stage, node: ast.RunInstruction, step: Step, placed: list[Output]) -> list[Output]:
    """``placed``, and where a `cp`, `mv` or `install` after ``step`` in the stage copies them."""
    placed = list(placed)
    later = False
    for other in stage.instructions:
        later = later or other is node
        if not later or not isinstance(other, ast.RunInstruction):
            continue
        for each in run_steps(ctx.analysis, other):
            if other is not node or each.index > step.index:
                placed.extend(copied_to(ctx.model, other, each, placed))
    return placed


def _has_erlang(ctx: RuleContext, stage) -> bool:
    """The stage (or one it is built FROM) names Erlang or Elixir: its image, a package it installs. A
    release built with `include_erts: false` (in mix.exs) runs on that Erlang, built for its platform."""
    return any(_ERLANG.search(_text(ctx, node)) for member in ctx.model.lineage(stage)
               for node in (member.from_instruction, *member.instructions))


_ERLANG = re.compile(r"erlang|elixir|\berl\b|\berts\b|\botp\b", re.I)


def _text(ctx: RuleContext, node: ast.Instruction) -> str:
    return ctx.file.text[node.span.start.offset:node.span.end.offset]


def _takes(ctx: RuleContext, copy: ast.Instruction, placed: list[Output], node: ast.RunInstruction,
           step: Step) -> bool:
    """The COPY --from takes one of ``placed``: names it, a directory holding it, or a glob
    matching it (or a file below an output that may be a directory). A source that cannot be
    resolved takes nothing that can be shown. An unnamed output is taken only by a file named
    directly in its directory that nothing else in the stage may have put there."""
    for source in getattr(copy, "sources", ()):
        expansion = ctx.model.expand(copy, source.value)
        if not expansion.resolved:
            continue
        wanted = [p for p in posixpath.normpath("/" + expansion.value.lstrip("/")).split("/") if p]
        for output in placed:
            if covers(output, wanted, globs=True):
                if not output.unnamed or not _made_elsewhere(ctx, node, step, "/" + "/".join(wanted)):
                    return True
    return False


def _made_elsewhere(ctx: RuleContext, node: ast.RunInstruction, step: Step, path: str) -> bool:
    """Something in the build stage's lineage other than ``step`` may have put the file ``path``
    there: a COPY or ADD, or a command of a RUN not known to leave it alone."""
    model = ctx.model
    stage = model.stage_of(node)
    last = stage.instructions[-1]
    if isinstance(last, (ast.CopyInstruction, ast.AddInstruction)) or may_have_copied(model, last, path):
        return True
    wanted = [p for p in path.split("/") if p]
    for member in model.lineage(stage):
        for other in member.instructions:
            if not isinstance(other, ast.RunInstruction):
                continue
            steps = run_steps(ctx.analysis, other)
            if not steps:
                return True  # a shell not read here
            for earlier in steps:
                if earlier is not step and _may_write(model, other, earlier, wanted):
                    return True
    return False


def _may_write(model, node: ast.RunInstruction, step: Step, wanted: list[str]) -> bool:
    command = step.command
    if any(r.writes_a_file for r in command.redirects):
        return True
    invocation = step.invocation
    if invocation is None:
        return bool(command.argv)
    if invocation.program in NO_PROJECT_FILES:
        return False
    if invocation.program == "go" and invocation.subcommand in ("mod", "get", "version", "env", "vet", "fmt"):
        return wanted[-1] in ("go.mod", "go.sum", "vendor")
    if compiles(invocation):
        placed = outputs(model, node, step)
        return placed is None or any(covers(output, wanted) for output in placed)
    return True


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
