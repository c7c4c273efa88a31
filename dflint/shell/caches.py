"""What package managers leave in a layer: caches and indexes, and how to avoid or remove them.

One :class:`PackageCache` per kind of leftover, in :data:`CACHES`. Each says
which invocations fill it (``creates``), which keep it out of the layer
(``avoid_options``, ``avoid_env``), which remove it (``cleans``, and any ``rm``
of one of its ``paths``), and which hadolint rule asks for the same thing.
The functions here only read one command (:class:`~.tools.Invocation`); what
the Dockerfile adds (ENV, mounts, WORKDIR, layers) is :mod:`dflint.model.layers`.
Which commands only refresh an index is :func:`~.package_managers.index_refresh`'s
knowledge (:func:`refreshes`).

Decisions, with the reason beside each entry:

* ``apt-get clean`` empties ``/var/cache/apt``, not the package lists in
  ``/var/lib/apt/lists`` that ``update`` downloads; only an ``rm`` of the lists
  (or apt >= 2.7.8's ``distclean``) removes them.
* ``apk cache clean`` manages the optional package cache (``/etc/apk/cache``):
  without one it fails with "Package cache is not enabled" and it never
  removes the index files in ``/var/cache/apk``. It does not count.
* ``zypper clean`` without ``--all`` cleans only downloaded packages, which
  zypper does not keep by default; the repository metadata stays.
* A cleaning command cleans the place its own options and variables name
  (``npm cache clean --force`` cleans ``~/.npm``, not the cache ``npm ci
  --cache /x`` wrote): a cleanup for a cache moved for one command repeats
  the option or variable (:meth:`PackageCache.cleanup`), and
  :mod:`dflint.model.layers` compares the places. pip obeys the last of
  ``--cache-dir`` and ``--no-cache-dir``, so the flag replaces the option.
  ``--setopt=cachedir=`` moves the cache of yum, dnf 4 and tdnf; dnf 5 reads
  ``system_cachedir`` as root (``options_move=False``: either place), and
  cleans where it installs, so a cleanup repeating the option fits both.
* ``PIP_NO_CACHE_DIR`` disables pip's cache with *any* value pip accepts as a
  boolean, ``0`` and ``false`` included (pip's documented compatibility
  behaviour); ``UV_NO_CACHE`` is a real boolean.
* ``gem install --no-document`` skips documentation; the downloaded ``.gem``
  files still land in ``$GEM_HOME/cache`` (and bundler's in
  ``$BUNDLE_PATH/ruby/*/cache``).
* Debian and Ubuntu images remove ``/var/cache/apt/archives/*.deb`` after each
  install (``/etc/apt/apt.conf.d/docker-clean``), and pnpm hard-links its store
  into ``node_modules`` (same layer, same data): neither is reported as a
  leftover (``report=False``), but deleting them in a later layer still saves
  nothing.
* pacman's operation is an option (``-S``, written in ``-Syu``: the
  subcommand, see :mod:`.tools`), and what it fills depends on the others:
  ``-y`` downloads the sync databases (``/var/lib/pacman/sync``, the apt lists'
  counterpart), targets or ``-u`` download packages (``/var/cache/pacman/pkg``;
  the archlinux image has no hook deleting them). ``pacman -Scc`` asks "remove
  ALL files from cache? [y/N]": ``--noconfirm`` takes the default, no, and so
  does a build's closed standard input; only an answer on its standard input
  (``yes | pacman -Scc``) empties the cache. ``-Sc`` keeps the packages that
  are installed, and neither removes the databases of configured repositories:
  only an ``rm`` does (the archlinux image ships without them). ``pacman -U``
  fetches every target holding ``://`` (``http``, ``https``, ``ftp``, and
  ``file``, which curl copies) into the package cache before installing it,
  as ``-S`` does; a local path is installed from where it is (pacman's
  ``upgrade.c``, ``alpm_fetch_pkgurl``). ``--dbpath`` moves the databases
  (to its ``sync/``), and so does ``--root`` (to ``ROOT/var/lib/pacman``) but
  not the package cache; ``--sysroot`` moves both: those are not read, as the
  table cannot name a place below an option's value.
* Build tools' dependency stores (Maven's ~/.m2/repository, Gradle's
  ~/.gradle, sbt's Ivy and Coursier caches, Cargo's registry, Go's module
  cache, NuGet's packages, Bun's, Stack's and Conan's caches) are
  ``report=False``: later builds in the stage resolve from them, and the
  stages that fill them are mostly builders. They are tracked so that
  deleting one in a later layer (``RUN rm -rf /root/.m2``) is known to save
  nothing.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Callable, Optional

from .package_managers import index_refresh, reread
from .options import Option
from .tools import Invocation, program_name

__all__ = ["PackageCache", "Clean", "CACHES", "location_option", "program_key", "verb", "cache_for_program", "creates", "avoids",
           "cleans", "near_miss", "consumes", "refreshes", "root_match", "PIP_BOOLEANS", "TRUE_VALUES",
           "YARN_BERRY_OPTIONS", "yarn_berry", "YARN_BERRY_FILES", "YARN_BERRY_ENV"]

#: Values pip's strtobool accepts; any of them in PIP_NO_CACHE_DIR disables the cache.
PIP_BOOLEANS = frozenset("y yes t true on 1 n no f false off 0".split())
#: Values clap's BoolishValueParser reads as true (UV_NO_CACHE).
TRUE_VALUES = frozenset("y yes t true on 1".split())
#: `yarn install` options only Yarn Berry (2+) has.
YARN_BERRY_OPTIONS = ("--immutable", "--immutable-cache", "--check-cache", "--refresh-lockfile", "--inline-builds",
                      "--mode")
#: Names only a Yarn Berry project has: its settings (yarn 1 too obeys their `yarnPath`) and its directory
#: (releases, plugins, cache). A COPY of one, or a command writing .yarnrc.yml, means Berry may run.
YARN_BERRY_FILES = (".yarnrc.yml", ".yarn")
#: Variables only Yarn Berry reads (its settings, `YARN_` and the setting's name in capitals); yarn 1
#: reads `YARN_*` variables as settings too, so the names of settings both have are not here
#: (YARN_CACHE_FOLDER, YARN_GLOBAL_FOLDER, YARN_REGISTRY...).
YARN_BERRY_ENV = frozenset({"YARN_ENABLE_GLOBAL_CACHE", "YARN_NODE_LINKER", "YARN_ENABLE_IMMUTABLE_INSTALLS",
                            "YARN_NPM_REGISTRY_SERVER", "YARN_NPM_AUTH_TOKEN", "YARN_ENABLE_TELEMETRY",
                            "YARN_ENABLE_MIRROR", "YARN_PNP_MODE", "YARN_NM_MODE"})
#: Versions and tags naming yarn 1 (`yarn set version classic`, `corepack prepare yarn@1.22.22`).
_YARN_CLASSIC = re.compile(r"v?1(?:[.\-+^~*x].*)?|classic|[\^~]1.*", re.I)


@dataclass(frozen=True)
class Clean:
    """A command that removes the cache: the verb and its first operands (``clean all``),
    and, when given, options of which one must be present (``zypper clean --all``;
    ``NAME=VALUE`` with that value: ``paccache -rk0``), ``times`` times in all
    (``pacman -Scc``: ``-c`` twice). ``unless``: options that make it keep the
    cache. ``answered``: it asks first and its default answer is no, so it
    cleans only when a pipe or a here-document feeds its standard input
    (``yes | pacman -Scc``).

    As a near miss (:attr:`PackageCache.near_misses`), the command that looks
    like the cleanup."""

    words: tuple[str, ...]
    options: tuple[str, ...] = ()
    times: int = 1
    unless: tuple[str, ...] = ()
    answered: bool = False


@dataclass(frozen=True)
class PackageCache:
    """One kind of package-manager leftover.

    ``programs`` are :attr:`Invocation.program` values (``uv-pip`` is pip run
    as ``uv pip``); ``creates`` holds verbs, or a verb and its first operand
    (``tool install``); ``creates_bare``: the tool alone fills it (``yarn``),
    ``creates_with_operands``: any run naming something to install does
    (``cpanm Module``, ``cpanm --installdeps .``); ``creates_options``: the
    verb fills it only with one of these options (``pacman -Sy``), or, with
    ``creates_with_operands``, when it names something (``pacman -S git``,
    ``pacman -Su``); ``creates_with_urls``: these verbs fill it only when an
    operand is a URL (``pacman -U https://...``). ``cache_is_install`` options mark a tool whose cache
    may be what it installed (Yarn Berry's Plug'n'Play loads packages from
    it): such an invocation is not reported, like an avoided one, and so is one with an
    ``elsewhere_options`` option, which moves the cache to a place the table cannot name
    (below ``pacman --root``'s value). ``paths`` are where it lives by default: absolute, ``~/`` for the
    invoking user's home, globs allowed. ``location_options`` move it (the
    option's value is the cache, or holds it at ``location_below``; ``NAME=KEY=``: the
    option ``NAME`` given ``KEY=`` and the place, ``--setopt=cachedir=/x``; when not
    ``options_move``, the cache may still be in its default place too); ``roots`` map a variable (or a command
    substitution) naming a directory to where the cache is below it: a known
    value moves the cache there (adds a place, when not ``roots_move``), and
    ``rm -rf "$GEM_HOME/cache"`` is read without knowing ``$GEM_HOME``.
    ``consumers`` read what ``creates`` fetched (removing an index before them
    breaks them). ``near_misses`` are commands people take for a cleanup that
    is not one (each a :class:`Clean`, tried in order), with the reason.
    ``fix_flag`` is inserted after the verb (or replaces a location option);
    ``fix_cleanup`` is a command to append (``{program}`` is the tool as
    written, ``{path}`` the one place the cache is in; without ``{path}`` it
    cleans the place its own options and variables name, so a cache moved for
    one command gets the same ones, at ``{options}`` or at the end); ``hint``
    says what to do when there is neither. ``index`` names the package family (``apt``, ``pacman``)
    when the cache is its package index, which later commands of the family read without downloading
    it again (``apt-get install`` without ``update``, ``pacman -S`` without ``-y``): deleting it
    breaks a later RUN that does not refresh it. ``emptied_by_image`` says how the usual base images
    already delete what the command downloads (``report=False``: there is nothing to report, and
    deleting it later saves nothing for that reason first).
    """

    key: str
    what: str
    programs: frozenset[str]
    creates: frozenset[str]
    paths: tuple[str, ...]
    creates_bare: bool = False
    creates_with_operands: bool = False
    creates_options: tuple[str, ...] = ()
    creates_with_urls: frozenset[str] = frozenset()
    avoid_options: tuple[str, ...] = ()
    cache_is_install: tuple[str, ...] = ()
    elsewhere_options: tuple[str, ...] = ()
    avoid_env: tuple[str, ...] = ()
    avoid_values: frozenset[str] = TRUE_VALUES
    location_options: tuple[str, ...] = ()
    location_below: str = ""
    options_move: bool = True
    roots: tuple[tuple[str, str], ...] = ()
    roots_move: bool = True
    cleans: tuple[Clean, ...] = ()
    consumers: frozenset[str] = frozenset()
    near_misses: tuple[tuple[Clean, str], ...] = ()
    hadolint: Optional[str] = None
    fix_flag: Optional[str] = None
    fix_cleanup: Optional[str] = None
    hint: str = ""
    report: bool = True
    index: Optional[str] = None
    emptied_by_image: str = ""

    def avoided_by_option(self, invocation: Invocation) -> bool:
        options = self.avoid_options + self.cache_is_install + self.elsewhere_options
        return invocation.has(*options) if options else False

    def avoided_by_value(self, value: Optional[str]) -> bool:
        """Whether an ``avoid_env`` variable set to ``value`` keeps the cache out (None: unknown, assumed set)."""
        return value is None or value.strip().lower() in self.avoid_values

    def cleanup(self, program: str, path: Optional[str] = None, assignments: tuple[str, ...] = (),
                options: tuple[str, ...] = ()) -> Optional[str]:
        """``fix_cleanup`` for ``program`` as written and the cache in ``path`` (None: unknown, or in
        several places; then a cleanup naming the place is None). A cleaning command cleans where its
        own ``assignments`` (``GOCACHE=/x``) and ``options`` (``--cache /x``) say: those that moved
        the cache for the install, as written, so that it cleans the place the install wrote."""
        template = self.fix_cleanup
        if not template or path is None and "{path}" in template:
            return None
        if "{path}" in template:  # names the place itself
            return template.format(program=program, path=shlex.quote(path or ""))
        written = " ".join(options)
        if written and "{options}" not in template:
            template += " {options}"
        elif written:
            written += " "  # the options go before the verb (`zypper --cache-dir /x clean --all`)
        command = template.format(program=program, options=written)
        return " ".join((*assignments, command))


def location_option(cache: PackageCache, invocation: Invocation) -> Optional[tuple[Option, str]]:
    """The last option moving ``cache`` given to ``invocation``, with what its value holds before
    the place (``cachedir=`` of ``--setopt=cachedir=/x``; empty for ``--cache-dir /x``)."""
    found = None
    for option in invocation.options:
        for wanted in cache.location_options:
            name, _, prefix = wanted.partition("=")
            if option.name == name and option.value_word is not None and (option.value or "").startswith(prefix):
                found = (option, prefix)
    return found


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_RPM_CREATES = _set("install in update up upgrade groupinstall reinstall rei downgrade makecache distro-sync "
                    "upgrade-minimal up-min update-minimal swap")
_RPM_NEAR = ((Clean(("clean",)), "only `clean all` removes both metadata and packages"),)
#: Moves the cache of yum, dnf 4 and tdnf; dnf 5 (`dnf` from Fedora 41) reads `system_cachedir` as root and
#: keeps its default place, but cleans where it installs: a cleanup repeating the option is right for both.
_RPM_CACHEDIR = ("--setopt=cachedir=",)
#: Commands that read the metadata `makecache` downloads.
_RPM_CONSUMERS = _RPM_CREATES - {"makecache"}
_APT_CONSUMERS = _set("install upgrade dist-upgrade full-upgrade reinstall build-dep source download satisfy")
#: `pacman -S` options that search, list, print or clean: nothing is downloaded.
_PACMAN_QUERIES = ("-s", "--search", "-i", "--info", "-l", "--list", "-g", "--groups", "-p", "--print",
                   "--print-format", "-c", "--clean")
_PACMAN_CLEAN = Clean(("-S",), ("-c", "--clean"))
#: pacman options moving the sync databases: --dbpath (DBPATH/sync), --root (ROOT/var/lib/pacman/sync
#: unless --dbpath), --sysroot (a chroot: every path below it).
_PACMAN_DB_MOVES = ("-b", "--dbpath", "-r", "--root", "--sysroot")

CACHES: tuple[PackageCache, ...] = (
    PackageCache(
        key="apt-lists", what="the package lists in /var/lib/apt/lists",
        programs=_set("apt-get apt aptitude"), creates=_set("update"),
        paths=("/var/lib/apt/lists",),
        cleans=(Clean(("distclean",)), Clean(("dist-clean",))),
        consumers=_APT_CONSUMERS,
        near_misses=((Clean(("clean",)), "`apt-get clean` empties /var/cache/apt, not the lists"),
                     (Clean(("autoclean",)), "`apt-get autoclean` empties /var/cache/apt, not the lists")),
        hadolint="DL3009", fix_cleanup="rm -rf /var/lib/apt/lists/*", index="apt",
    ),
    # docker-clean in Debian/Ubuntu images already deletes downloaded .debs after each install.
    PackageCache(
        key="apt-archives", what="downloaded packages in /var/cache/apt",
        programs=_set("apt-get apt aptitude"),
        creates=_set("install upgrade dist-upgrade full-upgrade reinstall build-dep"),
        paths=("/var/cache/apt/archives", "/var/cache/apt/*.bin"),
        cleans=(Clean(("clean",)), Clean(("distclean",)), Clean(("dist-clean",))),
        fix_cleanup="{program} clean", report=False,
        emptied_by_image="the Debian and Ubuntu images already delete the packages apt downloads after each "
                         "install (/etc/apt/apt.conf.d/docker-clean)",
    ),
    PackageCache(
        key="apk", what="the package index in /var/cache/apk",
        programs=_set("apk"), creates=_set("add update upgrade"),
        paths=("/var/cache/apk", "/etc/apk/cache"),
        avoid_options=("--no-cache",), location_options=("--cache-dir",),
        consumers=_set("add upgrade"),
        near_misses=((Clean(("cache", "clean")), "`apk cache clean` does not remove the index"),),
        hadolint="DL3019", fix_flag="--no-cache",
        hint="drop it and use `apk add --no-cache`, which reads a fresh index without keeping it",
    ),
    PackageCache(
        key="yum", what="the metadata and package cache in /var/cache/yum",
        programs=_set("yum"), creates=_RPM_CREATES,
        paths=("/var/cache/yum", "/var/cache/dnf"), location_options=_RPM_CACHEDIR,
        cleans=(Clean(("clean", "all")),), consumers=_RPM_CONSUMERS,
        near_misses=_RPM_NEAR,
        hadolint="DL3032", fix_cleanup="{program} {options}clean all",
    ),
    # dnf 4 keeps its cache in /var/cache/dnf, dnf 5 in /var/cache/libdnf5 (~/.cache/libdnf5 for a user):
    # never /var/cache/yum, so `rm -rf /var/cache/yum` does not clean up after dnf. `yum` is yum 3 on EL7
    # (/var/cache/yum) and dnf on EL8+ (/var/cache/dnf): which one, the base image's tag alone tells, so
    # removing either counts for `yum`.
    PackageCache(
        key="dnf", what="the metadata and package cache in /var/cache/dnf",
        programs=_set("dnf dnf5"), creates=_RPM_CREATES,
        paths=("/var/cache/dnf", "/var/cache/libdnf5", "~/.cache/libdnf5"),
        location_options=_RPM_CACHEDIR, options_move=False,
        cleans=(Clean(("clean", "all")),), consumers=_RPM_CONSUMERS,
        near_misses=_RPM_NEAR,
        hadolint="DL3040", fix_cleanup="{program} {options}clean all",
    ),
    # microdnf (libdnf) sets its own cache directory, /var/cache/yum, and keeps no packages; where dnf5
    # provides microdnf (Fedora 41+), the cache is dnf5's.
    PackageCache(
        key="microdnf", what="the repository metadata in /var/cache/yum",
        programs=_set("microdnf"), creates=_RPM_CREATES,
        paths=("/var/cache/yum", "/var/cache/libdnf5"),
        cleans=(Clean(("clean", "all")),), consumers=_RPM_CONSUMERS,
        near_misses=_RPM_NEAR,
        hadolint="DL3040", fix_cleanup="{program} clean all",
    ),
    PackageCache(
        key="tdnf", what="the metadata and package cache in /var/cache/tdnf",
        programs=_set("tdnf"), creates=_RPM_CREATES, paths=("/var/cache/tdnf",), location_options=_RPM_CACHEDIR,
        cleans=(Clean(("clean", "all")),), consumers=_RPM_CONSUMERS,
        near_misses=_RPM_NEAR,
        fix_cleanup="{program} {options}clean all",
    ),
    # `zypper clean` alone removes only downloaded packages (not kept by default): the metadata stays.
    PackageCache(
        key="zypper", what="the repository metadata in /var/cache/zypp",
        programs=_set("zypper"), creates=_set("install update dist-upgrade patch refresh source-install"),
        paths=("/var/cache/zypp",), location_options=("-C", "--cache-dir"),  # global options: before the verb
        cleans=(Clean(("clean",), ("-a", "--all")),),
        consumers=_set("install update dist-upgrade patch source-install"),
        near_misses=((Clean(("clean",)), "`zypper clean` without `--all` keeps the metadata"),), hadolint="DL3036",
        fix_cleanup="{program} {options}clean --all",
    ),
    # Only `-y` downloads the databases; `-Sc`/`-Scc` delete those of repositories no longer configured.
    PackageCache(
        key="pacman-sync", what="the sync databases in /var/lib/pacman/sync",
        programs=_set("pacman"), creates=_set("-S -F"), creates_options=("-y", "--refresh"),
        paths=("/var/lib/pacman/sync",), consumers=_set("-S -U"), elsewhere_options=_PACMAN_DB_MOVES,
        near_misses=((_PACMAN_CLEAN, "`pacman -Sc` and `-Scc` keep the databases of the configured "
                                     "repositories"),),
        fix_cleanup="rm -rf /var/lib/pacman/sync/*", index="pacman",
    ),
    # `--noconfirm` answers no to `-Scc`; paccache keeps 3 versions of each package unless `-k0`, and with
    # `-u` only removes packages that are not installed. `-U` downloads a URL into the cache (pacman tells
    # a URL by `://`); `--root` leaves the cache where it is (the default is not below the root).
    PackageCache(
        key="pacman-pkg", what="downloaded packages in /var/cache/pacman/pkg",
        programs=_set("pacman paccache"), creates=_set("-S"), creates_options=("-u", "--sysupgrade"),
        creates_with_operands=True, creates_with_urls=_set("-U"), paths=("/var/cache/pacman/pkg",),
        avoid_options=_PACMAN_QUERIES, elsewhere_options=("--sysroot",), location_options=("--cachedir",),
        cleans=(Clean(("-S",), ("-c", "--clean"), times=2, unless=("--noconfirm",), answered=True),
                Clean(("-r",), ("-k=0", "--keep=0"), unless=("-u", "--uninstalled"))),
        near_misses=((Clean(("-S",), ("-c", "--clean"), times=2),
                      "`pacman -Scc` empties the cache only when its input answers yes (`yes | pacman -Scc`); "
                      "`--noconfirm` answers no"),
                     (_PACMAN_CLEAN, "`pacman -Sc` keeps the packages that are installed"),
                     (Clean(("-r",)), "`paccache -r` keeps the newest versions unless given `-k0`, and with `-u` "
                                      "all installed packages")),
        fix_cleanup="rm -rf {path}/*",
        hint="delete them in the same RUN: `rm -rf` the directory `--cachedir` names",
    ),
    # pip reads --no-cache as --no-cache-dir (optparse accepts unambiguous prefixes). With --no-index pip
    # downloads nothing: installing from a wheelhouse (`pip wheel` in a builder stage) caches nothing.
    PackageCache(
        key="pip", what="downloaded and built wheels in ~/.cache/pip",
        programs=_set("pip"), creates=_set("install download wheel"),
        paths=("~/.cache/pip",), avoid_options=("--no-cache-dir", "--no-cache", "--no-index"),
        avoid_env=("PIP_NO_CACHE_DIR",), avoid_values=PIP_BOOLEANS,
        location_options=("--cache-dir",),
        roots=(("XDG_CACHE_HOME", "pip"), ("PIP_CACHE_DIR", "")),
        cleans=(Clean(("cache", "purge")),), hadolint="DL3042", fix_flag="--no-cache-dir",
    ),
    PackageCache(
        key="uv", what="downloaded and built packages in ~/.cache/uv",
        programs=_set("uv uv-pip"),
        creates=frozenset(("install", "compile", "sync", "add", "run", "tool install", "tool upgrade", "tool run")),
        paths=("~/.cache/uv",), avoid_options=("--no-cache", "-n", "--no-cache-dir"),
        avoid_env=("UV_NO_CACHE",), location_options=("--cache-dir",),
        roots=(("XDG_CACHE_HOME", "uv"), ("UV_CACHE_DIR", "")),
        cleans=(Clean(("cache", "clean")),), fix_flag="--no-cache",
    ),
    PackageCache(
        key="npm", what="the package cache in ~/.npm",
        programs=_set("npm"), creates=_set("install ci update"),
        paths=("~/.npm/_cacache",), location_options=("--cache",), location_below="_cacache",
        roots=(("npm_config_cache", "_cacache"), ("NPM_CONFIG_CACHE", "_cacache")),
        cleans=(Clean(("cache", "clean")), Clean(("cache", "clear")), Clean(("cache", "rm"))),
        fix_cleanup="{program} cache clean --force",
    ),
    # Bare `yarn` installs; yarn 1 keeps its cache in /usr/local/share/.cache/yarn as root. Yarn Berry
    # (2+, told apart by options yarn 1 does not have, and by the Dockerfile: `yarn_berry`, YARN_BERRY_FILES,
    # read in dflint.model.layers) installs with Plug'n'Play by default, which loads the packages from the
    # zip files of its cache (.yarn/cache, or ~/.yarn/berry/cache with Yarn 4's global cache): there
    # `yarn cache clean` breaks the application. Only .yarnrc.yml says which linker: no Berry advice.
    PackageCache(
        key="yarn", what="the package cache of yarn",
        programs=_set("yarn"), creates=frozenset(("install", "add", "upgrade", "global add")), creates_bare=True,
        paths=("/usr/local/share/.cache/yarn", "~/.cache/yarn", "~/.yarn/berry/cache"),
        cache_is_install=YARN_BERRY_OPTIONS, location_options=("--cache-folder",),
        roots=(("YARN_CACHE_FOLDER", ""), ("XDG_CACHE_HOME", "yarn")),
        cleans=(Clean(("cache", "clean")),), hadolint="DL3060", fix_cleanup="{program} cache clean",
    ),
    # node_modules holds hard links into the store: removing it saves almost nothing.
    PackageCache(
        key="pnpm", what="the pnpm store",
        programs=_set("pnpm"), creates=_set("install add update fetch"),
        paths=("~/.local/share/pnpm/store", "~/.pnpm-store"),
        location_options=("--store-dir",), roots=(("PNPM_HOME", "store"),),
        cleans=(Clean(("store", "prune")),), report=False,
    ),
    # Poetry keeps its virtualenvs in its cache directory too: only `cache` and `artifacts` are the downloads.
    PackageCache(
        key="poetry", what="downloaded distributions in ~/.cache/pypoetry",
        programs=_set("poetry"), creates=_set("install add update sync"),
        paths=("~/.cache/pypoetry/cache", "~/.cache/pypoetry/artifacts"),
        avoid_options=("--no-cache", "--only-root"),  # the project alone: nothing to download
        roots=(("POETRY_CACHE_DIR", "cache"), ("POETRY_CACHE_DIR", "artifacts"),
               ("XDG_CACHE_HOME", "pypoetry/cache"), ("XDG_CACHE_HOME", "pypoetry/artifacts")),
        hint="add `--no-cache` (Poetry 1.2+), or delete `cache` and `artifacts` in Poetry's cache directory in "
             "the same RUN (not the directory itself: it holds Poetry's virtualenvs)",
    ),
    # Without XDG variables (or /etc/xdg), Composer's home is ~/.composer; with them, the cache is ~/.cache/composer.
    PackageCache(
        key="composer", what="downloaded packages in Composer's cache",
        programs=_set("composer"), creates=_set("install update require create-project"),
        paths=("~/.composer/cache", "~/.cache/composer"), avoid_options=("--no-cache",),
        roots=(("COMPOSER_CACHE_DIR", ""), ("COMPOSER_HOME", "cache"), ("XDG_CACHE_HOME", "composer")),
        cleans=(Clean(("clear-cache",)), Clean(("clearcache",)), Clean(("cc",))), fix_flag="--no-cache",
    ),
    # conda, mamba and micromamba keep each package they download, archive and extracted copy, in pkgs/;
    # `clean --tarballs` leaves the extracted ones, which the environments hard-link (no second copy).
    PackageCache(
        key="conda", what="downloaded packages in conda's pkgs directory",
        programs=_set("conda mamba micromamba"),
        creates=frozenset(("install", "create", "update", "upgrade", "env create", "env update")),
        paths=("/opt/conda/pkgs", "~/.conda/pkgs", "~/micromamba/pkgs", "~/miniconda3/pkgs", "~/miniforge3/pkgs",
               "~/anaconda3/pkgs"),
        roots=(("CONDA_PKGS_DIRS", ""), ("MAMBA_ROOT_PREFIX", "pkgs")),
        cleans=(Clean(("clean",), options=("-a", "--all", "-t", "--tarballs")),),
        near_misses=((Clean(("clean",)), "only `clean --all` (or `--tarballs`) removes the downloaded packages"),),
        fix_cleanup="{program} clean --all --yes",
    ),
    # Only the build cache: it is a pure cache (a later `go build` just compiles again), while the module
    # cache (/go/pkg/mod) is what later go commands in the stage build from, offline or not.
    PackageCache(
        key="go-build", what="compiled packages in Go's build cache (~/.cache/go-build)",
        programs=_set("go"), creates=_set("build install test run vet"),
        paths=("~/.cache/go-build",), roots=(("GOCACHE", ""), ("XDG_CACHE_HOME", "go-build"),
                                              (r"$(go env GOCACHE)", "")),
        cleans=(Clean(("clean",), options=("-cache",)),),
        near_misses=((Clean(("clean",)), "only `go clean -cache` removes the build cache"),),
        fix_cleanup="{program} clean -cache",
    ),
    # cpanm downloads, unpacks, builds and logs every distribution in ~/.cpanm/work (PERL_CPANM_HOME moves
    # ~/.cpanm) and keeps it all; the official perl images delete ~/.cpanm after each install.
    PackageCache(
        key="cpanm", what="downloaded and built distributions in ~/.cpanm",
        programs=_set("cpanm"), creates=frozenset(), creates_with_operands=True,
        paths=("~/.cpanm/work",), roots=(("PERL_CPANM_HOME", "work"),),
        hint="delete it in the same RUN: `rm -rf ~/.cpanm` (or `$PERL_CPANM_HOME`)",
    ),
    PackageCache(
        key="gem", what="downloaded .gem files in the gem cache",
        programs=_set("gem bundle bundler"), creates=_set("install update"),
        paths=("/usr/local/bundle/cache", "/usr/local/bundle/ruby/*/cache", "/var/lib/gems/*/cache",
               "/usr/lib/ruby/gems/*/cache", "/usr/local/lib/ruby/gems/*/cache", "~/.gem/ruby/*/cache",
               "~/.local/share/gem/ruby/*/cache"),
        roots=(("GEM_HOME", "cache"), ("BUNDLE_PATH", "ruby/*/cache"), (r"$(gem env gemdir)", "cache"),
               (r"$(gem env home)", "cache")), roots_move=False,
        hint='delete them in the same RUN: `rm -rf "$(gem env gemdir)"/cache` (bundler with '
             '`BUNDLE_PATH`: `"$BUNDLE_PATH"/ruby/*/cache`)',
    ),
    # Build tools' dependency stores (report=False, see the module's docstring): what later builds in the
    # stage resolve from, so never a leftover to report, yet deleting one in a later layer saves nothing.
    # Every Maven goal, Gradle task and sbt command resolves plugins, so any operand fills them.
    PackageCache(
        key="maven", what="the Maven local repository in ~/.m2/repository",
        programs=_set("mvn mvnw"), creates=frozenset(), creates_with_operands=True,
        paths=("~/.m2/repository",), report=False,
    ),
    PackageCache(
        key="gradle", what="Gradle's dependency caches and wrapper distributions in ~/.gradle",
        programs=_set("gradle gradlew"), creates=frozenset(), creates_with_operands=True,
        paths=("~/.gradle/caches", "~/.gradle/wrapper"),
        roots=(("GRADLE_USER_HOME", "caches"), ("GRADLE_USER_HOME", "wrapper")), report=False,
    ),
    PackageCache(
        key="sbt", what="the Ivy and Coursier caches of sbt in ~/.ivy2 and ~/.cache/coursier",
        programs=_set("sbt"), creates=frozenset(), creates_with_operands=True,
        paths=("~/.ivy2/cache", "~/.cache/coursier", "~/.sbt/boot"), roots=(("COURSIER_CACHE", ""),),
        report=False,
    ),
    PackageCache(
        key="cargo", what="Cargo's registry and git checkouts in $CARGO_HOME",
        programs=_set("cargo"),
        creates=_set("build b install fetch run r test t check c bench doc d update generate-lockfile vendor "
                     "tree metadata") | {"chef cook"},
        # CARGO_HOME is /usr/local/cargo in the official rust images (an ENV of the image, not of the Dockerfile).
        paths=("~/.cargo/registry", "~/.cargo/git", "/usr/local/cargo/registry", "/usr/local/cargo/git"),
        roots=(("CARGO_HOME", "registry"), ("CARGO_HOME", "git")),
        report=False,
    ),
    # The module cache: the sources later go commands build from (GOFLAGS=-mod=mod reads it offline).
    PackageCache(
        key="go-mod", what="Go's module cache in /go/pkg/mod",
        programs=_set("go"), creates=_set("build install test run vet get generate") | {"mod download", "mod tidy"},
        paths=("~/go/pkg/mod", "/go/pkg/mod"), roots=(("GOMODCACHE", ""), ("GOPATH", "pkg/mod")),  # GOPATH=/go: golang
        cleans=(Clean(("clean",), options=("-modcache",)),), report=False,
    ),
    PackageCache(
        key="nuget", what="the NuGet packages in ~/.nuget/packages",
        programs=_set("dotnet"), creates=_set("restore build publish test run pack") | {"tool install", "add package"},
        paths=("~/.nuget/packages",), roots=(("NUGET_PACKAGES", ""),),
        cleans=(Clean(("nuget", "locals", "all"), options=("--clear", "-c")),
                Clean(("nuget", "locals", "global-packages"), options=("--clear", "-c"))), report=False,
    ),
    PackageCache(
        key="bun", what="Bun's package cache in ~/.bun/install/cache",
        programs=_set("bun"), creates=_set("install i add update"),
        paths=("~/.bun/install/cache",), roots=(("BUN_INSTALL_CACHE_DIR", ""), ("BUN_INSTALL", "install/cache")),
        cleans=(Clean(("pm", "cache", "rm")),), report=False,
    ),
    PackageCache(
        key="stack", what="Stack's compilers, package indexes and builds in ~/.stack",
        programs=_set("stack"), creates=_set("build install setup test bench"),
        paths=("~/.stack",), roots=(("STACK_ROOT", ""),), report=False,
    ),
    PackageCache(
        key="conan", what="Conan's package cache in ~/.conan2",
        programs=_set("conan"), creates=_set("install create build"),
        paths=("~/.conan2/p", "~/.conan/data"), roots=(("CONAN_HOME", "p"),), report=False,
    ),
)

_BY_PROGRAM: dict[str, list[PackageCache]] = {}
for _cache in CACHES:
    for _program in _cache.programs:
        _BY_PROGRAM.setdefault(_program, []).append(_cache)


#: Tools without an option table in :mod:`.tools`: their first operand is the verb.
_NO_OPTION_TABLE = frozenset(("uv", "bundle", "bundler", "dnf5", "poetry", "composer", "conda", "mamba",
                              "micromamba", "cargo", "dotnet", "bun", "stack", "conan"))


def program_key(invocation: Invocation) -> str:
    """The table's name for the tool: ``uv-pip`` for ``uv pip``."""
    if invocation.program == "pip" and "uv" in invocation.via:
        return "uv-pip"
    return invocation.program


def verb(invocation: Invocation) -> tuple[Optional[str], tuple[str, ...]]:
    """The subcommand (canonical when the tool has an option table, else the first operand)
    and the operands after it."""
    operands = tuple(w.value for w in invocation.operands)
    if invocation.subcommand is not None:
        return invocation.subcommand, operands
    if invocation.subcommand_word is None and operands and invocation.program in _NO_OPTION_TABLE:
        return operands[0], operands[1:]
    return None, operands


def cache_for_program(invocation: Invocation) -> list[PackageCache]:
    return _BY_PROGRAM.get(program_key(invocation), [])


def creates(cache: PackageCache, invocation: Invocation) -> bool:
    """``invocation`` fills ``cache`` (before avoidance is considered)."""
    if program_key(invocation) not in cache.programs:
        return False
    name, rest = verb(invocation)
    if name is None:
        return cache.creates_bare and not rest or cache.creates_with_operands and bool(rest)
    if name in cache.creates_with_urls:
        return any("://" in operand for operand in rest)
    if name not in cache.creates and not (rest and f"{name} {rest[0]}" in cache.creates):
        return False
    return not cache.creates_options or invocation.has(*cache.creates_options) \
        or cache.creates_with_operands and bool(rest)


def avoids(cache: PackageCache, invocation: Invocation, env: Callable[[str], tuple[bool, Optional[str]]]) -> bool:
    """``invocation`` keeps ``cache`` out of the layer: an option, or an ``avoid_env`` variable
    (``env(name)`` returns (is set, value or None when unknown))."""
    if cache.avoided_by_option(invocation):
        return True
    for name in cache.avoid_env:
        is_set, value = env(name)
        if is_set and cache.avoided_by_value(value):
            return True
    return False


def cleans(cache: PackageCache, invocation: Invocation) -> bool:
    """``invocation`` is one of ``cache``'s cleaning commands (``yum clean all``)."""
    if program_key(invocation) not in cache.programs:
        return False
    name, rest = verb(invocation)
    if name is None:
        return False
    return any(_is(clean, invocation, (name, *rest)) for clean in cache.cleans)


def near_miss(cache: PackageCache, invocation: Invocation) -> Optional[str]:
    """Why ``invocation`` looks like a cleanup of ``cache`` but is not one (None otherwise)."""
    if program_key(invocation) not in cache.programs or cleans(cache, invocation):
        return None
    name, rest = verb(invocation)
    return next((reason for clean, reason in cache.near_misses if _is(clean, invocation, (name, *rest))), None)


def _is(clean: Clean, invocation: Invocation, words: tuple[Optional[str], ...]) -> bool:
    """``invocation`` (its verb and operands in ``words``) is the command ``clean`` describes."""
    if words[:len(clean.words)] != clean.words or clean.unless and invocation.has(*clean.unless):
        return False
    if clean.options:
        given = 0
        for option in invocation.options:
            given += any(option.name == name and (not eq or option.value == value)
                         for name, eq, value in (wanted.partition("=") for wanted in clean.options))
        if given < clean.times:
            return False
    return not clean.answered or _stdin_answers(invocation)


def _stdin_answers(invocation: Invocation) -> bool:
    """Something answers the command's questions: a pipe or a here-document feeds its standard input."""
    command = invocation.command
    return command.pipeline_index > 0 or any(r.heredoc is not None or r.op == "<<<" for r in command.redirects
                                             if r.fd in (None, 0))


def yarn_berry(invocation: Optional[Invocation]) -> Optional[str]:
    """What the command does to the yarn that later commands run: ``"berry"`` when it may switch to
    Yarn Berry (2+): ``corepack prepare``/``use``/``install`` of ``yarn@`` a version or tag other
    than 1.x and ``classic``, ``yarn set version`` (or yarn 1's ``yarn policies set-version``) of
    one; ``"classic"`` when it sets yarn 1 (``yarn set version classic``); ``"corepack"`` for
    ``corepack enable`` (of yarn or of every manager): it only installs the shims, and the version
    is package.json's ``packageManager``, which the Dockerfile does not show, else corepack's
    default for yarn, 1.x (``definitions.yarn.default`` in corepack's config.json: 1.22.22 in
    2026); None otherwise (``corepack prepare yarn@1.22.22`` too: with corepack enabled,
    ``packageManager`` still decides). A version only the build knows (``yarn@$YARN``) counts as
    Berry: silence rather than a fix that breaks Plug'n'Play."""
    if invocation is None:
        return None
    program = invocation.program
    if program not in ("corepack", "yarn"):
        return None
    argv = [word.value for word in invocation.command.argv]
    start = next((i for i, word in enumerate(argv) if program_name(word) == program), len(argv))
    operands = [word for word in argv[start + 1:] if not word.startswith("-")]
    if program == "corepack":
        if operands[:1] == ["enable"]:
            return "corepack" if len(operands) == 1 or "yarn" in operands[1:] else None
        if operands[:1] in (["prepare"], ["use"], ["install"], ["up"]):
            versions = [operand.partition("@")[2] for operand in operands[1:] if operand.startswith("yarn@")]
            # yarn 1 set here is not a switch back: with corepack enabled, packageManager still decides
            return "berry" if any(not _YARN_CLASSIC.fullmatch(version) for version in versions) else None
        return None
    if operands[:2] in (["set", "version"], ["policies", "set-version"]) and len(operands) > 2:
        return "classic" if _YARN_CLASSIC.fullmatch(operands[2]) else "berry"
    return None


def refreshes(invocation: Invocation) -> bool:
    """``invocation`` only downloads a package index for later commands (``apt-get update``,
    ``apk update``, ``yum makecache``, ``zypper refresh``, ``pacman -Sy``)."""
    return index_refresh(reread(invocation)) is not None


def consumes(cache: PackageCache, invocation: Invocation) -> bool:
    """``invocation`` reads what ``cache`` holds (``apt-get install`` reads the lists)."""
    if program_key(invocation) not in cache.programs:
        return False
    return verb(invocation)[0] in cache.consumers


def root_match(cache: PackageCache, text: str) -> Optional[tuple[str, str]]:
    """When ``text`` (a path as written, expansions unexpanded) starts with one of
    ``cache.roots``, the cache's place below that root and the rest of ``text``."""
    for root, below in cache.roots:
        prefixes = (root,) if root.startswith("$(") else (f"${{{root}}}", f"${root}")
        for prefix in prefixes:
            if not text.startswith(prefix):
                continue
            rest = text[len(prefix):]
            if rest and rest[0] != "/" and (prefix[-1] not in "})" and re.match(r"[A-Za-z0-9_]", rest)):
                continue  # $GEM_HOMEX is another variable
            return below, rest.strip("/")
    return None
