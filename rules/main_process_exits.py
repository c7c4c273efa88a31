"""DF711 main-process-exits: the command a container runs starts a service in the background and returns."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterator, NamedTuple, Optional, Sequence

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import copied, relation
from dflint.model.history import image_commands
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell import parse_shell
from dflint.shell.pipefail import shell_name
from dflint.shell.model import Command, Word
from dflint.shell.oneshot import returns
from dflint.shell.positions import TextPositions
from dflint.shell.tools import packages, program_name, unwrap
from dflint.source import Span

if TYPE_CHECKING:  # pragma: no cover
    from dflint.model.build import Stage

_START = frozenset({"start", "restart"})
_APACHECTL_START = frozenset({"start", "restart", "graceful"})


class Problem(NamedTuple):
    """What a command does wrong as a container's main process, and what to do instead; ``nginx``: only
    when the image's nginx.conf is the stock one."""

    reason: str
    advice: str
    nginx: bool = False
    stops: str = "as soon as it starts"


#: Where a finding goes, the command as written, and what is wrong with it.
_Found = tuple[Span, str, Problem]


class MainProcessExits(Rule):
    r"""A CMD or ENTRYPOINT that starts a service in the background: the container stops at once.

    ## What it does
    Reports the command a container starts with when it ends right after
    starting something in the background. The command is the last one the
    image's ENTRYPOINT or CMD runs (as BuildKit sets them, through the
    stages a stage is built `FROM`), read in shell form, in exec form and in
    the script of an exec-form `["sh", "-c", "..."]`, behind `exec`, `sudo`
    and other wrappers:
    - `service NAME start`, `/etc/init.d/NAME start`, `rc-service NAME
      start` (or `restart`): init scripts start the daemon and return;
    - `systemctl start NAME`: it needs systemd running as PID 1, which a
      container does not have, so it fails;
    - `apachectl start` (`-k start`, `restart`, `graceful`), `postfix start`;
    - `cron` or `crond` without `-f` (or cronie's `-n`), and `sshd` without
      `-D` (or `-d`): they fork into the background by default;
    - `httpd` or `apache2` run directly (bare, or with `-k start`) without
      `-DFOREGROUND` (`NO_DETACH`, `ONE_PROCESS`, `DEBUG`): Apache detaches
      by default, as does BusyBox's `httpd` without `-f`;
    - options and subcommands that ask for a daemon: `php-fpm -D`
      (`--daemonize`, which overrides the official image's `daemonize =
      no`), `redis-server --daemonize yes`, `gunicorn --daemon` (`-D`),
      `celery worker --detach` (`-D`) and `celery multi start`, `rails
      server -d` (also `bin/rails s -d`, `bundle exec rails server -d`),
      `pm2 start` (without `--no-daemon`; `pm2-runtime` is made for
      containers) and `forever start`;
    - `nginx` without `-g 'daemon off;'`, only where the Dockerfile shows
      that nginx.conf is the stock one, which leaves `daemon` on: the stage
      is built on the official `nginx` (or `nginxinc/nginx-unprivileged`)
      image or installs nginx with a package manager, and no COPY or ADD
      may write /etc/nginx/nginx.conf (nor the official image's
      /docker-entrypoint.d, nor its /etc/nginx/templates, which its
      entrypoint renders at start, over nginx.conf itself when
      `NGINX_ENVSUBST_OUTPUT_DIR` is `/etc/nginx`), no ENV sets
      `NGINX_ENVSUBST_OUTPUT_DIR` or `NGINX_ENVSUBST_TEMPLATE_DIR`, no RUN
      names nginx.conf, /etc/nginx or `daemon`, and the command has no `-c`
      or `-p`. Any other nginx may have a configuration with `daemon off;`
      that cannot be seen here (a template saying so would make `-g 'daemon
      off;'` fail as a duplicate);
    - any command the shell runs in the background with `&`, as the last
      one (`CMD nginx &`);
    - a command known to return, after a program started in the background
      (`tailscaled & tailscale up --authkey=$TS_AUTHKEY`, `ollama serve &
      sleep 5 && ollama pull llama3`, `dockerd & docker pull x`): the
      shell ends with it and the container stops, taking the background
      program with it. Every command after the last `&` must be one known
      to return: `echo`, `printf`, `sleep` for less than an hour in all,
      `curl`, `wget`, `mkdir`, `cp`, `chown` and the like, shell builtins other than
      `wait`, the subcommands of clients that do their work and return
      (`tailscale up` or `set`, `ollama pull` or `create`, `docker pull`,
      `build`, `ps`, `run -d`, `compose up -d`), and migrations (`python
      manage.py migrate`, `django-admin migrate`, `alembic upgrade`,
      `flask db upgrade`). A program not in that list (`myclient
      --register`), `docker run` or `docker compose up` without `-d`,
      `tailscale serve`, `ollama run`, `sleep infinity` or a loop may keep
      the shell running, and leave the rule silent, as does a sleep of an
      hour or more (`sleep 2147483647`, `sleep 999999999`, `sleep 1d`: a
      common way to keep the container up) or of a duration held in a
      variable.

    Options are read as written on the command line: a configuration file
    that turns the daemon on (`daemonize yes` in redis.conf, `daemon =
    True` in a gunicorn.conf.py) cannot be seen. An init in front
    (`tini`, `dumb-init`, `catatonit`, `docker-init`) is looked through,
    with the options that take a value (`tini -p SIGTERM --`, `dumb-init
    --rewrite 15:2 --`).

    Otherwise only the last command counts: `service cron start && nginx
    -g 'daemon off;'` keeps running, as does a script with a loop or a
    `wait` after it, or one whose last command is `exec nginx -g 'daemon
    off;'` or `tail -f`.
    Windows stages, ONBUILD triggers and stages only copied from are not
    read; an ENTRYPOINT of the base image cannot be seen, so a CMD is read
    as the command itself. hadolint's DL3001 reports `service` in a RUN
    (DF406 here); neither it nor BuildKit checks the command a container
    runs.

    ## Why is this bad?
    A container lives as long as its main process. A program that forks a
    daemon and returns, a shell whose last command goes to the background,
    or one that ends with a client command after starting the service in
    the background, ends at once: the container stops as soon as it starts,
    taking the daemon with it, and a restart policy restarts it in a loop.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
        && rm -rf /var/lib/apt/lists/*
    CMD service nginx start
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
        && rm -rf /var/lib/apt/lists/*
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Fix safety
    There is no fix: how a program stays in the foreground is its own
    option (`nginx -g 'daemon off;'`, `apachectl -D FOREGROUND`, `cron -f`,
    `sshd -D`, `php-fpm -F`), a service started beside another program
    needs that program last, and a script that must run a client after
    its service needs a `wait` at the end, which changes how it stops.
    """

    code = "DF711"
    name = "main-process-exits"
    summary = "CMD or ENTRYPOINT that starts a service in the background and returns: the container stops at once"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.model
        for stage, entrypoint, cmd in image_commands(model):
            if model.is_windows(stage):
                continue
            main = entrypoint if entrypoint is not None and entrypoint.args else cmd  # ENTRYPOINT []: none
            if main is None:
                continue
            if main is entrypoint and cmd is not None and _init_only(entrypoint):
                main = cmd  # `tini --` and the like run the CMD as their child: it is the command that counts
            # An exec-form ENTRYPOINT runs with the exec-form CMD as its arguments; a shell-form one ignores it.
            arguments = cmd if main is entrypoint and cmd is not None and main.exec_form and cmd.exec_form else None
            found = _exec_form(ctx, main, arguments) if main.exec_form else _shell_form(ctx, main)
            if found is None:
                continue
            span, words, problem = found
            if problem.nginx and not _stock_nginx(ctx, stage):
                continue
            yield ctx.finding(span, f"`{words}` {problem.reason}; a container stops when its main process "
                              f"ends, so this one stops {problem.stops}; {problem.advice}",
                              related=[("the CMD", arguments)] if arguments is not None else [])


def _init_only(entrypoint: ast.Instruction) -> bool:
    """An exec-form ENTRYPOINT that is only a minimal init (``["tini", "-p", "SIGTERM", "--"]``, ``["dumb-init"]``)."""
    values = [arg.value for arg in entrypoint.args] if entrypoint.exec_form else []
    return bool(values) and program_name(values[0]) in _INITS and _after_init(values, 0) == len(values)


# Minimal inits for PID 1: they run their arguments as a child and live exactly as long as it does. The
# short options that take a value (tini's getopt string "p:hvwgle:s", dumb-init's "+hvVcr:"; catatonit
# has none), and the long ones.
_INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "docker-init"})
_INIT_VALUES = {"tini": "pe", "tini-static": "pe", "docker-init": "pe", "dumb-init": "r", "catatonit": ""}
_INIT_LONG_VALUES = frozenset({"--rewrite"})


def _after_init(values: Sequence[str], index: int) -> int:
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


def _shell_form(ctx: RuleContext, node: ast.Instruction) -> Optional[_Found]:
    """The last command of a shell-form command line, if it leaves nothing running."""
    text = node.shell_text
    if text is None or text.origin < 0 or shell_name(ctx.analysis.shell_for(node)[:1]) is None:
        return None  # PowerShell, cmd: not read
    found = _in_script(text.value)
    if found is None:
        return None
    start, end, words, problem = found
    return node.span_of(text.origin + start, text.origin + end), words, problem


def _exec_form(ctx: RuleContext, node: ast.Instruction, cmd: Optional[ast.Instruction]) -> Optional[_Found]:
    """The program of an exec-form ENTRYPOINT (followed by the exec-form CMD) or CMD, or the script of
    its ``sh -c``."""
    arguments = list(node.args) + (list(cmd.args) if cmd is not None else [])
    # The JSON strings as shell words (exec form expands nothing), as an exec-form RUN is read.
    positions = TextPositions(ctx.file.text, ctx.analysis.line_index)
    words = [Word(arg.span.start.offset, arg.span.end.offset, positions=positions, value=arg.value, raw=arg.text,
                  quoted=True) for arg in arguments]
    index = unwrap(words)[0]
    if index < len(words) and program_name(words[index].value) in _INITS:  # ["tini", "--", "cron"]
        index = _after_init([word.value for word in words], index)
        index += unwrap(words[index:])[0]
    if index >= len(words):
        return None
    values = [word.value for word in words[index:]]
    if shell_name(values[:1]) and len(values) > 2 and values[1].startswith("-") and values[1].endswith("c"):
        script = arguments[index + 2]
        found = _in_script(script.value)
        return None if found is None else (script.span, found[2], found[3])
    problem = _problem(words[index:], background=False)
    if problem is None:
        return None
    return arguments[index].span, " ".join(values), problem


def _in_script(script: str) -> Optional[tuple[int, int, str, Problem]]:
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
    problem = _problem(last.argv[unwrap(last.argv)[0]:], background=last.background) \
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


def _problem(argv: Sequence[Word], background: bool) -> Optional[Problem]:
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
    nginx.conf is known to be the stock one (:func:`_stock_nginx`)."""
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
#: A RUN that may write nginx's main configuration, where `daemon` is set.
_NGINX_CONFIG_RUN = re.compile(r"daemon|nginx\.conf|/etc/nginx/?(?=[\s\"'*;&|)]|$)")


#: The official image's entrypoint writes these templates' output over nginx.conf when told to.
_ENVSUBST = frozenset({"NGINX_ENVSUBST_OUTPUT_DIR", "NGINX_ENVSUBST_TEMPLATE_DIR"})


def _stock_nginx(ctx: RuleContext, stage: "Stage") -> bool:
    """The image runs nginx with the nginx.conf of the official image or of a distribution's package
    (neither sets `daemon off;`): built on the official image, or installing nginx with a package
    manager; and nothing in the Dockerfile may have written another one (a COPY that may reach
    /etc/nginx/nginx.conf, the official image's /docker-entrypoint.d or the templates its entrypoint
    renders, /etc/nginx/templates, or an ENV pointing those elsewhere; a RUN naming them or `daemon`)."""
    model = ctx.model
    lineage = model.lineage(stage)
    base = lineage[0].base.reference
    stock = base is not None and base.valid and base.registry == "docker.io" \
        and base.repository in ("library/nginx", "nginxinc/nginx-unprivileged")
    for member in lineage:
        for node in member.instructions:
            if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
                entries = copied(model, node)
                if not entries or any(relation("/etc/nginx/nginx.conf", False, entry)
                                      or relation("/docker-entrypoint.d", True, entry)
                                      or relation("/etc/nginx/templates", True, entry) for entry in entries):
                    return False
            elif isinstance(node, ast.EnvInstruction):
                if any(pair.key.value in _ENVSUBST for pair in node.pairs):
                    return False
            elif isinstance(node, ast.RunInstruction):
                if _NGINX_CONFIG_RUN.search(node.original + "".join(h.content for h in node.heredocs)):
                    return False
                stock = stock or any(package.name.startswith("nginx") for script in ctx.analysis.commands(node)
                                     for command in script.commands for package in packages(command))
    return stock
