"""What the build around a package-manager command tells about it.

:mod:`dflint.shell.package_managers` reads one command; this module looks at
what came before it in the build:

* :func:`configured`: a setting written to a configuration file by an earlier
  RUN of the image (or earlier in the same RUN): ``APT::Get::Assume-Yes
  "true";`` in ``/etc/apt/apt.conf.d``, ``assumeyes=1`` in ``dnf.conf``;
* :func:`variable_set`: an environment variable set for the command (its own
  assignments, ``env NAME=...``, ``export``, ARG/ENV);
* :func:`expand_word` (from :mod:`.shell_values`): a word's value after
  ARG/ENV expansion (and of a plain value the RUN assigns before the
  command), split as the shell splits it; None whenever a part cannot be
  known; :func:`expanded_invocation`: the command read with those values in
  place, so that options a variable holds (``apt-get install $APT_OPTS
  curl``) are options; :func:`known_pins` and :func:`hidden_options` build
  on them;
* :func:`go_module_context`: the command may run inside a Go module (a
  ``go.mod`` was copied into its directory or above), where ``go install
  pkg`` builds the version ``go.mod`` requires;
* :func:`run_nodes`: RUN and ONBUILD RUN instructions of given stages
  (:func:`.layers.run_steps` gives the commands of one, exec form included:
  ``RUN ["apk", "add", "curl"]`` runs apk without a shell), and
  :func:`insert_after`: the edit that adds an argument after a word of
  either form.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from .. import ast
from ..shell.model import Word
from ..shell.scripts import exec_form_run
from ..shell.tools import Invocation
from ..shell.package_managers import PACKAGE_TOOLS, Pin, repin, reread
from .copies import copied
from .history import histories
from .layers import Step, run_steps
from .shell_values import expand_word, expanded_command

if TYPE_CHECKING:  # pragma: no cover
    from ..analysis import Analysis
    from .build import Stage

__all__ = ["APT_ASSUME_YES", "APT_NO_RECOMMENDS", "RPM_ASSUME_YES", "configured", "variable_set", "expand_word",
           "expanded_invocation", "go_module_context", "run_nodes", "earlier_runs", "known_pins",
           "insert_after", "hidden_options"]

#: ``APT::Get::Assume-Yes "true";`` as apt.conf writes it (not ``-o ...=true``, which is one command's).
APT_ASSUME_YES = re.compile(r"Assume-Yes\s+\\?[\"']?\s*(?:true|yes|1|on|with|enable)\b", re.I)
APT_NO_RECOMMENDS = re.compile(r"Install-Recommends\s+\\?[\"']?\s*(?:false|no|0|off|without|disable)\b", re.I)
#: ``assumeyes=1`` in yum.conf / dnf.conf (not ``--setopt=assumeyes=1``).
RPM_ASSUME_YES = re.compile(r"(?<![\w=-])(?<!--setopt )assumeyes\s*=\s*(?:1|true|yes|on)\b", re.I)
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)


def run_nodes(stages: Iterable["Stage"]) -> Iterator[ast.Instruction]:
    """RUN and ONBUILD RUN instructions of ``stages``, in file order."""
    for stage in stages:
        for node in stage.instructions:
            trigger = node.effective
            if isinstance(trigger, ast.RunInstruction):
                yield node


def insert_after(analysis: "Analysis", node: ast.Instruction, word: Word, argument: str) -> tuple[int, str]:
    """(offset, text) inserting ``argument`` after ``word``: `` -y`` in a shell command,
    ``, "-y"`` in an exec-form RUN."""
    if exec_form_run(node) is not None:
        return word.span.end.offset, ", " + _json_string(argument)
    return word.span.end.offset, " " + argument


def _json_string(text: str) -> str:
    import json

    return json.dumps(text)


def earlier_runs(analysis: "Analysis", node: ast.Instruction) -> list[ast.Instruction]:
    """RUNs whose layers are under ``node``: earlier RUNs of its stage and of the stages it is
    built FROM; for an ONBUILD trigger, all of those and the earlier triggers."""
    stage = analysis.model.stage_of(node)
    if stage is None:
        return []
    found: list[ast.Instruction] = []
    for history in histories(analysis.model, stage):
        for item in history:
            if item.anchor is node:
                return found
            if isinstance(item.node, ast.RunInstruction):
                found.append(item.anchor)
    return found


def _step_text(step: Step) -> str:
    command = step.command
    text = step.script.text[command.start:command.end]
    return text + "".join("\n" + r.heredoc.body for r in command.redirects if r.heredoc is not None)


def _configured_before(analysis: "Analysis", stage, pattern: re.Pattern[str]) -> dict[int, bool]:
    """For each instruction of ``stage`` (its own and its ONBUILDs), whether one of
    :func:`earlier_runs` matches ``pattern``; under 0, whether any RUN of its histories does. One
    pass for all the stage's installs, not one scan of the earlier RUNs per install; and one pass
    per stage, started from what its parent's lineage ended with, not one over its whole lineage
    (a chain of N stages was N²)."""
    known = analysis.model.derived.setdefault("package-config: configured before", {})
    key = (stage.index, pattern)
    table = known.get(key)
    if table is not None:
        return table
    lineage = analysis.model.lineage(stage)
    start, seen = 0, False  # the first member to walk, and whether a RUN before it matched
    for index in range(len(lineage) - 2, -1, -1):  # the youngest ancestor whose lineage is known
        ended = known.get(("lineage", lineage[index].index, pattern))
        if ended is not None:
            start, seen = index + 1, ended
            break
    table = known[key] = {}
    for member in lineage[start:]:
        for node in member.instructions:
            if isinstance(node, ast.OnbuildInstruction):
                continue  # not in the lineage (history.histories); its trigger runs downstream
            if member is stage:
                table[id(node)] = seen
            if not seen and isinstance(node, ast.RunInstruction):
                seen = pattern.search(node.text) is not None
        known[("lineage", member.index, pattern)] = seen
    for node in stage.instructions:  # the triggers, as they run downstream (history.histories)
        if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None:
            table.setdefault(id(node), seen)
            if not seen and isinstance(node.trigger, ast.RunInstruction):
                seen = pattern.search(node.text) is not None
    table[0] = seen  # an instruction outside the histories sees every RUN in them
    return table


def configured(analysis: "Analysis", node: ast.Instruction, step: Step, pattern: re.Pattern[str]) -> bool:
    """An earlier RUN of the image, or a command before ``step`` in its RUN, writes text matching
    ``pattern`` (a configuration setting)."""
    stage = analysis.model.stage_of(node)
    table = _configured_before(analysis, stage, pattern) if stage is not None else None
    if table is not None and table.get(id(node), table[0]):
        return True
    return _first_match(analysis, node, pattern) < step.index


def _first_match(analysis: "Analysis", node: ast.Instruction, pattern: re.Pattern[str]) -> int:
    """The index of the first step of ``node`` whose text matches ``pattern`` (the number of steps
    if none does): one pass per RUN, not one scan of the earlier steps per install."""
    memo = analysis.memo("package_config: first match")  # (node, pattern) -> step index
    key = (node, pattern)
    first = memo.get(key)
    if first is None:
        steps = run_steps(analysis, node)
        first = memo[key] = next((s.index for s in steps if pattern.search(_step_text(s))), len(steps))
    return first


def variable_set(analysis: "Analysis", node: ast.Instruction, step: Step, name: str) -> bool:
    """``name`` is set to a non-empty value for ``step`` (or to a value that cannot be known):
    by the command's assignments, an ``env NAME=value`` wrapper, an earlier ``export``, or
    ARG/ENV."""
    for assignment in step.command.assignments:
        if assignment.name == name:
            return assignment.value.value != "" or assignment.value.has_expansion
    for word in step.command.argv:
        match = _ASSIGNMENT.match(word.value)
        if match and match.group(1) == name:
            return match.group(2) != "" or word.has_expansion
    if name in step.exported:
        return step.exported[name] != ""
    variable = analysis.model.scope_at(node).get(name)
    return variable is not None and variable.value != ""


def known_pins(analysis: "Analysis", node: ast.Instruction, step: Step,
               pins: Iterable[Pin]) -> Iterator[Pin]:
    """``pins`` whose versions can be known: a pin read from a word with an expansion is read
    again from what the word expands to (``$PACKAGES`` with ``ARG PACKAGES="curl git"`` gives
    one pin per package, their ``text`` the package, their word ``$PACKAGES``); pins whose words
    cannot be expanded are left out. ``pins`` may come from :func:`expanded_invocation`'s command."""
    expanded = None
    for pin in pins:
        if pin.kind != "unknown":
            yield pin
            continue
        if expanded is None:
            expanded = expanded_command(analysis, node, step)
        invocation = expanded.invocation
        written = expanded.origins.get(id(pin.word))
        if written is not None:  # one field of a word read in place: the package it names
            values, pin = [pin.word.value], replace(pin, word=written)
        else:
            values = expand_word(analysis, node, step, pin.word)
        if values is None or invocation is None:
            continue
        for value in values:
            if value.startswith("-"):
                continue  # an option the expansion holds (`ARG APT_FLAGS=-y`), not a package
            found = repin(pin, value, invocation)
            if found is not None:
                yield found


def hidden_options(analysis: "Analysis", node: ast.Instruction, step: Step) -> bool:
    """A word of the command starts with an expansion that may hold options the rules cannot see
    (``apt-get install $APT_FLAGS curl``): its value is unknown, or holds a word starting with
    ``-`` and :func:`expanded_invocation` could not read it in place (a loop's variable, which
    takes several values; a quoted value that is no single option)."""
    read_in_place = None
    for word in step.command.argv[1:]:
        if not word.has_expansion or not word.raw.lstrip("\"'").startswith("$"):
            continue
        if read_in_place is None:
            read_in_place = expanded_command(analysis, node, step).replaced
        if id(word) in read_in_place:
            continue
        values = expand_word(analysis, node, step, word)
        if values is None or any(value.startswith("-") for value in values):
            return True
    return False


def expanded_invocation(analysis: "Analysis", node: ast.Instruction, step: Step) -> Optional[Invocation]:
    """``step``'s command read with the known values of its arguments in place
    (:func:`~.shell_values.expanded_command`): ``apt-get install $APT_OPTS curl`` with
    ``APT_OPTS="-y --no-install-recommends"`` has both options."""
    invocation = step.invocation
    if invocation is None or invocation.program not in PACKAGE_TOOLS \
            or not any(word.has_expansion for word in step.command.argv):
        return reread(invocation)  # the common cases: expanding reads nothing else (expanded_command)
    return expanded_command(analysis, node, step).invocation


def go_module_context(analysis: "Analysis", node: ast.Instruction, step: Step) -> bool:
    """``step`` may run inside a Go module: an earlier COPY/ADD of the image brought a ``go.mod``
    or a directory tree into its working directory or above it (or somewhere unknown), or the
    RUN changed directory or ran ``go mod init`` before it."""
    if step.cwd != analysis.model.workdir_at(node):
        return True
    for earlier in run_steps(analysis, node)[:step.index]:
        invocation = earlier.invocation
        if invocation is None:
            continue
        if invocation.program in ("cd", "pushd", "git") or (
                invocation.program == "go" and invocation.subcommand == "mod"
                and [w.value for w in invocation.operands[:1]] == ["init"]):
            return True
    stage = analysis.model.stage_of(node)
    if stage is None:
        return False
    modules = _module_copies(analysis, stage)
    end = modules.position.get(node, modules.length)  # the copies before the RUN (before its ONBUILD)
    if modules.unknown < end or (step.cwd is None and modules.any < end):
        return True
    cwd = step.cwd
    if cwd is None:
        return False
    cwd = cwd.rstrip("/") or "/"
    # paths.inside(cwd, directory): the directory is cwd, a directory above it, or /
    directories = [cwd, "/", *(cwd[:i] for i, c in enumerate(cwd) if c == "/" and i)]
    return any(modules.directories.get(directory, end) < end for directory in directories)


class _ModuleCopies:
    """Where the COPY and ADD instructions of a stage's history (its lineage, then its ONBUILD
    triggers, as :func:`.history.histories` gives them) bring a go.mod or a directory that may hold
    one: for each directory (as :func:`.paths.inside` compares it), the position of the first copy
    that brings one there. A query is then a look-up per directory above the RUN's, not a pass over
    every earlier copy."""

    __slots__ = ("position", "length", "unknown", "any", "directories")

    def __init__(self, analysis: "Analysis", stage: "Stage") -> None:
        self.position: dict[ast.Instruction, int] = {}  # the first step each anchor starts
        self.directories: dict[str, int] = {}
        self.length = 0
        never = 1 << 62
        self.unknown = never  # the first copy whose destination cannot be known
        self.any = never  # the first copy that brings a module anywhere (for an unknown working directory)
        for history in histories(analysis.model, stage):
            for item in history:
                position = self.length
                self.length += 1
                self.position.setdefault(item.anchor, position)
                if not isinstance(item.node, (ast.CopyInstruction, ast.AddInstruction)):
                    continue
                entries = copied(analysis.model, item.node, item.anchor if item.trigger else None)
                if not entries:
                    if item.node.sources and self.unknown == never:
                        self.unknown = position
                    continue
                for directory in _module_directories(entries):
                    self.any = min(self.any, position)
                    self.directories.setdefault(directory.rstrip("/") or "/", position)


def _module_copies(analysis: "Analysis", stage: "Stage") -> _ModuleCopies:
    known = analysis.model.derived.setdefault("package-config: module copies", {})
    found = known.get(stage.index)
    if found is None:
        found = known[stage.index] = _ModuleCopies(analysis, stage)
    return found


def _module_directories(entries) -> Iterator[str]:
    """The directories the copied ``entries`` bring a go.mod into, or a tree that may hold one."""
    for entry in entries:
        name = posixpath.basename(entry.source.value.rstrip("/"))
        if name == "go.mod":
            yield posixpath.dirname(entry.path) if entry.kind == "file" else entry.path
        elif entry.kind == "tree" or (entry.kind == "either" and "." not in name.lstrip(".")):
            yield entry.path  # a directory, which may hold a go.mod
