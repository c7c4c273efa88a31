"""DF711 main-process-exits: the command a container runs starts a service in the background and returns."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.model.copies import copied, relation
from dflint.model.history import image_commands
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.main_process import INITS, Problem, after_init, command_problem, init_only, script_problem
from dflint.shell.pipefail import shell_name
from dflint.shell.model import Word
from dflint.shell.positions import TextPositions
from dflint.shell.tools import packages, program_name, unwrap
from dflint.source import Span

if TYPE_CHECKING:  # pragma: no cover
    from dflint.model.build import Stage

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
            if main is entrypoint and cmd is not None and init_only(entrypoint):
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


def _shell_form(ctx: RuleContext, node: ast.Instruction) -> Optional[_Found]:
    """The last command of a shell-form command line, if it leaves nothing running."""
    text = node.shell_text
    if text is None or text.origin < 0 or shell_name(ctx.analysis.shell_for(node)[:1]) is None:
        return None  # PowerShell, cmd: not read
    found = script_problem(text.value)
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
    if index < len(words) and program_name(words[index].value) in INITS:  # ["tini", "--", "cron"]
        index = after_init([word.value for word in words], index)
        index += unwrap(words[index:])[0]
    if index >= len(words):
        return None
    values = [word.value for word in words[index:]]
    if shell_name(values[:1]) and len(values) > 2 and values[1].startswith("-") and values[1].endswith("c"):
        script = arguments[index + 2]
        found = script_problem(script.value)
        return None if found is None else (script.span, found[2], found[3])
    problem = command_problem(words[index:], background=False)
    if problem is None:
        return None
    return arguments[index].span, " ".join(values), problem


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
