"""Long chains must cost linear work: counted, never timed.

A RUN of N `&&`-joined installs looked for an apt setting in the text of every
earlier command, once per install: N x N. Each test builds such a chain and
counts the calls of the function that was called once per pair (see
tests/test_scaling.py for the style).
"""

from dflint.model import package_config
from dflint.testing import lint_snippet

try:  # tests/ is not a package; pytest puts it on sys.path
    from .test_scaling import _count_calls
except ImportError:
    from test_scaling import _count_calls  # type: ignore[no-redef]


def test_configuration_in_a_run_reads_each_command_once(monkeypatch):
    # Each install rebuilt and searched the text of every command before it in its RUN.
    installs = 300
    text = ("FROM debian:12\nRUN " + " && ".join(f"apt-get install -y p{i} && rm -rf /tmp/p{i}"
                                                 for i in range(installs))
            + " && echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norecommends"
            + " && apt-get install -y last\n")
    read = _count_calls(monkeypatch, package_config, "_step_text")
    result = lint_snippet(text, "no-install-recommends")
    assert len(result.diagnostics) == installs  # all but the install after the setting
    assert len(read) <= 2 * installs + 2  # each command of the RUN once
