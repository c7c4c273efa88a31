"""DF119 native-cpu-flags: -march=native, -mcpu=native or target-cpu=native in a build that reaches the image."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.layers import run_steps
from dflint.rule import Finding, Rule, RuleContext
from dflint.source import Span

#: The flags, not inside a longer word (`-mtune=native` only tunes: not matched).
_NATIVE = re.compile(r"(?<![\w-])(?:-m(?:arch|cpu)=native|(?:-C)?target-cpu=native)(?![\w-])")
#: Commands that search or edit text: the flag there is a pattern (`sed -i 's/-march=native//'`), not used.
_EDITORS = frozenset(("sed", "perl", "awk", "gawk", "mawk", "grep", "egrep", "fgrep", "rg", "tr", "patch"))
#: Compiler drivers that answer queries (`gcc`, `x86_64-linux-gnu-gcc-12`, `clang++-17`, `cc`, `rustc`).
_COMPILER = re.compile(r"(?:[\w.]+-)*(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|gfortran)(?:-[\d.]+)?|rustc")


class NativeCpuFlags(Rule):
    r"""A compiler flag that targets the build machine's CPU, in an image others run.

    ## What it does
    Reports `-march=native` and `-mcpu=native` (GCC, Clang, gfortran) and
    rustc's `-C target-cpu=native`, written on a command line of a RUN
    (heredoc and exec-form RUNs too), in a file a RUN writes from a
    heredoc (a `.cargo/config.toml`), or in an ENV or ARG value
    (`CFLAGS`, `CXXFLAGS`, `FFLAGS`, `RUSTFLAGS` ...), in the stages that
    make the image: the final stage and the stages it is built `FROM`,
    and the stages something copies or mounts files from (with theirs).
    An ENV or ARG counts when a RUN comes after it there; a global ARG when
    such a stage declares it again. `ONBUILD` triggers are reported: they
    run in the downstream build.

    `-mtune=native` only tunes and runs anywhere, `GOAMD64=v3` and
    `-march=x86-64-v3` name a fixed baseline: not reported. Commands that
    search or edit text (`sed`, `grep`, `perl` ...) are skipped: there the
    flag is a pattern, often one being removed. So is a compiler only
    asked what the flag means, which compiles nothing: `gcc -march=native
    -Q --help=target`, `-###`, `-E -v`, `-dM -E`, `rustc --print cfg -C
    target-cpu=native`, also inside `$(...)`. A flag inside `$(...)` is
    reported once. Flags that a build system
    adds on its own (pgvector's `OPTFLAGS`, CMake options such as
    `GGML_NATIVE`, RocksDB without `PORTABLE=1`) are not visible in the
    Dockerfile and are not reported; nor is a CMD or ENTRYPOINT that
    compiles when the container starts, on the machine that runs it.

    ## Why is this bad?
    `native` means "every instruction the CPU running the compiler has". A
    builder with AVX-512 produces a program that dies with "Illegal
    instruction" (SIGILL) on a host without it: an older server, another
    cloud instance type, a CI runner unlike the build machine. The build
    and the tests on the build machine pass; the failure shows on the
    hosts that pull the image. pgvector's Makefile, for one, compiles with
    `-march=native` unless told `make OPTFLAGS=""`, and says so for
    portable builds. On x86 GCC, `-mcpu=` is only a deprecated synonym of
    `-mtune=`; on Arm and POWER it selects the CPU like `-march=`, which
    is what a multi-platform build gets.

    ## Example
    ```dockerfile
    FROM ubuntu:22.04
    COPY sim.f90 /src/
    RUN gfortran -O3 -march=native -o /usr/local/bin/sim /src/sim.f90
    CMD ["sim"]
    ```

    ## Use instead
    ```dockerfile
    FROM ubuntu:22.04
    COPY sim.f90 /src/
    RUN gfortran -O3 -march=x86-64-v2 -o /usr/local/bin/sim /src/sim.f90
    CMD ["sim"]
    ```

    ## Fix safety
    This rule has no fix: which CPUs the image must run on (a baseline such
    as `-march=x86-64-v2`, or none at all) is yours to choose, and the
    flag is often in a variable that other flags share.
    """

    code = "DF119"
    name = "native-cpu-flags"
    summary = "-march=native, -mcpu=native or target-cpu=native: the program needs the build machine's CPU"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "native" not in ctx.file.text:
            return  # most files
        model = ctx.model
        shipped = _shipped(model)
        redeclared: set[str] = set()
        for stage in model.stages:
            ran = False
            for node in reversed(stage.instructions):
                effective = node.effective
                trigger = node is not effective
                if isinstance(effective, ast.RunInstruction):
                    ran = True
                    if stage.index in shipped or trigger:
                        yield from self._run(ctx, node)
                elif isinstance(effective, (ast.EnvInstruction, ast.ArgInstruction)):
                    if isinstance(effective, ast.ArgInstruction) and stage.index in shipped:
                        redeclared.update(pair.key.value for pair in effective.pairs)
                    if (stage.index in shipped and ran) or trigger:
                        yield from _pairs(ctx, effective)
        for node in _global_args(ctx.file):
            for pair in node.pairs:
                if pair.key.value in redeclared:
                    yield from _pairs(ctx, node, pair)

    def _run(self, ctx: RuleContext, node: ast.Instruction) -> Iterator[Finding]:
        scripts = ctx.analysis.commands(node)
        from_scripts = {id(script.origin) for script in scripts if script.origin is not None}
        # A flag inside `$(...)` is in a word of the outer command and in one of the substitution's:
        # one finding per place, none when either command is a query (`$(gcc -march=native -Q
        # --help=target)`). An editor's words are skipped, but its substitutions may put the flag
        # into a file (`sed "s/-O2/$(echo -march=native)/"`), and its output may be a flag.
        used: dict[tuple[int, int], tuple[Span, str]] = {}
        queried: list[tuple[int, int]] = []
        for step in run_steps(ctx.analysis, node):
            invocation = step.invocation
            program = invocation.program if invocation is not None else None
            if program in _EDITORS:
                continue
            query = _query(program, invocation)
            words = list(step.command.argv) + [assignment.word for assignment in step.command.assignments]
            for word in words:
                for match in _NATIVE.finditer(word.raw):
                    span = _word_span(word, match)
                    place = (span.start.offset, span.end.offset)
                    if query:
                        queried.append(place)
                    else:
                        used.setdefault(place, (span, match.group(0)))
        for (start, end), (span, flag) in used.items():
            if not any(start <= inner_start and inner_end <= end for inner_start, inner_end in queried):
                yield ctx.finding(span, _message(flag))
        run = node.effective
        for heredoc in run.heredocs if run is not None else ():
            if id(heredoc) in from_scripts:
                continue  # a script: its commands are read above
            start = heredoc.body_span.start.offset
            for match in _NATIVE.finditer(heredoc.content):
                yield ctx.finding(ctx.analysis.line_index.span(start + match.start(), start + match.end()),
                                  _message(match.group(0)))


def _query(program: Optional[str], invocation) -> bool:
    """A compiler asked what the flags mean, which compiles nothing: `gcc -march=native -Q --help=target`,
    `-###`, `-E -v`, `-dM -E`, `rustc --print cfg -C target-cpu=native`."""
    if program is None or not _COMPILER.fullmatch(program):
        return False
    args = [word.value for word in invocation.command.argv]
    if program == "rustc":
        return any(arg == "--print" or arg.startswith("--print=") for arg in args)
    if any(arg == "-###" or arg == "--help" or arg.startswith("--help=") for arg in args):
        return True
    return "-E" in args and ("-v" in args or "-dM" in args)


def _shipped(model) -> set[int]:
    """Indexes of the stages whose files reach the final image: its lineage, and the lineage of each
    stage a stage copies or mounts files from (as DF117 reads copies)."""
    found: set[int] = set()
    if model.final_stage is not None:
        found.update(stage.index for stage in model.lineage(model.final_stage))
    for stage in model.stages:
        for dep in stage.dependencies:
            if dep.kind in ("copy", "mount") and dep.stage is not None:
                found.update(member.index for member in model.lineage(model.stages[dep.stage]))
    return found


def _global_args(file: ast.File) -> list[ast.ArgInstruction]:
    """The ARGs before the first FROM."""
    found = []
    for node in file.instructions:
        if isinstance(node, ast.FromInstruction):
            break
        if isinstance(node, ast.ArgInstruction):
            found.append(node)
    return found


def _pairs(ctx: RuleContext, node: ast.Instruction, only: Optional[ast.KeyValue] = None) -> Iterator[Finding]:
    for pair in node.pairs:
        if pair.value is None or only is not None and pair is not only:
            continue
        value = pair.value
        for match in _NATIVE.finditer(value.value):
            if value.origin >= 0:
                span = node.span_of(value.origin + match.start(), value.origin + match.end())
            else:
                span = value.span
            yield ctx.finding(span, _message(match.group(0)))


def _word_span(word, match: re.Match) -> Span:
    """The flag inside ``word``, when the word's text is as written; else the word."""
    if len(word.raw) == word.end - word.start:
        return word.positions.span(word.start + match.start(), word.start + match.end())
    return word.span


def _message(flag: str) -> str:
    if "target-cpu" in flag:
        what = (f"`{flag}` makes rustc use every instruction of the build machine's CPU: the program dies with "
                f"\"Illegal instruction\" on hosts whose CPU lacks some; leave it out, or name a baseline "
                f"(`-C target-cpu=x86-64-v2`)")
    elif flag.startswith("-mcpu"):
        what = (f"`{flag}` makes the compiler use every instruction of the build machine's CPU on Arm and POWER "
                f"(on x86 GCC it only tunes): the program dies with \"Illegal instruction\" on hosts whose CPU "
                f"lacks some; leave it out, or name a baseline (`-mcpu=neoverse-n1`, `-march=armv8.2-a`)")
    else:
        what = (f"`{flag}` makes the compiler use every instruction of the build machine's CPU: the program "
                f"dies with \"Illegal instruction\" on hosts whose CPU lacks some; leave it out, or name a "
                f"baseline (`-march=x86-64-v2`)")
    return what
