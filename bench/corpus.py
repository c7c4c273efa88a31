"""Generates the parser benchmark corpus: synthetic, seeded, deterministic.

Writes into a directory (default ``bench/.corpus/``, git-ignored):

* ``files/0000.Dockerfile`` ... ``files/1999.Dockerfile``: 2,000 Dockerfiles of
  10-400 lines each (log-uniform, so most are short, as in real repositories);
* ``large-25k.Dockerfile`` and ``large-50k.Dockerfile``: one 25,000-line and one
  50,000-line file; the 50k file is the 25k file followed by 25,000 more lines
  of the same mix, so their ratio measures linearity and nothing else;
* ``manifest.json``: seed, generator version, line counts and a content hash.

Every file is built from hand-written templates of common Dockerfile idioms
(multi-stage builds, ``FROM --platform ... AS``, long ``&&`` chains with
continuations and comments inside them, ``--mount`` flags, COPY/ADD variants,
ENV/ARG/LABEL in both forms, heredocs, JSON CMD/ENTRYPOINT, HEALTHCHECK,
ONBUILD, and Windows files with ``# escape=`` and CRLF line endings). No file
is copied from anywhere.

Every generated file is checked once with BuildKit's Go parser (the
``dockerfile`` package); generation fails if one is rejected. The templates
also avoid two constructs hadolint 2.15's parser cannot read, so that all
three tools do the same work on every file: a heredoc is always followed by a
blank line, and ``<<-`` bodies are never tab-indented.

Run: ``python bench/corpus.py [--out DIR] [--seed N] [--files N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import random
import sys
from pathlib import Path
from typing import Callable, Optional

GENERATOR_VERSION = 2
DEFAULT_SEED = 20240611
DEFAULT_FILES = 2000
MIN_LINES, MAX_LINES = 10, 400
LARGE_HALF = 25_000
DEFAULT_OUT = Path(__file__).resolve().parent / ".corpus"

log = logging.getLogger("bench.corpus")

Block = list[str]

# -- vocabulary -------------------------------------------------------------------

BASES = [
    "debian:bookworm-slim", "debian:12", "ubuntu:22.04", "ubuntu:24.04", "alpine:3.19",
    "alpine:3.20", "python:3.12-slim", "python:3.11-slim-bookworm", "node:20-alpine",
    "node:22-bookworm-slim", "golang:1.22-bookworm", "golang:1.23-alpine", "rust:1.79-slim",
    "eclipse-temurin:21-jre-jammy", "maven:3.9-eclipse-temurin-21", "nginx:1.27-alpine",
    "postgres:16.3", "redis:7.2-alpine", "gcr.io/distroless/static-debian12:nonroot",
    "gcr.io/distroless/cc-debian12", "registry.example.com/platform/base:2.3.1",
    "ghcr.io/acme/builder:v5", "quay.io/org/toolbox:latest", "ruby:3.3-slim",
    "php:8.3-fpm-alpine", "mcr.microsoft.com/dotnet/sdk:8.0", "${BASE_IMAGE}",
    "${REGISTRY}/runtime:${RUNTIME_VERSION}",
]
WINDOWS_BASES = [
    "mcr.microsoft.com/windows/servercore:ltsc2022",
    "mcr.microsoft.com/windows/nanoserver:ltsc2022",
    "mcr.microsoft.com/dotnet/framework/sdk:4.8-windowsservercore-ltsc2022",
    "mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022",
]
STAGES = ["base", "deps", "build", "builder", "test", "lint", "assets", "compile", "dev",
          "runtime", "final", "release", "tools", "docs", "prod"]
APT = ["ca-certificates", "curl", "git", "build-essential", "pkg-config", "libssl-dev",
       "libpq-dev", "gnupg", "unzip", "xz-utils", "tini", "jq", "openssh-client", "make",
       "gcc", "g++", "libffi-dev", "zlib1g-dev", "locales", "tzdata", "wget", "less",
       "python3-venv", "libxml2-dev", "libyaml-dev", "dumb-init", "procps", "netcat-openbsd"]
APK = ["bash", "curl", "git", "ca-certificates", "tzdata", "openssl", "build-base",
       "musl-dev", "linux-headers", "su-exec", "tini", "libc6-compat", "jq", "postgresql-client"]
PIP = ["requests==2.32.3", "flask>=3.0", "gunicorn", "uvicorn[standard]", "numpy", "pydantic<3",
       "sqlalchemy==2.0.31", "celery", "boto3", "psycopg[binary]", "redis", "click"]
WORDS = ["cache", "layer", "builder", "runtime", "image", "the", "keep", "small", "user",
         "dependencies", "install", "before", "copying", "sources", "so", "rebuilds", "are",
         "fast", "pin", "versions", "for", "reproducible", "builds", "see", "docs", "ops"]
PORTS = ["80", "443", "8080", "8443", "3000", "5000", "5432", "6379", "9090", "9100/tcp",
         "53/udp", "8000", "4000-4010"]
ENV_NAMES = ["APP_HOME", "APP_ENV", "LOG_LEVEL", "PORT", "NODE_ENV", "PYTHONUNBUFFERED",
             "PYTHONDONTWRITEBYTECODE", "PIP_NO_CACHE_DIR", "GOFLAGS", "CGO_ENABLED", "RUST_LOG",
             "JAVA_OPTS", "TZ", "LANG", "LC_ALL", "HOME", "XDG_CACHE_HOME", "WORKERS"]
ARG_NAMES = ["VERSION", "BUILD_DATE", "VCS_REF", "TARGETOS", "TARGETARCH", "TARGETPLATFORM",
             "BUILDPLATFORM", "BASE_IMAGE", "REGISTRY", "RUNTIME_VERSION", "UID", "GID",
             "NODE_VERSION", "GO_VERSION", "HTTP_PROXY", "BUILDKIT_INLINE_CACHE"]
SHELL_CMDS = [
    "make -j\"$(nproc)\" all", "go build -trimpath -ldflags=\"-s -w\" -o /out/app ./cmd/app",
    "npm ci --omit=dev", "npm run build", "cargo build --release --locked",
    "mvn -B -q package -DskipTests", "python -m compileall -q /app", "chmod +x /usr/local/bin/*",
    "mkdir -p /var/run/app /var/log/app", "chown -R app:app /app /var/run/app",
    "ln -sf /dev/stdout /var/log/nginx/access.log", "rm -rf /tmp/* /var/tmp/*",
    "useradd --system --uid ${UID:-10001} --create-home app", "addgroup -S app && adduser -S -G app app",
    "echo \"${VERSION}\" > /etc/app-version", "sed -i 's/^#\\(en_US.UTF-8\\)/\\1/' /etc/locale.gen",
    "locale-gen", "update-ca-certificates", "find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true",
    "git config --global --add safe.directory '*'", "test -x /usr/local/bin/app",
    "strip --strip-unneeded /out/app", "ldconfig", "pip check",
    "curl -fsSL https://downloads.example.com/keys/release.asc | gpg --dearmor -o /usr/share/keyrings/example.gpg",
    "printf '%s\\n' 'deb [signed-by=/usr/share/keyrings/example.gpg] https://apt.example.com stable main' > /etc/apt/sources.list.d/example.list",
    "tar -xzf /tmp/src.tgz -C /usr/src --strip-components=1", "cd /usr/src/app",
    "./configure --prefix=/usr/local --disable-static", "make install",
    "export PATH=\"/opt/tools/bin:$PATH\"", "[ -f /etc/os-release ] && cat /etc/os-release",
    "if [ \"$TARGETARCH\" = \"arm64\" ]; then export GOARM=7; fi",
    "for f in /docker-entrypoint.d/*.sh; do chmod 0755 \"$f\"; done",
]
PS_CMDS = [
    "Invoke-WebRequest -UseBasicParsing -Uri https://downloads.example.com/tool.zip -OutFile C:\\tmp\\tool.zip",
    "Expand-Archive C:\\tmp\\tool.zip -DestinationPath C:\\tools",
    "Remove-Item -Force -Recurse C:\\tmp\\*",
    "$env:PATH = 'C:\\tools\\bin;' + $env:PATH",
    "[Environment]::SetEnvironmentVariable('PATH', $env:PATH, [EnvironmentVariableTarget]::Machine)",
    "New-Item -ItemType Directory -Force -Path C:\\app\\logs | Out-Null",
    "Start-Process msiexec.exe -Wait -ArgumentList '/I C:\\tmp\\installer.msi /quiet'",
    "Get-ChildItem C:\\app -Recurse | Unblock-File",
    "Write-Host \"Installed version $env:APP_VERSION\"",
    "if (-not (Test-Path C:\\tools\\tool.exe)) { throw 'tool missing' }",
]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _sentence(rng: random.Random, lo: int = 3, hi: int = 12) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + rng.choice(["", ".", ":", " (see below)."])


# -- block templates ----------------------------------------------------------------
# Each template returns a list of physical lines, at most ``room`` of them,
# or an empty list when it cannot fit.


class Gen:
    """Builds one Dockerfile's lines; ``windows`` switches vocabulary and escape."""

    def __init__(self, rng: random.Random, windows: bool = False) -> None:
        self.rng = rng
        self.windows = windows
        self.esc = "`" if windows else "\\"
        self.stages: list[str] = []
        self.heredoc_serial = 0

    # -- helpers --------------------------------------------------------------
    def chain(self, head: str, items: list[str], room: int, sep: str = "&& ",
              indent: str = "    ", comments: bool = True) -> Block:
        """``head`` then ``items`` on continuation lines, trimmed to ``room`` lines."""
        rng = self.rng
        lines = [head]
        for item in items:
            if len(lines) + 1 >= room:
                break
            if comments and rng.random() < 0.06 and len(lines) + 2 < room:
                # BuildKit skips comment lines inside a continuation.
                lines.append(f"{indent}# {_sentence(rng)}")
            lines.append(f"{indent}{sep}{item}")
        return [line + " " + self.esc for line in lines[:-1]] + [lines[-1]] if len(lines) > 1 else lines

    # -- instructions ---------------------------------------------------------
    def from_(self, room: int) -> Block:
        rng = self.rng
        base = rng.choice(WINDOWS_BASES if self.windows else BASES)
        if self.stages and rng.random() < 0.3:
            base = rng.choice(self.stages)
        elif rng.random() < 0.08:
            base = f"{base.split(':')[0].split('@')[0]}@sha256:{_hex(rng, 64)}"
        parts = ["FROM"]
        if not self.windows and rng.random() < 0.25:
            parts.append(rng.choice(["--platform=$BUILDPLATFORM", "--platform=${TARGETPLATFORM}",
                                     "--platform=linux/amd64"]))
        parts.append(base)
        if rng.random() < 0.7:
            name = f"{rng.choice(STAGES)}{len(self.stages) or ''}"
            self.stages.append(name)
            parts += [rng.choice(["AS", "AS", "as"]), name]
        block = [" ".join(parts)]
        if room > 3 and rng.random() < 0.3:
            block.insert(0, "")
            block.insert(1, f"# ---- {rng.choice(STAGES)} stage: {_sentence(rng, 2, 6)}")
        return block[:room]

    def comment(self, room: int) -> Block:
        n = min(room, self.rng.choice([1, 1, 1, 2, 3, 4]))
        return [f"# {_sentence(self.rng)}" for _ in range(n)]

    def blank(self, room: int) -> Block:
        return [""]

    def arg(self, room: int) -> Block:
        rng = self.rng
        name = rng.choice(ARG_NAMES)
        if rng.random() < 0.5:
            return [f"ARG {name}"]
        value = rng.choice(["1.2.3", "\"v2.14.0\"", "10001", "linux", "amd64", "''",
                            "registry.example.com", "${VERSION:-dev}", f"{rng.randint(1, 30)}.{rng.randint(0, 9)}"])
        return [f"ARG {name}={value}"]

    def env(self, room: int) -> Block:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            # The legacy `ENV name value` form.
            return [f"ENV {rng.choice(ENV_NAMES)} {rng.choice(['production', '/opt/app', 'C.UTF-8 extra words'])}"]
        if self.windows:
            return [f"ENV {rng.choice(ENV_NAMES)}=\"C:\\Program Files\\App\\{rng.randint(1, 9)}\""]
        pairs = []
        for _ in range(rng.randint(1, 8)):
            name = rng.choice(ENV_NAMES)
            value = rng.choice(["1", "0", "production", "\"/opt/app/bin:${PATH}\"", "info",
                                "\"-Xms256m -Xmx1g\"", "$HOME/.cache", "${PORT:-8080}", "C.UTF-8",
                                "'single quoted'", "off", "UTC"])
            pairs.append(f"{name}={value}")
        if len(pairs) < 3 or room < 3:
            return [f"ENV {' '.join(pairs[:3])}"]
        return self.chain(f"ENV {pairs[0]}", pairs[1:], room, sep="", comments=False)

    def label(self, room: int) -> Block:
        rng = self.rng
        keys = ["org.opencontainers.image.title", "org.opencontainers.image.description",
                "org.opencontainers.image.source", "org.opencontainers.image.version",
                "org.opencontainers.image.revision", "org.opencontainers.image.licenses",
                "org.opencontainers.image.created", "maintainer", "com.example.team"]
        values = ["\"demo service\"", "\"https://git.example.com/acme/app\"", "$VERSION",
                  "${VCS_REF}", "\"MIT\"", "\"Jane Doe <jane@example.com>\"", "$BUILD_DATE",
                  "platform", "\"A small image; see README for details\""]
        pairs = [f"{k}={rng.choice(values)}" for k in rng.sample(keys, rng.randint(1, 7))]
        if len(pairs) == 1 or room < 3:
            return [f"LABEL {pairs[0]}"]
        return self.chain(f"LABEL {pairs[0]}", pairs[1:], room, sep="", comments=False)

    def workdir(self, room: int) -> Block:
        if self.windows:
            return ["WORKDIR " + self.rng.choice(["C:\\app", "C:\\src", "C:/workspace"])]
        return ["WORKDIR " + self.rng.choice(["/app", "/src", "/usr/src/app", "/workspace", "$APP_HOME"])]

    def user(self, room: int) -> Block:
        return [f"USER {self.rng.choice(['ContainerUser', 'ContainerAdministrator'] if self.windows else ['app', '10001', '10001:10001', 'nonroot:nonroot', 'node', 'root'])}"]

    def expose(self, room: int) -> Block:
        return ["EXPOSE " + " ".join(self.rng.sample(PORTS, self.rng.randint(1, 3)))]

    def volume(self, room: int) -> Block:
        if self.rng.random() < 0.5:
            return [f"VOLUME [\"/data\", \"/var/lib/{self.rng.choice(['app', 'db', 'cache'])}\"]"]
        return ["VOLUME /var/cache/app /tmp"]

    def copy(self, room: int) -> Block:
        rng = self.rng
        if self.windows:
            app = "C:\\app\\" if self.esc == "`" else "C:/app/"
            return [rng.choice([f"COPY . {app}", "COPY --from=build C:\\out C:\\app",
                                "COPY [\"bin/Release\", \"C:/app\"]", "ADD https://downloads.example.com/x.zip C:\\tmp\\x.zip"])]
        flags = []
        if self.stages and rng.random() < 0.35:
            flags.append(f"--from={rng.choice(self.stages)}")
        if rng.random() < 0.25:
            flags.append(rng.choice(["--chown=app:app", "--chown=10001:10001", "--chown=${UID}:${GID}"]))
        if rng.random() < 0.15:
            flags.append(rng.choice(["--chmod=0755", "--chmod=644"]))
        if rng.random() < 0.2:
            flags.append("--link")
        roll = rng.random()
        if roll < 0.12:
            srcs = '", "'.join(rng.sample(["package.json", "package-lock.json", "go.mod", "go.sum",
                                            "requirements.txt", "pyproject.toml", "Cargo.toml"], 2))
            return [" ".join(["COPY", *flags, f"[\"{srcs}\", \"./\"]"])]
        if roll < 0.22:
            add_flags = []
            if rng.random() < 0.5:
                add_flags.append(f"--checksum=sha256:{_hex(rng, 64)}")
            url = f"https://downloads.example.com/{rng.choice(['tool', 'agent', 'cli'])}/v{rng.randint(1, 9)}.{rng.randint(0, 20)}/pkg-linux-amd64.tar.gz"
            return [" ".join(["ADD", *add_flags, url, rng.choice(["/tmp/", "/opt/pkg.tgz"])])]
        if roll < 0.27:
            return [f"ADD rootfs-{rng.randint(1, 9)}.tar.xz /"]
        src = rng.choice([".", "src/", "./app", "requirements*.txt", "/out/app", "dist/", "config/*.yaml",
                          "entrypoint.sh", "--parents */package.json"])
        if src.startswith("--"):
            flags.append(src.split()[0])
            src = src.split()[1]
        dest = rng.choice([".", "./", "/app/", "/usr/local/bin/", "/etc/app/", "/docker-entrypoint.d/"])
        return [" ".join(["COPY", *flags, src, dest])]

    def mounts(self) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(rng.choice([0, 0, 0, 0, 0, 0, 0, 1, 1, 2])):  # about 3 RUNs in 10 use mounts
            out.append(rng.choice([
                "--mount=type=cache,target=/var/cache/apt,sharing=locked",
                "--mount=type=cache,target=/root/.cache/pip",
                "--mount=type=cache,id=gomod,target=/go/pkg/mod",
                "--mount=type=bind,source=go.sum,target=go.sum",
                "--mount=type=bind,target=.,rw",
                "--mount=type=secret,id=npmrc,target=/root/.npmrc,required=true",
                "--mount=type=ssh",
                "--mount=type=tmpfs,target=/tmp",
                "--mount=from=build,source=/out,target=/mnt/out",
            ]))
        if rng.random() < 0.05:
            out.append(rng.choice(["--network=none", "--network=host", "--security=insecure"]))
        return out

    def run(self, room: int) -> Block:
        rng = self.rng
        if self.windows:
            return self.run_windows(room)
        head = " ".join(["RUN", *self.mounts()])
        roll = rng.random()
        if roll < 0.25:
            pkgs = sorted(rng.sample(APT, rng.randint(2, 20)))
            apt_lines = [f"apt-get install -y --no-install-recommends {pkgs[0]}"] + pkgs[1:]
            body = self.chain(f"{head} apt-get update", [], room)
            lines = [body[0] + " " + self.esc, f"    && {apt_lines[0]} {self.esc}"]
            for pkg in apt_lines[1:]:
                if len(lines) + 2 > room:
                    break
                lines.append(f"        {pkg} {self.esc}")
            lines.append("    && rm -rf /var/lib/apt/lists/*")
            return lines if len(lines) <= room else [f"{head} apt-get update"]
        if roll < 0.35:
            pkgs = " ".join(sorted(rng.sample(APK, rng.randint(1, 8))))
            return [f"{head} apk add --no-cache {pkgs}"]
        if roll < 0.45:
            pkgs = rng.sample(PIP, rng.randint(1, 6))
            return self.chain(f"{head} pip install --no-cache-dir", pkgs, room, sep="", comments=False)
        if roll < 0.55:
            steps = ["curl -fsSL \"https://downloads.example.com/${VERSION}/tool-${TARGETOS}-${TARGETARCH}.tar.gz\" -o /tmp/tool.tgz;",
                     f"echo \"{_hex(rng, 64)}  /tmp/tool.tgz\" | sha256sum -c -;",
                     "tar -xzf /tmp/tool.tgz -C /usr/local/bin tool;", "rm -f /tmp/tool.tgz;",
                     "tool --version"]
            return self.chain(f"{head} set -eux;", steps, room, sep="")
        if roll < 0.62:
            return [f"{head} {rng.choice(SHELL_CMDS)}"]
        if roll < 0.66:
            return [f"RUN [\"/bin/sh\", \"-c\", \"{rng.choice(['echo ok', 'make test', 'ldconfig'])}\"]"]
        if roll < 0.76 and room >= 6:
            return self.heredoc("RUN", room)
        # A long `&&` chain of shell steps (most of the corpus's RUN lines).
        steps = [rng.choice(SHELL_CMDS) for _ in range(rng.randint(2, 45))]
        if rng.random() < 0.05 and room > 4:
            # An empty line inside a continuation: deprecated but accepted by BuildKit.
            chain = self.chain(f"{head} {steps[0]}", steps[1:], room - 1)
            if len(chain) >= 3:
                chain.insert(2, "")
            return chain
        return self.chain(f"{head} {steps[0]}", steps[1:], room)

    def run_windows(self, room: int) -> Block:
        rng = self.rng
        steps = [rng.choice(PS_CMDS) + ";" for _ in range(rng.randint(1, 15))]
        steps[-1] = steps[-1].rstrip(";")
        return self.chain(f"RUN {steps[0]}", steps[1:], room, sep="", comments=False)

    def heredoc(self, keyword: str, room: int) -> Block:
        rng = self.rng
        self.heredoc_serial += 1
        name = rng.choice(["EOF", "EOT", "SCRIPT", "END"])
        if keyword == "COPY":
            dest = rng.choice(["/etc/app/config.ini", "/usr/local/bin/healthcheck", "/etc/nginx/conf.d/default.conf"])
            head = f"COPY {rng.choice(['', '--chmod=0755 '])}<<{name} {dest}"
            body = [rng.choice(["[server]", "listen 8080;", "key = value", "#!/bin/sh", "exit 0"])
                    for _ in range(rng.randint(1, max(1, min(25, room - 3))))]
        else:
            marker = rng.choice([f"<<{name}", f"<<'{name}'", f"<<\"{name}\"", f"<<-{name}"])
            prog = rng.choice(["", "", " bash", " python3"]) if "-" not in marker else ""
            head = f"{' '.join(['RUN', *self.mounts()])} {marker}{prog}"
            if prog == " python3":
                body = ["import sys", "print(sys.version)"] + [f"print({i})" for i in range(rng.randint(0, 10))]
            else:
                body = ["set -eux"] + [rng.choice(SHELL_CMDS) for _ in range(rng.randint(1, 25))]
                if rng.random() < 0.2:
                    body.insert(1, "  # indented with spaces; hadolint reads tab-indented <<- bodies wrongly")
        body = body[: max(1, room - 3)]
        block = [head, *body, name, ""]
        return block if len(block) <= room else []

    def copy_heredoc(self, room: int) -> Block:
        if self.windows or room < 5:
            return []
        return self.heredoc("COPY", room)

    def healthcheck(self, room: int) -> Block:
        rng = self.rng
        if rng.random() < 0.1:
            return ["HEALTHCHECK NONE"]
        flags = " ".join(rng.sample(["--interval=30s", "--timeout=5s", "--start-period=10s", "--retries=3",
                                     "--start-interval=2s"], rng.randint(0, 3)))
        cmd = rng.choice(["CMD curl -fsS http://localhost:8080/healthz || exit 1",
                          "CMD [\"/usr/local/bin/healthcheck\"]", "CMD [\"wget\", \"-qO-\", \"http://127.0.0.1/\"]",
                          "CMD pg_isready -U postgres"])
        return [f"HEALTHCHECK {flags} {cmd}".replace("  ", " ")]

    def misc(self, room: int) -> Block:
        rng = self.rng
        return [rng.choice([
            "STOPSIGNAL SIGTERM", "STOPSIGNAL SIGQUIT",
            "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
            "ONBUILD COPY . /app/src", "ONBUILD RUN make -C /app/src",
            "MAINTAINER ops@example.com",
        ] if not self.windows else [
            "SHELL [\"powershell\", \"-Command\", \"$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';\"]",
            "SHELL [\"cmd\", \"/S\", \"/C\"]", "STOPSIGNAL SIGTERM",
        ])]

    def cmd(self, room: int) -> Block:
        rng = self.rng
        if self.windows:
            return [rng.choice(["CMD [\"dotnet\", \"App.dll\"]", "ENTRYPOINT [\"C:\\\\app\\\\app.exe\"]",
                                "CMD powershell -NoLogo -File C:\\app\\start.ps1"])]
        return [rng.choice([
            "CMD [\"/usr/local/bin/app\", \"serve\", \"--port\", \"8080\"]",
            "ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/docker-entrypoint.sh\"]",
            "CMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app.wsgi:application\"]",
            "CMD [\"node\", \"dist/server.js\"]", "CMD nginx -g 'daemon off;'",
            "ENTRYPOINT [\"java\", \"-jar\", \"/app/app.jar\"]", "CMD [\"--help\"]",
            "ENTRYPOINT exec /app/bin/start \"$@\"",
        ])]

    # -- a whole file -----------------------------------------------------------
    def weighted(self) -> Callable[[int], Block]:
        table: list[tuple[Callable[[int], Block], float]] = [
            (self.run, 30), (self.copy, 10), (self.env, 7), (self.arg, 5), (self.comment, 8),
            (self.blank, 8), (self.workdir, 3), (self.label, 3), (self.user, 2), (self.expose, 1.5),
            (self.volume, 0.6), (self.healthcheck, 1), (self.misc, 1.2), (self.copy_heredoc, 1.5),
            (self.cmd, 1.2), (self.from_, 3.5),
        ]
        funcs, weights = zip(*table)
        return self.rng.choices(funcs, weights)[0]

    def header(self) -> Block:
        rng = self.rng
        lines: Block = []
        if self.windows:
            if rng.random() < 0.8:
                lines.append("# escape=`")
            else:
                self.esc = "\\"
        elif rng.random() < 0.4:
            lines.append(rng.choice(["# syntax=docker/dockerfile:1", "# syntax=docker/dockerfile:1.7",
                                     "# syntax=docker/dockerfile:1-labs"]))
            if rng.random() < 0.2:
                lines.append("# check=skip=JSONArgsRecommended")
        if rng.random() < 0.2:
            lines += [f"# {_sentence(rng)}", ""]
        if rng.random() < 0.3 and not self.windows:
            lines += [f"ARG {rng.choice(['BASE_IMAGE=debian:bookworm-slim', 'REGISTRY=registry.example.com', 'RUNTIME_VERSION=1.4'])}"]
        return lines

    def body(self, target: int, start: Block) -> Block:
        """Adds blocks to ``start`` until it has exactly ``target`` lines."""
        lines = list(start)
        if not any(line.startswith("FROM") for line in lines):
            lines += self.from_(1)
        tail = self.cmd(1) if target - len(lines) > 6 else []
        stop = target - len(tail)
        while len(lines) < stop:
            room = stop - len(lines)
            block = self.weighted()(room)
            if len(block) > room or (block and block[-1] == "" and len(block) == room):
                # Too long, or a heredoc (ending in a blank line) that would end the file.
                block = []
            if block and lines and lines[-1] == "" and block[0] == "":
                block = block[1:]
            lines += block
        return lines + tail


def _log_uniform(rng: random.Random, lo: int, hi: int) -> int:
    return min(hi, max(lo, int(math.exp(rng.uniform(math.log(lo), math.log(hi + 1))))))


def make_file(rng: random.Random, n_lines: int) -> str:
    """One Dockerfile of exactly ``n_lines`` lines."""
    windows = rng.random() < 0.05
    gen = Gen(rng, windows)
    lines = gen.body(n_lines, gen.header())
    if lines[-1] == "":
        # A trailing blank would make the line count ambiguous; end on a statement.
        lines[-1] = "# end"
    newline = "\r\n" if windows and rng.random() < 0.7 else "\n"
    text = newline.join(lines)
    return text if rng.random() < 0.03 else text + newline


def make_large(rng: random.Random) -> tuple[str, str]:
    """The 25k-line file and the 50k-line file that starts with it."""
    gen = Gen(rng)
    first = gen.body(LARGE_HALF, gen.header())
    second = gen.body(LARGE_HALF, gen.from_(1))
    for part in (first, second):
        if part[-1] == "":
            part[-1] = "# end of part"
    return "\n".join(first) + "\n", "\n".join(first + second) + "\n"


def _count_lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def go_check(paths: list[Path]) -> None:
    """Parse every file with BuildKit's Go parser; raise if one is rejected."""
    import dockerfile

    bad = []
    for path in paths:
        try:
            dockerfile.parse_string(path.read_bytes().decode("utf-8"))
        except dockerfile.GoParseError as exc:
            bad.append(f"{path.name}: {exc}")
    if bad:
        raise SystemExit("BuildKit's parser rejects generated files:\n" + "\n".join(bad[:20]))


def generate(out: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED, count: int = DEFAULT_FILES,
             check: bool = True) -> dict:
    """Write the corpus into ``out`` and return its manifest."""
    rng = random.Random(seed)
    files_dir = out / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    for old in files_dir.glob("*.Dockerfile"):
        old.unlink()
    digest = hashlib.sha256()
    entries = []
    for i in range(count):
        n = _log_uniform(rng, MIN_LINES, MAX_LINES)
        text = make_file(rng, n)
        assert _count_lines(text) == n, (i, n, _count_lines(text))
        data = text.encode("utf-8")
        digest.update(data)
        name = f"{i:04d}.Dockerfile"
        (files_dir / name).write_bytes(data)
        entries.append({"name": name, "lines": n, "bytes": len(data)})
    half, full = make_large(random.Random(seed + 1))
    large = {}
    for name, text, want in (("large-25k.Dockerfile", half, LARGE_HALF), ("large-50k.Dockerfile", full, 2 * LARGE_HALF)):
        assert _count_lines(text) == want, (name, _count_lines(text))
        data = text.encode("utf-8")
        digest.update(data)
        (out / name).write_bytes(data)
        large[name] = {"lines": want, "bytes": len(data)}
    paths = sorted(files_dir.glob("*.Dockerfile")) + [out / name for name in large]
    if check:
        go_check(paths)
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "files": entries,
        "large": large,
        "total_lines": sum(e["lines"] for e in entries),
        "total_bytes": sum(e["bytes"] for e in entries),
        "sha256": digest.hexdigest(),
        "go_parser_checked": check,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def load_manifest(out: Path) -> Optional[dict]:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure(out: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED, count: int = DEFAULT_FILES) -> dict:
    """The corpus in ``out``, generated first when missing or stale."""
    manifest = load_manifest(out)
    if (manifest and manifest.get("generator_version") == GENERATOR_VERSION
            and manifest.get("seed") == seed and len(manifest.get("files", ())) == count):
        return manifest
    log.info("generating corpus in %s (seed %d, %d files)", out, seed, count)
    return generate(out, seed, count)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus directory (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="number of small files")
    parser.add_argument("--no-check", action="store_true", help="skip the Go parser check")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    manifest = generate(args.out, args.seed, args.files, check=not args.no_check)
    log.info("wrote %d files (%d lines, %d bytes) + %s into %s; sha256 %s",
             len(manifest["files"]), manifest["total_lines"], manifest["total_bytes"],
             ", ".join(manifest["large"]), args.out, manifest["sha256"][:16])
    return 0


if __name__ == "__main__":
    sys.exit(main())
