"""The Go value parsers ``docker build`` applies to flag and argument values.

Each ``check_*`` function returns BuildKit's error message for a bad value, or
None. They follow the Go code BuildKit calls (``time.ParseDuration``,
``strconv``, ``go-units``, ``go-digest``, ``containerd/platforms``,
``moby/sys/signal``, the chmod and port parsers of the Dockerfile frontend),
so dflint rejects exactly what ``docker build`` rejects.
"""

from __future__ import annotations

import re
from typing import Optional

# -- strconv --------------------------------------------------------------------

_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` for the printable text found in Dockerfiles."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out) + '"'


def parse_bool(text: str) -> Optional[bool]:
    """``strconv.ParseBool``; None when the text is not a Go boolean."""
    return True if text in _TRUE else False if text in _FALSE else None


def parse_int(text: str, base: int, bits: int, signed: bool) -> "int | str":
    """``strconv.ParseInt``/``ParseUint`` with an explicit base: the value or Go's error."""
    func = "ParseInt" if signed else "ParseUint"
    digits = "0123456789"[:base]
    body = text[1:] if signed and text[:1] in "+-" else text
    if not body or any(ch not in digits for ch in body):
        return f"strconv.{func}: parsing {go_quote(text)}: invalid syntax"
    value = int(text, base)
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not low <= value <= high:
        return f"strconv.{func}: parsing {go_quote(text)}: value out of range"
    return value


# -- time.ParseDuration -----------------------------------------------------------

_UNITS = {"ns": 1, "us": 10**3, "\u00b5s": 10**3, "\u03bcs": 10**3, "ms": 10**6, "s": 10**9,
          "m": 60 * 10**9, "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
_LIMIT = 1 << 63


def _time_quote(text: str) -> str:
    """The ``quote`` of Go's time package: non-ASCII and control bytes as ``\\xNN``."""
    out = ['"']
    for ch in text:
        if ch < " " or ord(ch) >= 0x80:
            out.extend(f"\\x{byte:02x}" for byte in ch.encode("utf-8", "surrogateescape"))
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    return "".join(out) + '"'


def parse_duration(text: str) -> "int | str":
    """``time.ParseDuration``: nanoseconds, or Go's error message."""
    invalid = "time: invalid duration " + _time_quote(text)
    rest, negative = text, False
    if rest[:1] in ("-", "+"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        return invalid
    total, pos = 0, 0
    while pos < len(rest):
        match = _DURATION_PART.match(rest, pos)
        assert match is not None  # the pattern matches the empty string
        whole, fraction, unit = match.groups()
        if not whole and not fraction:
            return invalid  # no digits, e.g. ".s", or a character that starts no number
        if not unit:
            return "time: missing unit in duration " + _time_quote(text)
        if unit not in _UNITS:
            return f"time: unknown unit {_time_quote(unit)} in duration {_time_quote(text)}"
        scale = _UNITS[unit]
        value = int(whole or "0")
        if value > _LIMIT // scale:
            return invalid
        value *= scale
        if fraction and int(fraction):
            value += int(float("0." + fraction) * scale)
            if value > _LIMIT:
                return invalid
        total += value
        if total > _LIMIT:
            return invalid
        pos = match.end()
    if not negative and total > _LIMIT - 1:
        return invalid
    return -total if negative else total


# -- go-units RAMInBytes (mount size) ----------------------------------------------

_GO_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9]+)?"
    r"|0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?[pP][+-]?[0-9]+|(?i:inf|infinity|nan))"
)


def valid_ram_size(text: str) -> bool:
    """Whether ``units.RAMInBytes`` accepts ``text`` (``512m``, ``1GiB``, ``100``)."""
    sep = max(text.rfind(ch) for ch in "0123456789. ")
    if sep < 0:
        return False
    number, suffix = (text[:sep + 1], text[sep + 1:]) if text[sep] != " " else (text[:sep], text[sep + 1:])
    if not _GO_FLOAT.fullmatch(number):
        return False
    digits = number.replace("_", "")
    value = float.fromhex(digits) if "x" in digits.lower() else float(digits)
    if value < 0 or value in (float("inf"), float("-inf")) and "n" not in digits.lower():
        return False  # negative, or out of float64 range (ParseFloat fails)
    suffix = suffix.lower()
    if not suffix or suffix == "b":
        return True
    return len(suffix) <= 3 and suffix[0] in "kmgtp" and suffix[1:] in ("", "b", "ib")


# -- ADD/COPY --chmod, ADD --checksum ---------------------------------------------

_SYMBOLIC_MODE = re.compile(r"[ugoa]*[-+=][rwxXstugo]*(?:[-+=][rwxXstugo]*)*")


def check_chmod(text: str) -> Optional[str]:
    """The check of ``dispatchCopy``: octal up to 07777, or a symbolic mode (``u+x,go-w``)."""
    if text[:1].isdigit() and text[:1].isascii():
        if re.fullmatch(r"[0-7]+", text) and int(text, 8) <= 0o7777:
            return None
        return f"invalid chmod parameter: '{text}'. it should be octal string and between 0 and 07777"
    if all(_SYMBOLIC_MODE.fullmatch(clause) for clause in text.split(",")):
        return None
    return "invalid syntax"


_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")


def check_digest(text: str) -> Optional[str]:
    """``digest.Parse`` as applied to ``ADD --checksum`` of an HTTP source."""
    algorithm, sep, encoded = text.partition(":")
    if not algorithm or not sep or not encoded:
        return "invalid checksum digest format"
    if algorithm not in _DIGEST_LENGTHS:
        return "unsupported digest algorithm" if _DIGEST.fullmatch(text) else "invalid checksum digest format"
    if len(encoded) != _DIGEST_LENGTHS[algorithm]:
        return "invalid checksum digest length"
    return None if re.fullmatch(r"[a-f0-9]+", encoded) else "invalid checksum digest format"


# -- FROM --platform: containerd platforms.Parse -----------------------------------

_OS_PART = re.compile(r"([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?")
_SPEC_PART = re.compile(r"[A-Za-z0-9_.-]+")
_KNOWN_OS = frozenset("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd "
                      "plan9 solaris windows zos macos".split())
_KNOWN_ARCH = frozenset("386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 "
                        "mips64le mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm".split())
_ARCH_ALIASES = {"i386": "386", "x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm",
                 "armel": "arm"}


def check_platform(spec: str) -> Optional[str]:
    """``platforms.Parse``: ``os[(version)][/arch[/variant]]`` or a lone known OS or arch."""
    if "*" in spec:
        return f"{go_quote(spec)}: wildcards not yet supported: invalid argument"
    parts = spec.split("/", 3)
    os_part = _OS_PART.fullmatch(parts[0])
    if os_part is None:
        return (f"{go_quote(parts[0])} is an invalid OS component of {go_quote(spec)}: OSAndVersion specifier "
                f"component must match {go_quote(_OS_PART.pattern.join('^$'))}: invalid argument")
    for part in parts[1:]:
        if not _SPEC_PART.fullmatch(part):
            return (f"{go_quote(part)} is an invalid component of {go_quote(spec)}: platform specifier component "
                    f"must match {go_quote('^[A-Za-z0-9_.-]+$')}: invalid argument")
    if len(parts) == 4:
        return f"{go_quote(spec)}: cannot parse platform specifier: invalid argument"
    if len(parts) == 1:
        arch = parts[0].lower()
        if os_part.group(1).lower() not in _KNOWN_OS and _ARCH_ALIASES.get(arch, arch) not in _KNOWN_ARCH:
            return f"{go_quote(spec)}: unknown operating system or architecture: invalid argument"
    return None


# -- STOPSIGNAL: moby/sys/signal.ParseSignal (Linux signal names) -----------------

_SIGNALS = frozenset(
    "ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS "
    "TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX".split()
    + [f"RTMIN+{n}" for n in range(1, 16)] + [f"RTMAX-{n}" for n in range(1, 15)]
)


def check_signal(text: str) -> Optional[str]:
    """A signal number other than 0, or a name with or without ``SIG``."""
    number = parse_int(text, 10, 64, signed=True)
    if isinstance(number, int):
        return None if number != 0 else f"invalid signal: {text}"
    name = text.upper()
    name = name[3:] if name.startswith("SIG") else name
    return None if name in _SIGNALS else f"invalid signal: {text}"


# -- EXPOSE: the port parser of dockerfile2llb --------------------------------------

def _port_number(text: str) -> "int | str":
    if not text:
        return "value is empty"
    value = parse_int(text, 10, 64, signed=True)
    if isinstance(value, str):
        return value.rsplit(": ", 1)[1]
    return value if 0 <= value <= 65535 else "value out of range (0\u201365535)"


def _port_range(text: str) -> "tuple[int, int] | None":
    if not text:
        return None
    start_text, sep, end_text = text.partition("-")
    start = _port_number(start_text)
    if isinstance(start, str):
        return None
    if not sep or start_text == end_text:
        return start, start
    end = _port_number(end_text)
    return None if isinstance(end, str) or end < start else (start, end)


def check_port(raw: str) -> Optional[str]:
    """``[ip:][hostPort:]containerPort[/proto]`` as ``parsePort`` accepts it."""
    parts = raw.split(":")
    ip = ":".join(parts[:-2])
    host = parts[-2] if len(parts) > 1 else ""
    port, _, proto = parts[-1].partition("/")
    if not port:
        return f'invalid port: {go_quote(raw)}: no port specified'
    if proto.lower() not in ("", "tcp", "udp", "sctp"):
        return f"invalid port: {go_quote(raw)}: invalid proto: {proto}"
    if ip and not _valid_ip(ip):
        return f"invalid IP address: {ip.strip('[]')}"
    container = _port_range(port)
    if container is None:
        return "invalid containerPort: " + port
    if host:
        host_range = _port_range(host)
        if host_range is None:
            return "invalid hostPort: " + host
        if container[1] - container[0] != host_range[1] - host_range[0] and container[0] != container[1]:
            return f"invalid ranges specified for container and host Ports: {port} and {host}"
    return None


def _valid_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text[1:-1] if text.startswith("[") and text.endswith("]") else text)
    except ValueError:
        return False
    return True
