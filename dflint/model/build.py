"""The build as BuildKit runs it: stages, their bases and graph, variable scopes.

Scoping follows BuildKit's dispatcher:

* ARGs before the first FROM form the global scope, together with the
  platform ARGs (TARGETPLATFORM ...); it is used for FROM and ``--platform``;
* inside a stage nothing global is visible until ``ARG NAME`` re-declares it
  (taking the global value when it has no default);
* a stage built ``FROM`` an earlier stage inherits that stage's ARG and ENV
  values; a stage built on an external image also has that image's ENV, which
  cannot be seen here, so unknown names there stay unresolved;
* ``ENV a=1 b=$a`` expands every value (and key) with the scope before the
  instruction; ``ARG`` declarations are applied one after another, their
  keys as written;
* ENV and ARG share one environment: whichever sets a name last wins
  (``ENV X=1`` then ``ARG X=2`` gives 2, as BuildKit's dispatcher adds both
  to the same state), except that an ``ARG X`` without default keeps the
  ENV's value unless the build passes X: unknown here.

Deliberate differences: an ARG without default (and without a global
value) is unset in BuildKit unless ``--build-arg`` sets it, which the
Dockerfile cannot show: its value is unknown here, not empty. BuildKit also
gives a ``scratch`` stage the default PATH of its platform; the scope does
not hold it (rules that read PATH know it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from .. import ast
from ..source import LineIndex
from .image import ImageReference, parse_image_reference
from .variables import PLATFORM_ARGS, Expansion, Scope, Variable



_INDEX = re.compile(r"[+-]?[0-9]+")
#: Fragments of image names that only exist for Windows.
_WINDOWS_IMAGES = ("windows/servercore", "windows/nanoserver", "windows/server", "/windows", "nanoserver",
                   "servercore", "windowsservercore", ":ltsc20",
                   # .NET Framework and IIS exist only for Windows (mcr.microsoft.com/dotnet/framework/sdk)
                   "dotnet/framework/", "microsoft/dotnet-framework", "microsoft/aspnet:", "/iis:")
#: Shells only Windows has (pwsh runs on Linux too).
_WINDOWS_SHELLS = frozenset(("cmd", "cmd.exe", "powershell", "powershell.exe"))


@dataclass(frozen=True, eq=False)
class BaseImage:
    """What a stage is built on: an image, ``scratch`` or an earlier stage."""

    argument: Optional[ast.Argument]
    expansion: Optional[Expansion]
    reference: Optional[ImageReference]
    parent: Optional[int] = None

    @property
    def is_stage(self) -> bool:
        return self.parent is not None

    @property
    def is_scratch(self) -> bool:
        return self.parent is None and self.expansion is not None and self.expansion.value == "scratch"


@dataclass(frozen=True, eq=False)
class Dependency:
    """A stage needs another stage or an external image, because of ``instruction``."""

    instruction: ast.Instruction
    kind: str  # "from", "copy", "mount"
    stage: Optional[int] = None
    image: Optional[ImageReference] = None


# A reference with an inline default (${BASE:-python}, ${TAG-3.12}) says what a build without that ARG uses.
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-")

@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class ImageUse:
    """An external image the build pulls: a FROM base, ``COPY --from`` or a mount's ``from=``.

    ``span`` points at the image as written; ``expansion`` tells how ARGs
    turned it into ``reference`` (FROM only: --from values are not expanded).
    """

    instruction: ast.Instruction
    kind: str  # "from", "copy", "mount"
    reference: ImageReference
    span: ast.Span
    written: str
    expansion: Optional[Expansion] = None
    in_trigger: bool = False

    @property
    def via(self) -> str:
        """`` (${BASE} resolves to python with the ARG defaults)`` when ARGs were expanded, else empty."""
        if self.expansion is None or self.expansion.source == self.expansion.value:
            return ""
        return f" ({self.written} resolves to {self.reference.text} with the ARG defaults)"


@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class Stage:
    """One ``FROM`` and the instructions up to the next one."""

    index: int
    name: Optional[str]
    from_instruction: ast.FromInstruction
    base: BaseImage
    platform: Optional[Expansion]
    instructions: tuple[ast.Instruction, ...]
    dependencies: tuple[Dependency, ...] = field(default=())

    @property
    def label(self) -> str:
        return self.name if self.name else f"stage-{self.index}"

    @property
    def line(self) -> int:
        return self.from_instruction.line

    @property
    def parent(self) -> Optional[int]:
        return self.base.parent


class BuildModel:
    """Stages, scopes and expansion for one parsed :class:`~dflint.ast.File`."""

    def __init__(self, file: ast.File) -> None:
        self.file = file
        self.escape = file.escape
        self._scopes: dict[ast.Instruction, Scope] = {}
        self._stage_of: dict[ast.Instruction, int] = {}
        self.global_scope = Scope(
            {name: Variable(name, None, "platform") for name in PLATFORM_ARGS}, base_image_env=False
        )
        self.global_args: list[Variable] = []
        self.stages: tuple[Stage, ...] = ()
        self._final_scopes: list[Scope] = []
        self._index: Optional[LineIndex] = None
        self._workdirs: Optional[dict[ast.Instruction, Optional[str]]] = None
        self._lineages: dict[int, tuple[Stage, ...]] = {}
        self._windows: dict[int, bool] = {}
        self._names: Optional[tuple[tuple[Stage, ...], dict[str, Stage]]] = None  # (for these stages, by name)
        #: Facts other modules derive from the whole model, remembered per model (see history.py).
        self.derived: dict[str, Any] = {}
        self._build()

    # -- construction ---------------------------------------------------------
    def _build(self) -> None:
        stages: list[dict] = []
        scope: Optional[Scope] = None
        self._stage_names: dict[str, int] = {}  # the stages started so far, by name
        for node in self.file.instructions:
            if isinstance(node, ast.FromInstruction):
                if stages:
                    self._final_scopes.append(scope)
                stage, scope = self._start_stage(node, len(stages), stages)
                stages.append(stage)
                self._scopes[node] = self.global_scope
                self._stage_of[node] = stage["index"]
                continue
            if not stages:
                self._scopes[node] = self.global_scope
                if isinstance(node, ast.ArgInstruction):
                    self._declare_global(node)
                continue
            self._scopes[node] = scope
            self._stage_of[node] = len(stages) - 1
            if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None:
                # A trigger runs downstream; its own stage's scope is the best there is to read.
                self._scopes[node.trigger] = scope
                self._stage_of[node.trigger] = len(stages) - 1
            stages[-1]["instructions"].append(node)
            if isinstance(node, ast.ArgInstruction):
                scope = self._declare_args(node, scope)
            elif isinstance(node, ast.EnvInstruction):
                scope = self._declare_env(node, scope)
        if stages:
            self._final_scopes.append(scope)
        for data in stages:
            data["instructions"] = tuple(data["instructions"])
        # Dependencies resolve stage names, so they are computed once all stages exist.
        self.stages = tuple(Stage(**data) for data in stages)
        self.stages = tuple(
            Stage(**data, dependencies=tuple(self._dependencies(stage)))
            for data, stage in zip(stages, self.stages)
        )

    def _start_stage(self, node: ast.FromInstruction, index: int, stages: list[dict]) -> tuple[dict, Scope]:
        image = node.image
        expansion = self.global_scope.expand(image.value, self.escape) if image else None
        parent = None
        if expansion is not None and expansion.resolved:
            # BuildKit matches the expanded name exactly against lower-cased stage names (the last one wins).
            parent = self._stage_names.get(expansion.value)
        reference = None
        if expansion is not None and parent is None and expansion.error is None:
            reference = parse_image_reference(expansion.marked)
        platform_flag = node.platform
        platform = None
        if platform_flag is not None and platform_flag.value is not None:
            platform = self.global_scope.expand(platform_flag.value, self.escape)
        name = node.stage_name.value.lower() if node.stage_name is not None else None
        if name is not None:
            self._stage_names[name] = index
        stage = dict(
            index=index,
            name=name,
            from_instruction=node,
            base=BaseImage(image, expansion, reference, parent),
            platform=platform,
            instructions=[],
        )
        if parent is not None:
            inherited = self._final_scopes[parent]
            return stage, inherited
        is_scratch = expansion is not None and expansion.value == "scratch"
        return stage, Scope({}, base_image_env=not is_scratch)

    def _declare_global(self, node: ast.ArgInstruction) -> None:
        for pair in node.pairs:
            key = pair.key.value
            if pair.value is not None:
                value: Optional[str] = self.global_scope.expand(pair.value.value, self.escape).marked
            else:
                existing = self.global_scope.get(key)
                value = existing.value if existing is not None else None
            variable = Variable(key, value, "global-arg", pair)
            self.global_scope = self.global_scope.with_variable(variable)
            self.global_args.append(variable)

    def _declare_args(self, node: ast.ArgInstruction, scope: Scope) -> Scope:
        for pair in node.pairs:
            key = pair.key.value
            if pair.value is not None:
                value: Optional[str] = scope.expand(pair.value.value, self.escape).marked
            else:
                inherited = self.global_scope.get(key)
                value = inherited.value if inherited is not None else None
            scope = scope.with_variable(Variable(key, value, "arg", pair))
        return scope

    def _declare_env(self, node: ast.EnvInstruction, scope: Scope) -> Scope:
        before = scope
        for pair in node.pairs:
            raw = pair.value.value if pair.value is not None else ""
            value = before.expand(raw, self.escape).marked
            scope = scope.with_variable(Variable(self._env_name(pair.key.value, before), value, "env", pair))
        return scope

    def _env_name(self, key: str, before: Scope) -> str:
        """The name ``ENV key=...`` sets: BuildKit expands and unquotes the key as it does the value
        (``ENV "A"=1`` sets A); a key whose value is unknown is kept as written."""
        expansion = before.expand(key, self.escape)
        return expansion.value if expansion.resolved and expansion.value else key

    def _dependencies(self, stage: Stage) -> list[Dependency]:
        found = []
        if stage.base.parent is not None:
            found.append(Dependency(stage.from_instruction, "from", stage=stage.base.parent))
        for node in stage.instructions:
            if isinstance(node, ast.CopyInstruction):
                source = node.flag("from")
                if source is not None and source.value is not None:
                    found.append(self._dependency(node, "copy", source.value, allow_index=True))
            elif isinstance(node, ast.RunInstruction):
                for mount in node.mounts:
                    if mount.from_ is not None:
                        found.append(self._dependency(node, "mount", mount.from_, allow_index=False))
        return found

    def _dependency(self, node: ast.Instruction, kind: str, value: str, allow_index: bool) -> Dependency:
        target = self.resolve_stage_reference(value, allow_index=allow_index)
        if isinstance(target, Stage):
            return Dependency(node, kind, stage=target.index)
        return Dependency(node, kind, image=target)

    # -- queries -----------------------------------------------------------------
    def scope_at(self, node: ast.Instruction) -> Scope:
        """Variables visible to ``node`` (before it runs)."""
        return self._scopes.get(node, self.global_scope)

    def expand(self, node: ast.Instruction, text: str) -> Expansion:
        """Expand ``text`` with the variables visible to ``node``."""
        return self.scope_at(node).expand(text, self.escape)

    def stage_of(self, node: ast.Instruction) -> Optional[Stage]:
        index = self._stage_of.get(node)
        return self.stages[index] if index is not None else None

    def stage_named(self, name: str) -> Optional[Stage]:
        """The stage called ``name`` (any case); with duplicates the last one, as in BuildKit."""
        stages = self.stages
        if self._names is None or self._names[0] is not stages:  # built once per tuple of stages
            self._names = (stages, {stage.name: stage for stage in stages if stage.name is not None})
        return self._names[1].get(name.lower())

    def resolve_stage_reference(self, value: str, allow_index: bool = True) -> Union[Stage, ImageReference]:
        """What ``COPY --from=value`` (or a mount's ``from=``) refers to."""
        if allow_index and _INDEX.fullmatch(value) and len(value) < 8:
            index = int(value)  # Go's strconv.Atoi, as BuildKit: "+1" is stage 1
            if 0 <= index < len(self.stages):
                return self.stages[index]
        stage = self.stage_named(value)
        if stage is not None:
            return stage
        return parse_image_reference(value)

    def image_uses(self) -> list[ImageUse]:
        """Every external image the Dockerfile names (not stages, not ``scratch``), in order."""
        uses = []
        for stage in self.stages:
            base = stage.base
            if base.reference is not None and not base.is_scratch and base.argument is not None:
                reference, expansion = self.pulled_base(stage)
                assert reference is not None
                uses.append(ImageUse(stage.from_instruction, "from", reference, base.argument.span,
                                     base.argument.value, expansion))
            for dep in stage.dependencies:
                if dep.image is None or self._not_an_image(dep.image.text):
                    continue
                node = dep.instruction
                if dep.kind == "copy":
                    flag = node.flag("from")
                    span = flag.value_span or flag.span
                    uses.append(ImageUse(node, "copy", dep.image, span, flag.value or ""))
                else:
                    mount = next((m for m in node.mounts if m.from_ == dep.image.text), None)
                    span = self._field_span(mount.flag, "from", dep.image.text) if mount else node.span
                    uses.append(ImageUse(node, "mount", dep.image, span, dep.image.text))
            uses.extend(self._trigger_uses(stage))
        return uses

    def pulled_base(self, stage: Stage) -> tuple[Optional[ImageReference], Optional[Expansion]]:
        """The image ``stage``'s FROM names and how the ARGs made it; for ``FROM ${REGISTRY:-docker.io}/python``
        with ``ARG REGISTRY`` (no default), the image a build without ``--build-arg REGISTRY`` pulls."""
        base = stage.base
        reference, expansion = base.reference, base.expansion
        if reference is not None and expansion is not None and not expansion.resolved \
                and base.argument is not None and _DEFAULTED.search(base.argument.value):
            reference, expansion = self._with_inline_defaults(base.argument.value) or (reference, expansion)
        return reference, expansion

    def _with_inline_defaults(self, text: str) -> Optional[tuple[ImageReference, Expansion]]:
        """``FROM ${BASE:-python}`` with ``ARG BASE`` (no default) pulls ``python`` unless the build passes
        BASE: the image with the global ARGs at their defaults, when that is an image, else None."""
        from .arg_defaults import default_args

        expansion = default_args(self).expand(text)
        value = expansion.value
        if not expansion.resolved or not value or value == "scratch" or self.stage_named(value) is not None:
            return None
        return parse_image_reference(value), expansion

    def _not_an_image(self, value: str) -> bool:
        """A ``--from`` BuildKit does not pull: ``scratch`` (the empty image), or one that is a
        stage reference gone wrong (an index where none is allowed, a typo of a stage name), which
        ``copy-from-unknown-stage`` reports and an image rule would only confuse (``biulder:<tag>``)."""
        from .references import near_stage_name

        return value == "scratch" or value.isdigit() or near_stage_name(self, value) is not None

    def _trigger_uses(self, stage: Stage) -> list[ImageUse]:
        # ONBUILD triggers run in a downstream build: a bare name there may be
        # one of *its* stages, so only references that look like images count.
        uses = []
        for node in stage.instructions:
            trigger = node.trigger if isinstance(node, ast.OnbuildInstruction) else None
            sources: list[tuple[str, ast.Span, str]] = []
            if isinstance(trigger, ast.CopyInstruction):
                flag = trigger.flag("from")
                if flag is not None and flag.value:
                    sources.append(("copy", flag.value_span or flag.span, flag.value))
            elif isinstance(trigger, ast.RunInstruction):
                for mount in trigger.mounts:
                    if mount.from_:
                        sources.append(("mount", self._field_span(mount.flag, "from", mount.from_), mount.from_))
            for kind, span, value in sources:
                if any(mark in value for mark in ":/@") and not value.isdigit():
                    uses.append(ImageUse(trigger, kind, parse_image_reference(value), span, value, in_trigger=True))
        return uses

    def _field_span(self, flag: ast.Flag, key: str, value: str) -> ast.Span:
        """The span of ``value`` in a ``--mount`` flag's ``key=value`` field (the flag when not found)."""
        found = re.search(r"(?i)(?:^|[=,\"])%s=\"?(%s)" % (re.escape(key), re.escape(value)), flag.text)
        if not found:
            return flag.span
        if self._index is None:
            self._index = LineIndex(self.file.text)
        start = flag.span.start.offset + found.start(1)
        return self._index.span(start, start + len(value))

    def lineage(self, stage: Stage) -> tuple[Stage, ...]:
        """``stage`` and the stages it is built FROM, oldest first: whose layers it contains.

        Remembered per stage and built on the parent's: rules ask for it per
        stage and per instruction, and a chain of N stages would otherwise be
        walked N times.
        """
        known = self._lineages.get(stage.index)
        if known is not None:
            return known
        pending = [stage]  # the ancestors whose lineage is not known yet, youngest first
        while pending[-1].parent is not None and len(pending) <= len(self.stages):
            parent = self.stages[pending[-1].parent]
            if parent.index in self._lineages:
                break
            pending.append(parent)
        top = pending[-1]
        chain = self._lineages.get(top.parent, ()) if top.parent is not None else ()
        for member in reversed(pending):
            chain = chain + (member,)
            self._lineages[member.index] = chain
        return chain

    def args_in_from(self, stage: Stage) -> frozenset[str]:
        """The global ARGs the FROM lines of ``stage``'s lineage use in the image's tag and that are
        named like a version variable the image sets (``ARG NODE_VERSION`` then ``FROM
        node:${NODE_VERSION}-slim``; :func:`~.image_env.version_variable`): such base images set
        the same name in their environment, so a stage may see it without declaring it. A name
        used for the repository or the whole reference (``FROM ${BASE_IMAGE}``, ``FROM
        ${REGISTRY}/node:22``), one not named so (``FROM python:${TAG}``), and any name when the lineage
        starts from a bare operating-system image (:func:`~.image_env.bare_image`) are not among them."""
        from .image_env import bare_image, version_variable

        key = f"args_in_from:{stage.index}"
        known = self.derived.get(key)
        if known is None:
            names: set[str] = set()
            if bare_image(self, stage):  # `FROM alpine:${ALPINE_VERSION}`: alpine sets no ALPINE_VERSION
                known = self.derived[key] = frozenset()
                return known
            for member in self.lineage(stage):
                image = member.from_instruction.image
                tag = _tag_text(image.value) if image is not None else None
                if tag:
                    names.update(name for name in self.global_scope.expand(tag, self.escape).used
                                 if version_variable(name))
            known = self.derived[key] = frozenset(names)
        return known

    def shipped_stages(self) -> list[Stage]:
        """Stages whose layers end up in the final image: the last stage and its FROM ancestors.

        Stages only used through ``COPY --from`` do not ship their layers.
        """
        final = self.final_stage
        return list(self.lineage(final)) if final is not None else []

    def is_windows(self, stage: Stage) -> bool:
        """Best guess whether ``stage`` builds a Windows image (its RUNs then use cmd, not sh):
        a Windows base image or platform, or a parent stage that is one; else a ``SHELL`` of cmd
        or powershell (pwsh runs on Linux too) in the stage or a parent. Remembered per stage,
        each found from its parent's."""
        memo = self._windows
        chain = self.lineage(stage)
        known = len(chain)
        while known and chain[known - 1].index not in memo:
            known -= 1
        windows = memo[chain[known - 1].index] if known else False
        for member in chain[known:]:
            windows = windows or (member.parent is None and self._windows_base(member)) \
                or any(isinstance(node, ast.ShellInstruction) and node.exec_form and node.args
                       and _program(node.args[0].value) in _WINDOWS_SHELLS for node in member.instructions)
            memo[member.index] = windows
        return windows

    def _windows_base(self, stage: Stage) -> bool:
        """The first stage of a lineage is built on a Windows image or platform. (``# escape=````
        is no sign: Linux Dockerfiles use it too, and official images pull either.)"""
        platform = stage.platform.value.lower() if stage.platform is not None else ""
        if platform.startswith("windows"):
            return True
        ref = stage.base.reference
        name = f"{ref.registry or ''}/{ref.repository or ''}:{ref.tag or ''}".lower() if ref is not None else ""
        return any(mark in name for mark in _WINDOWS_IMAGES)

    def workdir_at(self, node: ast.Instruction) -> Optional[str]:
        """The working directory ``node`` runs in; None when it cannot be known
        (the base image's WORKDIR, or a WORKDIR with an unresolved variable)."""
        if self._workdirs is None:
            self._workdirs = self._compute_workdirs()
        return self._workdirs.get(node)

    def trigger_workdir(self, onbuild: ast.Instruction) -> Optional[str]:
        """The working directory an ONBUILD's trigger runs in, in the build FROM this image: the
        stage's last WORKDIR (the image's), changed by the literal ``ONBUILD WORKDIR`` triggers
        before it (they run first, in order, right after that build's FROM); None when unknown."""
        if self._workdirs is None:
            self._workdirs = self._compute_workdirs()
        return self._workdirs.get(onbuild.effective) if isinstance(onbuild, ast.OnbuildInstruction) else None

    def _compute_workdirs(self) -> dict[ast.Instruction, Optional[str]]:
        from .paths import resolve

        found: dict[ast.Instruction, Optional[str]] = {}
        final: list[Optional[str]] = []
        for stage in self.stages:
            if stage.parent is not None:
                current = final[stage.parent]
            else:
                current = "/" if stage.base.is_scratch else None
            found[stage.from_instruction] = current
            for node in stage.instructions:
                found[node] = current
                if isinstance(node, ast.WorkdirInstruction) and node.value is not None:
                    expansion = self.expand(node, node.value.value)
                    current = resolve(expansion.value, current, home=False) if expansion.resolved else None
                    if current is not None:
                        current = current.rstrip("/") or "/"
            final.append(current)
            self._file_trigger_workdirs(stage, current, found)
        return found

    @staticmethod
    def _file_trigger_workdirs(stage: Stage, current: Optional[str], found: dict) -> None:
        """``found[trigger]`` for each ONBUILD trigger of ``stage``, ``current`` being its last WORKDIR
        (a trigger's variables are the downstream build's: only a literal WORKDIR is followed)."""
        from .paths import resolve

        for node in stage.instructions:
            trigger = node.effective if isinstance(node, ast.OnbuildInstruction) else None
            if trigger is None:
                continue
            found[trigger] = current
            if isinstance(trigger, ast.WorkdirInstruction) and trigger.value is not None:
                value = trigger.value.value
                current = None if "$" in value else resolve(value, current, home=False)
                if current is not None:
                    current = current.rstrip("/") or "/"

    @property
    def final_stage(self) -> Optional[Stage]:
        return self.stages[-1] if self.stages else None

    def final_scope(self, stage: Stage) -> Scope:
        """Variables set at the end of ``stage``."""
        return self._final_scopes[stage.index]

    def reachable(self, target: Optional[Stage] = None) -> list[Stage]:
        """Stages the build of ``target`` (default: the last stage) runs, in order."""
        target = target or self.final_stage
        if target is None:
            return []
        seen: set[int] = set()
        todo = [target.index]
        while todo:
            index = todo.pop()
            if index in seen:
                continue
            seen.add(index)
            todo.extend(dep.stage for dep in self.stages[index].dependencies if dep.stage is not None)
        return [stage for stage in self.stages if stage.index in seen]


def _tag_text(reference: str) -> Optional[str]:
    """The tag part of an image reference as written (``${NODE_VERSION}-slim`` in
    ``node:${NODE_VERSION}-slim@sha256:...``): after the first ``:`` that follows the last ``/``,
    up to ``@``, neither inside ``${...}``; None without one."""
    depth, colon, at = 0, -1, len(reference)
    for i, char in enumerate(reference):
        if char == "{" and i and reference[i - 1] == "$":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif depth:
            continue
        elif char == "/":
            colon = -1  # a registry's port: the tag's colon comes after the last slash
        elif char == ":" and colon < 0:
            colon = i
        elif char == "@":
            at = i
            break
    return reference[colon + 1:at] if colon >= 0 and colon < at else None


def _program(path: str) -> str:
    """A SHELL's program name, lower-case, with a Windows or POSIX directory dropped."""
    return re.split(r"[\\/]", path)[-1].lower()
