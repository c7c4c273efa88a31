"""Long chains must cost linear work: counted, never timed.

A RUN of N `&&`-joined installs looked for an apt setting in the text of every
earlier command, once per install; in a chain of N stages (`FROM s{i-1} AS
s{i}`) several rules read the whole lineage again for each stage: N x N. Each
test builds such a chain and counts the calls of the function that was called
once per pair (see tests/test_scaling.py for the style).
"""

import importlib

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


def _chain(stages, first, each):
    """``FROM s{i-1} AS s{i}`` ``stages`` times: ``first`` lines in s0, ``each(i)`` lines in the others."""
    lines = ["FROM debian:12 AS s0", *first]
    for i in range(1, stages):
        lines += [f"FROM s{i - 1} AS s{i}", *each(i)]
    return "\n".join(lines) + "\n"


def test_update_without_install_reads_each_run_once_in_a_chain_of_stages(monkeypatch):
    # Each stage looked for lonely refreshes in every RUN of its lineage: N*N/2 reads.
    rule = importlib.import_module("dflint.rules.update_without_install")
    stages = 200
    text = _chain(stages, ["RUN apt-get update"], lambda i: [f"RUN echo {i} > /f{i}"]) + "RUN apt-get install -y curl\n"
    read = _count_calls(monkeypatch, rule, "_lonely_refreshes")
    result = lint_snippet(text, "update-without-install")
    assert len(result.diagnostics) == 1
    assert "may read an old index" in result.diagnostics[0].message
    assert f"on line {2 * stages + 1}" in result.diagnostics[0].message
    assert len(read) <= 2 * stages


def test_relative_copy_reads_each_stage_once_in_a_chain_of_stages(monkeypatch):
    # Each stage looked for a WORKDIR in every stage of its lineage, twice: N*N reads.
    rule = importlib.import_module("dflint.rules.relative_copy_without_workdir")
    stages = 200
    text = _chain(stages, ["COPY a.txt rel/"], lambda i: [f"COPY f{i}.txt rel/"] + (["WORKDIR /w"] if i == 150 else []))
    read = _count_calls(monkeypatch, rule, "_sets_workdir")
    result = lint_snippet(text, "relative-copy-without-workdir")
    assert len(result.diagnostics) == 151  # s0 to s150, whose COPY comes before its WORKDIR
    assert len(read) <= 2 * stages


class _Counted(tuple):
    """A history that counts the steps read from it (slices count too)."""

    read: list = []

    def __iter__(self):
        for item in tuple.__iter__(self):
            self.read.append(item)
            yield item

    def __getitem__(self, key):
        got = tuple.__getitem__(self, key)
        return _Counted(got) if isinstance(key, slice) else got


def test_copy_before_install_reads_each_step_once_in_a_chain_of_stages(monkeypatch):
    # Each stage went through every step of its lineage again: N*N/2 steps.
    rule = importlib.import_module("dflint.rules.copy_before_install")
    stages = 200
    text = _chain(stages, ["COPY . /app", "RUN pip install -r /app/requirements.txt"],
                  lambda i: [f"COPY f{i}.txt /opt/", f"RUN echo {i} > /f{i}"])
    read = []
    monkeypatch.setattr(_Counted, "read", read)
    original = rule.histories
    monkeypatch.setattr(rule, "histories", lambda *args: (_Counted(h) for h in original(*args)))
    result = lint_snippet(text, "copy-before-install")
    assert len(result.diagnostics) == 1
    assert len(read) <= 2 * (2 * stages)  # each COPY and RUN read once


def test_curl_and_wget_reads_each_run_once_in_a_chain_of_stages(monkeypatch):
    # Each image stage read the steps of every RUN of its lineage again: N*N/2 reads.
    rule = importlib.import_module("dflint.rules.curl_and_wget")
    stages = 200
    text = _chain(stages, ["RUN curl -fsSL https://example.com/a -o /a"],
                  lambda i: [f"RUN wget -q https://example.com/{i}"])
    read = _count_calls(monkeypatch, rule, "run_steps")
    result = lint_snippet(text, "curl-and-wget")
    assert len(result.diagnostics) == stages - 1  # each wget, after the curl of s0
    assert all("`curl` on line 2" in d.message for d in result.diagnostics)
    assert len(read) <= 2 * stages
