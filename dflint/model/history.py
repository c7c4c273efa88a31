"""The order in which instructions build an image, for rules that compare layers.

A stage's filesystem is the result of its own instructions *and* those of the
stages it is built ``FROM``; ONBUILD triggers run later, in a downstream build,
one after another, so they form a history of their own.

:func:`histories` gives both sequences of a stage as :class:`Step` lists;
:func:`image_stages` tells which stages' layers can end up in an image someone
runs (rather than only feeding ``COPY --from``), and :func:`image_command` the
ENTRYPOINT and CMD such an image ends up with (:func:`image_commands`: for
every such stage, each pair once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional, Sequence

from .. import ast

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage

__all__ = ["Step", "histories", "image_stages", "image_command", "image_commands"]


@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class Step:
    """One instruction in a build history.

    ``node`` is the instruction as it runs (for ONBUILD, its trigger) and
    ``anchor`` the instruction in the Dockerfile's stage (the ONBUILD itself),
    which is what the model's scopes and WORKDIRs are keyed by.
    """

    node: ast.Instruction
    anchor: ast.Instruction
    stage: "Stage"

    @property
    def trigger(self) -> bool:
        return self.node is not self.anchor


def histories(model: "BuildModel", stage: "Stage") -> Iterator[Sequence[Step]]:
    """The instruction sequences whose layers ``stage`` builds on, oldest first.

    First the lineage (the FROM ancestors' instructions, then the stage's own,
    ONBUILDs left out); then, when there are any, the stage's ONBUILD triggers
    as they will run downstream. A rule that reports on ``stage`` only should
    check ``step.stage is stage`` to avoid reporting a parent's steps twice.
    The sequences are shared between callers: read them, never change them.
    """
    yield _lineage_steps(model, stage)
    triggers = _trigger_steps(model, stage)
    if triggers:
        yield triggers


def _lineage_steps(model: "BuildModel", stage: "Stage") -> tuple[Step, ...]:
    """The steps of ``stage``'s lineage, remembered per model: a stage's are its parent's plus its own,
    so a chain of stages builds each step once, not once per descendant and per rule."""
    known: dict[int, tuple[Step, ...]] = model.derived.setdefault("lineage-steps", {})
    steps = known.get(stage.index)
    if steps is None:
        steps = ()
        for member in model.lineage(stage):
            remembered = known.get(member.index)
            if remembered is not None:
                steps = remembered
                continue
            steps += tuple(Step(node, node, member) for node in member.instructions
                           if not isinstance(node, ast.OnbuildInstruction))
            known[member.index] = steps
    return steps


def _trigger_steps(model: "BuildModel", stage: "Stage") -> tuple[Step, ...]:
    known: dict[int, tuple[Step, ...]] = model.derived.setdefault("trigger-steps", {})
    steps = known.get(stage.index)
    if steps is None:
        steps = known[stage.index] = tuple(
            Step(node.trigger, node, stage) for node in stage.instructions
            if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None)
    return steps


def image_stages(model: "BuildModel") -> frozenset[int]:
    """Indices of stages whose layers may be shipped: the last stage, every stage
    no other stage uses (it can only be meant for ``--target``), and their FROM
    ancestors. A stage only read through ``COPY --from`` or a mount's ``from=``
    (a builder) is left out: its layers never reach an image.
    """
    known = model.derived.get("image-stages")
    if known is not None:
        return known
    used = {dep.stage for stage in model.stages for dep in stage.dependencies if dep.stage is not None}
    targets = [stage for stage in model.stages if stage.index not in used or stage is model.final_stage]
    known = model.derived["image-stages"] = frozenset(
        member.index for target in targets for member in model.lineage(target))
    return known


def image_command(model: "BuildModel", stage: "Stage") -> tuple[Optional[ast.EntrypointInstruction],
                                                                 Optional[ast.CmdInstruction]]:
    """The ENTRYPOINT and CMD instructions in effect at the end of ``stage`` (None where this file sets none).

    As BuildKit dispatches them: each stage starts with its parent stage's
    configuration, and an ENTRYPOINT clears the CMD unless a CMD was set
    earlier in the same stage (so it also clears a base image's CMD).
    """
    # Each stage's pair is remembered and built on its parent's: a chain of stages is walked once.
    known: dict[int, tuple] = model.derived.setdefault("image-command", {})
    found = known.get(stage.index)
    if found is not None:
        return found
    lineage = model.lineage(stage)
    start = len(lineage)
    while start and lineage[start - 1].index not in known:
        start -= 1  # back to the youngest ancestor already walked
    entrypoint, cmd = known[lineage[start - 1].index] if start else (None, None)
    for member in lineage[start:]:
        cmd_set = False
        for node in member.instructions:
            if isinstance(node, ast.EntrypointInstruction):
                entrypoint = node
                if not cmd_set:
                    cmd = None
            elif isinstance(node, ast.CmdInstruction):
                cmd, cmd_set = node, True
        known[member.index] = (entrypoint, cmd)
    return entrypoint, cmd


def image_commands(model: "BuildModel") -> Iterator[tuple["Stage", Optional[ast.EntrypointInstruction],
                                                           Optional[ast.CmdInstruction]]]:
    """Each image stage with its :func:`image_command`, a pair that several stages share given once
    (two targets built FROM one stage that sets both), so that a rule reports it once."""
    seen: set[tuple[Optional[ast.Instruction], Optional[ast.Instruction]]] = set()
    for index in sorted(image_stages(model)):
        stage = model.stages[index]
        entrypoint, cmd = image_command(model, stage)
        if (entrypoint, cmd) not in seen:
            seen.add((entrypoint, cmd))
            yield stage, entrypoint, cmd
