"""Labels as the build sets them: keys and values after expansion, the final image's set, writing values back.

A label's key and value go through BuildKit's word expansion (quotes removed,
``$VAR`` substituted). :func:`fixed_value` gives the text every build gets,
and None when it depends on a build argument (``--build-arg`` replaces the
default), on the base image's environment or on the downstream build of an
ONBUILD trigger: such values are never judged.

:func:`label_settings` lists the LABELs of stages (ONBUILD LABEL triggers
included, marked), :func:`image_labels` the ones that make up an image: its
own stage and the stages it is built FROM. :func:`quoted_value` writes a
string so that a LABEL or ENV reads it back unchanged.

>>> from dflint.api import build_model, parse
>>> model = build_model(parse('FROM scratch\\nARG V=1\\nENV E=2\\nLABEL a=$V b="$E x" "c d"=3\\n'))
>>> [(s.key, s.value) for s in image_labels(model, model.final_stage)]
[('a', None), ('b', '2 x'), ('c d', '3')]
>>> quoted_value('say "hi" for $5', "\\\\")
'"say \\\\"hi\\\\" for \\\\$5"'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from .. import ast
from ..expansion import ExpansionError, Lexer

if TYPE_CHECKING:  # pragma: no cover
    from .build import BuildModel, Stage

__all__ = ["LabelSetting", "fixed_value", "label_settings", "image_labels", "quoted_value", "key_problem",
           "RESERVED_NAMESPACES"]

#: Label namespaces Docker reserves for its own use.
RESERVED_NAMESPACES = ("com.docker.", "io.docker.", "org.dockerproject.")


@dataclass(eq=False)  # not frozen: a frozen __init__ costs (see shell.model)
class LabelSetting:
    """One ``key=value`` of a LABEL; ``key``/``value`` as every build sees them, None when not fixed."""

    node: ast.LabelInstruction
    pair: ast.KeyValue
    key: Optional[str]
    value: Optional[str]
    stage: "Stage"
    trigger: bool = False

    @property
    def value_span(self) -> ast.Span:
        return self.pair.value.span if self.pair.value is not None else self.pair.span


def fixed_value(model: "BuildModel", node: ast.Instruction, text: str, trigger: bool = False) -> Optional[str]:
    """``text`` (a key or value as written) expanded, when no build argument or unknown variable changes it."""
    if trigger or model.stage_of(node) is None:
        if "$" in text:
            return None  # a trigger expands in the downstream build's scope
        try:
            return Lexer(model.escape).process_word(text).value
        except ExpansionError:
            return None
    expansion = model.expand(node, text)
    if not expansion.resolved:
        return None
    scope = model.scope_at(node)
    for name in expansion.used:
        variable = scope.get(name)
        if variable is None:
            continue  # defined nowhere: BuildKit substitutes the empty string
        pair = variable.node if isinstance(variable.node, ast.KeyValue) else None
        raw = pair.value.value if pair is not None and pair.value is not None else ""
        if variable.kind != "env" or "$" in raw:
            return None  # a build argument, or an ENV that may be made of one
    return expansion.value


def label_settings(model: "BuildModel", stages: Iterable["Stage"], triggers: bool = True) -> Iterator[LabelSetting]:
    """Every ``key=value`` of the LABELs of ``stages``, in order (ONBUILD LABEL triggers too, unless told not)."""
    for stage in stages:
        for node in stage.instructions:
            trigger = isinstance(node, ast.OnbuildInstruction)
            label = node.trigger if trigger else node
            if not isinstance(label, ast.LabelInstruction) or trigger and not triggers:
                continue
            for pair in label.pairs:
                key = fixed_value(model, node, pair.key.value, trigger)
                value = fixed_value(model, node, pair.value.value, trigger) if pair.value is not None else ""
                yield LabelSetting(label, pair, key, value, stage, trigger)


def image_labels(model: "BuildModel", stage: "Stage") -> list[LabelSetting]:
    """The LABELs that make the labels of the image ``stage`` builds (its FROM ancestors' included)."""
    return list(label_settings(model, model.lineage(stage), triggers=False))


def quoted_value(value: str, escape: str) -> Optional[str]:
    """``value`` in double quotes, as a LABEL/ENV value that expands back to exactly ``value``.

    None when no such spelling exists on one line (a line break in the value).
    """
    if "\n" in value or "\r" in value:
        return None
    quoted = '"' + "".join(escape + ch if ch in ('"', "$", escape) else ch for ch in value) + '"'
    try:
        back = Lexer(escape).process_word(quoted).value
    except ExpansionError:  # pragma: no cover - the spelling above always closes its quote
        return None
    return quoted if back == value else None


def key_problem(key: str) -> Optional[str]:
    """What is wrong with a label key under Docker's key guidelines (hadolint's DL3048 checks), or None."""
    if not key:
        return "is empty"
    space = next((ns for ns in RESERVED_NAMESPACES if key.lower().startswith(ns)), None)
    if space is not None:
        return f"is in the {space}* namespace, reserved for Docker"
    if any("A" <= ch <= "Z" for ch in key):
        return "has upper-case letters"
    bad = sorted({ch for ch in key if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch in "._-/")})
    if bad:
        return "contains " + " ".join(repr(ch) for ch in bad)
    if not "a" <= key[0] <= "z":
        return "does not start with a lower-case letter"
    if not ("a" <= key[-1] <= "z" or "0" <= key[-1] <= "9"):
        return "does not end with a lower-case letter or a digit"
    if ".." in key or "--" in key:
        return "has consecutive separators ('..' or '--')"
    return None
