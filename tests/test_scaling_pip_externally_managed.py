"""DF215 pip-externally-managed on one RUN of many pip installs: counted, never timed.

Whether an earlier command of the RUN sourced a file, and the variables its commands export, are
found once per RUN (dflint.model.python_env), not by reading the earlier steps again for each pip.
"""

from dflint.model import python_env
from dflint.testing import lint_snippet

try:  # tests/ is not a package; pytest puts it on sys.path
    from .test_scaling import _count_calls
except ImportError:
    from test_scaling import _count_calls  # type: ignore[no-redef]


def test_one_run_of_many_pip_installs_reads_its_steps_once_per_question(monkeypatch):
    installs = 300
    text = ("FROM debian:12\nRUN apt-get update && apt-get install -y python3-pip\nRUN true"
            + "".join(f" \\\n && pip install pkg{i}" for i in range(installs)) + "\n")
    read = _count_calls(monkeypatch, python_env, "run_steps")
    result = lint_snippet(text, "pip-externally-managed")
    assert len(result.diagnostics) == installs
    assert len(read) <= 4  # one per RUN and question (sourcing, shell settings), not one per pip
