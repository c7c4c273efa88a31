"""DF004 late-cleanup: deleting in a later RUN what an earlier layer created saves nothing."""

from __future__ import annotations

import posixpath
import re
from typing import Iterator, Optional

from dflint.diagnostic import Severity
from dflint.model.credentials import secret_file
from dflint.model.dockerignore import find_dockerignore
from dflint.model.layers import Created, LateRemoval, late_removals, relocation
from dflint.model.sources import git_dir_kept, is_git_source
from dflint.rule import Finding, Rule, RuleContext
from dflint.source import Span


#: `.env.example` and the like: the template a project commits, without the secrets.
_ENV_TEMPLATES = frozenset(("example", "sample", "dist", "template", "defaults", "tmpl"))
_ARCHIVE = re.compile(r".*\.(?:tar|tar\.(?:gz|bz2|xz|zst)|tgz|tbz2?|txz)$")


class LateCleanup(Rule):
    r"""Files deleted in a later layer than the one that created them still ship in the image.

    ## What it does
    Follows the layers of each image the build can produce (the last stage,
    or any stage no other stage uses, i.e. a `--target`, after the stages it
    is built `FROM`, in build order) and remembers what each
    instruction created: `COPY` and `ADD` destinations (resolved against
    `WORKDIR`, with `ARG`/`ENV` values; the `.git` of a repository only
    with `ADD --keep-git-dir`, as BuildKit keeps none otherwise), files saved by `curl -o`/`-O` and
    `wget`, repositories from `git clone`, package caches and indexes
    left by a RUN (see `package-cache`), build tools' dependency stores
    (Maven's `~/.m2/repository`, Gradle's `~/.gradle`, sbt's Ivy and
    Coursier caches, Cargo's registry, Go's module cache, NuGet's packages,
    Bun's, Stack's and Conan's caches: `package-cache` leaves them alone, as
    later builds resolve from them, but deleting one later saves nothing),
    and packages installed by name
    (`apt-get`/`apt`, `apk`, `yum`/`dnf`/`microdnf`, `zypper`, `pip`). A
    later RUN that deletes one of them (an `rm` operand, a cleaning command
    such as `apt-get clean` or `yum clean all`, or a package removal such
    as `apt-get purge gcc`, `apk del gcc`, `dnf remove gcc` or
    `pip uninstall`) is reported at that operand or command, with a note
    pointing at the instruction that created the files. For the packages
    apt downloads (`apt-get clean`, `rm -rf /var/cache/apt/archives/*`) the
    message says that the Debian and Ubuntu images already delete them after
    each install (`/etc/apt/apt.conf.d/docker-clean`). An exec-form RUN
    with no shell (`RUN ["rm", "-rf", "/root/.cache/go-build"]`) creates
    and deletes as its shell-form twin does. The packages one
    command removes are reported together. An `mv` of something an earlier
    layer created is reported too: the files leave their place only in the
    new layer, which holds a second copy of them, so the advice is to put
    them at their destination in the first place (`COPY x /opt/x`). A
    private key or credential file (`id_rsa`, `*.pem`, `.npmrc`, `.netrc`,
    `.aws/credentials`...) copied in and deleted later gets a message of its
    own: it is readable from the image, so the advice is a secret mount
    (`RUN --mount=type=secret`, or `--mount=type=ssh` for an SSH key).

    Inside a directory copied from the build context (`COPY . .`,
    `COPY app/ /opt/app/`), a deletion of workspace files (`.git`, `.github`,
    `tests`, `docs`, `*.md`, `Dockerfile*`, `__pycache__`, editor and CI
    settings, and secrets a workspace holds: `.env`, `.npmrc`, `id_rsa`,
    `*.pem`, `*.key`...) is reported when nothing can have written them since the
    COPY: only commands that create no file (`cd`, `set`, `echo` without a
    redirect, `rm`, `chmod`, `chown`...) in the RUNs since and before the
    deletion in its RUN. A secret among them (a key or credential file, a
    `.env` but not its `.env.example`) is said to be readable from the image.
    What the `.dockerignore` next to the Dockerfile leaves out was never
    copied, and is not reported. The files one command deletes from one copy
    are reported together. When one COPY names several sources for one
    directory (`COPY setup.py src/ /app/`), only a source written as a
    directory (`src/`, `.`) counts, and only when it is the only one: a bare
    name may be a file.

    Not reported: a RUN that deletes what it created itself; paths that
    cannot be resolved (an unset variable, a relative path under an unknown
    `WORKDIR`); other files inside a directory that was copied as a whole
    (they may have been created later, e.g. by a build, or come with the
    base image, e.g. a default configuration); packages that came with the
    base image or as dependencies of a named package (only the names the
    file's installs give are known); `apk del` of an `apk add --virtual`
    group (`apk-virtual-leftover` reports it); builder stages only used
    through `COPY --from`, whose layers never ship; commands run under
    `chroot NEWROOT` (or by a shell it starts), whose paths are below
    NEWROOT, not the image's own. `ONBUILD` triggers are not followed: they
    run in another build.
    hadolint has no equivalent rule.

    ## Why is this bad?
    Each RUN, COPY and ADD adds a read-only layer. Deleting a file in a later
    layer only hides it: the bytes stay in the earlier layer, so the image is
    exactly as large, pulls as slowly, and anyone with the image can extract
    the file (a copied key or token is *not* gone). The deletion is dead
    code that suggests a saving that never happens. Moving the file is
    worse: the new layer stores it again at its new path.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    COPY app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    RUN apt-get update && apt-get install -y --no-install-recommends curl gcc
    RUN rm -rf /var/lib/apt/lists/*
    RUN gcc -o /usr/local/bin/tool /opt/app/tool.c && apt-get purge -y gcc
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN --mount=type=bind,source=app.tar.gz,target=/tmp/app.tar.gz \
        tar -xzf /tmp/app.tar.gz -C /opt
    RUN apt-get update && apt-get install -y --no-install-recommends curl gcc \
        && gcc -o /usr/local/bin/tool /opt/app/tool.c \
        && apt-get purge -y gcc && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    This rule has no fix: moving work between layers (or reading a file
    through a bind mount instead of copying it) is a change to review.
    """

    code = "DF004"
    name = "late-cleanup"
    summary = "Files deleted in a later layer than the one that created them"
    severity = Severity.WARNING

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        found = late_removals(ctx.analysis)
        if any(late.inside is not None for late in found):
            ignore = find_dockerignore(ctx.path)
            if ignore is not None:  # what the .dockerignore leaves out was never copied: nothing to report
                found = [late for late in found if late.inside is None or not ignore.ignored(late.inside)]
        # The packages one command removes, or the workspace files it deletes from one copy: one finding.
        by_command: dict[tuple[int, int], list[LateRemoval]] = {}
        for late in found:
            if late.removal.package is not None or late.inside is not None:
                by_command.setdefault(_group_key(late), []).append(late)
        for late in found:
            if late.removal.package is None and late.inside is None:
                yield ctx.finding(late.removal.span, _message(late, late.created[0]), related=_related([late]))
                continue
            group = by_command[_group_key(late)]
            if group[0] is late:
                span = Span(group[0].removal.span.start, group[-1].removal.span.end)
                message = _packages_message(group) if late.inside is None else _workspace_message(group)
                yield ctx.finding(span, message, related=_related(group))


def _group_key(late: LateRemoval) -> tuple[int, int]:
    return id(late.removal.step), id(late.created[0]) if late.inside is not None else 0


def _related(group: list[LateRemoval]) -> list[tuple[str, Span]]:
    seen = set()
    related = []
    for late in group:
        for item in late.created:
            if id(item.node) not in seen:
                seen.add(id(item.node))
                related.append((f"{item.how} created it in this layer", item.span))
    return related


def _message(late: LateRemoval, created: Created) -> str:
    what = _cache_what(late, created) if created.kind == "cache" else late.path
    if late.removal.moved_to is not None:
        return _moved_message(late, created, what)
    secret = _copied_secret(late, created)
    if secret is not None:
        return secret
    emptied = created.cache.emptied_by_image if created.kind == "cache" and created.cache is not None else ""
    if emptied:
        return (f"`{late.removal.text}` saves nothing: {emptied}, so `{created.how}` (line "
                f"{created.span.start.line}) left none in its layer, and a later RUN cannot shrink an earlier "
                f"layer anyway; drop it")
    return (f"`{late.removal.text}` saves nothing: the earlier layer of `{created.how}` (line "
            f"{created.span.start.line}) keeps {what}; {_advice(late, created)}")


def _copied_secret(late: LateRemoval, created: Created) -> Optional[str]:
    """The message for a key or credential file copied from the context and deleted later: it is
    not a matter of size, anyone who has the image can read it from the COPY's layer."""
    source = created.source or ""
    if not created.how.startswith(("COPY", "ADD")) or "://" in source or source.startswith("<<") \
            or late.path is None:
        return None
    what = secret_file(late.path)
    if what is None:
        return None
    shown = what if what.startswith(("a ", "an ")) else f"the credentials in {what}"
    ssh = ", or `RUN --mount=type=ssh` to use the SSH agent's key" if what == "an SSH private key" else ""
    return (f"`{late.removal.text}` does not remove {shown}: the earlier layer of `{created.how}` (line "
            f"{created.span.start.line}) keeps {late.path}, readable by anyone who has the image; give it only to "
            f"the RUN that needs it, `RUN --mount=type=secret,id=ID,target={late.path}` (`docker build --secret "
            f"id=ID,src=FILE`){ssh}; rotate it if an image holding it was shared")


def _cache_what(late: LateRemoval, created: Created) -> str:
    """The cache, where the command put it: its usual place, or the one an option or ENV chose."""
    assert created.cache is not None
    what = created.cache.what
    kind, _, _ = what.rpartition(" in ")
    if not created.paths and created.step is not None:  # moved to a place only the build knows
        return relocation(created.step, created.cache).place(kind or what)
    if not kind or late.path is None or any("*" in path for path in created.paths):
        return what  # the usual place, for whichever user runs the command
    return f"{kind} in {late.path}"


def _moved_message(late: LateRemoval, created: Created, what: str) -> str:
    """``mv`` of something an earlier layer created: its bytes now ship twice."""
    removal = late.removal
    assert removal.word is not None and removal.moved_to is not None
    destination = removal.moved_to
    if created.how.startswith(("COPY", "ADD")) and "://" not in (created.source or ""):
        advice = f"{created.how.split()[0]} it to {destination} in the first place"
    elif created.kind in ("file", "tree"):
        advice = f"have `{created.how}` put it at {destination} in the first place"
    else:
        advice = "move it in the RUN that created it"
    return (f"`mv {removal.word.value} {destination}` copies {what} into a new layer, and the earlier layer "
            f"of `{created.how}` (line {created.span.start.line}) still keeps it: the image holds it twice; "
            f"{advice}")


def _packages_message(group: list[LateRemoval]) -> str:
    """One message for the packages one command removes, which earlier layers installed."""
    text = group[0].removal.text + "".join(f" {late.removal.word.value}" for late in group[1:])
    installs = {(late.created[0].how, late.created[0].span.start.line): None for late in group}
    hows = list(dict.fromkeys(how for how, _ in installs))
    lines = sorted({line for _, line in installs})
    names = [late.path for late in group]
    where = (f"the earlier layer of `{hows[0]}` (line {lines[0]})" if len(lines) == 1 else
             f"the earlier layers of {' and '.join(f'`{how}`' for how in hows)} "
             f"(lines {', '.join(map(str, lines))})")
    return (f"`{text}` saves nothing: {where} {'keeps' if len(lines) == 1 else 'keep'} the files of "
            f"package{'s' if len(names) > 1 else ''} {', '.join(names)}; install, use and remove "
            f"{'them' if len(names) > 1 else 'it'} in one RUN, or build in another stage and copy only the result")


def _workspace_message(group: list[LateRemoval]) -> str:
    """One message for the workspace files (``.git``, ``tests``...) one command deletes from one copy."""
    created = group[0].created[0]
    text = group[0].removal.text + "".join(f" {late.removal.word.value}" for late in group[1:])
    names = [f"`{late.inside}`" for late in group]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    message = (f"`{text}` saves nothing: the earlier layer of `{created.how}` (line {created.span.start.line}) "
               f"keeps what it copied from the build context; leave {listed} out of the context with .dockerignore, "
               f"or copy only what the image needs")
    secrets = [f"`{late.inside}`" for late in group if _workspace_secret(late.inside)]
    if secrets:
        held = secrets[0] if len(secrets) == 1 else f"{', '.join(secrets[:-1])} and {secrets[-1]}"
        message += (f"; {held} {'is' if len(secrets) == 1 else 'are'} still readable by anyone who has the image: "
                    f"rotate what {'it holds' if len(secrets) == 1 else 'they hold'} if an image was shared, and pass "
                    f"secrets at run time, or to the one RUN that needs them (`RUN --mount=type=secret`)")
    return message


def _workspace_secret(path: Optional[str]) -> bool:
    """A workspace file holding secrets: a key or credential file, or a dotenv file (not its template)."""
    if not path:
        return False
    name = posixpath.basename(path.rstrip("/"))
    if name == ".env" or name.startswith(".env.") and name.rsplit(".", 1)[-1] not in _ENV_TEMPLATES:
        return True
    return secret_file(path) is not None


def _advice(late: LateRemoval, created: Created) -> str:
    if created.kind == "cache":
        return "clean up in the RUN that fills the cache, or use a cache mount"
    if created.how == "git clone":
        return "clone, build and delete in one RUN"
    source = created.source or "..."
    if created.how.startswith("ADD") and is_git_source(source):  # a repository cannot be bind-mounted
        kept = git_dir_kept(created.node, source)
        if kept is not None and late.path is not None and late.path.endswith("/.git"):
            where = "`--keep-git-dir`" if kept == "flag" else "`keep-git-dir` from the URL"
            return (f"drop {where} (ADD then keeps no .git), or, when the build needs .git, build in another "
                    f"stage and copy only the result")
        return "build from it in another stage and copy only the result"
    if not created.how.startswith(("COPY", "ADD")) or "://" in source:
        return "download, use and delete it in one RUN"
    if source.startswith("<<"):  # a heredoc: there is nothing to bind-mount
        return "write it in the RUN that uses it (RUN takes heredocs too: `RUN cat > FILE <<EOF`)"
    origin = created.node.flag("from")
    mount = f"RUN --mount=type=bind,{f'from={origin.value},' if origin else ''}source={source},target={late.path}"
    if origin is None and created.how == "COPY" and _ARCHIVE.match(source):
        return f"read it through `{mount}` instead of copying it, or let ADD extract the archive"
    return f"read it through `{mount}` instead of copying it"
