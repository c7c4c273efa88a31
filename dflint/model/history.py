"""The order in which instructions build an image, for rules that compare layers.

A stage's filesystem is the result of its own instructions *and* those of the
stages it is built ``FROM``; ONBUILD triggers run later, in a downstream build,
one after another, so they form a history of their own.

:func:`histories` gives both sequences of a stage as :class:`Step` lists;
:func:`image_stages` tells which stages' layers can end up in an image someone
runs (rather than only feeding ``COPY --from``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from .. import ast

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage

__all__ = ["Step", "histories", "image_stages"]


@dataclass(frozen=True, eq=False)
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


def histories(model: "BuildModel", stage: "Stage") -> Iterator[list[Step]]:
    """The instruction sequences whose layers ``stage`` builds on, oldest first.

    First the lineage (the FROM ancestors' instructions, then the stage's own,
    ONBUILDs left out); then, when there are any, the stage's ONBUILD triggers
    as they will run downstream. A rule that reports on ``stage`` only should
    check ``step.stage is stage`` to avoid reporting a parent's steps twice.
    """
    lineage: list[Step] = []
    for member in model.lineage(stage):
        for node in member.instructions:
            if not isinstance(node, ast.OnbuildInstruction):
                lineage.append(Step(node, node, member))
    yield lineage
    triggers = [Step(node.trigger, node, stage) for node in stage.instructions
                if isinstance(node, ast.OnbuildInstruction) and node.trigger is not None]
    if triggers:
        yield triggers


def image_stages(model: "BuildModel") -> frozenset[int]:
    """Indices of stages whose layers may be shipped: the last stage, every stage
    no other stage uses (it can only be meant for ``--target``), and their FROM
    ancestors. A stage only read through ``COPY --from`` or a mount's ``from=``
    (a builder) is left out: its layers never reach an image.
    """
    used = {dep.stage for stage in model.stages for dep in stage.dependencies if dep.stage is not None}
    targets = [stage for stage in model.stages if stage.index not in used or stage is model.final_stage]
    return frozenset(member.index for target in targets for member in model.lineage(target))
