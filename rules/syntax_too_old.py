"""DF811 syntax-too-old: a flag or here-document the Dockerfile frontend pinned by `# syntax=` does not know."""

from __future__ import annotations

from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.frontend import Availability, Pin, frontend_pin, supports, syntax_directive
from dflint.model.frontend_features import ADD_GIT, FLAGS, GIT_CHECKSUM, HEREDOCS, MOUNT_KEYS, SYMBOLIC_CHMOD
from dflint.model.sources import is_git_source
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.modes import is_octal

class SyntaxTooOld(Rule):
    """A flag or here-document that the Dockerfile frontend pinned by `# syntax=` does not know.

    ## What it does
    Reads the `# syntax=docker/dockerfile:TAG` directive (or
    `docker/dockerfile-upstream:TAG`) and reports what the frontend release
    it pins cannot build: `RUN --mount` (1.2; its `size` key 1.4, `env`
    1.10), `RUN --network` (1.3), `RUN --security` (1.20), `ADD`/`COPY
    --chmod` (1.2; a symbolic mode such as `+x`: 1.14), `--link` (1.4),
    here-documents (1.4), `ADD --keep-git-dir` (1.5), `ADD` of a git
    repository (1.6; older releases download an `https://....git` URL as a
    file), `ADD --checksum` (1.6; of a git repository 1.16),
    `HEALTHCHECK --start-interval` (1.6), `ADD --unpack` (1.17),
    `--exclude` (1.19) and `COPY --parents` (1.20).

    A labs pin (`1.7-labs`) has what its stable release has, plus what the
    labs channel had earlier: `RUN --network` and `--security` (1.2-labs),
    here-documents (1.3-labs), `ADD` of git and `ADD --checksum`
    (1.5-labs), `--parents` and `--exclude` (1.7-labs), symbolic
    `--chmod` modes (1.13-labs). An experimental pin (`1.0-experimental`,
    `1.1.7-experimental`, the channel before labs) has what its stable
    release has, plus `RUN --mount` from 1.0 (mount `uid`, `gid` and
    `mode` from 1.1.0, `required=true` from 1.1.2), `RUN --security` from
    1.1.2 and `RUN --network` from 1.1.6. `RUN --device` is only in the
    labs channel (1.14-labs): it is reported under any BuildKit directive
    that does not select labs, and without a directive, since the frontend
    built into BuildKit is never the labs one.

    These releases were checked against BuildKit's own `dockerfile/*` git
    tags: the flags each tag's `instructions/parse.go` registers, the Go
    build tags of the files that add or allow a feature, and the tags each
    channel is built with (`frontend/dockerfile/release/*/tags`); the
    reference's "Minimum Dockerfile version" notes are not always exact.

    A floating tag (`docker/dockerfile:1`, `:1-labs`, `:labs`) selects the
    newest release and gets nothing reported but `--device` outside labs.
    No directive, another frontend, a release candidate (`1.4.0-rc1`), the
    floating experimental tags (`experimental`, `1-experimental`) and tags
    that were never published (`1.1-labs`, `1.2-experimental`) leave the
    version unknown: nothing is reported. Not checked: a git URL with a
    query (`?ref=`, newer than git sources themselves), sources and mount
    keys written with variables, and the `# check=` directive (releases
    before 1.8 ignore it, without failing). ONBUILD triggers are not read:
    the frontend of the build that runs them parses them.

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
    (keeping `-labs`), or, for `--device`, writes the `1-labs` channel. An
    experimental pin becomes the stable release that has everything the
    file uses, as the experimental channel had some features long before
    stable. It is
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
        directive = syntax_directive(ctx.file) is not None
        found = list(_features(ctx))  # (target, what, availability, failure)
        problems = [item for item in found if _missing(pin, directive, item[2])]
        if not problems:
            return
        fix = _fix(ctx, pin, problems, found)
        for target, what, needs, failure in problems:
            yield ctx.finding(target, _message(pin, what, needs, failure), fix)


_FAILS = "fails the build on it"


def _features(ctx: RuleContext) -> Iterator[tuple[ast.Node, str, Availability, str]]:
    """What each instruction uses that not every frontend release reads."""
    for node in ctx.instructions:
        git = node.name == "ADD" and any(_git_source(a.value) for a in getattr(node, "sources", ()))
        for flag in node.flags:
            needs = FLAGS.get((node.name, flag.name))
            if needs is None:
                continue
            if flag.name == "checksum" and git:
                yield flag, "ADD --checksum of a git repository", GIT_CHECKSUM, _FAILS
                continue
            yield flag, f"{node.name} --{flag.name}", needs, _FAILS
            if flag.name == "mount" and flag.value:
                for key in _mount_keys(flag.value):
                    yield flag, f"the RUN --mount option `{key}`", MOUNT_KEYS[key], _FAILS
        if node.name in ("COPY", "ADD"):
            flag = node.flag("chmod")
            if flag is not None and flag.value and not is_octal(flag.value) and "$" not in flag.value:
                yield flag, f"a symbolic {node.name} --chmod mode", SYMBOLIC_CHMOD, _FAILS
        if node.name == "ADD":
            for argument in getattr(node, "sources", ()):
                if _git_source(argument.value):
                    yield argument, "ADD of a git repository", ADD_GIT, "does not clone it"
        if node.heredocs and node.name in ("RUN", "COPY", "ADD"):
            yield node.heredocs[0].marker, "here-documents", HEREDOCS, "does not read them"


def _git_source(value: str) -> bool:
    """A literal git source in the form every git-reading release knows (no ``?ref=`` query:
    that form is newer, and older releases download such a URL over HTTP)."""
    return "$" not in value and "?" not in value and not value.startswith(("'", '"')) and is_git_source(value)


def _mount_keys(value: str) -> list[str]:
    """The keys of a ``--mount`` value that some release with RUN --mount rejects."""
    import csv  # BuildKit splits the value as a CSV record; only needed for files with mounts

    try:
        fields = next(csv.reader([value]), [])
    except csv.Error:
        return []
    keys = []
    for field in fields:
        key, equals, _ = field.partition("=")
        key = key.strip().lower()
        if key in MOUNT_KEYS and (equals or key != "required") and key not in keys:
            keys.append(key)
    return keys


def _missing(pin: Optional[Pin], directive: bool, needs: Availability) -> bool:
    """Whether the frontend ``pin`` selects lacks a feature."""
    if pin is None:  # the builder's own frontend, never the labs one; or a directive we cannot read
        return needs.stable is None and not directive
    return not supports(pin, needs)


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _needed(pin: Pin, needs: Availability) -> Optional[str]:
    """The release to pin for ``needs`` in ``pin``'s channel (the experimental one moves to stable);
    None when only the labs channel has it and ``pin`` is not labs."""
    if pin.labs:
        first = needs.first_labs
        return None if first is None else _version(first) + "-labs"
    return None if needs.stable is None else _version(needs.stable)


def _message(pin: Optional[Pin], what: str, needs: Availability, failure: str) -> str:
    if needs.stable is None:
        assert needs.labs is not None
        where = "without a `# syntax=` directive (the builder's own frontend is never labs)" if pin is None \
            else f"under `# syntax={pin.directive.value}`"
        return (f"{what} exists only in the labs channel ({_version(needs.labs)}-labs or later): the build fails "
                f"{where}; select `# syntax=docker/dockerfile:1-labs`")
    assert pin is not None
    needed = _needed(pin, needs)
    plural = what == "here-documents"
    return (f"{what} need{'' if plural else 's'} Dockerfile {needed} or later, but `# syntax={pin.directive.value}` "
            f"pins {pin.name}, which {failure}; raise the pin to {needed} (or `docker/dockerfile:1`)")


def _fix(ctx: RuleContext, pin: Optional[Pin], problems: list, found: list) -> Optional[Fix]:
    """One edit of the directive for every problem: the newest release any of them needs. An
    experimental pin moves to the stable release that reads everything the file uses, as the
    experimental channel had some features long before stable."""
    if pin is None or pin.digest:
        return None
    needs = [item[2] for item in (found if pin.experimental else problems)]
    if any(n.stable is None for n in needs):
        tag = "1-labs"
    elif pin.labs:
        tag = _version(max(n.first_labs for n in needs)) + "-labs"
    else:
        tag = _version(max(n.stable for n in needs))
    directive = pin.directive
    value = ctx.file.text[directive.value_span.start.offset:directive.value_span.end.offset]
    colon = value.rfind(":")
    start = directive.value_span.start.offset + colon + 1
    end = directive.value_span.start.offset + len(value.rstrip())
    return ctx.fix(f"pin docker/dockerfile:{tag}", ctx.edit(start, end, tag), applicability=Applicability.UNSAFE)
