"""The syntax tree and build model as JSON (``dflint ast``), schema ``schemas/ast.schema.json``.

The format is versioned (``"version": 1``); fields are only added within a version.
"""

from __future__ import annotations

from typing import Any, Optional

from . import ast
from .model import BuildModel, Expansion, ImageReference, Stage
from .model.variables import display

AST_JSON_VERSION = 1


def span_json(span: ast.Span) -> dict[str, Any]:
    start, end = span
    return {
        "start": {"offset": start.offset, "line": start.line, "column": start.column},
        "end": {"offset": end.offset, "line": end.line, "column": end.column},
    }


def _argument(arg: ast.Argument) -> dict[str, Any]:
    return {"value": arg.value, "text": arg.text, "span": span_json(arg.span)}


def _flag(flag: ast.Flag) -> dict[str, Any]:
    return {
        "name": flag.name,
        "value": flag.value,
        "text": flag.text,
        "span": span_json(flag.span),
        "name_span": span_json(flag.name_span),
        "value_span": span_json(flag.value_span) if flag.value_span else None,
    }


def _heredoc(doc: ast.Heredoc) -> dict[str, Any]:
    return {
        "name": doc.name,
        "fd": doc.fd,
        "expand": doc.expand,
        "chomp": doc.chomp,
        "content": doc.content,
        "marker": _argument(doc.marker),
        "span": span_json(doc.span),
        "body_span": span_json(doc.body_span),
        "terminator_span": span_json(doc.terminator_span),
    }


def _comment(comment: ast.Comment) -> dict[str, Any]:
    return {"value": comment.value, "text": comment.text, "span": span_json(comment.span)}


def _pair(pair: ast.KeyValue) -> dict[str, Any]:
    return {
        "key": _argument(pair.key),
        "value": _argument(pair.value) if pair.value is not None else None,
        "legacy": pair.legacy,
        "span": span_json(pair.span),
    }


def _error(error: ast.ParseError) -> dict[str, Any]:
    return {"message": error.message, "hint": error.hint, "origin": error.origin, "span": span_json(error.span)}


def instruction_json(node: ast.Instruction) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": node.name,
        "class": type(node).__name__,
        "keyword": {"text": node.keyword.text, "span": span_json(node.keyword.span)},
        "span": span_json(node.span),
        "text": node.text,
        "original": node.original,
        "flags": [_flag(f) for f in node.flags],
        "args": [_argument(a) for a in node.args],
        "exec_form": node.exec_form,
        "heredocs": [_heredoc(h) for h in node.heredocs],
        "comments": [_comment(c) for c in node.comments],
        "empty_continuation_lines": list(node.empty_continuation_lines),
    }
    if isinstance(node, (ast.EnvInstruction, ast.LabelInstruction, ast.ArgInstruction)):
        data["pairs"] = [_pair(p) for p in node.pairs]
    if isinstance(node, ast.RunInstruction):
        data["mounts"] = [
            {"type": m.type, "fields": [[k, v] for k, v in m.fields], "flag_span": span_json(m.flag.span)}
            for m in node.mounts
        ]
    if isinstance(node, ast.OnbuildInstruction):
        data["trigger"] = instruction_json(node.trigger) if node.trigger is not None else None
    if isinstance(node, ast.InvalidInstruction) and node.error is not None:
        data["error"] = _error(node.error)
    return data


def _expansion(exp: Optional[Expansion]) -> Optional[dict[str, Any]]:
    if exp is None:
        return None
    return {
        "source": exp.source,
        "value": exp.value,
        "resolved": exp.resolved,
        "unresolved": sorted(exp.unresolved),
        "undefined": sorted(exp.undefined),
        "error": exp.error,
    }


def _image(ref: Optional[ImageReference]) -> Optional[dict[str, Any]]:
    if ref is None:
        return None
    return {
        "text": ref.text,
        "registry": ref.registry,
        "repository": ref.repository,
        "tag": ref.tag,
        "digest": ref.digest,
        "fully_known": ref.fully_known,
        "untagged": ref.untagged,
        "error": ref.error,
    }


def _stage(stage: Stage, positions: dict[ast.Instruction, int], model: BuildModel) -> dict[str, Any]:
    scope = model.final_scope(stage)
    return {
        "index": stage.index,
        "name": stage.name,
        "line": stage.line,
        "from_instruction": positions[stage.from_instruction],
        "instructions": [positions[i] for i in stage.instructions],
        "base": {
            "argument": stage.base.argument.value if stage.base.argument else None,
            "expansion": _expansion(stage.base.expansion),
            "stage": stage.base.parent,
            "scratch": stage.base.is_scratch,
            "image": _image(stage.base.reference),
        },
        "platform": _expansion(stage.platform),
        "dependencies": [
            {"kind": d.kind, "line": d.instruction.line, "stage": d.stage, "image": _image(d.image)}
            for d in stage.dependencies
        ],
        "variables": [
            {"name": v.name, "kind": v.kind, "value": _display(v.value), "known": v.known}
            for v in scope.variables.values()
        ],
    }


def file_json(file: ast.File, model: Optional[BuildModel] = None) -> dict[str, Any]:
    """The whole document ``dflint ast`` prints."""
    positions = {node: index for index, node in enumerate(file.instructions)}
    data: dict[str, Any] = {
        "version": AST_JSON_VERSION,
        "path": file.path,
        "escape": file.escape,
        "ok": file.ok,
        "errors": [_error(e) for e in file.errors],
        "directives": [
            {"name": d.name, "value": d.value, "text": d.text, "span": span_json(d.span),
             "name_span": span_json(d.name_span), "value_span": span_json(d.value_span)}
            for d in file.directives
        ],
        "comments": [_comment(c) for c in file.comments],
        "instructions": [instruction_json(node) for node in file.instructions],
    }
    if model is not None:
        data["model"] = {
            "global_args": [
                {"name": v.name, "value": _display(v.value), "known": v.known,
                 "line": v.node.line if v.node is not None else None}
                for v in model.global_args
            ],
            "stages": [_stage(stage, positions, model) for stage in model.stages],
        }
    return data


def _display(value: Optional[str]) -> Optional[str]:
    return display(value) if value is not None else None
