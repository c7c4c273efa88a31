"""Dependency installs: commands that install a project's dependencies from its manifests.

:func:`dependency_install` says whether a command installs dependencies the
way a project build does, reading manifest files from the working directory
(``npm ci`` reads package.json and package-lock.json; ``pip install -r
requirements.txt`` reads requirements.txt), and names those manifests.
Installing named packages (``npm install -g pm2``, ``pip install flask``,
``go install tool@v1``) is not a dependency install: it reads no manifest.

>>> from dflint.shell import parse_shell
>>> script = parse_shell("npm ci --omit=dev && pip install -r requirements/prod.txt")
>>> [(i.ecosystem, i.manifests) for i in dependency_installs([script])]
[('npm', ('package.json', 'package-lock.json')), ('pip', ('requirements/prod.txt',))]
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Union

from .caches import YARN_BERRY_OPTIONS
from .model import Command, Script
from .options import Option, Spec, parse_options
from .tools import Invocation, unwrap

__all__ = ["Install", "dependency_install", "dependency_installs", "ECOSYSTEMS", "CONDA_VALUES"]


@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class Install:
    """A command that installs dependencies from ``manifests``.

    ``ecosystem`` is the tool (``npm``, ``poetry``...), ``family`` the language
    world it belongs to (``node``, ``python``...): an earlier install of the
    same family counts as having installed the dependencies. ``fetch`` says,
    as advice text, how to install only the dependencies when ``command``
    also builds the project (``mvn package``, ``cargo build``) and so needs
    the sources; it is empty when ``command`` installs nothing else.
    """

    command: Command
    ecosystem: str
    family: str
    manifests: tuple[str, ...]
    fetch: str = ""


_NODE = ("package.json",)
_GO = ("go.mod", "go.sum")
_CARGO = ("Cargo.toml", "Cargo.lock")
_GRADLE = ("build.gradle(.kts)", "settings.gradle(.kts)")
_SWIFT = ("Package.swift", "Package.resolved")
_MIX = ("mix.exs", "mix.lock")
_PROJECT = re.compile(r"\.(?:/)?(?:\[[^\]]*\])?")  # `.`, `./`, `.[dev]`
_SBT = ("build.sbt", "project/")
#: sbt tasks that compile the project (and so resolve its dependencies first).
_SBT_BUILD_TASKS = frozenset({"compile", "package", "packageBin", "assembly", "stage", "dist", "test", "run",
                              "publishLocal", "publish", "nativeImage", "fastLinkJS", "fullLinkJS"})
_LEIN_BUILD_TASKS = frozenset({"uberjar", "jar", "compile", "install", "test", "run", "check", "deploy"})
_MAVEN_FETCH_GOALS = frozenset({"dependency:go-offline", "dependency:resolve", "dependency:resolve-plugins",
                                "dependency:copy-dependencies"})
_MAVEN_GOALS = frozenset({"package", "install", "verify", "compile", "test", "deploy", "dependency:go-offline",
                          "dependency:resolve", "dependency:resolve-plugins", "dependency:copy-dependencies"})
#: mix tasks that compile or package the project, and so need its sources (`mix do deps.get, compile`).
_MIX_BUILD_TASKS = frozenset({"compile", "release", "escript.build", "archive.build", "assets.deploy", "phx.digest",
                              "test"})
_MIX_TASK_SEPARATOR = re.compile(r",|\s\+\s")  # `mix do a, b`; `mix do a + b` since Elixir 1.14
#: Options taking a value, for tools tools.SPECS has no table for: without them `-n base` reads
#: `base` as an operand.
CONDA_VALUES = frozenset({"-f", "--file", "-n", "--name", "-p", "--prefix", "-c", "--channel", "-r",
                          "--root-prefix", "--platform", "--subdir", "--solver", "--rc-file", "--repodata-fn"})
_BUN_VALUES = frozenset({"--cwd", "-c", "--config", "--backend", "--cache-dir", "--registry", "--ca", "--cafile",
                         "--network-concurrency", "--concurrent-scripts", "--omit", "--filter", "-F", "--linker"})
_DENO_VALUES = frozenset({"-c", "--config", "--import-map", "--root", "-n", "--name", "--cert", "-L",
                          "--log-level"})
_PIXI_VALUES = frozenset({"--manifest-path", "-e", "--environment", "--color", "--pypi-keyring-provider",
                          "--concurrent-downloads", "--concurrent-solves"})
_GRADLE_TASKS = frozenset({"build", "assemble", "bootJar", "bootWar", "jar", "war", "shadowJar", "installDist",
                           "distTar", "distZip", "dependencies", "classes", "compileJava", "compileKotlin",
                           "test", "check", "nativeCompile", "quarkusBuild", "buildFatJar"})

#: A variable's value for the command (its own assignments, then ARG/ENV); None when unset or unknown.
_Env = Callable[[str], Optional[str]]

#: What a reader finds: None, the manifests, or the manifests and the command fetching only the dependencies.
_Read = Optional[Union[tuple[str, ...], tuple[tuple[str, ...], str]]]

#: Reads a command (its invocation, subcommand and operands, variables): what it installs from.
_Reader = Callable[[Invocation, list[str], _Env], _Read]

#: The ecosystems and their families, for documentation and tests.
ECOSYSTEMS: dict[str, str] = {
    "npm": "node", "yarn": "node", "pnpm": "node", "pip": "python", "poetry": "python", "uv": "python",
    "pipenv": "python", "go": "go", "bundler": "ruby", "composer": "php", "cargo": "rust", "maven": "java",
    "gradle": "java", "dotnet": "dotnet", "mix": "elixir", "swift": "swift", "pub": "dart",
    "pdm": "python", "pip-tools": "python", "sbt": "scala", "leiningen": "clojure", "clojure": "clojure",
    "cabal": "haskell", "stack": "haskell", "cpanm": "perl", "carton": "perl", "shards": "crystal",
    "conan": "c++", "vcpkg": "c++", "julia": "julia", "renv": "r", "nimble": "nim",
    "conda": "conda", "pixi": "conda", "bun": "node", "deno": "deno", "remotes": "r", "devtools": "r",
    "pak": "r",
}


def _words(invocation: Invocation) -> list[str]:
    """Subcommand and operands, in order."""
    words = [w.value for w in invocation.operands]
    if invocation.subcommand is not None:
        words.insert(0, invocation.subcommand)
    return words


def _npm(inv: Invocation, words: list[str], env: _Env) -> Optional[tuple[str, ...]]:
    if words[:1] == ["ci"]:
        return _NODE + ("package-lock.json",)
    if words == ["install"] and not inv.has("-g", "--global") and inv.value("--location") != "global":
        return _NODE + ("package-lock.json",)
    return None


def _yarn(inv: Invocation, words: list[str], env: _Env) -> Optional[tuple[str, ...]]:
    # Yarn Berry (`workspaces focus`, options yarn 1 lacks) reads .yarnrc.yml too: the linker, the registry
    # and the yarnPath of the release to run; installing without it installs differently.
    if words[:2] == ["workspaces", "focus"] or words in ([], ["install"]) and inv.has(*YARN_BERRY_OPTIONS):
        return _NODE + ("yarn.lock", ".yarnrc.yml")
    if words in ([], ["install"]):
        return _NODE + ("yarn.lock",)
    return None


def _pnpm(inv: Invocation, words: list[str], env: _Env) -> Optional[tuple[str, ...]]:
    if words == ["fetch"]:
        return ("pnpm-lock.yaml",)
    return _NODE + ("pnpm-lock.yaml",) if words == ["install"] else None


def _pip(inv: Invocation, words: list[str], env: _Env) -> _Read:
    if not words or words[0] not in ("install", "download", "wheel", "sync"):
        return None
    files = inv.values("-r", "--requirement") + (tuple(words[1:]) if words[0] == "sync" else ())
    project = any(_PROJECT.fullmatch(v) for v in words[1:] + list(inv.values("-e", "--editable")))
    if not project or inv.has("--no-deps"):
        return files or None
    # `pip install .` builds the project, which needs its sources: only the requirements can come first.
    if files:
        return files, f"`{_spelled(inv)} install {' '.join(f'-r {f}' for f in files)}` (without the project)"
    return ("pyproject.toml",), ("`pip install -r` of a requirements file compiled from it (`pip-compile`, "
                                 "`uv pip compile`), or `uv pip install -r pyproject.toml`")


def _first(expected: Iterable[str], manifests: tuple[str, ...], forbidden: tuple[str, ...] = ()):
    wanted = frozenset(expected)

    def check(inv: Invocation, words: list[str], env: _Env) -> Optional[tuple[str, ...]]:
        if words[:1] == [] and "" in wanted or words[:1] and words[0] in wanted:
            return None if inv.has(*forbidden) else manifests
        return None
    return check


def _go(inv: Invocation, words: list[str], env: _Env) -> _Read:
    if words[:2] == ["mod", "download"]:
        return _GO
    # -mod=vendor, on the command line or in GOFLAGS, builds from vendor/ in the sources: nothing is downloaded.
    mod = inv.value("-mod") or next((flag[5:] for flag in (env("GOFLAGS") or "").split()
                                     if flag.startswith("-mod=")), None)
    if words[:1] in (["build"], ["install"]) and not any("@" in w for w in words[1:]) and mod != "vendor":
        return _GO, "`go mod download`"
    return None


def _cargo(inv: Invocation, words: list[str], env: _Env) -> _Read:
    if words[:1] == ["fetch"] or words[:2] == ["chef", "cook"]:
        return _CARGO
    if words[:1] == ["build"] or words[:1] == ["install"] and inv.has("--path"):
        # Cargo refuses a manifest without its targets: fetching needs a stub src/main.rs, or cargo-chef.
        return _CARGO, "`cargo fetch` (with a stub src/main.rs) or cargo-chef"
    return None


def _without_project(manifests: tuple[str, ...], subcommands: "str | tuple[str, ...]", flag: str,
                     known: tuple[str, ...]) -> Callable[[Invocation, list[str], _Env], _Read]:
    """A Python project manager's install (``poetry install``, ``uv sync``, ``pdm install``), which
    installs the project itself too, and so needs its sources, unless told not to (``flag``); with
    ``--only-root``-like options it installs nothing from the lock (``known`` names both kinds)."""
    wanted = (subcommands,) if isinstance(subcommands, str) else subcommands

    def check(inv: Invocation, words: list[str], env: _Env) -> _Read:
        if words[:1] != [] and words[0] in wanted:
            if inv.has(*known):
                return None if not inv.has(flag) else manifests
            return manifests, f"`{' '.join(_from_program(inv))} {flag}`"
        return None
    return check


def _from_program(inv: Invocation) -> list[str]:
    """The command's words from its program on, as written (``uv sync --frozen``)."""
    index, _ = unwrap(inv.command.argv)
    return list(inv.command.values[index:])


def _spelled(inv: Invocation) -> str:
    """The program as the script names it (``./mvnw``, not ``mvnw``), for advice to run it again."""
    index, _ = unwrap(inv.command.argv)  # not len(via): `gosu app ./mvnw`, `sudo -u app ./mvnw`
    words = inv.command.values
    return words[index] if index < len(words) else inv.program


def _maven_goal(word: str) -> str:
    """The goal a word names; plugin goals may be fully qualified
    (org.apache.maven.plugins:maven-dependency-plugin:3.6.1:go-offline)."""
    if word in _MAVEN_GOALS or ":" not in word:
        return word
    return "dependency:" + word.rsplit(":", 1)[1]


def _maven(inv: Invocation, words: list[str], env: _Env) -> _Read:
    goals = [goal for goal in map(_maven_goal, words) if goal in _MAVEN_GOALS]
    if not goals:
        return None
    if all(goal in _MAVEN_FETCH_GOALS for goal in goals):
        return ("pom.xml",)
    return ("pom.xml",), f"`{_spelled(inv)} dependency:go-offline`"


def _gradle(inv: Invocation, words: list[str], env: _Env) -> _Read:
    tasks = [task for task in (w.rsplit(":", 1)[-1] for w in words) if task in _GRADLE_TASKS]
    if not tasks:
        return None
    return _GRADLE if tasks == ["dependencies"] * len(tasks) else (_GRADLE, f"`{_spelled(inv)} dependencies`")


def _dotnet(inv: Invocation, words: list[str], env: _Env) -> _Read:
    if words[:1] == ["restore"]:
        return ("*.csproj", "*.sln")
    if words[:1] in (["build"], ["publish"]) and not inv.has("--no-restore"):
        return ("*.csproj", "*.sln"), "`dotnet restore`"
    return None


def _swift(inv: Invocation, words: list[str], env: _Env) -> _Read:
    if words[:2] == ["package", "resolve"]:
        return _SWIFT
    return (_SWIFT, "`swift package resolve`") if words[:1] == ["build"] else None


def _pub(inv: Invocation, words: list[str], env: _Env) -> Optional[tuple[str, ...]]:
    return ("pubspec.yaml", "pubspec.lock") if words[:2] in (["pub", "get"], ["pub", "upgrade"]) else None


def _sbt(inv: Invocation, words: list[str], env: _Env) -> _Read:
    # Tasks may be scoped: core/assembly, Docker/stage, universal:packageBin.
    tasks = {word.replace(":", "/").rsplit("/", 1)[-1] for word in words}
    if tasks & _SBT_BUILD_TASKS:
        return _SBT, "`sbt update`"
    return _SBT if "update" in tasks else None


def _lein(inv: Invocation, words: list[str], env: _Env) -> _Read:
    tasks = {word.rstrip(",") for word in words}  # lein do clean, uberjar
    if tasks & _LEIN_BUILD_TASKS:
        return ("project.clj",), "`lein deps`"
    return ("project.clj",) if "deps" in tasks else None


def _haskell(manifests: tuple[str, ...], program: str) -> Callable[[Invocation, list[str], _Env], _Read]:
    def check(inv: Invocation, words: list[str], env: _Env) -> _Read:
        if words[:1] not in (["build"], ["install"]):
            return None
        if inv.has("--only-dependencies", "--dependencies-only"):
            return manifests
        return manifests, f"`{program} build --only-dependencies`"
    return check


def _clojure(inv: Invocation, words: list[str], env: _Env) -> _Read:
    # -P prepares (downloads) the classpath and runs nothing; a bundle like -M:Prod is not it.
    return ("deps.edn",) if any(option.word.value == "-P" for option in inv.options) else None


def _cpanm(inv: Invocation, words: list[str], env: _Env) -> _Read:
    return ("cpanfile",) if inv.has("--installdeps") and any(_PROJECT.fullmatch(w) for w in words) else None


def _reread(inv: Invocation, values: frozenset[str]) -> tuple[tuple[Option, ...], list[str]]:
    """The options and operands (subcommands included) of a tool tools.SPECS has no table for,
    read knowing which options take a value."""
    index, _ = unwrap(inv.command.argv)
    parsed = parse_options(inv.command.argv[index + 1:], Spec(values=values))
    return parsed.options, [word.value for word in parsed.operands]


def _conda(file_flags: tuple[str, ...], env_default: tuple[str, ...]) -> _Reader:
    """conda, mamba, micromamba: `env create`/`env update` read an environment file (-f, or
    ``env_default``); `install`/`create`/`update` read the ``file_flags`` files, if given."""
    def check(inv: Invocation, words: list[str], env: _Env) -> _Read:
        options, words = _reread(inv, CONDA_VALUES)
        environment = words[:1] == ["env"] and words[1:2] in (["create"], ["update"])
        flags = ("-f", "--file") if environment else file_flags
        given = [option.value for option in options if option.name in flags and option.value is not None]
        files = tuple(value for value in given if "://" not in value)  # a URL is not in the context
        if environment:
            return files or (None if given else env_default or None)
        return files or None if words[:1] in (["install"], ["create"], ["update"]) else None
    return check


def _bun(inv: Invocation, words: list[str], env: _Env) -> _Read:
    options, words = _reread(inv, _BUN_VALUES)
    if words in (["install"], ["i"]) and not any(option.name in ("-g", "--global") for option in options):
        return _NODE + ("bun.lock or bun.lockb",)  # bun.lockb, binary, before Bun 1.2
    return None


def _deno(inv: Invocation, words: list[str], env: _Env) -> _Read:
    # `deno install` alone (Deno 2) installs what deno.json names; with a script, -g or --entrypoint it
    # installs a tool or caches a module graph: the sources. So does `deno cache main.ts`.
    options, words = _reread(inv, _DENO_VALUES)
    names = {option.name for option in options}
    if words != ["install"] or names & {"-g", "--global", "-e", "--entrypoint"}:
        return None
    config = next((option.value for option in options if option.name in ("-c", "--config")), None)
    if config is None:
        return ("deno.json or deno.jsonc", "deno.lock")
    return (config, posixpath.join(posixpath.dirname(config), "deno.lock"))  # the lock is beside it


def _pixi(inv: Invocation, words: list[str], env: _Env) -> _Read:
    _, words = _reread(inv, _PIXI_VALUES)
    return ("pixi.toml or pyproject.toml", "pixi.lock") if words == ["install"] else None


def _mix_tasks(words: list[str]) -> list[str]:
    """The tasks a mix command runs: its first word, or each task of `mix do`."""
    if words[:1] != ["do"]:
        return words[:1]
    groups = (group.split() for group in _MIX_TASK_SEPARATOR.split(" ".join(words[1:])))
    return [next((w for w in group if not w.startswith("-")), "") for group in groups]


def _mix(inv: Invocation, words: list[str], env: _Env) -> _Read:
    tasks = _mix_tasks(_from_program(inv)[1:])  # options too: `--only prod,` ends a task
    if "deps.get" not in tasks:
        return None
    return (_MIX, "`mix deps.get`") if _MIX_BUILD_TASKS.intersection(tasks) else _MIX


def _code(manifests: tuple[str, ...], call: re.Pattern) -> _Reader:
    """An interpreter running code given on its command line (`julia -e '...'`, `R -e '...'`)."""
    def check(inv: Invocation, words: list[str], env: _Env) -> _Read:
        return manifests if any(call.search(word) for word in words) else None
    return check


_READERS: dict[str, tuple[str, _Reader]] = {
    "npm": ("npm", _npm), "yarn": ("yarn", _yarn), "pnpm": ("pnpm", _pnpm), "pip": ("pip", _pip),
    "poetry": ("poetry", _without_project(("pyproject.toml", "poetry.lock"), "install", "--no-root",
                                          ("--only-root", "--no-root"))),
    "uv": ("uv", _without_project(("pyproject.toml", "uv.lock"), "sync", "--no-install-project",
                                  ("--no-install-project", "--only-install-project"))),
    "pipenv": ("pipenv", lambda inv, w, env: ("Pipfile", "Pipfile.lock")
               if w == ["install"] or w[:1] == ["sync"] else None),
    "go": ("go", _go),
    "bundle": ("bundler", _first({"", "install"}, ("Gemfile", "Gemfile.lock"))),
    "bundler": ("bundler", _first({"", "install"}, ("Gemfile", "Gemfile.lock"))),
    "composer": ("composer", _first({"install"}, ("composer.json", "composer.lock"))),
    "composer.phar": ("composer", _first({"install"}, ("composer.json", "composer.lock"))),
    "cargo": ("cargo", _cargo),
    "mvn": ("maven", _maven), "mvnw": ("maven", _maven),
    "gradle": ("gradle", _gradle), "gradlew": ("gradle", _gradle),
    "dotnet": ("dotnet", _dotnet),
    "mix": ("mix", _mix),
    "swift": ("swift", _swift),
    "dart": ("pub", _pub), "flutter": ("pub", _pub),
    "pdm": ("pdm", _without_project(("pyproject.toml", "pdm.lock"), ("install", "sync"), "--no-self",
                                    ("--no-self",))),
    "pip-sync": ("pip-tools", lambda inv, w, env: tuple(w) or ("requirements.txt",)),
    "sbt": ("sbt", _sbt),
    "lein": ("leiningen", _lein),
    "clojure": ("clojure", _clojure), "clj": ("clojure", _clojure),
    "cabal": ("cabal", _haskell(("*.cabal", "cabal.project*"), "cabal")),
    "stack": ("stack", _haskell(("stack.yaml", "stack.yaml.lock", "package.yaml"), "stack")),
    "cpanm": ("cpanm", _cpanm),
    "carton": ("carton", _first({"", "install"}, ("cpanfile", "cpanfile.snapshot"))),
    "shards": ("shards", _first({"install"}, ("shard.yml", "shard.lock"))),
    # `conan install PATH` reads the conanfile in PATH; `--requires=zlib/1.3` and conan 1's `zlib/1.3@` name packages.
    "conan": ("conan", lambda inv, w, env: ("conanfile.txt or conanfile.py",)
              if w[:1] == ["install"] and w[1:2] and "@" not in w[1] and not inv.has("--requires") else None),
    "vcpkg": ("vcpkg", lambda inv, w, env: ("vcpkg.json",) if w == ["install"] else None),
    "julia": ("julia", _code(("Project.toml", "Manifest.toml"), re.compile(r"\bPkg\.instantiate\b"))),
    "nimble": ("nimble", lambda inv, w, env: ("*.nimble",) if w[:1] == ["install"] and inv.has("-d", "--depsOnly")
               else None),
    "conda": ("conda", _conda(("--file",), ("environment.yml",))),
    # mamba 2 takes micromamba's `-f` for --file; mamba 1 ran conda's `env`, which defaults to environment.yml.
    "mamba": ("conda", _conda(("-f", "--file"), ("environment.yml",))),
    "micromamba": ("conda", _conda(("-f", "--file"), ())),
    "bun": ("bun", _bun),
    "deno": ("deno", _deno),
    "pixi": ("pixi", _pixi),
}


#: R code on a command line installs with the package it calls: renv from its lockfile; remotes,
#: devtools and pak what DESCRIPTION lists, without the package itself.
_R_CALLS: tuple[tuple[str, _Reader], ...] = (
    ("renv", _code(("renv.lock",), re.compile(r"\brenv::restore\b"))),
    ("remotes", _code(("DESCRIPTION",), re.compile(r"\bremotes::install_(?:dev_)?deps\b"))),
    ("devtools", _code(("DESCRIPTION",), re.compile(r"\bdevtools::install_(?:dev_)?deps\b"))),
    ("pak", _code(("DESCRIPTION",), re.compile(r"\bpak::local_install_(?:dev_)?deps\b"))),
)
#: Programs whose command may be one of several tools' installs, tried in order.
_SHARED_READERS: dict[str, tuple[tuple[str, _Reader], ...]] = {"R": _R_CALLS, "Rscript": _R_CALLS}


def _readers(program: str) -> tuple[tuple[str, _Reader], ...]:
    if program in _READERS:
        return (_READERS[program],)
    return _SHARED_READERS.get(program, ())


def _no_env(name: str) -> Optional[str]:
    return None


def dependency_install(script: Script, command: Command, env: _Env = _no_env) -> Optional[Install]:
    """The dependency install ``command`` performs, or None. ``env(name)`` is a variable's value
    for ``command`` (None when unset or unknown)."""
    invocation = script.invocation(command)
    for ecosystem, reader in _readers(invocation.program) if invocation is not None else ():
        found = reader(invocation, _words(invocation), env)
        if found:
            manifests, fetch = found if isinstance(found[0], tuple) else (found, "")
            return Install(command, ecosystem, ECOSYSTEMS[ecosystem], manifests, fetch)
    return None


def dependency_installs(scripts: Iterable[Script],
                        env: Callable[[Command], _Env] = lambda command: _no_env) -> list[Install]:
    """Every dependency install in ``scripts``, in order; ``env(command)`` gives the variables
    each command sees."""
    return [found for script in scripts for command in script.commands
            if (found := dependency_install(script, command, env(command))) is not None]
