"""Credentials a RUN handles, and where their values come from.

A RUN that puts a credential on a command line (``git clone
https://user:$TOKEN@...``, ``curl -u user:pass``, ``docker login -p``), in a
file (``echo "//registry/:_authToken=$NPM_TOKEN" > .npmrc``) or into
``/etc/shadow`` (``echo root:pw | chpasswd``) leaks it when the value is
written in the Dockerfile or comes from an ARG or ENV: both are recorded in
the image history. A value from a build secret (``--mount=type=secret``,
its ``env=`` variable or a file under ``/run/secrets``) is not recorded,
but a file the RUN writes it into stays in the layer unless the same RUN
removes it.

:func:`credential_uses` lists the credentials of a RUN (for
``credentials-in-run``), :func:`password_changes` the passwords it sets (for
``chpasswd``); both say where each value comes from as a :class:`Source`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional, Sequence

from .. import ast
from ..shell.model import Command, HereDocument, Word
from ..source import Span
from .layers import Step, clone_directory, git_command, run_steps
from .secrets import (VARIABLE, harmless_value, mask_substitutions, may_hold_secret_values, secret_value,
                      url_credentials)

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis

__all__ = ["Source", "CredentialUse", "PasswordChange", "credential_uses", "password_changes", "secret_mounts"]

_SECRETS_DIR = "/run/secrets/"
_LOCKED = frozenset(("!", "*", "!!", "!*", "*LK*", "x"))
#: Options whose value is a password or token, for any program.
_SECRET_OPTIONS = frozenset((
    "--password", "--passwd", "--token", "--auth-token", "--access-token", "--api-key", "--apikey",
    "--api-token", "--client-secret", "--http-password", "--ftp-password", "--proxy-password",
    "--registry-password", "--docker-password", "--oauth2-bearer",
))
_LOGIN_TOOLS = frozenset(("docker", "podman", "buildah", "skopeo", "nerdctl", "helm", "oras", "crane", "regctl"))
_MYSQL = frozenset(("mysql", "mysqladmin", "mysqldump", "mariadb", "mariadb-dump", "mariadb-admin"))
#: Tools given a password by an option of their own (``-p``, ``-pPASS``, ``-passin pass:``, ``-a``).
_PASSWORD_OPTION_TOOLS = _LOGIN_TOOLS | _MYSQL | {"sshpass", "openssl", "redis-cli", "valkey-cli"}
_AUTH_HEADER = re.compile(r"(?i)^\s*(?:proxy-)?(?:authorization|private-token|job-token|x-api-key|api-key|"
                          r"x-auth-token|x-jfrog-art-api|x-vault-token)\s*:\s*(?:(?:bearer|basic|token)\s+)?(\S.*)$")
_NPM_KEY = re.compile(r"(?:^|:)_(?:authToken|auth|password)$|^npmAuth(?:Token|Ident)$")
#: Files tools read credentials from (by name; .docker/config.json and .aws/credentials by their directory).
_CREDENTIAL_FILES = frozenset((".npmrc", ".netrc", "_netrc", ".pypirc", ".git-credentials", ".yarnrc",
                               ".yarnrc.yml", ".pgpass", ".my.cnf", "auth.json", "credentials.toml"))
_CREDENTIAL_DIRS = {"config.json": ".docker", "credentials": (".aws", ".gem", ".cargo")}
_FILE_VALUE = re.compile(
    r"(?i)(?:^|[\s{,\"'/:;])\"?(?:_authToken|_auth|_password|npmAuthToken|npmAuthIdent|password|passwd|token|"
    r"auth|secret|aws_secret_access_key)\"?(?:\s*[=:]\s*|\s+)\"?([^\s\"',;]+)")  # not \s*(?:[=:]|\s)\s*: k ways to split k blanks


@dataclass(frozen=True)
class Source:
    """Where a credential's value comes from.

    ``kind`` is ``literal`` (written in the Dockerfile), ``arg`` or ``env``
    (named ``name``, defined by ``node``) or ``secret`` (a build secret).
    """

    kind: str
    name: Optional[str] = None
    node: Optional[ast.Node] = None

    @property
    def leaks(self) -> bool:
        return self.kind != "secret"

    def describe(self) -> str:
        if self.kind == "literal":
            return "written in the Dockerfile" + (f" (${self.name})" if self.name else "")
        if self.kind in ("arg", "env"):
            return f"from {self.kind.upper()} {self.name}"
        return "from a build secret"


@dataclass(frozen=True)
class CredentialUse:
    """A credential a RUN command uses: ``span`` points at it, ``what`` says what it is;
    ``file`` is the credential file it is written to, ``kept`` whether that file stays in the layer."""

    step: Step
    span: Span
    what: str
    source: Source
    file: Optional[str] = None
    kept: bool = False


@dataclass(frozen=True)
class PasswordChange:
    """A command setting or removing an account password; ``source`` is None when it removes one
    or when nothing tells where the password comes from."""

    step: Step
    span: Span
    tool: str
    what: str
    source: Optional[Source]


def secret_mounts(run: ast.RunInstruction) -> tuple[frozenset[str], tuple[str, ...]]:
    """The variables (``env=``) and paths (``target=``, default ``/run/secrets/<id>``) of a RUN's secret mounts."""
    names, paths = set(), [_SECRETS_DIR]
    for mount in run.mounts:
        if mount.type != "secret":
            continue
        if mount.get("env"):
            names.add(mount.get("env"))
        target = mount.target or (_SECRETS_DIR + (mount.get("id") or ""))
        paths.append(target)
    return frozenset(names), tuple(paths)


class _Run:
    """One RUN's steps, its secret mounts and the shell variables assigned along the way."""

    def __init__(self, analysis: "Analysis", anchor: ast.Instruction) -> None:
        self.analysis = analysis
        self.anchor = anchor
        run = anchor.effective
        self.run: ast.RunInstruction = run  # type: ignore[assignment]
        self.envs, self.paths = secret_mounts(self.run)
        self.steps = run_steps(analysis, anchor)

    def assigned(self, step: Step, name: str) -> Optional[Word]:
        """The word last assigned to shell variable ``name`` before or at ``step``."""
        for assignment in step.command.assignments:
            if assignment.name == name:
                return assignment.value
        found = None
        for earlier in self.steps[:step.index]:
            if earlier.script is not step.script:
                continue
            command = earlier.command
            if not command.argv:
                found = next((a.value for a in command.assignments if a.name == name), found)
            elif command.name == "export":
                for word in command.args:
                    key, eq, _ = word.value.partition("=")
                    if eq and key == name:
                        found = word
        return found

    def source(self, step: Step, text: str, expands: bool = True, depth: int = 0) -> Optional[Source]:
        """Where ``text`` (a credential as the shell sees it) comes from; None when unknown."""
        if any(path in text for path in self.paths):
            return Source("secret")
        if not expands:  # written as is: `${NPM_TOKEN}` or `$(cat ...)` there is for a tool to read, no secret
            shell = VARIABLE.search(text) or "$(" in text or "`" in text
            return None if shell or harmless_value(text) else Source("literal")
        if "$(" in text or "`" in text:
            return None
        names = [m.group(1) or m.group(2) for m in VARIABLE.finditer(text)]
        if not names:
            return None if harmless_value(text) else Source("literal")
        found: Optional[Source] = None
        for name in names:
            if name in self.envs:
                found = found or Source("secret")
                continue
            word = self.assigned(step, name) if depth < 3 else None
            if word is not None:
                inner = self.source(step, word.value, True, depth + 1)
                if inner is not None and inner.kind == "literal" and inner.name is None:
                    inner = Source("literal", name)
                if inner is not None and (found is None or not found.leaks):
                    found = inner
                continue
            variable = self.analysis.model.scope_at(self.anchor).get(name)
            if variable is not None and variable.kind in ("arg", "env"):
                if found is None or not found.leaks:
                    found = Source(variable.kind, name, variable.node)
        return found


def _sub_span(word: "Word | HereDocument", text: str) -> Span:
    """The span of ``text`` inside a word or heredoc body (all of it when it cannot be located)."""
    if isinstance(word, HereDocument):
        index = word.body.find(text)
        if index < 0 or word.strip_tabs:
            return word.span
        return word.positions.span(word.start + index, word.start + index + len(text))
    index = word.raw.find(text)
    if index < 0:
        return word.span
    return word.positions.span(word.start + index, word.start + index + len(text))


def _next_value(argv: Sequence[Word], i: int, name: str) -> Optional[Word]:
    """The value of option ``name`` at ``argv[i]``: ``--opt=value`` or ``--opt value``."""
    word = argv[i]
    if word.value.startswith(name + "="):
        return word
    if word.value == name and i + 1 < len(argv) and not argv[i + 1].value.startswith("-"):
        return argv[i + 1]
    return None


def _option_value(word: Word, name: str) -> str:
    return word.value[len(name) + 1:] if word.value.startswith(name + "=") else word.value


def _options(step: Step) -> Iterator[tuple[Word, str, str]]:
    """(word, credential text, what) for credentials given as options."""
    invocation, argv = step.invocation, step.command.argv
    if invocation is None:
        return
    program = invocation.program
    if program == "curl":
        for option in invocation.options:
            word = option.value_word
            if word is None or option.value is None:
                continue
            if option.name in ("-u", "--user", "-U", "--proxy-user") and ":" in option.value:
                password = option.value.split(":", 1)[1]
                if password:
                    yield word, password, f"the password of `curl {option.name}`"
            elif option.name in ("-H", "--header"):
                match = _AUTH_HEADER.match(option.value)
                if match:
                    yield word, match.group(1), "the credential in an authorization header"
    if program == "wget":
        for option in invocation.options:
            if option.name == "--header" and option.value and option.value_word is not None:
                match = _AUTH_HEADER.match(option.value)
                if match:
                    yield option.value_word, match.group(1), "the credential in an authorization header"
    for i, word in enumerate(argv):
        if not word.value.startswith("-"):
            continue  # each case below starts at an option
        name = word.value.split("=", 1)[0]
        if name in _SECRET_OPTIONS and (program != "curl" or name == "--oauth2-bearer"):
            value = _next_value(argv, i, name)
            if value is not None:
                yield value, _option_value(value, name), f"the value of `{name}`"
        if program not in _PASSWORD_OPTION_TOOLS:
            continue  # the cases below are those tools' own options
        if word.value == "-p" and program in _LOGIN_TOOLS and i + 1 < len(argv):
            yield argv[i + 1], argv[i + 1].value, f"the password of `{program} login -p`"
        elif word.value == "-p" and program == "sshpass" and i + 1 < len(argv):
            yield argv[i + 1], argv[i + 1].value, "the password of `sshpass -p`"
        elif program in _MYSQL and word.value.startswith("-p") and len(word.value) > 2:
            yield word, word.value[2:], f"the password of `{program} -p`"
        elif program == "openssl" and word.value in ("-passin", "-passout", "-pass", "-password") \
                and i + 1 < len(argv) and argv[i + 1].value.startswith("pass:"):
            yield argv[i + 1], argv[i + 1].value[5:], f"the password of `openssl {word.value}`"
        elif program in ("redis-cli", "valkey-cli") and word.value in ("-a", "--pass") and i + 1 < len(argv):
            yield argv[i + 1], argv[i + 1].value, f"the password of `{program} {word.value}`"
    if program == "htpasswd":
        # htpasswd -b[c] FILE USER PASSWORD, htpasswd -nb USER PASSWORD: the password is the last operand.
        flags = "".join(w.value[1:] for w in argv[1:] if w.value.startswith("-") and not w.value.startswith("--"))
        operands = [w for w in argv[1:] if not w.value.startswith("-")]
        if "b" in flags and len(operands) >= (2 if "n" in flags else 3):
            yield operands[-1], operands[-1].value, "the password given to `htpasswd -b`"


_CONFIG_FILES = {"npm": ".npmrc", "pnpm": ".npmrc", "yarn": ".yarnrc", "composer": "auth.json", "poetry": "auth.toml"}


def _config_values(step: Step) -> Iterator[tuple[Word, str, str, str]]:
    """(word, credential text, what, config file) for credentials a tool stores in its config."""
    invocation = step.invocation
    assert invocation is not None
    program, operands = invocation.program, [w for w in invocation.operands]
    sub = invocation.subcommand
    if program in ("npm", "pnpm", "yarn") and (sub == "config" and operands[:1] and operands[0].value == "set"
                                              or sub == "set"):
        rest = operands[1:] if sub == "config" else operands
        if rest:
            key, eq, value = rest[0].value.partition("=")
            if _NPM_KEY.search(key):
                if eq and value:
                    yield rest[0], value, f"`{key}` in the {program} config", _CONFIG_FILES[program]
                elif len(rest) > 1:
                    yield rest[1], rest[1].value, f"`{key}` in the {program} config", _CONFIG_FILES[program]
    if program not in ("poetry", "composer"):
        return
    words = list(invocation.command.argv)
    names = [w.value for w in words]
    if "config" in names:
        at = names.index("config")
        args = [w for w in words[at + 1:] if not w.value.startswith("-")]
        # http-basic.* takes a user and a password, the token settings a token.
        needed = 3 if args and args[0].value.startswith("http-basic.") else 2
        if args and args[0].value.startswith(("http-basic.", "pypi-token.", "github-oauth.", "gitlab-token.",
                                              "gitlab-oauth.", "bearer.", "bitbucket-oauth.")) \
                and len(args) >= needed:
            yield args[-1], args[-1].value, f"`{args[0].value}` in the {program} config", _CONFIG_FILES[program]


def _secret_path(run: "_Run", text: str) -> bool:
    return any(path in text for path in run.paths)


def _stdin_texts(step: Step, run: "_Run") -> "list[tuple[Word | HereDocument, str, bool]]":
    """What a command reads on stdin, as (where, text, expands): the words of an echo/printf in
    front of it, here-strings, heredoc bodies, and files read from a secret mount."""
    command, script = step.command, step.script
    parts: "list[tuple[Word | HereDocument, str, bool]]" = []
    for redirect in command.redirects:
        if redirect.op == "<<<":
            parts.append((redirect.target, redirect.target.value, redirect.target.has_expansion))
        elif redirect.heredoc is not None:
            parts.append((redirect.heredoc, redirect.heredoc.body, redirect.heredoc.expand))
        elif redirect.op == "<" and _secret_path(run, redirect.target.value):
            parts.append((redirect.target, redirect.target.value, True))
    for other in script.pipeline(command):
        if other.pipeline_index >= command.pipeline_index:
            continue
        if other.program in ("echo", "printf"):
            parts.extend((word, word.value, word.has_expansion) for word in other.args
                         if not (other.program == "echo" and word.value.startswith("-")))
        else:
            # `cat /run/secrets/pw | chpasswd`: any word naming a secret file makes the input a secret.
            parts.extend((word, word.value, True) for word in other.args if _secret_path(run, word.value))
    return parts


def _stdin_source(step: Step, run: "_Run") -> tuple[Optional[Source], Optional[Span]]:
    """Where what a command reads on stdin comes from, and the part that says so: a secret when any
    part is one, else the first ARG/ENV (or literal) part; None when nothing can be told."""
    known = []
    for where, text, expands in _stdin_texts(step, run):
        source = run.source(step, text, expands)
        if source is not None:
            known.append((source, _sub_span(where, text) if source.kind == "literal" else where.span))
    if any(not source.leaks for source, _ in known):
        return Source("secret"), None
    return next((k for k in known if k[0].kind != "literal"), known[0] if known else (None, None))


#: Private keys by name: SSH's (not their .pub), and key and certificate bundles.
_KEY_FILE = re.compile(r"id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?|.+\.(?:pem|key|p12|pfx)")


def secret_file(path: str) -> Optional[str]:
    """What ``path`` holds when its name says it is a secret: ``an SSH private key``, ``a private
    key``, or the credential file's name (``.npmrc``, ``.aws/credentials``); None otherwise."""
    name = posixpath.basename(path.rstrip("/"))
    if _KEY_FILE.fullmatch(name):
        return "an SSH private key" if name.startswith("id_") else "a private key"
    return _credential_file(path)


def _credential_file(path: str) -> Optional[str]:
    name = posixpath.basename(path.rstrip("/"))
    parent = posixpath.basename(posixpath.dirname(path.rstrip("/")))
    if name in _CREDENTIAL_FILES:
        return name
    dirs = _CREDENTIAL_DIRS.get(name)
    if dirs and parent in (dirs if isinstance(dirs, tuple) else (dirs,)):
        return f"{parent}/{name}"
    return None


def _written_files(step: Step) -> list[tuple[str, str]]:
    """Credential files a command writes: (path as written, file kind)."""
    found = []
    command = step.command
    for redirect in command.redirects:
        if redirect.op in (">", ">>", ">|") and redirect.fd in (None, 1):
            kind = _credential_file(redirect.target.value)
            if kind:
                found.append((redirect.target.value, kind))
    if command.program == "tee":
        for word in command.args:
            kind = _credential_file(word.value) if not word.value.startswith("-") else None
            if kind:
                found.append((word.value, kind))
    return found


def _git_config_file(step: Step, url: Word) -> Optional[tuple[str, tuple[str, ...]]]:
    """Where git keeps ``url`` after this command, and the paths whose removal takes it away:
    ``git clone URL DIR`` stores it as the remote in ``DIR/.git/config``, ``git config [--global]
    url.URL.insteadOf`` and ``git remote add`` in a config file. None when it keeps nothing."""
    git = git_command(step.command)
    if git is None:
        return None
    rest = [w.value for w in git.rest]
    if git.name == "clone":
        operands = git.clone_operands()
        if not operands or operands[0] is not url:
            return None
        directory = operands[1].value.rstrip("/") if len(operands) > 1 else clone_directory(url.value)
        return f"{directory}/.git/config", (f"{directory}/.git", directory)
    if git.name == "config" and any(w.startswith("url.") for w in rest):
        path = "~/.gitconfig" if "--global" in rest else "/etc/gitconfig" if "--system" in rest else ".git/config"
        return path, (path,)
    if git.name == "remote" and rest[:1] == ["add"]:
        return ".git/config", (".git/config", ".git")
    return None


def _git_url_removed(run: _Run, step: Step, paths: Sequence[str]) -> bool:
    """A later command of the RUN deletes the file (or directory) keeping the URL, or resets the URL."""
    if any(_removed_later(run, step, path) for path in paths):
        return True
    for later in run.steps[step.index + 1:]:
        git = git_command(later.command)
        rest = [w.value for w in git.rest] if git is not None else []
        if git is not None and (git.name == "remote" and rest[:1] in (["set-url"], ["remove"], ["rm"])
                                or git.name == "config" and ("--unset" in rest or "--remove-section" in rest)):
            return True
    return False


def _removed_later(run: _Run, step: Step, path: str) -> bool:
    name = posixpath.basename(path)
    for later in run.steps[step.index + 1:]:
        if later.command.program in ("rm", "unlink", "shred") and later.command.operator != "||":
            if any(posixpath.basename(w.value.rstrip("/")) == name or w.value == path for w in later.command.args):
                return True
    return False


def _file_uses(step: Step, run: _Run) -> Iterator[CredentialUse]:
    files = _written_files(step)
    if not files:
        return
    path, kind = files[0]
    command = step.command
    contents: "list[tuple[Word | HereDocument, str, bool]]" = []
    if command.program in ("echo", "printf"):
        contents = [(w, w.value, w.has_expansion) for w in command.args]
    else:
        contents = _stdin_texts(step, run)
    for word, text, expands in contents:
        scanned = mask_substitutions(text) if expands else text  # a value may be `$(cat /run/secrets/x)`
        values = [text[m.start(1):m.end(1)] for m in _FILE_VALUE.finditer(scanned)]
        values += [c.text for c in url_credentials(text, substitutions=expands)]
        for value in values:
            source = run.source(step, value, expands)
            if source is None:
                continue
            kept = not _removed_later(run, step, path)
            if source.leaks or kept:
                yield CredentialUse(step, _sub_span(word, value), f"a credential written to {path}", source, path,
                                    kept)


def credential_uses(analysis: "Analysis", anchor: ast.Instruction) -> list[CredentialUse]:
    """The credentials a RUN (or ONBUILD RUN) puts on command lines or into credential files,
    whose value is written in the Dockerfile, comes from an ARG or ENV, or (for files) stays in the layer."""
    run = _Run(analysis, anchor)
    found: list[CredentialUse] = []
    seen: set[int] = set()

    def add(step: Step, word: Word, text: str, what: str, expands: bool = True) -> None:
        source = run.source(step, text, expands and word.has_expansion)
        if source is not None and source.leaks and id(word) not in seen:
            seen.add(id(word))
            found.append(CredentialUse(step, _sub_span(word, text), what, source))

    for step in run.steps:
        if step.command.program in ("chpasswd", "passwd", "usermod", "useradd", "adduser"):
            continue  # setting account passwords is the chpasswd rule's
        # The arguments as one text tell which searches below can find anything: most commands
        # write no credential file and hold no URL, no --password-stdin and no token.
        arguments = "\n".join(word.value for word in step.command.argv[1:])
        if step.invocation is not None and step.invocation.program in _CONFIG_FILES:
            for word, text, what, path in _config_values(step):
                source = run.source(step, text, word.has_expansion)
                kept = source is not None and not _removed_later(run, step, path)
                if source is not None and (source.leaks or kept) and id(word) not in seen:
                    seen.add(id(word))
                    found.append(CredentialUse(step, _sub_span(word, text), what, source, path, kept))
        for use in _file_uses(step, run) if step.command.redirects or step.command.program == "tee" else ():
            seen.update(id(w) for w in step.command.args)
            found.append(use)
        program = step.invocation.program if step.invocation is not None else step.command.name
        for word in step.command.argv[1:] if "://" in arguments else ():
            for credential in url_credentials(word.value, substitutions=word.has_expansion):
                what = f"the {credential.what} in a URL given to `{program}`"
                stored = _git_config_file(step, word) if program == "git" else None
                if stored is None:
                    add(step, word, credential.text, what)
                    continue
                path, removals = stored
                source = run.source(step, credential.text, word.has_expansion)
                kept = source is not None and not _git_url_removed(run, step, removals)
                if source is not None and (source.leaks or kept) and id(word) not in seen:
                    seen.add(id(word))
                    found.append(CredentialUse(step, _sub_span(word, credential.text), what, source, path, kept))
        for word, text, what in _options(step):
            add(step, word, text, what)
        invocation = step.invocation
        if "--password-stdin" in arguments and invocation is not None and invocation.has("--password-stdin"):
            source, span = _stdin_source(step, run)
            if source is not None and source.leaks:
                found.append(CredentialUse(step, span or step.command.span, "the password piped to "
                                           f"`{step.command.name} … --password-stdin`", source))
        assigned = [a.value for a in step.command.assignments]
        if not may_hold_secret_values([arguments, *(word.value for word in assigned)]):
            continue  # (the argument values joined already: the same text to search)
        words = step.command.argv[1:] + tuple(assigned)
        for word in words:
            hit = secret_value(word.value)
            if hit is not None and id(word) not in seen:
                seen.add(id(word))
                found.append(CredentialUse(step, _sub_span(word, word.value[hit.start:hit.end]), hit.kind,
                                           Source("literal")))
    return found


def password_changes(analysis: "Analysis", anchor: ast.Instruction) -> list[PasswordChange]:
    """Commands of a RUN that set or delete an account password, unless the password is a build secret."""
    run = _Run(analysis, anchor)
    found = []
    for step in run.steps:
        invocation, command = step.invocation, step.command
        if invocation is None:
            continue
        program = invocation.program
        if program == "chpasswd" or (program == "passwd" and (invocation.has("--stdin")
                                                               or command.pipeline_index > 0)):
            source, _ = _stdin_source(step, run)
            if source is None or source.leaks:
                found.append(PasswordChange(step, _tool_span(command, program), program, "sets a password", source))
        elif program == "passwd" and invocation.has("-d", "--delete"):
            found.append(PasswordChange(step, _tool_span(command, program), program, "deletes the password", None))
        elif program in ("usermod", "useradd", "adduser"):
            for i, word in enumerate(command.argv):
                if word.value in ("-p", "--password") and i + 1 < len(command.argv):
                    value = command.argv[i + 1]
                elif word.value.startswith("--password="):
                    value = word
                else:
                    continue
                text = _option_value(value, "--password")
                if text in _LOCKED:
                    continue
                source = run.source(step, text, value.has_expansion) if text else None
                if text and source is not None and not source.leaks:
                    continue
                what = "sets an empty password" if not text else "sets a password hash"
                found.append(PasswordChange(step, Span(word.span.start, value.span.end), program, what, source))
    return found


def _tool_span(command: Command, program: str) -> Span:
    word = next((w for w in command.argv if posixpath.basename(w.value) == program), None)
    return word.span if word is not None else command.span

