"""Commands known to return on their own: clients, one-shot jobs and shell housekeeping.

A container's shell script that starts a service in the background (``tailscaled &``) and ends with
one of these (``tailscale up``) ends when it returns, and the container stops with the service in it.
Only commands whose behaviour does not depend on anything outside the command line are listed: a
program this module does not know is never said to return.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from dflint.shell.tools import program_name

#: ``sleep 5``, ``sleep 0.5``, ``sleep 2m`` (GNU sleep adds several); not ``sleep infinity``.
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]*)?)([smhd]?)")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
#: A sleep this long or longer is a keep-alive (``sleep 2147483647``, ``sleep 999999999``, ``sleep 1d``),
#: not a pause before a command: the script stays, and its background programs with it.
_KEEP_ALIVE = 3600

#: Subcommands of clients that do their work and return (a subcommand left out may stay: `tailscale
#: serve` in the foreground, `ollama run` reading a prompt, `docker logs -f`, `docker events`).
_TAILSCALE = frozenset({"up", "login", "logout", "set", "down", "status", "ip", "version", "cert", "netcheck",
                        "whois"})
_OLLAMA = frozenset({"pull", "push", "create", "list", "ls", "rm", "cp", "show", "ps", "stop"})
_DOCKER = frozenset({"pull", "push", "build", "buildx", "load", "save", "tag", "login", "logout", "info",
                     "version", "ps", "images", "image", "inspect", "network", "volume", "context", "create",
                     "rm", "rmi", "stop", "kill", "cp"})
#: `docker run` options that take no value (the others take the next word unless written with `=`).
_DOCKER_RUN_FLAGS = frozenset({"-d", "--detach", "-i", "--interactive", "-t", "--tty", "--rm", "--privileged",
                               "--init", "-P", "--publish-all", "--read-only", "--sig-proxy", "-q", "--quiet",
                               "--oom-kill-disable", "--no-healthcheck", "--disable-content-trust"})
_DJANGO = frozenset({"migrate", "collectstatic", "makemigrations", "loaddata", "compilemessages", "check",
                     "createcachetable"})
#: File housekeeping and builtins that return (`wait` is not one: it waits for the background jobs).
_PLAIN = frozenset({"echo", "printf", "curl", "wget", "mkdir", "chmod", "chown", "cp", "mv", "rm", "ln", "touch",
                    "cd", "export", "set", "unset", "test", "[", "true", "false", ":"})


def _sleep(args: Sequence[str]) -> bool:
    """``sleep`` with durations (GNU sleep sleeps for their sum) adding up to less than an hour."""
    total = 0.0
    for arg in args:
        duration = _DURATION.fullmatch(arg)
        if duration is None:
            return False
        total += float(duration.group(1)) * _SECONDS[duration.group(2)]
    return bool(args) and total < _KEEP_ALIVE


def _docker(args: Sequence[str]) -> bool:
    subcommand = args[0] if args else ""  # global options first (`docker -H ...`): not read
    rest = args[1:]
    if subcommand in ("compose",):
        return bool(rest) and (rest[0] in ("pull", "build", "down", "rm", "stop", "ps", "config")
                               or rest[0] == "up" and any(arg in ("-d", "--detach", "--wait") for arg in rest))
    if subcommand == "start":
        return not any(arg in ("-a", "--attach", "-i", "--interactive") for arg in rest)
    if subcommand == "exec":
        return bool(rest) and rest[0] in ("-d", "--detach")
    if subcommand == "run":
        return _detached_run(rest)
    return subcommand in _DOCKER


def _detached_run(args: Sequence[str]) -> bool:
    """``docker run`` with ``-d`` (``--detach``, ``-dit``) before the image."""
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-") or arg == "-":
            return False  # the image: what follows is the container's command
        if arg in ("-d", "--detach", "--detach=true") or re.fullmatch(r"-[it]*d[it]*", arg):
            return True
        i += 1 if arg in _DOCKER_RUN_FLAGS or "=" in arg or re.fullmatch(r"-[itP]+", arg) else 2
    return False


def _compose(args: Sequence[str]) -> bool:
    return _docker(["compose", *args])


def _manage(args: Sequence[str]) -> bool:
    """``manage.py migrate`` (run as ``./manage.py``) and ``django-admin migrate``."""
    return args[:1] != [] and args[0] in _DJANGO


def _python(args: Sequence[str]) -> bool:
    """``python manage.py migrate``."""
    return len(args) >= 2 and program_name(args[0]) == "manage.py" and args[1] in _DJANGO


_PROGRAMS: dict[str, Callable[[Sequence[str]], bool]] = {
    "sleep": _sleep,
    "tailscale": lambda args: args[:1] != [] and args[0] in _TAILSCALE,
    "ollama": lambda args: args[:1] != [] and args[0] in _OLLAMA,
    "docker": _docker, "podman": _docker, "docker-compose": _compose,
    "manage.py": _manage, "django-admin": _manage,
    "alembic": lambda args: args[:1] in (["upgrade"], ["downgrade"], ["stamp"]),
    "flask": lambda args: args[:2] in (["db", "upgrade"], ["db", "migrate"]),
}
_PYTHON = re.compile(r"python[0-9.]*")


def returns(values: Sequence[str]) -> bool:
    """``values`` (a command's program first, wrappers already skipped) is known to do its work and
    return, whatever else runs: `tailscale up`, `ollama pull llama3`, `docker pull x`, `sleep 5`,
    `echo ready`, `curl -fsS URL`, `python manage.py migrate`. False for anything not known."""
    if not values:
        return False
    program, args = program_name(values[0]), values[1:]
    if program in _PLAIN:
        return True
    if _PYTHON.fullmatch(program):
        return _python(args)
    check = _PROGRAMS.get(program)
    return check is not None and check(args)
