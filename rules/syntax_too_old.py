"""DF811 syntax-too-old: a flag or here-document the Dockerfile frontend pinned by `# syntax=` does not know."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.frontend import Pin, frontend_pin
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.modes import is_octal

#: (instruction, flag) -> the first stable release that reads it, and the first labs release where
#: that is known (labs releases carry every stable feature, often earlier). From the "Minimum
#: Dockerfile version" tables of BuildKit's Dockerfile reference; None: labs only.
_FLAGS: dict[tuple[str, str], tuple[Optional[tuple[int, int]], Optional[tuple[int, int]]]] = {
    ("RUN", "mount"): ((1, 2), None),
    ("RUN", "network"): ((1, 3), None),
    ("RUN", "security"): ((1, 20), (1, 0)),  # in labs since the channel began
    ("RUN", "device"): (None, (1, 14)),
    ("ADD", "checksum"): ((1, 6), None),
    ("ADD", "chmod"): ((1, 2), None),
    ("ADD", "link"): ((1, 4), None),
    ("ADD", "unpack"): ((1, 17), None),
    ("ADD", "exclude"): ((1, 19), (1, 7)),
    ("COPY", "chmod"): ((1, 2), None),
    ("COPY", "link"): ((1, 4), None),
    ("COPY", "parents"): ((1, 20), (1, 7)),
    ("COPY", "exclude"): ((1, 19), (1, 7)),
}
_HEREDOCS = ((1, 4), (1, 3))
_SYMBOLIC_CHMOD = ((1, 14), None)


class SyntaxTooOld(Rule):
    """A flag or here-document that the Dockerfile frontend pinned by `# syntax=` does not know.

    ## What it does
    Reads the `# syntax=docker/dockerfile:TAG` directive and reports what
    the frontend release it pins cannot build, using the "Minimum Dockerfile
    version" tables of BuildKit's Dockerfile reference: `RUN --mount`
    (1.2), `--network` (1.3), `--security` (1.20), `ADD --checksum` (1.6),
    `ADD`/`COPY --chmod` (1.2; a symbolic mode such as `+x`: 1.14),
    `--link` (1.4), `ADD --unpack` (1.17), `--exclude` (1.19), `COPY
    --parents` (1.20), and here-documents (1.4). A labs pin (`1.7-labs`) is
    judged by the labs release where that is known (`--parents` and
    `--exclude` 1.7-labs, here-documents 1.3-labs; `RUN --security` is in
    every labs release), and not at all for the other flags. `RUN --device`
    is only in the labs channel (1.14-labs): it is reported under any
    directive that does not select labs, and without a directive, since the
    frontend built into BuildKit is never the labs one.

    A floating tag (`docker/dockerfile:1`, `:1-labs`, `:labs`) selects the
    newest release and gets nothing reported but `--device` outside labs;
    no directive, or another frontend, leaves the version to the builder,
    which the Dockerfile cannot tell. ONBUILD triggers are not read: the
    frontend of the build that runs them parses them.

    ## Why is this bad?
    A pinned frontend parses the Dockerfile as that release did: a flag it
    does not know fails the build (`unknown flag: parents`), and an older
    frontend does not read here-documents at all. The pin usually predates
    the flag: someone copied a newer snippet into the file.

    ## Example
    ```dockerfile
    # syntax=docker/dockerfile:1.4
    FROM golang:1.23
    WORKDIR /src
    COPY --parents ./svc/*/go.mod ./
    ```

    ## Use instead
    ```dockerfile
    # syntax=docker/dockerfile:1.20
    FROM golang:1.23
    WORKDIR /src
    COPY --parents ./svc/*/go.mod ./
    ```

    ## Fix safety
    The fix raises the pinned release to the newest one the file needs
    (keeping `-labs`), or, for `--device`, writes the `1-labs` channel. It is
    unsafe: a newer frontend may build other instructions differently. A
    pin with a digest gets no fix, as the digest would have to change too.
    """

    code = "DF811"
    name = "syntax-too-old"
    summary = "Flag or here-document the pinned Dockerfile syntax does not know"
    severity = Severity.ERROR
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        pin = frontend_pin(ctx.file)
        if pin is not None and pin.version is None and pin.labs:
            return  # the newest labs release reads everything
        found = []  # (node, what, stable minimum, labs minimum)
        for node in ctx.instructions:
            for flag in node.flags:
                needs = _FLAGS.get((node.name, flag.name))
                if needs is not None:
                    found.append((flag, f"{node.name} --{flag.name}", *needs))
            for flag in (node.flag("chmod"),) if node.name in ("COPY", "ADD") else ():
                if flag is not None and flag.value and not is_octal(flag.value) and "$" not in flag.value:
                    found.append((flag, f"a symbolic {node.name} --chmod mode", *_SYMBOLIC_CHMOD))
            if node.heredocs and node.name in ("RUN", "COPY", "ADD"):
                found.append((node.heredocs[0].marker, "here-documents", *_HEREDOCS))
        problems = [(target, what, stable, labs) for target, what, stable, labs in found
                    if _missing(pin, stable, labs)]
        if not problems:
            return
        fix = _fix(ctx, pin, problems)
        for target, what, stable, labs in problems:
            yield ctx.finding(target, _message(pin, what, stable, labs), fix)


def _missing(pin: Optional[Pin], stable: Optional[tuple[int, int]], labs: Optional[tuple[int, int]]) -> bool:
    """Whether the frontend ``pin`` selects lacks a feature of these minimum releases."""
    if stable is None:  # labs only: the built-in frontend and every stable tag lack it
        return pin is None or not pin.labs or pin.version is not None and pin.version < labs  # type: ignore[operator]
    if pin is None or pin.version is None:
        return False  # the builder's own frontend, or the newest release
    if pin.labs:
        return labs is not None and pin.version < labs
    return pin.version < stable


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _message(pin: Optional[Pin], what: str, stable: Optional[tuple[int, int]],
             labs: Optional[tuple[int, int]]) -> str:
    if stable is None:
        assert labs is not None
        where = "without a `# syntax=` directive (the builder's own frontend is never labs)" if pin is None \
            else f"under `# syntax={pin.directive.value}`"
        return (f"{what} exists only in the labs channel ({_version(labs)}-labs or later): the build fails "
                f"{where}; select `# syntax=docker/dockerfile:1-labs`")
    assert pin is not None and pin.version is not None
    needed = f"{_version(labs)}-labs" if pin.labs and labs is not None else _version(stable)
    pinned = f"{_version(pin.version)}{'-labs' if pin.labs else ''}"
    plural = what == "here-documents"
    failure = "does not read them" if plural else "fails the build on it"
    return (f"{what} need{'' if plural else 's'} Dockerfile {needed} or later, but `# syntax={pin.directive.value}` "
            f"pins {pinned}, which {failure}; raise the pin to {needed} (or `docker/dockerfile:1`)")


def _fix(ctx: RuleContext, pin: Optional[Pin], problems: list) -> Optional[Fix]:
    """One edit of the directive for every problem: the newest release any of them needs."""
    if pin is None or pin.digest:
        return None
    if any(stable is None for _, _, stable, _ in problems):
        tag = "1-labs"
    else:
        needs = [labs if pin.labs and labs is not None else stable for _, _, stable, labs in problems]
        tag = _version(max(needs)) + ("-labs" if pin.labs else "")
    directive = pin.directive
    value = ctx.file.text[directive.value_span.start.offset:directive.value_span.end.offset]
    colon = value.rfind(":")
    start = directive.value_span.start.offset + colon + 1
    end = directive.value_span.start.offset + len(value.rstrip())
    return ctx.fix(f"pin docker/dockerfile:{tag}", ctx.edit(start, end, tag), applicability=Applicability.UNSAFE)
