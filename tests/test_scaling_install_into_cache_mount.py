"""DF118 install-into-cache-mount on many mounted RUNs, and on one RUN of many installs: counted, never timed.

What follows each RUN is indexed once per stage, and what follows each step once per RUN, so every
instruction and every step is read a bounded number of times, not once per mounted RUN or install.
"""

import sys

from dflint.testing import _rule_set, lint_snippet

try:  # tests/ is not a package; pytest puts it on sys.path
    from .test_scaling import _count_calls
except ImportError:
    from test_scaling import _count_calls  # type: ignore[no-redef]


def _module():
    rule = _rule_set().get("DF118")
    return sys.modules[(rule if isinstance(rule, type) else type(rule)).__module__]


def test_many_mounted_runs_read_each_instruction_a_bounded_number_of_times(monkeypatch):
    runs = 200
    for final, expected in ((True, runs), (False, 0)):
        text = ("FROM node:20" + ("" if final else " AS b") + "\n"
                + "".join(f"RUN --mount=type=cache,target=/w{i}/node_modules cd /w{i} && npm ci\n" for i in range(runs))
                + ('CMD ["node", "x.js"]\n' if final else "FROM alpine\nCOPY --from=b /w1/x /x\n"))
        module = _module()
        installs = _count_calls(monkeypatch, module, "_installs")
        targets = _count_calls(monkeypatch, module, "_all_targets")
        result = lint_snippet(text, "install-into-cache-mount")
        assert len(result.diagnostics) == expected
        assert 0 < len(installs) <= 3 * 2 * runs  # two steps a RUN: the RUN's own read and the index's
        assert 0 < len(targets) <= 3 * runs


def test_one_run_of_many_installs_reads_its_steps_once(monkeypatch):
    installs = 300
    text = ("FROM python:3.12\nWORKDIR /app\nRUN --mount=type=tmpfs,target=/t true"
            + "".join(f" \\\n && python -m venv /t/v{i}" for i in range(installs)) + " \\\n && make\n"
            + 'CMD ["x"]\n')
    module = _module()
    read = _count_calls(monkeypatch, module, "_paths")
    result = lint_snippet(text, "install-into-cache-mount")
    assert result.diagnostics == []  # make builds in the project after every install
    assert 0 < len(read) <= 3 * (installs + 2)
