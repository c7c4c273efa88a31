"""DF102 platform-flag-constant: FROM --platform with a constant value."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.rule import Finding, Rule, RuleContext
from dflint.syntax.validate_go import check_platform

#: containerd's normalization of architecture names (``platforms.Normalize``).
_ARCHES = {"i386": "386", "i486": "386", "i586": "386", "i686": "386", "x86_64": "amd64", "x86-64": "amd64",
           "aarch64": "arm64", "armhf": "arm", "armel": "arm"}
_OSES = ("linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "illumos", "solaris", "aix", "plan9")


class PlatformFlagConstant(Rule):
    """`FROM --platform=linux/amd64` builds the stage for that platform only, whatever the build asks for.

    ## What it does
    Reports `FROM --platform=<constant>`: a platform written out
    (`linux/amd64`), with no build argument in it. As in BuildKit's
    `FromPlatformFlagConstDisallowed` check, a stage whose name contains the
    platform's OS or architecture (`AS build-amd64`, `AS linux-tools`) is not
    reported: it is named as the platform-specific stage it is, typically
    picked with `FROM build-${TARGETARCH}`.

    hadolint's DL3029 reports every `--platform` except those that mention
    `BUILDPLATFORM` or `TARGETPLATFORM`: also `--platform=$TARGETOS/$TARGETARCH`
    and `--platform=$PLATFORM` set by a build argument, which follow the
    build's platforms, and platform-named stages. dflint reports only the
    constants, which are the ones that break multi-platform builds.

    ## Why is this bad?
    `docker buildx build --platform linux/amd64,linux/arm64` builds the
    Dockerfile once per platform, but a stage pinned to a constant platform
    ignores that: the arm64 image ends up with amd64 binaries, or the stage
    runs under emulation. Build tools that must run natively belong on
    `$BUILDPLATFORM`; everything else should follow the target platform,
    which is the default.

    ## Example
    ```dockerfile
    FROM --platform=linux/amd64 golang:1.22 AS build
    RUN go build -o /out/app .
    ```

    ## Use instead
    ```dockerfile
    FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    ARG TARGETOS TARGETARCH
    RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
    ```

    ## Fix safety
    This rule has no fix: dropping the flag or using `$BUILDPLATFORM`
    changes what the stage builds, and which one is right depends on it.
    """

    code = "DF102"
    name = "platform-flag-constant"
    summary = "FROM --platform with a constant platform"
    severity = Severity.WARNING
    aliases = ("FromPlatformFlagConstDisallowed", "DL3029")

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for stage in ctx.model.stages:
            flag = stage.from_instruction.platform
            platform = stage.platform
            if flag is None or platform is None or platform.used or platform.error or not platform.value:
                continue
            if check_platform(platform.value) is not None:
                continue  # an invalid platform fails the build (syntax-error)
            os_name, arch = _parse(platform.value)
            name = stage.name or ""
            if (os_name and os_name in name) or (arch and arch in name):
                continue
            yield ctx.finding(
                flag.value_span or flag,
                f"FROM --platform={platform.value} builds stage {stage.label} for {platform.value} only, "
                f"whatever platforms the build targets; use $BUILDPLATFORM for build tools or drop the flag "
                f"(a stage meant for one platform should say so in its name, e.g. AS {_suggest(stage, arch)})",
            )


def _parse(spec: str) -> tuple[Optional[str], Optional[str]]:
    """OS and normalized architecture of a valid platform (None where BuildKit fills in the host's)."""
    parts = spec.lower().split("/")
    first = parts[0].split("(")[0]
    if len(parts) == 1:
        if first in _OSES:
            return first, None
        return "linux", _ARCHES.get(first, first)
    return first, _ARCHES.get(parts[1], parts[1])


def _suggest(stage, arch: Optional[str]) -> str:
    base = stage.name or "build"
    return f"{base}-{arch}" if arch else base
