"""DF003 package-cache: package-manager caches and indexes left in the layer that downloaded them."""

from __future__ import annotations

import json
from typing import Iterator, Optional

from dflint import ast
from dflint.diagnostic import Severity
from dflint.fix import Applicability, Fix
from dflint.model.layers import (ANY_HOME, YARN_UNKNOWN, Leftover, Step, append_edit, command_span, command_text,
                                 leftovers, program_text, relocation, run_steps, runs_as_root, shipping_stages, verb_words,
                                 yarn_berry_caches, yarn_line)
from dflint.model.package_config import insert_after
from dflint.rule import Finding, Rule, RuleContext
from dflint.shell.caches import PackageCache as CacheTable
from dflint.shell.caches import creates, refreshes
from dflint.shell.package_managers import index_refresh, reads_index, reread
from dflint.shell.scripts import exec_form_run
from dflint.shell.tools import Invocation


class PackageCache(Rule):
    r"""A package manager's cache or index, left in the layer that downloaded it, ships in the image.

    ## What it does
    Reports an install (or index refresh) whose cache stays in its layer:
    `apt-get update` without removing `/var/lib/apt/lists/*`; `apk add`
    without `--no-cache`; `yum`, `dnf`, `microdnf`, `tdnf` without
    `clean all` (an `rm` of the cache directory counts: for dnf
    `/var/cache/dnf` or dnf 5's `/var/cache/libdnf5`, never `/var/cache/yum`;
    for microdnf `/var/cache/yum`; for `yum`, yum 3 on EL7 and dnf on EL8
    and later, either, as only the base image's tag would tell which);
    `zypper` without `zypper clean --all`; `pacman -S` with
    `-y` without removing the sync databases (`/var/lib/pacman/sync/*`: no
    pacman command does), and with targets or `-u`, or `pacman -U` of a URL
    (any target holding `://`, `file://` too; not a local file), without
    emptying `/var/cache/pacman/pkg` (`yes | pacman -Scc`, `paccache -rk0`;
    as `pacman -Scc --noconfirm` answers no to its own question, it keeps
    them; `--dbpath` and `--root` move the databases, not the package
    cache, and `--sysroot` both, to places dflint does not follow: a run
    with them is not checked for what they move); `pip install` without
    `--no-cache-dir`; `uv` without `--no-cache`; `npm install`/`ci` without
    `npm cache clean --force`; `yarn` without `yarn cache clean` (not Yarn
    Berry's installs: under Plug'n'Play, Berry's default, the packages are
    loaded from the cache, and only `.yarnrc.yml` says which linker is used.
    Berry is told apart by `--immutable` and other options yarn 1 lacks, and
    by what the Dockerfile does before the install, in the RUN or the stage's
    lineage: `corepack prepare` or `use` of `yarn@` 2 or later or a tag
    such as `stable`, `yarn set version` (or `yarn policies set-version`)
    other than `classic` or 1.x, a COPY or ADD of `.yarnrc.yml` or of
    something in `.yarn/`, a command writing `.yarnrc.yml`, or a variable
    only Berry reads (`YARN_ENABLE_GLOBAL_CACHE`, `YARN_NODE_LINKER`,
    `YARN_ENABLE_IMMUTABLE_INSTALLS`, `YARN_NPM_REGISTRY_SERVER`... in
    `ENV`, `ARG`, `export` or an assignment; not `YARN_CACHE_FOLDER`, which
    yarn 1 reads too); `yarn set version classic` switches back. A `COPY .
    .` is not read: yarn 1 is assumed. `corepack enable` alone only
    installs the shims: package.json's `packageManager`, which the
    Dockerfile does not show, picks the version, else corepack's default
    for yarn, 1.x. There the install is reported, and the message says
    where each line keeps the cache: yarn 1 in
    `/usr/local/share/.cache/yarn` as root (`~/.cache/yarn` as another
    user), a directory no Berry uses, to delete in the same RUN; Yarn 4 in
    its global cache, on by default, `~/.yarn/berry/cache` (or under
    `$XDG_DATA_HOME` or `$YARN_GLOBAL_FOLDER`); Yarn 2 and 3 in the
    project's `.yarn/cache` (or `$YARN_CACHE_FOLDER`) with a copy in the
    global one. Plug'n'Play loads the packages from Berry's cache at run
    time, so the message says to delete it, or run `yarn cache clean`,
    only with the node-modules linker);
    `gem install`/`bundle install` without deleting the `.gem` files
    (where Bundler put them: below `BUNDLE_PATH`, a `bundle config` path, or
    `vendor/bundle` in deployment mode, else below `GEM_HOME` when the
    Dockerfile sets it; only a cache mount there counts; `gem install`
    ignores Bundler's settings and puts them below `GEM_HOME`);
    `poetry install` without `--no-cache`; `composer install` without
    `--no-cache` or `composer clear-cache`; `conda`, `mamba` and
    `micromamba` installs without `clean --all` (or `--tarballs`); `cpanm`
    without deleting `~/.cpanm`; `go
    build`/`install`/`test`/`run`/`vet` without `go clean -cache` (Go's build
    cache only: the module cache is what later `go` commands build from).

    Nothing is reported when the same RUN removes the cache after the
    install (a cleaning command, an `rm` of the cache directory, or a `find
    DIR -type f -delete` that selects everything in it, not in an
    `||` branch or another `if` branch), when the install avoids it (a flag,
    `PIP_NO_CACHE_DIR`/`UV_NO_CACHE` from `ENV`, `ARG`, `export` or an
    assignment before the command, or a cache directory set to `/dev/null`)
    or has nothing to cache (`pip install --no-index` from a wheelhouse),
    or when a `--mount=type=cache` or `type=tmpfs` covers the cache directory.
    `~` is the home of the user the RUN runs as, when the Dockerfile shows
    it: `HOME` when set (`ENV`, `ARG`, `export`), else root's for `USER
    root`, for a user the Dockerfile creates its own (`/home/NAME`, or the
    one `useradd -d` names), `/home/node` for the node image's `node`, any
    under `/home` for another named user: a cache mount on `/root/.cache/pip`
    does not cover the cache of `USER app`, and the message says where the
    cache is (`/home/app/.cache/pip`). Where the user is not known (no
    `USER`: the base image's; a variable; a numeric id; a system account
    such as `www-data`; a command run through `sudo`, `gosu`, `su -c`...;
    an `ONBUILD` trigger) a mount in root's home or any under `/home` counts.
    A cleaning command cleans the place its own options and variables name:
    after `npm ci --cache /tmp/npm`, `npm cache clean --force --cache
    /tmp/npm` or `rm -rf /tmp/npm` removes the cache, `npm cache clean
    --force` does not (the message says so); the same holds for pip's and
    uv's `--cache-dir`, yarn's `--cache-folder`, zypper's `--cache-dir`,
    pacman's `--cachedir`, `--setopt=cachedir=` of yum, dnf and tdnf (dnf 5,
    `dnf` from Fedora 41, ignores it as root: either place may hold the
    cache) and variables set for one command (`GOCACHE=/x go build`). Where the cache went is known only to the build
    (`--cache "$DIR"`), any cleaning command of the tool counts, and so does an `rm` of the
    same words (`rm -rf "$DIR"`, `rm -rf ${DIR}/*`). Commands are found inside
    continued lines, `if`/`||` branches, the scripts of `sh -c`, `su -c`
    and `eval`, heredoc scripts (`RUN <<EOF`, `bash <<EOF`), behind
    wrappers (`sudo`, `env`, `gosu`, `su-exec`, `runuser -u`...), and in
    `ONBUILD RUN` triggers (they run in the image built FROM this one).
    An exec-form RUN with no shell (`RUN ["pip", "install", "flask"]`)
    runs one command, which is read as in shell form; nothing can run
    after it, so where a cleanup would be the advice the message suggests a
    cache mount, or shell form.
    Commands run under `chroot NEWROOT` write below NEWROOT, a place the
    rule cannot name: they are not read for caches or clean-ups.
    PowerShell and `cmd` RUNs are not read.

    Only stages whose layers can reach an image are checked: the last stage,
    any stage no other stage uses (it can only be built as a `--target`), and
    the stages they are built `FROM`. A builder stage that other stages only
    `COPY --from` never reaches an image, whatever it leaves behind.

    Differences from hadolint (DL3009, DL3019, DL3032, DL3036, DL3040,
    DL3042, DL3060, which this rule covers finding by finding): hadolint also
    reports builder stages; it does not accept `rm -rf /var/cache/apk/*`,
    `pip cache purge` or `yarn cache clean`-style removals for apk, pip and
    yarn, nor a cache mount on a parent directory (`/root/.cache`); it
    ignores `PIP_NO_CACHE_DIR=0`, which pip reads as "no cache" too. On the
    other hand dflint reports `zypper clean` without `--all` (it keeps the
    metadata), `apk update`, bare `yarn`, and checks pacman, uv, npm, tdnf,
    gems, Poetry, Composer, conda, cpanm and Go's build cache, which hadolint
    does not. `apt-get clean` and `apk cache clean` are not
    cleanups of the lists and of the apk index: the message says so.

    ## Why is this bad?
    A layer is frozen when its RUN ends: files deleted later are hidden, not
    removed. Package indexes and download caches are tens to hundreds of
    megabytes that nothing in the running container needs; they slow every
    pull and push. The apt lists also go stale: a later
    `apt-get install` without `apt-get update` installs old versions.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update \
        && apt-get install -y --no-install-recommends libpq5
    RUN pip install -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update \
        && apt-get install -y --no-install-recommends libpq5 \
        && rm -rf /var/lib/apt/lists/*
    RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
    ```

    ## Fix safety
    Adding `--no-cache` to `apk add` or `uv`, or `--no-cache-dir` to `pip`,
    is safe: the same packages are installed, only the cache is not written
    (in an exec-form RUN the flag is written as a string of its own,
    `"--no-cache-dir"`).
    When an option moved the cache (`pip install --cache-dir /x`), the flag
    replaces it (pip obeys the last of the two), which is safe too.
    Appending a cleanup (`&& rm -rf /var/lib/apt/lists/*`,
    `&& yum clean all`...) after the last command of the RUN is unsafe: it
    keeps the RUN's exit status, but later RUNs, or images built `FROM` this
    one, may rely on the lists (`apt-get install` without `apt-get update`
    then fails). It is offered only when the last command is at the top level
    of the RUN's only script and the RUN itself uses what it downloaded, and
    not when a later RUN of the file (in the stage or one built `FROM` it)
    installs from the same index without refreshing it first (`apt-get
    install` with no `apt-get update` before it; `pacman -S` without `-y`,
    or `pacman -U`, which resolves dependencies from the sync databases; a
    later `pacman -Sy` or `-Syu` refreshes them itself): the message then
    names that RUN instead of advising to delete the lists or databases. A cache moved
    for the command alone gets a cleanup with the same option or variable
    (`&& npm cache clean --force --cache /x`, `&& GOCACHE=/x go clean
    -cache`); when that option or variable holds a command substitution
    (`--cache "$(mktemp -d)"`), or a variable is set for a `sudo` command,
    the cleanup would clean another place and there is no fix: the message
    says to delete the cache where it is. A command that looks like the
    cleanup and becomes it with words added (`zypper clean`, `yum clean`)
    is extended instead (`zypper clean --all`), unsafe for the same reason.
    After `corepack enable` alone (yarn 1 or Berry), the fix appends `&& rm
    -rf /usr/local/share/.cache/yarn`, which deletes nothing any Berry
    needs, only when the RUN surely runs as root (`USER root`, or no USER
    on an official image that runs as root such as `node`; not in an
    ONBUILD trigger nor through `su`/`sudo`) and nothing moved yarn 1's
    cache (`YARN_CACHE_FOLDER`, which Yarn 2 and 3 read too, has no fix),
    unsafe like the other cleanups. Berry's cache is never deleted by the
    fix: under Plug'n'Play the application loads its packages from it.
    Removing `apk update &&` before `apk add` (which gets `--no-cache` and
    reads a fresh index itself) is unsafe too, and offered only when it runs
    at the top level, every later command of the RUN reading the index is
    one that gets `--no-cache`, and no later RUN reads the index it leaves.
    Otherwise there is no fix.
    """

    code = "DF003"
    name = "package-cache"
    summary = "Package manager cache or index left in the layer that downloaded it"
    severity = Severity.INFO
    partial_aliases = ("DL3009", "DL3019", "DL3032", "DL3036", "DL3040", "DL3042", "DL3060")
    fixable = True

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        later = _LaterReads(ctx)
        for stage in shipping_stages(ctx.model):
            for node in stage.instructions:
                trigger = node.effective
                if not isinstance(trigger, ast.RunInstruction):
                    continue
                reported = set()
                for left in leftovers(ctx.analysis, node):
                    cache = left.cache
                    if not cache.report or (cache.fix_flag is None and cache.key in reported):
                        continue  # one cleanup per RUN is enough
                    reported.add(cache.key)
                    if cache.key == "yarn" and yarn_line(ctx.analysis, node, left.step) == YARN_UNKNOWN:
                        yield ctx.finding(command_span(left.step, cache), _yarn_message(ctx, left),
                                          _yarn_fix(ctx, left), alias=cache.hadolint)
                        continue
                    yield ctx.finding(command_span(left.step, left.cache), _message(left, later), _fix(ctx, left, later),
                                      alias=cache.hadolint)


#: Where yarn 1 keeps its cache as root, whatever HOME is (as another user: ~/.cache/yarn). Yarn Berry never uses it.
_YARN_CLASSIC_ROOT_CACHE = "/usr/local/share/.cache/yarn"


def _yarn_message(ctx: RuleContext, left: Leftover) -> str:
    """After `corepack enable` alone the version is package.json's `packageManager`, else corepack's
    default, yarn 1: where each line keeps the cache, a cleanup for yarn 1's own directory (which
    Berry never uses), and Berry's cache deleted only with the node-modules linker (Plug'n'Play, its
    default, loads the packages from it; only .yarnrc.yml says which linker)."""
    written = command_text(left.step.invocation, left.cache)
    root = runs_as_root(ctx.analysis, left.node, left.step)
    moved = _moved(left)
    if moved:
        classic = f"keeps it in {' and '.join(moved)}: delete it in the same RUN"
    else:
        end = "write the RUN in shell form ending with" if exec_form_run(left.node) is not None else "end the RUN with"
        if root:
            classic = (f"keeps it in {_YARN_CLASSIC_ROOT_CACHE}: {end} `&& rm -rf {_YARN_CLASSIC_ROOT_CACHE}`, "
                       f"a directory Yarn Berry does not use")
        else:
            classic = (f"keeps it in {_YARN_CLASSIC_ROOT_CACHE} as root, ~/.cache/yarn as another user: {end} "
                       f"`&& rm -rf {_YARN_CLASSIC_ROOT_CACHE}` as root, `~/.cache/yarn` as another user, "
                       f"directories Yarn Berry does not use")
    global_cache, local = yarn_berry_caches(ctx.analysis, left.node, left.step, root)
    return (f"`{written}` leaves the package cache of yarn in this layer: yarn 1, which `corepack enable` runs "
            f"unless package.json's `packageManager` names another version, {classic}; Yarn 4 keeps it in "
            f"{global_cache}, Yarn 2 and 3 in {local} with a copy in {global_cache}, and Plug'n'Play, "
            f"Berry's default linker, loads the packages from that cache at run time: delete Berry's cache "
            f"(or run `yarn cache clean`) only with the node-modules linker")


def _yarn_fix(ctx: RuleContext, left: Leftover) -> Optional[Fix]:
    """`&& rm -rf /usr/local/share/.cache/yarn` where the RUN surely runs as root (USER root, or no USER
    on an official image that runs as root) and nothing moved the cache: safe under every yarn line
    (Berry never uses that directory); Berry's own cache is left, Plug'n'Play may load from it."""
    if _moved(left) or exec_form_run(left.node) is not None or "sudo" in left.step.invocation.via \
            or not runs_as_root(ctx.analysis, left.node, left.step):
        return None
    cleanup = f"rm -rf {_YARN_CLASSIC_ROOT_CACHE}"
    edit = append_edit(ctx.analysis, left.node, cleanup)
    if edit is None:
        return None
    point, text = edit
    return ctx.fix(f"Append `&& {cleanup}`", ctx.edit(point, point, text), applicability=Applicability.UNSAFE)


def _advice(left: Leftover, later: _LaterReads) -> str:
    cache, invocation = left.cache, left.step.invocation
    refresh = refreshes(invocation)
    if refresh and cache.fix_flag:
        return cache.hint
    if refresh and not left.consumed:
        return "nothing in this RUN uses it: download, install and clean up in one RUN"
    reader = _later_reader(left, later)
    if reader is not None:
        return reader
    relocated = relocation(left.step, cache)
    if cache.fix_flag:
        if relocated.options:
            return f"replace `{_written(left, relocated.option_words)}` with `{_flag(left)}`"
        return f"add `{cache.fix_flag}`"
    cleanup = _cleanup(left)
    extension = _extension(left, cleanup)
    if extension is not None:
        return f"add `{extension[1].strip()}` to `{extension[0]}`"
    if cleanup and exec_form_run(left.node) is not None:  # no shell to run a second command
        return f"mount a cache there (`--mount=type=cache`), or write the RUN in shell form ending with `&& {cleanup}`"
    if cleanup:
        return f"end the RUN with `&& {cleanup}`"
    moved = _moved(left)
    if cache.key == "gem" and moved:  # where Bundler really put them (deployment mode, a configured path)
        return f"delete them in the same RUN: `rm -rf {' '.join(moved)}`"
    if cache.fix_cleanup and moved:  # its cleaning command cannot be pointed there
        return f"delete it in the same RUN: `rm -rf {' '.join(moved)}`"
    if cache.fix_cleanup and not relocated.repeatable:
        return "delete it there in the same RUN"
    if cache.key == "gem" and invocation.program == "gem":  # Bundler's BUNDLE_PATH is not gem's
        return 'delete them in the same RUN: `rm -rf "$(gem env gemdir)"/cache`'
    return cache.hint


def _written(left: Leftover, words: tuple) -> str:
    """``words`` as the RUN writes them: shell words, or the strings of an exec-form RUN's array."""
    return (", " if exec_form_run(left.node) is not None else " ").join(word.raw for word in words)


def _flag(left: Leftover) -> str:
    """The cache's flag as the RUN would write it (a JSON string in an exec-form RUN)."""
    flag = left.cache.fix_flag
    assert flag is not None
    return json.dumps(flag) if exec_form_run(left.node) is not None else flag


def _cleanup(left: Leftover) -> Optional[str]:
    """The command that removes the cache, as the RUN would write it."""
    invocation = left.step.invocation
    moved = _moved(left)
    relocated = relocation(left.step, left.cache)
    if not relocated.repeatable or relocated.assignments and "sudo" in invocation.via:
        return None  # it would name another place (`$(mktemp -d)`), or sudo would drop the variable
    path = moved[0] if len(moved) == 1 else None
    cleanup = left.cache.cleanup(program_text(invocation), path, relocated.assignments, relocated.options)
    if cleanup is not None and "sudo" in invocation.via:
        cleanup = "sudo " + cleanup  # the RUN's user cannot write there
    return cleanup


def _moved(left: Leftover) -> list[str]:
    """Where an option or variable moved the cache, or the one place it is known to be; empty when
    it is (also) in its default place, or may be in several."""
    if len(left.locations) == 1:
        return list(left.locations)
    defaults = _defaults(left.cache, left.homes)
    moved = [location for location in left.locations if location not in defaults]
    return moved if len(moved) == len(left.locations) else []


def _defaults(cache: CacheTable, homes: tuple[str, ...] = ANY_HOME) -> set[str]:
    """Where the cache is when nothing moved it, ``~`` in ``homes`` (by default root's and any user's)."""
    return {path if not path.startswith("~/") else home + path[2:] for path in cache.paths for home in homes}


def _what(left: Leftover) -> str:
    """What is left, with where the command really put it when an option or variable moved it, and
    ``~`` written out when it is the home of a known user other than root (/home/app/.cache/pip)."""
    cache = left.cache
    defaults = _defaults(cache, left.homes)
    homes = {place for place in defaults if place not in cache.paths}  # its `~/` places, written out in `what`
    moved = [place for place in _moved(left) if place not in homes]
    kind = cache.what.rsplit(" in ", 1)[0]
    if not left.locations:  # moved to a place only the build knows (`--cache "$DIR"`)
        return relocation(left.step, cache).place(kind)
    if not moved:  # not moved, or moved and perhaps still written in the default place (dnf 5 and --setopt)
        what = cache.what
        if left.homes not in (ANY_HOME, ("/root/",)) and "*" not in left.homes[0]:
            what = what.replace("~/", left.homes[0])
        elsewhere = [place for place in left.locations if place not in defaults]
        return f"{what} (or {' and '.join(elsewhere)})" if elsewhere else what
    return f"{kind} in {' and '.join(moved)}"


def _message(left: Leftover, later: _LaterReads) -> str:
    written = command_text(left.step.invocation, left.cache)
    note = f" ({left.near_miss})" if left.near_miss else ""
    return f"`{written}` leaves {_what(left)} in this layer{note}: {_advice(left, later)}"


class _LaterReads:
    """For each RUN, the package families whose index a later RUN of the file reads before refreshing
    it (`apt-get install` with no `apt-get update` before it, `pacman -S` with no `-y`): deleting that
    index breaks the build. Each family maps to the first such reader (its step and RUN). Found on first
    use, in one backward pass over the lineage of each stage no other stage is built FROM (every RUN's
    later RUNs are in one of those)."""

    def __init__(self, ctx: RuleContext) -> None:
        self._ctx = ctx
        self._found: Optional[dict[int, dict[str, tuple[Step, ast.Instruction]]]] = None

    def families(self, node: ast.Instruction) -> dict[str, tuple[Step, ast.Instruction]]:
        if self._found is None:
            self._found = self._compute()
        return self._found.get(id(node), {})

    def _compute(self) -> dict[int, dict[str, tuple[Step, ast.Instruction]]]:
        model, analysis = self._ctx.model, self._ctx.analysis
        parents = {stage.parent for stage in model.stages if stage.parent is not None}
        found: dict[int, dict[str, tuple[Step, ast.Instruction]]] = {}
        for stage in model.stages:
            if stage.index in parents:
                continue
            # family -> the first later RUN's step reading it before any refresh (None: refreshed first),
            # in the RUNs seen so far (the later ones)
            reading: dict[str, Optional[tuple[Step, ast.Instruction]]] = {}
            for member in reversed(model.lineage(stage)):
                for node in reversed(member.instructions):
                    if not isinstance(node, ast.RunInstruction):
                        continue
                    known = found.setdefault(id(node), {})
                    for family, reader in reading.items():
                        if reader is not None:
                            known.setdefault(family, reader)
                    for step in reversed(run_steps(analysis, node)):
                        invocation = reread(step.invocation)
                        for family in _INDEX_FAMILIES:  # it reads the index after refreshing it, if it does
                            if _reads(invocation, family):
                                reading[family] = (step, node)
                        refreshed = _refreshed(invocation)
                        if refreshed is not None:
                            reading[refreshed] = None
        return found


_INDEX_FAMILIES = ("apt", "apk", "rpm", "zypper", "pacman")
#: How each family refreshes its index, for a RUN that reads it without refreshing it.
_REFRESH = {"apt": "`apt-get update`",
            "pacman": "`pacman -Syu`: a refresh without `-u` is a partial upgrade, see DF213"}


def _refreshed(invocation: Optional[Invocation]) -> Optional[str]:
    """The family whose index the command downloads (:func:`index_refresh`), also when it installs or
    upgrades after that (`pacman -Syu git`: pacman refreshes the sync databases first)."""
    family = index_refresh(invocation)
    if family is None and invocation is not None and invocation.program == "pacman" \
            and invocation.has("-S", "--sync") and invocation.has("-y", "--refresh"):
        return "pacman"
    return family


def _reads(invocation: Optional[Invocation], family: str) -> bool:
    """The command reads the index of ``family`` (:func:`reads_index`); `pacman -U` too, which
    resolves the dependencies of the packages it installs from the sync databases."""
    if family == "pacman" and invocation is not None and invocation.program == "pacman" \
            and invocation.has("-U", "--upgrade"):
        return True
    return reads_index(invocation, family)


def _index_family(left: Leftover) -> Optional[str]:
    """The family whose index ``left`` is, which later commands may read without downloading it again."""
    return left.cache.index or index_refresh(reread(left.step.invocation))


def _later_reader(left: Leftover, later: _LaterReads) -> Optional[str]:
    """When a later RUN reads the index ``left`` is without refreshing it (deleting it breaks that RUN),
    what to say instead of deleting it; None otherwise."""
    family = left.cache.index
    reader = later.families(left.node).get(family) if family is not None else None
    if reader is None:
        return None
    step, node = reader
    written = command_text(step.invocation) if step.invocation is not None else "a command"
    return (f"`{written}` on line {node.span.start.line} reads them without refreshing them, so deleting them "
            f"here would break it: refresh them in that RUN too ({_REFRESH[family]}) and delete them at the end "
            f"of both RUNs, or install in one RUN")


def _fix(ctx: RuleContext, left: Leftover, later: _LaterReads) -> Optional[Fix]:
    cache, invocation = left.cache, left.step.invocation
    words = verb_words(invocation, cache)
    if refreshes(invocation) and cache.fix_flag and left.consumed:
        return _drop_refresh(ctx, left, later)
    if refreshes(invocation) and (cache.fix_flag or not left.consumed):
        return None
    relocated = relocation(left.step, cache)
    option = relocated.option
    if cache.fix_flag and option is not None:  # pip obeys the last of `--cache-dir` and `--no-cache-dir`
        start, end = option.word.span.start.offset, option.value_word.span.end.offset
        return ctx.fix(f"Replace `{_written(left, relocated.option_words)}` with `{_flag(left)}`",
                       ctx.edit(start, end, _flag(left)))
    if cache.fix_flag and words:
        point, text = insert_after(ctx.analysis, left.node, words[-1], cache.fix_flag)
        return ctx.fix(f"Add `{cache.fix_flag}`", ctx.edit(point, point, text))
    family = _index_family(left)
    if family is not None and family in later.families(left.node):
        return None  # a later RUN installs from this index without refreshing it: deleting it breaks that RUN
    cleanup = _cleanup(left)
    extension = _extension(left, cleanup)
    if extension is not None:  # `zypper clean` -> `zypper clean --all`
        written, suffix, point = extension
        return ctx.fix(f"Add `{suffix.strip()}` to `{written}`", ctx.edit(point, point, suffix),
                       applicability=Applicability.UNSAFE)
    edit = append_edit(ctx.analysis, left.node, cleanup) if cleanup else None
    if edit is None:
        return None
    point, text = edit
    return ctx.fix(f"Append `&& {cleanup}`", ctx.edit(point, point, text), applicability=Applicability.UNSAFE)


def _extension(left: Leftover, cleanup: Optional[str]) -> Optional[tuple[str, str, int]]:
    """When the command that looks like the cleanup (``zypper clean``) becomes it with words added
    at its end (``zypper clean --all``): that command as written, the words to add and where."""
    step = left.near_miss_step
    if cleanup is None or step is None or step.invocation is None or not step.command.argv \
            or exec_form_run(left.node) is not None:
        return None
    written = " ".join(word.raw for word in step.command.argv)
    if not cleanup.startswith(written + " "):
        return None
    return written, cleanup[len(written):], step.command.argv[-1].span.end.offset


def _drop_refresh(ctx: RuleContext, left: Leftover, later: _LaterReads) -> Optional[Fix]:
    """Delete an index refresh whose index the RUN's installs no longer need (``apk update &&``
    before ``apk add``, which gets ``--no-cache`` and reads a fresh index itself), when it runs at
    the top level, is followed by ``&&`` and no later RUN reads the index it would leave."""
    family = _index_family(left)
    if family is None or family in later.families(left.node) or exec_form_run(left.node) is not None:
        return None
    step = left.step
    command = step.command
    steps = run_steps(ctx.analysis, left.node)
    following = steps[step.index + 1] if step.index + 1 < len(steps) else None
    if step.contexts or command.contexts or command.next_operator != "&&" or command.pipeline_length != 1 \
            or command.redirects or following is None or following.script is not step.script:
        return None
    for later_step in steps[step.index + 1:]:  # each reader fetches a fresh index itself (`apk add`, fixed)
        invocation = reread(later_step.invocation)
        if reads_index(invocation, family) and not (invocation is not None and creates(left.cache, invocation)):
            return None  # `apk search` reads the index the refresh downloaded
    written = command_text(step.invocation, left.cache)
    return ctx.fix(f"Remove `{written} &&`",
                   ctx.edit(command.span.start.offset, following.command.span.start.offset, ""),
                   applicability=Applicability.UNSAFE)
