"""TLS and signature verification switched off: by command options, variables and config text.

Three readers, each returning :class:`Insecure` items (what is switched off,
and Checkov's CKV2_DOCKER id when Checkov has a check for exactly that):

* :func:`insecure_command` reads one command with its tool's options
  (``curl -k``, ``wget --no-check-certificate``, ``pip --trusted-host``,
  ``apt-get --allow-unauthenticated``, ``npm config set strict-ssl false``,
  ``git -c http.sslVerify=false``...);
* :func:`insecure_variable` reads one environment variable
  (``NODE_TLS_REJECT_UNAUTHORIZED=0``, ``GIT_SSL_NO_VERIFY``...);
* :func:`insecure_text` reads configuration text, wherever it is written
  (``gpgcheck=0``, ``sslverify=false``, ``[trusted=yes]``,
  ``StrictHostKeyChecking no``, apt's ``Verify-Peer "false"``...).

:func:`insecure_raw` reads the text of RUNs that are not parsed as POSIX
shell (PowerShell, cmd, exec form) for unambiguous spellings only.

>>> from dflint.shell import parse_shell
>>> command = parse_shell("curl -fsSLk https://example.com").commands[0]
>>> [(i.what, i.alias) for i in insecure_command(parse_command(command))]
[('`curl -k` skips TLS certificate verification', 'CKV2_DOCKER_2')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional

from .model import Word
from .tools import Invocation, parse_command

__all__ = ["Insecure", "insecure_command", "insecure_variable", "insecure_text", "insecure_raw", "parse_command"]

_FALSE = frozenset(("false", "0", "no", "off"))
_TRUE = frozenset(("true", "1", "yes", "on"))


@dataclass(frozen=True)
class Insecure:
    """Something that switches verification off: ``word`` holds it (None for variables and raw
    text), ``start``/``end`` locate it inside the word's raw text when known (else -1)."""

    what: str
    alias: Optional[str] = None
    word: Optional[Word] = None
    start: int = -1
    end: int = -1


# ---- commands ---------------------------------------------------------------------------------

#: program -> {option: (what, alias)}: options that switch verification off whatever their value.
_FLAGS: dict[str, dict[str, tuple[str, Optional[str]]]] = {
    "curl": {"-k": ("skips TLS certificate verification", "CKV2_DOCKER_2"),
             "--insecure": ("skips TLS certificate verification", "CKV2_DOCKER_2"),
             "--proxy-insecure": ("skips the proxy's TLS certificate verification", None)},
    "wget": {"--no-check-certificate": ("skips TLS certificate verification", "CKV2_DOCKER_3")},
    "pip": {"--trusted-host": ("trusts a host without TLS verification", "CKV2_DOCKER_4"),
            "--allow-insecure-host": ("trusts a host without TLS verification", None)},
    "uv": {"--allow-insecure-host": ("trusts a host without TLS verification", None)},
    "apt-get": {"--allow-unauthenticated": ("installs packages without signature checks", "CKV2_DOCKER_8"),
                "--force-yes": ("installs unauthenticated packages and downgrades", "CKV2_DOCKER_11"),
                "--allow-insecure-repositories": ("accepts unsigned repositories", None)},
    "apk": {"--allow-untrusted": ("installs packages with untrusted or missing signatures", "CKV2_DOCKER_7")},
    "yum": {"--nogpgcheck": ("installs packages without GPG signature checks", "CKV2_DOCKER_9")},
    "rpm": {"--nosignature": ("installs packages without signature checks", "CKV2_DOCKER_10"),
            "--nodigest": ("installs packages without digest checks", "CKV2_DOCKER_10"),
            "--nofiledigest": ("installs files without digest checks", "CKV2_DOCKER_10")},
    "zypper": {"--no-gpg-checks": ("ignores GPG signature failures", None),
               "--no-gpgcheck": ("adds a repository without GPG checks", None)},
    "conda": {"--insecure": ("skips TLS certificate verification", None)},
    "go": {"-insecure": ("fetches modules without TLS verification", None)},
}
for _alias, _program in (("apt", "apt-get"), ("aptitude", "apt-get"), ("dnf", "yum"), ("microdnf", "yum"),
                         ("tdnf", "yum"), ("mamba", "conda"), ("micromamba", "conda")):
    _FLAGS[_alias] = _FLAGS[_program]
#: Options that do it for any program.
_ANY_FLAGS = {"--insecure-skip-tls-verify": "skips TLS certificate verification",
              "--skip-tls-verify": "skips TLS certificate verification",
              "--no-verify-ssl": "skips TLS certificate verification",
              "--no-check-certificate": "skips TLS certificate verification"}
_ANY_FALSE = {"--tls-verify": "turns TLS verification off", "--src-tls-verify": "turns TLS verification off",
              "--dest-tls-verify": "turns TLS verification off", "--strict-ssl": "turns strict SSL off"}
_STRICT_SSL = re.compile(r"(?i)^(?:strict-ssl|enableStrictSsl)$")
_GIT_SSL = re.compile(r"(?i)^http(?:\..+)?\.sslverify$")


def _located(word: Word, letter: str) -> tuple[int, int]:
    """Where short option ``letter`` sits in a bundled word such as ``-fsSLk``."""
    raw = word.raw
    if raw.startswith("-") and not raw.startswith("--"):
        index = raw.find(letter, 1)
        if index > 0:
            return index, index + 1
    return -1, -1


def insecure_command(invocation: Optional[Invocation]) -> list[Insecure]:
    """What ``invocation`` switches off, from its options and config subcommands."""
    if invocation is None:
        return []
    found: list[Insecure] = []
    program = invocation.program
    shown = "uv pip" if program == "pip" and invocation.via[-1:] == ("uv",) else program
    flags = _FLAGS.get(program, {})
    for option in invocation.options:
        name = option.name
        if name in flags:
            what, alias = flags[name]
            start, end = _located(option.word, name[1]) if len(name) == 2 else (-1, -1)
            found.append(Insecure(f"`{shown} {name}` {what}", alias, option.word, start, end))
        elif name in _ANY_FLAGS and (option.value is None or option.value.lower() not in _FALSE):
            found.append(Insecure(f"`{shown} {name}` {_ANY_FLAGS[name]}", None, option.word))
        elif name in _ANY_FALSE and option.value is not None and option.value.lower() in _FALSE:
            found.append(Insecure(f"`{shown} {name}={option.value}` {_ANY_FALSE[name]}",
                                  "CKV2_DOCKER_13" if name == "--strict-ssl" else None, option.word))
        elif name == "--no-strict-ssl":
            found.append(Insecure(f"`{shown} {name}` turns strict SSL off", None, option.word))
    found.extend(_config_commands(invocation))
    if program not in _READERS and may_hold_insecure_text("\n".join(w.value for w in invocation.command.argv[1:])):
        used = {id(item.word) for item in found}
        for word in invocation.command.argv[1:]:
            if id(word) not in used:
                found.extend(_in_word(word, program))
    return found


#: Programs whose arguments are searched for, not written: their text is not a setting.
_READERS = frozenset(("grep", "egrep", "fgrep", "rg", "ag", "test", "[", "[[", "find", "which"))
_YUM_FAMILY = frozenset(("yum", "dnf", "microdnf", "tdnf", "yum-config-manager", "dnf-3"))


def _in_word(word: Word, program: str) -> Iterator[Insecure]:
    """Configuration settings written in one word (``--setopt=sslverify=0``, ``echo gpgcheck=0``)."""
    for item in insecure_text(word.value):
        text = word.value[item.start:item.end]
        start = word.raw.find(text)
        alias = item.alias
        if alias == "CKV2_DOCKER_15" and program not in _YUM_FAMILY:
            alias = None
        yield Insecure(item.what, alias, word, start, start + len(text) if start >= 0 else -1)


def _config_commands(invocation: Invocation) -> Iterator[Insecure]:
    """``npm config set strict-ssl false``, ``git config http.sslVerify false``, ``git -c ...``,
    ``pip config set global.trusted-host``, ``conda config --set ssl_verify false``."""
    program, sub = invocation.program, invocation.subcommand
    operands = list(invocation.operands)
    if program in ("npm", "pnpm", "yarn") and (sub == "config" and operands[:1] and operands[0].value == "set"
                                              or sub == "set"):
        rest = operands[1:] if sub == "config" else operands
        key, value, word = _key_value(rest)
        if key is not None and _STRICT_SSL.match(key) and value is not None and value.lower() in _FALSE:
            yield Insecure(f"`{program} config set {key} {value}` turns strict SSL off", "CKV2_DOCKER_13", word)
    elif program == "pip" and sub == "config" and operands[:1] and operands[0].value == "set":
        key, value, word = _key_value(operands[1:])
        if key is not None and key.endswith(".trusted-host"):
            yield Insecure(f"`pip config set {key}` trusts a host without TLS verification", "CKV2_DOCKER_4", word)
    elif program == "git":
        argv = invocation.command.argv
        names = [w.value for w in argv]
        for i, word in enumerate(argv[:-1]):
            if word.value == "-c":
                key, _, value = argv[i + 1].value.partition("=")
                if _GIT_SSL.match(key) and value.lower() in _FALSE:
                    yield Insecure(f"`git -c {argv[i + 1].value}` skips TLS certificate verification", None,
                                   argv[i + 1])
        if "config" in names:
            rest = [w for w in argv[names.index("config") + 1:] if not w.value.startswith("-")]
            if len(rest) >= 2 and _GIT_SSL.match(rest[0].value) and rest[1].value.lower() in _FALSE:
                yield Insecure(f"`git config {rest[0].value} {rest[1].value}` skips TLS certificate verification",
                               None, rest[0])
    elif program in ("conda", "mamba", "micromamba") and sub is None:
        argv = invocation.command.argv
        for i, word in enumerate(argv[:-2]):
            if word.value == "--set" and argv[i + 1].value == "ssl_verify" and argv[i + 2].value.lower() in _FALSE:
                yield Insecure(f"`{program} config --set ssl_verify {argv[i + 2].value}` skips TLS verification",
                               None, argv[i + 1])


def _key_value(words: list[Word]) -> tuple[Optional[str], Optional[str], Optional[Word]]:
    """``key value`` or ``key=value`` at the start of ``words``."""
    if not words:
        return None, None, None
    key, eq, value = words[0].value.partition("=")
    if eq:
        return key, value, words[0]
    return key, (words[1].value if len(words) > 1 else None), words[0]


# ---- variables ----------------------------------------------------------------------------------

def _any(value: str) -> bool:
    return True


def _nonempty(value: str) -> bool:
    return bool(value.strip())


def _false(value: str) -> bool:
    return value.strip().lower() in _FALSE


#: name (upper case) -> (test of the value, what, alias)
_VARIABLES = {
    "PYTHONHTTPSVERIFY": (lambda v: v.strip() == "0", "turns off Python's HTTPS certificate verification",
                          "CKV2_DOCKER_5"),
    "NODE_TLS_REJECT_UNAUTHORIZED": (lambda v: v.strip() == "0", "turns off Node.js TLS certificate verification",
                                     "CKV2_DOCKER_6"),
    "GIT_SSL_NO_VERIFY": (_any, "turns off git's TLS verification (any value does, even false)", "CKV2_DOCKER_14"),
    "NPM_CONFIG_STRICT_SSL": (_false, "turns npm's strict SSL off", "CKV2_DOCKER_12"),
    "YARN_STRICT_SSL": (_false, "turns yarn's strict SSL off", None),
    "YARN_ENABLE_STRICT_SSL": (_false, "turns yarn's strict SSL off", None),
    "PIP_TRUSTED_HOST": (_nonempty, "makes pip trust hosts without TLS verification", "CKV2_DOCKER_16"),
    "UV_INSECURE_HOST": (_nonempty, "makes uv trust hosts without TLS verification", None),
    "GOINSECURE": (_nonempty, "lets go fetch modules without TLS verification", "CKV2_DOCKER_18"),
    "GOSUMDB": (lambda v: v.strip().lower() == "off", "turns off go's checksum database", None),
    "GOFLAGS": (lambda v: "-insecure" in v.split(), "lets go fetch modules without TLS verification", None),
    "CONDA_SSL_VERIFY": (_false, "turns off conda's TLS verification", None),
    "BUNDLE_SSL_VERIFY_MODE": (lambda v: v.strip() == "0", "turns off bundler's TLS verification", None),
    "ANSIBLE_HOST_KEY_CHECKING": (_false, "turns off Ansible's SSH host key checking", None),
}


def insecure_variable(name: str, value: str) -> Optional[Insecure]:
    """What setting environment variable ``name`` to ``value`` switches off (None: nothing)."""
    entry = _VARIABLES.get(name.upper())
    if entry is not None and (name.isupper() or name.upper().startswith("NPM_CONFIG_")):
        test, what, alias = entry
        if test(value):
            return Insecure(f"{name}={value} {what}", alias)
    found = insecure_text(value)
    return found[0] if found else None


# ---- configuration text -------------------------------------------------------------------------

_TEXT_PATTERNS = tuple((re.compile(pattern), what, alias) for pattern, what, alias in (
    (r"(?i)(?<![A-Za-z_])(?:repo_)?gpgcheck\s*=\s*[\"']?(?:0|false|no)\b",
     "turns off GPG signature checks for a yum/dnf repository", None),
    (r"(?i)(?<![A-Za-z_])sslverify\s*=\s*[\"']?(?:0|false|no)\b", "turns off TLS verification", "CKV2_DOCKER_15"),
    # Not a local repository (file:, copy:, cdrom:): nothing travels over a network to be changed on the way.
    (r"(?i)\[(?:[^\]\n]*\s)?trusted=yes\b[^\]\n]*\](?!\s*(?:file|copy|cdrom):)",
     "trusts an apt repository without signature checks", None),
    (r"(?i)APT::Get::AllowUnauthenticated\s*(?:=|\s)\s*\"?(?:true|1|yes)\b\"?",
     "installs packages without signature checks", None),
    (r"(?i)Acquire::AllowInsecureRepositories\s*(?:=|\s)\s*\"?(?:true|1|yes)\b\"?", "accepts unsigned repositories",
     None),
    (r"(?i)Acquire::https?::(?:[^:\s\"]+::)?Verify-(?:Peer|Host)\s*(?:=|\s)\s*\"?(?:false|0|no)\b\"?",
     "turns off apt's TLS verification", None),
    (r"(?i)\bStrictHostKeyChecking\s*(?:=|\s)\s*[\"']?(?:no|off)\b", "turns off SSH host key checking", None),
    # Also as a system property on the command line: `mvn -Dmaven.wagon.http.ssl.insecure=true`.
    (r"(?i)(?:(?<=-D)|(?<![\w.]))maven\.wagon\.http\.ssl\.(?:insecure|allowall)=true\b",
     "turns off Maven's TLS verification", None),
    (r"(?i)(?<![A-Za-z_])check_certificate\s*=\s*(?:off|0|no)\b", "turns off wget's certificate checks", None),
    (r"(?im)^\s*strict-ssl\s*=\s*false\b", "turns npm's strict SSL off", None),
    (r"(?im)^\s*enableStrictSsl\s*:\s*false\b", "turns yarn's strict SSL off", None),
    (r"(?im)^\s*trusted-host\s*=\s*\S+", "makes pip trust hosts without TLS verification", None),
    (r"(?im)^\s*ssl_verify\s*:\s*(?:false|no)\b", "turns off conda's TLS verification", None),
))
#: Fixed text every pattern above holds, lowercase: searching the lowered text for these passes over the
#: many words that hold none fifteen times faster than searching for the patterns themselves.
_TEXT_KEYS = re.compile(r"gpgcheck|sslverify|trusted=yes|allowunauthenticated|allowinsecurerepositories|verify-"
                        r"|stricthostkeychecking|maven\.wagon\.http\.ssl\.|check_certificate|strict-ssl"
                        r"|enablestrictssl|trusted-host|ssl_verify")
# A backslash is only ever read with the character it escapes: alternatives that could both take one
# made every backslash double the ways to split the text (a 98-byte RUN took 35 s).
_SED_SUBSTITUTION = re.compile(r"^s(.)(?:\\.|(?!\1)[^\\])*\1((?:\\.|(?!\1)[^\\])*)\1[a-zA-Z0-9]*$", re.S)


def may_hold_insecure_text(text: str) -> bool:
    """False when :func:`insecure_text` finds nothing in ``text`` (or in any part of it)."""
    return _TEXT_KEYS.search(text.lower()) is not None


def insecure_text(text: str) -> list[Insecure]:
    """Settings in configuration text that switch verification off; ``start``/``end`` index ``text``.
    For a sed substitution (``s/gpgcheck=1/gpgcheck=0/``) only the replacement counts."""
    if not may_hold_insecure_text(text):
        return []
    offset = 0
    sed = _SED_SUBSTITUTION.match(text)
    if sed:
        offset, text = sed.start(2), sed.group(2)
    found = []
    for pattern, what, alias in _TEXT_PATTERNS:
        for match in pattern.finditer(text):
            setting = " ".join(match.group(0).split())
            found.append(Insecure(f"`{setting}` {what}", alias, None, offset + match.start(), offset + match.end()))
    return sorted(found, key=lambda item: item.start)


# ---- unparsed RUNs -----------------------------------------------------------------------------

_RAW_PATTERNS = tuple((re.compile(pattern), what, alias) for pattern, what, alias in (
    (r"(?i)(?<![\w-])-SkipCertificateCheck\b", "`-SkipCertificateCheck` skips TLS certificate verification", None),
    (r"(?i)ServerCertificateValidationCallback\s*=\s*\{\s*\$true\s*\}",
     "accepting every server certificate skips TLS verification", None),
    (r"(?<![\w-])--insecure(?![\w-])", "`--insecure` skips TLS certificate verification", "CKV2_DOCKER_2"),
    (r"(?<![\w-])--no-check-certificate(?![\w-])", "`--no-check-certificate` skips TLS certificate verification",
     "CKV2_DOCKER_3"),
    (r"(?<![\w-])--trusted-host(?![\w-])", "`--trusted-host` trusts a host without TLS verification", "CKV2_DOCKER_4"),
    (r"(?<![\w-])--allow-untrusted(?![\w-])", "`--allow-untrusted` installs unsigned packages", "CKV2_DOCKER_7"),
    (r"(?<![\w-])--allow-unauthenticated(?![\w-])", "`--allow-unauthenticated` installs unsigned packages",
     "CKV2_DOCKER_8"),
    (r"(?<![\w-])--force-yes(?![\w-])", "`--force-yes` installs unauthenticated packages", "CKV2_DOCKER_11"),
    (r"(?<![\w-])--nogpgcheck(?![\w-])", "`--nogpgcheck` installs packages without signature checks",
     "CKV2_DOCKER_9"),
))


def insecure_raw(text: str) -> list[Insecure]:
    """Unambiguous spellings in the text of a RUN that is not read as POSIX shell."""
    found = [Insecure(what, alias, None, m.start(), m.end())
             for pattern, what, alias in _RAW_PATTERNS for m in pattern.finditer(text)]
    found.extend(insecure_text(text))
    return sorted(found, key=lambda item: item.start)
