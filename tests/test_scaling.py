"""Work that must grow linearly with the file: counted, never timed.

Each test builds a file where a quadratic algorithm would do N x N steps and
counts the steps that betray it (calls of a helper, visits of a node), so a
regression fails here on any machine, fast or busy.
"""

from dflint import ast
from dflint.model.build import BuildModel
from dflint.model.variables import Scope
from dflint.testing import lint_snippet


def _count_calls(monkeypatch, owner, name, when=lambda *args, **kwargs: True):
    original = getattr(owner, name)
    calls = []

    def counting(*args, **kwargs):
        if when(*args, **kwargs):
            calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


def test_sudo_reads_each_user_once(monkeypatch):
    # Each RUN used to walk its stage's instructions again to find the USER before it.
    runs = 200
    text = "FROM ubuntu:24.04 AS base\nUSER root\nFROM base\n" + "RUN sudo apt-get update\n" * runs
    expanded = _count_calls(monkeypatch, BuildModel, "expand",
                            lambda model, node, *rest: isinstance(node, ast.UserInstruction))
    result = lint_snippet(text, "sudo")
    assert len(result.diagnostics) == runs
    assert all(d.fix is not None for d in result.diagnostics)  # the USER root of the FROM stage is seen
    assert len(expanded) == 1


def test_env_self_reference_looks_up_each_name_once_per_pair(monkeypatch):
    # Each value was searched for each name of the ENV with its own regular expression (N x N,
    # and past the re module's cache of 512 patterns every search compiled its pattern again).
    pairs = 600
    text = "FROM alpine:3.20\nENV " + " ".join(f"K{i}=$K{i + 1}" for i in range(pairs)) + "\n"
    looked_up = _count_calls(monkeypatch, Scope, "get")
    result = lint_snippet(text, "env-self-reference")
    assert len(result.diagnostics) == pairs - 1  # the last one refers to K600, which no pair sets
    assert "$K1 is set by this same ENV" in result.diagnostics[0].message
    assert len(looked_up) <= 2 * pairs
