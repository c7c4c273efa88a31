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

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Union

from .caches import YARN_BERRY_OPTIONS
from .model import Command, Script
from .tools import Invocation, unwrap

__all__ = ["Install", "dependency_install", "dependency_installs", "ECOSYSTEMS"]


@dataclass(frozen=True, eq=False)
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
_GRADLE_TASKS = frozenset({"build", "assemble", "bootJar", "bootWar", "jar", "war", "shadowJar", "installDist",
                           "distTar", "distZip", "dependencies", "classes", "compileJava", "compileKotlin",
                           "test", "check", "nativeCompile", "quarkusBuild", "buildFatJar"})

#: A variable's value for the command (its own assignments, then ARG/ENV); None when unset or unknown.
_Env = Callable[[str], Optional[str]]

#: What a reader finds: None, the manifests, or the manifests and the command fetching only the dependencies.
_Read = Optional[Union[tuple[str, ...], tuple[tuple[str, ...], str]]]

#: The ecosystems and their families, for documentation and tests.
ECOSYSTEMS: dict[str, str] = {
    "npm": "node", "yarn": "node", "pnpm": "node", "pip": "python", "poetry": "python", "uv": "python",
    "pipenv": "python", "go": "go", "bundler": "ruby", "composer": "php", "cargo": "rust", "maven": "java",
    "gradle": "java", "dotnet": "dotnet", "mix": "elixir", "swift": "swift", "pub": "dart",
    "pdm": "python", "pip-tools": "python", "sbt": "scala", "leiningen": "clojure", "clojure": "clojure",
    "cabal": "haskell", "stack": "haskell", "cpanm": "perl", "carton": "perl", "shards": "crystal",
    "conan": "c++", "vcpkg": "c++", "julia": "julia", "renv": "r", "nimble": "nim",
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


def _code(manifests: tuple[str, ...], call: re.Pattern) -> Callable[[Invocation, list[str], _Env], _Read]:
    """An interpreter running code given on its command line (`julia -e '...'`, `R -e '...'`)."""
    def check(inv: Invocation, words: list[str], env: _Env) -> _Read:
        return manifests if any(call.search(word) for word in words) else None
    return check


_READERS: dict[str, tuple[str, Callable[[Invocation, list[str], _Env], _Read]]] = {
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
    "mix": ("mix", _first({"deps.get"}, ("mix.exs", "mix.lock"))),
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
    "R": ("renv", _code(("renv.lock",), re.compile(r"\brenv::restore\b"))),
    "Rscript": ("renv", _code(("renv.lock",), re.compile(r"\brenv::restore\b"))),
    "nimble": ("nimble", lambda inv, w, env: ("*.nimble",) if w[:1] == ["install"] and inv.has("-d", "--depsOnly")
               else None),
}


def _no_env(name: str) -> Optional[str]:
    return None


def dependency_install(script: Script, command: Command, env: _Env = _no_env) -> Optional[Install]:
    """The dependency install ``command`` performs, or None. ``env(name)`` is a variable's value
    for ``command`` (None when unset or unknown)."""
    invocation = script.invocation(command)
    if invocation is None or invocation.program not in _READERS:
        return None
    ecosystem, reader = _READERS[invocation.program]
    found = reader(invocation, _words(invocation), env)
    if not found:
        return None
    manifests, fetch = found if isinstance(found[0], tuple) else (found, "")
    return Install(command, ecosystem, ECOSYSTEMS[ecosystem], manifests, fetch)


def dependency_installs(scripts: Iterable[Script],
                        env: Callable[[Command], _Env] = lambda command: _no_env) -> list[Install]:
    """Every dependency install in ``scripts``, in order; ``env(command)`` gives the variables
    each command sees."""
    return [found for script in scripts for command in script.commands
            if (found := dependency_install(script, command, env(command))) is not None]
