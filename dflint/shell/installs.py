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
from typing import Callable, Iterable, Optional

from .model import Command, Script
from .tools import Invocation

__all__ = ["Install", "dependency_install", "dependency_installs", "ECOSYSTEMS"]


@dataclass(frozen=True, eq=False)
class Install:
    """A command that installs dependencies from ``manifests``.

    ``ecosystem`` is the tool (``npm``, ``poetry``...), ``family`` the language
    world it belongs to (``node``, ``python``...): an earlier install of the
    same family counts as having installed the dependencies.
    """

    command: Command
    ecosystem: str
    family: str
    manifests: tuple[str, ...]


_NODE = ("package.json",)
_GO = ("go.mod", "go.sum")
_CARGO = ("Cargo.toml", "Cargo.lock")
_GRADLE = ("build.gradle(.kts)", "settings.gradle(.kts)")
_PROJECT = re.compile(r"\.(?:/)?(?:\[[^\]]*\])?")  # `.`, `./`, `.[dev]`
_MAVEN_GOALS = frozenset({"package", "install", "verify", "compile", "test", "deploy", "dependency:go-offline",
                          "dependency:resolve", "dependency:resolve-plugins", "dependency:copy-dependencies"})
_GRADLE_TASKS = frozenset({"build", "assemble", "bootJar", "bootWar", "jar", "war", "shadowJar", "installDist",
                           "distTar", "distZip", "dependencies", "classes", "compileJava", "compileKotlin",
                           "test", "check", "nativeCompile", "quarkusBuild", "buildFatJar"})

#: The ecosystems and their families, for documentation and tests.
ECOSYSTEMS: dict[str, str] = {
    "npm": "node", "yarn": "node", "pnpm": "node", "pip": "python", "poetry": "python", "uv": "python",
    "pipenv": "python", "go": "go", "bundler": "ruby", "composer": "php", "cargo": "rust", "maven": "java",
    "gradle": "java", "dotnet": "dotnet", "mix": "elixir", "swift": "swift", "pub": "dart",
}


def _words(invocation: Invocation) -> list[str]:
    """Subcommand and operands, in order."""
    words = [w.value for w in invocation.operands]
    if invocation.subcommand is not None:
        words.insert(0, invocation.subcommand)
    return words


def _npm(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    if words[:1] == ["ci"]:
        return _NODE + ("package-lock.json",)
    if words == ["install"] and not inv.has("-g", "--global") and inv.value("--location") != "global":
        return _NODE + ("package-lock.json",)
    return None


def _yarn(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    if words in ([], ["install"]) or words[:2] == ["workspaces", "focus"]:
        return _NODE + ("yarn.lock",)
    return None


def _pnpm(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    if words == ["fetch"]:
        return ("pnpm-lock.yaml",)
    return _NODE + ("pnpm-lock.yaml",) if words == ["install"] else None


def _pip(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    if not words or words[0] not in ("install", "download", "wheel", "sync"):
        return None
    files = inv.values("-r", "--requirement") + (tuple(words[1:]) if words[0] == "sync" else ())
    project = any(_PROJECT.fullmatch(v) for v in words[1:] + list(inv.values("-e", "--editable")))
    if project and not inv.has("--no-deps"):
        files += ("pyproject.toml",)
    return files or None


def _first(expected: Iterable[str], manifests: tuple[str, ...], forbidden: tuple[str, ...] = ()):
    wanted = frozenset(expected)

    def check(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
        if words[:1] == [] and "" in wanted or words[:1] and words[0] in wanted:
            return None if inv.has(*forbidden) else manifests
        return None
    return check


def _go(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    if words[:2] == ["mod", "download"]:
        return _GO
    if words[:1] in (["build"], ["install"]) and not any("@" in w for w in words[1:]) \
            and inv.value("-mod") != "vendor":
        return _GO
    return None


def _cargo(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    if words[:1] in (["build"], ["fetch"]) or words[:2] == ["chef", "cook"] \
            or words[:1] == ["install"] and inv.has("--path"):
        return _CARGO
    return None


def _maven(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    # Plugin goals may be fully qualified: org.apache.maven.plugins:maven-dependency-plugin:3.6.1:go-offline
    found = any(w in _MAVEN_GOALS or ":" in w and "dependency:" + w.rsplit(":", 1)[1] in _MAVEN_GOALS for w in words)
    return ("pom.xml",) if found else None


def _gradle(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    return _GRADLE if any(w.rsplit(":", 1)[-1] in _GRADLE_TASKS for w in words) else None


def _dotnet(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    if words[:1] == ["restore"] or words[:1] in (["build"], ["publish"]) and not inv.has("--no-restore"):
        return ("*.csproj", "*.sln")
    return None


def _pub(inv: Invocation, words: list[str]) -> Optional[tuple[str, ...]]:
    return ("pubspec.yaml", "pubspec.lock") if words[:2] in (["pub", "get"], ["pub", "upgrade"]) else None


_READERS: dict[str, tuple[str, Callable[[Invocation, list[str]], Optional[tuple[str, ...]]]]] = {
    "npm": ("npm", _npm), "yarn": ("yarn", _yarn), "pnpm": ("pnpm", _pnpm), "pip": ("pip", _pip),
    "poetry": ("poetry", lambda inv, w: ("pyproject.toml", "poetry.lock")
               if w[:1] == ["install"] and not inv.has("--only-root") else None),
    "uv": ("uv", _first({"sync"}, ("pyproject.toml", "uv.lock"))),
    "pipenv": ("pipenv", lambda inv, w: ("Pipfile", "Pipfile.lock")
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
    "swift": ("swift", lambda inv, w: ("Package.swift", "Package.resolved")
              if w[:1] == ["build"] or w[:2] == ["package", "resolve"] else None),
    "dart": ("pub", _pub), "flutter": ("pub", _pub),
}


def dependency_install(script: Script, command: Command) -> Optional[Install]:
    """The dependency install ``command`` performs, or None."""
    invocation = script.invocation(command)
    if invocation is None or invocation.program not in _READERS:
        return None
    ecosystem, reader = _READERS[invocation.program]
    manifests = reader(invocation, _words(invocation))
    if not manifests:
        return None
    return Install(command, ecosystem, ECOSYSTEMS[ecosystem], manifests)


def dependency_installs(scripts: Iterable[Script]) -> list[Install]:
    """Every dependency install in ``scripts``, in order."""
    return [found for script in scripts for command in script.commands
            if (found := dependency_install(script, command)) is not None]
