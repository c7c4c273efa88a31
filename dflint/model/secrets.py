"""What looks like a secret: variable names (``NPM_TOKEN``) and values (``ghp_...``, private keys).

Names are split into words (``_``, ``-``, ``.`` and camelCase boundaries) and
match when a word is a secret word (BuildKit's list: ``password``,
``token``, ``key``, ``secret``, ``auth``, ``apikey``, ``credential(s)``...,
plus ``pat``, ``creds``, ``passphrase``, ``pwd``, ``authkey`` (Tailscale's
``TS_AUTHKEY``) and a final ``pass``) or ends with one (``CLIENTSECRET``,
``DBPASSWORD``, ``TSAUTHKEY``). A word that says the value
is *about* a secret rather than the secret vetoes the match, as BuildKit's
``public``/``file``/``version`` do: ``SECRET_FILE``, ``TOKEN_URL``,
``GPG_KEY`` (a public key fingerprint), ``AUTH_ENABLED``...

Values match by shape: private key blocks, provider tokens with a fixed
prefix (GitHub, GitLab, AWS access key ids, Slack, Stripe, npm, PyPI,
Google, OpenAI/Anthropic, Tailscale), JWTs, and URLs that carry a password.

>>> secret_name("NPM_TOKEN"), secret_name("GPG_KEY"), secret_name("okta_oauth2_clientSecret")
('token', None, 'secret')
>>> secret_value("ghp_" + "a" * 36).kind
'a GitHub token'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

__all__ = ["secret_name", "secret_value", "SecretValue", "url_credentials", "UrlCredentials", "name_words",
           "VARIABLE", "harmless_value", "connection_string_password", "buildkit_secret_key"]

_SECRET_WORDS = frozenset((
    "password", "passwd", "pword", "passphrase", "secret", "token", "apikey", "credential", "credentials",
    "creds", "auth", "key", "privatekey", "pat", "authkey",
))
#: Compound words ending like this are secrets too (CLIENTSECRET, DBPASSWORD, AUTHTOKEN, TSAUTHKEY).
_SECRET_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey", "authkey", "credentials")
#: Words that say the variable holds something *about* a secret, not the secret.
_ABOUT_WORDS = frozenset((
    "public", "pub", "file", "files", "path", "dir", "directory", "folder", "version", "url", "uri", "endpoint",
    "host", "hostname", "port", "server", "name", "names", "type", "mode", "provider", "enabled", "disabled",
    "enable", "disable", "required", "length", "len", "size", "ttl", "timeout", "expiry", "expiration",
    "expires", "header", "algorithm", "alg", "gpg", "pgp", "gnupg", "fingerprint", "keyserver", "keyring",
    "location", "format", "method", "scope", "issuer", "audience", "realm", "cache", "prefix", "validity",
    "sock", "socket", "lifetime", "age", "policy", "policies", "attempts", "attempt", "retries", "retry",
    "limit", "count", "interval", "duration", "rotation", "strength", "complexity", "hasher", "hashers", "id",
    "ids", "label",
))
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
#: ``$NAME``, ``${NAME}``, ``${NAME:-x}``...: group 1 or 2 is the name.
VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))")
_HARMLESS = re.compile(r"(?i)|true|false|yes|no|on|off|0|1|none|null|changeme|\*+|x+|<[^>]*>")


def name_words(name: str) -> list[str]:
    """``npmAuthToken`` -> ['npm', 'auth', 'token']; ``GH_PAT`` -> ['gh', 'pat']."""
    return [w.lower() for part in _SEPARATORS.split(name) for w in _CAMEL.split(part) if w]


def secret_name(name: str) -> Optional[str]:
    """The secret word in ``name`` (``token`` for ``NPM_TOKEN``), or None."""
    words = name_words(name)
    if not words or _ABOUT_WORDS.intersection(words):
        return None
    for index, word in enumerate(words):
        if word in _SECRET_WORDS:
            return word
        if word == "pwd" and len(words) > 1:  # PWD alone is the working directory
            return word
        if word == "pass" and index == len(words) - 1 and len(words) > 1:  # DB_PASS, not PASS_THROUGH
            return word
        for suffix in _SECRET_SUFFIXES:
            if word.endswith(suffix) and word != suffix:
                return suffix
    return None


#: BuildKit's SecretsUsedInArgOrEnv (dockerfile2llb/validations.go, getSecretsRegex and validateNoSecretKey):
#: a key with one of these words, delimited by `_` or its ends, and none of the allowed ones, case-insensitive.
_BUILDKIT_SECRET_KEY = re.compile(
    r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)")
_BUILDKIT_NOT_SECRET_KEY = re.compile(r"(?i)(?:_|^)(?:public|file|version)(?:_|$)")


def buildkit_secret_key(name: str) -> bool:
    """Whether BuildKit's SecretsUsedInArgOrEnv reports an ARG or ENV key ``name``: by the name alone,
    whatever the value (``SECRET_KEY_BASE_DUMMY``, ``PASSWORD_MIN_LENGTH``, ``GPG_KEY``; not ``NPM_PAT``,
    ``SECRET_FILE``, ``DBPASSWORD``).

    >>> buildkit_secret_key("SECRET_KEY_BASE_DUMMY"), buildkit_secret_key("DBPASSWORD"), buildkit_secret_key("KEY_FILE")
    (True, False, False)
    """
    return bool(_BUILDKIT_SECRET_KEY.search(name)) and not _BUILDKIT_NOT_SECRET_KEY.search(name)


def harmless_value(value: str) -> bool:
    """Values that hold no secret whatever the name: empty, booleans, ``0``/``1``, placeholders."""
    return bool(_HARMLESS.fullmatch(value.strip().strip("'\"")))


@dataclass(frozen=True)
class SecretValue:
    """A secret found in a value: what it looks like and where (``[start, end)`` in the value)."""

    kind: str
    start: int
    end: int


_VALUE_PATTERNS = tuple((kind, re.compile(pattern)) for kind, pattern in (
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("a GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b"),
    ("a GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{50,}"),
    ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("a Stripe key", r"\b[sr]k_live_[A-Za-z0-9]{20,}"),
    ("an npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("a PyPI token", r"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("an API key", r"\bsk-(?:proj-|ant-(?:api\d+-)?)?[A-Za-z0-9_-]{32,}"),
    ("a Tailscale key", r"\btskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]+-[A-Za-z0-9]{16,}"),
    ("a JWT", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
))


#: The fixed text each of them starts with, to pass over the many values that hold none in one search:
#: without the leading ``\b`` of the patterns, the regex engine skips to the few characters these start
#: with, eight times faster than searching for all the patterns at once.
_VALUE_PREFIX = re.compile(r"-----BEGIN |gh[pousr]_|github_pat_|glpat-|AKIA|ASIA|xox[abposr]-|[sr]k_live_|npm_"
                           r"|pypi-AgE|AIza|sk-|tskey-|eyJ")


def may_hold_secret_values(values: "list[str]") -> bool:
    """False when no value of ``values`` holds what :func:`secret_value` finds: one search for them all."""
    return _VALUE_PREFIX.search("\n".join(values)) is not None


def secret_value(value: str) -> Optional[SecretValue]:
    """The first provider token, private key or JWT in ``value``, or None (URLs: see :func:`url_credentials`)."""
    if not _VALUE_PREFIX.search(value):
        return None
    found = None
    for kind, pattern in _VALUE_PATTERNS:
        match = pattern.search(value)
        if match and (found is None or match.start() < found.start):
            found = SecretValue(kind, match.start(), match.end())
    return found


#: ``Password=...`` in an ADO.NET/ODBC/JDBC-style connection string (``Server=db;User Id=sa;Password=x``).
_CONNECTION_PASSWORD = re.compile(r"(?i)(?:^|;)\s*(?:password|pwd)\s*=\s*([^;]+)")


def connection_string_password(text: str) -> Optional[tuple[int, int]]:
    """Where the password of a connection string in ``text`` is (``[start, end)``), or None;
    a variable reference or a placeholder is none."""
    if ";" not in text:
        return None
    for match in _CONNECTION_PASSWORD.finditer(text):
        raw = match.group(1)
        value = raw.rstrip().rstrip("'\"")  # ENV keeps the quotes around the whole string
        if value and not harmless_value(value) and not VARIABLE.fullmatch(value):
            return match.start(1), match.start(1) + len(value)
    return None


@dataclass(frozen=True)
class UrlCredentials:
    """The credential part of a URL's ``user:password@``: ``[start, end)`` in the text, and what it is."""

    start: int
    end: int
    text: str
    what: str  # "password" or "token"


_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*)://([^/?#\s@\"']+)@")


def url_credentials(text: str, substitutions: bool = False) -> list[UrlCredentials]:
    """Credentials carried by URLs in ``text``: the password of ``user:password@``, or a
    user part that is a variable or token (``https://${GITHUB_TOKEN}@github.com``).
    A bare user name (``ssh://git@github.com``) is none. With ``substitutions`` (text a shell
    runs), a command substitution is a value too: ``https://$(cat /run/secrets/gh)@github.com``."""
    if "://" not in text:
        return []  # most words: no URL
    scanned = mask_substitutions(text) if substitutions else text
    found = []
    for match in _URL_USERINFO.finditer(scanned):
        userinfo, start = match.group(2), match.start(2)
        masked_user, colon, _ = userinfo.partition(":")
        user, password = text[start:start + len(masked_user)], text[start + len(masked_user) + 1:match.end(2)]
        if colon and password and not harmless_value(password):
            offset = start + len(user) + 1
            found.append(UrlCredentials(offset, offset + len(password), password, "password"))
        elif not colon and (VARIABLE.fullmatch(user) and secret_name(_var_name(user) or "")
                            or secret_value(user) or substitutions and _MASK * len(user) == masked_user):
            found.append(UrlCredentials(start, start + len(user), user, "token"))
    return found


_SUBSTITUTION = re.compile(r"\$\((?:[^()]|\([^()]*\))*\)|`[^`]*`")
_MASK = "\x01"


def mask_substitutions(text: str) -> str:
    """``text`` with each command substitution (``$(...)``, backticks) as as many mask characters,
    so that a pattern matching a value without spaces or slashes matches it, at the same offsets."""
    return _SUBSTITUTION.sub(lambda match: _MASK * len(match.group()), text) if "$(" in text or "`" in text \
        else text


def _var_name(text: str) -> Optional[str]:
    match = VARIABLE.fullmatch(text)
    return (match.group(1) or match.group(2)) if match else None
