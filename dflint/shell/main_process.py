"""What a container's main process does when it is a command that ends at once: the decision DF711
(main-process-exits) reports and DF401 (json-args-recommended) consults for its ``exec`` advice.

:func:`script_problem` reads a shell script's last command (``service nginx start``, ``cron``, ``nginx
&``, ``tailscaled & tailscale up``) and says why it leaves nothing running; :func:`command_problem` does
the same for one command's words (an exec-form CMD). :func:`init_only` and :func:`after_init` look
through a minimal init (``tini --``, ``dumb-init``) to the program it runs.

>>> script_problem("service cron start")[3].reason
"starts the service's daemon in the background and returns"
>>> script_problem("service cron start && exec nginx -g 'daemon off;'") is None
True
>>> after_init(["tini", "-p", "SIGTERM", "--", "cron", "-f"], 0)
4
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional, Sequence

from dflint.shell import parse_shell
from dflint.shell.model import Command, Word
from dflint.shell.oneshot import returns
from dflint.shell.tools import program_name, unwrap

if TYPE_CHECKING:  # pragma: no cover
    from dflint import ast

class Problem(NamedTuple):
    """What a command does wrong as a container's main process, and what to do instead; ``nginx``: only
    when the image's nginx.conf is the stock one."""

    reason: str
    advice: str
    nginx: bool = False
    stops: str = "as soon as it starts"


def init_only(entrypoint: ast.Instruction) -> bool:
    """An exec-form ENTRYPOINT that is only a minimal init (``["tini", "-p", "SIGTERM", "--"]``, ``["dumb-init"]``)."""
    values = [arg.value for arg in entrypoint.args] if entrypoint.exec_form else []
    return bool(values) and program_name(values[0]) in INITS and after_init(values, 0) == len(values)


#: Minimal inits for PID 1: they run their arguments as a child and live exactly as long as it does. The
#: short options that take a value (tini's getopt string "p:hvwgle:s", dumb-init's "+hvVcr:"; catatonit
#: has none), and the long ones.
INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "docker-init"})
_INIT_VALUES = {"tini": "pe", "tini-static": "pe", "docker-init": "pe", "dumb-init": "r", "catatonit": ""}
_INIT_LONG_VALUES = frozenset({"--rewrite"})


def after_init(values: Sequence[str], index: int) -> int:
    """Index of the program the init at ``values[index]`` runs: after its options (as getopt reads them:
    ``-p SIGTERM``, ``-pSIGTERM``, ``-sp SIGTERM``, ``--rewrite 15:2``) and a ``--``."""
    takes = _INIT_VALUES.get(program_name(values[index]), "")
    index += 1
    while index < len(values):
        value = values[index]
        index += 1
        if value == "--":
            break
        if not value.startswith("-") or value == "-":
            return index - 1
        if value.startswith("--"):
            index += value in _INIT_LONG_VALUES  # --rewrite=15:2 holds its value
            continue
        for j, letter in enumerate(value[1:], 1):
            if letter in takes:
                index += j == len(value) - 1  # the value is the next word unless attached
                break
    return index


def script_problem(script: str) -> Optional[tuple[int, int, str, Problem]]:
    """(start, end, text, problem) of a script's last command when it is one that leaves nothing running."""
    parsed = parse_shell(script)
    if not parsed.ok:
        return None
    top = [command for command in parsed.commands if not command.contexts and command.argv]
    if not top:
        return None
    last = max(top, key=lambda command: command.start)
    if any(command.start >= last.end for command in parsed.commands):
        return None  # a loop, a group or a `wait` after it keeps the shell running
    problem = command_problem(last.argv[unwrap(last.argv)[0]:], background=last.background) \
        or _left_behind(parsed.commands, last)
    if problem is None:
        return None
    return last.start, last.end, script[last.start:last.end], problem


def _left_behind(commands: Sequence[Command], last: Command) -> Optional[Problem]:
    """The script starts programs in the background (``tailscaled &``) and every top-level command
    after them is one known to return (``tailscale up``): the shell ends with the last one."""
    background = [command for command in commands if command.background and not command.contexts
                  and command.end <= last.start and _program(command) and not returns(_program(command))]
    if not background:
        return None
    after = [command for command in commands if command.start >= background[-1].end]
    if any(command.contexts or command.argv and not returns(_program(command)) for command in after):
        return None  # a loop, a group, or a program that may keep running: the shell may stay
    names = list(dict.fromkeys(_named(_program(command)) for command in background))
    them = " and ".join(f"`{name}`" for name in names)
    run = "runs" if len(names) == 1 else "run"
    return Problem(f"returns, and the shell ends after it while {them} still {run} in the background (`&`)",
                   f"end the script with `wait`, so that the shell lives as long as {them}",
                   stops=f"once this command returns, killing {them}")


def _named(words: Sequence[str]) -> str:
    """A background program as the message names it: with its subcommand or script (`ollama serve`,
    `python worker.py`), without options (`tailscaled`)."""
    name = program_name(words[0])
    following = words[1] if len(words) > 1 else ""
    return f"{name} {following}" if re.fullmatch(r"[\w.]+", following) and len(following) <= 20 else name


def _program(command: Command) -> list[str]:
    """The words of ``command`` from its program on, behind ``exec`` and other wrappers."""
    return [word.value for word in command.argv[unwrap(command.argv)[0]:]]


#: The init-script and apachectl subcommands that start a daemon and return.
_START = frozenset({"start", "restart"})
_APACHECTL_START = frozenset({"start", "restart", "graceful"})


def command_problem(argv: Sequence[Word], background: bool) -> Optional[Problem]:
    """Why a command (its program first, behind any wrappers) cannot be a container's last command."""
    if background:
        return Problem("runs in the background (`&`) and the shell returns right after it",
                       "drop the `&`")
    words = [word.value for word in argv]
    if not words:
        return None
    program, args = program_name(words[0]), words[1:]
    if program in ("bundle", "bundler") and args[:1] == ["exec"] and len(args) > 1:  # bundle exec rails s -d
        program, args = program_name(args[1]), args[2:]
    options = [arg for arg in args if arg.startswith("-") and not arg.startswith("--")]
    if program == "service" and len(args) >= 2 and args[1] in _START \
            or words[0].startswith(("/etc/init.d/", "/etc/rc.d/init.d/")) and args[:1] and args[0] in _START \
            or program == "rc-service" and _START.intersection(args[1:2]):
        return Problem("starts the service's daemon in the background and returns",
                       "run the service's program in the foreground instead, as the last command")
    if program == "systemctl" and _START.intersection(arg for arg in args if not arg.startswith("-")):
        return Problem("fails without systemd running as PID 1, which a container does not have",
                       "run the service's program in the foreground instead")
    if program in ("apachectl", "apache2ctl") and _APACHECTL_START.intersection(args) \
            and not any(arg.endswith("FOREGROUND") for arg in args):  # `-k start -D FOREGROUND` stays
        return Problem("starts Apache in the background and returns", "use `apachectl -D FOREGROUND`")
    if program == "postfix" and args[:1] == ["start"]:
        return Problem("starts Postfix in the background and returns", "use `postfix start-fg`")
    if program in ("cron", "crond") and not any("f" in option or "n" in option for option in options):
        return Problem(f"forks {program} into the background by default", f"use `{program} -f`")
    if program == "sshd" and not any("D" in option or "d" in option for option in options):
        return Problem("forks sshd into the background by default", "use `sshd -D`")
    daemon = _DAEMONS.get(program) or (_php_fpm if _PHP_FPM.fullmatch(program) else None)
    return daemon(program, args) if daemon is not None else None


def _operand(args: Sequence[str]) -> Optional[str]:
    """The first argument that is not an option: the subcommand of ``pm2 start app.js``."""
    return next((arg for arg in args if not arg.startswith("-")), None)


def _php_fpm(program: str, args: Sequence[str]) -> Optional[Problem]:
    option = next((arg for arg in args if arg in ("-D", "--daemonize")), None)
    if option is None or "-F" in args or "--nodaemonize" in args:
        return None  # without -D, php-fpm.conf decides (the official image's says `daemonize = no`)
    return Problem(f"forks PHP-FPM into the background: `{option}` overrides the configuration's "
                   "`daemonize = no`", f"drop `{option}`, or use `{program} -F` to keep it in the foreground")


#: The defines that keep Apache's httpd attached (``-DFOREGROUND``; ``-X`` is ``-DDEBUG``).
_APACHE_STAYS = frozenset({"FOREGROUND", "NO_DETACH", "ONE_PROCESS", "DEBUG"})


def _httpd(program: str, args: Sequence[str]) -> Optional[Problem]:
    """httpd or apache2 run directly. Only options known to leave it detaching are read (``-k start``,
    ``-D NAME``, ``-C``/``-c`` directives); any other is left alone: ``-X``, ``-t``, ``-v``, ``-S``
    print or stay, and BusyBox's httpd, also called httpd, stays in the foreground with ``-f``."""
    i = 0
    while i < len(args):
        option = args[i][:2]
        if option not in ("-k", "-D", "-C", "-c"):
            return None
        if len(args[i]) > 2:
            value, i = args[i][2:], i + 1
        elif i + 1 < len(args):
            value, i = args[i + 1], i + 2
        else:
            return None
        if option == "-k" and value not in _APACHECTL_START or option == "-D" and value in _APACHE_STAYS:
            return None
    busybox = " (BusyBox's httpd: `httpd -f`)" if program == "httpd" else ""
    return Problem(f"forks {program} into the background (it detaches unless told to stay)",
                   f"use `{program} -DFOREGROUND`{busybox}")


def _redis(program: str, args: Sequence[str]) -> Optional[Problem]:
    for i in range(len(args) - 2, -1, -1):  # the last --daemonize wins
        if args[i].lower() == "--daemonize":
            if args[i + 1].lower() != "yes":
                return None
            return Problem("forks Redis into the background (`--daemonize yes`)", "drop `--daemonize yes`")
    return None  # a configuration file's `daemonize yes` cannot be seen


def _pm2(program: str, args: Sequence[str]) -> Optional[Problem]:
    if _operand(args) != "start" or "--no-daemon" in args or "--attach" in args:
        return None
    return Problem("hands the app to pm2's daemon, which runs in the background, and returns",
                   "use `pm2-runtime start`, made for containers, instead")


def _forever(program: str, args: Sequence[str]) -> Optional[Problem]:
    if _operand(args) != "start":
        return None
    return Problem("starts the script as a daemon in the background and returns",
                   "run `forever SCRIPT` without `start`, which stays in the foreground")


def _gunicorn(program: str, args: Sequence[str]) -> Optional[Problem]:
    option = next((arg for arg in args if arg in ("-D", "--daemon")), None)
    return None if option is None else Problem(f"forks Gunicorn into the background (`{option}`)",
                                               f"drop `{option}`")


def _celery(program: str, args: Sequence[str]) -> Optional[Problem]:
    if "multi" in args and args[args.index("multi") + 1:][:1] in (["start"], ["restart"]):
        return Problem("starts the workers detached, in the background, and returns",
                       "run `celery worker` in the foreground instead")
    option = "--detach" if "--detach" in args else "-D" if "-D" in args and "worker" in args else None
    return None if option is None else Problem(f"detaches Celery into the background (`{option}`)",
                                               f"drop `{option}`")


def _rails(program: str, args: Sequence[str]) -> Optional[Problem]:
    option = next((arg for arg in args if arg in ("-d", "--daemon")), None)
    if option is None or _operand(args) not in ("server", "s"):
        return None
    return Problem(f"detaches the Rails server into the background (`{option}`)", f"drop `{option}`")


def _nginx(program: str, args: Sequence[str]) -> Optional[Problem]:
    """nginx with only ``-g`` directives (and ``-e``, ``-q``); reported by the rule only when the image's
    nginx.conf is known to be the stock one (DF711's ``_stock_nginx``)."""
    directives = []
    i = 0
    while i < len(args):
        option = args[i]
        if option == "-q":
            i += 1
        elif option in ("-g", "-e") and i + 1 < len(args):
            directives += [args[i + 1]] if option == "-g" else []
            i += 2
        else:
            return None  # -c, -p: another configuration; -s, -t, -v: a signal, a test, a version
    if any(_DAEMON_OFF.search(directive) for directive in directives):
        return None
    return Problem(f"forks {program} into the background: the stock nginx.conf leaves `daemon` on",
                   "use `nginx -g 'daemon off;'`", nginx=True)


_PHP_FPM = re.compile(r"php[0-9.]*-fpm[0-9.]*")
_DAEMON_OFF = re.compile(r"(?:^|[;\s])daemon\s+off\s*(?:;|$)")
_DAEMONS: dict[str, Callable[[str, Sequence[str]], Optional[Problem]]] = {
    "httpd": _httpd, "apache2": _httpd,
    "redis-server": _redis, "redis-sentinel": _redis, "valkey-server": _redis, "keydb-server": _redis,
    "pm2": _pm2, "forever": _forever, "gunicorn": _gunicorn, "celery": _celery, "rails": _rails,
    "nginx": _nginx, "nginx-debug": _nginx,
}
