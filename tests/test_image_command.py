"""The ENTRYPOINT and CMD an image ends up with, as BuildKit sets them, and the two rules that read them."""

from __future__ import annotations

import pytest

from dflint.api import parse
from dflint.config import Overrides, default_config
from dflint.linter import Linter
from dflint.model import BuildModel
from dflint.model.history import image_command
from dflint.registry import installed


def _command_lines(text: str) -> tuple:
    model = BuildModel(parse(text))
    entrypoint, cmd = image_command(model, model.stages[-1])
    return (entrypoint and entrypoint.line, cmd and cmd.line)


@pytest.mark.parametrize("text, lines", [
    ("FROM a\nCMD x\nENTRYPOINT y\n", (3, 2)),  # a CMD of the same stage survives the ENTRYPOINT
    ("FROM a\nENTRYPOINT y\nCMD x\n", (2, 3)),
    ("FROM a AS b\nCMD x\nFROM b\nENTRYPOINT y\n", (4, None)),  # the parent stage's CMD is cleared
    ("FROM a AS b\nENTRYPOINT y\nFROM b\nCMD x\n", (2, 4)),
    ("FROM a AS b\nCMD x\nENTRYPOINT y\nFROM b\nLABEL l=1\n", (3, 2)),
    ("FROM a\nCMD x\nENTRYPOINT y\nENTRYPOINT z\n", (4, 2)),
    ("FROM a\nLABEL l=1\n", (None, None)),
])
def test_image_command_follows_buildkit(text, lines):
    assert _command_lines(text) == lines


def _messages(text: str, code: str) -> list[str]:
    rules, _ = installed()
    config = default_config(rules).merged_with(Overrides(select=[code]), rules)
    return [d.message for d in Linter(rules).lint_text(text, "Dockerfile", config).diagnostics]


def test_json_args_names_what_an_exec_entrypoint_starts_only_when_it_gets_the_cmd():
    reached = _messages("FROM alpine:3.20\nENTRYPOINT [\"app\"]\nCMD app --serve\n", "DF401")
    assert len(reached) == 1 and reached[0].endswith('the container now starts as `app /bin/sh -c "app --serve"`')
    cleared = _messages("FROM alpine:3.20 AS base\nCMD app --serve\nFROM base\nENTRYPOINT [\"app\"]\n", "DF401")
    assert len(cleared) == 1 and "starts as" not in cleared[0]
    alone = _messages("FROM alpine:3.20\nCMD app --serve\n", "DF401")
    assert len(alone) == 1 and "starts as" not in alone[0]
