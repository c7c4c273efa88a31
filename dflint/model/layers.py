"""Layers: what each instruction leaves in the image, and which deletions come too late.

Every RUN, COPY and ADD adds a layer; deleting a file in a later layer hides
it but the image keeps its bytes. This module reads a RUN's commands in the
order they run (:func:`run_steps`: heredoc scripts in place, the working
directory and exported variables as they change), finds the package caches a
RUN leaves behind (:func:`leftovers`, with the table of
:mod:`dflint.shell.caches`; each cache compared only with the later steps that
can remove it, :class:`_LaterSteps`), what it deletes (:func:`removals`) and, walking
the layers of the stages that ship (:func:`shipping_stages`), pairs each
deletion with the earlier layers that created what it deletes
(:func:`late_removals`). What is still there is filed by path, package and
cache (:class:`_Alive`, paths in a :class:`.PathIndex`), so that a deletion
is compared only with what it may delete, not with everything every earlier
layer created; a stage shared by several images is followed once
(:class:`_Layers`).

Paths are absolute and may hold globs (``/home/*/.cache/pip`` stands for any
user's home); ``~`` is ``/root``. A path that cannot be known (an unset
variable, a relative path under an unknown WORKDIR) is None and matches
nothing.
"""

from __future__ import annotations

import copy
import fnmatch
import itertools
import posixpath
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from .. import ast
from ..shell.caches import (YARN_BERRY_ENV, YARN_BERRY_FILES, PackageCache, avoids, cache_for_program, cleans,
                            consumes, creates, location_option, near_miss, program_key, root_match, verb, yarn_berry)
from ..shell.model import Command, Script, Word
from ..shell.options import Option, Spec, parse_options
from ..shell.package_managers import PackageChange, package_changes, removes_packages, reread
from ..shell.scripts import exec_form_run
from ..shell.tools import Invocation, program_name, urls
from ..source import Span
from .bundler import BundlerSettings
from .history import image_stages
from .path_index import PathIndex
from .path_index import parts as _parts
from .path_index import same as _same
from .paths import has_glob, resolve
from .sources import (archive_name, git_dir_kept, into_directory, is_git_source, keeps_parents, parents_path,
                      url_path)
from .users import account_creations, root_image, root_name
from .variables import display

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis
    from .build import BuildModel, Stage

__all__ = ["ANY_HOME", "Step", "Leftover", "Removal", "Created", "LateRemoval", "run_steps", "leftovers", "removals",
           "late_removals", "deletes", "append_point", "verb_word", "verb_words", "command_span", "command_text",
           "program_text", "append_edit", "shipping_stages", "mount_targets", "Relocation", "relocation",
           "user_home", "yarn_line", "YARN_CLASSIC", "YARN_UNKNOWN", "YARN_BERRY", "runs_as_root", "yarn_berry_caches",
           "run_created", "bundle_directory"]

#: Contexts whose commands may not run every time the script does.
_BRANCHES = frozenset(("condition", "if", "loop", "case", "function"))
#: Last components of an rm operand that empty a directory.
_EMPTYING = frozenset(("*", ".*", "{*,.*}", "{.*,*}", ".[!.]*"))
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)
_GIT_CLONE = Spec(values=frozenset(("-b", "--branch", "--depth", "-o", "--origin", "--reference",
                                    "--separate-git-dir", "--shallow-since", "--shallow-exclude", "-c",
                                    "--config", "--filter", "-j", "--jobs", "-u", "--upload-pack",
                                    "--template", "--server-option", "--bundle-uri", "--reference-if-able")))
_GIT_GLOBAL_VALUES = frozenset(("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"))


# ---- paths -------------------------------------------------------------------------------------

def _within(outer: Sequence[str], inner: Sequence[str]) -> bool:
    if len(outer) > len(inner):
        return False
    for x, y in zip(outer, inner):
        if x != y and not _same(x, y):  # most parts are equal: no call for them
            return False
    return True


def deletes(removed: str, target: str, contents: bool = False) -> bool:
    """Removing ``removed`` (an rm operand, glob allowed) removes ``target`` or files in it.

    ``dir/*`` empties ``dir``; with ``contents``, a glob one level below
    ``target`` (``/var/cache/apk/*.tar.gz``) counts too. Removing ``/`` counts for nothing.
    """
    parts = _parts(removed)
    if parts and parts[-1] in _EMPTYING:
        parts = parts[:-1]
    if not parts:
        return False
    wanted = _parts(target)
    if _within(parts, wanted):
        return True
    return contents and len(parts) == len(wanted) + 1 and has_glob(parts[-1]) and _within(parts[:-1], wanted)


#: Where ``~`` may be when the user a command runs as is not known: root's home and any under /home.
ANY_HOME = ("/root/", "/home/*/")


def _homes(path: str, homes: Sequence[str] = ANY_HOME) -> list[str]:
    """``~/x`` in each of ``homes`` (directories ending in ``/``): by default root's and any user's under /home."""
    if path.startswith("~/"):
        return [home + path[2:] for home in homes]
    return [path]


#: Wrappers running their command as another user, whose home the Dockerfile may not show.
_SWITCHERS = frozenset(("sudo", "doas", "runuser", "setpriv", "gosu", "su-exec", "chpst", "s6-setuidgid", "setuidgid"))
#: Accounts of base images whose home is not /home/NAME (www-data: /var/www, nobody: /nonexistent...).
_SYSTEM_ACCOUNTS = frozenset((
    "nobody", "www-data", "daemon", "bin", "sys", "mail", "news", "games", "man", "lp", "proxy", "backup", "list",
    "irc", "_apt", "nginx", "apache", "postgres", "mysql", "redis", "mongodb", "rabbitmq", "elasticsearch",
    "jenkins", "tomcat", "squid", "memcache", "messagebus", "systemd-network", "sshd", "ftp", "guest", "operator"))
#: Accounts of base images whose home is /home/NAME.
_IMAGE_ACCOUNTS = frozenset(("node", "ubuntu", "app", "nonroot", "appuser"))


def _homes_of(analysis: "Analysis", node: ast.Instruction, step: Optional[Step] = None) -> tuple[str, ...]:
    """Where ``~`` is for the commands of the RUN ``node`` (and ``step``, when given): ``HOME`` when
    set (ENV, ARG, ``export``, an assignment), else the home of the stage's USER at ``node`` when the
    Dockerfile shows it: root's for root, a user's own for a user it creates (``useradd -d`` or
    /home/NAME), /home/* for another named user (not root's). Unknown (no USER: the base image's user;
    a variable; a numeric id; a system account; an ONBUILD trigger; a command run as another user):
    :data:`ANY_HOME`, root's or any under /home."""
    if step is not None:
        invocation = step.invocation
        if "shell" in step.contexts or invocation is not None and _SWITCHERS.intersection(invocation.via):
            return ANY_HOME  # `su app -c`, `gosu app`: another user's home
        is_set, value = _lookup(analysis, node, step)("HOME")
        if is_set:
            return (value.rstrip("/") + "/",) if value and value.startswith("/") else ANY_HOME
        return _user_home(analysis, node)
    variable = analysis.model.scope_at(node).get("HOME")
    if variable is not None and variable.value is not None:
        value = display(variable.value) if variable.known else ""
        return (value.rstrip("/") + "/",) if value.startswith("/") else ANY_HOME
    return _user_home(analysis, node)


def user_home(analysis: "Analysis", node: ast.Instruction, step: Optional[Step] = None) -> Optional[str]:
    """Where ``~`` is for the commands of the RUN ``node`` (and ``step``, when given), as
    :func:`_homes_of` finds it, when that is one known directory (``/root``, ``/home/app``,
    ``HOME`` when set); None when it is not known."""
    homes = _homes_of(analysis, node, step)
    if len(homes) != 1 or has_glob(homes[0]):
        return None
    return homes[0].rstrip("/") or "/"


def _user_home(analysis: "Analysis", node: ast.Instruction) -> tuple[str, ...]:
    """The home of the USER in effect at ``node`` (see :func:`_homes_of`), read once per RUN."""
    def compute() -> tuple[str, ...]:
        found = _user_at(analysis, node)
        if found is None or found[0] is None:
            return ANY_HOME  # not known, or the base image's user
        name, homes = found
        if root_name(name):
            return ("/root/",)
        if not name or name.isdigit():
            return ANY_HOME
        if name in homes:
            home = homes[name]
            return (home.rstrip("/") + "/",) if home else ANY_HOME
        if name in _SYSTEM_ACCOUNTS:
            return ANY_HOME
        return (f"/home/{name}/",) if name in _IMAGE_ACCOUNTS else ("/home/*/",)
    return _remembered(analysis, "user home", node, compute)


def _user_at(analysis: "Analysis", node: ast.Instruction) -> Optional[tuple[Optional[str], dict[str, Optional[str]]]]:
    """The name of the USER in effect at the RUN ``node`` (None when the stage's lineage sets none: the
    base image's user) and the users created before it (see :func:`_accounts_before`); None when it
    cannot be known: an ONBUILD trigger (another build runs it, maybe as another user), a USER through
    a variable not known here."""
    if _run_of(node) is not node:
        return None
    model = analysis.model
    stage = model.stage_of(node)
    state = _accounts_before(analysis, stage).get(node) if stage is not None else None
    if state is None:
        return None
    user, homes = state
    if user is None:
        return None, homes
    expansion = model.expand(user, user.value.value)
    return (expansion.value.split(":", 1)[0], homes) if expansion.resolved else None


def _accounts_before(analysis: "Analysis", stage: "Stage") -> dict[ast.Instruction, tuple[
        Optional[ast.UserInstruction], dict[str, Optional[str]]]]:
    """For each instruction of ``stage``, the last USER before it in the stage's lineage and the
    users created before it by a RUN (user -> home; None: a system account), in one walk of the
    lineage per stage (walking it again for each RUN made big files quadratic)."""
    memo = analysis.memo("layers: accounts before")
    found = memo.get(stage)
    if found is not None:
        return found
    found = {}
    user: Optional[ast.UserInstruction] = None
    homes: dict[str, Optional[str]] = {}
    for member in analysis.model.lineage(stage):
        for instruction in member.instructions:
            if member is stage:
                found[instruction] = (user, homes)
            if isinstance(instruction, ast.UserInstruction) and instruction.value is not None:
                user = instruction
            elif isinstance(instruction, ast.RunInstruction):
                created = _created_homes(analysis, instruction)
                if created:
                    homes = {**homes, **created}  # a new table: the states already handed out stay as they were
    memo[stage] = found
    return found


def _created_homes(analysis: "Analysis", node: ast.RunInstruction) -> dict[str, Optional[str]]:
    """The users a RUN creates with ``useradd``/``adduser`` and their homes (None: a system account
    or a home that is not known)."""
    return {creation.account[len("user:"):]: creation.home for creation in account_creations(analysis, node)
            if creation.account.startswith("user:")}


# ---- a RUN's commands, in the order they run ---------------------------------------------------

# Not frozen, for the cost of a frozen __init__ (see shell.model); nothing assigns to it once built.
@dataclass(eq=False)
class Step:
    """One simple command of a RUN as it runs.

    ``contexts`` include those of the command reading a heredoc script;
    ``cwd`` is the working directory (None: unknown); ``exported`` holds
    variables ``export``-ed earlier in the script (value None: not literal).
    """

    index: int
    script: Script
    command: Command
    invocation: Optional[Invocation]
    contexts: tuple[str, ...]
    cwd: Optional[str]
    exported: Mapping[str, Optional[str]] = field(repr=False)

    @cached_property
    def changed_packages(self) -> list[PackageChange]:
        """The packages the step installs or removes by name (:func:`package_changes`), read once:
        what a RUN installs and what it removes are both asked for."""
        return package_changes(self.invocation)

    @property
    def branch(self) -> tuple[str, ...]:
        return tuple(c for c in self.contexts if c in _BRANCHES)

    def follows(self, earlier: "Step") -> bool:
        """Runs after ``earlier`` whenever ``earlier`` ran (not in another branch, not after ``||``)."""
        return (self.index > earlier.index and self.command.operator != "||"
                and earlier.branch[:len(self.branch)] == self.branch)


def _remembered(analysis: "Analysis", kind: str, node: ast.Instruction, compute: Callable[[], Any]) -> Any:
    # What a RUN creates, leaves and removes, per file: package-cache and late-cleanup ask for the same RUNs,
    # late-cleanup once per image that contains them.
    facts = analysis.memo("layers: facts")
    key = (kind, node)
    if key not in facts:
        facts[key] = compute()
    return facts[key]


def _run_of(node: ast.Instruction) -> Optional[ast.RunInstruction]:
    if isinstance(node, ast.OnbuildInstruction):
        node = node.trigger  # type: ignore[assignment]
    return node if isinstance(node, ast.RunInstruction) else None


def _in_order(scripts: Sequence[Script]) -> list[tuple[Script, Command, tuple[str, ...], bool]]:
    """Commands of all scripts, each heredoc script right after the command that reads it
    (with that command's contexts; the last item tells it runs in a child shell)."""
    line, rest = scripts[0], list(scripts[1:])
    placed: dict[int, list[Script]] = {}
    for script in rest[:]:
        name = getattr(script.origin, "name", None)
        for command in line.commands:
            if any(r.heredoc is not None and r.heredoc.delimiter == name for r in command.redirects):
                placed.setdefault(id(command), []).append(script)
                rest.remove(script)
                break
    order = []
    for command in line.commands:
        order.append((line, command, command.contexts, False))
        for script in placed.get(id(command), ()):
            order.extend((script, inner, command.contexts + inner.contexts, True) for inner in script.commands)
    for script in rest:
        order.extend((script, inner, inner.contexts, True) for inner in script.commands)
    return order


def under_new_root(step: Step) -> bool:
    """The step runs under a ``chroot`` (through one, or in a script a chrooted shell runs): the
    paths it creates and deletes are below the new root, not the image's own, so the layer
    facts below (caches, files, deletions) leave it out rather than name the wrong place.

    :func:`~dflint.shell.tools.in_new_root` for a step: with the contexts of the command reading
    a heredoc script too, and the invocation the step already holds."""
    invocation = step.invocation
    return "chroot" in step.contexts or invocation is not None and bool(invocation.via) and invocation.root is not None


def run_steps(analysis: "Analysis", node: ast.Instruction) -> list[Step]:
    """The steps of a RUN (or ONBUILD RUN): the commands of the POSIX shell scripts it runs, or,
    in exec form with no shell (``["pip", "install", "flask"]``), its one command, which does
    what its shell-form twin does. Empty for PowerShell and cmd."""
    memo = analysis.memo("layers: steps")
    steps = memo.get(node)
    if steps is not None:
        return steps
    scripts = analysis.commands(node) if _run_of(node) is not None else ()
    steps = []
    # Working directory and exported variables, per script: a heredoc script read by
    # `bash <<EOF` runs in a child shell and starts from its parent's state.
    # The exported variables' mapping is shared by the steps until an export replaces it (never changed in place).
    states: dict[int, tuple[Optional[str], dict[str, Optional[str]]]] = {}
    if scripts:
        states[id(scripts[0])] = (analysis.model.workdir_at(node), {})
    for index, (script, command, contexts, child) in enumerate(_in_order(scripts) if scripts else ()):
        if id(script) not in states:
            states[id(script)] = states[id(scripts[0])]
        cwd, exported = states[id(script)]
        invocation = script.invocation(command)
        steps.append(Step(index, script, command, invocation, contexts, cwd, exported))
        program = invocation.program if invocation is not None else None
        if program == "cd":
            own = command.contexts  # a cd inside a subshell or branch leaves the directory unknown
            target = invocation.operands[0] if invocation.operands and not own else None
            cwd = _path(analysis, node, target, cwd) if target is not None else None
        elif program in ("pushd", "popd"):
            cwd = None
        elif program == "export":
            for word in invocation.operands:
                match = _ASSIGNMENT.match(word.value)
                if match:
                    exported = {**exported, match.group(1): match.group(2) if word.literal else None}
        states[id(script)] = (cwd, exported)
    memo[node] = steps
    return steps


def _path(analysis: "Analysis", node: ast.Instruction, word: Word, cwd: Optional[str]) -> Optional[str]:
    """The absolute path a shell word names (ARG/ENV expanded, ``$HOME`` as ``~``), or None."""
    text = word.value
    if word.has_expansion:
        if "$(" in text or "`" in text:
            return None
        scope = analysis.model.scope_at(node)
        if scope.get("HOME") is None:
            text = re.sub(r"^(?:\$\{HOME\}|\$HOME(?![A-Za-z0-9_]))", "~", text)
        expansion = scope.expand(text)
        if not expansion.resolved:
            return None
        text = expansion.value
    if text[:1] == "~" and (len(text) == 1 or text[1] == "/"):
        homes = _homes_of(analysis, node)
        if homes != ANY_HOME:  # else root's, as resolve() reads it
            text = homes[0].rstrip("/") + text[1:]
    return resolve(text, cwd)


def _lookup(analysis: "Analysis", node: ast.Instruction, step: Step) -> Callable[[str], tuple[bool, Optional[str]]]:
    """Whether a variable is set for ``step`` and its value (None: unknown): the command's
    own assignments, ``env NAME=value``, ``export`` earlier, then ARG/ENV."""
    def lookup(name: str) -> tuple[bool, Optional[str]]:
        for assignment in step.command.assignments:
            if assignment.name == name:
                return True, assignment.value.value if assignment.value.literal else None
        for word in _env_words(step.command):
            match = _ASSIGNMENT.match(word.value)
            if match and match.group(1) == name:
                return True, match.group(2) if word.literal else None
        if name in step.exported:
            return True, step.exported[name]
        variable = analysis.model.scope_at(node).get(name)
        if variable is None or variable.value is None:
            return False, None
        return True, display(variable.value) if variable.known else None
    return lookup


def _env_words(command: Command) -> list[Word]:
    """``NAME=value`` words given to an ``env`` wrapper."""
    found, inside = [], False
    for word in command.argv:
        if word.value == "env" or word.value.endswith("/env"):  # basename env, without a call per word
            inside = True
        elif inside and _ASSIGNMENT.match(word.value):
            found.append(word)
        elif inside and not word.value.startswith("-"):
            break
    return found


def verb_word(invocation: Invocation) -> Optional[Word]:
    """The word naming the subcommand (``install`` of ``apt-get install``, ``sync`` of ``uv sync``)."""
    if invocation.subcommand_word is not None:
        return invocation.subcommand_word
    name, _ = verb(invocation)
    return invocation.operands[0] if name is not None and invocation.operands else None


def program_text(invocation: Invocation) -> str:
    """The tool as written, wrappers left out: ``apt-get``, ``/usr/bin/yum``, ``python3 -m pip``, ``uv pip``."""
    via = invocation.via
    if via[-1:] == ("uv",) and invocation.program == "pip":
        return "uv pip"
    if via[-1:] == ("-m",):
        return f"{via[-2]} -m {invocation.program}"
    for word in invocation.command.argv:
        if program_name(word.value) == invocation.program:
            return word.value
    return invocation.program


def verb_words(invocation: Invocation, cache: Optional[PackageCache] = None) -> tuple[Word, ...]:
    """The words naming the verb: one (``install``), or two where ``cache`` is filled by a verb of two
    (``tool install`` of ``uv tool install``, ``env create`` of ``conda env create``)."""
    word = verb_word(invocation)
    if word is None:
        return ()
    name, rest = verb(invocation)
    if cache is not None and rest and name not in cache.creates and f"{name} {rest[0]}" in cache.creates:
        following = invocation.operands[0 if invocation.subcommand_word is not None else 1]
        return word, following
    return (word,)


def command_text(invocation: Invocation, cache: Optional[PackageCache] = None) -> str:
    """The tool and its verb as written: ``apt-get install``, ``uv tool install`` (see :func:`verb_words`)."""
    return " ".join((program_text(invocation), *(word.value for word in verb_words(invocation, cache))))


def command_span(step: Step, cache: Optional[PackageCache] = None) -> Span:
    """From the start of the command (wrappers included) to the end of its verb (see :func:`verb_words`)."""
    command = step.command
    words = verb_words(step.invocation, cache) if step.invocation is not None else ()
    end = (words[-1] if words else (command.argv[-1] if command.argv else command)).span.end
    return Span(command.span.start, end)


# ---- package caches ----------------------------------------------------------------------------

@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class Leftover:
    """A cache a RUN leaves in its layer: ``step`` fills it and nothing removes or avoids it.

    ``locations`` are where it is; ``consumed`` is true when a later command
    of the RUN reads it (an install after ``apt-get update``); ``near_miss``
    explains a command that looks like its cleanup but is not; ``homes``: where ``~`` is for it.
    """

    cache: PackageCache
    step: Step
    node: ast.Instruction
    locations: tuple[str, ...]
    consumed: bool
    near_miss: Optional[str] = None
    #: Where ``~`` is for the command (see :func:`_homes_of`): ``~/`` paths of the cache are there.
    homes: tuple[str, ...] = ANY_HOME
    #: The command that looks like its cleanup but is not (``zypper clean``), when ``near_miss`` is about one.
    near_miss_step: Optional[Step] = None


def _locations(analysis: "Analysis", node: ast.Instruction, step: Step, cache: PackageCache) -> tuple[str, ...]:
    invocation = reread(step.invocation)  # with the option table of uv...: `--cache-dir /c` takes its value
    assert invocation is not None
    if cache.key == "gem":
        exact = _gem_cache(analysis, node, step, invocation)
        if exact is not None:  # where this install puts the .gem files: no other place counts
            path = resolve(exact, step.cwd)
            return (path,) if path else ()
    found = location_option(cache, invocation)
    if found is not None:
        path = _option_place(analysis, node, step, *found)
        if path and cache.location_below:
            path = posixpath.join(path, cache.location_below)
        homes = _homes_of(analysis, node, step)
        defaults = () if cache.options_move else tuple(p for path in cache.paths for p in _homes(path, homes))
        return ((path,) + defaults) if path else ()
    lookup = _lookup(analysis, node, step)
    moved = []
    for root, below in cache.roots:
        if root.startswith("$(") or root == "BUNDLE_PATH" and invocation.program == "gem":
            continue  # only Bundler reads BUNDLE_PATH: `gem install` puts the .gem files below GEM_HOME
        is_set, value = lookup(root)
        if is_set and value is None and cache.roots_move:
            return ()  # moved to a place only the build knows: not the default one
        if is_set and value:
            path = resolve(posixpath.join(value, below) if below else value, step.cwd)
            if path:
                moved.append(path)
    homes = _homes_of(analysis, node, step)
    defaults = [p for path in cache.paths for p in _homes(path, homes)]
    return tuple(moved) if moved and cache.roots_move else tuple(moved + defaults)


def _option_place(analysis: "Analysis", node: ast.Instruction, step: Step, option: Option,
                  prefix: str) -> Optional[str]:
    """The place a location option names (after ``prefix`` in its value: ``--setopt=cachedir=/x``)."""
    word = option.value_word
    assert word is not None
    if word is not option.word and not prefix:
        return _path(analysis, node, word, step.cwd)
    if word.has_expansion:
        return None
    return resolve((option.value or "")[len(prefix):], step.cwd)


def _gem_cache(analysis: "Analysis", node: ast.Instruction, step: Step, invocation: Invocation) -> Optional[str]:
    """Where ``gem install`` or ``bundle install`` puts the downloaded ``.gem`` files, as written,
    when the Dockerfile says: ``DIR/ruby/*/cache`` when Bundler is given a path (``BUNDLE_PATH``,
    ``bundle config set path``, deployment mode), else ``$GEM_HOME/cache`` for a known
    ``GEM_HOME``. None when it is the image's gem directory, which only the image knows."""
    if invocation.program in ("bundle", "bundler"):
        directory = bundle_directory(analysis, node, step)
        if directory is not None:
            return posixpath.join(directory, "ruby/*/cache")
    elif invocation.has("--user-install"):
        return None
    is_set, home = _lookup(analysis, node, step)("GEM_HOME")
    return posixpath.join(home, "cache") if is_set and home else None


def bundle_directory(analysis: "Analysis", node: ast.Instruction, step: Step) -> Optional[str]:
    """Where ``bundle install`` at ``step`` installs, when ``bundle config`` (in any earlier step
    of the stage's lineage: it persists in a file) or a flag or variable set it (see :mod:`.bundler`)."""
    model = analysis.model
    stage = model.stage_of(node)
    settings = copy.copy(_bundler_before(analysis, stage, node)) if stage is not None else BundlerSettings()
    for earlier in run_steps(analysis, node)[:step.index]:
        _read_bundler(settings, earlier)
    return settings.install_directory(step.command.argv, _lookup(analysis, node, step))


def _read_bundler(settings: BundlerSettings, step: Step) -> None:
    invocation = step.invocation
    if invocation is not None:
        settings.read(invocation.program, [w.value for w in invocation.operands], step.command.argv)


def _bundler_before(analysis: "Analysis", stage: "Stage", node: ast.Instruction) -> BundlerSettings:
    """The bundler settings when ``node`` (an instruction of ``stage``) starts, from the RUNs before
    it in the stage's lineage. Each stage's are found once, from its parent's end state, so a file
    of N bundle installs is read in one pass, not once per install."""
    facts = analysis.memo("layers: facts")
    lineage = analysis.model.lineage(stage)
    pending = []
    known: Optional[tuple[dict[int, BundlerSettings], BundlerSettings]] = None
    for member in reversed(lineage):
        known = facts.get(("bundler", member.from_instruction))
        if known is not None:
            break
        pending.append(member)
    settings = copy.copy(known[1]) if known is not None else BundlerSettings()
    for member in reversed(pending):
        before: dict[int, BundlerSettings] = {}
        current = copy.copy(settings)
        for instruction in member.instructions:
            before[id(instruction)] = current
            if isinstance(instruction, ast.RunInstruction):
                for earlier in run_steps(analysis, instruction):
                    _read_bundler(settings, earlier)
                current = copy.copy(settings)
        facts[("bundler", member.from_instruction)] = (before, current)
    return facts[("bundler", stage.from_instruction)][0].get(id(node), BundlerSettings())


#: Which yarn a step may run, as the Dockerfile shows it (see :func:`yarn_line`), in growing doubt.
YARN_CLASSIC, YARN_UNKNOWN, YARN_BERRY = "classic", "unknown", "berry"
_YARN_ORDER = {YARN_CLASSIC: 0, YARN_UNKNOWN: 1, YARN_BERRY: 2}


def yarn_line(analysis: "Analysis", node: ast.Instruction, step: Step) -> str:
    """Which yarn ``step`` runs, as the Dockerfile shows it before, earlier in the RUN or in the stage's
    lineage: :data:`YARN_BERRY` when Yarn Berry (2+) may run, after a command switching to it
    (:func:`~dflint.shell.caches.yarn_berry`: ``corepack prepare yarn@4 --activate``, ``yarn set
    version stable``...), a COPY/ADD of a file or directory only a Berry project has
    (:data:`~dflint.shell.caches.YARN_BERRY_FILES`: ``.yarnrc.yml``, ``.yarn/releases``), a command
    writing ``.yarnrc.yml``, or a variable only Berry reads (:data:`~dflint.shell.caches.YARN_BERRY_ENV`
    in ENV, ARG, ``export`` or an assignment); :data:`YARN_UNKNOWN` after ``corepack enable`` alone
    (package.json's ``packageManager`` picks the version, else corepack's default, yarn 1);
    :data:`YARN_CLASSIC` otherwise. ONBUILD triggers count too (silence rather than a cleanup that
    breaks Plug'n'Play). Each stage's instructions are read once."""
    line = _yarn_before(analysis, node)
    for earlier in run_steps(analysis, node)[:step.index]:
        line = _yarn_switch(earlier, line)
    return line


def _yarn_berry(analysis: "Analysis", node: ast.Instruction, step: Step) -> bool:
    """Yarn Berry may be the yarn ``step`` runs, as the Dockerfile shows it (see :func:`yarn_line`)."""
    return yarn_line(analysis, node, step) == YARN_BERRY


def _yarn_before(analysis: "Analysis", node: ast.Instruction) -> str:
    """Which yarn may run when ``node`` starts (see :func:`yarn_line`), from the instructions before it
    in its stage's lineage, read once per stage."""
    model = analysis.model
    stage = model.stage_of(node)
    if stage is None:
        return YARN_CLASSIC
    facts = analysis.memo("layers: facts")
    before = facts.get(("yarn", stage.from_instruction))
    if before is None:
        before, state = {}, YARN_CLASSIC
        for member in model.lineage(stage):
            for instruction in member.instructions:
                before[id(instruction)] = state
                state = _yarn_after(analysis, instruction, state)
        facts[("yarn", stage.from_instruction)] = before
    return before.get(id(node), YARN_CLASSIC)


def _doubt(line: str, more: str) -> str:
    return more if _YARN_ORDER[more] > _YARN_ORDER[line] else line


def _yarn_switch(step: Step, line: str) -> str:
    """Which yarn may run after ``step``, given which may before."""
    switch = yarn_berry(step.invocation)
    if switch == "corepack":
        return _doubt(line, YARN_UNKNOWN)
    if switch is not None:
        return YARN_BERRY if switch == "berry" else YARN_CLASSIC
    command = step.command
    if any(_berry_file(redirect.target.value) for redirect in command.redirects if redirect.op in (">", ">>", ">|")):
        return YARN_BERRY
    names = [a.name for a in command.assignments]
    if command.program in ("export", "declare", "typeset", "readonly", "env"):
        names += [w.value.split("=", 1)[0] for w in command.args]
    return YARN_BERRY if YARN_BERRY_ENV.intersection(names) else line


def _yarn_after(analysis: "Analysis", instruction: ast.Instruction, line: str) -> str:
    """Which yarn may run after ``instruction`` (an ONBUILD's trigger read in its place)."""
    trigger = instruction.effective
    if isinstance(trigger, ast.RunInstruction):
        for step in run_steps(analysis, instruction):
            line = _yarn_switch(step, line)
    elif isinstance(trigger, (ast.CopyInstruction, ast.AddInstruction)):
        names = [source.value for source in trigger.sources]
        if trigger.heredocs and trigger.destination is not None:
            names.append(trigger.destination.value)
        if any(_berry_file(name) for name in names):
            line = YARN_BERRY
    elif isinstance(trigger, (ast.EnvInstruction, ast.ArgInstruction)):
        if any(pair.key.value in YARN_BERRY_ENV for pair in trigger.pairs):
            line = YARN_BERRY
    return line


def runs_as_root(analysis: "Analysis", node: ast.Instruction, step: Step) -> bool:
    """``step`` of the RUN ``node`` surely runs as root: the stage's USER at ``node`` is root (or 0), or
    its lineage sets none and starts from an official image that runs as root
    (:func:`~dflint.model.users.root_image`: ``node:20``); not in an ONBUILD trigger (another build
    runs it), nor through ``su -c``, ``sudo``, ``gosu``... (another user, or a home the Dockerfile
    does not show)."""
    invocation = step.invocation
    if "shell" in step.contexts or invocation is not None \
            and (_SWITCHERS | {"sudo", "su"}).intersection(invocation.via):
        return False
    found = _user_at(analysis, node)
    if found is None:
        return False
    if found[0] is None:
        return root_image(analysis.model, analysis.model.stage_of(node))
    return root_name(found[0])


def yarn_berry_caches(analysis: "Analysis", node: ast.Instruction, step: Step, root: bool) -> tuple[str, str]:
    """Where Yarn Berry keeps the packages ``step`` downloads, as the message names them: Yarn 4's
    global cache (``enableGlobalCache`` is on by default since 4.0; ``cacheFolder`` is then not used),
    ``globalFolder``/cache: ``$YARN_GLOBAL_FOLDER``, else ``$XDG_DATA_HOME/yarn/berry``, else
    ``~/.yarn/berry`` (``root``: the step runs as root, ``~`` is /root unless HOME is set); and the cache
    of Yarn 2 and 3, ``cacheFolder``: ``$YARN_CACHE_FOLDER``, else the project's ``.yarn/cache``
    (they also keep a copy, the mirror, in the global one). A value only the build knows is named by
    its variable."""
    lookup = _lookup(analysis, node, step)

    def place(name: str, below: str) -> Optional[str]:
        is_set, value = lookup(name)
        if not is_set:
            return None
        path = resolve(value, step.cwd) if value else None
        return posixpath.join(path, below) if path else f"${name}/{below}"

    found = place("YARN_GLOBAL_FOLDER", "cache") or place("XDG_DATA_HOME", "yarn/berry/cache")
    if found is None:
        home = user_home(analysis, node, step)
        if home is None and root and not lookup("HOME")[0]:
            home = "/root"
        found = posixpath.join(home, ".yarn/berry/cache") if home else "~/.yarn/berry/cache"
    is_set, value = lookup("YARN_CACHE_FOLDER")
    local = "the project's .yarn/cache"
    if is_set:
        local = (resolve(value, step.cwd) if value else None) or "$YARN_CACHE_FOLDER"
    return found, local


def _berry_file(path: str) -> bool:
    """``path`` names a file or directory only a Yarn Berry project has (or one in such a directory)."""
    return any(part in YARN_BERRY_FILES for part in path.split("/"))


def mount_targets(analysis: "Analysis", node: ast.Instruction,
                  types: Sequence[str] = ("cache", "tmpfs")) -> list[tuple[Optional[str], str]]:
    """Targets of the RUN's (or ONBUILD RUN's) mounts of ``types``, as (path, as written with
    ARG/ENV expanded); path None when it cannot be known (relative under an unknown WORKDIR).
    BuildKit expands variables in a target, joins a relative one to the WORKDIR and does not
    expand ``~``: ``target=~/.cache/pip`` under ``WORKDIR /app`` is ``/app/~/.cache/pip``."""
    run = _run_of(node)
    found = []
    for mount in run.mounts if run is not None else ():
        if mount.type in types and mount.target:
            expansion = analysis.model.expand(node, mount.target)
            text = expansion.value if expansion.resolved else mount.target
            found.append((resolve(text, analysis.model.workdir_at(node), home=False), text))
    return found


def _mount_targets(analysis: "Analysis", node: ast.Instruction) -> list[tuple[str, str]]:
    """Known targets of the RUN's cache and tmpfs mounts: what is written there stays out of the layer."""
    return [(path, text) for path, text in mount_targets(analysis, node) if path]


def _mount_miss(analysis: "Analysis", node: ast.Instruction, cache: PackageCache,
                locations: Sequence[str], homes: Sequence[str] = ANY_HOME) -> Optional[str]:
    """Why a cache mount meant for the cache does not cover it: written ``target=~/...``, which
    BuildKit does not expand, or on a place the cache can be in, but this install does not use
    (``/usr/local/bundle/cache`` when ``BUNDLE_PATH`` puts the gems in ``ruby/*/cache`` below;
    ``/root/.cache/pip`` when the command runs as a user whose home, ``homes``, is another)."""
    defaults = [_parts(p) for path in cache.paths for p in _homes(path)]
    for path, text in _mount_targets(analysis, node):
        if text.startswith("~/") and any(_within(_parts(home), _parts(loc)) for home in _homes(text)
                                         for loc in locations):
            return f"the cache mount's target {text} is {path}: BuildKit does not expand `~`"
        if any(_within(_parts(path), default) or _within(default, _parts(path)) for default in defaults):
            mine = [p for p in cache.paths for p in _homes(p, homes) if p in locations and p not in cache.paths]
            if mine and "*" not in homes[0] and not any(_within(_parts(path), _parts(own)) or _within(_parts(own), _parts(path))
                                for own in mine):
                return (f"the cache mount on {path} is not where this command puts it: its user's home is "
                        f"{homes[0].rstrip('/')}")
            return f"the cache mount on {path} is not where this command puts it"
    return None


@dataclass(frozen=True)
class Relocation:
    """How a command moved a cache for itself alone: its assignments of a variable of the cache's
    ``roots`` as written (``GOCACHE=/x go build``) and its location option (``--cache /x``)."""

    assignments: tuple[str, ...] = ()
    option: Optional[Option] = None

    @property
    def option_words(self) -> tuple[Word, ...]:
        """The words of the location option with its value (one word for ``--cache=/x``), when given."""
        option = self.option
        if option is None or option.value_word is None:
            return ()
        return (option.word,) if option.value_word is option.word else (option.word, option.value_word)

    @property
    def options(self) -> tuple[str, ...]:
        """The location option as written (``--cache /x``, ``--cache=/x``), when given."""
        words = self.option_words
        return (" ".join(word.raw for word in words),) if words else ()

    @property
    def words(self) -> tuple[str, ...]:
        return self.assignments + self.options

    @property
    def places(self) -> tuple[str, ...]:
        """The words that name the place, as :func:`spelled_place` writes them (``--cache "$DIR"``:
        ``$DIR``), when they name the same place each time they are read (no command substitution)."""
        if not self.repeatable:
            return ()
        option = self.option
        words = [assignment.partition("=")[2] for assignment in self.assignments]
        if option is not None and option.value_word is not None:
            value = option.value_word.raw
            words.append(value.partition("=")[2] if option.value_word is option.word else value)
        return tuple(place for place in map(spelled_place, words) if place)

    def place(self, kind: str) -> str:
        """``kind`` (``the package cache``) put where only the build knows, as these words say."""
        words = self.words
        return f"{kind} where `{' '.join(words)}` put it" if words else f"{kind} in a place set for the build"

    @property
    def repeatable(self) -> bool:
        """A cleaning command given the same words cleans the same place: no command substitution
        (``--cache "$(mktemp -d)"`` would name another place)."""
        return not any("$(" in word or "`" in word for word in self.words)


def relocation(step: Step, cache: PackageCache) -> Relocation:
    """How ``step`` moved ``cache`` for itself alone, which a cleaning command must repeat to clean
    the same place (a variable set by ENV or ``export`` holds for the cleaning command too)."""
    invocation = reread(step.invocation)
    assert invocation is not None
    names = {root for root, _ in cache.roots}
    assignments = [assignment.word.raw for assignment in step.command.assignments if assignment.name in names]
    assignments += [word.raw for word in _env_words(step.command) if word.value.partition("=")[0] in names]
    found = location_option(cache, invocation)
    return Relocation(tuple(assignments), found[0] if found is not None else None)


_BRACED = re.compile(r"\$\{(\w+)\}")


def spelled_place(word: str) -> str:
    """A path word as written, for comparing with another that names a place only the build knows:
    double quotes and braces dropped, no trailing ``/``, ``/*`` or ``/.`` (``"${DIR}"/*`` is ``$DIR``)."""
    place = _BRACED.sub(r"$\1", word.replace('"', ""))
    while place.endswith(("/", "/*", "/.")) and len(place) > 1:
        place = place[:-2] if place.endswith(("/*", "/.")) else place[:-1]
    return place


def _cleans_at(analysis: "Analysis", node: ast.Instruction, step: Step, cache: PackageCache,
               locations: Sequence[str]) -> bool:
    """``step``, one of ``cache``'s cleaning commands, cleans it in one of ``locations``: it cleans the
    place its own options and variables name (``npm cache clean --force`` does not clean the cache
    ``npm ci --cache /x`` wrote), and must clean each of them (``dnf --setopt=cachedir=/x`` may write
    /x or the default place). Where the cache went is unknown (no ``locations``), any counts."""
    if not locations:
        return True
    cleaned = _locations(analysis, node, step, cache)
    return all(any(deletes(place, location, contents=True) for place in cleaned) for location in locations)


def _removes_cache(analysis: "Analysis", node: ast.Instruction, step: Step, cache: PackageCache,
                   locations: Sequence[str], moved: Sequence[str] = ()) -> bool:
    invocation = step.invocation
    if invocation is None or under_new_root(step):
        return False
    if cleans(cache, invocation):
        return _cleans_at(analysis, node, step, cache, locations)
    return any(_removes_locations(analysis, node, removal, cache, locations, moved)
               for removal in _path_removals(analysis, node, step))


def _removes_locations(analysis: "Analysis", node: ast.Instruction, removal: "Removal",
                       cache: PackageCache, locations: Sequence[str], moved: Sequence[str] = ()) -> bool:
    """``removal`` deletes ``cache`` in ``locations``, or, where it went is unknown, in the place
    ``moved`` spells (:attr:`Relocation.places`: ``rm -rf "$DIR"`` after ``npm ci --cache "$DIR"``)."""
    if removal.path is not None:
        return any(deletes(removal.path, location, contents=True) for location in locations)
    if removal.word is None:
        return False
    if moved and not locations and spelled_place(removal.word.raw) in moved:
        return True
    symbolic = root_match(cache, removal.word.value)
    if symbolic is None:
        return False
    below, rest = symbolic
    if not rest or rest in _EMPTYING:
        return True
    return bool(below) and deletes("/" + rest, "/" + below, contents=True)


def _creations(analysis: "Analysis", node: ast.Instruction) -> list[tuple[Step, PackageCache, tuple[str, ...]]]:
    """(step, cache, locations) for every cache a step fills, unless avoided or under a mount."""
    return _remembered(analysis, "creations", node, lambda: list(_compute_creations(analysis, node)))


def _compute_creations(analysis: "Analysis", node: ast.Instruction):
    steps = run_steps(analysis, node)
    mounts = _mount_targets(analysis, node)
    for step in steps:
        invocation = step.invocation
        if invocation is None or under_new_root(step):
            continue
        for cache in cache_for_program(invocation):
            if not creates(cache, invocation) or avoids(cache, invocation, _lookup(analysis, node, step)):
                continue
            if cache.key == "yarn" and _yarn_berry(analysis, node, step):
                continue  # under Plug'n'Play the cache is the install: `yarn cache clean` breaks the application
            locations = _locations(analysis, node, step, cache)
            if any(_within(_parts(m), _parts(loc)) for m, _ in mounts for loc in locations):
                continue
            if locations and all(loc == "/dev/null" or loc.startswith("/dev/null/") for loc in locations):
                continue  # the documented way to turn some caches off (COMPOSER_CACHE_DIR=/dev/null)
            yield step, cache, locations


def leftovers(analysis: "Analysis", node: ast.Instruction) -> list[Leftover]:
    """Caches a RUN (or ONBUILD RUN) leaves in its layer, reported or not (``cache.report``)."""
    return _remembered(analysis, "leftovers", node, lambda: _compute_leftovers(analysis, node))


def _compute_leftovers(analysis: "Analysis", node: ast.Instruction) -> list[Leftover]:
    creations = _creations(analysis, node)
    if not creations:
        return []
    later = _LaterSteps(analysis, node)
    found = []
    for step, cache, locations in creations:
        moved = () if locations else relocation(step, cache).places
        if later.removing(cache, locations, moved).first(step) is not None:
            continue
        if not cache.report:  # only which caches stay matters (late-cleanup): no message will be written
            found.append(Leftover(cache, step, node, locations, False))
            continue
        homes = _homes_of(analysis, node, step)
        miss = later.near_misses(cache).first(step)
        elsewhere = later.cleaning_elsewhere(cache).first(step)
        near_step = None
        if miss is not None:
            reason, near_step = miss[1], miss[0]
        elif elsewhere is not None:
            reason = f"`{_cleaning_text(elsewhere[0])}` cleans another place"
        else:
            reason = _mount_miss(analysis, node, cache, locations, homes)
        consumed = later.last_consumer(cache) > step.index
        found.append(Leftover(cache, step, node, locations, consumed, reason, homes, near_step))
    return found


def _cleaning_text(step: Step) -> str:
    """A cleaning command as written, from its tool on (``npm cache clean --force``)."""
    argv = step.command.argv
    start = next((i for i, w in enumerate(argv) if program_name(w.value) == step.invocation.program), 0)
    return " ".join(word.raw for word in argv[start:])


class _Following:
    """Steps of a RUN (each with a value), filed to find the first that follows a given step.

    A step follows another (:meth:`Step.follows`) when it comes later, does not run after
    ``||`` and its branch is the other's or an outer one (a prefix of it): so the steps after
    ``||`` are left out, the others filed by branch in order, and the first that follows
    ``step`` is the earliest of those after it under one of its branch's prefixes.
    """

    def __init__(self, items: Iterable[tuple[Step, Any]]) -> None:
        self._by_branch: dict[tuple[str, ...], tuple[list[int], list[tuple[Step, Any]]]] = {}
        for item in sorted(items, key=lambda item: item[0].index):
            if item[0].command.operator != "||":
                indexes, filed = self._by_branch.setdefault(item[0].branch, ([], []))
                indexes.append(item[0].index)
                filed.append(item)

    def first(self, step: Step) -> Optional[tuple[Step, Any]]:
        found = None
        branch = step.branch
        for length in range(len(branch) + 1):
            indexes, filed = self._by_branch.get(branch[:length], ((), ()))
            at = bisect_right(indexes, step.index)
            if at < len(filed) and (found is None or filed[at][0].index < found[0].index):
                found = filed[at]
        return found


class _LaterSteps:
    """What the steps of a RUN do to the caches its steps fill, read once per step and cache
    (per step, cache and locations for a deletion): which steps remove a cache, look like its
    cleanup, or read it. Only a step of the cache's tool (:func:`cleans`, :func:`near_miss`,
    :func:`consumes` look at no other) or one deleting paths (:func:`_path_removals`) can; each
    creation then looks up the first of them that follows it, not every later step."""

    def __init__(self, analysis: "Analysis", node: ast.Instruction) -> None:
        self._analysis, self._node = analysis, node
        self._by_program: dict[str, list[Step]] = {}
        self._deleting: list[Step] = []
        for step in run_steps(analysis, node):
            if step.invocation is None:
                continue
            self._by_program.setdefault(program_key(step.invocation), []).append(step)
            if not under_new_root(step) and _path_removals(analysis, node, step):
                self._deleting.append(step)
        self._memo: dict[Any, Any] = {}

    def _tool_steps(self, cache: PackageCache) -> list[Step]:
        return [step for program in sorted(cache.programs) for step in self._by_program.get(program, ())]

    def _once(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def removing(self, cache: PackageCache, locations: tuple[str, ...], moved: tuple[str, ...] = ()) -> _Following:
        """The steps that remove ``cache`` from ``locations``, or from the place ``moved`` spells
        (:func:`_removes_cache`)."""
        def compute() -> _Following:
            analysis, node = self._analysis, self._node
            removing = {step.index: step for step in self._cleaning(cache)
                        if _cleans_at(analysis, node, step, cache, locations)}
            for step in self._deleting:
                if step.index not in removing and _removes_cache(analysis, node, step, cache, locations, moved):
                    removing[step.index] = step
            return _Following((step, None) for step in removing.values())
        return self._once(("removes", cache.key, locations, moved), compute)

    def _cleaning(self, cache: PackageCache) -> list[Step]:
        """The steps running one of ``cache``'s cleaning commands (:func:`cleans`), wherever they clean."""
        return self._once(("cleans", cache.key), lambda: [
            step for step in self._tool_steps(cache) if not under_new_root(step) and cleans(cache, step.invocation)])

    def cleaning_elsewhere(self, cache: PackageCache) -> _Following:
        """The steps running a cleaning command of ``cache``: those that follow a creation they do not
        remove clean another place (``npm cache clean --force`` after ``npm ci --cache /x``)."""
        return self._once(("cleaning", cache.key), lambda: _Following((step, None) for step in self._cleaning(cache)))

    def near_misses(self, cache: PackageCache) -> _Following:
        """The steps that look like a cleanup of ``cache`` and are not, with the reason (:func:`near_miss`)."""
        def compute() -> _Following:
            misses = ((step, near_miss(cache, step.invocation)) for step in self._tool_steps(cache))
            return _Following((step, reason) for step, reason in misses if reason)
        return self._once(("near misses", cache.key), compute)

    def last_consumer(self, cache: PackageCache) -> int:
        """The index of the last step that reads ``cache`` (:func:`consumes`), -1 when none does."""
        return self._once(("consumer", cache.key), lambda: max(
            (step.index for step in self._tool_steps(cache) if consumes(cache, step.invocation)), default=-1))


# ---- deletions ---------------------------------------------------------------------------------

@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class Removal:
    """Something a RUN deletes: an ``rm`` operand (``word``, ``path`` None when unknown),
    a command cleaning ``caches``, or a ``package`` a package manager removes (its name in ``word``)."""

    step: Step
    word: Optional[Word] = None
    path: Optional[str] = None
    caches: tuple[PackageCache, ...] = ()
    package: Optional[PackageChange] = None
    #: For an ``mv`` source: the destination as written (the bytes move into this RUN's layer).
    moved_to: Optional[str] = None

    @property
    def span(self) -> Span:
        return self.word.span if self.word is not None else self.step.command.span

    @property
    def text(self) -> str:
        invocation = self.step.invocation
        if self.package is not None and invocation is not None:
            return f"{command_text(invocation)} {self.word.value}"
        if self.word is not None:  # `rm -rf /x`, options as written (one option word may carry a value)
            words = {id(option.word): option.word for option in invocation.options if option.word is not None}
            options = "".join(f"{word.value} " for word in words.values())
            return f"{invocation.program} {options}{self.word.value}"
        return " ".join(w.value for w in self.step.command.argv)


def _rm_operands(analysis: "Analysis", node: ast.Instruction, step: Step) -> list[Removal]:
    invocation = step.invocation
    if invocation is None or invocation.program not in ("rm", "unlink"):
        return []
    return [Removal(step, word, _path(analysis, node, word, step.cwd)) for word in invocation.operands]


#: find predicates that select everything below the roots (or all their files): with -delete, a full cleanup.
_FIND_ALL = frozenset(("-type", "-mindepth", "-maxdepth", "-xdev", "-mount", "-depth", "-delete", "-print",
                       "-ignore_readdir_race", "-exec", "-execdir", "+", ";"))


def _find_removals(analysis: "Analysis", node: ast.Instruction, step: Step) -> list[Removal]:
    """``find /var/lib/apt/lists -type f -delete`` (or ``-exec rm``) empties its roots: read as ``rm ROOT/*``.
    A find that selects by name, age or path deletes only some files, and counts for nothing."""
    invocation = step.invocation
    if invocation is None or invocation.program != "find":
        return []
    argv = step.command.argv
    start = next((i for i, w in enumerate(argv) if posixpath.basename(w.value) == "find"), len(argv))
    words = argv[start + 1:]
    roots = []
    for word in words:
        if word.value.startswith(("-", "(", "!")):
            break
        roots.append(word)
    rest = [w.value for w in words[len(roots):]]
    executes_rm = any(value in ("-exec", "-execdir") and posixpath.basename(following) == "rm"
                      for value, following in zip(rest, rest[1:]))
    if not roots or not ("-delete" in rest or executes_rm):
        return []
    end = next((i for i, value in enumerate(rest) if value in ("-exec", "-execdir")), len(rest))
    if any(value.startswith("-") and value not in _FIND_ALL for value in rest[:end]):
        return []
    found = []
    for root in roots:
        path = _path(analysis, node, root, step.cwd)
        found.append(Removal(step, root, path.rstrip("/") + "/*" if path is not None else None))
    return found


def _mv_sources(analysis: "Analysis", node: ast.Instruction, step: Step) -> list[Removal]:
    """``mv SRC... DEST`` (or ``mv -t DEST SRC...``): each source leaves its place, and a copy of
    its bytes lands in this RUN's layer when an earlier layer created it."""
    invocation = step.invocation
    if invocation is None or invocation.program != "mv":
        return []
    sources = list(invocation.operands)
    destination = invocation.value("-t", "--target-directory")
    if destination is None:
        if len(sources) < 2:
            return []
        destination = sources.pop().value
    return [Removal(step, word, _path(analysis, node, word, step.cwd), moved_to=destination) for word in sources]


def _path_removals(analysis: "Analysis", node: ast.Instruction, step: Step) -> list[Removal]:
    """The paths a command deletes: ``rm`` operands, the roots a ``find … -delete`` empties. Read once
    per step: the caches a RUN fills and the deletions of later layers both ask."""
    memo = analysis.memo("layers: path removals")
    found = memo.get(step)
    if found is None:
        found = memo[step] = _rm_operands(analysis, node, step) + _find_removals(analysis, node, step)
    return found


def _package_removals(step: Step) -> list[Removal]:
    if not removes_packages(step.invocation):
        return []  # most steps: what an install adds is read only when a removal may undo it
    return [Removal(step, change.word, package=change) for change in step.changed_packages
            if not change.installs]


def removals(analysis: "Analysis", node: ast.Instruction) -> list[Removal]:
    """What a RUN deletes, in order: rm operands, mv sources, packages removed and cache-cleaning commands."""
    return _remembered(analysis, "removals", node, lambda: _compute_removals(analysis, node))


def _compute_removals(analysis: "Analysis", node: ast.Instruction) -> list[Removal]:
    found = []
    for step in run_steps(analysis, node):
        if under_new_root(step):
            continue
        found.extend(_path_removals(analysis, node, step))
        found.extend(_mv_sources(analysis, node, step))
        found.extend(_package_removals(step))
        if step.invocation is not None:
            cleaned = tuple(c for c in cache_for_program(step.invocation) if cleans(c, step.invocation))
            if cleaned:
                found.append(Removal(step, caches=cleaned))
    return found


# ---- what layers create ------------------------------------------------------------------------

@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class Created:
    """Something an instruction put in its layer.

    ``kind`` is ``file`` (the exact path), ``tree`` (a directory filled as a
    whole: only deleting it or a parent counts), ``cache`` or ``package``
    (the files of ``package``, installed by name; ``paths`` holds its name);
    ``how`` names the instruction or tool (``COPY``, ``curl``, ``git clone``,
    ``apt-get update``, ``apt-get install``).
    """

    paths: tuple[str, ...]
    kind: str
    how: str
    node: ast.Instruction
    #: The span, or the shell word whose span it is: found only when asked for, as few items ever are
    #: (a RUN installing forty packages made forty spans for messages that were never written).
    where: Union[Span, Word]
    cache: Optional[PackageCache] = None
    source: Optional[str] = None
    step: Optional[Step] = None
    package: Optional[PackageChange] = None

    @property
    def span(self) -> Span:
        where = self.where
        return where if isinstance(where, Span) else where.span


def _copied(analysis: "Analysis", node: Union[ast.CopyInstruction, ast.AddInstruction]) -> list[Created]:
    model = analysis.model
    dest_arg = node.destination
    if dest_arg is None:
        return []
    expansion = model.expand(node, dest_arg.value)
    if not expansion.resolved:
        return []
    dest = resolve(expansion.value, model.workdir_at(node))
    if dest is None:
        return []
    how = node.name + (" --from" if node.flag("from") is not None else "")
    sources = node.sources
    into = into_directory(expansion.value, len(sources)) or dest.endswith("/")
    dest = dest.rstrip("/") or "/"
    parents = keeps_parents(node)
    found = []
    for arg in sources:
        source = model.expand(node, arg.value).value
        if parents and "://" not in source and not source.startswith("git@"):  # the path is kept below dest
            kept = parents_path(source)
            kind = "tree" if not kept or source.endswith(("/", "/.")) else "file"
            found.append(Created((posixpath.join(dest, kept) if kept else dest,), kind, how, node, arg.span,
                                 source=source))
            continue
        if isinstance(node, ast.AddInstruction) and ("://" in source or source.startswith("git@")):
            name = posixpath.basename(url_path(source).rstrip("/"))
            if is_git_source(source):  # a checkout, with its .git only when ADD is told to keep it
                paths = (dest, dest + "/.git") if git_dir_kept(node, source) else (dest,)
                found.append(Created(paths, "tree", how, node, arg.span, source=source))
            elif name:
                found.append(Created((posixpath.join(dest, name) if into else dest,), "file", how, node, arg.span,
                                     source=source))
            continue
        if isinstance(node, ast.AddInstruction) and archive_name(source):
            found.append(Created((dest,), "tree", how, node, arg.span, source=source))
            continue
        name = posixpath.basename(source.rstrip("/"))
        if source.endswith("/") or name in ("", "."):
            found.append(Created((dest,), "tree", how, node, arg.span, source=source))
            continue
        paths = (posixpath.join(dest, name),) if into else (dest, posixpath.join(dest, name))
        found.append(Created(paths, "file", how, node, arg.span, source=source))
        if into:
            found.append(Created((dest,), "tree", how, node, arg.span, source=source))
    return found


def _fetched(analysis: "Analysis", node: ast.Instruction, step: Step) -> list[Created]:
    """Files curl/wget save and repositories git clones."""
    invocation = step.invocation
    if invocation is None:
        return []
    program, cwd = invocation.program, step.cwd
    targets: list[tuple[Optional[str], Word, str]] = []
    if program == "curl":
        for option in invocation.options:
            if option.name in ("-o", "--output") and option.value_word is not None and option.value not in ("-",):
                word = option.value_word
                if word is option.word:
                    targets.append((resolve(option.value or "", cwd), word, "file"))
                else:
                    targets.append((_path(analysis, node, word, cwd), word, "file"))
        if invocation.has("-O", "--remote-name", "--remote-name-all"):
            directory = invocation.value("--output-dir") or cwd
            for url in urls(invocation):
                name = posixpath.basename(url_path(url.value))
                if name and directory and url.literal:
                    targets.append((resolve(posixpath.join(directory, name), cwd), url, "file"))
    elif program == "wget":
        option = invocation.option("-O", "--output-document")
        if option is not None and option.value_word is not None:
            if option.value != "-":
                targets.append((_path(analysis, node, option.value_word, cwd)
                                if option.value_word is not option.word else resolve(option.value or "", cwd),
                                option.value_word, "file"))
        elif not invocation.has("-i", "--input-file", "--spider"):
            directory = invocation.value("-P", "--directory-prefix") or cwd
            for url in urls(invocation):
                name = posixpath.basename(url_path(url.value)) or "index.html"
                if directory and url.literal:
                    targets.append((resolve(posixpath.join(directory, name), cwd), url, "file"))
    elif program == "git":
        targets.extend(_cloned(analysis, node, step))
    return [Created((path,) if kind == "file" else (path, path + "/.git"), kind,
                    "git clone" if program == "git" else program, node, word.span, step=step)
            for path, word, kind in targets if path and not path.startswith("/dev/")]


@dataclass(frozen=True)
class GitCommand:
    """A ``git`` command: its subcommand, the words after it, and the ``-C`` directories before it."""

    name: str
    rest: tuple[Word, ...]
    directories: tuple[Word, ...]

    def clone_operands(self) -> tuple[Word, ...]:
        """``git clone``'s repository and, when given, directory."""
        return tuple(parse_options(self.rest, _GIT_CLONE).operands) if self.name == "clone" else ()

    def clone_branch(self) -> Optional[Option]:
        """``git clone``'s ``-b``/``--branch`` option (a branch or a tag), the last one given; None without."""
        if self.name != "clone":
            return None
        return next((o for o in reversed(parse_options(self.rest, _GIT_CLONE).options)
                     if o.name in ("-b", "--branch")), None)


def git_command(command: Command) -> Optional[GitCommand]:
    """``command`` read as a git command (wrappers before ``git`` allowed); None for other programs."""
    argv = command.argv
    values = [w.value for w in argv]
    start = next((i for i, v in enumerate(values) if posixpath.basename(v) == "git"), None)
    if start is None:
        return None
    i, directories = start + 1, []
    while i < len(argv) and values[i].startswith("-"):
        if values[i] == "-C" and i + 1 < len(argv):
            directories.append(argv[i + 1])
        i += 2 if values[i] in _GIT_GLOBAL_VALUES else 1
    if i >= len(argv):
        return None
    return GitCommand(values[i], tuple(argv[i + 1:]), tuple(directories))


def clone_directory(repository: str) -> str:
    """The directory ``git clone REPOSITORY`` creates without one given: the name without ``.git``."""
    return posixpath.basename(url_path(repository).rstrip("/")).removesuffix(".git")


def _cloned(analysis: "Analysis", node: ast.Instruction, step: Step) -> list[tuple[Optional[str], Word, str]]:
    git = git_command(step.command)
    operands = git.clone_operands() if git is not None else ()
    if not operands:
        return []
    cwd = step.cwd
    for directory in git.directories:
        cwd = _path(analysis, node, directory, cwd)
    if len(operands) > 1:
        return [(_path(analysis, node, operands[1], cwd), operands[1], "tree")]
    name = clone_directory(operands[0].value)
    if not name or not operands[0].literal or cwd is None:
        return []
    return [(resolve(name, cwd), operands[0], "tree")]


def _run_created(analysis: "Analysis", node: ast.Instruction) -> list[Created]:
    """Everything a RUN creates but packages (:func:`_run_installed`), whether or not it deletes it again."""
    return _remembered(analysis, "created", node, lambda: _compute_created(analysis, node))


def run_created(analysis: "Analysis", node: ast.Instruction) -> list[Created]:
    """What late-cleanup knows a RUN creates (:func:`_run_created`: caches it fills, files curl and wget
    save, repositories git clones), for other rules; the list is shared: read it, never change it."""
    return _run_created(analysis, node)


def _run_installed(analysis: "Analysis", node: ast.Instruction) -> list[Created]:
    """The packages a RUN installs by name, whether or not it removes them again."""
    return _remembered(analysis, "installed", node, lambda: [
        item for step in run_steps(analysis, node) if not under_new_root(step) for item in _installed(node, step)])


def _compute_created(analysis: "Analysis", node: ast.Instruction) -> list[Created]:
    steps = run_steps(analysis, node)
    found = []
    for step, cache, locations in _creations(analysis, node):
        assert step.invocation is not None
        how = command_text(step.invocation, cache)
        found.append(Created(tuple(locations), "cache", how, node, command_span(step, cache), cache=cache,
                             step=step))
    for step in steps:
        if under_new_root(step):
            continue
        found.extend(_fetched(analysis, node, step))
    return found


def _installed(node: ast.Instruction, step: Step) -> list[Created]:
    """The packages a command installs by name."""
    invocation = step.invocation
    changes = [change for change in step.changed_packages if change.installs]
    if not changes:
        return []
    assert invocation is not None
    how = command_text(invocation)
    return [Created((change.name,), "package", how, node, change.word, step=step, package=change)
            for change in changes]


# ---- late deletions ----------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LateRemoval:
    """A deletion in ``node`` of things earlier layers created (``created``).

    ``inside`` is set for a deletion of workspace files (see :func:`_copied_junk`)
    inside a directory copied from the build context since the last RUN.
    """

    node: ast.Instruction
    removal: Removal
    created: tuple[Created, ...]
    path: Optional[str] = None
    #: The context path deleted inside a directory that a COPY just copied (``.git`` of ``COPY . .``), else None.
    inside: Optional[str] = None


def _hits(analysis: "Analysis", node: ast.Instruction, removal: Removal, item: Created) -> Optional[str]:
    """The path of ``item`` that ``removal`` deletes, if any (a package's name for a package).

    A cache moved to a place only the build knows (``npm ci --cache "$DIR"``)
    has no path: a hit on it is the empty string, so compare with None.
    """
    if item.package is not None or removal.package is not None:
        return item.paths[0] if _same_package(removal.package, item.package) else None
    if removal.caches:
        cleaned = item.cache in removal.caches and _cleans_at(analysis, node, removal.step, item.cache, item.paths)
        return _first_path(item) if cleaned else None
    if item.kind == "cache":
        assert item.cache is not None
        moved = relocation(item.step, item.cache).places if not item.paths and item.step is not None else ()
        if _removes_locations(analysis, node, removal, item.cache, item.paths, moved):
            return _first_path(item)
        return None
    if removal.path is None:
        return None
    return next((path for path in item.paths if deletes(removal.path, path)), None)


def _first_path(item: Created) -> str:
    return item.paths[0] if item.paths else ""


def _same_package(removed: Optional[PackageChange], installed: Optional[PackageChange]) -> bool:
    if removed is None or installed is None or removed.family != installed.family:
        return False
    return fnmatch.fnmatchcase(installed.name, removed.name) if has_glob(removed.name) \
        else installed.name == removed.name


def shipping_stages(model: "BuildModel") -> list["Stage"]:
    """Stages whose layers can reach an image, in file order (see :func:`.history.image_stages`):
    the last stage, stages nothing else uses (``--target``s) and the stages they are built FROM."""
    indices = image_stages(model)
    return [stage for stage in model.stages if stage.index in indices]


def late_removals(analysis: "Analysis") -> list[LateRemoval]:
    """Deletions that save nothing, along the layers of each image the build can produce.

    Each stage is built once (:func:`_late_per_stage`), however many images are built FROM it; the
    findings come image by image (leaf stage by leaf stage), each stage's with the first image that
    holds it, as following each image from its first stage would give them.
    """
    model = analysis.model
    stages = shipping_stages(model)
    children: dict[Optional[int], list["Stage"]] = {}
    for stage in stages:  # the stages that ship hold their FROM ancestors: they form a tree (or several)
        children.setdefault(stage.parent, []).append(stage)
    per_stage = _late_per_stage(analysis, children)
    found: dict[tuple[int, int], LateRemoval] = {}
    reported: set[int] = set()
    for leaf in (stage for stage in stages if stage.index not in children):
        newly: list["Stage"] = []  # the leaf's lineage not reported with an earlier leaf, youngest first
        member: Optional["Stage"] = leaf
        while member is not None and member.index not in reported:
            reported.add(member.index)
            newly.append(member)
            member = model.stages[member.parent] if member.parent is not None else None
        for member in reversed(newly):
            for late in per_stage[member.index]:
                found.setdefault((id(late.node), late.removal.span.start.offset), late)
    return list(found.values())


def _late_per_stage(analysis: "Analysis", children: Mapping[Optional[int], Sequence["Stage"]]
                    ) -> dict[int, list[LateRemoval]]:
    """The late deletions of each stage, by index; ``children``: the stages built FROM each (None: the roots).

    What is alive in a stage depends only on its lineage, so the tree is built depth first: a stage's
    children each start from where it ends, their changes taken back in between (see :class:`_Layers`).
    Following each image from its first stage instead built a base shared by N targets N times."""
    layers = _Layers()
    needed = _needed(analysis, children)
    found: dict[int, list[LateRemoval]] = {}
    pending: list[Union["Stage", int]] = list(reversed(children.get(None, ())))
    while pending:  # a loop, not recursion: a chain of stages can be deeper than Python's stack
        top = pending.pop()
        if isinstance(top, int):
            layers.back_to(top)  # the stage and what was built FROM it are done: take its changes back
            continue
        pending.append(layers.mark())
        found[top.index] = layers.build(analysis, top, *needed[top.index])
        pending.extend(reversed(children.get(top.index, ())))
    return found


def _needed(analysis: "Analysis", children: Mapping[Optional[int], Sequence["Stage"]]
            ) -> dict[int, tuple[int, bool]]:
    """What of each stage the layers need: how many of its instructions (up to its last RUN that deletes
    something, or all of them when a stage built FROM it deletes something), and whether the packages
    its RUNs install (only a package removal in it or in a stage built FROM it can delete those).
    What comes after the last deletion of a lineage can be late for none: a quarter of the RUNs of a
    typical file; and most files remove no package, though most install some."""
    stages = sorted((stage for group in children.values() for stage in group), key=lambda stage: -stage.index)
    needed: dict[int, tuple[int, bool]] = {}
    for stage in stages:  # children first: a stage is built FROM an earlier one
        after = [needed[child.index] for child in children.get(stage.index, ())]
        runs = [(i, removals(analysis, node)) for i, node in enumerate(stage.instructions)
                if isinstance(node, ast.RunInstruction)]
        reach = len(stage.instructions) if any(count for count, _ in after) \
            else max((i + 1 for i, deleted in runs if deleted), default=0)
        packages = any(wanted for _, wanted in after) \
            or any(removal.package is not None for _, deleted in runs for removal in deleted)
        needed[stage.index] = (reach, packages)
    return needed


class _Layers:
    """The state of the layers built so far: what is alive (:class:`_Alive`) and ``fresh``, the directories
    copied from the context since the last RUN that may have written files (nothing wrote in them), with a
    log to take changes back
    to a :meth:`mark`, so that the stages built FROM one stage all start from its end."""

    def __init__(self) -> None:
        self.alive = _Alive()
        self.fresh: PathIndex[Created] = PathIndex()
        self._order = itertools.count()
        self._undo: list[Callable[[], None]] = []

    def mark(self) -> int:
        return len(self._undo)

    # An undo step made in a loop binds what it takes back as a default: a closure would read the
    # loop variable's last value when it runs.
    def back_to(self, mark: int) -> None:
        while len(self._undo) > mark:
            self._undo.pop()()

    def build(self, analysis: "Analysis", stage: "Stage", reach: int, packages: bool) -> list[LateRemoval]:
        """Add the layers of ``stage``'s first ``reach`` instructions (with the packages they install, or
        without); the deletions in them that come too late."""
        found = []
        for node in stage.instructions[:reach]:
            if isinstance(node, (ast.CopyInstruction, ast.AddInstruction)):
                copied = _copied(analysis, node)
                self._add(copied)
                fresh = self.fresh
                for item in _context_trees(copied):
                    seq = next(self._order)
                    fresh.add(seq, item, item.paths[:1])
                    self._undo.append(lambda seq=seq, fresh=fresh: fresh.remove(seq))
            elif isinstance(node, ast.RunInstruction):
                found.extend(self._run(analysis, node, packages))
        return found

    def _run(self, analysis: "Analysis", node: ast.Instruction, packages: bool) -> list[LateRemoval]:
        own = _run_created(analysis, node) + (_run_installed(analysis, node) if packages else [])
        deletions = removals(analysis, node)
        deleting, deleted = _deleted_by_itself(analysis, node, own, deletions)
        found = []
        for removal in deletions:
            if id(removal) in deleting:
                continue  # this RUN deletes what it created itself
            hits = sorted(self.alive.hits(analysis, node, removal), key=lambda h: h[1].kind != "file")
            if hits:
                found.append(LateRemoval(node, removal, tuple(item for _, item, _ in hits), hits[0][2] or None))
                gone = self.alive.remove([seq for seq, _, _ in hits])
                self._undo.append(lambda gone=gone: self.alive.restore(gone))
                continue
            junk = _copied_junk(analysis, node, removal, self.fresh)
            if junk is not None:
                found.append(LateRemoval(node, removal, (junk[0],), removal.path, inside=junk[1]))
        self._add(_left_by_run(analysis, node, own, deleted))
        if _first_write(analysis, node) < len(run_steps(analysis, node)):  # it may have written in a copy
            self._undo.append(lambda fresh=self.fresh: setattr(self, "fresh", fresh))
            self.fresh = PathIndex()
        return found

    def _add(self, items: Sequence[Created]) -> None:
        seqs = self.alive.add(items)
        self._undo.append(lambda: self.alive.remove(seqs))


def _deleted_by_itself(analysis: "Analysis", node: ast.Instruction, own: Sequence[Created],
                       deletions: Sequence[Removal]) -> tuple[set[int], set[int]]:
    """Which of a RUN's ``deletions`` delete what an earlier command of the RUN created (items of
    ``own``), and which items they delete (ids of both). ``own`` is filed like what earlier layers
    left, so that each deletion meets only what it may delete (comparing every deletion with every
    item made a RUN of N downloads and N deletions quadratic)."""
    if not deletions:
        return set(), set()  # nothing to delete
    # Only a package removal deletes a package, and it deletes nothing else (see _Alive): a RUN
    # that installs forty packages and deletes its apt lists need not file the packages.
    packages = any(removal.package is not None for removal in deletions)
    paths = any(removal.package is None for removal in deletions)
    created = _Alive()
    created.add([item for item in own if (packages if item.package is not None else paths)])
    deleting: set[int] = set()
    deleted: set[int] = set()
    for removal in deletions:
        for item in created.candidates(analysis, node, removal).values():
            if item.step is not None and item.step.index < removal.step.index \
                    and _hits(analysis, node, removal, item) is not None:
                deleting.add(id(removal))
                deleted.add(id(item))
    return deleting, deleted


class _Alive:
    """What earlier layers created that no deletion has reached yet, in the order they came, filed so
    that a deletion meets only what it may delete: paths in a :class:`.PathIndex`, packages by family
    and name, caches by what they are. :func:`_hits` still decides every pair it is shown, so this only
    spares the comparisons that cannot succeed (comparing every deletion with everything alive made a
    file of N COPYs and N RUNs quadratic)."""

    def __init__(self) -> None:
        self._order = itertools.count()
        self._items: dict[int, Created] = {}
        self._paths: PathIndex[Created] = PathIndex()
        self._packages: dict[tuple[str, str], dict[int, Created]] = {}
        self._families: dict[str, dict[int, Created]] = {}
        # (id of the cache, the item is a cache) -> (the cache, its items)
        self._caches: dict[tuple[int, bool], tuple[PackageCache, dict[int, Created]]] = {}

    def add(self, items: Sequence[Created]) -> list[int]:
        """File ``items``, after everything filed before; their numbers."""
        seqs = []
        for item in items:
            seq = next(self._order)
            self._file(seq, item)
            seqs.append(seq)
        return seqs

    def remove(self, seqs: Iterable[int]) -> list[tuple[int, Created]]:
        """Forget the items ``seqs``; (seq, item) for each, to :meth:`restore` them."""
        gone = []
        for seq in seqs:
            item = self._items.pop(seq)
            gone.append((seq, item))
            package = item.package
            if package is not None:
                self._packages[(package.family, package.name)].pop(seq)
                self._families[package.family].pop(seq)
                continue
            self._paths.remove(seq)
            if item.cache is not None:
                self._caches[(id(item.cache), item.kind == "cache")][1].pop(seq)
        return gone

    def restore(self, gone: Iterable[tuple[int, Created]]) -> None:
        """File again what :meth:`remove` took, in its place in the order."""
        for seq, item in gone:
            self._file(seq, item)

    def _file(self, seq: int, item: Created) -> None:
        self._items[seq] = item
        package = item.package
        if package is not None:  # only a package removal can delete it, and it deletes nothing else
            self._packages.setdefault((package.family, package.name), {})[seq] = item
            self._families.setdefault(package.family, {})[seq] = item
            return
        self._paths.add(seq, item, item.paths)
        if item.cache is not None:
            self._caches.setdefault((id(item.cache), item.kind == "cache"), (item.cache, {}))[1][seq] = item

    def hits(self, analysis: "Analysis", node: ast.Instruction,
             removal: Removal) -> list[tuple[int, Created, str]]:
        """(seq, item, path) for each alive item ``removal`` deletes (see :func:`_hits`), in the order they came."""
        return [(seq, item, path) for seq, item in sorted(self.candidates(analysis, node, removal).items())
                if (path := _hits(analysis, node, removal, item)) is not None]

    def candidates(self, analysis: "Analysis", node: ast.Instruction, removal: Removal) -> dict[int, Created]:
        """The items ``removal`` may delete: every one it deletes, and few others."""
        if removal.package is not None:  # the same family and name, or a name the removal's glob matches
            package = removal.package
            if has_glob(package.name):
                return self._families.get(package.family, {})
            return self._packages.get((package.family, package.name), {})
        found: dict[int, Created] = {}
        if removal.caches:  # the caches it cleans, wherever they are
            for cache, items in self._caches.values():
                if cache in removal.caches:
                    found.update(items)
            return found
        if removal.path is None:  # `rm -rf "$GEM_HOME/cache"`: read by the cache alone, whatever its locations
            for (_, is_cache), (_, items) in self._caches.items():
                if is_cache and items and _hits(analysis, node, removal, next(iter(items.values()))) is not None:
                    found.update(items)
            return found
        parts = _parts(removal.path)
        if parts and parts[-1] in _EMPTYING:
            parts = parts[:-1]
        if not parts:
            return found
        # A cache also counts as deleted by a glob one level inside it (see :func:`deletes`).
        return self._paths.below(parts, contents=has_glob(parts[-1]))


def _context_trees(copied: Sequence[Created]) -> list[Created]:
    """The directories a COPY filled from the build context, each with the one source that filled it.

    ``COPY x /app/`` fills /app from x when x is a directory, the likely
    reading of a lone source. With several sources into one place
    (``COPY a b x /app/``) a name is as likely a file, so only sources
    written as directories (``x/``, ``.``) count, and only when one does:
    otherwise which source brought a file is unknown.
    """
    by_place: dict[str, list[Created]] = {}
    for item in copied:
        if item.kind == "tree" and item.how == "COPY" and item.source is not None:
            by_place.setdefault(item.paths[0], []).append(item)
    trees = []
    for items in by_place.values():
        if len(items) > 1:
            items = [item for item in items if _names_directory(item.source or "")]
        if len(items) == 1:
            trees.append(items[0])
    return trees


def _names_directory(source: str) -> bool:
    """The source is written as a directory: ``dir/``, ``dir/.``, ``.``."""
    return source.endswith(("/", "/.")) or source in ("", ".")


#: Names that only a build context holds: version control, editor and CI settings, docs, tests, caches of
#: local tools. Deleting one inside a directory just copied from the context means the COPY brought it.
_WORKSPACE_NAMES = frozenset((
    ".git", ".github", ".gitlab", ".gitignore", ".gitattributes", ".gitmodules", ".svn", ".hg", ".dockerignore",
    ".vscode", ".idea", ".devcontainer", ".circleci", ".travis.yml", ".gitlab-ci.yml", ".pre-commit-config.yaml",
    "test", "tests", "spec", "doc", "docs", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox",
    ".nox", ".coverage", "coverage", "htmlcov", ".nyc_output", ".DS_Store",
))
_WORKSPACE_PATTERNS = ("*.md", "*.rst", "Dockerfile*", "*.Dockerfile", "docker-compose*", "compose.y*ml", "*.pyc",
                       # developers' secrets: deleted later, they are still in the COPY's layer
                       ".env", ".env.*", ".npmrc", ".pypirc", ".netrc", ".git-credentials", "id_rsa*", "id_ecdsa*",
                       "id_ed25519*", "*.pem", "*.key", "*.p12", "*.pfx")
#: Commands that create no file: what they run before a deletion cannot have created the deleted files.
#: (chmod and chown change files, but only their metadata: `chown -R www /app` between `COPY . /app` and
#: `rm /app/.env` leaves the .env in two layers, not in none.)
_QUIET = frozenset(("cd", "set", "echo", "printf", "true", ":", "ls", "pwd", "export", "unset", "umask", "test",
                    "[", "rm", "whoami", "id", "shopt", "chmod", "chown", "chgrp"))


def _copied_junk(analysis: "Analysis", node: ast.Instruction, removal: Removal,
                 fresh: PathIndex[Created]) -> Optional[tuple[Created, str]]:
    """The context directory copy that brought what ``removal`` deletes, and the deleted path in the
    context, when that is workspace content (``.git``, ``tests``, ``*.md``...) and nothing could have
    written it since: no RUN after the COPY, no command but quiet ones before the deletion in this RUN."""
    if removal.path is None or removal.word is None:
        return None
    parts = _parts(removal.path)
    if parts and parts[-1] in _EMPTYING:
        parts = parts[:-1]
    candidates = fresh.above(parts)  # the copies into a directory above the deleted path
    if not candidates:
        return None
    if _first_write(analysis, node) < removal.step.index:
        return None
    item = candidates[max(candidates)]  # the latest copy into that place
    below = parts[len(_parts(item.paths[0])):]
    if not any(name in _WORKSPACE_NAMES or any(fnmatch.fnmatchcase(name, p) for p in _WORKSPACE_PATTERNS)
               for name in below):
        return None
    assert item.source is not None
    source = item.source.strip("/")
    return item, "/".join(([] if source in ("", ".") else [source]) + below)


def _first_write(analysis: "Analysis", node: ast.Instruction) -> int:
    """The index of the RUN's first step that may write a file (not a :data:`_QUIET` command, or one
    with a redirect), or its number of steps; once per RUN, not once per deletion in it."""
    def compute() -> int:
        steps = run_steps(analysis, node)
        return next((s.index for s in steps
                     if s.invocation is None or s.invocation.program not in _QUIET or _writes(s.command)), len(steps))
    return _remembered(analysis, "first-write", node, compute)


def _writes(command: Command) -> bool:
    """The command redirects output into a file (``echo x > f``); /dev/* does not count."""
    return any(r.op in (">", ">>", ">|", "&>", "&>>", "<>") and not r.target.value.startswith("/dev/")
               for r in command.redirects)


def _left_by_run(analysis: "Analysis", node: ast.Instruction, own: Sequence[Created],
                 deleted: set[int]) -> list[Created]:
    """What of ``own`` (created by the RUN ``node``) is still there when the RUN ends (``deleted``: the ids of
    the items its own deletions reach, see :func:`_deleted_by_itself`; a cache is read by :func:`leftovers`)."""
    kept = {(id(left.step), left.cache.key) for left in leftovers(analysis, node)}
    left = []
    for item in own:
        assert item.step is not None
        if item.kind == "cache":
            if (id(item.step), item.cache.key) in kept:
                left.append(item)
        elif id(item) not in deleted:
            left.append(item)
    return left


# ---- fixes -------------------------------------------------------------------------------------

def append_edit(analysis: "Analysis", node: ast.Instruction, command: str) -> Optional[tuple[int, str]]:
    """Where and what to insert so that ``command`` runs last in the RUN, exactly when it
    succeeds (``&& command`` after its last command; see :func:`append_point`). A RUN
    continued over several lines gets a line of its own, in the RUN's ``&&`` style."""
    point = append_point(analysis, node)
    if point is None:
        return None
    run = _run_of(node)
    text = analysis.file.text
    line_start = text.rfind("\n", 0, point) + 1
    origin = analysis.commands(node)[0].origin
    # A shell-form command line continued over lines; not a JSON string (exec form), which stays on one.
    if isinstance(origin, ast.Argument) and origin.origin >= 0 and line_start > run.span.start.offset:
        line = text[line_start:point]
        indent = line[:len(line) - len(line.lstrip())]
        escape = analysis.model.escape
        newline = "\r\n" if text.startswith("\r\n", point) or text.startswith("\r\n", line_start - 2) else "\n"
        if line.lstrip().startswith("&&"):
            return point, f" {escape}{newline}{indent}&& {command}"
        return point, f" && {escape}{newline}{indent}{command}"
    return point, f" && {command}"


def append_point(analysis: "Analysis", node: ast.Instruction) -> Optional[int]:
    """Offset after which ``&& cmd`` can be appended so that ``cmd`` runs last, exactly when the
    RUN succeeds, with the RUN's exit status kept: the end of its last command, when that
    command is at the top level of the RUN's only script. None otherwise."""
    run = _run_of(node)
    scripts = analysis.commands(node)
    if run is None or exec_form_run(node) is not None or len(scripts) != 1 or not scripts[0].ok \
            or not scripts[0].commands:  # an exec-form RUN with no shell runs one command, no `&&`
        return None
    script = scripts[0]
    if isinstance(script.origin, ast.Argument) and run.heredocs:
        return None
    last = max(script.commands, key=lambda c: c.start)
    if last.contexts or last.background or last.program in ("exit", "exec", "return"):
        return None
    if script.text[last.end:].strip():
        return None
    return last.span.end.offset
