"""Stage references as BuildKit resolves them: ``COPY --from`` and ``RUN --mount`` ``from=``.

BuildKit (``dockerfile2llb``) resolves these references once every stage is
known, so unlike ``FROM <stage>`` they may name a stage defined *later*:

* ``COPY --from=N`` that parses as an integer (Go's ``strconv.Atoi``) is a
  stage index, any stage of the file; out of range is an error;
* otherwise a name is looked up case-insensitively among the stage names; with
  duplicate names the *last* stage of that name wins (a map overwritten in
  file order);
* otherwise the value is an image reference and the image is pulled;
* a mount's ``from=`` takes no index: ``from=0`` is the image ``0``;
* a stage that (transitively) needs itself fails the build with "circular
  dependency detected".

``COPY --from`` is never expanded (a ``$`` there is an error of its own); a
mount's ``from=`` is expanded with the stage's variables. ONBUILD triggers run
in a downstream build, so their references are listed but not resolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .. import ast
from ..source import LineIndex, Span
from ..suggest import closest, levenshtein
from .image import ImageReference, parse_image_reference

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage

__all__ = ["StageReference", "stage_references", "needs", "stage_by_name", "near_stage_name"]

_ATOI = re.compile(r"[+-]?[0-9]+")


@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class StageReference:
    """One ``COPY --from`` or mount ``from=``; exactly one of ``target``/``image`` is set
    when the reference could be resolved (``index`` is the number written, if any)."""

    node: ast.Instruction  # the COPY or RUN (for ONBUILD: the trigger)
    anchor: ast.Instruction  # the instruction in the stage (the ONBUILD itself for a trigger)
    kind: str  # "copy" or "mount"
    value: str  # as BuildKit reads it (COPY: unquoted; mount: expanded when known)
    span: Span
    stage: "Stage"  # the stage the instruction belongs to
    in_trigger: bool = False
    index: Optional[int] = None
    target: Optional["Stage"] = None
    image: Optional[ImageReference] = None

    @property
    def resolved(self) -> bool:
        return self.target is not None or self.image is not None


def stage_by_name(model: "BuildModel", name: str) -> Optional["Stage"]:
    """The stage BuildKit picks for ``COPY --from=name``: the last of that name, any case."""
    return model.stage_named(name)


def stage_references(model: "BuildModel", index: LineIndex) -> list[StageReference]:
    """Every ``COPY --from`` and mount ``from=`` of the file, in order."""
    found: list[StageReference] = []
    for stage in model.stages:
        for anchor in stage.instructions:
            node = anchor.effective
            if node is None:
                continue
            in_trigger = node is not anchor
            if isinstance(node, ast.CopyInstruction):
                flag = node.flag("from")
                if flag is not None and flag.value:
                    ref = StageReference(node, anchor, "copy", flag.value, flag.value_span or flag.span, stage,
                                         in_trigger)
                    found.append(ref if in_trigger else _resolve_copy(model, ref))
            elif isinstance(node, ast.RunInstruction):
                for mount in node.mounts:
                    if mount.from_ is None or mount.from_ == "":
                        continue
                    span = _field_span(index, mount.flag, "from", mount.from_)
                    ref = StageReference(node, anchor, "mount", mount.from_, span, stage, in_trigger)
                    found.append(ref if in_trigger else _resolve_mount(model, ref))
    return found


def _resolve_copy(model: "BuildModel", ref: StageReference) -> StageReference:
    value = ref.value
    if "$" in value:
        return ref  # BuildKit refuses variables in --from (a syntax error of its own)
    if _ATOI.fullmatch(value):
        number = int(value)
        target = model.stages[number] if 0 <= number < len(model.stages) else None
        return _with(ref, index=number, target=target)
    target = stage_by_name(model, value)
    if target is not None:
        return _with(ref, target=target)
    return _with(ref, image=parse_image_reference(value))


def _resolve_mount(model: "BuildModel", ref: StageReference) -> StageReference:
    value = ref.value
    if "$" in value:
        expansion = model.expand(ref.anchor, value)
        if not expansion.resolved:
            return ref
        value = expansion.value
    target = stage_by_name(model, value)
    if target is not None:
        return _with(ref, value=value, target=target)
    return _with(ref, value=value, image=parse_image_reference(value))


def _with(ref: StageReference, **changes) -> StageReference:
    fields = {name: getattr(ref, name) for name in StageReference.__dataclass_fields__}
    fields.update(changes)
    return StageReference(**fields)


def needs(model: "BuildModel", references: list[StageReference], stage: "Stage") -> set[int]:
    """Indexes of the stages building ``stage`` needs (its FROM parent, the stages it copies
    or mounts from, and theirs), ``stage`` itself included only through a cycle."""
    edges: dict[int, set[int]] = {s.index: ({s.parent} if s.parent is not None else set()) for s in model.stages}
    for ref in references:
        if ref.target is not None and not ref.in_trigger:
            edges[ref.stage.index].add(ref.target.index)
    seen: set[int] = set()
    todo = list(edges[stage.index])
    while todo:
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        todo.extend(edges[index])
    return seen


def _field_span(index: LineIndex, flag: ast.Flag, key: str, value: str) -> Span:
    """The span of ``value`` in a ``--mount`` flag's ``key=value`` field (the flag when not found)."""
    pattern = r"(?i)(?:^|[=,\"])%s=\"?(%s)" % (re.escape(key), re.escape(value))
    found = re.search(pattern, flag.text)
    if not found:
        return flag.span
    start = flag.span.start.offset + found.start(1)
    return index.span(start, start + len(value))


def near_stage_name(model: "BuildModel", value: str) -> Optional[str]:
    """The stage name a bare ``--from`` value is probably a slip for, or None: the one stage
    whose name has the value as a word (``set`` for ``license-set``), else the closest name
    it reads as a typo of (:func:`_slip`), in any case (``biulder`` for ``builder``).

    Values that look like image references (a registry, a path, a tag or a
    digest) and names of images the file builds FROM are not typos.
    """
    if any(mark in value for mark in "/:@.$") or value.isdigit():
        return None
    lowered = value.lower()
    for stage in model.stages:
        ref = stage.base.reference
        if ref is not None and ref.familiar_name is not None and ref.familiar_name.lower() == lowered:
            return None
    names = [stage.name for stage in model.stages if stage.name]
    # `--from=set` for a stage `license-set`: a word of the name, kept when it is the only such stage.
    containing = [name for name in names if lowered in re.split(r"[-_.]", name)]
    if len(containing) == 1:
        return containing[0]
    match = closest(value, names, case_sensitive=False)
    if match is None or not _slip(lowered, match.lower()):
        return None
    return next((name for name in names if name == match.lower()), None)


def _slip(value: str, name: str) -> bool:
    """Whether ``value`` reads as a typo of ``name`` (which ``closest`` found within two edits): one
    edit, two swapped letters or a shortened name (``build`` for ``builder``); any two edits only
    between names of six letters or more (``nginx`` is no slip for a stage ``nine``, ``biulder`` is
    one for ``builder``)."""
    distance = levenshtein(value, name)
    if distance <= 1 or min(len(value), len(name)) >= 6 or name.startswith(value) or value.startswith(name):
        return True
    differ = [i for i, (a, b) in enumerate(zip(value, name)) if a != b]
    return len(value) == len(name) and len(differ) == 2 and differ[1] == differ[0] + 1 \
        and value[differ[0]] == name[differ[1]] and value[differ[1]] == name[differ[0]]
