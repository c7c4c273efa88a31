"""DF118 install-into-cache-mount: a RUN installs into its own cache or tmpfs mount; the image never has the files."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import copied
from dflint.model.layers import Step, bundle_directory, mount_targets, run_steps, user_home
from dflint.model.paths import inside, resolve
from dflint.model.python_env import created_venv, variable
from dflint.model.sources import copy_sources
from dflint.rule import Finding, Rule, RuleContext

_KINDS = ("cache", "tmpfs")
#: Commands that take files out of the mount into the layer, when they run after the install in that RUN.
_COPY_OUT = frozenset(("cp", "mv", "rsync", "tar", "install", "cpio", "zip"))
#: Commands that build with what conan installed (static libraries end in the build's own output).
_BUILDS = frozenset(("cmake", "make", "ninja", "meson", "gcc", "g++", "cc", "c++", "clang", "clang++"))
#: The official ruby image and where its ``ENV GEM_HOME`` puts gems (and ``bundle install`` without a path).
_RUBY_IMAGE = "docker.io/library/ruby"
_RUBY_GEM_HOME = "/usr/local/bundle"
_PIP_DIR = re.compile(r"(/.+)/bin/(?:pip|python)[\d.]*")
#: Commands that do nothing with the files they name, for what reaches the layer.
_IDLE = frozenset(("rm", "ls", "du", "chown", "chmod", "chgrp", "echo", "printf", "mkdir", "touch", "true", ":",
                   "test", "[", "cd", "pushd", "popd"))
_PIP_IDLE = frozenset(("check", "list", "show", "cache", "config", "help"))
#: Node commands that run the project's code or its packages' programs (a build, a script).
_NODE_RUNNERS = frozenset(("npx", "pnpx", "node", "bun", "bunx", "nx", "turbo", "tsc", "vite", "webpack"))
#: Package-manager subcommands that only install, remove or report: they use nothing of what is installed.
_NODE_IDLE = frozenset(("install", "i", "ci", "add", "cache", "config", "set", "get", "prune", "dedupe", "audit",
                        "ls", "list", "outdated", "why", "info", "view", "test", "t", "remove", "rm", "uninstall",
                        "un", "version", "help"))
_CARGO_IDLE = frozenset(("build", "b", "check", "c", "clippy", "fmt", "clean", "fetch", "test", "t", "doc", "d",
                         "update", "generate-lockfile", "tree", "metadata", "version", "help"))
_BUNDLE_IDLE = frozenset(("install", "config", "clean", "lock", "cache", "package", "check", "list", "info",
                          "outdated", "version", "help"))
_COMPOSER_IDLE = frozenset(("install", "i", "update", "u", "upgrade", "require", "r", "remove", "config",
                            "clear-cache", "clearcache", "dump-autoload", "dumpautoload", "validate", "diagnose",
                            "show", "info", "outdated", "audit", "help"))
#: Where a package manager's project is, from the directory it installs into.
_PROJECT_DIRS = {"npm": "node_modules", "yarn": "node_modules", "pnpm": "node_modules", "cargo": "target",
                 "composer": "vendor", "uv": ".venv"}


class InstallIntoCacheMount(Rule):
    r"""A RUN installs into its own cache mount: what it installs is not in the image.

    ## What it does
    Reports a `RUN --mount=type=cache` (or `tmpfs`) whose target is where
    a command of that RUN installs, or holds it, when the image or a later
    step needs what was installed:
    - `npm`/`yarn`/`pnpm` `install` (`ci`, `add`, bare `yarn`): the
      `node_modules` of the working directory (`cd`, WORKDIR, `--prefix`,
      `--cwd`, `-C`/`--dir`);
    - `python -m venv DIR`, `virtualenv DIR`, `uv venv [DIR]`; `pip
      install --target`, `--prefix` or `--root`, or a venv's own
      `DIR/bin/pip`; `uv sync` (`UV_PROJECT_ENVIRONMENT` or `.venv`);
    - `bundle install` where Bundler's path (`--path`, `BUNDLE_PATH`,
      `bundle config set path`) or `GEM_HOME` says; `gem install` into
      `--install-dir` or `GEM_HOME`. On the official `ruby` image (and a
      stage built from it), which sets `GEM_HOME=/usr/local/bundle`, both
      install there when nothing else sets a place;
    - `composer install`/`update`/`require`: `vendor` of the project
      directory (`-d`, `--working-dir`) or `COMPOSER_VENDOR_DIR`;
    - `go build -o DIR/...`; `cargo build` (`--target-dir`,
      `CARGO_TARGET_DIR`, else `target`) and `cargo install --root`;
    - `conan install`/`create`: the package store `~/.conan2/p` (or
      `$CONAN_HOME/p`).

    It is reported when the files are needed after the RUN: the stage is
    the final image or one it is built `FROM`; a `COPY --from` takes a
    directory that holds the mount target (a source in the mount itself is
    DF115's); a later RUN names the install directory (or, after `conan
    install`, builds with `cmake`, `make` ...).

    It stays silent when a later step of the same RUN may take the results
    out of the mount or has used them for what the image keeps, which a
    cache and a tmpfs mount alike are then fit for:
    - it copies, moves or archives something (`cp`, `mv`, `rsync`, `tar`,
      `install`), or builds after `conan install`;
    - it names a path in the install directory: runs a program from it
      (`/tmp/gen > gen.go`, `/tmp/v/bin/python -m build`), reads from it
      (`strip -o /usr/local/bin/app target/release/app`, `objcopy`, `upx`,
      `find target/release -exec cp ...`), or puts it in a variable
      (`PYTHONPATH=/tmp/aws`, `. /opt/venv/bin/activate`); installing
      more there (the venv's own `pip install`), `rm`, `ls`, `chown`,
      `echo` do not count;
    - it runs the project with its package manager: `npm run build`,
      `npx`, `node` in the project of the `node_modules` (`npm test`,
      `npm cache clean`, `npm prune` do not count); `cargo install --path`
      or `cargo run` (not `cargo build`, `cargo test`); `uv run`; `bundle
      exec`, `rake`, `rails`, `ruby`; `php` or a `composer` script;
    - it builds in the project directory (`make`, `cmake`, `gcc` ...,
      `./build.sh`, `sh build.sh`); a step whose directory is unknown
      counts as in the project.

    The rule cannot tell whether such a step also needed the installed
    files to stay (a build that still requires `node_modules` at run
    time), so it leaves those to you. It is also silent
    when a later RUN mounts a cache there again, or
    installs there again without a mount; when a later COPY or ADD writes
    there; and for mounts on download caches (`/root/.npm`,
    `/root/.cache/pip`, `/go/pkg/mod` ...), which are what cache mounts are
    for; `/usr/local/bundle/cache` (`$GEM_HOME/cache`) is where RubyGems
    and Bundler keep the downloaded `.gem` files. Bind, secret and ssh
    mounts are not checked. An `ONBUILD` trigger
    is reported on its own: the image built from it is its consumer.
    Where the install directory cannot be read (a variable with an unknown
    value, `--manifest-path`, Yarn PnP's settings, Composer's `vendor-dir`
    in composer.json) the rule stays silent or assumes the default. The
    default gem directory is known only on the `ruby` image: elsewhere
    `bundle install` and `gem install` without a path or `GEM_HOME` are
    not reported, nor are they on the `ruby` image when the Dockerfile
    sets `BUNDLE_APP_CONFIG` (the application's `.bundle/config`, which may
    set a path, is then read), or for `gem install --user-install` and
    `bundle install --standalone`.

    ## Why is this bad?
    A cache or tmpfs mount is not part of the layer: what a RUN writes under
    its target stays in BuildKit's cache (or is thrown away), and the
    image has what the directory held before, usually nothing. The build
    succeeds; the container fails with "Cannot find module",
    "/opt/venv/bin/flask: not found", a missing gem or binary. It can even
    work on the machine that built it before, when a later step happens to
    read the warm cache, and fail on a clean CI runner. Cache mounts are
    meant for the tools' download caches, which the install reads from.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN --mount=type=cache,target=/app/node_modules npm ci --omit=dev
    COPY . .
    CMD ["node", "server.js"]
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
    COPY . .
    CMD ["node", "server.js"]
    ```

    ## Fix safety
    This rule has no fix: whether to mount the download cache instead or to
    copy the result out of the mount is yours to choose.
    """

    code = "DF118"
    name = "install-into-cache-mount"
    summary = "RUN installs into its own cache or tmpfs mount: the image does not get the files"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if "--mount" not in ctx.file.text:
            return  # most files: no mount at all
        model = ctx.model
        final = model.final_stage
        summaries: dict[int, _Summary] = {}
        for stage in model.stages:
            later: Optional[_Later] = None  # built when a RUN of the stage first needs it
            for position, node in enumerate(stage.instructions):
                run = node.effective
                if not isinstance(run, ast.RunInstruction) or not run.mounts:
                    continue
                trigger = node is not run
                mounts = [(path, mount) for (path, _), mount in zip(_all_targets(ctx, node), _typed(run)) if path]
                if not mounts:
                    continue
                reported = set()
                steps = run_steps(ctx.analysis, node)
                installs = [_installs(ctx, node, step) for step in steps]
                uses: Optional[_Uses] = None  # read when an install into a mount first needs it
                for step in steps:
                    for target, what, tool in installs[step.index]:
                        for mount_path, mount in mounts:
                            if id(mount) in reported or not inside(target, mount_path):
                                continue
                            if uses is None:
                                uses = _Uses(steps, installs)
                            if uses.used(step, target, tool):
                                continue
                            if not trigger:
                                if later is None:
                                    later = _Later(ctx, stage, summaries)
                                if later.reused(position, target) or not (
                                        final in later.users or later.copied(mount_path)
                                        or later.read(position, target, tool)):
                                    continue
                            reported.add(id(mount))
                            yield ctx.finding(mount.flag, _message(ctx, node, step, mount, mount_path, target, what,
                                                                   tool),
                                              related=[("the install", step.command)])


def _typed(run: ast.RunInstruction) -> list[ast.Mount]:
    return [mount for mount in run.mounts if mount.type in _KINDS and mount.target]


def _all_targets(ctx: RuleContext, node: ast.Instruction) -> list:
    return mount_targets(ctx.analysis, node, _KINDS)


def _option(words: list[str], *names: str) -> Optional[str]:
    """The value of the last ``--name value`` / ``--name=value`` among ``words`` (None: not given)."""
    found = None
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                found = words[i + 1]
            elif name.startswith("--") and word.startswith(name + "="):
                found = word[len(name) + 1:]
    return found


def _installs(ctx: RuleContext, node: ast.Instruction, step: Step) -> list[tuple[str, str, str]]:
    """``(directory, what, tool)`` for each place ``step`` installs into: ``what`` is the command as the
    message names it, ``tool`` the key of the download cache to advise."""
    invocation = step.invocation
    if invocation is None:
        return []
    program, sub = invocation.program, invocation.subcommand
    words = [word.value for word in step.command.argv]
    operands = [word.value for word in invocation.operands]
    cwd = step.cwd
    found: list[tuple[Optional[str], str, str]] = []

    def at(path: Optional[str], base: Optional[str] = None) -> Optional[str]:
        if not path or "$" in path:
            return None
        return resolve(path, base or cwd, home=False)

    if program == "npm" and sub in ("install", "ci", "add") and not _global(words):
        found.append((at("node_modules", at(invocation.value("--prefix") or ".")), f"npm {sub}", "npm"))
    elif program == "yarn" and (sub in (None, "install", "add")) and not (operands[:1] == ["global"]) \
            and not _global(words):
        folder = at(invocation.value("--modules-folder")) if invocation.value("--modules-folder") else None
        found.append((folder or at("node_modules", at(invocation.value("--cwd") or ".")),
                      "yarn " + (sub or "install"), "yarn"))
    elif program == "pnpm" and sub in ("install", "add") and not _global(words):
        found.append((at("node_modules", at(invocation.value("-C", "--dir") or ".")), f"pnpm {sub}", "pnpm"))
    elif program == "pip" and sub == "install":
        where = invocation.value("--target", "-t", "--prefix", "--root")
        if where is not None:
            found.append((at(where), "pip install", "pip"))
        else:
            match = next((_PIP_DIR.fullmatch(word) for word in words if _PIP_DIR.fullmatch(word)), None)
            if match is not None and "uv" not in invocation.via:
                found.append((at(match.group(1)), f"{match.group(0)} install", "pip"))
    elif program == "uv" and operands[:1] == ["sync"]:
        env = variable(ctx.analysis, node, step, "UV_PROJECT_ENVIRONMENT")
        if env != "":
            found.append((at(env or ".venv"), "uv sync", "uv"))
    elif program in ("bundle", "bundler") and operands[:1] == ["install"]:
        directory, tool = bundle_directory(ctx.analysis, node, step), "bundle"
        if directory is None and "--standalone" not in words \
                and variable(ctx.analysis, node, step, "BUNDLE_PATH") is None:
            directory, tool = _gem_home(ctx, node, step, bundler=True), "gem"
        found.append((at(directory) if directory else None, "bundle install", tool))
    elif program == "gem" and sub == "install" and invocation.root is None:
        directory = invocation.value("-i", "--install-dir")
        if directory is None and "--user-install" not in words:
            directory = _gem_home(ctx, node, step)
        found.append((at(directory) if directory else None, "gem install", "gem"))
    elif program == "composer" and operands[:1] in (["install"], ["update"], ["require"]):
        vendor = variable(ctx.analysis, node, step, "COMPOSER_VENDOR_DIR")
        project = at(_option(words, "-d", "--working-dir") or ".")
        if vendor != "":
            found.append((at(vendor, project) if vendor else at("vendor", project), f"composer {operands[0]}",
                          "composer"))
    elif program == "go" and sub == "build":
        output = invocation.value("-o")
        if output:
            found.append((at(output), "go build", "go"))
    elif program == "cargo" and operands[:1] == ["build"] and _option(words, "--manifest-path") is None:
        target = _option(words, "--target-dir") or variable(ctx.analysis, node, step, "CARGO_TARGET_DIR")
        if target != "":
            found.append((at(target or "target"), "cargo build", "cargo"))
    elif program == "cargo" and operands[:1] == ["install"]:
        root = _option(words, "--root")
        if root:
            found.append((at(posixpath.join(root, "bin")), "cargo install", "cargo"))
    elif program == "conan" and operands[:1] in (["install"], ["create"]):
        home = variable(ctx.analysis, node, step, "CONAN_HOME")
        if home != "":
            if home is None:
                user = user_home(ctx.analysis, node, step) or "/root"
                home = posixpath.join(user, ".conan2")
            found.append((at(posixpath.join(home, "p")), f"conan {operands[0]}", "conan"))
    else:
        venv = created_venv(ctx.analysis, node, step)
        if venv is not None:
            found.append((venv[0], _venv_command(words), "venv"))
    return [(path, what, tool) for path, what, tool in found if path]


def _gem_home(ctx: RuleContext, node: ast.Instruction, step: Step, bundler: bool = False) -> Optional[str]:
    """The gem directory of ``step``: ``GEM_HOME`` as the Dockerfile sets it, else the official ruby
    image's (``ENV GEM_HOME /usr/local/bundle`` in every tag since 2014) when the stage's lineage starts
    from it. None when unknown (a variable without a known value, another image). For Bundler
    (``bundler``), also None when the Dockerfile sets ``BUNDLE_APP_CONFIG``: the application's own
    ``.bundle/config``, unseen, may then set a path (the ruby image points it at ``GEM_HOME``)."""
    home = variable(ctx.analysis, node, step, "GEM_HOME")
    if home is not None:
        return home or None
    if bundler and variable(ctx.analysis, node, step, "BUNDLE_APP_CONFIG") is not None:
        return None
    model = ctx.model
    stage = model.stage_of(node)
    if stage is None:
        return None
    reference = model.lineage(stage)[0].base.reference
    if reference is not None and reference.registry_known and reference.repository_known \
            and f"{reference.registry}/{reference.repository}" == _RUBY_IMAGE:
        return _RUBY_GEM_HOME
    return None


def _venv_command(words: list[str]) -> str:
    """``python3 -m venv``, ``virtualenv``, ``uv venv`` as written."""
    for i, word in enumerate(words):
        if word in ("venv", "virtualenv") or posixpath.basename(word) == "virtualenv":
            return " ".join(words[max(0, i - 2) if i >= 2 and words[i - 1] == "-m" else i - 1 if word == "venv"
                                  and i and posixpath.basename(words[i - 1]) == "uv" else i:i + 1])
    return words[0]


def _global(words: list[str]) -> bool:
    return any(word in ("-g", "--global", "--location=global") for word in words)


class _Uses:
    """Which installs of a RUN a later step of it may take out of the mount, or works with, so that the
    files may have done their job before the mount goes. Such a step copies, moves or archives anything
    (``cp``, ``tar`` ...), or builds after conan; names a path in the install directory (runs a program
    from it, reads or copies from it: ``/tmp/gen > gen.go``, ``strip -o /usr/local/bin/app
    target/release/app``, ``find target -exec cp``, ``PYTHONPATH=/tmp/aws``); runs the project's code
    with the package manager (``npm run build``, ``cargo install --path .``, ``uv run``, ``bundle exec``,
    ``php``); or builds in the project (``make``, ``./build.sh``). Installing more there (not its own
    program nor ``--python``/``--target`` then count), removing or listing is no use.

    Answered in one pass from the last step back, with what the steps after each one do indexed by
    directory: the cost is the RUN's length, not its square."""

    _KINDS = ("node", "cargo", "uv", "bundle", "composer", "build")

    def __init__(self, steps: list[Step], installs: list[list[tuple[str, str, str]]]) -> None:
        self.answers: dict[tuple[int, str, str], bool] = {}
        copy_out = conan = False
        named: set[str] = set()  # directories holding a path a later step names
        extra: dict[str, list[list[str]]] = {}  # the same for the words an install step does not count as use,
        # with where that step installs: they count for another directory
        kinds: dict[str, list] = {kind: [False, False, set()] for kind in self._KINDS}  # any, unknown place, places
        for step in reversed(steps):
            for target, _, tool in installs[step.index]:
                key = (step.index, target, tool)
                if key not in self.answers:
                    self.answers[key] = copy_out or tool == "conan" and conan or self._ask(
                        step, target, tool, named, extra, kinds)
            invocation = step.invocation
            program = invocation.program if invocation is not None else None
            if program in _COPY_OUT:
                copy_out = True
            if program in _BUILDS or program == "conan" and invocation.operands \
                    and invocation.operands[0].value in ("build", "create"):
                conan = True
            if program in _IDLE or program is None and not step.command.assignments or (
                    program == "pip" and invocation.subcommand in _PIP_IDLE):
                continue
            places = [place for place, _, _ in installs[step.index]]
            every = list(_paths(step, False))
            if program == "pip" and invocation.subcommand == "install" or not places:
                for path in _paths(step, True) if program == "pip" and invocation.subcommand == "install" else every:
                    named.update(_up(path))
            else:
                counted = list(_paths(step, True))
                for path in counted:
                    named.update(_up(path))
                rest = list(every)
                for path in counted:
                    rest.remove(path)
                for path in rest:
                    for directory in _up(path):
                        extra.setdefault(directory, []).append(places)
            if invocation is None:
                continue
            first = invocation.operands[0].value if invocation.operands else None
            where = step.cwd
            if program in ("npm", "yarn", "pnpm"):
                folder = invocation.value("--prefix", "--cwd", "-C", "--dir")
                where = resolve(folder, step.cwd, home=False) if folder and "$" not in folder else \
                    None if folder else step.cwd
            name = step.command.name or ""
            found = {
                "node": program in _NODE_RUNNERS or program in ("npm", "yarn", "pnpm") and invocation.subcommand
                and invocation.subcommand not in _NODE_IDLE,
                "cargo": program == "cargo" and first not in _CARGO_IDLE,
                "uv": program == "uv" and first == "run",
                "bundle": program in ("rake", "rails", "ruby") or program in ("bundle", "bundler")
                and first not in _BUNDLE_IDLE,
                "composer": program == "php" or program == "composer" and first not in _COMPOSER_IDLE,
                "build": program in _BUILDS or "/" in name and not name.startswith("/")
                or program in ("sh", "bash", "dash", "ash", "zsh") and bool(invocation.operands)
                and not invocation.operands[0].value.startswith("-"),
            }
            for kind, yes in found.items():
                if yes:
                    entry = kinds[kind]
                    entry[0] = True
                    if where is None:
                        entry[1] = True
                    else:
                        entry[2].update(_up(where))

    @staticmethod
    def _ask(install: Step, target: str, tool: str, named: set[str], extra: dict[str, list[list[str]]],
             kinds: dict[str, list]) -> bool:
        norm = _norm(target)
        if norm in named or any(not any(inside(place, target) or inside(target, place) for place in places)
                                for places in extra.get(norm, ())):
            return True
        base = _PROJECT_DIRS.get(tool)
        project = posixpath.dirname(target.rstrip("/")) if base and posixpath.basename(target.rstrip("/")) == base \
            else install.cwd

        def near(kind: str) -> bool:
            seen, unknown, places = kinds[kind]
            return seen and (unknown or project is None or _norm(project) in places)

        return (tool in ("npm", "yarn", "pnpm") and near("node") or tool == "cargo" and near("cargo")
                or tool == "uv" and kinds["uv"][0] or tool in ("bundle", "gem") and kinds["bundle"][0]
                or tool == "composer" and kinds["composer"][0] or near("build"))

    def used(self, install: Step, target: str, tool: str) -> bool:
        return self.answers[(install.index, target, tool)]


def _paths(step: Step, adds: bool) -> Iterator[str]:
    """The paths ``step`` names (absolute, or against its directory): its words, the parts of
    ``NAME=value`` words and ``--option=value`` split at ``:``, what it redirects from or to. For a
    step that installs, not its own program (``/opt/venv/bin/pip``) nor where it installs
    (``--python``, ``--target``)."""
    command = step.command
    words = list(command.argv)
    if adds:
        skip = {id(command.argv[0])} if command.argv else set()
        for i, word in enumerate(command.argv):
            if _PIP_DIR.fullmatch(word.value):
                skip.add(id(word))
            if word.value in ("--python", "-p", "--target", "-t", "--prefix", "--root") and i + 1 < len(command.argv):
                skip.add(id(command.argv[i + 1]))
            if word.value.split("=")[0] in ("--python", "--target", "--prefix", "--root"):
                skip.add(id(word))
        words = [word for word in words if id(word) not in skip]
    values = [word.value for word in words] + [a.value.value for a in command.assignments] + [
        r.target.value for r in command.redirects if r.heredoc is None and not r.op.endswith("&")]
    for value in values:
        for part in value.split("=", 1)[-1].split(":") if "=" in value else [value]:
            if part and "$" not in part and not part.startswith("-"):
                path = resolve(part, step.cwd, home=False)
                if path:
                    yield path


def _norm(path: str) -> str:
    """``path`` as :func:`inside` compares it."""
    return path.rstrip("/") or "/"


def _up(path: str) -> list[str]:
    """Every directory ``d`` (as :func:`_norm` writes it) with ``inside(path, d)``: ``path`` itself,
    its ancestors and ``/``."""
    path = _norm(path)
    found = ["/", path]
    for i, char in enumerate(path):
        if char == "/" and i and path[i - 1] != "/":
            found.append(path[:i])
    return found


class _Summary:
    """What a later instruction tells about a directory, read once per file: the targets of a RUN's cache
    and tmpfs mounts, where its steps install, the programs it runs by absolute path, whether it builds
    after conan; what a COPY or ADD (not ``--from``) writes."""

    __slots__ = ("mounts", "installs", "programs", "builds", "copies")

    def __init__(self, ctx: RuleContext, node: ast.Instruction) -> None:
        self.mounts: list[str] = []
        self.installs: list[str] = []
        self.programs: list[str] = []
        self.builds = False
        self.copies: list[str] = []
        if isinstance(node, ast.RunInstruction):
            self.mounts = [path for path, _ in _all_targets(ctx, node) if path]
            for step in run_steps(ctx.analysis, node):
                self.installs += [place for place, _, _ in _installs(ctx, node, step)]
                invocation = step.invocation
                if invocation is not None and (
                        invocation.program in _BUILDS or invocation.program == "conan" and invocation.operands
                        and invocation.operands[0].value == "build"):
                    self.builds = True
                self.programs += [word.value.split("=")[-1] for word in step.command.argv[:1]
                                  if word.value.startswith("/")]
        elif isinstance(node, (ast.CopyInstruction, ast.AddInstruction)) and not node.flag("from"):
            self.copies = [entry.path for entry in copied(ctx.model, node)]


class _Later:
    """What comes after each instruction of ``stage``: its own later instructions and those of the
    stages built on it, indexed by directory so that each question costs the depth of a path, not
    the length of the file. An index maps a directory to the last position where it is seen
    (the stages built on this one count as after every position)."""

    def __init__(self, ctx: RuleContext, stage, summaries: dict[int, _Summary]) -> None:
        model = ctx.model
        self.users = [other for other in model.stages if any(m.index == stage.index for m in model.lineage(other))]
        self.mounts: dict[str, int] = {}  # a mount target there
        self.installs: dict[str, int] = {}  # an install into it
        self.holding: dict[str, int] = {}  # an install somewhere below (or into) it
        self.written: dict[str, int] = {}  # a COPY or ADD writes below it
        self.programs: dict[str, int] = {}  # a program run below it
        self.builds = -1
        after = len(stage.instructions)
        nodes = list(enumerate(stage.instructions)) + [
            (after, node) for other in self.users if other is not stage for node in other.instructions]
        for position, node in nodes:
            summary = summaries.get(id(node))
            if summary is None:
                summary = summaries[id(node)] = _Summary(ctx, node)
            for path in summary.mounts:
                _mark(self.mounts, [_norm(path)], position)
            for place in summary.installs:
                _mark(self.installs, [_norm(place)], position)
                _mark(self.holding, _up(place), position)
            for path in summary.copies:
                _mark(self.written, _up(path), position)
            for program in summary.programs:
                _mark(self.programs, _up(program), position)
            if summary.builds:
                self.builds = max(self.builds, position)
        names = {other.index for other in self.users}
        self.sources: set[str] = set()  # directories a COPY --from of a stage built on this one takes
        for other in model.stages:
            for dep in other.dependencies:
                if dep.kind != "copy" or dep.stage not in names:
                    continue
                for source in copy_sources(model, dep.instruction):
                    if source.kind == "local" and source.value and "*" not in source.value:
                        self.sources.add(posixpath.normpath("/" + source.value.lstrip("/")))

    def reused(self, position: int, target: str) -> bool:
        """A later step puts files there again, or reads the cache on purpose: a RUN mounting a cache over
        ``target``, a RUN installing there (or below, or above) without one, a COPY or ADD into it."""
        ancestors = _up(target)
        return (any(self.mounts.get(d, -1) > position or self.installs.get(d, -1) > position for d in ancestors)
                or self.holding.get(_norm(target), -1) > position or self.written.get(_norm(target), -1) > position)

    def copied(self, mount: str) -> bool:
        """A ``COPY --from`` of a stage built on this one takes a directory that holds the mount target
        (a source in the mount is DF115's)."""
        return any(d in self.sources and d != mount.rstrip("/") for d in _up(mount))

    def read(self, position: int, target: str, tool: str) -> bool:
        """A later RUN runs a program from the install directory, or builds after ``conan install``."""
        return tool == "conan" and self.builds > position or self.programs.get(_norm(target), -1) > position


def _mark(index: dict[str, int], keys: list[str], position: int) -> None:
    for key in keys:
        if index.get(key, -1) < position:
            index[key] = position


def _cache_hint(ctx: RuleContext, node: ast.Instruction, step: Step, tool: str, target: str) -> str:
    home = user_home(ctx.analysis, node, step) or "/root"
    places = {
        "npm": f"npm's download cache (`target={home}/.npm`)",
        "yarn": "Yarn's download cache (`target=/usr/local/share/.cache/yarn` for root with Yarn 1)",
        "pnpm": f"pnpm's store (`target={home}/.local/share/pnpm/store`)",
        "pip": f"pip's download cache (`target={home}/.cache/pip`)",
        "venv": f"pip's download cache (`target={home}/.cache/pip`, or `{home}/.cache/uv` for uv)",
        "uv": f"uv's cache (`target={home}/.cache/uv`)",
        "bundle": "Bundler's download cache (`bundle config set cache_path`), or none",
        "gem": f"the .gem download cache (`target={posixpath.join(target, 'cache')}`)",
        "composer": "Composer's cache directory (`composer config cache-dir`)",
        "go": f"Go's caches (`target={home}/.cache/go-build`, `target=/go/pkg/mod`)",
        "cargo": "Cargo's registry (`target=/usr/local/cargo/registry` in the rust image)",
        "conan": "a download cache (`core.download:download_cache`)",
    }
    return places[tool]


def _message(ctx: RuleContext, node: ast.Instruction, step: Step, flag: ast.Mount, mount: str, target: str,
             what: str, tool: str) -> str:
    verb = {"venv": "creates its virtual environment in", "go": "writes", "cargo": "builds into"}.get(tool, "installs into")
    if tool == "cargo" and what == "cargo install":
        verb = "installs into"
    under = "" if target.rstrip("/") == mount.rstrip("/") else f", under {mount}"
    return (f"`{what}` {verb} {target}{under}, the target of this RUN's {flag.type} mount: a {flag.type} mount is not "
            f"stored in the layer, so the image and later steps do not get those files; mount "
            f"{_cache_hint(ctx, node, step, tool, target)} instead, or copy the results out of the mount in this RUN")
