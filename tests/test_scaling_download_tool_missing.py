"""DF415 download-tool-missing in a chain of stages: each RUN read once, counted, never timed.

A stage starts from what its parent's walk left, as DF414 does, instead of walking its whole
lineage again.
"""

import importlib

from dflint.testing import lint_snippet

try:  # tests/ is not a package; pytest puts it on sys.path
    from .test_scaling import _count_calls
except ImportError:
    from test_scaling import _count_calls  # type: ignore[no-redef]


def test_each_run_of_a_chain_of_stages_is_read_once(monkeypatch):
    rule = importlib.import_module("dflint.rules.download_tool_missing")
    stages = 200
    lines = ["FROM alpine:3.20 AS s0", "RUN echo 0"]
    for i in range(1, stages):
        lines += [f"FROM s{i - 1} AS s{i}", f"RUN echo {i}"]
    text = "\n".join(lines) + "\nRUN curl -fsSLO https://example.com/x\n"
    read = _count_calls(monkeypatch, rule, "run_steps")
    result = lint_snippet(text, "download-tool-missing")
    assert [d.line for d in result.diagnostics] == [2 * stages + 1]
    assert len(read) == stages + 1
