"""DF120 from-arg-without-default: a FROM image that is empty or invalid unless the build passes an ARG."""

from __future__ import annotations

from typing import Iterator

from dflint.diagnostic import Severity
from dflint.model.arg_defaults import default_args, defaulted_bases
from dflint.model.image import parse_image_reference, quoted
from dflint.rule import Finding, Rule, RuleContext


class FromArgWithoutDefault(Rule):
    """A FROM that names an image only when the build passes an ARG fails a plain `docker build`.

    ## What it does
    Reports a `FROM` image that is empty or invalid with the global `ARG`
    defaults only because an `ARG` without default is unset, as BuildKit's
    `InvalidDefaultArgInFrom` check does (a warning there too): after
    `ARG TAG`, `FROM busybox:${TAG}` is `busybox:` unless the build passes
    `--build-arg TAG=...`, and after `ARG BASE`, `FROM ${BASE}` is empty.
    It follows an `ARG` without default into the defaults of other `ARG`s
    (`ARG REGISTRY` / `ARG BASE_IMAGE=${REGISTRY}/base:1.0` /
    `FROM ${BASE_IMAGE}` names REGISTRY), and names only the `ARG`s the
    build must pass (not one with a fallback, `${REGISTRY:-docker.io}`).
    Several `ARG`s in one name are tried each with a value of its own (a tag
    and a digest in `alpine:${VERSION}@${DIGEST}`).
    It stays silent when the name is valid with the `ARG` empty
    (`FROM busybox:stable${VARIANT}`), with a `${TAG:-3.20}` default, and for
    the platform arguments (`TARGETARCH` ...), which the builder sets. A name
    that no value of the `ARG` makes valid (`FROM Ubuntu:${TAG}`) is
    `invalid-image-reference`'s error instead.

    ## Why is this bad?
    Without the `--build-arg`, `docker build .` stops before the first step
    ("base name (${BASE}) should not be blank", "invalid reference format"),
    and so do the tools that read the Dockerfile with its defaults
    (scanners, Dependabot, IDEs). It is a warning, not an error, because
    builds that always pass the argument work: Home Assistant add-ons are
    written `ARG BUILD_FROM` / `FROM $BUILD_FROM`, and their builder always
    passes `BUILD_FROM`. Give the `ARG` a default when there is a sensible
    one, or ignore the rule for such files.

    ## Example
    ```dockerfile
    ARG PYTHON_TAG
    FROM python:${PYTHON_TAG}
    ```

    ## Use instead
    ```dockerfile
    ARG PYTHON_TAG=3.12-slim
    FROM python:${PYTHON_TAG}
    ```

    ## Fix safety
    This rule has no fix: only you know the intended default.
    """

    code = "DF120"
    name = "from-arg-without-default"
    summary = "FROM image empty or invalid unless the build passes an ARG"
    severity = Severity.WARNING
    aliases = ("InvalidDefaultArgInFrom",)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        defaults = default_args(ctx.model)
        for base in defaulted_bases(ctx.model, defaults):
            image, expansion, value = base.image, base.expansion, base.expansion.value
            unset = defaults.without_default_in(expansion)
            if not unset or base.names_earlier_stage(value):
                continue
            error = parse_image_reference(value).error if value else None
            if value and error is None:
                continue
            if not defaults.valid_with_some_value(image.value):
                continue  # invalid whatever the ARG is: invalid-image-reference's error
            what = "empty" if not value else f"{quoted(value)} ({error})"
            unset = defaults.needed(image.value)
            names = ", ".join(_via(name, defaults.through(name, expansion)) for name in unset)
            passes = " ".join(f"--build-arg {name}=..." for name in unset)
            yield ctx.finding(image, f"FROM {image.value} is {what} unless the build passes {passes}: "
                                     f"{names} {'has' if len(unset) == 1 else 'have'} no default; give "
                                     f"{'it' if len(unset) == 1 else 'them'} one, or make sure every build "
                                     f"passes {'it' if len(unset) == 1 else 'them'}")


def _via(name: str, through: list[str]) -> str:
    """``REGISTRY (used in the default of BASE_IMAGE)`` when the FROM reaches it through a default."""
    if not through:
        return name
    return f"{name} (used in the default of {', '.join(through)})"
