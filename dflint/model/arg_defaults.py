"""Global ARGs at their defaults: what FROM becomes when no ``--build-arg`` is given.

BuildKit's ``InvalidDefaultArgInFrom`` check expands every base image name with
the global ARGs' defaults only: an ``ARG`` without default is then unset and
expands to the empty string (``ARG TAG`` then ``FROM busybox:${TAG}`` gives
``busybox:``), or to the word of ``${TAG-word}``. The platform ARGs
(``TARGETARCH`` ...) stay unknown here: the builder sets them, and they are
never empty where it matters.

A name that is empty or invalid only because such an ARG is unset (``busybox:${TAG}``)
is told apart from one no value makes valid (``Ubuntu:${TAG}``) by trying a few values
for those ARGs (:meth:`DefaultArgs.valid_with_some_value`), each ARG its own: a tag where
it stands in the tag, a digest after ``@``. An ARG reaches FROM also through the default
of another (``ARG REGISTRY`` / ``ARG BASE=${REGISTRY}/base:1.0`` / ``FROM ${BASE}``):
:meth:`DefaultArgs.without_default_in` follows such defaults, and the tries expand
those defaults again with the values tried. A try replays only the ARG instructions the
name depends on, not all the global ones: a file of N ARGs and N FROMs stays linear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice, product
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from .. import ast
from ..expansion import UNKNOWN_START
from .image import parse_image_reference
from .variables import PLATFORM_ARGS, Expansion, Scope, Variable

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage

__all__ = ["DefaultArgs", "default_args", "DefaultedBase", "defaulted_bases"]

#: Values tried for the ARGs without default: a name, a tag, the start of a name or of a tag, a hex
#: digest and a whole digest (``FROM alpine@${DIGEST}``).
_PROBES = ("a", "1", "a/", "a:", "0" * 64, "sha256:" + "0" * 64)
_NAME, _TAG, _HEX, _DIGEST = _PROBES[0], _PROBES[1], _PROBES[4], _PROBES[5]
#: At most this many combinations of values per ARG are tried for one name.
_MAX_TRIES = 256
#: Stands for an ARG without default, to find where its value lands (private-use characters).
_TOKEN_START, _TOKEN_END = "\ue002", "\ue003"


@dataclass(frozen=True)
class _Step:
    """One ``name[=default]`` of a global ARG instruction that sets something."""

    key: str
    text: Optional[str]  # None: an ARG without default, set only when the build passes it
    reads: tuple[int, ...]  # the steps that set the ARGs ``text`` uses, as it was written


@dataclass(frozen=True)
class DefaultArgs:
    """The global scope with defaults only; ``without_default`` names the ARGs left empty."""

    scope: Scope
    without_default: frozenset[str]
    escape: str
    steps: tuple[_Step, ...] = ()
    #: Per global ARG, the step that last set it.
    last: dict[str, int] = field(default_factory=dict, compare=False)
    #: Per global ARG, the ARGs without default its value comes from (itself when it has none).
    sources: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)

    def expand(self, text: str) -> Expansion:
        return self.scope.expand(text, self.escape)

    def without_default_in(self, expansion: Expansion) -> list[str]:
        """The ARGs without default ``expansion`` depends on, sorted: those it uses and those the
        defaults of the ARGs it uses use (``ARG BASE=${REGISTRY}/base`` / ``FROM ${BASE}``: REGISTRY)."""
        found: set[str] = set()
        for name in expansion.used:
            found.update(self.sources.get(name, ()))
        return sorted(found & self.without_default)

    def through(self, name: str, expansion: Expansion) -> list[str]:
        """The ARGs ``expansion`` uses whose default brings in ``name`` (none when it uses ``name`` itself)."""
        if name in expansion.used:
            return []
        return sorted(used for used in expansion.used if name in self.sources.get(used, ()))

    def valid_with_some_value(self, text: str) -> bool:
        """Whether ``text`` becomes a valid image reference when the build passes the ARGs without
        default (each one of a few plain values): if so, it is empty or invalid only because the build
        does not pass them; if not, it is invalid whatever they are."""
        return bool(self.without_default_in(self.expand(text))) and self._valid_passing(text, None)

    def needed(self, text: str) -> list[str]:
        """Of the ARGs without default ``text`` depends on, those the build must pass for a valid name
        (``FROM ${REGISTRY:-docker.io}/alpine:${TAG}``: TAG), sorted; all of them if no subset does."""
        names = self.without_default_in(self.expand(text))
        if len(names) < 2:
            return names
        kept = list(names)
        for name in names:
            fewer = [other for other in kept if other != name]
            if fewer and self._valid_passing(text, frozenset(fewer)):
                kept = fewer
        return kept

    def _valid_passing(self, text: str, passed: Optional[frozenset[str]]) -> bool:
        """Whether ``text`` is a valid image reference for some values of the ARGs without default in
        ``passed`` (all of them when None), the others left unset."""
        steps = self._steps_for(self.expand(text))
        names = sorted({self.steps[i].key for i in steps if self.steps[i].text is None
                        and (passed is None or self.steps[i].key in passed)})
        template = self._scope(steps, lambda name: f"{_TOKEN_START}{name}{_TOKEN_END}"
                               if name in names else None).expand(text, self.escape).marked
        for values in _tries(template, names):
            expansion = self._scope(steps, values.get).expand(text, self.escape)
            if expansion.error is None and expansion.marked \
                    and parse_image_reference(expansion.marked).error is None:
                return True
        return False

    def _steps_for(self, expansion: Expansion) -> list[int]:
        """The steps the names ``expansion`` uses come from, and the steps those read, in order."""
        todo = [self.last[name] for name in expansion.used if name in self.last]
        seen: set[int] = set()
        while todo:
            index = todo.pop()
            if index not in seen:
                seen.add(index)
                todo.extend(self.steps[index].reads)
        return sorted(seen)

    def _scope(self, steps: list[int], given: Callable[[str], Optional[str]]) -> Scope:
        """The global scope, as far as ``steps`` make it, when the build passes ``given(name)`` for each
        ARG without default (None: not passed)."""
        scope = _platform_scope()
        for index in steps:
            step = self.steps[index]
            if step.text is not None:
                value: Optional[str] = scope.expand(step.text, self.escape).marked
            elif scope.get(step.key) is not None:
                continue
            else:
                value = given(step.key)
                if value is None:
                    continue
            scope = scope.with_variable(Variable(step.key, value, "global-arg"))
        return scope


def _tries(template: str, names: list[str]) -> Iterator[dict[str, str]]:
    """Values for ``names``: the same for all first (a name, a tag ...), then values per ARG, the first
    one by where its token stands in ``template``."""
    for probe in _PROBES if names else _PROBES[:1]:
        yield dict.fromkeys(names, probe)
    if len(names) < 2:
        return
    choices = []
    for name in names:
        position = template.find(f"{_TOKEN_START}{name}{_TOKEN_END}")
        first = _slot_value(template, position) if position >= 0 else _NAME
        choices.append((first,) + tuple(probe for probe in _PROBES if probe != first))
    for values in islice(product(*choices), _MAX_TRIES):
        yield dict(zip(names, values))


def _slot_value(template: str, position: int) -> str:
    """The value to try first for a token at ``position``: a digest after ``@``, a tag after the ``:``
    of the last path component, else a name."""
    before = template[:position]
    at = before.rfind("@")
    if at >= 0:
        return _DIGEST if at == len(before) - 1 else _HEX
    if before.rfind(":") > before.rfind("/"):
        return _TAG
    return _NAME


def _platform_scope() -> Scope:
    return Scope({name: Variable(name, None, "platform") for name in PLATFORM_ARGS}, base_image_env=False)


def default_args(model: "BuildModel") -> DefaultArgs:
    scope = _platform_scope()
    empty: set[str] = set()
    steps: list[_Step] = []
    last: dict[str, int] = {}
    sources: dict[str, frozenset[str]] = {}
    for node in model.file.instructions:
        if isinstance(node, ast.FromInstruction):
            break
        if not isinstance(node, ast.ArgInstruction):
            continue
        for pair in node.pairs:
            key = pair.key.value
            existing = scope.get(key)
            if pair.value is not None:
                expansion = scope.expand(pair.value.value, model.escape)
                value = expansion.marked
                empty.discard(key)
                reads = tuple(sorted({last[name] for name in expansion.used if name in last}))
                came: set[str] = set()
                for name in expansion.used:
                    came.update(sources.get(name, ()))
                sources[key] = frozenset(came)
                last[key] = len(steps)
                steps.append(_Step(key, pair.value.value, reads))
            elif existing is not None:
                value = existing.value
            else:  # unset, not empty: ``${TAG-latest}`` gives latest, ``${TAG+x}`` nothing
                empty.add(key)
                sources[key] = frozenset((key,))
                if key not in last or steps[last[key]].text is not None:
                    last[key] = len(steps)
                    steps.append(_Step(key, None, ()))
                continue
            scope = scope.with_variable(Variable(key, value, "global-arg", pair))
    return DefaultArgs(scope, frozenset(empty), model.escape, tuple(steps), last, sources)


@dataclass(frozen=True)
class DefaultedBase:
    """A FROM naming an image as written, read with the global ARGs at their defaults: its ``stage``,
    the ``image`` word, the ``expansion`` (fully known, no error) and the index of the first stage
    named like each value (``first_stage``, shared by all), to tell when the defaults name a stage."""

    stage: "Stage"
    image: ast.Word
    expansion: Expansion
    first_stage: dict[str, int]

    def names_earlier_stage(self, value: str) -> bool:
        return self.first_stage.get(value, self.stage.index) < self.stage.index


def defaulted_bases(model: "BuildModel", defaults: DefaultArgs) -> Iterator[DefaultedBase]:
    """Each FROM that names an image as written and whose name, expanded with ``defaults``, is fully
    known (what BuildKit's defaults-only check reads: invalid-image-reference and from-arg-without-default)."""
    first_stage: dict[str, int] = {}
    for stage in reversed(model.stages):
        if stage.name is not None:
            first_stage[stage.name] = stage.index
    for stage in model.stages:
        image = stage.from_instruction.image
        if image is None or stage.base.is_stage:
            continue
        expansion = defaults.expand(image.value)
        if expansion.error is None and UNKNOWN_START not in expansion.marked:
            yield DefaultedBase(stage, image, expansion, first_stage)
