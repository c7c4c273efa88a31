"""Hypothesis strategies that write whole Dockerfiles for the differential tests.

A file is assembled from building blocks the way people (and tools, and
typos) write them: an optional BOM and parser-directive block, then a random
mix of instructions, comments, blank and whitespace-only lines. Each
instruction is a list of *pieces* (keyword, flags, arguments, heredoc
markers) that is laid out on physical lines with random separators, line
continuations (with comment, empty and whitespace-only lines inside them),
indentation and trailing white space; heredoc bodies follow the instruction.
Line endings are LF, CRLF or a mix; the final newline may be missing.

Every piece of the Dockerfile syntax BuildKit's parser knows shows up:
all instructions with their flags (``--mount`` of every type, ``--network``,
``--security``, COPY/ADD flags, HEALTHCHECK options, unknown flags), keyword
case variations, ``ONBUILD ONBUILD ...`` chains, exec form, invalid JSON and
JSON arrays of non-strings, quotes and escapes, ENV/LABEL/ARG pairs and the
legacy ``ENV key value``, both escape characters, heredocs (``<<EOF``,
``<<-EOF``, quoted delimiters, file descriptors, several per instruction, on
RUN/COPY/ADD and inside ONBUILD, markers on continued lines and split by a
continuation, an instruction right after a terminator), unknown instructions
and malformed input (unterminated heredocs, ENV without a value, duplicate or
invalid directives, lines of random text).

``dockerfiles(oracle_safe=True)`` is the strategy for the comparison with
BuildKit v0.12.5 (the `dockerfile` package): it keeps out what that oracle
cannot answer for (NUL truncates its input, lone surrogates cannot be passed
to it) and the constructs where dflint deliberately follows current BuildKit
instead (see ``DOCUMENTED_DIFFERENCES`` in ``buildkit_oracle.py``): valid
JSON followed by more text, white space after ``<<``, the ``${var#...}``
family of modifiers and escapes inside ``${var:-...}`` on heredoc lines,
a ``# check=`` directive before another directive, non-``[\\t\\f\\r ]`` white
space after ``#`` in a directive, escape characters or non-ASCII characters
in flags in files that use the backtick escape, non-ASCII characters in flags
and in the HEALTHCHECK type word. With ``oracle_safe=False`` everything is
allowed; those files are only checked for robustness and round trips.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Callable, Optional

from hypothesis import strategies as st

__all__ = ["dockerfiles", "chaos_text", "Ctx"]

Draw = Callable[[st.SearchStrategy], object]


# --------------------------------------------------------------------------
# Context of one file
# --------------------------------------------------------------------------

@dataclass
class Ctx:
    """What the pieces of one file need to know about it."""

    escape: str
    oracle_safe: bool


# Generation time is dominated by hypothesis' cost per draw, so integer
# strategies are built once and reused, and choices take as few draws as we can.
PERCENT = st.integers(0, 99)
_INTEGERS: dict[tuple[int, int], st.SearchStrategy] = {}


def number(draw: Draw, low: int, high: int) -> int:
    strategy = _INTEGERS.get((low, high))
    if strategy is None:
        strategy = _INTEGERS[(low, high)] = st.integers(low, high)
    return draw(strategy)  # type: ignore[return-value]


def chance(draw: Draw, percent: int) -> bool:
    """True with roughly ``percent`` % probability; shrinks towards False."""
    return draw(PERCENT) >= 100 - percent  # type: ignore[operator]


def pick(draw: Draw, options: tuple) -> str:
    """One of ``options`` (repeat an entry to make it likelier); shrinks towards the first."""
    return options[number(draw, 0, len(options) - 1)]


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

KEYWORDS = (
    "FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "LABEL", "ENV", "ARG", "EXPOSE",
    "VOLUME", "USER", "WORKDIR", "STOPSIGNAL", "HEALTHCHECK", "ONBUILD",
    "MAINTAINER", "COPY", "ADD",
)

UNKNOWN_KEYWORDS = (
    "FOO", "FROMM", "RUNX", "COPYX", "CMDS", "ENVV", "ADDD", "HEALTH", "ONBUIL",
    "--flag", "=x", "1", "é", "Run-It", "X_Y", "\\", "`", "[", '"RUN"',
)

# Realistic shell commands, as words.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("apt-get", "update"),
    ("apt-get", "install", "-y", "--no-install-recommends", "curl", "ca-certificates"),
    ("rm", "-rf", "/var/lib/apt/lists/*"),
    ("pip", "install", "--no-cache-dir", "-r", "requirements.txt"),
    ("npm", "ci", "--omit=dev"),
    ("echo", '"hello world"'),
    ("echo", "'$HOME is home'"),
    ("go", "build", "-o", "/out/app", "./..."),
    ("set", "-eux"),
    ("make", "-j$(nproc)"),
    ("addgroup", "-S", "app", "&&", "adduser", "-S", "app", "-G", "app"),
    ("chmod", "+x", "/entrypoint.sh"),
    ("curl", "-fsSL", "https://example.com/install.sh", "|", "sh"),
    ("mkdir", "-p", "/app/data"),
    ("ln", "-sf", "/usr/bin/python3", "/usr/bin/python"),
    ("cat", "<", "/etc/os-release"),
    ("test", "-f", "/x", "||", "exit", "1"),
    ("powershell", "-Command", "Write-Host", "'hi'"),
    ("cmd", "/S", "/C", "dir"),
    ("sh", "-c", '"echo $PATH"'),
    ("printf", "'%s\\n'", "a", "b"),
    ("export", "A=1", "B=\"x y\""),
    ("find", ".", "-name", "'*.pyc'", "-delete"),
    ("cd", "/src", "&&", "./configure", "--prefix=/usr"),
    ("[", "-d", "/x", "]", "&&", "true"),
)

OPERATORS = ("&&", "&&", ";", "|", "||", "2>&1", ">", ">>", "&")

PATHS = (
    "/app", "/app/", ".", "./", "src/", "*.txt", "package*.json", "/usr/local/bin/",
    "requirements.txt", "a b", "C:\\app", "/etc/nginx/nginx.conf", "dir/*", "[ab].txt",
    "$HOME/x", "${DEST:-/opt}", "~", "/", "https://example.com/a.tar.gz",
    "git@github.com:moby/buildkit.git#v0.12.5", "https://github.com/moby/buildkit.git",
)

IMAGES = (
    "alpine", "alpine:3.19", "ubuntu:22.04", "scratch", "golang:1.22 ", "python:3.12-slim",
    "node:20-alpine", "registry.example.com:5000/team/app:v1", "${BASE_IMAGE}",
    "${BASE:-debian}:${TAG:-bookworm}", "$IMAGE", "busybox@sha256:" + "a" * 64,
    "mcr.microsoft.com/windows/servercore:ltsc2022", "build", "base",
)

UNICODE_WORDS = ("é", "naïve", "日本語", "straße", "İstanbul", "a\u00a0b", "x\u2003y", "Ω", "😀", "\u200b")

VARIABLES = (
    "$HOME", "${HOME}", "${FOO:-bar}", "${FOO:+set}", "${FOO-def}", "${FOO+x}", "${FOO?oops}",
    "${FOO:?}", "$1", "$@", "$$", "$", "${FOO:-$BAR}", "${A:-${B:-c}}", "$PATH:/x",
    "${A}${B}", "pre${X}post", '"$A"', '"${A:-x y}"',
)

# Only where dflint deliberately follows current BuildKit (see buildkit_oracle.py).
NEW_VARIABLES = (
    "${FOO#*/}", "${FOO##*.}", "${FOO%.*}", "${FOO%%/*}", "${FOO/a/b}", "${FOO//a/b}", "${FOO:#x}",
    "${A:-a\\ b}", "pre${A:-x}", "<<${A:-EOF}",
)

BROKEN = ("${}", "${", "${FOO", "${FOO:-x", "${:x}", "${{x}}", "${FOO*}", '"unterminated', "'open", "${FOO:}")

WORD_ALPHABET = (
    string.ascii_letters + string.digits + "-_./:=@%+,$'\"{}[]<>!&|;*?()~^#"
    + "\\`" + "é日\u00a0\u2003\u3000\x85"
)

STAGE_NAMES = ("build", "builder", "base", "final", "deps", "0", "1", "stage-1", "Build")


# --------------------------------------------------------------------------
# Small pieces
# --------------------------------------------------------------------------

RANDOM_WORD = st.text(WORD_ALPHABET, min_size=1, max_size=6)
RANDOM_LINE = st.text(WORD_ALPHABET + " \t", min_size=1, max_size=14)
NAME_TEXT = st.text(string.ascii_letters + string.digits + "_.-", min_size=1, max_size=5)
JSON_TEXT = st.text(string.ascii_letters + " -_/.$'`é\u00a0", max_size=8)
FLAG_TEXT = st.text(string.ascii_letters + string.digits + "=-_/\"' \\`", max_size=6)
CHAOS_TEXT = st.text("RUNCOPYFROMADDENVrun -\\`\"'<>#=[],${}:\t\x0bé\u00a0" + string.ascii_letters[:6], max_size=20)


def random_word(draw: Draw, ctx: Ctx) -> str:
    return draw(RANDOM_WORD)  # type: ignore[return-value]


def escaped_word(draw: Draw, ctx: Ctx) -> str:
    e = ctx.escape
    return pick(draw, (f"a{e} b", f"{e}\"", f"{e}$HOME", f"x{e}{e}y", f"{e}'", f"{e}#", f"{e}<<", f"C:{e}Windows"))


def word(draw: Draw, ctx: Ctx) -> str:
    """One shell-ish word: realistic most of the time, odd now and then."""
    kind = draw(PERCENT)
    if kind < 45:
        return pick(draw, pick_command_words)
    if kind < 58:
        return pick(draw, PATHS)
    if kind < 68:
        return pick(draw, VARIABLES)
    if kind < 74:
        return escaped_word(draw, ctx)
    if kind < 80:
        return pick(draw, ('"quoted words here"', "'single $quoted'", '"a \\" b"', '""', "''", '"x"y\'z\''))
    if kind < 84:
        return pick(draw, UNICODE_WORDS)
    if kind < 87:
        return pick(draw, BROKEN)
    if kind < 89 and not ctx.oracle_safe:
        return pick(draw, NEW_VARIABLES)
    return random_word(draw, ctx)


pick_command_words: tuple[str, ...] = tuple(sorted({w for c in COMMANDS for w in c} | set(OPERATORS)))


def guard_first(ctx: Ctx, text: str) -> str:
    """Keep a first argument from turning into flags or JSON by accident."""
    if text.startswith("--") or text.startswith("["):
        return "x" + text
    return text


def heredoc_name(draw: Draw) -> str:
    kind = draw(PERCENT)
    if kind < 60:
        return pick(draw, ("EOF", "EOT", "END", "SCRIPT", "PY", "file.txt", "app.conf", "EOF2", "_", "a-b", "x.sh"))
    return draw(NAME_TEXT)  # type: ignore[return-value]


@dataclass
class Marker:
    text: str
    name: str
    chomp: bool


def heredoc_marker(draw: Draw, ctx: Ctx) -> Marker:
    name = heredoc_name(draw)
    chomp = chance(draw, 30)
    dash = "-" if chomp else ""
    fd = pick(draw, ("", "", "", "", "3", "0", "12")) if chance(draw, 15) else ""
    quoting = number(draw, 0, 9)
    if quoting == 0:
        written = f'"{name}"'
    elif quoting == 1:
        written = f"'{name}'"
    elif quoting == 2 and len(name) > 1:
        written = f'{name[0]}"{name[1:]}"'
    elif quoting == 3:
        written = "\\" + name
    else:
        written = name
    if chance(draw, 5):
        # `cat <<EOF>/file`: the rest of the word belongs to the delimiter.
        suffix = pick(draw, (">/tmp/out", ">>x", "|sh"))
        written, name = written + suffix, name + suffix
    return Marker(f"{fd}<<{dash}{written}", name, chomp)


def heredoc_body(draw: Draw, ctx: Ctx, marker: Marker) -> list[str]:
    """Body lines and the terminator (without line endings)."""
    lines: list[str] = []
    for _ in range(number(draw, 0, 4)):
        kind = draw(PERCENT)
        if kind < 40:
            lines.append(" ".join(pick(draw, COMMANDS)))
        elif kind < 50:
            lines.append(pick(draw, ("FROM scratch", "RUN echo nested", "# not a comment here", "#!/bin/sh", "")))
        elif kind < 60:
            lines.append("\t" + pick(draw, ("indented with a tab", "echo $HOME", marker.name)))
        elif kind < 68:
            lines.append(pick(draw, (marker.name + " ", " " + marker.name, marker.name + "x", marker.name.lower() + "_")))
        elif kind < 74:
            lines.append("line ending in escape " + ctx.escape)
        elif kind < 80:
            lines.append(pick(draw, ("  ", "\t", "\u00a0")))
        elif kind < 86:
            lines.append("mid\rline carriage return")
        else:
            lines.append(draw(RANDOM_LINE))  # type: ignore[arg-type]
    tabs = "\t" * number(draw, 0, 2) if marker.chomp else ""
    lines.append(tabs + marker.name)
    return lines


def json_string(draw: Draw, ctx: Ctx) -> str:
    kind = draw(PERCENT)
    if kind < 55:
        inner = pick(draw, ("/bin/sh", "-c", "echo hello", "nginx", "-g", "daemon off;", "python", "app.py", "", "a b"))
    elif kind < 70:
        inner = pick(draw, ('\\"quoted\\"', "back\\\\slash", "tab\\tnew\\nline", "\\u00e9", "\\ud83d\\ude00",
                            "\\ud800", "C:\\\\app", "\\/", "$HOME", "<<EOF", "--flag"))
    elif kind < 80:
        inner = pick(draw, UNICODE_WORDS)
    else:
        inner = draw(JSON_TEXT)  # type: ignore[assignment]
    return f'"{inner}"'


def json_array(draw: Draw, ctx: Ctx) -> str:
    items = [json_string(draw, ctx) for _ in range(number(draw, 0, 4))]
    comma = pick(draw, (", ", ",", " , ", ",\t"))
    inside = comma.join(items)
    left, right = pick(draw, (("", ""), ("", ""), (" ", " "), ("\t", ""), ("", "  ")))
    return f"[{left}{inside}{right}]"


INVALID_JSON = (
    "[a]", "['a']", '["a",]', '["a" "b"]', '["a"', "[", '["a\\x"]', '["\t"]', '[("a")]',
    "[-f /x ]", '{"a": "b"}', '[[', '["a", "b"', '[\'sh\', "-c"]', "[ ", '[""', "[\\]",
)
#: Valid JSON and then more text: where v0.12.5 and current BuildKit differ.
TRAILING_JSON = ('["a"] x', '["a"]]', "[ ]x", '[1] x', '["a"],', '[]"b"')
NON_STRING_JSON = ("[1]", '["a", 2]', "[null]", "[true]", "[{}]", '[["a"]]', "[1.5e3, \"x\"]", "[-0]", "[false, \"a\"]")
OVERFLOW_JSON = ("[1e400]", '["a", 1e999]', "[" + "9" * 400 + "]")


def exec_or_shell(draw: Draw, ctx: Ctx, heredocs: bool, markers: list[Marker]) -> list[str]:
    """Arguments of RUN/CMD/ENTRYPOINT/SHELL: exec form, shell form, or broken."""
    kind = draw(PERCENT)
    if kind < 25:
        return [json_array(draw, ctx)]
    if kind < 30:
        return [pick(draw, INVALID_JSON)] + ([] if chance(draw, 50) else shell_words(draw, ctx, False, markers)[:2])
    if kind < 33:
        return [pick(draw, NON_STRING_JSON + OVERFLOW_JSON)]
    if kind < 35 and not ctx.oracle_safe:
        return [pick(draw, TRAILING_JSON)] if chance(draw, 50) else [json_array(draw, ctx), word(draw, ctx)]
    if kind < 37:
        return []
    return shell_words(draw, ctx, heredocs, markers)


def shell_words(draw: Draw, ctx: Ctx, heredocs: bool, markers: list[Marker]) -> list[str]:
    words: list[str] = []
    for i in range(number(draw, 1, 3)):
        if i:
            words.append(pick(draw, OPERATORS))
        command = list(pick(draw, COMMANDS))  # type: ignore[arg-type]
        for _ in range(number(draw, 0, 2)):
            command.insert(number(draw, 0, len(command)), word(draw, ctx))
        words.extend(command)
    if heredocs and chance(draw, 55):
        for _ in range(number(draw, 1, 3)):
            marker = heredoc_marker(draw, ctx)
            markers.append(marker)
            words.insert(number(draw, 0, len(words)), marker.text)
    words[0] = guard_first(ctx, words[0])
    return words


# --------------------------------------------------------------------------
# Flags
# --------------------------------------------------------------------------

def quote_value(draw: Draw, ctx: Ctx, value: str) -> str:
    kind = draw(PERCENT)
    if kind < 70:
        return value
    if kind < 82:
        return f'"{value}"'
    if kind < 90:
        return f"'{value}'"
    if kind < 95 and len(value) > 2:
        return f'{value[:1]}"{value[1:]}"'
    if ctx.escape == "\\" or not ctx.oracle_safe:
        return value.replace("=", "\\=", 1) if "=" in value else value + "\\ x"
    return value


def mount_spec(draw: Draw, ctx: Ctx) -> str:
    kind = pick(draw, ("bind", "cache", "tmpfs", "secret", "ssh", "", "BIND", "unknown"))
    fields: list[str] = []
    if kind:
        fields.append(f"type={kind}")
    options = {
        "bind": ("target=/src", "source=.", "from=build", "rw", "ro", "readonly=true", "dst=/x", "src=go.sum"),
        "cache": ("target=/root/.cache", "id=pip", "sharing=locked", "sharing=private", "mode=0755", "uid=1000",
                  "gid=0", "from=cache", "source=/c", "ro"),
        "tmpfs": ("target=/tmp", "size=64m", "destination=/run"),
        "secret": ("id=npmrc", "target=/root/.npmrc", "required=true", "env=TOKEN", "mode=0400", "dst=/s"),
        "ssh": ("id=default", "target=/run/ssh", "required", "mode=0600"),
    }.get(kind.lower(), ("target=/x", "foo=bar", "source", "=x", ""))
    for _ in range(number(draw, 0, 3)):
        fields.append(pick(draw, options))
    if chance(draw, 10):
        fields.append(pick(draw, ('"target=/a,b"', '"source=x y"', "target=/with space", "a=\"b\"c")))
    if chance(draw, 50):
        fields.reverse()
    return ",".join(fields)


FLAG_CHOICES: dict[str, tuple[str, ...]] = {
    "FROM": ("platform=linux/amd64", "platform=$BUILDPLATFORM", "platform=${TARGETPLATFORM}", "platform=linux/arm64/v8"),
    "RUN": ("network=none", "network=host", "network=default", "security=insecure", "security=sandbox", "mount"),
    "COPY": ("from=build", "from=0", "chown=app:app", "chown=1000", "chmod=0755", "chmod=u+x", "link", "link=false",
             "parents", "parents=true", "exclude=*.md", "exclude=node_modules", "checksum=sha256:" + "0" * 8),
    "ADD": ("chown=app", "chmod=644", "link", "checksum=sha256:" + "f" * 8, "keep-git-dir=true", "keep-git-dir",
            "exclude=.git", "unpack=false", "from=x"),
    "HEALTHCHECK": ("interval=30s", "timeout=3s", "start-period=5s", "start-interval=1s", "retries=3", "interval=",
                    "retries=x"),
}
FLAG_CHOICES["ADD"] = FLAG_CHOICES["ADD"] + FLAG_CHOICES["COPY"][:4]


def flag_word(draw: Draw, ctx: Ctx, keyword: str) -> str:
    kind = draw(PERCENT)
    if keyword == "RUN" and kind < 35:
        body = "mount=" + quote_value(draw, ctx, mount_spec(draw, ctx))
    elif kind < 80 and keyword in FLAG_CHOICES:
        choice = pick(draw, FLAG_CHOICES[keyword])
        name, eq, value = choice.partition("=")
        body = name + eq + (quote_value(draw, ctx, value) if eq else "")
    elif kind < 88:
        body = pick(draw, ("unknown", "x=y", "foo-bar=1", "", "=", "=x", "-x", "a=b=c", 'x="a b"', "x='a b'", "x=é"))
    else:
        body = draw(FLAG_TEXT)  # type: ignore[assignment]
    text = "--" + body
    if ctx.oracle_safe and ctx.escape == "`":
        # v0.12.5 always uses backslash inside flags (documented difference).
        text = text.replace("\\", "").replace("`", "")
    if ctx.oracle_safe:
        # BuildKit scans flags byte by byte (documented difference).
        text = text.encode("ascii", "ignore").decode("ascii")
    return text


def flags(draw: Draw, ctx: Ctx, keyword: str, percent: int) -> list[str]:
    if not chance(draw, percent):
        return []
    out = [flag_word(draw, ctx, keyword) for _ in range(number(draw, 1, 3))]
    if chance(draw, 5):
        out.append("--")
    return out


# --------------------------------------------------------------------------
# Instructions
# --------------------------------------------------------------------------

@dataclass
class Instr:
    """An instruction as pieces, before layout."""

    pieces: list[str]
    #: Number of leading pieces that are the keyword and flags.
    head: int
    markers: list[Marker] = field(default_factory=list)
    #: Gaps before pieces ``[2, ascii_until]`` stay ASCII in oracle-safe files
    #: (BuildKit splits flags and the HEALTHCHECK type word byte by byte).
    ascii_until: int = -1

    def __post_init__(self) -> None:
        self.ascii_until = max(self.ascii_until, self.head)


def keyword_case(draw: Draw, keyword: str) -> str:
    kind = draw(PERCENT)
    if kind < 80:
        return keyword
    if kind < 90:
        return keyword.lower()
    if kind < 95:
        return keyword.capitalize()
    return "".join(c.lower() if i % 2 else c for i, c in enumerate(keyword))


def key_value(draw: Draw, ctx: Ctx) -> str:
    key = pick(draw, ("A", "PATH", "app.version", "org.opencontainers.image.title", "NODE_ENV", "k", "_x", "é",
                      '"quoted key"', "a-b", "ver", "1X"))
    if chance(draw, 4):
        # A word without `=` follows: BuildKit rejects the instruction.
        return f"{key}=" + pick(draw, ('"multi word" tail', "a\u00a0b", "a b", "x\u2003y"))
    value = pick(draw, ("1", "production", "/usr/local/bin:$PATH", '"two words"', "'single quoted'", "", '""',
                        f"a{ctx.escape} b", "${FOO:-bar}", "x=y", '"with \\" quote"', "é", "$HOME/bin",
                        f"{ctx.escape}", f"ends{ctx.escape}", "'it''s'", '"a"b"c"', "a\u00a0=b"))
    return f"{key}={value}"


def instruction(draw: Draw, ctx: Ctx, keyword: Optional[str] = None, nested: int = 0) -> Instr:
    if keyword is None:
        keyword = pick(draw, KEYWORDS + ("RUN", "RUN", "COPY", "ENV", "FROM", "unknown"))
    markers: list[Marker] = []
    kw = keyword
    if keyword == "unknown":
        kw = pick(draw, UNKNOWN_KEYWORDS)
        head = [kw] + flags(draw, ctx, "X", 20)
        args = [guard_first(ctx, word(draw, ctx)) for _ in range(number(draw, 0, 3))]
        return Instr(head + args, len(head))
    written = keyword_case(draw, keyword)
    args: list[str]
    if keyword == "FROM":
        head = [written] + flags(draw, ctx, "FROM", 30)
        args = [pick(draw, IMAGES).strip()]
        if chance(draw, 50):
            args += [pick(draw, ("AS", "as", "As", "AS")), pick(draw, STAGE_NAMES)]
        if chance(draw, 5):
            args += [word(draw, ctx)]
        if chance(draw, 3):
            args = []
    elif keyword in ("RUN", "CMD", "ENTRYPOINT"):
        head = [written] + flags(draw, ctx, keyword, 35 if keyword == "RUN" else 5)
        args = exec_or_shell(draw, ctx, keyword == "RUN", markers)
    elif keyword == "SHELL":
        head = [written] + flags(draw, ctx, "X", 5)
        if chance(draw, 70):
            args = [pick(draw, ('["/bin/bash", "-o", "pipefail", "-c"]', '["powershell", "-Command"]',
                                '["cmd", "/S", "/C"]', '[ "/bin/sh","-c" ]'))]
        else:
            args = exec_or_shell(draw, ctx, False, markers)
    elif keyword in ("ENV", "LABEL"):
        head = [written] + flags(draw, ctx, "X", 3)
        kind = draw(PERCENT)
        if kind < 75:
            args = [key_value(draw, ctx) for _ in range(number(draw, 1, 4))]
        elif kind < 92:  # legacy `ENV key value words`
            args = [pick(draw, ("A", "PATH", "MY_VAR", "k", '"k"', "a\u00a0b")),
                    *(word(draw, ctx) for _ in range(number(draw, 1, 3)))]
        elif kind < 95:  # no value: an error
            args = [pick(draw, ("A", "ONLY_KEY", '"k"'))]
        elif kind < 97:  # a word without `=` after a pair: an error
            args = [key_value(draw, ctx), pick(draw, ("novalue", "x"))]
        else:
            args = []
        if args:
            args[0] = guard_first(ctx, args[0])
    elif keyword == "ARG":
        head = [written] + flags(draw, ctx, "X", 3)
        args = [pick(draw, ("VERSION", "TARGETPLATFORM", "A=1", 'B="x y"', "C=", "D='q'", "E=${A:-d}", "é=1", "a b"))
                for _ in range(number(draw, 0, 3))]
        if args:
            args[0] = guard_first(ctx, args[0])
    elif keyword == "EXPOSE":
        head = [written]
        args = [pick(draw, ("80", "443/tcp", "53/udp", "${PORT}", "8000-8010", "3000/TCP", "x")) for _ in range(number(draw, 0, 3))]
    elif keyword == "VOLUME":
        head = [written]
        if chance(draw, 40):
            args = [pick(draw, ('["/data"]', '["/var/log", "/var/db"]', "[]", '["/a" "/b"]', "[/data]"))]
        else:
            args = [guard_first(ctx, pick(draw, PATHS)) for _ in range(number(draw, 0, 3))]
    elif keyword in ("USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER"):
        head = [written] + flags(draw, ctx, "X", 3)
        values = {
            "USER": ("app", "1000:1000", "root", "${USER:-app}", "app:app"),
            "WORKDIR": ("/app", "/usr/src/app", "C:\\app", "$HOME/x", "/a b"),
            "STOPSIGNAL": ("SIGTERM", "9", "SIGKILL"),
            "MAINTAINER": ("Jane Doe <jane@example.com>", "me", '"quoted name"'),
        }[keyword]
        args = [guard_first(ctx, pick(draw, values))] + [word(draw, ctx) for _ in range(number(draw, 0, 1) if chance(draw, 20) else 0)]
        if chance(draw, 5):
            args = []
    elif keyword == "HEALTHCHECK":
        head = [written] + flags(draw, ctx, "HEALTHCHECK", 40)
        kind = draw(PERCENT)
        if kind < 25:
            args = [pick(draw, ("NONE", "none", "NONE"))]
        elif kind < 90:
            args = [pick(draw, ("CMD", "cmd", "CMD"))] + exec_or_shell(draw, ctx, False, markers)
        elif kind < 95:
            args = []
        else:
            args = [pick(draw, ("RUN", "X", "CMD-SHELL"))] + [word(draw, ctx)]
    elif keyword == "ONBUILD":
        head = [written] + (flags(draw, ctx, "X", 3) if chance(draw, 10) else [])
        if chance(draw, 5):
            return Instr(head, len(head))
        # ONBUILD ONBUILD ... chains a few deep (EDGE_CASES in test_differential has thousands).
        inner_kw = pick(draw, ("RUN", "RUN", "COPY", "ADD", "ENV", "CMD", "ONBUILD", "FROM", "MAINTAINER", "unknown",
                               "HEALTHCHECK", "LABEL")) if nested < 3 else "RUN"
        inner = instruction(draw, ctx, inner_kw, nested=nested + 1)
        return Instr(head + inner.pieces, len(head) + inner.head, inner.markers, len(head) + inner.ascii_until)
    elif keyword in ("COPY", "ADD"):
        head = [written] + flags(draw, ctx, keyword, 40)
        kind = draw(PERCENT)
        if kind < 15:
            args = [pick(draw, ('["src", "/dst/"]', '["a b", "c"]', "[]", '["<<EOF", "/x"]', '["x"]'))]
        elif kind < 35:
            args = []
            for _ in range(number(draw, 1, 2)):
                marker = heredoc_marker(draw, ctx)
                markers.append(marker)
                args.append(marker.text)
            args.append(pick(draw, ("/dst/", "/app/file.txt", "./")))
        else:
            args = [guard_first(ctx, pick(draw, PATHS))] + [pick(draw, PATHS) for _ in range(number(draw, 0, 3))]
            if chance(draw, 5):
                args = args[:1]
    else:  # every keyword is handled above; keep type checkers happy
        head, args = [written], []
    if keyword == "HEALTHCHECK" and args:
        return Instr(head + args, len(head), markers, len(head) + 1)
    return Instr(head + args, len(head), markers)


# --------------------------------------------------------------------------
# Layout on physical lines
# --------------------------------------------------------------------------

#: Marks a gap that becomes a line continuation.
CONTINUE = "\n"
_COMMON_GAPS = (" ",) * 30 + ("  ", "  ", "\t", "\t", " \t", "    ") + (CONTINUE,) * 6
#: Gaps where BuildKit looks at bytes (flags, the HEALTHCHECK type word): ASCII only.
BYTE_GAPS = _COMMON_GAPS + ("\x0b", "\x0c", " \r ", "\t\t")
#: Between arguments anything Go calls white space goes (and some it does not).
ARG_GAPS = BYTE_GAPS + ("\u00a0", "\u2003", "\u3000", "\x85", " \u00a0 ")
BYTE_INDENTS = ("", "", "  ", "  ", "    ", "\t", " ")
ARG_INDENTS = BYTE_INDENTS + ("\u00a0",)
INNER_LINES = ("# comment inside", "", "   ", "\t", "  # indented comment", "#", "\u00a0", "#\\", "#`",
               "# ends with an escape \\", "# ends with an escape `")


def layout(draw: Draw, ctx: Ctx, instr: Instr) -> list[str]:
    """The instruction's physical lines (heredoc bodies not included)."""
    lines: list[str] = []
    indent = pick(draw, ("", "", "", "", "  ", "\t", " ")) if chance(draw, 15) else ""
    current = indent + instr.pieces[0]
    for i, piece in enumerate(instr.pieces[1:], start=1):
        # The gap before piece i: after the keyword, after a flag (or the
        # HEALTHCHECK type word), or between arguments. BuildKit splits the
        # keyword off at [\t\v\f\r ]: a Unicode space there just makes an
        # odd keyword, which is fine.
        byte_region = 1 < i <= instr.ascii_until and (ctx.oracle_safe or chance(draw, 50))
        sep = pick(draw, BYTE_GAPS if byte_region else ARG_GAPS)
        if sep != CONTINUE:
            current += sep + piece
            continue
        # Line continuation: [gap] escape [trailing blanks], skipped lines, indentation.
        sep = pick(draw, (" ", " ", " ", "\t", ""))
        trailing = pick(draw, ("", "", "", "", " ", "\t", "  "))
        lines.append(current + sep + ctx.escape + trailing)
        if chance(draw, 25):
            lines.extend(pick(draw, INNER_LINES) for _ in range(number(draw, 1, 2)))
        current = pick(draw, BYTE_INDENTS if byte_region else ARG_INDENTS) + piece
    json_args = any(piece.startswith("[") for piece in instr.pieces[instr.head:])
    if chance(draw, 8):
        current += pick(draw, (" ", "\t", "  ", "\x0b"))
    elif chance(draw, 2) and not (ctx.oracle_safe and json_args):
        # Looks like a continuation but is not: BuildKit's TrimSpace then
        # leaves a dangling escape character at the end of the arguments
        # (after JSON that is valid JSON followed by text: kept out).
        current += ctx.escape + pick(draw, ("\x0b", "\x0c", "\u00a0", "\u3000"))
    if chance(draw, 2) and not (ctx.oracle_safe and json_args):
        # A continuation into whatever comes next (after JSON that would be
        # valid JSON followed by text: a documented difference).
        current += " " + ctx.escape
    lines.append(current)
    return lines


def split_inside_word(draw: Draw, ctx: Ctx, lines: list[str]) -> list[str]:
    """Now and then continue a line in the middle of a word (a heredoc marker's too: `<<E\\` + `OF`)."""
    if not chance(draw, 4):
        return lines
    index = number(draw, 0, len(lines) - 1)
    line = lines[index]
    if len(line) < 3:
        return lines
    marker = line.find("<<")
    if marker > 0 and chance(draw, 70):
        cut = min(marker + number(draw, 0, 3), len(line) - 1)  # inside or right after `<<`
    else:
        cut = number(draw, 1, len(line) - 1)
    return lines[:index] + [line[:cut] + ctx.escape, line[cut:]] + lines[index + 1:]


# --------------------------------------------------------------------------
# Whole files
# --------------------------------------------------------------------------

def directive_block(draw: Draw, ctx: Ctx) -> list[str]:
    lines: list[str] = []
    entries: list[tuple[str, str]] = []
    if chance(draw, 30):
        entries.append(("syntax", pick(draw, ("docker/dockerfile:1", "docker/dockerfile:1.4", "docker/dockerfile:labs",
                                             "docker/dockerfile-upstream:master"))))
    if ctx.escape == "`" or chance(draw, 10):
        entries.append(("escape", ctx.escape))
    if chance(draw, 4):
        entries.append(("escape", pick(draw, ("x", "\\\\", "``", "'"))))  # invalid or duplicate: an error
    if chance(draw, 3) and entries:
        entries.append(entries[0])  # a duplicate directive: an error
    if entries and chance(draw, 50):
        entries.reverse()
    if chance(draw, 10) or not ctx.oracle_safe and chance(draw, 10):
        # v0.12.5 does not know `check`, which ends its directive block: put it last.
        check = ("check", pick(draw, ("skip=JSONArgsRecommended", "error=true", "skip=all")))
        entries.insert(len(entries) if ctx.oracle_safe else number(draw, 0, len(entries)), check)
    for name, value in entries:
        hash_space = pick(draw, ("", " ", " ", "  ", "\t"))
        if not ctx.oracle_safe and chance(draw, 10):
            hash_space = pick(draw, ("\x0b", "\u00a0"))
        spelled = pick(draw, (name, name, name, name.upper(), name.capitalize()))
        eq = pick(draw, ("=", "=", " = ", "= ", " ="))
        tail = pick(draw, ("", "", "", " ", "\t"))
        lead = pick(draw, ("", "", "", "", " ", "\t"))
        lines.append(f"{lead}#{hash_space}{spelled}{eq}{value}{tail}")
    if chance(draw, 10):
        lines.append(pick(draw, ("# a comment ends the directives", "#!/usr/bin/env dockerfile", "# foo=bar", "",
                                 "#escape", "# not a directive")))
        if chance(draw, 50):
            lines.append("# escape=" + pick(draw, ("`", "\\")))  # too late: just a comment
    return lines


def comment_line(draw: Draw, ctx: Ctx) -> str:
    return pick(draw, ("# comment", "#", "  # indented comment", "#\tx", "# escape=`", "# syntax=x", "#comment " + ctx.escape,
                       "# ü", "\t#tab", "#!shebang", "# RUN not an instruction"))


def blank_line(draw: Draw) -> str:
    return pick(draw, ("", "", "", " ", "\t", "  \t", "\x0c", "\u00a0", "\u3000"))


def chaos_line(draw: Draw, ctx: Ctx) -> str:
    """A line of random text made of the characters that mean something to the parser."""
    return draw(CHAOS_TEXT)  # type: ignore[return-value]


@st.composite
def dockerfiles(draw: Draw, oracle_safe: bool = True) -> str:
    """A whole Dockerfile, realistic and adversarial at once."""
    escape = "`" if chance(draw, 15) else "\\"
    ctx = Ctx(escape, oracle_safe)
    lines: list[str] = []
    directives = directive_block(draw, ctx)
    lines.extend(directives)
    if chance(draw, 92):
        lines.append(" ".join(instruction(draw, ctx, "FROM").pieces))
    heredoc_at_end = False
    for _ in range(number(draw, 1, 12)):
        kind = draw(PERCENT)
        if kind < 72:
            instr = instruction(draw, ctx)
            physical = split_inside_word(draw, ctx, layout(draw, ctx, instr))
            lines.extend(physical)
            for marker in instr.markers:
                body = heredoc_body(draw, ctx, marker)
                if chance(draw, 2):
                    lines.extend(body[:-1])  # unterminated: runs to the end of the file
                    heredoc_at_end = True
                    break
                lines.extend(body)
            if heredoc_at_end:
                break
        elif kind < 82:
            lines.append(comment_line(draw, ctx))
        elif kind < 93:
            lines.append(blank_line(draw))
        elif kind < 94:
            lines.append(pick(draw, ("\\", "`", "  \\", "\\ ", "`\t")))  # continues into the next line, or not
        else:
            lines.append(chaos_line(draw, ctx))
    return render(draw, lines)


def render(draw: Draw, lines: list[str]) -> str:
    """Join lines with LF, CRLF or a mix; maybe a BOM, maybe no final newline."""
    style = draw(PERCENT)
    out = []
    for line in lines:
        if style < 70:
            eol = "\n"
        elif style < 90:
            eol = "\r\n"
        else:
            eol = pick(draw, ("\n", "\r\n", "\r\r\n"))
        out.append(line + eol)
    text = "".join(out)
    if text and chance(draw, 12):
        text = text.rstrip("\r\n") if chance(draw, 70) else text[:-1]
    if chance(draw, 4):
        text = "\ufeff" + text
    return text


@st.composite
def chaos_text(draw: Draw) -> str:
    """Lines of random parser-significant characters, for robustness checks."""
    ctx = Ctx("\\", False)
    return render(draw, [chaos_line(draw, ctx) for _ in range(number(draw, 0, 8))])
