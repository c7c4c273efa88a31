"""DF007 copy-before-install: the sources are copied before the dependencies are installed."""

from __future__ import annotations

import posixpath
from typing import Callable, Iterator, Optional, Sequence

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.build import Stage
from dflint.model.copies import context_copy, copied
from dflint.model.history import Step, histories
from dflint.model.layers import mount_targets, run_steps
from dflint.model.paths import inside, resolve
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell import Command
from dflint.shell.installs import Install, dependency_installs

_SYSTEM_CACHES = ("/var/cache/", "/var/lib/apt", "/var/lib/dnf", "/var/lib/yum", "/etc/apk/cache")


class CopyBeforeInstall(Rule):
    """Copying the sources before installing dependencies reinstalls them on every change.

    ## What it does
    Reports a COPY or ADD from the build context of the whole context (`.`,
    `./`, `*`) or of a source tree (a directory named `src`, `source`, `app`,
    `lib`, `cmd`, `internal`, `pkg`, `components`, `pages`, `test(s)` or
    `spec`; before an `npm`, `pnpm`, `yarn` or `bun` install also a folder of
    monorepo workspaces, `apps` or `packages`, which elsewhere may hold
    local wheels or .deb files the install reads) that comes before, in the
    same stage lineage, a command installing dependencies from manifests:
    `npm ci`/`install`, `yarn (install)` (which reads `.yarnrc.yml` too with
    Yarn Berry), `pnpm install`/`fetch`, `pip
    install -r ...`/`pip install .`, `pip-sync`, `poetry install`, `uv
    sync`, `pipenv install`/`sync`, `pdm install`/`sync`, `go mod download`
    (and `go build` or `go install` with no download before), `bundle
    install`, `composer install`, `cargo build`/`fetch`, `mvn
    package`/`install`/`dependency:go-offline`, `gradle build`..., `sbt
    update`/`compile`/`assembly`..., `lein deps`/`uberjar`..., `clojure -P`,
    `dotnet restore`/`build`/`publish`, `mix deps.get` (alone or among the
    tasks of `mix do`), `swift build`, `dart`/`flutter pub get`,
    `cabal`/`stack build`/`install`, `cpanm --installdeps .`, `carton
    install`, `shards install`, `nimble install --depsOnly`, `conan install
    PATH`, `vcpkg install` (manifest mode), `conda`/`mamba env
    create`/`update` (the `-f` file, by default environment.yml),
    `conda`/`mamba`/`micromamba install`/`create`/`update` with `--file`
    (or `-f` for micromamba and mamba), `pixi install` (pixi.toml or
    pyproject.toml, and pixi.lock), `bun install` (package.json and bun.lock,
    or bun.lockb), `deno install` with no module named (deno.json and
    deno.lock), `Pkg.instantiate()` in `julia -e`, and in `R -e` or `Rscript
    -e` `renv::restore()` (renv.lock) or `remotes::`/`devtools::install_deps()`
    and `pak::local_install_deps()` (DESCRIPTION). `deno cache main.ts` is not
    one: it fetches what the sources import, so it needs them. The
    message names the manifests to copy first, as paths in the build
    context: after `COPY . .` an install run in a directory below the
    copy's destination (a WORKDIR, an earlier `cd assets`, `npm
    --prefix` or its shorthand `npm -C`, `yarn --cwd`, `pnpm -C`, `bun
    --cwd`) reads
    `assets/package.json`; where that relation is unknown (`COPY * ./`,
    which flattens directories, a destination or directory that cannot be
    resolved, another tool's project option such as `mvn -f`) they are
    named as the tool reads them. When the command also
    builds the project and so needs the sources (`mvn package`, `gradle
    build`, `sbt assembly`, `cargo build`, `go build`, `dotnet publish`,
    `stack build`, `mix do deps.get, compile`, and `pip install .`, `poetry
    install`, `uv sync` and `pdm install`, which install the project too),
    it also names the command that fetches only the dependencies (`mvn
    dependency:go-offline`, `gradle dependencies`, `sbt update`, `cargo
    fetch` or cargo-chef, `go mod download`, `mix deps.get`, `dotnet
    restore`, `stack build --only-dependencies`, `poetry install --no-root`,
    `uv sync --no-install-project`, `pdm install --no-self`, and for pip the
    requirements alone: `pip install -r` of a file compiled from
    pyproject.toml). For a workspace folder it adds each workspace's
    `package.json` (`COPY --parents packages/*/package.json ./`, or the
    `out/json` of `turbo prune --docker`): a workspace install reads them all.

    It is not reported when the same language's dependencies were installed
    before that COPY (the install after it only adds the project itself,
    e.g. `poetry install --no-root`, `COPY . .`, `poetry install`), nor when
    the installing RUN has a cache mount for them (`--mount=type=cache`, other
    than the system package manager's cache), which keeps the downloads
    across builds, nor for `go build -mod=vendor` (the flag on the command
    line or in `GOFLAGS`), which downloads nothing. ONBUILD triggers are
    checked among themselves. Copies from
    other stages (`--from`) and of single files are never reported, nor a
    copy of the whole context that leaves a source tree out
    (`COPY --exclude=src . .`): it copies everything but the sources on
    purpose. What
    `.dockerignore` leaves out of the context cannot be seen.

    ## Why is this bad?
    A layer is rebuilt when anything it copies changes, and so is every step
    after it. With the sources copied first, editing any source file
    invalidates the install step: every build downloads and installs every
    dependency again. Copying only the manifests first keeps the install
    cached until the dependencies themselves change.

    ## Example
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY . .
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    FROM node:22-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm ci
    COPY . .
    ```

    ## Fix safety
    This rule has no fix: which files an install needs (workspaces, local
    packages, build scripts) is only known in the build context.
    """

    code = "DF007"
    name = "copy-before-install"
    summary = "Sources copied before the dependencies are installed"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        reported: set[tuple[int, str]] = set()
        # stage index -> (length of its lineage, the copies and the families installed at its end): a
        # child's lineage is its parent's plus its own steps, so each step is read once, not once per descendant.
        ends: dict[int, tuple[int, list, frozenset[str]]] = {}
        for stage in ctx.model.stages:
            lineage, *triggers = histories(ctx.model, stage)
            length, copies, installed = ends.get(stage.parent, (0, [], frozenset()))  # FROM an earlier stage
            copies, installed = list(copies), set(installed)
            yield from _scan(ctx, stage, lineage[length:], copies, installed, reported)
            ends[stage.index] = (len(lineage), copies, frozenset(installed))
            for history in triggers:
                yield from _scan(ctx, stage, history, [], set(), reported)


def _scan(ctx: RuleContext, stage: Stage, steps: Sequence[Step], copies: list, installed: set[str],
          reported: set[tuple[int, str]]) -> Iterator[Finding]:
    """Reports ``stage``'s installs among ``steps`` that come after a copy they may need; ``copies``
    (step, source argument, kind, families installed before it) and ``installed`` grow as it reads."""
    for step in steps:
        found, installs = _read(ctx, step)
        if found is not None:
            copies.append((step, *found, frozenset(installed)))
        if not isinstance(step.node, ast.RunInstruction):
            continue
        for install in installs if step.stage is stage and not _cached(ctx, step.anchor) else ():
            for copy, source, kind, before in copies:
                key = (id(copy.node), install.family)
                if kind == "workspaces" and install.family != "node":
                    continue  # `packages` may hold wheels or .debs the install reads
                if install.family not in before and key not in reported:
                    reported.add(key)
                    placed = _placed(ctx, copy, source, step, install) if kind == "context" else None
                    yield ctx.finding(source, _message(copy.node, source, kind, install, placed),
                                      related=[("dependencies installed here", install.command)])
        installed.update(install.family for install in installs)


def _read(ctx: RuleContext, step: Step) -> tuple[Optional[tuple], list[Install]]:
    """What a step copies from the context, and the dependency installs a RUN step runs."""
    installs = []
    if isinstance(step.node, ast.RunInstruction):
        installs = list(dependency_installs(ctx.commands(step.anchor), _environment(ctx, step.anchor)))
    return context_copy(step.node), installs


def _environment(ctx: RuleContext, anchor: ast.Instruction) -> Callable[[Command], Callable[[str], Optional[str]]]:
    """The variables a command sees: its own assignments, then ARG and ENV (None: unset or unknown)."""
    scope = ctx.model.scope_at(anchor)

    def env(command: Command) -> Callable[[str], Optional[str]]:
        def value(name: str) -> Optional[str]:
            for assignment in command.assignments:
                if assignment.name == name:
                    return assignment.value.value if assignment.value.literal else None
            variable = scope.get(name)
            return variable.value if variable is not None and variable.known else None
        return value
    return env


def _cached(ctx: RuleContext, anchor: ast.Instruction) -> bool:
    """The RUN has a cache mount, other than on the system package manager's cache (a target
    that cannot be resolved counts: it may be the install's)."""
    return any(path is None or not (path.rstrip("/") + "/").startswith(_SYSTEM_CACHES)
               for path, _ in mount_targets(ctx.analysis, anchor, ("cache",)))


#: The option that moves a node package manager into another directory (`npm ci --prefix assets`; npm's `-C` is
#: its shorthand of `--prefix`).
_DIRECTORY_OPTIONS = {"npm": ("--prefix", "-C"), "yarn": ("--cwd",), "pnpm": ("--dir", "-C"), "bun": ("--cwd",)}
#: Options of other tools that name another project directory or manifest (`mvn -f`, `poetry -C`,
#: `cargo --manifest-path`): where the manifests then are is not worked out here.
_ELSEWHERE_OPTIONS = ("-f", "--file", "-p", "--project-dir", "-b", "--build-file", "--manifest-path", "-C", "-d",
                      "--working-dir", "--directory", "--project", "-P", "--gemfile", "--cwd", "--prefix", "--dir",
                      "--modules-folder")


def _placed(ctx: RuleContext, copy: Step, source: ast.Argument, run: Step,
            install: Install) -> Optional[tuple[str, ...]]:
    """The install's manifests as paths in the build context, when ``copy`` (the whole context, `.`)
    put the context at a known directory and the install runs in a known directory below it
    (WORKDIR, an earlier `cd`, `npm --prefix`, `yarn --cwd`...); None when that relation is unknown."""
    if copy.trigger or run.trigger or source.value not in (".", "./", "./."):
        return None  # `COPY * ./` copies each directory's contents, not the directory
    destination = next((c.path for c in copied(ctx.model, copy.node) if c.source is source), None)
    step = next((s for s in run_steps(ctx.analysis, run.anchor) if s.command is install.command), None)
    if destination is None or step is None or step.invocation is None:
        return None
    invocation, directory = step.invocation, step.cwd
    names = _DIRECTORY_OPTIONS.get(invocation.program, ())
    option = invocation.option(*names) if names else None
    if option is not None:
        value = option.value if option.value is not None else _next_word(step.command, option.word)
        if value is None or "$" in value:
            return None
        directory = resolve(value, directory, home=False)
    elif invocation.program not in ("pip", "pip-sync") and install.family != "conda" and \
            invocation.has(*_ELSEWHERE_OPTIONS):
        return None  # pip's and conda's files are paths from the working directory, already in the manifests
    if directory is None or not inside(directory, destination):
        return None
    below = posixpath.relpath(directory.rstrip("/") or "/", destination.rstrip("/") or "/")
    placed = []
    for manifest in install.manifests:
        parts = []
        for name in manifest.split(" or "):
            if name.startswith("/"):
                if not inside(name, destination):
                    return None
                name = posixpath.relpath(name, destination.rstrip("/") or "/")
            elif below != ".":
                name = posixpath.normpath(posixpath.join(below, name)) + ("/" if name.endswith("/") else "")
            if name.startswith("../") or "$" in name:
                return None
            parts.append(name)
        placed.append(" or ".join(parts))
    return tuple(placed)


def _next_word(command: Command, word) -> Optional[str]:
    """The word after ``word`` (bun's options have no table: `bun install --cwd web`)."""
    argv = command.argv
    index = next((i for i, w in enumerate(argv) if w is word), None)
    return argv[index + 1].value if index is not None and index + 1 < len(argv) else None


def _message(copy: ast.Instruction, source: ast.Argument, kind: str, install: Install,
             placed: Optional[tuple[str, ...]] = None) -> str:
    folder = source.value[2:] if source.value.startswith("./") else source.value
    what = {"context": "the whole build context", "sources": f"the source tree {source.value}",
            "workspaces": f"the workspace folder {source.value}"}[kind]
    command = " ".join(install.command.values)
    command = command if len(command) <= 60 else command[:59] + "…"
    manifests = list(placed if placed is not None else install.manifests)
    if kind == "workspaces" and "package.json" in manifests:
        if install.ecosystem == "pnpm":
            manifests.append("pnpm-workspace.yaml")
        manifests.append(f"the package.json of each workspace (`COPY --parents {folder.rstrip('/')}/*/package.json ./`, "
                         f"or the out/json of `turbo prune --docker`)")
    *rest, last = manifests
    listed = f"{', '.join(rest)} and {last}" if rest else last
    advice = "install" if not install.fetch else f"fetch the dependencies with {install.fetch}"
    return (f"{copy.name} copies {what} before `{command}` (line {install.command.line}) installs the "
            f"dependencies: every source change reinstalls them all; copy {listed} first, {advice}, "
            f"then copy the rest")
